/// <reference lib="webworker" />
/**
 * The frame worker: AES-GCM for the core worker's file frames, on a thread of its own
 * (workers/envelope/frame-cipher.ts, the only door to it). Started by the core worker, reachable
 * by nothing else. It holds a job's content key (a non-extractable CryptoKey, cloned to it) from
 * `key` until `forget`, and answers each frame with its result and the frame's buffer back.
 */
import { aesGcmDecrypt, aesGcmEncrypt } from './crypto/aes-gcm.ts';
import type { FrameReply, FrameRequest } from './envelope/frame-cipher.ts';

const keys = new Map<number, CryptoKey>();
const scope = self as DedicatedWorkerGlobalScope;

scope.onmessage = async ({ data }: MessageEvent<FrameRequest>) => {
  if (data.kind === 'key') {
    keys.set(data.job, data.key);
    return;
  }
  if (data.kind === 'forget') {
    keys.delete(data.job);
    return;
  }
  const { id, job, operation, iv, additionalData, buffer, length } = data;
  const bytes = new Uint8Array(buffer, 0, length);
  let reply: FrameReply;
  try {
    const key = keys.get(job);
    if (!key) throw new DOMException('no key for this job', 'InvalidStateError');
    const result =
      operation === 'seal'
        ? await aesGcmEncrypt(key, iv, bytes, additionalData)
        : await aesGcmDecrypt(key, iv, bytes, additionalData);
    reply = { id, buffer, result };
  } catch (error) {
    const { name, message } = error as Error;
    reply = { id, buffer, error: { name, message } };
  }
  const transfer: Transferable[] = [buffer];
  if (reply.result) transfer.push(reply.result.buffer);
  scope.postMessage(reply, transfer);
};

scope.postMessage({ ready: true });
