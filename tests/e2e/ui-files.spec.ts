/**
 * The Files page as a person uses it (issue 3, §4 and the end-to-end acceptance): choose a
 * generated 200 MB file, encrypt it under a key made through the UI, save it, choose the saved
 * `.encrypted` file, decrypt, save — the SHA-256 of the result equals the original's; the same
 * with the network off. Also: a wrong context and a changed byte are refused in words with no
 * Save; Cancel mid-way says Cancelled; Inspect shows the header table and its bytes.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { createKeyWithAlias, nav, openApp } from './ui-helpers.ts';
import { controlledByServiceWorker, expectNetworkOff } from './support/kms-page.ts';

const MB = 1_000_000;

let directory = '';
test.beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'pkms-files-e2e-'));
});
test.afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

/**
 * Writes `size` bytes of a deterministic, incompressible-looking pattern (xorshift32) to
 * `<temp>/<name>`, in 1 MiB chunks, and returns the path and SHA-256 of what was written.
 */
async function generateFile(name: string, size: number): Promise<{ path: string; sha256: string }> {
  const path = join(directory, name);
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  let state = 0x9e3779b9;
  for (let written = 0; written < size;) {
    const chunk = Buffer.alloc(Math.min(1 << 20, size - written));
    for (let i = 0; i + 4 <= chunk.length; i += 4) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      chunk.writeUInt32LE(state >>> 0, i);
    }
    hash.update(chunk);
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    written += chunk.length;
  }
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
  return { path, sha256: hash.digest('hex') };
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function queueItem(page: Page, fileName: string): Locator {
  return page
    .getByRole('region', { name: 'Queue' })
    .getByRole('listitem', { name: fileName, exact: true });
}

async function chooseFile(page: Page, path: string): Promise<void> {
  await page.getByLabel('Choose files').setInputFiles(path);
}

let saves = 0;

/** Clicks the item's Save link and stores the download, under its own name, in a new folder. */
async function save(item: Locator, outputName: string, timeout: number): Promise<string> {
  const link = item.getByRole('link', { name: `Save ${outputName}`, exact: true });
  await expect(link).toBeVisible({ timeout });
  const [download] = await Promise.all([item.page().waitForEvent('download'), link.click()]);
  expect(download.suggestedFilename()).toBe(outputName);
  const folder = join(directory, `download-${++saves}`);
  await mkdir(folder);
  const path = join(folder, outputName);
  await download.saveAs(path);
  return path;
}

/** The whole round trip of the acceptance test, through the UI only. */
async function roundTrip(page: Page, alias: string, name: string): Promise<void> {
  const original = await generateFile(name, 200 * MB);
  await nav(page, 'Files').click();
  await expect(page.getByRole('checkbox', { name: `alias/${alias}` })).toBeChecked();

  await chooseFile(page, original.path);
  const encrypting = queueItem(page, name);
  const encryptedPath = await save(encrypting, `${name}.encrypted`, 240_000);
  await expect(encrypting.getByText(`Encrypted under alias/${alias}`)).toBeVisible();
  await encrypting.getByRole('button', { name: `Remove ${name}` }).click();
  await expect(encrypting).toBeHidden();

  // The saved file is chosen again: recognised as a message by its content, so it is decrypted.
  await chooseFile(page, encryptedPath);
  const decrypting = queueItem(page, `${name}.encrypted`);
  const decryptedPath = await save(decrypting, name, 240_000);
  await expect(decrypting.getByText(`Decrypted with alias/${alias}, version 1`)).toBeVisible();
  expect(await sha256OfFile(decryptedPath)).toBe(original.sha256);
  await rm(original.path);
  await rm(encryptedPath);
  await rm(decryptedPath);
}

test('a 200 MB file encrypts, saves, decrypts from the saved file, and saves back identical', async ({
  page,
}) => {
  test.setTimeout(900_000);
  await openApp(page);
  await createKeyWithAlias(page, 'files');
  await roundTrip(page, 'files', 'large-200mb.bin');
});

test('the same round trip with the network off, after one visit', async ({ page, context }) => {
  test.setTimeout(900_000);
  await openApp(page);
  await controlledByServiceWorker(page);

  await context.setOffline(true);
  try {
    await page.reload();
    await expect(page.locator('html')).toHaveAttribute('data-ready', 'true', { timeout: 30_000 });
    await expectNetworkOff(page);
    await createKeyWithAlias(page, 'offline-files');
    await roundTrip(page, 'offline-files', 'offline-200mb.bin');
  } finally {
    await context.setOffline(false);
  }
});

test('a wrong encryption context and a changed byte are refused in words, with no Save; Inspect shows the header', async ({
  page,
}) => {
  test.setTimeout(180_000);
  const original = await generateFile('payroll.csv', 300_000);
  await openApp(page);
  await createKeyWithAlias(page, 'payroll');
  await nav(page, 'Files').click();
  await page.getByLabel('Context key 1', { exact: true }).fill('purpose');
  await page.getByLabel('Context value 1', { exact: true }).fill('payroll');
  await chooseFile(page, original.path);
  const encrypting = queueItem(page, 'payroll.csv');
  const encryptedPath = await save(encrypting, 'payroll.csv.encrypted', 60_000);

  // Inspect the result: the header as a table, and its bytes with the focused field highlighted.
  await encrypting.getByRole('button', { name: 'Inspect payroll.csv.encrypted' }).click();
  const dialog = page.getByRole('dialog', { name: 'Inspect payroll.csv.encrypted' });
  const fields = dialog.getByRole('table', { name: 'Fields' });
  await expect(fields.getByRole('row', { name: /^Version 0 1 0x02$/ })).toBeVisible();
  await expect(fields.getByRole('row', { name: /^Algorithm Suite ID 1 2 0x0478$/ })).toBeVisible();
  await expect(fields.getByRole('row', { name: /^Value 1 \d+ 7 payroll$/ })).toBeVisible();
  const keys = dialog.getByRole('table', { name: 'Encrypted data keys' });
  await expect(
    keys.getByRole('row', {
      name: /pocket-kms .*arn:pkms:kms:local:\d{12}:key\/[0-9a-f-]{36} 1 held \(Enabled\)/,
    }),
  ).toBeVisible();
  const header = dialog.getByRole('group', { name: 'Header bytes' });
  await expect(header.locator('.hex-byte').first()).toHaveText('02');
  // The pointer off the dialog first: focusing a row scrolls the dialog, and a row that scrolls
  // under a resting pointer would take the highlight (mouseenter).
  await page.mouse.move(0, 0);
  await fields.getByRole('row', { name: /^Message ID / }).focus();
  await expect(header.locator('.hex-byte.highlight')).toHaveCount(32);
  await expect(header.locator('.hex-byte.highlight').first()).toHaveAttribute('data-offset', '3');
  await fields.getByRole('row', { name: /^Algorithm Suite ID / }).hover();
  await expect(header.locator('.hex-byte.highlight')).toHaveText(['04', '78']);
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(dialog).toBeHidden();

  // Decrypting with a context the file does not hold.
  await page.getByLabel('Context value 1', { exact: true }).fill('marketing');
  await chooseFile(page, encryptedPath);
  const wrongContext = queueItem(page, 'payroll.csv.encrypted');
  await expect(wrongContext.getByRole('alert')).toContainText(
    "The file's encryption context does not contain the pairs you gave.",
  );
  await expect(wrongContext.getByRole('alert')).toContainText('(InvalidCiphertextException)');
  await expect(wrongContext.getByText('Failed', { exact: true })).toBeVisible();
  await expect(wrongContext.getByRole('link')).toHaveCount(0);
  await wrongContext.getByRole('button', { name: 'Remove payroll.csv.encrypted' }).click();

  // One changed byte in the final frame: refused, naming the frame, and nothing to save.
  const bytes = await readFile(encryptedPath);
  bytes[bytes.length - 20]! ^= 0x01;
  await mkdir(join(directory, 'tampered'));
  const tamperedPath = join(directory, 'tampered', 'payroll.csv.encrypted');
  await writeFile(tamperedPath, bytes);
  await page.getByLabel('Context value 1', { exact: true }).fill('payroll');
  await chooseFile(page, tamperedPath);
  const tampered = queueItem(page, 'payroll.csv.encrypted');
  await expect(tampered.getByRole('alert')).toContainText('(InvalidCiphertextException)');
  await expect(tampered.getByRole('alert')).toContainText(
    'This file was changed or damaged after it was encrypted.',
  );
  await expect(tampered.getByRole('alert')).toContainText(/final frame/);
  await expect(tampered.getByRole('link')).toHaveCount(0);
  expect(await outputsInOpfs(page)).toEqual(['payroll.csv.encrypted']);
});

/** Names of the files the core holds in OPFS for this tab (read by the page, as devtools can). */
async function outputsInOpfs(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    type Listable = FileSystemDirectoryHandle & {
      entries(): AsyncIterable<[string, FileSystemHandle]>;
    };
    const found: string[] = [];
    const walk = async (directory: FileSystemDirectoryHandle): Promise<void> => {
      for await (const [name, handle] of (directory as Listable).entries()) {
        // The completion marker beside each finished output is not an output.
        if (handle.kind === 'directory') await walk(handle as FileSystemDirectoryHandle);
        else if (name !== '.complete') found.push(name);
      }
    };
    const root = await navigator.storage.getDirectory();
    await walk(await root.getDirectoryHandle('pocket-kms-output', { create: true }));
    return found.sort();
  });
}

test('Cancel stops an encryption mid-way: the item says Cancelled and nothing is left', async ({
  page,
}) => {
  test.setTimeout(180_000);
  // 2 GiB of zeros as a sparse file: instant to make, and seconds of work to encrypt.
  const path = join(directory, 'disk.img');
  await writeFile(path, '');
  await truncate(path, 2 ** 31);
  await openApp(page);
  await createKeyWithAlias(page, 'images');
  await nav(page, 'Files').click();
  await chooseFile(page, path);
  const item = queueItem(page, 'disk.img');
  const progress = item.getByRole('progressbar', { name: 'Encrypting disk.img' });
  await expect.poll(async () => Number(await progress.getAttribute('value'))).toBeGreaterThan(0);
  await expect(item.getByText(/MB\/s · .* left/)).toBeVisible();
  await item.getByRole('button', { name: 'Cancel disk.img' }).click();
  await expect(item.getByText('Cancelled', { exact: true })).toBeVisible();
  await expect(item.getByRole('alert')).toContainText('Cancelled. The partial output was removed');
  await expect(item.getByRole('alert')).toContainText('(OperationCancelledException)');
  await expect(item.getByRole('link')).toHaveCount(0);
  expect(await outputsInOpfs(page)).toEqual([]);
  await rm(path);
});
