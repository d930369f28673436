/**
 * The Files page saving straight to a file the person picks (issue 14 §1). `showSaveFilePicker`
 * is replaced by a test double (page.addInitScript) that returns a handle to an OPFS file named
 * as the page suggested — the same FileSystemFileHandle interface as a picked file, posted to the
 * core worker the same way. A file is encrypted into one picked file, read back, decrypted into
 * another, and the SHA-256s match. Where the browser has no picker, the page says results stay in
 * the browser until saved.
 */
import { createHash } from 'node:crypto';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { createKeyWithAlias, nav, openApp } from './ui-helpers.ts';

/** The picker double: `picked/<suggested name>` in OPFS; the names asked for in `__picked`. */
function installPickerDouble(): void {
  const asked: string[] = [];
  (window as unknown as { __picked: string[] }).__picked = asked;
  (window as unknown as { showSaveFilePicker: unknown }).showSaveFilePicker = async (options?: {
    suggestedName?: string;
  }): Promise<FileSystemFileHandle> => {
    const name = options?.suggestedName ?? 'untitled';
    asked.push(name);
    const root = await navigator.storage.getDirectory();
    const folder = await root.getDirectoryHandle('picked', { create: true });
    return folder.getFileHandle(name, { create: true });
  };
}

/** The bytes of `picked/<name>` in OPFS, read by the page. */
async function pickedBytes(page: Page, name: string): Promise<Buffer> {
  const base64 = await page.evaluate(async (fileName) => {
    const root = await navigator.storage.getDirectory();
    const folder = await root.getDirectoryHandle('picked');
    const file = await (await folder.getFileHandle(fileName)).getFile();
    const bytes = new Uint8Array(await file.arrayBuffer());
    let binary = '';
    for (let i = 0; i < bytes.length; i += 0x8000) {
      binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    }
    return btoa(binary);
  }, name);
  return Buffer.from(base64, 'base64');
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** 3 MiB + 7 of an xorshift32 pattern: several frames, not a whole number of them. */
function plaintext(): Buffer {
  const out = Buffer.alloc(3 * 1024 * 1024 + 7);
  let state = 0x2545f491;
  for (let i = 0; i < out.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[i] = state & 0xff;
  }
  return out;
}

function queueItem(page: Page, fileName: string): Locator {
  return page
    .getByRole('region', { name: 'Queue' })
    .getByRole('listitem', { name: fileName, exact: true });
}

test('a file encrypts into a picked file and decrypts from it into another, identical', async ({
  page,
}) => {
  test.setTimeout(180_000);
  await page.addInitScript(installPickerDouble);
  await openApp(page);
  await createKeyWithAlias(page, 'direct');
  await nav(page, 'Files').click();
  await expect(page.getByRole('checkbox', { name: 'alias/direct' })).toBeChecked();
  await expect(
    page.getByRole('radio', { name: 'Kept in the browser until you save them' }),
  ).toBeChecked();
  await page.getByRole('radio', { name: 'Saved straight to a file you choose' }).check();

  const original = plaintext();
  await page
    .getByLabel('Choose files')
    .setInputFiles({ name: 'photo.raw', mimeType: 'application/octet-stream', buffer: original });
  const encrypting = queueItem(page, 'photo.raw');
  await expect(encrypting.getByText('Where to save?')).toBeVisible();
  await encrypting.getByRole('button', { name: 'Save photo.raw to…' }).click();
  await expect(encrypting.getByText('Saved straight to the file you chose.')).toBeVisible({
    timeout: 60_000,
  });
  await expect(encrypting.getByText('Encrypted under alias/direct')).toBeVisible();
  // Nothing to save from the browser: the result is already the person's file.
  await expect(encrypting.getByRole('link', { name: /^Save / })).toHaveCount(0);

  const encrypted = await pickedBytes(page, 'photo.raw.encrypted');
  expect(encrypted.length).toBeGreaterThan(original.length);
  await page.getByLabel('Choose files').setInputFiles({
    name: 'photo.raw.encrypted',
    mimeType: 'application/octet-stream',
    buffer: encrypted,
  });
  const decrypting = queueItem(page, 'photo.raw.encrypted');
  await decrypting.getByRole('button', { name: 'Save photo.raw.encrypted to…' }).click();
  await expect(decrypting.getByText('Saved straight to the file you chose.')).toBeVisible({
    timeout: 60_000,
  });
  await expect(decrypting.getByText('Decrypted with alias/direct, version 1')).toBeVisible();

  expect(sha256(await pickedBytes(page, 'photo.raw'))).toBe(sha256(original));
  expect(await page.evaluate(() => (window as unknown as { __picked: string[] }).__picked)).toEqual(
    ['photo.raw.encrypted', 'photo.raw'],
  );
  // Removing a job whose result went to a picked file leaves that file alone.
  await decrypting.getByRole('button', { name: 'Remove photo.raw.encrypted' }).click();
  await expect(decrypting).toBeHidden();
  expect(sha256(await pickedBytes(page, 'photo.raw'))).toBe(sha256(original));
});

test('without a save picker, the page says results stay in the browser until saved', async ({
  page,
}) => {
  await page.addInitScript(() => {
    Object.defineProperty(window, 'showSaveFilePicker', { value: undefined, configurable: true });
  });
  await openApp(page, '#/files');
  await expect(
    page.getByText('Each result is kept in the browser until you save it.'),
  ).toBeVisible();
  await expect(page.getByRole('radio')).toHaveCount(0);
});
