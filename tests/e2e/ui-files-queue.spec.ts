/**
 * The Files queue in daily use (issue 11 §3): it survives moving between pages, even
 * mid-encryption; closing or reloading the tab asks first while a result is unsaved (and not
 * otherwise); results stored by an earlier visit are listed after a reload, with Save and Remove.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { nav, openApp } from './ui-helpers.ts';
import './support/kms-page.ts';

let directory = '';
test.beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'pkms-queue-e2e-'));
});
test.afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** `size` bytes of a varying pattern, written in 1 MiB chunks; returns the path. */
async function generateFile(name: string, size: number): Promise<string> {
  const path = join(directory, name);
  const out = createWriteStream(path);
  for (let written = 0; written < size;) {
    const chunk = Buffer.alloc(Math.min(1 << 20, size - written), written % 251);
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    written += chunk.length;
  }
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
  return path;
}

async function withKey(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const { KeyMetadata } = await window.kms.createKey({ Description: 'files' });
    await window.kms.createAlias({ AliasName: 'alias/files', TargetKeyId: KeyMetadata.KeyId });
  });
}

function item(page: Page, region: string, name: string): Locator {
  return page
    .getByRole('region', { name: region, exact: true })
    .getByRole('listitem', { name, exact: true });
}

/**
 * Waits until the Files page lists the key withKey made, chosen: the page learns of it from the
 * vault-changed broadcast, and a file chosen before then would be encrypted under no key.
 */
async function expectKeyChosen(page: Page): Promise<void> {
  await expect(page.getByRole('checkbox', { name: 'alias/files' })).toBeChecked();
}

async function chooseSmallFile(page: Page, name: string): Promise<void> {
  await expectKeyChosen(page);
  await page.getByLabel('Choose files').setInputFiles({
    name,
    mimeType: 'text/plain',
    buffer: Buffer.from(`contents of ${name}\n`),
  });
}

test('the queue survives moving between pages, even mid-encryption', async ({ page }) => {
  await openApp(page);
  await withKey(page);
  await nav(page, 'Files').click();
  await expectKeyChosen(page);
  await page.getByLabel('Choose files').setInputFiles(await generateFile('big.bin', 96 << 20));
  const running = item(page, 'Queue', 'big.bin');
  await expect(running).toContainText('Encrypting');

  await nav(page, 'Keys').click();
  await expect(page.getByRole('heading', { level: 1, name: 'Keys' })).toBeVisible();
  await nav(page, 'Files').click();
  // The same job, still running or done — never gone.
  await expect(item(page, 'Queue', 'big.bin')).toBeVisible();
  const save = item(page, 'Queue', 'big.bin').getByRole('link', { name: 'Save big.bin.encrypted' });
  await expect(save).toBeVisible({ timeout: 60_000 });
  const [download] = await Promise.all([page.waitForEvent('download'), save.click()]);
  expect(download.suggestedFilename()).toBe('big.bin.encrypted');
  await download.cancel();
});

test('with nothing in the queue, closing the tab does not ask', async ({ page }) => {
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.type());
    void dialog.dismiss(); // stay on the page
  });
  await openApp(page);
  await withKey(page);
  await nav(page, 'Files').click();

  // Nothing in the queue: no question.
  await page.getByLabel('alias/files').click(); // a click, so Chromium allows the prompt later
  await page.getByLabel('alias/files').check();
  await page.close({ runBeforeUnload: true }).catch(() => undefined);
  await expect.poll(() => page.isClosed()).toBe(true);
  expect(dialogs).toEqual([]);
});

test('an unsaved result makes closing ask; after Save it does not', async ({ page }) => {
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.type());
    void dialog.dismiss();
  });
  await openApp(page);
  await withKey(page);
  await nav(page, 'Files').click();
  await chooseSmallFile(page, 'note.txt');
  const save = item(page, 'Queue', 'note.txt').getByRole('link', {
    name: 'Save note.txt.encrypted',
  });
  await expect(save).toBeVisible();

  await page.close({ runBeforeUnload: true });
  await expect.poll(() => dialogs).toEqual(['beforeunload']);
  expect(page.isClosed()).toBe(false);

  const [download] = await Promise.all([page.waitForEvent('download'), save.click()]);
  await download.cancel();
  await page.close({ runBeforeUnload: true });
  await expect.poll(() => page.isClosed()).toBe(true);
  expect(dialogs).toEqual(['beforeunload']);
});

test('results stored by an earlier visit are listed after a reload, with Save and Remove', async ({
  page,
}) => {
  page.on('dialog', (dialog) => void dialog.accept()); // leave, despite the unsaved results
  await openApp(page);
  await withKey(page);
  await nav(page, 'Files').click();
  await chooseSmallFile(page, 'kept.txt');
  await chooseSmallFile(page, 'dropped.txt');
  await expect(
    item(page, 'Queue', 'dropped.txt').getByRole('link', { name: 'Save dropped.txt.encrypted' }),
  ).toBeVisible();

  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-ready', 'true', { timeout: 30_000 });
  const kept = item(page, 'From an earlier visit', 'kept.txt.encrypted');
  const dropped = item(page, 'From an earlier visit', 'dropped.txt.encrypted');
  await expect(kept).toBeVisible();
  await expect(dropped).toBeVisible();

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    kept.getByRole('link', { name: 'Save kept.txt.encrypted' }).click(),
  ]);
  expect(download.suggestedFilename()).toBe('kept.txt.encrypted');
  await dropped.getByRole('button', { name: 'Remove dropped.txt.encrypted' }).click();
  await expect(dropped).toHaveCount(0);

  // Removed for good: after another reload only the other one is listed.
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-ready', 'true', { timeout: 30_000 });
  await expect(kept).toBeVisible();
  await expect(dropped).toHaveCount(0);
});
