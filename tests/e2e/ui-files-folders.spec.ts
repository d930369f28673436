/**
 * A folder at once (issue 14 §3): a folder of 50 files in 3 subfolders, chosen with "Choose a
 * folder", is encrypted into a folder the person picks, subfolders kept, with one progress bar;
 * the encrypted folder is chosen again and decrypted into another picked folder, and every
 * file's SHA-256 equals the original's. `showDirectoryPicker` is replaced by a test double that
 * returns OPFS directories (the same FileSystemDirectoryHandle interface as a picked folder). A
 * file that fails in a set — a changed ciphertext — is named with its reason, leaves no result,
 * and the others are done. Without a directory picker, a folder becomes one .tar archive (a path
 * ustar cannot hold travels in a pax header) that `tar` extracts, and it round-trips too.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { createKeyWithAlias, nav, openApp } from './ui-helpers.ts';
import './support/kms-page.ts';

/** The picker double: each call returns a new OPFS directory `picked-<n>`. */
function installDirectoryPickerDouble(): void {
  let calls = 0;
  (window as unknown as { showDirectoryPicker: unknown }).showDirectoryPicker =
    async (): Promise<FileSystemDirectoryHandle> => {
      const root = await navigator.storage.getDirectory();
      return root.getDirectoryHandle(`picked-${calls++}`, { create: true });
    };
}

/** Every file below OPFS `picked-<n>/<folder>`, by relative path, as base64. */
async function pickedFolder(page: Page, picked: string, folder: string) {
  return page.evaluate(
    async ([pickedName, folderName]) => {
      const files: Record<string, string> = {};
      const walk = async (directory: FileSystemDirectoryHandle, prefix: string) => {
        for await (const [name, handle] of (
          directory as unknown as {
            entries(): AsyncIterable<[string, FileSystemHandle]>;
          }
        ).entries()) {
          if (handle.kind === 'directory') {
            await walk(handle as FileSystemDirectoryHandle, `${prefix}${name}/`);
          } else {
            const bytes = new Uint8Array(
              await (await (handle as FileSystemFileHandle).getFile()).arrayBuffer(),
            );
            let binary = '';
            for (let i = 0; i < bytes.length; i += 0x8000) {
              binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
            }
            files[`${prefix}${name}`] = btoa(binary);
          }
        }
      };
      const root = await navigator.storage.getDirectory();
      const top = await (await root.getDirectoryHandle(pickedName)).getDirectoryHandle(folderName);
      await walk(top, '');
      return files;
    },
    [picked, folder] as const,
  );
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** 50 files: 10 at the top, the rest in a/, b/ and b/c/; sizes from 0 to about 300 KB. */
function makeFolder(root: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  let state = 0x1234567;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
  for (let index = 0; index < 50; index++) {
    const folder = index < 10 ? '' : index < 25 ? 'a/' : index < 40 ? 'b/' : 'b/c/';
    const size = index === 0 ? 0 : next() % 300_000;
    const bytes = Buffer.alloc(size);
    for (let i = 0; i < size; i++) bytes[i] = next() & 0xff;
    const path = `${folder}file ${index}.bin`;
    files.set(path, bytes);
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), bytes);
  }
  return files;
}

function folderItem(page: Page, name: string): Locator {
  return page
    .getByRole('region', { name: 'Folders' })
    .getByRole('listitem', { name: `Folder ${name}`, exact: true });
}

let work = '';
test.beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'pkms-folders-'));
});
test.afterAll(() => rmSync(work, { recursive: true, force: true }));

test('a folder of 50 files in 3 subfolders encrypts into a picked folder and decrypts back, identical', async ({
  page,
}) => {
  test.setTimeout(240_000);
  const originals = makeFolder(join(work, 'album'));
  await page.addInitScript(installDirectoryPickerDouble);
  await openApp(page);
  await createKeyWithAlias(page, 'folders');
  await nav(page, 'Files').click();
  await expect(
    page.getByText('A folder (chosen or dropped) is done as one set, into a folder you pick'),
  ).toBeVisible();

  await page.getByLabel('Choose a folder').setInputFiles(join(work, 'album'));
  const encrypting = folderItem(page, 'album');
  await expect(encrypting.getByText('50 files', { exact: false })).toBeVisible();
  await encrypting.getByRole('button', { name: 'Save folder album into…' }).click();
  await expect(encrypting.getByText('50 of 50 files done, into “picked-0/album”.')).toBeVisible({
    timeout: 120_000,
  });

  const encrypted = await pickedFolder(page, 'picked-0', 'album');
  expect(Object.keys(encrypted).sort()).toEqual(
    [...originals.keys()].map((path) => `${path}.encrypted`).sort(),
  );
  // The encrypted folder, as the person would choose it again — one file changed on the way.
  const copy = join(work, 'encrypted', 'album');
  for (const [path, base64] of Object.entries(encrypted)) {
    const bytes = Buffer.from(base64, 'base64');
    if (path === 'b/c/file 45.bin.encrypted') bytes[bytes.length - 40]! ^= 0x01;
    mkdirSync(dirname(join(copy, path)), { recursive: true });
    writeFileSync(join(copy, path), bytes);
  }
  await page.getByLabel('Choose a folder').setInputFiles(copy);
  const decrypting = folderItem(page, 'album').last();
  await decrypting.getByRole('button', { name: 'Save folder album into…' }).click();
  await expect(decrypting.getByText('49 of 50 files done, into “picked-1/album”.')).toBeVisible({
    timeout: 120_000,
  });
  await expect(decrypting.getByText('Done, 1 not done')).toBeVisible();
  await expect(decrypting.getByText('b/c/file 45.bin.encrypted', { exact: true })).toBeVisible();
  await expect(decrypting.getByText(/changed|does not/).first()).toBeVisible();

  const decrypted = await pickedFolder(page, 'picked-1', 'album');
  expect(Object.keys(decrypted).sort()).toEqual(
    [...originals.keys()].filter((path) => path !== 'b/c/file 45.bin').sort(),
  );
  for (const [path, base64] of Object.entries(decrypted)) {
    expect(sha256(Buffer.from(base64, 'base64')), path).toBe(sha256(originals.get(path)!));
  }
});

/** Saves the set's archive through its link and extracts it with `tar` into `into`. */
async function saveAndExtract(item: Locator, name: string, into: string): Promise<void> {
  const [download] = await Promise.all([
    item.page().waitForEvent('download'),
    item.getByRole('link', { name: `Save ${name}` }).click(),
  ]);
  const archive = join(work, `${name}-${Date.now()}`);
  await download.saveAs(archive);
  mkdirSync(into, { recursive: true });
  const extracted = spawnSync('tar', ['-xf', archive, '-C', into], { encoding: 'utf8' });
  expect(extracted.stderr).toBe('');
  expect(extracted.status).toBe(0);
}

function filesBelow(root: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (directory: string, prefix: string) => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(directory, entry.name), `${prefix}${entry.name}/`);
      else files.set(`${prefix}${entry.name}`, readFileSync(join(directory, entry.name)));
    }
  };
  walk(root, '');
  return files;
}

test('without a directory picker, a folder becomes one .tar archive that round-trips, paths kept', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const long = `подпапка/${'очень длинное имя файла '.repeat(4)}.txt`;
  const originals = new Map<string, Buffer>([
    ['one.txt', Buffer.from('one')],
    ['sub/two.txt', Buffer.from('two')],
    [long, Buffer.from('a path ustar alone cannot hold')],
  ]);
  for (const [path, bytes] of originals) {
    mkdirSync(dirname(join(work, 'small', path)), { recursive: true });
    writeFileSync(join(work, 'small', path), bytes);
  }
  await page.addInitScript(() => {
    Object.defineProperty(window, 'showDirectoryPicker', { value: undefined, configurable: true });
  });
  await openApp(page);
  await createKeyWithAlias(page, 'no-picker');
  await nav(page, 'Files').click();
  await expect(page.getByText('This browser cannot write into a folder')).toBeVisible();

  await page.getByLabel('Choose a folder').setInputFiles(join(work, 'small'));
  const encrypting = folderItem(page, 'small');
  await expect(encrypting.getByText('3 of 3 files done, in one archive')).toBeVisible({
    timeout: 60_000,
  });
  await saveAndExtract(encrypting, 'small.tar', join(work, 'encrypted-tar'));
  const encrypted = filesBelow(join(work, 'encrypted-tar', 'small'));
  expect([...encrypted.keys()].sort()).toEqual(
    [...originals.keys()].map((path) => `${path}.encrypted`).sort(),
  );

  await page.getByLabel('Choose a folder').setInputFiles(join(work, 'encrypted-tar', 'small'));
  const decrypting = folderItem(page, 'small').last();
  await expect(decrypting.getByText('3 of 3 files done, in one archive')).toBeVisible({
    timeout: 60_000,
  });
  await saveAndExtract(decrypting, 'small.tar', join(work, 'decrypted-tar'));
  const decrypted = filesBelow(join(work, 'decrypted-tar', 'small'));
  expect([...decrypted.keys()].sort()).toEqual([...originals.keys()].sort());
  for (const [path, bytes] of decrypted)
    expect(sha256(bytes), path).toBe(sha256(originals.get(path)!));

  // Removing a set lets its files in the browser's private storage go.
  const stored = () =>
    page.evaluate(async () => (await window.kms.listFileOutputs()).Outputs.length);
  expect(await stored()).toBe(6);
  await decrypting.getByRole('button', { name: 'Remove folder small' }).click();
  await expect(page.getByRole('region', { name: 'Folders' }).getByRole('listitem')).toHaveCount(1);
  await expect.poll(stored).toBe(3);
});
