/**
 * A picked output needs no quota (issue 14 §1): with the origin's storage quota cut over the
 * DevTools protocol to what the vault already uses plus 1 MiB, a 20 MiB file encrypts into a real
 * file on disk and decrypts into another, while the same encrypt into the browser's own storage
 * (OPFS) is refused with the quota's named error.
 *
 * The other file tests stand an OPFS handle in for a picked file, and OPFS is itself under the
 * quota, so they cannot show this. Headless Chromium has no save picker to drive, but it can hand
 * the page handles to real files the way an installed app is given files to open: the test serves
 * the app's manifest with a `file_handlers` entry (the app itself does not declare one), installs
 * the app over the DevTools protocol (`PWA.install`) and launches it with two files on disk
 * (`PWA.launchFilesInApp`), whose handles an init script takes from `window.launchQueue`.
 * Writing to such a file needs the person's permission; the profile grants it beforehand, as a
 * person would in the prompt, with the `file_system_write_guard` content setting set to allow for
 * the app's origin (ChromeFileSystemAccessPermissionContext: "Content setting grants write
 * permission without asking").
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, expect, test, type BrowserContext, type Page } from '@playwright/test';
import { CHROMIUM_ARGS, chromiumPath } from '../chromium.mjs';

const SIZE = 20 * 1024 * 1024 + 3;
const MIB = 1024 * 1024;

type LaunchedWindow = Window & { __launched?: FileSystemFileHandle[] };

let directory: string;
let context: BrowserContext;

test.beforeEach(async ({ baseURL }) => {
  directory = mkdtempSync(join(tmpdir(), 'pkms-picked-'));
  const origin = new URL(baseURL!).origin;
  const profile = join(directory, 'profile');
  mkdirSync(join(profile, 'Default'), { recursive: true });
  writeFileSync(
    join(profile, 'Default', 'Preferences'),
    JSON.stringify({
      profile: {
        content_settings: {
          exceptions: { file_system_write_guard: { [`${origin},*`]: { setting: 1 } } },
        },
      },
    }),
  );
  context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    args: CHROMIUM_ARGS,
    baseURL,
    // The manifest below must come from the route, not from a service worker's cache.
    serviceWorkers: 'block',
  });
  await context.route('**/manifest.webmanifest', async (route) => {
    const response = await route.fetch();
    const manifest = (await response.json()) as Record<string, unknown>;
    manifest.file_handlers = [
      { action: './', accept: { 'application/octet-stream': ['.encrypted', '.bin'] } },
    ];
    await route.fulfill({ response, json: manifest });
  });
  await context.addInitScript(() => {
    const launched = window as LaunchedWindow;
    const queue = (window as unknown as { launchQueue?: { setConsumer(f: unknown): void } })
      .launchQueue;
    queue?.setConsumer((params: { files: FileSystemFileHandle[] }) => {
      launched.__launched = params.files;
    });
  });
});

test.afterEach(async () => {
  await context?.close();
  rmSync(directory, { recursive: true, force: true });
});

/** Installs the app and launches it with `files` (paths on disk); returns its window. */
async function launchWithFiles(files: string[]): Promise<Page> {
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto('/');
  const origin = new URL(page.url()).origin;
  // Installed from this page, whose manifest came through the route above.
  const session = await context.newCDPSession(page);
  const manifestId = `${origin}/`;
  await session.send('PWA.install', { manifestId });
  const launched = context.waitForEvent('page');
  await session.send('PWA.launchFilesInApp', { manifestId, files });
  const app = await launched;
  await expect(app.locator('html')).toHaveAttribute('data-ready', 'true', { timeout: 30_000 });
  await app.waitForFunction(
    (count) => (window as LaunchedWindow).__launched?.length === count,
    files.length,
  );
  return app;
}

/** Cuts the origin's quota to what it uses now (the vault) plus 1 MiB; returns that usage. */
async function cutQuota(app: Page): Promise<number> {
  const cdp = await context.newCDPSession(app);
  const { usage } = await app.evaluate(() => navigator.storage.estimate());
  await cdp.send('Storage.overrideQuotaForOrigin', {
    origin: new URL(app.url()).origin,
    quotaSize: usage! + MIB,
  });
  return usage!;
}

test('a cut quota refuses an output into the browser but not into a picked file', async () => {
  const encryptedPath = join(directory, 'report.bin.encrypted');
  const decryptedPath = join(directory, 'report.bin');
  writeFileSync(encryptedPath, '');
  writeFileSync(decryptedPath, '');
  const app = await launchWithFiles([encryptedPath, decryptedPath]);

  // The quota: what the origin uses now (the vault) plus 1 MiB — far less than the file.
  const usage = await cutQuota(app);

  const result = await app.evaluate(
    async ({ size }) => {
      const [encryptedHandle, decryptedHandle] = (window as LaunchedWindow).__launched as [
        FileSystemFileHandle,
        FileSystemFileHandle,
      ];
      const bytes = new Uint8Array(size);
      for (let at = 0; at < size; at += 65536) {
        crypto.getRandomValues(bytes.subarray(at, Math.min(size, at + 65536)));
      }
      const input = new File([bytes], 'report.bin');
      const hex = (buffer: ArrayBuffer) =>
        Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');
      const { KeyMetadata } = await window.kms.createKey({ Description: 'picked output' });
      const request = { Input: input, KeyIds: [KeyMetadata.KeyId], EncryptionContext: { a: 'b' } };

      let refused = '';
      try {
        await window.kms.encryptFile(request);
      } catch (error) {
        refused = `${(error as Error).name}: ${(error as Error).message}`;
      }
      const encrypted = await window.kms.encryptFile({ ...request, Output: encryptedHandle });
      const decrypted = await window.kms.decryptFile({
        Input: await encryptedHandle.getFile(),
        EncryptionContext: { a: 'b' },
        Output: decryptedHandle,
      });
      return {
        refused,
        encryptedSize: encrypted.Output.size,
        decryptedSize: decrypted.Output.size,
        sha256: hex(await crypto.subtle.digest('SHA-256', bytes)),
        usage: (await navigator.storage.estimate()).usage!,
      };
    },
    { size: SIZE },
  );

  // Into the browser's storage: refused by the quota, by name (workers/errors.ts).
  expect(result.refused).toBe(
    'KMSInternalException: The browser refused to store more data (storage quota exceeded). Nothing was changed.',
  );
  // Into the picked files: both on disk, whole, the round trip byte-identical.
  expect(result.encryptedSize).toBeGreaterThan(SIZE);
  expect(statSync(encryptedPath).size).toBe(result.encryptedSize);
  expect(result.decryptedSize).toBe(SIZE);
  const decrypted = readFileSync(decryptedPath);
  expect(decrypted.length).toBe(SIZE);
  expect(createHash('sha256').update(decrypted).digest('hex')).toBe(result.sha256);
  // And none of it was charged to the origin.
  expect(result.usage).toBeLessThan(usage + MIB);
});

test('on the Files page, a file kept in the browser hits the cut quota; saved to a picked file, it does not', async () => {
  test.slow(); // installs and launches the app, then 20 MiB through the page twice: 31 s on 2 slow cores
  const encryptedPath = join(directory, 'scan.tiff.encrypted');
  writeFileSync(encryptedPath, '');
  const app = await launchWithFiles([encryptedPath]);
  // The Files page's save picker answers with the launched file: a real file on disk.
  await app.evaluate(() => {
    const picked = (window as LaunchedWindow).__launched![0];
    (window as unknown as { showSaveFilePicker: unknown }).showSaveFilePicker = async () => picked;
  });
  await app.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Keys' }).click();
  await app.getByRole('button', { name: 'Create key' }).click();
  const dialog = app.getByRole('dialog', { name: 'Create key' });
  await dialog.getByLabel('Alias (optional)').fill('picked');
  await dialog.getByRole('button', { name: 'Create key' }).click();
  await expect(dialog).toBeHidden();
  await cutQuota(app);
  await app.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Files' }).click();
  await expect(app.getByRole('checkbox', { name: 'alias/picked' })).toBeChecked();
  const original = Buffer.alloc(SIZE, 0x5a);
  const choose = (name: string) =>
    app
      .getByLabel('Choose files')
      .setInputFiles({ name, mimeType: 'application/octet-stream', buffer: original });
  const item = (name: string) =>
    app.getByRole('region', { name: 'Queue' }).getByRole('listitem', { name, exact: true });

  await choose('kept.tiff');
  await expect(
    item('kept.tiff').getByText(
      'The browser refused to store more data (storage quota exceeded). Nothing was changed.',
    ),
  ).toBeVisible({ timeout: 60_000 });

  await app.getByRole('radio', { name: 'Saved straight to a file you choose' }).check();
  await choose('scan.tiff');
  await item('scan.tiff').getByRole('button', { name: 'Save scan.tiff to…' }).click();
  await expect(item('scan.tiff').getByText('Saved straight to the file you chose.')).toBeVisible({
    timeout: 60_000,
  });
  // On disk, whole: a message of format 2, suite 0x0478 (docs/FORMAT.md §4.1), larger than the
  // input by its header and 41 frames' overhead.
  const written = readFileSync(encryptedPath);
  expect([...written.subarray(0, 3)]).toEqual([0x02, 0x04, 0x78]);
  expect(written.length).toBeGreaterThan(SIZE);
});
