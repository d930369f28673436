/**
 * Runs the OPFS sink where it can run — a dedicated worker (createSyncAccessHandle exists only
 * there) — for tests/browser/envelope-opfs.test.ts. Each message names a task; the reply carries
 * what the test asserts on.
 */
import { importAesGcmKey } from '../../workers/crypto/aes-gcm.ts';
import { decryptMessage } from '../../workers/envelope/decrypt-message.ts';
import { encryptMessage } from '../../workers/envelope/encrypt-message.ts';
import {
  discardOutput,
  OpfsSink,
  opfsSyncAccessAvailable,
  ownOutputs,
} from '../../workers/envelope/opfs-sink.ts';
import { RawAesKeyring } from '../../workers/envelope/raw-aes-keyring.ts';
import { toHex } from '../../workers/encoding.ts';

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<{ task: string }>) => void) | null;
  postMessage(message: unknown): void;
};

async function keyring(): Promise<RawAesKeyring> {
  const key = await importAesGcmKey(Uint8Array.from({ length: 32 }, (_, i) => i));
  return new RawAesKeyring([
    { identity: { keyNamespace: 'pocket-kms', keyName: 'opfs-test#v1' }, wrappingKey: key },
  ]);
}

function plaintext(length: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + (i >>> 8)) & 0xff;
  return bytes;
}

/** Job directories in this worker's own output directory (each test task runs in a fresh worker). */
async function outputEntries(): Promise<string[]> {
  const { directory } = await ownOutputs();
  const names: string[] = [];
  for await (const name of (directory as unknown as { keys(): AsyncIterable<string> }).keys())
    names.push(name);
  return names.sort();
}

async function sha256(blob: Blob): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer()));
  return toHex(digest);
}

const tasks: Record<string, () => Promise<unknown>> = {
  async roundTrip() {
    const input = new File([plaintext(3 * 1024 * 1024 + 5)], 'report.pdf');
    const encryptSink = await OpfsSink.create('report.pdf.encrypted');
    const encrypted = await encryptMessage({
      input,
      keyring: await keyring(),
      sink: encryptSink,
      frameLength: 512 * 1024,
    });
    const decryptSink = await OpfsSink.create('report.pdf');
    const decrypted = await decryptMessage({
      input: encrypted.result,
      keyring: await keyring(),
      sink: decryptSink,
    });
    const entries = await outputEntries();
    const result = {
      available: opfsSyncAccessAvailable(),
      encryptedName: encrypted.result.name,
      encryptedSize: encrypted.result.size,
      ciphertextLength: encrypted.ciphertextLength,
      decryptedName: decrypted.result.name,
      decryptedSize: decrypted.result.size,
      sameDigest: (await sha256(input)) === (await sha256(decrypted.result)),
      entries,
      jobDirectories: [encryptSink.outputId, decryptSink.outputId].sort(),
    };
    await discardOutput(encryptSink.outputId);
    await discardOutput(decryptSink.outputId);
    return { ...result, entriesAfterRemoval: await outputEntries() };
  },

  async abortDeletesPartialFile() {
    const sink = await OpfsSink.create('partial.bin');
    sink.write(plaintext(1024 * 1024));
    const whileOpen = await outputEntries();
    await sink.abort();
    await sink.abort(); // twice is harmless
    return {
      directory: sink.outputId,
      whileOpen,
      afterAbort: await outputEntries(),
      written: sink.size,
    };
  },

  async failedDecryptDeletesPartialFile() {
    const encryptSink = await OpfsSink.create('data.bin.encrypted');
    const encrypted = await encryptMessage({
      input: new Blob([plaintext(1200 * 1024)]),
      keyring: await keyring(),
      sink: encryptSink,
      frameLength: 256 * 1024,
    });
    // Change one byte of the final frame: frames 1-4 authenticate and are written (the first
    // MiB of them reaching the file: writes are gathered in chunks of 1 MiB), then frame 5 fails.
    const bytes = new Uint8Array(await encrypted.result.arrayBuffer());
    bytes[bytes.length - 20]! ^= 0x01;
    const decryptSink = await OpfsSink.create('data.bin');
    let error: { name: string; message: string } | null = null;
    try {
      await decryptMessage({
        input: new Blob([bytes]),
        keyring: await keyring(),
        sink: decryptSink,
      });
    } catch (thrown) {
      error = { name: (thrown as Error).name, message: (thrown as Error).message };
    }
    return {
      error,
      writtenBeforeFailure: decryptSink.size,
      decryptDirectory: decryptSink.outputId,
      encryptDirectory: encryptSink.outputId,
      entries: await outputEntries(),
    };
  },

  async cancelDeletesPartialFile() {
    const controller = new AbortController();
    const sink = await OpfsSink.create('big.bin.encrypted');
    let error: string | null = null;
    try {
      await encryptMessage({
        input: new Blob([plaintext(2 * 1024 * 1024)]),
        keyring: await keyring(),
        sink,
        frameLength: 64 * 1024,
        signal: controller.signal,
        onProgress: (done) => {
          if (done > 0) controller.abort();
        },
      });
    } catch (thrown) {
      error = (thrown as Error).name;
    }
    return { error, entries: await outputEntries() };
  },
};

scope.onmessage = (event) => {
  const task = tasks[event.data.task];
  if (!task) {
    scope.postMessage({ ok: false, error: `no task ${event.data.task}` });
    return;
  }
  task().then(
    (result) => scope.postMessage({ ok: true, result }),
    (error: unknown) =>
      scope.postMessage({
        ok: false,
        error: `${(error as Error).name}: ${(error as Error).message}`,
      }),
  );
};
