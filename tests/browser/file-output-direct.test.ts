/**
 * Output straight to a file the person chose (issue 14 §1; workers/envelope/writable-sink.ts),
 * with the real core worker behind the real client, as the Files page runs it. An OPFS
 * FileSystemFileHandle stands in for the one `showSaveFilePicker` returns: the same interface,
 * posted to the worker the same way, written through the same `createWritable()`.
 *
 * What the destination looks like when a run fails: a destination that already held bytes keeps
 * them; a new one, made with `getFileHandle({ create: true })` as here, exists and is empty (the
 * platform creates the file when the handle is made, before the core sees it). Either way not
 * one byte of the run appears in it. A real `showSaveFilePicker` also hands back an existing file
 * already emptied (File System spec, showSaveFilePicker: "set entry's binary data to an empty
 * byte sequence"), so with the real picker a failed run leaves an empty file.
 *
 * Not tested here: "a cut quota does not stop a picked output". A picked file outside OPFS is not
 * counted against the origin's quota, but this stand-in is an OPFS file, whose swap file is: with
 * the quota cut, the stand-in fails for the quota's reason, which says nothing about a picked file.
 * tests/e2e/files-picked-quota.spec.ts shows it with real files on disk.
 *
 * Outputs of 16 MiB or more (STAGE_FROM_BYTES) go through the sink's staging: two OPFS scratch
 * files of 64 MiB (STAGE_BYTES), each handed to the writable whole (writable-sink.ts) — the 20 MiB
 * round trip and the cancel here; the last tests run 130 and 200 MiB, more than one scratch file,
 * through it. The 6 MiB damaged messages go the other way: bytes handed to the writable.
 */
import { describe, expect, onTestFinished, test } from 'vitest';
import { createKmsClient, type KmsClient } from '../../src/kms/client.ts';
import { stagingFolders } from './support/staging.ts';
import { expectKmsError, toHex } from './support/vault.ts';
import { pseudoRandomBytes } from '../pseudo-random-bytes.ts';

const KiB = 1024;
const MiB = 1024 * KiB;
const FRAME = 64 * KiB;

type ListableDirectory = FileSystemDirectoryHandle & { keys(): AsyncIterable<string> };

/** A fresh OPFS directory for the running test, removed when it finishes. */
async function scratchDirectory(): Promise<FileSystemDirectoryHandle> {
  const root = await navigator.storage.getDirectory();
  const top = await root.getDirectoryHandle('pkms-direct-output-test', { create: true });
  const name = crypto.randomUUID();
  onTestFinished(() => top.removeEntry(name, { recursive: true }));
  return top.getDirectoryHandle(name, { create: true });
}

async function names(directory: FileSystemDirectoryHandle): Promise<string[]> {
  const found: string[] = [];
  for await (const name of (directory as ListableDirectory).keys()) found.push(name);
  return found.sort();
}

/** The stand-in for a picked file: `name` in `directory`, holding `existing` when given. */
async function pickedFile(
  directory: FileSystemDirectoryHandle,
  name: string,
  existing?: Uint8Array<ArrayBuffer>,
): Promise<FileSystemFileHandle> {
  const handle = await directory.getFileHandle(name, { create: true });
  if (existing) {
    const writable = await handle.createWritable();
    await writable.write(existing);
    await writable.close();
  }
  return handle;
}

/** A large input without a large array in the page: one MiB, `mib` times. */
function repeated(mib: number, name: string): File {
  const block = pseudoRandomBytes(MiB, 3);
  return new File(
    Array.from({ length: mib }, () => block),
    name,
  );
}

async function sha256(blob: Blob): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer())));
}

async function symmetricKey(client: KmsClient): Promise<string> {
  return (await client.createKey({ Description: 'direct output' })).KeyMetadata.KeyId;
}

describe('encryptFile and decryptFile write straight to a chosen file', () => {
  const sizes = [
    { label: 'empty', size: 0, frameLength: FRAME },
    { label: '1 byte', size: 1, frameLength: FRAME },
    { label: 'one frame − 1', size: FRAME - 1, frameLength: FRAME },
    { label: 'one frame', size: FRAME, frameLength: FRAME },
    { label: 'one frame + 1', size: FRAME + 1, frameLength: FRAME },
    { label: '20 MiB, default frames', size: 20 * MiB, frameLength: undefined },
  ];
  for (const { label, size, frameLength } of sizes) {
    test(`round trip, ${label}: byte-identical, and no OutputId`, async () => {
      const client = createKmsClient();
      const keyId = await symmetricKey(client);
      const directory = await scratchDirectory();
      const input = new File([pseudoRandomBytes(size)], 'photo.raw');
      const encryptedHandle = await pickedFile(directory, 'chosen.bin.encrypted');
      const decryptedHandle = await pickedFile(directory, 'chosen.bin');

      const encrypted = await client.encryptFile({
        Input: input,
        KeyIds: [keyId],
        Output: encryptedHandle,
        ...(frameLength && { FrameLength: frameLength }),
      });
      expect(encrypted).not.toHaveProperty('OutputId');
      // The response's Output is the chosen file as it now is, under the chosen name.
      expect(encrypted.Output.name).toBe('chosen.bin.encrypted');
      expect(encrypted.Output.size).toBe(encrypted.CiphertextLength);
      const written = await encryptedHandle.getFile();
      expect(written.size).toBe(encrypted.CiphertextLength);

      const decrypted = await client.decryptFile({ Input: written, Output: decryptedHandle });
      expect(decrypted).not.toHaveProperty('OutputId');
      expect(decrypted.Output.name).toBe('chosen.bin');
      expect(decrypted.PlaintextLength).toBe(size);
      const plaintext = await decryptedHandle.getFile();
      expect(plaintext.size).toBe(size);
      expect(await sha256(plaintext)).toBe(await sha256(input));
      // Nothing else was left in the folder (no swap file, no marker).
      expect(await names(directory)).toEqual(['chosen.bin', 'chosen.bin.encrypted']);

      // The audit record says a file was given, never which.
      const [record] = (await client.listAuditEvents({ EventName: 'DecryptFile', Limit: 1 }))
        .Events;
      expect(record?.requestParameters).toMatchObject({ output: { kind: 'file' } });
      expect(JSON.stringify(record)).not.toContain('chosen.bin');
    }, 120_000);
  }

  const damages = [
    {
      damage: 'tampered in its final frame',
      part: /frame \d+ \(the final frame\)/,
      change: (message: Uint8Array<ArrayBuffer>) => {
        const changed = message.slice();
        changed[changed.length - 20]! ^= 0x01;
        return changed;
      },
    },
    {
      damage: 'truncated inside its final frame',
      part: /truncated/,
      change: (message: Uint8Array<ArrayBuffer>) => message.slice(0, message.length - 10),
    },
  ];
  for (const { damage, part, change } of damages) {
    for (const existed of [true, false]) {
      test(`a message ${damage} leaves ${existed ? 'an existing destination with its old bytes' : 'a new destination empty'}`, async () => {
        const client = createKmsClient();
        const keyId = await symmetricKey(client);
        const directory = await scratchDirectory();
        // Larger than the sink gathers before it writes (4 MiB), so plaintext frames have
        // reached the writable before the last frame fails.
        const encrypted = await client.encryptFile({
          Input: new File([pseudoRandomBytes(6 * MiB + 5)], 'ledger.csv'),
          KeyIds: [keyId],
          FrameLength: FRAME,
        });
        const damaged = change(new Uint8Array(await encrypted.Output.arrayBuffer()));
        await client.discardFileOutput({ OutputId: encrypted.OutputId });
        const old = existed ? pseudoRandomBytes(1000, 9) : undefined;
        const destination = await pickedFile(directory, 'ledger.csv', old);

        const error = await expectKmsError(
          client.decryptFile({
            Input: new File([damaged], 'ledger.csv.encrypted'),
            Output: destination,
          }),
          'InvalidCiphertextException',
        );
        expect(error.message).toMatch(part);
        const after = await destination.getFile();
        if (old) expect(await sha256(after)).toBe(await sha256(new Blob([old])));
        else expect(after.size).toBe(0);
        expect(await names(directory)).toEqual(['ledger.csv']);
      }, 120_000);
    }
  }

  for (const existed of [true, false]) {
    test(`a cancel mid-way leaves ${existed ? 'an existing destination with its old bytes' : 'a new destination empty'}, unchanged while it ran`, async () => {
      const client = createKmsClient();
      const keyId = await symmetricKey(client);
      const directory = await scratchDirectory();
      const old = existed ? pseudoRandomBytes(1000, 9) : undefined;
      const destination = await pickedFile(directory, 'disk.img.encrypted', old);
      const before = await sha256(await destination.getFile());
      const controller = new AbortController();
      let whileRunning: Promise<string> | undefined;
      let doneWhenCancelled = 0;
      const cancelled = client.encryptFile(
        {
          Input: repeated(128, 'disk.img'),
          KeyIds: [keyId],
          FrameLength: FRAME,
          Output: destination,
        },
        (bytesDone) => {
          // Past what the sink gathers (4 MiB): bytes have been written to the swap file.
          if (controller.signal.aborted || bytesDone < 8 * MiB) return;
          doneWhenCancelled = bytesDone;
          whileRunning = destination.getFile().then(sha256);
          controller.abort();
        },
        controller.signal,
      );
      await expectKmsError(cancelled, 'OperationCancelledException');
      expect(doneWhenCancelled).toBeGreaterThanOrEqual(8 * MiB);
      expect(await whileRunning).toBe(before);
      const after = await destination.getFile();
      expect(await sha256(after)).toBe(before);
      if (!old) expect(after.size).toBe(0);
      expect(await names(directory)).toEqual(['disk.img.encrypted']);
    }, 120_000);
  }

  test('130 MiB goes through the scratch files: byte-identical both ways, and they are removed', async () => {
    const client = createKmsClient();
    const keyId = await symmetricKey(client);
    const directory = await scratchDirectory();
    const input = new File([repeated(130, 'scan.tiff'), pseudoRandomBytes(5)], 'scan.tiff');
    const encryptedHandle = await pickedFile(directory, 'scan.tiff.encrypted');
    const decryptedHandle = await pickedFile(directory, 'scan.tiff');
    const before = await stagingFolders();
    let stagingWhileRunning: Promise<number> | undefined;

    const encrypted = await client.encryptFile(
      { Input: input, KeyIds: [keyId], Output: encryptedHandle },
      (bytesDone) => {
        // Past the first scratch file: staging is in use.
        if (!stagingWhileRunning && bytesDone > 80 * MiB) stagingWhileRunning = stagingFolders();
      },
    );
    expect(await stagingWhileRunning).toBe(before + 1);
    expect(await stagingFolders()).toBe(before);
    const written = await encryptedHandle.getFile();
    expect(written.size).toBe(encrypted.CiphertextLength);

    const decrypted = await client.decryptFile({ Input: written, Output: decryptedHandle });
    expect(decrypted.PlaintextLength).toBe(input.size);
    expect(await sha256(await decryptedHandle.getFile())).toBe(await sha256(input));
    expect(await stagingFolders()).toBe(before);
    expect(await names(directory)).toEqual(['scan.tiff', 'scan.tiff.encrypted']);
  }, 240_000);

  test('200 MiB tampered in its final frame: plaintext was handed over from the scratch files, and still nothing reaches the destination', async () => {
    const client = createKmsClient();
    const keyId = await symmetricKey(client);
    const directory = await scratchDirectory();
    const encrypted = await client.encryptFile({
      Input: new File([repeated(200, 'scan.tiff')], 'scan.tiff'),
      KeyIds: [keyId],
    });
    const message = encrypted.Output;
    const flipped = new Uint8Array(
      await message.slice(message.size - 20, message.size - 19).arrayBuffer(),
    );
    flipped[0]! ^= 0x01;
    const damaged = new File(
      [message.slice(0, message.size - 20), flipped, message.slice(message.size - 19)],
      'scan.tiff.encrypted',
    );
    const old = pseudoRandomBytes(1000, 9);
    const destination = await pickedFile(directory, 'scan.tiff', old);
    const before = await stagingFolders();

    let written = 0;
    const error = await expectKmsError(
      client.decryptFile({ Input: damaged, Output: destination }, (bytesDone) => {
        written = Math.max(written, bytesDone);
      }),
      'InvalidCiphertextException',
    );
    // Progress counts what reached the sink (reported at most every 100 ms, so not all of it):
    // past the first scratch file, which was then handed to the stream.
    expect(written).toBeGreaterThan(64 * MiB);
    expect(error.message).toMatch(/frame \d+ \(the final frame\)/);
    expect(await sha256(await destination.getFile())).toBe(await sha256(new Blob([old])));
    expect(await stagingFolders()).toBe(before);
    expect(await names(directory)).toEqual(['scan.tiff']);
    await client.discardFileOutput({ OutputId: encrypted.OutputId });
  }, 240_000);

  test('an Output that is not a file handle is refused before any key is used', async () => {
    const client = createKmsClient();
    const keyId = await symmetricKey(client);
    const directory = await scratchDirectory();
    const request = { Input: new Blob(['x']), KeyIds: [keyId] };
    const notAHandle = await expectKmsError(
      client.encryptFile({ ...request, Output: new Blob([]) as unknown as FileSystemFileHandle }),
      'ValidationException',
    );
    expect(notAHandle.message).toMatch(
      /'output' failed to satisfy constraint: Member must be a FileSystemFileHandle/,
    );
    await expectKmsError(
      client.encryptFile({ ...request, Output: directory as unknown as FileSystemFileHandle }),
      'ValidationException',
    );
  });
});
