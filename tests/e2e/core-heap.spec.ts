/**
 * Issue 3, acceptance: encrypting a 2 GiB input keeps the core worker's JS heap growth under
 * 64 MiB. The heap is read over the DevTools protocol: a browser-level CDP session attaches to
 * the core worker's target (Target.attachToTarget, non-flat, so commands travel through
 * Target.sendMessageToTarget — Playwright's CDPSession has no per-session routing), forces a
 * garbage collection for the baseline (HeapProfiler.collectGarbage), then samples
 * Runtime.getHeapUsage every 250 ms while encryptFile runs: usedSize (the JS heap) must grow by
 * less than 64 MiB, and backingStorageSize (the bytes behind ArrayBuffers, counted apart from the
 * JS heap) must stay bounded. In the default 32 KiB frames the core worker seals the frames
 * itself and the frame worker does not start; in 512 KiB frames the frame worker seals them
 * (workers/envelope/frame-cipher.ts), and the same holds for it, sampled from its start.
 *
 * A persistent profile on disk: Playwright's default contexts are off the record, whose storage
 * quota (in memory) refuses a 2 GiB output with QuotaExceededError.
 *
 * The input is built in the page as one Blob of 4096 references to one 512 KiB Blob: 2 GiB to
 * the worker, which reads it frame by frame, without 2 GiB anywhere in memory or on disk.
 *
 * The second test uses the same DevTools session to force garbage collections into the core
 * worker while it reads: the reader must hold the stream it reads (a stream collected in the
 * middle of a read leaves the read unsettled for ever; without the reader's hold this test timed
 * out).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, expect, test, type CDPSession, type Page } from '@playwright/test';
import { CHROMIUM_ARGS, chromiumPath } from '../chromium.mjs';
import { openApp } from './support/kms-page.ts';

const MIB = 1024 * 1024;
const INPUT_BYTES = 2 * 1024 * MIB;
const HEAP_GROWTH_LIMIT = 64 * MIB;
const GC_INPUT_BYTES = 512 * MIB;
/**
 * The memory behind ArrayBuffers holds the reader's one buffer, the gathered writes' one, the
 * frames in flight and AES-GCM results written but not yet let go of (crypto/result-memory.ts
 * lets go of them sixteen at a time): 3.5 MiB at its peak in 32 KiB frames and 9.9 MiB in 512 KiB
 * ones (one run each). Before results were let go of, the garbage collector freed them in batches:
 * 114–162 MiB at the peak. Holding the input would take 2 GiB.
 */
const BUFFER_MEMORY_LIMIT = 64 * MIB;
const SAMPLE_INTERVAL_MS = 250;

type HeapSample = { usedSize: number; backingStorageSize: number };

/** A DevTools session with one worker target, spoken to through the browser session. */
class WorkerDevTools {
  private nextId = 0;
  private readonly pending = new Map<
    number,
    (reply: { result?: unknown; error?: unknown }) => void
  >();

  private constructor(
    private readonly browserSession: CDPSession,
    private readonly sessionId: string,
  ) {
    browserSession.on('Target.receivedMessageFromTarget', (event) => {
      if (event.sessionId !== this.sessionId) return;
      const reply = JSON.parse(event.message) as { id?: number; result?: unknown; error?: unknown };
      if (reply.id !== undefined) this.pending.get(reply.id)?.(reply);
    });
  }

  /** Attaches to the (one) worker whose script URL contains `urlPart`, through a page's session. */
  static async attach(browserSession: CDPSession, urlPart: string): Promise<WorkerDevTools> {
    const found = await WorkerDevTools.attachIfStarted(browserSession, urlPart);
    expect(found, `one worker whose script is ${urlPart}`).toBeDefined();
    return found!;
  }

  /** attach, or undefined while no such worker runs. */
  static async attachIfStarted(
    browserSession: CDPSession,
    urlPart: string,
  ): Promise<WorkerDevTools | undefined> {
    const { targetInfos } = await browserSession.send('Target.getTargets');
    const workers = targetInfos.filter(
      (target) => target.type === 'worker' && target.url.includes(urlPart),
    );
    if (workers.length === 0) return undefined;
    expect(workers, `one worker whose script is ${urlPart}`).toHaveLength(1);
    const { sessionId } = await browserSession.send('Target.attachToTarget', {
      targetId: workers[0]!.targetId,
      flatten: false,
    });
    return new WorkerDevTools(browserSession, sessionId);
  }

  send<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = ++this.nextId;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, (reply) => {
        this.pending.delete(id);
        if (reply.error) reject(new Error(`${method}: ${JSON.stringify(reply.error)}`));
        else resolve(reply.result as T);
      });
      void this.browserSession.send('Target.sendMessageToTarget', {
        sessionId: this.sessionId,
        message: JSON.stringify({ id, method, params }),
      });
    });
  }

  /** The JS heap in use, and apart from it the memory behind ArrayBuffers (and external strings). */
  async usedHeap(): Promise<{ usedSize: number; backingStorageSize: number }> {
    return await this.send<{ usedSize: number; backingStorageSize: number }>(
      'Runtime.getHeapUsage',
    );
  }

  async detach(): Promise<void> {
    await this.browserSession.detach();
  }
}

/** `run` on the app in a persistent profile of its own, with a DevTools session on its page. */
async function withApp(
  baseURL: string | undefined,
  run: (page: Page, pageSession: CDPSession) => Promise<void>,
): Promise<void> {
  const profile = await mkdtemp(join(tmpdir(), 'pkms-heap-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    args: CHROMIUM_ARGS,
    ...(baseURL && { baseURL }),
  });
  const page = context.pages()[0] ?? (await context.newPage());
  try {
    await run(page, await context.newCDPSession(page));
  } finally {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  }
}

test('encrypting a 2 GiB input grows the core worker’s heap by less than 64 MiB, its buffers bounded', async ({
  baseURL,
}) => {
  test.setTimeout(900_000);
  await withApp(baseURL, (page, session) => measure(page, session, undefined));
});

test('the same in 512 KiB frames, sealed in the frame worker: both workers’ heaps bounded', async ({
  baseURL,
}) => {
  test.setTimeout(900_000);
  await withApp(baseURL, (page, session) => measure(page, session, 512 * 1024));
});

/**
 * The reader (workers/envelope/blob-reader.ts) holds the stream it reads until it closes: a
 * Blob's stream that only a waiting read refers to can be collected while the read waits, and
 * the read then never settles (encryptFile stalled so, now and then, before). Garbage
 * collections forced into the core worker every 50 ms while it encrypts 512 MiB and decrypts them
 * again find every read still answered: both calls finish, and the decrypted file has the
 * input's size and first MiB (decryptFile authenticated every frame on the way).
 */
test('the core’s reads outlive garbage collections in the middle of them: no call stalls', async ({
  baseURL,
}) => {
  test.setTimeout(120_000); // 4 s here; a stalled read waits for ever
  await withApp(baseURL, async (page, pageSession) => {
    await openApp(page);
    const devtools = await WorkerDevTools.attach(pageSession, 'kms.worker');
    try {
      await page.evaluate(async (inputBytes) => {
        const chunk = new Blob([crypto.getRandomValues(new Uint8Array(64 * 1024)).buffer]);
        const input = new File(
          Array.from({ length: inputBytes / (64 * 1024) }, () => chunk),
          'half-gib.bin',
        );
        const { KeyMetadata } = await window.kms.createKey({ Description: 'collected' });
        const state = window as unknown as { gcRun: Promise<unknown>; gcRunDone: boolean };
        state.gcRunDone = false;
        state.gcRun = (async () => {
          const encrypted = await window.kms.encryptFile({
            Input: input,
            KeyIds: [KeyMetadata.KeyId],
          });
          const decrypted = await window.kms.decryptFile({ Input: encrypted.Output });
          const same = new Uint8Array(await decrypted.Output.slice(0, 1 << 20).arrayBuffer());
          const original = new Uint8Array(await input.slice(0, 1 << 20).arrayBuffer());
          await window.kms.discardFileOutput({ OutputId: encrypted.OutputId });
          await window.kms.discardFileOutput({ OutputId: decrypted.OutputId });
          return {
            size: decrypted.Output.size,
            firstMiBEqual: same.every((byte, i) => byte === original[i]),
          };
        })().finally(() => (state.gcRunDone = true));
      }, GC_INPUT_BYTES);
      let collections = 0;
      while (
        !(await page.evaluate(() => (window as unknown as { gcRunDone: boolean }).gcRunDone))
      ) {
        await devtools.send('HeapProfiler.collectGarbage');
        collections++;
        await page.waitForTimeout(50);
      }
      const outcome = await page.evaluate(
        () =>
          (window as unknown as { gcRun: Promise<{ size: number; firstMiBEqual: boolean }> }).gcRun,
      );
      console.log(`core-heap: 512 MiB there and back with ${collections} forced collections`);
      expect(outcome).toEqual({ size: GC_INPUT_BYTES, firstMiBEqual: true });
      expect(collections).toBeGreaterThan(5);
    } finally {
      await devtools.detach();
    }
  });
});

/** `frameLength`: undefined for the default frames (the core worker seals them). */
async function measure(
  page: Page,
  pageSession: CDPSession,
  frameLength: number | undefined,
): Promise<void> {
  await openApp(page);
  const keyId = await page.evaluate(
    async () => (await window.kms.createKey({ Description: 'heap' })).KeyMetadata.KeyId,
  );
  const devtools = await WorkerDevTools.attach(pageSession, 'kms.worker');
  let frameDevtools: WorkerDevTools | undefined;
  try {
    await devtools.send('HeapProfiler.collectGarbage');
    const baseline = await devtools.usedHeap();

    // Started, not awaited: the samples are taken while it runs.
    await page.evaluate(
      ({ keyId, inputBytes, frameLength }) => {
        const chunk = new Blob([crypto.getRandomValues(new Uint8Array(64 * 1024)).buffer]);
        const frame = new Blob(Array.from({ length: 8 }, () => chunk)); // 512 KiB
        const input = new File(
          Array.from({ length: inputBytes / (512 * 1024) }, () => frame),
          'two-gib.bin',
        );
        const state = window as unknown as { heapRun: Promise<unknown>; heapRunDone: boolean };
        state.heapRunDone = false;
        state.heapRun = window.kms
          .encryptFile({
            Input: input,
            KeyIds: [keyId],
            ...(frameLength !== null && { FrameLength: frameLength }),
          })
          .then(async (result) => {
            await window.kms.discardFileOutput({ OutputId: result.OutputId });
            return { size: input.size, ciphertextLength: result.CiphertextLength };
          })
          .finally(() => (state.heapRunDone = true));
      },
      { keyId, inputBytes: INPUT_BYTES, frameLength: frameLength ?? null },
    );

    // Frames of 512 KiB are sealed in the frame worker the core worker starts for the first large
    // file of large frames (workers/envelope/frame-cipher.ts): its memory is sampled too, from
    // its first sample.
    const samples: HeapSample[] = [];
    const frameSamples: HeapSample[] = [];
    const started = Date.now();
    while (
      !(await page.evaluate(() => (window as unknown as { heapRunDone: boolean }).heapRunDone))
    ) {
      samples.push(await devtools.usedHeap());
      frameDevtools ??= await WorkerDevTools.attachIfStarted(pageSession, 'frame.worker');
      if (frameDevtools) frameSamples.push(await frameDevtools.usedHeap());
      await page.waitForTimeout(SAMPLE_INTERVAL_MS);
    }
    const seconds = (Date.now() - started) / 1000;
    const outcome = await page.evaluate(
      () =>
        (window as unknown as { heapRun: Promise<{ size: number; ciphertextLength: number }> })
          .heapRun,
    );
    expect(outcome.size).toBe(INPUT_BYTES);
    expect(outcome.ciphertextLength).toBeGreaterThan(INPUT_BYTES);
    expect(samples.length).toBeGreaterThan(4);

    const peak = Math.max(...samples.map((sample) => sample.usedSize));
    const growth = peak - baseline.usedSize;
    const buffers = Math.max(...samples.map((sample) => sample.backingStorageSize));
    console.log(
      `core-heap: 2 GiB encrypted in ${((frameLength ?? 32768) / 1024).toFixed(0)} KiB frames in ${seconds.toFixed(1)} s; ${samples.length} samples; ` +
        `JS heap baseline ${(baseline.usedSize / MIB).toFixed(1)} MiB, peak ${(peak / MIB).toFixed(1)} MiB, ` +
        `growth ${(growth / MIB).toFixed(1)} MiB (limit ${HEAP_GROWTH_LIMIT / MIB} MiB); ` +
        `ArrayBuffer memory baseline ${(baseline.backingStorageSize / MIB).toFixed(1)} MiB, peak ${(buffers / MIB).toFixed(1)} MiB`,
    );
    expect(growth).toBeLessThan(HEAP_GROWTH_LIMIT);
    expect(buffers).toBeLessThan(BUFFER_MEMORY_LIMIT);

    if (frameLength === undefined) {
      expect(frameSamples, 'no frame worker for 32 KiB frames').toEqual([]);
      return;
    }
    expect(frameSamples.length, 'samples of the frame worker').toBeGreaterThan(4);
    const frameGrowth =
      Math.max(...frameSamples.map((sample) => sample.usedSize)) - frameSamples[0]!.usedSize;
    const frameBuffers = Math.max(...frameSamples.map((sample) => sample.backingStorageSize));
    console.log(
      `core-heap: frame worker JS heap growth ${(frameGrowth / MIB).toFixed(1)} MiB, ` +
        `ArrayBuffer memory peak ${(frameBuffers / MIB).toFixed(1)} MiB`,
    );
    expect(frameGrowth).toBeLessThan(HEAP_GROWTH_LIMIT);
    expect(frameBuffers).toBeLessThan(BUFFER_MEMORY_LIMIT);
  } finally {
    await devtools.detach();
  }
}
