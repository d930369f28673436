/**
 * The frame worker (workers/frame.worker.ts) behind its one door, workers/envelope/frame-cipher.ts,
 * in real Chromium: what it seals and opens is byte for byte what AES-GCM in the calling thread
 * makes, it takes the caller's bytes when called (the core's reader reuses its buffer at the next
 * read), a frame that does not verify opens to null as in the caller's thread, a WebCrypto error
 * arrives under its own name, and a job's key is forgotten when the job closes. Messages under
 * FRAME_WORKER_MIN_BYTES, and messages of frames up to LOCAL_FRAME_MAX_BYTES, stay in the
 * calling thread.
 */
import { describe, expect, test } from 'vitest';
import { aesGcmDecrypt, aesGcmEncrypt, generateAesGcmKey } from '../../workers/crypto/aes-gcm.ts';
import {
  FRAME_WORKER_MIN_BYTES,
  frameCipher,
  LOCAL_FRAME_MAX_BYTES,
  localFrameCipher,
} from '../../workers/envelope/frame-cipher.ts';
import { pseudoRandomBytes } from '../pseudo-random-bytes.ts';

/** Small frames: the cipher does not care, and a failing deep equality prints every byte. */
const FRAME = 4096;
/** The frame length a message must have for the frame worker to take it. */
const LARGE = LOCAL_FRAME_MAX_BYTES + 1;

describe('frame cipher', () => {
  test('a large message of large frames goes to the frame worker; small ones stay in the caller', async () => {
    const key = await generateAesGcmKey();
    const large = await frameCipher(key, FRAME_WORKER_MIN_BYTES, LARGE);
    const small = await frameCipher(key, FRAME_WORKER_MIN_BYTES - 1, LARGE);
    const smallFrames = await frameCipher(key, 2 ** 40, LOCAL_FRAME_MAX_BYTES);
    expect(large.thread).toBe('frame worker');
    expect(small.thread).toBe('caller');
    expect(smallFrames.thread).toBe('caller');
    large.close();
  });

  test('seals and opens exactly as AES-GCM in this thread, taking the bytes when called', async () => {
    const key = await generateAesGcmKey();
    const cipher = await frameCipher(key, FRAME_WORKER_MIN_BYTES, LARGE);
    try {
      // Views into larger buffers, as the core's reader hands them out, reused at once.
      const readBuffer = new Uint8Array(3 * FRAME);
      const frames = [
        pseudoRandomBytes(FRAME, 1),
        pseudoRandomBytes(FRAME, 2),
        pseudoRandomBytes(FRAME - 7, 3),
      ];
      const sealing = frames.map((frame, index) => {
        const view = readBuffer.subarray(FRAME, FRAME + frame.length);
        view.set(frame);
        const iv = readBuffer.subarray(100, 112).fill(index);
        const sealed = cipher.seal(iv, view, pseudoRandomBytes(40, 10 + index));
        readBuffer.fill(0xee); // the next read
        return sealed;
      });
      const sealed = await Promise.all(sealing);
      for (const [index, frame] of frames.entries()) {
        const iv = new Uint8Array(12).fill(index);
        expect(sealed[index]).toEqual(
          await aesGcmEncrypt(key, iv, frame, pseudoRandomBytes(40, 10 + index)),
        );
        expect(await cipher.open(iv, sealed[index]!, pseudoRandomBytes(40, 10 + index))).toEqual(
          frame,
        );
        expect(
          await aesGcmDecrypt(key, iv, sealed[index]!, pseudoRandomBytes(40, 10 + index)),
        ).toEqual(frame);
      }
    } finally {
      cipher.close();
    }
  });

  test('a frame that does not verify opens to null, as in this thread', async () => {
    const key = await generateAesGcmKey();
    const cipher = await frameCipher(key, FRAME_WORKER_MIN_BYTES, LARGE);
    try {
      const iv = new Uint8Array(12);
      const aad = pseudoRandomBytes(40, 9);
      const sealed = await aesGcmEncrypt(key, iv, pseudoRandomBytes(FRAME, 4), aad);
      sealed[FRAME - 1]! ^= 1;
      expect(await cipher.open(iv, sealed, aad)).toBeNull();
      expect(await localFrameCipher(key).open(iv, sealed, aad)).toBeNull();
      expect(await cipher.open(iv, sealed.subarray(0, 15), aad)).toBeNull();
    } finally {
      cipher.close();
    }
  });

  test('a WebCrypto error reaches the caller under its own name', async () => {
    const sealOnly = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, [
      'encrypt',
    ]);
    const iv = new Uint8Array(12);
    const sealed = await aesGcmEncrypt(sealOnly, iv, pseudoRandomBytes(1000, 5), new Uint8Array(0));
    const local = localFrameCipher(sealOnly).open(iv, sealed, new Uint8Array(0));
    await expect(local).rejects.toMatchObject({ name: 'InvalidAccessError' });
    const cipher = await frameCipher(sealOnly, FRAME_WORKER_MIN_BYTES, LARGE);
    try {
      await expect(cipher.open(iv, sealed, new Uint8Array(0))).rejects.toMatchObject({
        name: 'InvalidAccessError',
      });
    } finally {
      cipher.close();
    }
  });

  test('a closed job’s key is forgotten by the frame worker', async () => {
    const cipher = await frameCipher(await generateAesGcmKey(), FRAME_WORKER_MIN_BYTES, LARGE);
    await cipher.seal(new Uint8Array(12), pseudoRandomBytes(10, 6), new Uint8Array(0));
    cipher.close();
    await expect(
      cipher.seal(new Uint8Array(12), pseudoRandomBytes(10, 6), new Uint8Array(0)),
    ).rejects.toMatchObject({ name: 'InvalidStateError' });
  });
});
