/**
 * The OPFS sink in real Chromium, inside a dedicated worker as in the app: encrypt and decrypt
 * round trip to disk-backed Files, and every failure path — abort, a failed decryption, a cancel —
 * removes the partial output (docs/FORMAT.md §4.10).
 */
import { describe, expect, test } from 'vitest';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function inWorker(task: string): Promise<any> {
  const worker = new Worker(new URL('./envelope-opfs.worker.ts', import.meta.url), {
    type: 'module',
  });
  try {
    const reply = await new Promise<{ ok: boolean; result?: unknown; error?: string }>(
      (resolve, reject) => {
        worker.onmessage = (event) => resolve(event.data);
        worker.onerror = (event) => reject(new Error(`worker failed: ${event.message}`));
        worker.postMessage({ task });
      },
    );
    if (!reply.ok) throw new Error(reply.error);
    return reply.result;
  } finally {
    worker.terminate();
  }
}

describe('OPFS sink (Chromium, dedicated worker)', () => {
  test('encrypts to and decrypts from disk-backed Files with the requested names', async () => {
    const result = await inWorker('roundTrip');
    expect(result.available).toBe(true);
    expect(result.encryptedName).toBe('report.pdf.encrypted');
    expect(result.encryptedSize).toBe(result.ciphertextLength);
    expect(result.decryptedName).toBe('report.pdf');
    expect(result.decryptedSize).toBe(3 * 1024 * 1024 + 5);
    expect(result.sameDigest).toBe(true);
    expect(result.entries).toEqual(result.jobDirectories);
    expect(result.entriesAfterRemoval).toEqual([]);
  });

  test('abort deletes the partial file and its directory', async () => {
    const result = await inWorker('abortDeletesPartialFile');
    expect(result.written).toBe(1024 * 1024);
    expect(result.whileOpen).toEqual([result.directory]);
    expect(result.afterAbort).toEqual([]);
  });

  test('a decryption that fails at the last frame leaves no output, though earlier frames were written', async () => {
    const result = await inWorker('failedDecryptDeletesPartialFile');
    expect(result.error.name).toBe('InvalidCiphertextException');
    expect(result.error.message).toMatch(/frame 5 \(the final frame\)/);
    expect(result.writtenBeforeFailure).toBe(1024 * 1024);
    expect(result.entries).toEqual([result.encryptDirectory]);
  });

  test('a cancel stops encryption and removes the partial output', async () => {
    const result = await inWorker('cancelDeletesPartialFile');
    expect(result.error).toBe('AbortError');
    expect(result.entries).toEqual([]);
  });
});
