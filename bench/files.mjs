// File throughput (issues 3 and 14): encryptFile and decryptFile of a large file through
// window.kms, against raw WebCrypto AES-256-GCM in a worker of the same page (the reference, in
// 512 KiB frames, and in the core's 32 KiB frames with each result let go of, as the core does),
// with where the time goes (reading the input, writing OPFS), and the AWS Encryption SDK's
// browser client on an in-memory buffer, all in one run.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, createWriteStream, openSync, unlinkSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { descendantCpuSeconds, mibPerSecond, openAppWithProfile } from './support.mjs';

// The references' frames: issue 14's reference, raw AES-GCM on 512 KiB frames (the core's default
// until it learnt to let go of its results), and the core's own default now.
const FRAME_LENGTH = 512 * 1024;
const CORE_FRAME_LENGTH = 32 * 1024; // workers/envelope/encrypt-message.ts DEFAULT_FRAME_LENGTH
const PIPELINE_DEPTH = 4; // frames in flight in the core (workers/envelope/frame-pipeline.ts)
const FRAME_WORKERS = 2;
const SDK_BYTES = 64 * 1024 * 1024;
/** Warmed beyond a step's output: the core's buffers and the page's own memory. */
const WARM_MARGIN_BYTES = 512 * 1024 * 1024;
/** Interleaved rounds of the goals' steps (odd: the median is one of them). */
const ROUNDS = 3;

/**
 * Writes back every dirty page (`sync`) before a step: each step writes a GiB or more to OPFS,
 * and the kernel writing it to the disk during the next step would be charged to that step (a
 * decrypt timed right after its encrypt read and wrote while the encrypt's output was still
 * being written back). Where `sync` is missing, steps run as they come.
 *
 * Then, unless `cold`, warms `warmBytes` of the machine's free memory: a scratch file of that
 * size is written and deleted at once, so its page cache goes back to the free lists as memory
 * the host has just backed. On a virtual machine whose balloon reports free pages to the host
 * (virtio-balloon free page reporting: the kernel hands free 2 MiB blocks back about two seconds
 * after they are freed), memory that has been free for a while costs a trip to the host for
 * every page when it is next used: a GiB written into the page cache then runs at 290–420 MiB/s
 * instead of 3900–4700 (`dd if=/dev/zero of=f bs=4M count=256` right after deleting an
 * earlier one, and again ten seconds later). Which steps found warm memory decided which ran
 * 2–4× slower (docs/ARCHITECTURE.md "File outputs"); a laptop has no such balloon. `--cold`
 * runs the steps as they come instead.
 */
function settle({ warmBytes, cold }) {
  try {
    execFileSync('sync');
  } catch {
    // not Linux, or no coreutils: unsettled
  }
  if (cold) return;
  const scratch = join(tmpdir(), `pkms-bench-warm-${process.pid}`);
  const chunk = Buffer.alloc(4 * 1024 * 1024);
  const fd = openSync(scratch, 'w');
  try {
    for (let written = 0; written < warmBytes; written += chunk.length) writeSync(fd, chunk);
  } finally {
    closeSync(fd);
    unlinkSync(scratch); // before writeback: the pages are dropped, never written to disk
  }
}

/** `mib` MiB of random bytes in a file on disk, as a person's dropped file is. */
async function randomFile(directory, mib) {
  const path = join(directory, 'bench.bin');
  const out = createWriteStream(path);
  for (let i = 0; i < mib; i++) {
    if (!out.write(randomBytes(1024 * 1024))) await new Promise((go) => out.once('drain', go));
  }
  out.end();
  await finished(out);
  return path;
}

export async function benchFiles({ fileMiB, cold = false }) {
  const directory = await mkdtemp(join(tmpdir(), 'pkms-bench-input-'));
  const { page, close } = await openAppWithProfile();
  const totalBytes = fileMiB * 1024 * 1024;
  let result;
  try {
    await page.evaluate(() => {
      const picker = Object.assign(document.createElement('input'), {
        type: 'file',
        id: 'bench-input',
      });
      document.body.append(picker);
    });
    await page.setInputFiles('#bench-input', await randomFile(directory, fileMiB));
    await page.evaluate(async (totalBytes) => {
      const input = document.querySelector('#bench-input').files[0];
      if (input.size !== totalBytes) throw new Error('the input file has the wrong size');
      const { KeyMetadata } = await window.kms.createKey({ Description: 'bench files' });
      window.bench = { input, keyId: KeyMetadata.KeyId, context: { purpose: 'bench' } };
    }, totalBytes);
    /**
     * One step in its own evaluate, announced as it starts (a run that stops says where), after
     * the disk has settled, with the CPU seconds the browser's processes used meanwhile: `cpuS`.
     */
    const step = async (name, run, argument) => {
      console.log(`  bench: ${name}`);
      settle({ warmBytes: totalBytes + WARM_MARGIN_BYTES, cold });
      const before = descendantCpuSeconds();
      const measured = await page.evaluate(run, argument);
      const after = descendantCpuSeconds();
      return { ...measured, cpuS: before === null ? null : after - before };
    };
    // Each in a reference worker of its own (window.peerAlone), `keep` for a set-up step.
    const peer = (name, argument, options = {}) =>
      step(
        name,
        ({ name, argument, options }) =>
          window.peerAlone(
            name,
            {
              ...argument,
              blob:
                argument.blob === 'ciphertext'
                  ? window.bench.ciphertext
                  : argument.blob && window.bench.input,
            },
            [],
            options,
          ),
        { name, argument, options },
      );
    // A pipeline of the reference worker with helpers in `roles` (frame, read or write workers),
    // each reached through a port handed to it; `blob: true` reads the input.
    const helped = (operation, roles, argument) =>
      step(
        operation,
        ({ operation, roles, argument }) =>
          window
            .helperPorts(roles)
            .then((ports) =>
              window.peerAlone(
                operation,
                { ...argument, blob: argument.blob && window.bench.input, ports },
                ports,
              ),
            ),
        { operation, roles, argument },
      );
    const common = { totalBytes, frameLength: FRAME_LENGTH };
    const coreFrames = { totalBytes, frameLength: CORE_FRAME_LENGTH, release: true };
    const fromInput = { blob: true, frameLength: FRAME_LENGTH };
    // An output is removed before the next step, untimed: removing a GiB from OPFS takes time of
    // its own (earlier runs timed encryptFile with the removal of the output before it).
    const discard = (name) =>
      page.evaluate(async (name) => {
        const output = window.bench[name];
        window.bench[name] = undefined;
        if (output) await window.kms.discardFileOutput({ OutputId: output.OutputId });
      }, name);
    const encryptFile = async () => {
      await discard('encrypted');
      return step('encryptFile', async () => {
        const { input, keyId, context } = window.bench;
        const start = performance.now();
        window.bench.encrypted = await window.kms.encryptFile({
          Input: input,
          KeyIds: [keyId],
          EncryptionContext: context,
        });
        return { ms: performance.now() - start };
      });
    };
    // decryptFile reads the ciphertext as a person's chosen file is read: from disk (the first
    // encryptFile's output, saved there), or, `fromOutput`, the OPFS output itself.
    const decryptFile = async (fromOutput = false) => {
      const measured = await step(
        fromOutput ? "decryptFile (encryptFile's OPFS output)" : 'decryptFile',
        async (fromOutput) => {
          const { input, encrypted, ciphertext, context } = window.bench;
          const start = performance.now();
          window.bench.decrypted = await window.kms.decryptFile({
            Input: fromOutput ? encrypted.Output : ciphertext,
            EncryptionContext: context,
          });
          const ms = performance.now() - start;
          if (window.bench.decrypted.Output.size !== input.size) {
            throw new Error('round trip lost bytes');
          }
          return { ms };
        },
        fromOutput,
      );
      await discard('decrypted');
      return measured;
    };
    await encryptFile(); // the ciphertext to save, untimed for the goals
    // The ciphertext saved to disk, as a person saves it, and chosen again as a file.
    const ciphertextPath = join(directory, 'bench.bin.encrypted');
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 600_000 }),
      page.evaluate(() => {
        const link = Object.assign(document.createElement('a'), {
          href: URL.createObjectURL(window.bench.encrypted.Output),
          download: 'bench.bin.encrypted',
        });
        document.body.append(link);
        link.click();
        link.remove();
      }),
    ]);
    await download.saveAs(ciphertextPath);
    await page.evaluate(() => {
      const picker = Object.assign(document.createElement('input'), {
        type: 'file',
        id: 'bench-ciphertext',
      });
      document.body.append(picker);
    });
    await page.setInputFiles('#bench-ciphertext', ciphertextPath);
    await page.evaluate(() => {
      window.bench.ciphertext = document.querySelector('#bench-ciphertext').files[0];
    });
    // The goals' figures, in rounds: each round runs encryptFile, decryptFile (the ciphertext on
    // disk), the copy ceiling, raw AES-GCM both ways and the SDK, one after another, so that a
    // slow spell of the machine (load, steal time) falls on all of them alike; the goals take
    // each one's median over the rounds. Each is timed after its own settling (settle()).
    const rounds = [];
    for (let round = 0; round < ROUNDS; round++) {
      rounds.push({
        encrypt: await encryptFile(),
        decrypt: await decryptFile(),
        copy: await peer('copyFile', fromInput),
        rawEncrypt: await peer('rawAesGcm', { ...common, direction: 'encrypt' }),
        rawDecrypt: await peer('rawAesGcm', { ...common, direction: 'decrypt' }),
        // The core's frames, each result let go of at once, as the core does.
        rawEncryptCore: await peer('rawAesGcm', { ...coreFrames, direction: 'encrypt' }),
        rawDecryptCore: await peer('rawAesGcm', { ...coreFrames, direction: 'decrypt' }),
        sdk: await peer('esdkBrowser', {
          totalBytes: SDK_BYTES,
          suite: 0x0478,
          frameLength: FRAME_LENGTH,
        }),
        // The core's arrangement alone (AES-GCM in a frame worker), and the one before it (in
        // the one worker): in the rounds, so the two are compared by their medians.
        arrangement: await helped('frameWorkerPipeline', ['frame-worker'], {
          ...fromInput,
          depth: PIPELINE_DEPTH,
        }),
        oneThread: await peer('sealPipeline', { ...fromInput, depth: PIPELINE_DEPTH }),
      });
    }
    const decryptFromOutput = await decryptFile(true);
    // "Save to…": encryptFile and decryptFile into a file the person picked (an OPFS handle
    // standing in, as in the tests), written through createWritable — once each.
    const toPicked = (direction) =>
      step(
        `${direction}File into a picked file`,
        async (direction) => {
          const { input, ciphertext, keyId, context } = window.bench;
          const root = await navigator.storage.getDirectory();
          const name = `bench-picked-${direction}`;
          const Output = await root.getFileHandle(name, { create: true });
          const start = performance.now();
          const { Output: written } =
            direction === 'encrypt'
              ? await window.kms.encryptFile({
                  Input: input,
                  KeyIds: [keyId],
                  EncryptionContext: context,
                  Output,
                })
              : await window.kms.decryptFile({
                  Input: ciphertext,
                  EncryptionContext: context,
                  Output,
                });
          const ms = performance.now() - start;
          if (direction === 'decrypt' && written.size !== input.size) {
            throw new Error('round trip lost bytes');
          }
          await root.removeEntry(name);
          return { ms };
        },
        direction,
      );
    const encryptToPicked = await toPicked('encrypt');
    const decryptToPicked = await toPicked('decrypt');
    result = {
      rounds,
      decryptFromOutput,
      encryptToPicked,
      decryptToPicked,
      cores: await page.evaluate(() => navigator.hardwareConcurrency),
      rawInFlight: await peer('rawAesGcmInFlight', { ...common, depth: PIPELINE_DEPTH }),
      rawCoreKept: await peer('rawAesGcm', {
        ...coreFrames,
        release: false,
        direction: 'encrypt',
      }),
      frameWorkers: await helped('frameWorkers', Array(FRAME_WORKERS).fill('frame-worker'), {
        ...common,
        depth: PIPELINE_DEPTH * FRAME_WORKERS,
      }),
      twoFrameWorkers: await helped(
        'frameWorkerPipeline',
        Array(FRAME_WORKERS).fill('frame-worker'),
        { ...fromInput, depth: PIPELINE_DEPTH },
      ),
      sealWriteWorker: await helped('sealWriteWorkerPipeline', ['seal-write-worker'], {
        ...fromInput,
        depth: PIPELINE_DEPTH,
      }),
      writeWorker: await helped('writeWorkerPipeline', ['write-worker'], {
        ...fromInput,
        depth: PIPELINE_DEPTH,
      }),
      freshMemory: await peer('freshMemory', { totalBytes }),
      readInput: await peer('readBlobStream', fromInput),
      readInputSlices: await peer('readBlobSlices', fromInput),
      // The ciphertext as decryptFile reads it: the OPFS output, frame by frame (a frame is
      // its content and 32 bytes, so reads straddle the reader's slices).
      readCiphertext: await peer('readBlobStream', {
        blob: 'ciphertext',
        frameLength: FRAME_LENGTH + 32,
      }),
      readVariants: [],
      readFileReaderSync: await peer('readFileReaderSync', fromInput),
      readStreamDefault: await peer('readStreamDefault', fromInput),
      // Coalesced: the same bytes in 4 MiB writes instead of one per frame — measured before the
      // core's way, and the core's way twice: the first large OPFS write of a run is often slow.
      writeOpfsCoalesced: await peer('writeOpfs', { totalBytes, frameLength: 8 * FRAME_LENGTH }),
      writeOpfs: await peer('writeOpfs', common),
      writeOpfsAgain: await peer('writeOpfs', common),
      writeOpfsFlushed: await peer('writeOpfs', { ...common, flush: true }),
      streamSealPipeline: await peer('streamSealPipeline', {
        ...fromInput,
        depth: PIPELINE_DEPTH,
      }),
      ioWorkersPipeline: await helped('ioWorkersPipeline', ['read-worker', 'write-worker'], {
        ...fromInput,
        depth: PIPELINE_DEPTH,
      }),
      openPipeline: await peer('sealFrames', fromInput, { keep: true }).then(() =>
        peer('openPipeline', { frameLength: FRAME_LENGTH, depth: PIPELINE_DEPTH }),
      ),
      sdkDefaults: await peer('esdkBrowser', { totalBytes: SDK_BYTES }),
    };
    for (const [sliceMiB, ahead] of [
      [1, 8],
      [4, 2],
      [4, 8],
      [16, 2],
      [16, 4],
    ]) {
      result.readVariants.push({
        sliceMiB,
        ahead,
        ...(await peer('readSlicesAhead', { ...fromInput, sliceBytes: sliceMiB << 20, ahead })),
      });
    }
    await page.evaluate(() =>
      window.kms.discardFileOutput({ OutputId: window.bench.encrypted.OutputId }),
    );
  } finally {
    await close();
    await rm(directory, { recursive: true, force: true });
  }

  const rate = (bytes, milliseconds) => mibPerSecond(bytes, milliseconds).toFixed(0).padStart(6);
  // The goals' figures: each one's median over the rounds (the middle run by time, with its CPU).
  const middle = (runs, key = 'ms') =>
    [...runs].sort((x, y) => x[key] - y[key])[Math.floor(runs.length / 2)];
  const column = (name) => result.rounds.map((round) => round[name]);
  for (const name of [
    'encrypt',
    'decrypt',
    'copy',
    'rawEncrypt',
    'rawDecrypt',
    'rawEncryptCore',
    'rawDecryptCore',
    'arrangement',
    'oneThread',
  ]) {
    result[name] = middle(column(name));
  }
  result.sdkSameSettings = {
    encryptMs: middle(column('sdk'), 'encryptMs').encryptMs,
    decryptMs: middle(column('sdk'), 'decryptMs').decryptMs,
  };
  const rawEncrypt = mibPerSecond(totalBytes, result.rawEncrypt.ms);
  const rawDecrypt = mibPerSecond(totalBytes, result.rawDecrypt.ms);
  const ours = {
    encrypt: mibPerSecond(totalBytes, result.encrypt.ms),
    decrypt: mibPerSecond(totalBytes, result.decrypt.ms),
  };
  const sdk = {
    encrypt: mibPerSecond(SDK_BYTES, result.sdkSameSettings.encryptMs),
    decrypt: mibPerSecond(SDK_BYTES, result.sdkSameSettings.decryptMs),
  };
  const sdkDefaults = {
    encrypt: mibPerSecond(SDK_BYTES, result.sdkDefaults.encryptMs),
    decrypt: mibPerSecond(SDK_BYTES, result.sdkDefaults.decryptMs),
  };
  console.log(
    `\n## Files — ${fileMiB} MiB through window.kms in ${CORE_FRAME_LENGTH / 1024} KiB frames; ` +
      `references in ${FRAME_LENGTH / 1024} KiB frames unless said (MiB/s)\n`,
  );
  console.log(
    '                                              encrypt  decrypt   ours ÷ this (enc / dec)',
  );
  console.log(
    `raw WebCrypto AES-GCM in a worker (reference)  ${rate(totalBytes, result.rawEncrypt.ms)}   ${rate(totalBytes, result.rawDecrypt.ms)}    ${(ours.encrypt / rawEncrypt).toFixed(2)}× / ${(ours.decrypt / rawDecrypt).toFixed(2)}×`,
  );
  const rawCore = {
    encrypt: mibPerSecond(totalBytes, result.rawEncryptCore.ms),
    decrypt: mibPerSecond(totalBytes, result.rawDecryptCore.ms),
  };
  console.log(
    `raw AES-GCM, ${CORE_FRAME_LENGTH / 1024} KiB frames, results let go of     ${rate(totalBytes, result.rawEncryptCore.ms)}   ${rate(totalBytes, result.rawDecryptCore.ms)}    ${(ours.encrypt / rawCore.encrypt).toFixed(2)}× / ${(ours.decrypt / rawCore.decrypt).toFixed(2)}×`,
  );
  console.log(
    `Pocket KMS encryptFile / decryptFile            ${rate(totalBytes, result.encrypt.ms)}   ${rate(totalBytes, result.decrypt.ms)}`,
  );
  console.log(
    `ESDK browser client, 0x0478, same frames*      ${rate(SDK_BYTES, result.sdkSameSettings.encryptMs)}   ${rate(SDK_BYTES, result.sdkSameSettings.decryptMs)}    ${(ours.encrypt / sdk.encrypt).toFixed(2)}× / ${(ours.decrypt / sdk.decrypt).toFixed(2)}×`,
  );
  console.log(
    `ESDK browser client, defaults (0x0578, 4 KiB)* ${rate(SDK_BYTES, result.sdkDefaults.encryptMs)}   ${rate(SDK_BYTES, result.sdkDefaults.decryptMs)}    ${(ours.encrypt / sdkDefaults.encrypt).toFixed(2)}× / ${(ours.decrypt / sdkDefaults.decrypt).toFixed(2)}×`,
  );
  console.log(
    `* on a ${SDK_BYTES / 1048576} MiB buffer in memory: the SDK's browser client cannot stream`,
  );
  console.log(
    `(each the median of ${ROUNDS} interleaved rounds; decryptFile reads the ciphertext from disk)`,
  );
  // Issue 14 §2's goals, as ratios of this run: each ≥ 0.9× the lower of the copy ceiling and
  // raw AES-GCM; decrypt ≥ 0.9× encrypt; both ≥ 1× the SDK at the same settings.
  const goals = ({ encrypt, decrypt, copy, rawEncrypt, rawDecrypt, sdk }) => {
    const mib = (measured) => mibPerSecond(totalBytes, measured.ms);
    const ceiling = Math.min(mib(copy), mib(rawEncrypt));
    const decryptCeiling = Math.min(mib(copy), mib(rawDecrypt));
    return {
      encryptOfCeiling: mib(encrypt) / ceiling,
      decryptOfCeiling: mib(decrypt) / decryptCeiling,
      decryptOfEncrypt: mib(decrypt) / mib(encrypt),
      encryptOfSdk: mib(encrypt) / mibPerSecond(SDK_BYTES, sdk.encryptMs),
      decryptOfSdk: mib(decrypt) / mibPerSecond(SDK_BYTES, sdk.decryptMs),
    };
  };
  const describe = (ratios) =>
    `${ratios.encryptOfCeiling.toFixed(2)}× / ${ratios.decryptOfCeiling.toFixed(2)}× the ceiling, ` +
    `decrypt ${ratios.decryptOfEncrypt.toFixed(2)}× encrypt, ` +
    `${ratios.encryptOfSdk.toFixed(2)}× / ${ratios.decryptOfSdk.toFixed(2)}× the SDK`;
  const met = (ratios) =>
    ratios.encryptOfCeiling >= 0.9 &&
    ratios.decryptOfCeiling >= 0.9 &&
    ratios.decryptOfEncrypt >= 0.9 &&
    ratios.encryptOfSdk >= 1 &&
    ratios.decryptOfSdk >= 1;
  const copy = mibPerSecond(totalBytes, result.copy.ms);
  console.log(
    `copy ceiling (the core's reader and OPFS writes, no crypto)  ${copy.toFixed(0).padStart(6)} MiB/s`,
  );
  const medians = goals({ ...result, sdk: result.sdkSameSettings });
  console.log(
    `goals (≥ 0.9× min(copy ceiling, raw) each way, decrypt ≥ 0.9× encrypt, ≥ 1× the SDK each way):\n` +
      `  medians: ${describe(medians)}${met(medians) ? ' — met' : ''}`,
  );
  // The same, against raw AES-GCM in the core's frames with its results let go of.
  const coreReference = (round) => ({
    ...round,
    rawEncrypt: round.rawEncryptCore,
    rawDecrypt: round.rawDecryptCore,
  });
  const mediansCore = goals(coreReference({ ...result, sdk: result.sdkSameSettings }));
  console.log(
    `  medians, raw in ${CORE_FRAME_LENGTH / 1024} KiB frames, results let go of: ${describe(mediansCore)}${met(mediansCore) ? ' — met' : ''}`,
  );
  result.rounds.forEach((round, index) => {
    const ratios = goals(round);
    console.log(
      `  round ${index + 1}: encrypt ${rate(totalBytes, round.encrypt.ms)}, decrypt ${rate(totalBytes, round.decrypt.ms)}, ` +
        `copy ${rate(totalBytes, round.copy.ms)}, raw ${rate(totalBytes, round.rawEncrypt.ms)} / ${rate(totalBytes, round.rawDecrypt.ms)}, ` +
        `raw ${CORE_FRAME_LENGTH / 1024} KiB ${rate(totalBytes, round.rawEncryptCore.ms)} / ${rate(totalBytes, round.rawDecryptCore.ms)}, ` +
        `SDK ${rate(SDK_BYTES, round.sdk.encryptMs)} / ${rate(SDK_BYTES, round.sdk.decryptMs)} MiB/s: ${describe(ratios)}${met(ratios) ? ' — met' : ''}`,
    );
  });
  const busy = ({ ms, cpuS }) =>
    cpuS === null
      ? ''
      : `  ${cpuS.toFixed(2).padStart(6)} CPU s, ${(cpuS / (ms / 1000)).toFixed(2)} cores busy`;
  const line = (label, measured) =>
    console.log(
      `${label.padEnd(60)} ${rate(totalBytes, measured.ms)} MiB/s  (${(measured.ms / 1000).toFixed(2).padStart(6)} s)${busy(measured)}`,
    );
  console.log(
    `\nwhere the time goes (same sizes, each alone in the reference worker; ${result.cores} cores;` +
      ' CPU: every browser process, from /proc):',
  );
  line("read the input File, the core's reader (BYOB, one reused buffer)", result.readInput);
  line('  rejected: one Blob.slice per frame', result.readInputSlices);
  for (const { sliceMiB, ahead, ...measured } of result.readVariants) {
    line(`  rejected: slices alone, ${sliceMiB} MiB, ${ahead} in flight`, measured);
  }
  line('  rejected: FileReaderSync, 4 MiB slices', result.readFileReaderSync);
  line(
    `  File.stream(), default reader (${(result.readStreamDefault.chunkBytes / 1024).toFixed(0)} KiB chunks, no framing)`,
    result.readStreamDefault,
  );
  line('  for scale: allocate and fill new 4 MiB buffers', result.freshMemory);
  line('AES-GCM encrypt (raw, one frame at a time)', result.rawEncrypt);
  line('AES-GCM decrypt (raw, one frame at a time)', result.rawDecrypt);
  line(`  ${PIPELINE_DEPTH} frames in flight in one worker`, result.rawInFlight);
  line(
    `AES-GCM encrypt, ${CORE_FRAME_LENGTH / 1024} KiB frames, results let go of (median; as the core)`,
    result.rawEncryptCore,
  );
  line(
    `AES-GCM decrypt, ${CORE_FRAME_LENGTH / 1024} KiB frames, results let go of (median; as the core)`,
    result.rawDecryptCore,
  );
  line(`  the same encrypt, results left to the garbage collector`, result.rawCoreKept);
  line(
    `  ${FRAME_WORKERS} frame workers, ${PIPELINE_DEPTH} frames in flight each (key posted)`,
    result.frameWorkers,
  );
  line('write OPFS, size reserved, no flush (as the core)', result.writeOpfs);
  line('  again', result.writeOpfsAgain);
  line('  the same in 4 MiB writes (frames coalesced; measured first)', result.writeOpfsCoalesced);
  line('  rejected: the same plus one flush at the end', result.writeOpfsFlushed);
  line('copy ceiling: the reader and OPFS writes, no crypto (median)', result.copy);
  line(
    `frames of 512 KiB (another tool's file): the frame worker's arrangement (median)`,
    result.arrangement,
  );
  line(`  ${FRAME_WORKERS} frame workers (once)`, result.twoFrameWorkers);
  line('  rejected: sealing and writing both in the frame worker', result.sealWriteWorker);
  line(
    `  the same with AES-GCM in the one worker, ${PIPELINE_DEPTH} in flight (median)`,
    result.oneThread,
  );
  line('  rejected: one worker, the writes in a worker of their own', result.writeWorker);
  line(
    '  rejected: one worker, reading File.stream() into one frame buffer',
    result.streamSealPipeline,
  );
  line('  rejected: one worker, reading and writing in two I/O workers', result.ioWorkersPipeline);
  line(
    `decrypt in one worker (reader, ${PIPELINE_DEPTH} in flight, writes; input in OPFS)`,
    result.openPipeline,
  );
  line(
    "read the ciphertext (on disk) with the core's reader, frame by frame",
    result.readCiphertext,
  );
  line('encryptFile, all of it (median)', result.encrypt);
  line('decryptFile, all of it (the ciphertext on disk; median)', result.decrypt);
  line("  encryptFile's OPFS output itself, not saved (once)", result.decryptFromOutput);
  line(
    'encryptFile into a picked file, createWritable (OPFS standing in; once)',
    result.encryptToPicked,
  );
  line(
    'decryptFile into a picked file, createWritable (OPFS standing in; once)',
    result.decryptToPicked,
  );

  // The machine's share (issue 14 §2): the goal's time for the whole, and the CPU the parts
  // need at the least (the copy's plus the crypto's, each measured alone). If that CPU spread
  // over every core still takes longer than the goal allows, no arrangement reaches the goal
  // here; if not, the arrangement is the limit.
  if (result.copy.cpuS === null) return;
  console.log('\nCPU accounting (goal: 0.9× min(copy ceiling, raw)):');
  for (const [direction, raw] of [
    ['encrypt', result.rawEncrypt],
    ['decrypt', result.rawDecrypt],
    ['encrypt', result.rawEncryptCore],
    ['decrypt', result.rawDecryptCore],
  ]) {
    if (raw === result.rawEncryptCore) {
      console.log(
        `  the same with raw AES-GCM in ${CORE_FRAME_LENGTH / 1024} KiB frames, results let go of:`,
      );
    }
    const goalS = totalBytes / 1048576 / (0.9 * Math.min(copy, mibPerSecond(totalBytes, raw.ms)));
    const partsCpuS = result.copy.cpuS + raw.cpuS;
    const whole = result[direction];
    console.log(
      `  ${direction}: goal ${goalS.toFixed(2)} s; the parts need ${partsCpuS.toFixed(2)} CPU s, ` +
        `${(partsCpuS / goalS).toFixed(2)} cores for the goal's time (${result.cores} here); ` +
        `ours took ${(whole.ms / 1000).toFixed(2)} s and ${whole.cpuS.toFixed(2)} CPU s ` +
        `(${(whole.cpuS / partsCpuS).toFixed(2)}× the parts' CPU, ${(whole.cpuS / (whole.ms / 1000)).toFixed(2)} cores busy)`,
    );
    // ≥ 1× the SDK: the file in the time the SDK takes for its size at its rate — which the
    // parts' CPU, spread over every core, may already exceed (the SDK reads and writes memory).
    const sdkS = totalBytes / 1048576 / sdk[direction];
    const floorS = partsCpuS / result.cores;
    console.log(
      `    ≥ 1× the SDK means ${sdkS.toFixed(2)} s; the parts on every core take at least ${floorS.toFixed(2)} s` +
        (floorS > sdkS ? ': out of reach on this machine' : ''),
    );
  }
}
