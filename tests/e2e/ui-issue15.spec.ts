/**
 * The defects of issue 15 ("the app as a person meets it"), each as a person meets it. Defect 2
 * (the OpenSSL recipe) is tests/browser/openssl.test.ts; defect 6 (axe) and the sideways scroll
 * at every size are also held by ui-views.spec.ts.
 */
import { readFile } from 'node:fs/promises';
import { expect, test, type Page } from '@playwright/test';
import type { AuditEvent } from '../../workers/api.ts';
import {
  createKeyWithAlias,
  decryptSection,
  decryptText,
  encryptSection,
  encryptText,
  nav,
  openApp,
  openKey,
} from './ui-helpers.ts';

async function auditRecords(page: Page): Promise<AuditEvent[]> {
  return page.evaluate(async () => {
    const events: AuditEvent[] = [];
    let Marker: string | undefined;
    do {
      const page = await window.kms.listAuditEvents({ Limit: 100, ...(Marker && { Marker }) });
      events.push(...page.Events);
      Marker = page.Truncated ? page.NextMarker : undefined;
    } while (Marker);
    return events;
  });
}

test('1. Activity shows what the person did; the app’s own reads only when asked', async ({
  page,
}) => {
  await openApp(page);
  await createKeyWithAlias(page, 'diary', 'My diary');
  await openKey(page, 'diary');
  await nav(page, 'Encrypt / decrypt').click();
  await nav(page, 'Files').click();
  await nav(page, 'Sign & verify').click();
  await nav(page, 'Keys').click();
  await nav(page, 'Activity').click();

  const summaries = page.locator('details.record summary');
  await expect(page.getByText('That is every matching record.')).toBeVisible();
  // The person's calls only: CreateKey, CreateAlias and EnableKeyRotation from the dialog.
  const shown = (await summaries.locator('.what strong').allTextContents()).sort();
  expect(shown).toEqual(['CreateAlias', 'CreateKey', 'EnableKeyRotation']);

  const toggle = page.getByRole('checkbox', { name: "Show the app's own reads" });
  await expect(toggle).not.toBeChecked();
  await toggle.check();
  await expect(summaries.filter({ hasText: 'DescribeKey' }).first()).toBeVisible();
  const all = await summaries.locator('.what strong').allTextContents();
  for (const name of ['ListKeyDetails', 'ListAliases', 'DescribeKey', 'GetKeyRotationStatus'])
    expect(all).toContain(name);
  await toggle.uncheck();
  await expect(summaries.filter({ hasText: 'DescribeKey' })).toHaveCount(0);

  // A call from window.kms, recorded under the browser's own user agent.
  await page.evaluate(() => window.kms.listKeys({}));
  const records = await auditRecords(page);
  const browser = await page.evaluate(() => navigator.userAgent);
  const byAgent = (agent: string) =>
    new Set(records.filter((r) => r.userAgent === agent).map((r) => r.eventName));
  expect(byAgent('pocket-kms-ui')).toEqual(
    new Set(['CreateKey', 'CreateAlias', 'EnableKeyRotation', 'ListAuditEvents']),
  );
  const background = byAgent('pocket-kms-ui/background');
  for (const name of [
    'ListKeyDetails',
    'ListAliases',
    'DescribeKey',
    'GetKeyRotationStatus',
    'ListResourceTags',
    'ListKeyRotations',
    'ListFileOutputs',
    'ListAuditEvents',
  ])
    expect(background).toContain(name);
  // window.kms keeps the browser's user agent.
  expect(byAgent(browser)).toContain('ListKeys');
  expect(byAgent(browser)).not.toContain('CreateKey');
});

test('3. the Files page does not scroll sideways; "Choose files" stays on screen', async ({
  page,
}) => {
  for (const width of [1280, 360]) {
    await page.setViewportSize({ width, height: 800 });
    await openApp(page, '#/files');
    const { scrollWidth, clientWidth } = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      clientWidth: document.documentElement.clientWidth,
    }));
    expect(scrollWidth, `at ${width} px`).toBeLessThanOrEqual(clientWidth);
    const choose = await page.getByText('Choose files', { exact: true }).boundingBox();
    expect(choose!.x + choose!.width, `at ${width} px`).toBeLessThanOrEqual(clientWidth);
  }
});

test('4. after Encrypt and Decrypt, focus is on the result, scrolled into view', async ({
  page,
}) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await openApp(page);
  await createKeyWithAlias(page, 'focus');
  await encryptText(page, 'alias/focus', 'where does focus go?');
  const ciphertext = encryptSection(page).getByLabel(/^Ciphertext \(base64, \d+ bytes\)$/);
  await expect(ciphertext).toBeFocused();
  await expect(ciphertext).toBeInViewport();

  await decryptText(page, await ciphertext.inputValue());
  const plaintext = decryptSection(page).getByLabel('Plaintext', { exact: true });
  await expect(plaintext).toHaveValue('where does focus go?');
  await expect(plaintext).toBeFocused();
  await expect(plaintext).toBeInViewport();
});

test('5. one headline per failure, from the real reason, with the details underneath', async ({
  page,
}) => {
  await openApp(page);
  await createKeyWithAlias(page, 'words');

  // Text decrypt with another context: said once, not twice in other words.
  const ciphertext = await encryptText(page, 'alias/words', 'secret', ['purpose', 'a']);
  await decryptText(page, ciphertext, ['purpose', 'b']);
  const textAlert = decryptSection(page).getByRole('alert');
  await expect(textAlert).toContainText('(InvalidCiphertextException)');
  await expect(textAlert.locator('p')).toHaveCount(1);

  // A truncated file: the headline says so (not the encryption context); the core's words below.
  await nav(page, 'Files').click();
  const content = Buffer.alloc(200_000, 7);
  await page.getByLabel('Choose files').setInputFiles({
    name: 'big.bin',
    mimeType: 'application/octet-stream',
    buffer: content,
  });
  const save = page.getByRole('link', { name: 'Save big.bin.encrypted' });
  await expect(save).toBeVisible();
  const [download] = await Promise.all([page.waitForEvent('download'), save.click()]);
  const encrypted = await readFile((await download.path())!);
  await page.getByLabel('Choose files').setInputFiles({
    name: 'cut.encrypted',
    mimeType: 'application/octet-stream',
    buffer: encrypted.subarray(0, 20_000),
  });
  const job = page.getByRole('listitem', { name: 'cut.encrypted' });
  const alert = job.getByRole('alert');
  await expect(alert.locator('p').first()).toHaveText(
    'This file is incomplete: it ends before the message does. (InvalidCiphertextException)',
  );
  await expect(alert).not.toContainText('encryption context is not');
  // The details no longer contradict themselves ("it has 20000 bytes; more were expected after
  // byte 258").
  await expect(alert.locator('.error-details')).toContainText('it has 20000 bytes');
  await expect(alert.locator('.error-details')).not.toContainText('more were expected');
});

test('5. verifying a changed file says the file differs, not that the signature does not match', async ({
  page,
}) => {
  await openApp(page);
  const signed = await page.evaluate(async () => {
    const { KeyMetadata } = await window.kms.createKey({
      KeySpec: 'ECC_NIST_P256',
      KeyUsage: 'SIGN_VERIFY',
    });
    const file = new File(['the original words\n'], 'words.txt');
    const { SignatureFile } = await window.kms.signFile({
      Input: file,
      KeyId: KeyMetadata.KeyId,
      SigningAlgorithm: 'ECDSA_SHA_256',
    });
    return Array.from(new Uint8Array(await SignatureFile.arrayBuffer()));
  });
  await nav(page, 'Sign & verify').click();
  const verify = page.getByRole('region', { name: 'Verify', exact: true });
  await verify.getByRole('radio', { name: 'A file' }).check();
  await verify.getByLabel('File to verify').setInputFiles({
    name: 'words.txt',
    mimeType: 'text/plain',
    buffer: Buffer.from('the original wordz\n'),
  });
  await verify.getByLabel('Signature file (.sig)').setInputFiles({
    name: 'words.txt.sig',
    mimeType: 'text/plain',
    buffer: Buffer.from(signed),
  });
  await verify.getByRole('button', { name: 'Verify file' }).click();
  const verdict = verify.getByText(/^Invalid — /);
  await expect(verdict).toContainText(
    'Invalid — This is not the file that was signed: its contents differ.',
  );
  await expect(verdict).not.toContainText('signature does not match');
  await expect(verify.getByText(/SHA-256 differs from the signed statement/)).toBeVisible();
});

test('7. at 360 px the Tags table breaks no word', async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 740 });
  await openApp(page);
  const keyId = await page.evaluate(async () => {
    const { KeyMetadata } = await window.kms.createKey({
      Tags: [{ TagKey: 'project', TagValue: 'a-rather-long-tag-value-for-a-small-screen' }],
    });
    return KeyMetadata.KeyId;
  });
  await page.evaluate((id) => (location.hash = `#/keys/${id}`), keyId);
  const table = page.getByRole('table', { name: 'Tags of this key' });
  for (const cell of [
    table.getByRole('cell', { name: 'project', exact: true }),
    table.getByRole('button', { name: 'Remove tag project' }),
  ]) {
    await expect(cell).toBeVisible();
    // One line high: a word broken in two would take two.
    const lines = await cell.evaluate((element) => {
      const style = getComputedStyle(element);
      const range = document.createRange();
      range.selectNodeContents(element);
      return Math.round(range.getBoundingClientRect().height / parseFloat(style.lineHeight));
    });
    expect(lines).toBe(1);
  }
});

test('8. version 1 keeps its key material ID after a rotation', async ({ page }) => {
  await openApp(page);
  await createKeyWithAlias(page, 'rotating');
  await openKey(page, 'rotating');
  const versions = page.getByRole('table', { name: 'Key material versions, newest first' });
  const materialOf = (version: number) =>
    versions
      .getByRole('row')
      .filter({ hasText: `Version ${version}` })
      .locator('td.material');
  const original = (await materialOf(1).textContent())!.trim();
  expect(original).toMatch(/^[0-9a-f]{64}$/);

  await page.getByRole('button', { name: 'Rotate now' }).click();
  await expect(materialOf(2)).toHaveText(/[0-9a-f]{64}/);
  await expect(materialOf(1)).toHaveText(original);
  // And after a reload of the page.
  await page.reload();
  await expect(materialOf(2)).toHaveText(/[0-9a-f]{64}/);
  await expect(materialOf(1)).toHaveText(original);
});

test('9. the create dialog: the import hint only for External, Description marked optional', async ({
  page,
}) => {
  await openApp(page);
  await page.getByRole('button', { name: 'Create key' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create key' });
  await expect(dialog.getByLabel('Description (optional)')).toBeVisible();
  const hint = dialog.getByText('The key waits for your 32 bytes');
  await expect(dialog.getByRole('radio', { name: 'Generated in this browser' })).toBeChecked();
  await expect(hint).toHaveCount(0);
  await dialog.getByRole('radio', { name: /^External/ }).check();
  await expect(hint).toBeVisible();
});

test('9. Inspect says "1 frame"', async ({ page }) => {
  await openApp(page);
  await createKeyWithAlias(page, 'frames');
  await nav(page, 'Files').click();
  await page.getByLabel('Choose files').setInputFiles({
    name: 'small.txt',
    mimeType: 'text/plain',
    buffer: Buffer.from('one frame is enough\n'),
  });
  await page.getByRole('button', { name: 'Inspect small.txt.encrypted' }).click();
  const dialog = page.getByRole('dialog', { name: 'Inspect small.txt.encrypted' });
  await expect(dialog.getByText(/^1 frame of up to/)).toBeVisible();
});

test('10. "Storage: not persistent" leads to where a person can act on it', async ({ page }) => {
  await openApp(page);
  // Headless Chromium under Playwright never grants persistence (TOOLCHAIN.md).
  const link = page
    .getByRole('contentinfo')
    .getByRole('link', { name: /^Storage: not persistent/ });
  await link.click();
  await expect(page.getByRole('heading', { level: 1, name: 'Recovery & backup' })).toBeVisible();
});
