/**
 * Who owns a file output (workers/envelope/opfs-sink.ts, "Ownership"), with the real core worker
 * (workers/kms.worker.ts) behind the real client (src/kms/client.ts), as each tab runs it: every
 * worker writes under its own OPFS directory and holds a Web Lock naming it; a finished output
 * outlives its tab and a later visit lists it (listFileOutputs) and can discard it; a starting
 * worker removes what ended workers left unfinished and never touches a live one's; a cancel
 * leaves nothing behind.
 */
import { describe, expect, test } from 'vitest';
import { OUTPUT_DIRECTORY } from '../../workers/envelope/opfs-sink.ts';
import { createKmsClient } from '../../src/kms/client.ts';
import { expectKmsError, toHex } from './support/vault.ts';
import { pseudoRandomBytes } from '../pseudo-random-bytes.ts';

type ListableDirectory = FileSystemDirectoryHandle & {
  keys(): AsyncIterable<string>;
};

async function names(directory: FileSystemDirectoryHandle): Promise<string[]> {
  const found: string[] = [];
  for await (const name of (directory as ListableDirectory).keys()) found.push(name);
  return found.sort();
}

/** Every output in OPFS, read by the page: output id → [owner id, file names]. */
async function outputsOnDisk(): Promise<Map<string, { owner: string; files: string[] }>> {
  const outputs = new Map<string, { owner: string; files: string[] }>();
  const root = await navigator.storage.getDirectory();
  let top: FileSystemDirectoryHandle;
  try {
    top = await root.getDirectoryHandle(OUTPUT_DIRECTORY);
  } catch {
    return outputs;
  }
  for (const owner of await names(top)) {
    const ownerDirectory = await top.getDirectoryHandle(owner);
    for (const outputId of await names(ownerDirectory)) {
      const files = await names(await ownerDirectory.getDirectoryHandle(outputId));
      outputs.set(outputId, { owner, files });
    }
  }
  return outputs;
}

async function sha256(blob: Blob): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer())));
}

async function heldLocks(): Promise<string[]> {
  const { held = [] } = await navigator.locks.query();
  return held.map((lock) => lock.name ?? '');
}

describe('file outputs belong to the worker that made them', () => {
  test('an output lives in its worker’s own directory until discardFileOutput removes it', async () => {
    const tab = createKmsClient();
    const { KeyId } = (await tab.createKey({ Description: 'file outputs' })).KeyMetadata;
    const input = new File([pseudoRandomBytes(300 * 1024)], 'photo.raw');

    const encrypted = await tab.encryptFile({ Input: input, KeyIds: [KeyId] });
    const decrypted = await tab.decryptFile({ Input: encrypted.Output });
    expect(await sha256(decrypted.Output)).toBe(await sha256(input));

    const onDisk = await outputsOnDisk();
    const encryptedEntry = onDisk.get(encrypted.OutputId);
    expect(encryptedEntry?.files).toEqual(['.complete', 'photo.raw.encrypted']);
    expect(onDisk.get(decrypted.OutputId)).toEqual({
      owner: encryptedEntry?.owner,
      files: ['.complete', 'photo.raw'],
    });
    expect(await heldLocks()).toContain(`pocket-kms-output:${encryptedEntry?.owner}`);

    expect(await tab.discardFileOutput({ OutputId: encrypted.OutputId })).toEqual({});
    const afterDiscard = await outputsOnDisk();
    expect(afterDiscard.has(encrypted.OutputId)).toBe(false);
    expect(afterDiscard.has(decrypted.OutputId)).toBe(true);
    // The disk-backed File went with its directory.
    await expect(encrypted.Output.arrayBuffer()).rejects.toThrow();

    await expectKmsError(
      tab.discardFileOutput({ OutputId: encrypted.OutputId }),
      'NotFoundException',
    );
    await expectKmsError(
      tab.discardFileOutput({ OutputId: '../photo.raw' }),
      'ValidationException',
    );
    await expectKmsError(tab.discardFileOutput({} as { OutputId: string }), 'ValidationException');

    // Another tab cannot discard this tab's output: to it, the id does not exist.
    const otherTab = createKmsClient();
    await expectKmsError(
      otherTab.discardFileOutput({ OutputId: decrypted.OutputId }),
      'NotFoundException',
    );
    expect((await outputsOnDisk()).has(decrypted.OutputId)).toBe(true);
    expect(await sha256(decrypted.Output)).toBe(await sha256(input));
    await tab.discardFileOutput({ OutputId: decrypted.OutputId });
  });

  test('a cancelled encrypt rejects with OperationCancelledException and leaves nothing in OPFS', async () => {
    const tab = createKmsClient();
    const { KeyId } = (await tab.createKey({ Description: 'cancel' })).KeyMetadata;
    const before = [...(await outputsOnDisk()).keys()].sort();
    const controller = new AbortController();
    let reports = 0;
    // Cancelled at the first report — the worker has started — so the abort crosses to the worker
    // while it is still working through the 4,096 frames, however fast this machine is (32 MiB
    // in 512 frames once ended before the abort arrived). 256 MiB, held once: the File's parts
    // are one Blob.
    const mebibyte = new Blob([pseudoRandomBytes(1024 * 1024)]);
    const cancelled = tab.encryptFile(
      {
        Input: new File(
          Array.from({ length: 256 }, () => mebibyte),
          'big.bin',
        ),
        KeyIds: [KeyId],
        FrameLength: 65536,
      },
      () => {
        reports++;
        controller.abort();
      },
      controller.signal,
    );
    const error = await expectKmsError(cancelled, 'OperationCancelledException');
    expect(error.message).toMatch(/partial output was removed/);
    expect(reports).toBeGreaterThan(0);
    expect([...(await outputsOnDisk()).keys()].sort()).toEqual(before);
  });

  test('an ended worker’s finished outputs are listed by a later one; its unfinished ones are swept', async () => {
    const liveTab = createKmsClient();
    const { KeyId } = (await liveTab.createKey({ Description: 'sweep' })).KeyMetadata;
    const liveInput = new File([pseudoRandomBytes(200 * 1024, 1)], 'live.txt');
    const live = await liveTab.encryptFile({ Input: liveInput, KeyIds: [KeyId] });

    // A tab that closes: the same worker entry, ended with terminate() once it has written.
    let closingWorker: Worker | undefined;
    const closingTab = createKmsClient(() => {
      closingWorker = new Worker(new URL('../../workers/kms.worker.ts', import.meta.url), {
        type: 'module',
      });
      return closingWorker;
    });
    const leftInput = new File([pseudoRandomBytes(100 * 1024, 2)], 'left.txt');
    const left = await closingTab.encryptFile({ Input: leftInput, KeyIds: [KeyId] });
    const leftOwner = (await outputsOnDisk()).get(left.OutputId)!.owner;
    // An output that tab never finished (a crash mid-way): a job directory without the marker.
    const top = await (await navigator.storage.getDirectory()).getDirectoryHandle(OUTPUT_DIRECTORY);
    const unfinished = await (
      await top.getDirectoryHandle(leftOwner)
    ).getDirectoryHandle('00000000-0000-4000-8000-000000000000', { create: true });
    const partial = await (
      await unfinished.getFileHandle('half.txt', { create: true })
    ).createWritable();
    await partial.write('not authenticated yet');
    await partial.close();
    closingWorker!.terminate();
    // The browser releases an ended worker's locks; wait for that before the next worker starts.
    await expect
      .poll(heldLocks, { timeout: 10_000 })
      .not.toContain(`pocket-kms-output:${leftOwner}`);

    const startingTab = createKmsClient();
    await startingTab.listKeys();
    await expect
      .poll(async () => (await outputsOnDisk()).has('00000000-0000-4000-8000-000000000000'), {
        timeout: 10_000,
      })
      .toBe(false);

    // The finished output of the closed tab is listed as from an earlier visit; the live
    // tab's is not listed to another tab at all.
    const listed = (await startingTab.listFileOutputs()).Outputs;
    expect(listed.map((output) => [output.OutputId, output.FromEarlierVisit])).toEqual([
      [left.OutputId, true],
    ]);
    expect(listed[0]!.Output.name).toBe('left.txt.encrypted');
    const reopened = await startingTab.decryptFile({ Input: listed[0]!.Output });
    expect(await sha256(reopened.Output)).toBe(await sha256(leftInput));
    expect(await startingTab.discardFileOutput({ OutputId: left.OutputId })).toEqual({});
    expect((await outputsOnDisk()).has(left.OutputId)).toBe(false);
    await expectKmsError(
      startingTab.discardFileOutput({ OutputId: live.OutputId }),
      'NotFoundException',
    );

    expect((await outputsOnDisk()).get(live.OutputId)?.files).toEqual([
      '.complete',
      'live.txt.encrypted',
    ]);
    const decrypted = await startingTab.decryptFile({ Input: live.Output });
    expect(await sha256(decrypted.Output)).toBe(await sha256(liveInput));
    await startingTab.discardFileOutput({ OutputId: decrypted.OutputId });
    await startingTab.discardFileOutput({ OutputId: reopened.OutputId });
    await liveTab.discardFileOutput({ OutputId: live.OutputId });
  });
});
