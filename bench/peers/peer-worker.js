// The benchmark's reference worker: the bare operations Pocket KMS is measured against, run in
// a dedicated worker of the same page and the same Chromium as the app (npm run bench):
//   - raw WebCrypto AES-256-GCM over frame-sized buffers, no I/O (the file reference);
//   - reading a File frame by frame and writing an OPFS file (where a file operation's time goes);
//   - the AWS Encryption SDK's browser client on an in-memory buffer (a peer);
//   - bare WebCrypto / noble sign and verify (the signing reference).
// Built by bench/vite.config.mjs into bench/dist/peer-worker.js; never shipped with the app.
import * as sdk from '@aws-crypto/client-browser';
import { Buffer } from 'buffer';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { releaseResult } from '../../workers/crypto/result-memory.ts';
import { BlobReader } from '../../workers/envelope/blob-reader.ts';
import { FramePipeline } from '../../workers/envelope/frame-pipeline.ts';

// The SDK's browser client uses Node's Buffer for suite 0x0578's signature (TOOLCHAIN.md).
globalThis.Buffer ??= Buffer;

/** getRandomValues fills at most 64 KiB per call. */
function randomBytes(length) {
  const bytes = new Uint8Array(length);
  for (let at = 0; at < length; at += 65536) crypto.getRandomValues(bytes.subarray(at, at + 65536));
  return bytes;
}

async function aesKey() {
  return crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
}

const SLICE = 4 * 1024 * 1024;
const FRAME_WORKER = 'frame-worker';
const READ_WORKER = 'read-worker';
const WRITE_WORKER = 'write-worker';
const SEAL_WRITE_WORKER = 'seal-write-worker';

/** 8 zero bytes ‖ u32 sequence number, as the format's frame IVs. */
function frameIv(sequenceNumber) {
  const iv = new Uint8Array(12);
  new DataView(iv.buffer).setUint32(8, sequenceNumber);
  return iv;
}

/** A new AES key, a frame's 40-byte AAD, and a sync access handle on a new OPFS file `name`. */
async function sealingSetup() {
  const root = await navigator.storage.getDirectory();
  const name = `bench-${crypto.randomUUID()}`;
  const handle = await (await root.getFileHandle(name, { create: true })).createSyncAccessHandle();
  return { key: await aesKey(), additionalData: new Uint8Array(40), root, name, handle };
}

/**
 * Reserves `handle`'s file to `blob` sealed in frames of `frameLength`, and returns a
 * FramePipeline of `depth` that writes each sealed frame after the last.
 */
function sealedWrites(handle, { blob, frameLength, depth }) {
  handle.truncate(blob.size + Math.ceil(blob.size / frameLength) * 16);
  let at = 0;
  return new FramePipeline((sealed) => {
    at += handle.write(new Uint8Array(sealed), { at });
  }, depth);
}

/** Hands `frame` to AES-GCM, with the format's IV for `sequence`, into `pipeline` (in order). */
function pushSealed(pipeline, key, sequence, additionalData, frame) {
  return pipeline.push(
    crypto.subtle.encrypt({ name: 'AES-GCM', iv: frameIv(sequence), additionalData }, key, frame),
  );
}

/**
 * Encrypts or decrypts `totalBytes` as frames of `frameLength`, one call each, as our format
 * does (`direction`: 'encrypt' or 'decrypt', each alone so the CPU time of each is its own).
 * `release`: each result is let go of at once, as the core does (workers/crypto/result-memory.ts).
 */
async function rawAesGcm({ totalBytes, frameLength, direction, release = false }) {
  const key = await aesKey();
  const frame = randomBytes(frameLength);
  const iv = new Uint8Array(12);
  const additionalData = new Uint8Array(40);
  const frames = Math.ceil(totalBytes / frameLength);
  const input =
    direction === 'decrypt'
      ? await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData }, key, frame)
      : frame;
  const start = performance.now();
  for (let i = 0; i < frames; i++) {
    if (direction === 'encrypt') new DataView(iv.buffer).setUint32(8, i + 1);
    const result = await crypto.subtle[direction](
      { name: 'AES-GCM', iv, additionalData },
      key,
      input,
    );
    if (release) releaseResult(new Uint8Array(result));
  }
  return { ms: performance.now() - start };
}

/**
 * The same frames with `depth` in flight in this one worker, as the core's FramePipeline keeps
 * them: WebCrypto runs each call on its own threads, so calls in flight overlap.
 */
async function rawAesGcmInFlight({ totalBytes, frameLength, depth }) {
  const key = await aesKey();
  const frame = randomBytes(frameLength);
  const additionalData = new Uint8Array(40);
  const inFlight = [];
  const start = performance.now();
  for (let i = 0; i < Math.ceil(totalBytes / frameLength); i++) {
    inFlight.push(
      crypto.subtle.encrypt({ name: 'AES-GCM', iv: frameIv(i + 1), additionalData }, key, frame),
    );
    if (inFlight.length >= depth) await inFlight.shift();
  }
  await Promise.all(inFlight);
  return { ms: performance.now() - start };
}

/**
 * Frame workers, the proposal for when one worker cannot keep up: the key
 * (non-extractable) is posted to more workers (reached through `ports`), frames are dealt to them
 * in turn with `depth` in flight in all, each frame posted as a copy (the core's frames are views
 * into larger slices) and each result transferred back. Crypto and messaging only, no I/O.
 */
async function frameWorkers({ totalBytes, frameLength, ports, depth }) {
  const key = await aesKey();
  const waiting = new Map();
  for (const port of ports) {
    port.onmessage = ({ data }) => waiting.get(data.id)(data.sealed);
    port.postMessage({ key });
  }
  const frame = randomBytes(frameLength);
  const additionalData = new Uint8Array(40);
  const inFlight = [];
  const start = performance.now();
  for (let id = 0; id < Math.ceil(totalBytes / frameLength); id++) {
    inFlight.push(new Promise((resolve) => waiting.set(id, resolve)));
    ports[id % ports.length].postMessage({ id, iv: frameIv(id + 1), additionalData, frame });
    if (inFlight.length >= depth) await inFlight.shift();
  }
  await Promise.all(inFlight);
  const ms = performance.now() - start;
  for (const port of ports) port.postMessage({ close: true });
  return { ms };
}

/**
 * Allocates and fills `totalBytes` of new ArrayBuffers, 4 MiB at a time: the cost of fresh
 * memory, which every slice read and every AES-GCM result pays.
 */
async function freshMemory({ totalBytes }) {
  const start = performance.now();
  for (let at = 0; at < totalBytes; at += SLICE) new Uint8Array(SLICE).fill(1);
  return { ms: performance.now() - start };
}

/** Reads a Blob with the core's own reader (workers/envelope/blob-reader.ts), one frame per read. */
async function readBlobStream({ blob, frameLength }) {
  const start = performance.now();
  const reader = new BlobReader(blob);
  try {
    while (reader.remaining > 0) await reader.read(Math.min(frameLength, reader.remaining));
  } finally {
    await reader.close();
  }
  return { ms: performance.now() - start };
}

/**
 * Reads a Blob in `sliceBytes` slices with `ahead` of them in flight (`Blob.slice().arrayBuffer()`),
 * nothing else: how the core's reader read before it read into one reused buffer, its two
 * settings varied (issue 14 §2, slice size and read-ahead).
 */
async function readSlicesAhead({ blob, sliceBytes, ahead }) {
  const start = performance.now();
  const inFlight = [];
  for (let at = 0; at < blob.size || inFlight.length > 0;) {
    while (inFlight.length < ahead && at < blob.size) {
      inFlight.push(blob.slice(at, at + sliceBytes).arrayBuffer());
      at += sliceBytes;
    }
    await inFlight.shift();
  }
  return { ms: performance.now() - start };
}

/** Reads a Blob in 4 MiB slices with FileReaderSync, which only workers have: no promise per read. */
async function readFileReaderSync({ blob }) {
  const reader = new FileReaderSync();
  const start = performance.now();
  for (let at = 0; at < blob.size; at += SLICE)
    reader.readAsArrayBuffer(blob.slice(at, at + SLICE));
  return { ms: performance.now() - start };
}

/**
 * Reads a Blob through `File.stream()` with the default reader, chunk by chunk as the browser
 * hands them out — only the reading: cutting those chunks into frames would add copies.
 */
async function readStreamDefault({ blob }) {
  const reader = blob.stream().getReader();
  const start = performance.now();
  let chunks = 0;
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks++;
    bytes += value.length;
  }
  if (bytes !== blob.size) throw new Error('the stream ended early');
  return { ms: performance.now() - start, chunkBytes: Math.round(bytes / chunks) };
}

/** The rejected alternative: one `Blob.slice(...).arrayBuffer()` per frame. */
async function readBlobSlices({ blob, frameLength }) {
  const start = performance.now();
  for (let offset = 0; offset < blob.size; offset += frameLength) {
    await blob.slice(offset, offset + frameLength).arrayBuffer();
  }
  return { ms: performance.now() - start };
}

/**
 * Writes `totalBytes` to an OPFS file through a sync access handle in frame-sized writes, then
 * removes it. As the core does (workers/envelope/opfs-sink.ts): the size reserved first, no
 * flush; `flush: true` adds the fsync the core leaves out.
 */
async function writeOpfs({ totalBytes, frameLength, flush = false }) {
  const root = await navigator.storage.getDirectory();
  const name = `bench-${crypto.randomUUID()}`;
  const handle = await (await root.getFileHandle(name, { create: true })).createSyncAccessHandle();
  const chunk = randomBytes(frameLength);
  const start = performance.now();
  handle.truncate(totalBytes);
  for (let at = 0; at < totalBytes; at += frameLength) handle.write(chunk, { at });
  if (flush) handle.flush();
  const ms = performance.now() - start;
  handle.close();
  await root.removeEntry(name);
  return { ms };
}

/**
 * The copy ceiling (issue 14 §2): the core's reader and the core's way of writing OPFS moving the
 * same File, frame by frame, with no crypto — what encryptFile and decryptFile could reach if
 * sealing cost nothing.
 */
async function copyFile({ blob, frameLength }) {
  const root = await navigator.storage.getDirectory();
  const name = `bench-${crypto.randomUUID()}`;
  const handle = await (await root.getFileHandle(name, { create: true })).createSyncAccessHandle();
  const reader = new BlobReader(blob);
  const start = performance.now();
  try {
    handle.truncate(blob.size);
    let at = 0;
    while (reader.remaining > 0) {
      const frame = await reader.read(Math.min(frameLength, reader.remaining));
      handle.write(frame, { at });
      at += frame.length;
    }
    return { ms: performance.now() - start };
  } finally {
    await reader.close();
    handle.close();
    await root.removeEntry(name);
  }
}

/**
 * The core's arrangement before the frame worker, with nothing else: the core's reader, AES-GCM
 * in this worker with `depth` frames in flight delivered in order (the core's FramePipeline), and
 * sync OPFS writes — no KMS call, no message format, no progress. The rejected alternatives below
 * start from it.
 */
async function sealPipeline({ blob, frameLength, depth }) {
  const { key, additionalData, root, name, handle } = await sealingSetup();
  const reader = new BlobReader(blob);
  const start = performance.now();
  try {
    const pipeline = sealedWrites(handle, { blob, frameLength, depth });
    for (let sequence = 1; reader.remaining > 0; sequence++) {
      const frame = await reader.read(Math.min(frameLength, reader.remaining));
      await pushSealed(pipeline, key, sequence, additionalData, frame);
    }
    await pipeline.drain();
    return { ms: performance.now() - start };
  } finally {
    await reader.close();
    handle.close();
    await root.removeEntry(name);
  }
}

/**
 * An I/O worker's reading side (ioWorkersPipeline): reads `blob` in `sliceBytes` slices, at
 * most `ahead` of them not yet taken (a `taken` message returns one), transferring each.
 */
function readSlicesTo(port) {
  let blob, sliceBytes, ahead;
  let at = 0;
  let untaken = 0;
  let posting = Promise.resolve();
  const readAhead = () => {
    while (untaken < ahead && at < blob.size) {
      const end = Math.min(at + sliceBytes, blob.size);
      const slice = blob.slice(at, end).arrayBuffer();
      at = end;
      untaken++;
      posting = posting.then(() => slice).then((buffer) => port.postMessage({ buffer }, [buffer]));
    }
  };
  port.onmessage = ({ data }) => {
    if (data.close) {
      self.close();
    } else if (data.taken) {
      untaken--;
      readAhead();
    } else {
      ({ blob, sliceBytes, ahead } = data);
      readAhead();
    }
  };
}

/**
 * An I/O worker's writing side (ioWorkersPipeline): a sync access handle on the OPFS file
 * `name`, reserved to `size`, writing each transferred buffer after the last; `done` closes it
 * and answers with the bytes written.
 */
function writeBuffersFrom(port) {
  const root = navigator.storage.getDirectory();
  let handle;
  let at = 0;
  let queue = Promise.resolve();
  port.onmessage = ({ data }) => {
    queue = queue.then(async () => {
      if (data.close) {
        self.close();
      } else if (data.name) {
        const file = await (await root).getFileHandle(data.name, { create: true });
        handle = await file.createSyncAccessHandle();
        handle.truncate(data.size);
      } else if (data.buffer) {
        at += handle.write(new Uint8Array(data.buffer), { at });
      } else if (data.done) {
        handle.close();
        port.postMessage({ written: at });
      }
    });
  };
}

/**
 * What the two pipelines with a write worker share: a new AES key, and sealed frames (`seal`, in
 * order, through a FramePipeline of `depth`) each transferred to `writer` (writeBuffersFrom),
 * which writes them to a new OPFS file reserved to the sealed size (`open`). `finish(frames)`
 * waits for the writer and checks every byte arrived; `remove` ends it and removes the file.
 */
async function transferredWrites(writer, { blob, frameLength, depth }) {
  const key = await aesKey();
  const additionalData = new Uint8Array(40);
  const name = `bench-${crypto.randomUUID()}`;
  const written = new Promise((resolve) => {
    writer.onmessage = ({ data }) => resolve(data.written);
  });
  const pipeline = new FramePipeline(
    (sealed) => writer.postMessage({ buffer: sealed }, [sealed]),
    depth,
  );
  return {
    open: () =>
      writer.postMessage({ name, size: blob.size + Math.ceil(blob.size / frameLength) * 16 }),
    seal: (sequence, frame) => pushSealed(pipeline, key, sequence, additionalData, frame),
    async finish(frames) {
      await pipeline.drain();
      writer.postMessage({ done: true });
      if ((await written) !== blob.size + frames * 16) throw new Error('bytes lost');
    },
    async remove() {
      writer.postMessage({ close: true });
      await (await navigator.storage.getDirectory()).removeEntry(name).catch(() => undefined);
    },
  };
}

/**
 * The "second worker with transferred buffers", tried where the core's arrangement
 * loses time: sealPipeline with reading in one worker and writing in another (`ports`: the
 * reader's, the writer's), every buffer transferred, so this worker only seals. Slices as the
 * core's reader read them when this was tried (16 MiB, two not yet taken), frames views of them.
 */
async function ioWorkersPipeline({ blob, frameLength, depth, ports: [reader, writer] }) {
  const writes = await transferredWrites(writer, { blob, frameLength, depth });
  const slices = [];
  let sliceArrived;
  reader.onmessage = ({ data }) => {
    slices.push(new Uint8Array(data.buffer));
    sliceArrived?.();
  };
  const start = performance.now();
  try {
    writes.open();
    reader.postMessage({ blob, sliceBytes: 16 * 1024 * 1024, ahead: 2 });
    let sequence = 1;
    for (let at = 0; at < blob.size;) {
      while (slices.length === 0) await new Promise((resolve) => (sliceArrived = resolve));
      const slice = slices.shift();
      for (let offset = 0; offset < slice.length; offset += frameLength) {
        const frame = slice.subarray(offset, Math.min(offset + frameLength, slice.length));
        await writes.seal(sequence++, frame);
      }
      at += slice.length;
      reader.postMessage({ taken: true });
    }
    await writes.finish(sequence - 1);
    return { ms: performance.now() - start };
  } finally {
    reader.postMessage({ close: true });
    await writes.remove();
  }
}

/**
 * sealPipeline with only the writes in a worker of their own (`ports`: the writer's): this worker
 * reads with the core's reader and seals, and transfers each sealed frame to the writer, whose
 * sync access handle writes it — so the writes' kernel time (new page-cache pages) falls on
 * another thread than the one that takes AES-GCM's results in.
 */
async function writeWorkerPipeline({ blob, frameLength, depth, ports: [writer] }) {
  const writes = await transferredWrites(writer, { blob, frameLength, depth });
  const reader = new BlobReader(blob);
  const start = performance.now();
  try {
    writes.open();
    let sequence = 1;
    while (reader.remaining > 0) {
      await writes.seal(sequence++, await reader.read(Math.min(frameLength, reader.remaining)));
    }
    await writes.finish(sequence - 1);
    return { ms: performance.now() - start };
  } finally {
    await reader.close();
    await writes.remove();
  }
}

/**
 * The core's arrangement with nothing else (workers/envelope/frame-cipher.ts): the core's reader
 * and sync OPFS writes in this worker, AES-GCM in frame workers (`ports`, frames dealt in turn),
 * `depth` frames in flight delivered in order. Each frame is copied into a buffer of a pool that
 * circulates — transferred to a frame worker, which seals it and transfers it back with the
 * result — so the only new memory is AES-GCM's results, made on the frame worker's thread.
 */
async function frameWorkerPipeline({ blob, frameLength, depth, ports }) {
  const { key, additionalData, root, name, handle } = await sealingSetup();
  const reader = new BlobReader(blob);
  const pool = [];
  const waiting = new Map();
  for (const port of ports) {
    port.onmessage = ({ data }) => {
      pool.push(data.frame);
      waiting.get(data.id)(data.sealed);
      waiting.delete(data.id);
    };
    port.postMessage({ key });
  }
  const start = performance.now();
  try {
    const pipeline = sealedWrites(handle, { blob, frameLength, depth });
    for (let sequence = 1; reader.remaining > 0; sequence++) {
      const frame = await reader.read(Math.min(frameLength, reader.remaining));
      const sealer = sequence % ports.length;
      const buffer = pool.pop() ?? new ArrayBuffer(frameLength);
      new Uint8Array(buffer).set(frame);
      const sealed = new Promise((resolve) => waiting.set(sequence, resolve));
      ports[sealer].postMessage(
        {
          id: sequence,
          iv: frameIv(sequence),
          additionalData,
          frame: buffer,
          length: frame.length,
        },
        [buffer],
      );
      await pipeline.push(sealed);
    }
    await pipeline.drain();
    return { ms: performance.now() - start };
  } finally {
    for (const port of ports) port.postMessage({ close: true });
    await reader.close();
    handle.close();
    await root.removeEntry(name);
  }
}

/**
 * Reading in this worker, sealing and writing both in a helper (`ports`: one seal-write worker):
 * each frame copied into a pooled buffer transferred there, handed back as soon as AES-GCM has
 * taken it; the helper writes the sealed frames in order to an OPFS file of its own. AES-GCM's
 * results are made, written and freed in the one thread.
 */
async function sealWriteWorkerPipeline({ blob, frameLength, depth, ports: [helper] }) {
  const key = await aesKey();
  const name = `bench-${crypto.randomUUID()}`;
  const reader = new BlobReader(blob);
  const pool = [];
  let lent = 0;
  let returned;
  let written;
  const done = new Promise((resolve) => (written = resolve));
  helper.onmessage = ({ data }) => {
    if (data.written !== undefined) return written(data.written);
    pool.push(data.buffer);
    lent--;
    returned?.();
  };
  const start = performance.now();
  try {
    helper.postMessage({
      key,
      name,
      depth,
      size: blob.size + Math.ceil(blob.size / frameLength) * 16,
    });
    let sequence = 1;
    for (; reader.remaining > 0; sequence++) {
      const frame = await reader.read(Math.min(frameLength, reader.remaining));
      while (lent >= 2 * depth) await new Promise((resolve) => (returned = resolve));
      const buffer = pool.pop() ?? new ArrayBuffer(frameLength);
      new Uint8Array(buffer).set(frame);
      lent++;
      helper.postMessage({ sequence, buffer, length: frame.length }, [buffer]);
    }
    helper.postMessage({ done: true });
    if ((await done) !== blob.size + (sequence - 1) * 16) throw new Error('bytes lost');
    return { ms: performance.now() - start };
  } finally {
    helper.postMessage({ close: true });
    await reader.close();
    await (await navigator.storage.getDirectory()).removeEntry(name).catch(() => undefined);
  }
}

/**
 * sealPipeline reading `File.stream()` with its default reader instead of the core's reader:
 * the stream's chunks (250–600 KiB) copied into one frame buffer used again for every frame
 * (AES-GCM copies its input when called), so no slice is allocated — the "File.stream()
 * with the default reader", with the framing it needs.
 */
async function streamSealPipeline({ blob, frameLength, depth }) {
  const { key, additionalData, root, name, handle } = await sealingSetup();
  let at = 0;
  const pipeline = new FramePipeline((sealed) => {
    at += handle.write(new Uint8Array(sealed), { at });
  }, depth);
  const frame = new Uint8Array(frameLength);
  let filled = 0;
  let sequence = 1;
  const start = performance.now();
  try {
    handle.truncate(blob.size + Math.ceil(blob.size / frameLength) * 16);
    const reader = blob.stream().getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      for (let offset = 0; offset < value.length;) {
        const take = Math.min(frameLength - filled, value.length - offset);
        frame.set(value.subarray(offset, offset + take), filled);
        filled += take;
        offset += take;
        if (filled === frameLength) {
          await pushSealed(pipeline, key, sequence++, additionalData, frame);
          filled = 0;
        }
      }
    }
    if (filled > 0) {
      const last = frame.subarray(0, filled);
      await pushSealed(pipeline, key, sequence, additionalData, last);
    }
    await pipeline.drain();
    return { ms: performance.now() - start };
  } finally {
    handle.close();
    await root.removeEntry(name);
  }
}

/** The key and OPFS file sealFrames leaves for openPipeline. */
let sealedFrames;

/**
 * Untimed set-up for openPipeline: `blob` sealed frame by frame into an OPFS file laid out as
 * the format's regular frames (u32 sequence number ‖ IV ‖ ciphertext ‖ tag), with this worker's
 * key.
 */
async function sealFrames({ blob, frameLength }) {
  const key = await aesKey();
  const additionalData = new Uint8Array(40);
  const root = await navigator.storage.getDirectory();
  const name = `bench-${crypto.randomUUID()}`;
  const fileHandle = await root.getFileHandle(name, { create: true });
  const handle = await fileHandle.createSyncAccessHandle();
  const reader = new BlobReader(blob);
  try {
    let at = 0;
    for (let sequence = 1; reader.remaining > 0; sequence++) {
      const frame = await reader.read(Math.min(frameLength, reader.remaining));
      const iv = frameIv(sequence);
      const sealed = await crypto.subtle.encrypt(
        { name: 'AES-GCM', iv, additionalData },
        key,
        frame,
      );
      const header = new Uint8Array(16);
      new DataView(header.buffer).setUint32(0, sequence);
      header.set(iv, 4);
      at += handle.write(header, { at });
      at += handle.write(new Uint8Array(sealed), { at });
    }
    handle.flush();
  } finally {
    await reader.close();
    handle.close();
  }
  sealedFrames = { key, name, file: await fileHandle.getFile() };
  return { ms: 0 };
}

/**
 * Decrypt's arrangement with nothing else, on what sealFrames wrote: the core's reader taking
 * each frame as decryptMessage does (its 4-byte sequence number, then the rest), AES-GCM with
 * `depth` frames in flight delivered in order, sync OPFS writes of the plaintext.
 */
async function openPipeline({ frameLength, depth }) {
  const { key, name, file } = sealedFrames;
  const additionalData = new Uint8Array(40);
  const root = await navigator.storage.getDirectory();
  const outName = `bench-${crypto.randomUUID()}`;
  const handle = await (
    await root.getFileHandle(outName, { create: true })
  ).createSyncAccessHandle();
  const reader = new BlobReader(file);
  let at = 0;
  const pipeline = new FramePipeline((opened) => {
    const bytes = new Uint8Array(opened);
    handle.write(bytes, { at });
    at += bytes.length;
  }, depth);
  const start = performance.now();
  try {
    handle.truncate(file.size);
    while (reader.remaining > 0) {
      const marker = await reader.read(4);
      const length = Math.min(12 + frameLength + 16, reader.remaining);
      const rest = await reader.read(length);
      if (!marker || !rest) throw new Error('short frame');
      await pipeline.push(
        crypto.subtle.decrypt(
          { name: 'AES-GCM', iv: rest.subarray(0, 12), additionalData },
          key,
          rest.subarray(12),
        ),
      );
    }
    await pipeline.drain();
    return { ms: performance.now() - start };
  } finally {
    await reader.close();
    handle.close();
    await root.removeEntry(outName);
    await root.removeEntry(name);
  }
}

/** The AWS Encryption SDK browser client, raw AES keyring, whole buffer in memory (its only mode). */
async function esdkBrowser({ totalBytes, suite, frameLength }) {
  const { encrypt, decrypt } = sdk.buildClient(
    sdk.CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT,
  );
  const masterKey = await crypto.subtle.importKey(
    'raw',
    crypto.getRandomValues(new Uint8Array(32)),
    'AES-GCM',
    false,
    ['encrypt', 'decrypt'],
  );
  const keyring = new sdk.RawAesKeyringWebCrypto({
    keyName: 'bench',
    keyNamespace: 'bench',
    wrappingSuite: sdk.RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
    masterKey,
  });
  const plaintext = randomBytes(totalBytes);
  const options = {
    encryptionContext: { purpose: 'bench' },
    ...(suite === undefined ? {} : { suiteId: suite }),
    ...(frameLength === undefined ? {} : { frameLength }),
  };
  let start = performance.now();
  const { result } = await encrypt(keyring, plaintext, options);
  const encryptMs = performance.now() - start;
  start = performance.now();
  const { plaintext: back } = await decrypt(keyring, result);
  const decryptMs = performance.now() - start;
  if (back.length !== plaintext.length) throw new Error('SDK round trip lost bytes');
  return { encryptMs, decryptMs };
}

const SIGNERS = {
  ECDSA_SHA_256: {
    generate: { name: 'ECDSA', namedCurve: 'P-256' },
    params: { name: 'ECDSA', hash: 'SHA-256' },
  },
  ECDSA_SHA_384: {
    generate: { name: 'ECDSA', namedCurve: 'P-384' },
    params: { name: 'ECDSA', hash: 'SHA-384' },
  },
  ECDSA_SHA_512: {
    generate: { name: 'ECDSA', namedCurve: 'P-521' },
    params: { name: 'ECDSA', hash: 'SHA-512' },
  },
  ED25519_SHA_512: { generate: { name: 'Ed25519' }, params: { name: 'Ed25519' } },
  RSASSA_PSS_SHA_256: {
    generate: {
      name: 'RSA-PSS',
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: 'SHA-256',
    },
    params: { name: 'RSA-PSS', saltLength: 32 },
  },
  RSASSA_PKCS1_V1_5_SHA_256: {
    generate: {
      name: 'RSASSA-PKCS1-v1_5',
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: 'SHA-256',
    },
    params: { name: 'RSASSA-PKCS1-v1_5' },
  },
  HMAC_SHA_256: {
    generate: { name: 'HMAC', hash: 'SHA-256' },
    params: { name: 'HMAC' },
    mac: true,
  },
};

/** Bare sign and verify per second for one algorithm: `iterations` calls each, sequential. */
async function signVerify({ algorithm, message, iterations }) {
  let sign;
  let verify;
  if (algorithm === 'ECDSA_SHA_256_SECP256K1') {
    const secretKey = secp256k1.utils.randomSecretKey();
    const publicKey = secp256k1.getPublicKey(secretKey);
    sign = async () => secp256k1.sign(message, secretKey, { lowS: true });
    verify = async (signature) => secp256k1.verify(signature, message, publicKey, { lowS: true });
  } else {
    const spec = SIGNERS[algorithm];
    const keys = await crypto.subtle.generateKey(
      spec.generate,
      false,
      spec.mac ? ['sign', 'verify'] : ['sign', 'verify'],
    );
    const signingKey = spec.mac ? keys : keys.privateKey;
    const verifyingKey = spec.mac ? keys : keys.publicKey;
    sign = () => crypto.subtle.sign(spec.params, signingKey, message);
    verify = async (signature) =>
      crypto.subtle.verify(spec.params, verifyingKey, signature, message);
  }
  const signature = await sign();
  for (let i = 0; i < 10; i++) await verify(await sign()); // warm-up
  let start = performance.now();
  for (let i = 0; i < iterations; i++) await sign();
  const signPerSecond = iterations / ((performance.now() - start) / 1000);
  start = performance.now();
  for (let i = 0; i < iterations; i++) {
    if (!(await verify(signature))) throw new Error(`${algorithm}: bare verify failed`);
  }
  const verifyPerSecond = iterations / ((performance.now() - start) / 1000);
  return { signPerSecond, verifyPerSecond };
}

const OPERATIONS = {
  rawAesGcm,
  rawAesGcmInFlight,
  frameWorkers,
  freshMemory,
  readBlobStream,
  readBlobSlices,
  readSlicesAhead,
  readFileReaderSync,
  readStreamDefault,
  writeOpfs,
  copyFile,
  sealPipeline,
  ioWorkersPipeline,
  writeWorkerPipeline,
  frameWorkerPipeline,
  sealWriteWorkerPipeline,
  streamSealPipeline,
  sealFrames,
  openPipeline,
  esdkBrowser,
  signVerify,
};

/**
 * A frame worker's side (frameWorkers, frameWorkerPipeline): the key, then frames to seal, each
 * answered.
 */
function sealFramesFrom(port) {
  let key;
  port.onmessage = async ({ data }) => {
    if (data.close) {
      self.close();
    } else if (data.key) {
      key = data.key;
    } else {
      const { id, iv, additionalData, frame, length } = data;
      // A pooled buffer (`length` given) goes back with the result; a copied frame does not.
      const input = length === undefined ? frame : new Uint8Array(frame, 0, length);
      const sealed = await crypto.subtle.encrypt(
        { name: 'AES-GCM', iv, additionalData },
        key,
        input,
      );
      if (length === undefined) port.postMessage({ id, sealed }, [sealed]);
      else port.postMessage({ id, sealed, frame }, [sealed, frame]);
    }
  };
}

/** A seal-write worker's side (sealWriteWorkerPipeline). */
function sealAndWriteFrom(port) {
  const additionalData = new Uint8Array(40);
  let key, handle, pipeline;
  let at = 0;
  let queue = Promise.resolve();
  port.onmessage = ({ data }) => {
    if (data.close) return self.close();
    if (data.key) {
      key = data.key;
      queue = navigator.storage
        .getDirectory()
        .then((root) => root.getFileHandle(data.name, { create: true }))
        .then((file) => file.createSyncAccessHandle())
        .then((opened) => {
          handle = opened;
          handle.truncate(data.size);
          pipeline = new FramePipeline((sealed) => {
            at += handle.write(new Uint8Array(sealed), { at });
          }, data.depth);
        });
      return;
    }
    queue = queue.then(async () => {
      if (data.done) {
        await pipeline.drain();
        handle.close();
        port.postMessage({ written: at });
        return;
      }
      const { sequence, buffer, length } = data;
      const sealing = crypto.subtle.encrypt(
        { name: 'AES-GCM', iv: frameIv(sequence), additionalData },
        key,
        new Uint8Array(buffer, 0, length),
      );
      port.postMessage({ buffer }, [buffer]);
      await pipeline.push(sealing);
    });
  };
}

const HELPER_ROLES = {
  [FRAME_WORKER]: sealFramesFrom,
  [SEAL_WRITE_WORKER]: sealAndWriteFrom,
  [READ_WORKER]: readSlicesTo,
  [WRITE_WORKER]: writeBuffersFrom,
};

if (HELPER_ROLES[self.name]) {
  // A helper (support.mjs helperPorts): a port, then on it `ready` once this script has started
  // — so that no timed step pays for a helper's start — and then the role's own messages.
  self.onmessage = ({ data: { port } }) => {
    HELPER_ROLES[self.name](port);
    port.postMessage({ ready: true });
  };
} else {
  // One request at a time from the bench page: { operation, argument } → { result } or { error }.
  self.onmessage = async ({ data: { operation, argument } }) => {
    try {
      self.postMessage({ result: await OPERATIONS[operation](argument) });
    } catch (error) {
      self.postMessage({ error: `${error.name}: ${error.message}` });
    }
  };
}
