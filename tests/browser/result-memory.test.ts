/**
 * releaseResult (workers/crypto/result-memory.ts) in real Chromium: a whole buffer let go of is
 * detached once a message's worth are held (its memory gone with the dropped message); a view of
 * part of a buffer is left alone, as is an AES-GCM result that was not let go of.
 */
import { describe, expect, test } from 'vitest';
import { aesGcmEncrypt, type Bytes, generateAesGcmKey } from '../../workers/crypto/aes-gcm.ts';
import { releaseResult } from '../../workers/crypto/result-memory.ts';

describe('releaseResult', () => {
  test('detaches whole AES-GCM results, a message at a time', async () => {
    const key = await generateAesGcmKey();
    const results: Bytes[] = [];
    for (let i = 0; i < 16; i++) {
      results.push(
        await aesGcmEncrypt(key, new Uint8Array(12), new Uint8Array(32 * 1024), new Uint8Array(0)),
      );
    }
    const kept = await aesGcmEncrypt(
      key,
      new Uint8Array(12),
      new Uint8Array(100),
      new Uint8Array(0),
    );
    for (const result of results) releaseResult(result);
    expect(results.map((result) => result.buffer.byteLength)).toEqual(Array(16).fill(0));
    expect(kept.length).toBe(116);
  });

  test('leaves a view of part of a buffer alone', () => {
    const buffer = new Uint8Array(64);
    const parts = [
      buffer.subarray(0, 32),
      buffer.subarray(8),
      new Uint8Array(buffer.buffer, 0, 63),
    ];
    for (let i = 0; i < 16; i++) for (const part of parts) releaseResult(part);
    expect(buffer.buffer.byteLength).toBe(64);
    expect(parts.map((part) => part.length)).toEqual([32, 56, 63]);
  });
});
