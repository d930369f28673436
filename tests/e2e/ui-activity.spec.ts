/** The Activity page: the audit log listed, filtered, expanded, paged, verified and exported. */
import { readFile } from 'node:fs/promises';
import { expect, test } from '@playwright/test';
import { createKeyWithAlias, decryptText, encryptText, nav, openApp } from './ui-helpers.ts';

test('activity lists the calls, filters them and expands a record to its JSON', async ({
  page,
}) => {
  await openApp(page);
  await createKeyWithAlias(page, 'audited', 'watched closely');
  const ciphertext = await encryptText(page, 'alias/audited', 'hello');
  await decryptText(page, ciphertext, ['not', 'the context']);

  await nav(page, 'Activity').click();
  const records = page.getByRole('region', { name: 'Records, newest first' });
  const summaries = records.locator('details > summary');
  // Newest first: the decrypt that failed, then the encrypt before it.
  await expect(summaries.filter({ hasText: 'Decrypt' }).first()).toContainText(
    'InvalidCiphertextException',
  );
  await expect(summaries.filter({ hasText: 'Encrypt' })).toHaveCount(1);

  // One event name.
  await page.getByLabel('Event').selectOption('CreateKey');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(summaries).toHaveCount(1);
  await summaries.first().click();
  const json = records.locator('details[open] pre');
  await expect(json).toContainText('"eventName": "CreateKey"');
  await expect(json).toContainText('"description": "watched closely"');
  await expect(json).toContainText('"hash":');

  // Errors only: the failed decrypt, with its AWS error name.
  await page.getByLabel('Event').selectOption('');
  await page.getByLabel('Errors only').check();
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(summaries).toHaveCount(1);
  await expect(summaries.first()).toContainText('Decrypt');
  await expect(summaries.first()).toContainText('InvalidCiphertextException');

  await page.getByRole('button', { name: 'Clear' }).click();
  await expect(page.getByLabel('Errors only')).not.toBeChecked();
  await expect(summaries.filter({ hasText: 'Encrypt' })).toHaveCount(1);
});

test('the log pages with Load more, verifies its chain and exports as JSON', async ({ page }) => {
  await openApp(page, '#/activity');
  const records = page.getByRole('region', { name: 'Records, newest first' });
  const summaries = records.locator('details > summary');
  const refresh = records.getByRole('button', { name: 'Refresh' });
  // Each Refresh is one audited ListAuditEvents call, listed from the next one on (the page's
  // own first listing is a background read, hidden): 27 of them fill more than one page.
  for (let i = 0; i < 27; i++) {
    await refresh.click();
    await expect(refresh).toBeEnabled();
  }
  await expect(summaries).toHaveCount(25);
  await records.getByRole('button', { name: 'Load more' }).click();
  await expect(summaries).not.toHaveCount(25);
  await expect(records.getByText('That is every matching record.')).toBeVisible();

  await page.getByRole('button', { name: 'Verify chain' }).click();
  await expect(
    page.getByText(/Chain valid\. All \d+ records are intact and in order\./),
  ).toBeVisible();
  // Again: only what was written since that check ended (its own record, at least).
  const total = Number(
    (await page.getByText(/Chain valid\. All \d+ records/).textContent())!.match(/All (\d+)/)![1],
  );
  await page.getByRole('button', { name: 'Verify chain' }).click();
  await expect(
    page.getByText(
      new RegExp(
        `Chain valid\\. The (1 record|\\d+ records) written since record ${total}, where an earlier check ended, (is|are) intact and in order\\.`,
      ),
    ),
  ).toBeVisible();

  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe('pocket-kms-audit.json');
  const exported = JSON.parse(await readFile(await file.path(), 'utf8')) as {
    Records: { eventName: string }[];
  };
  expect(exported.Records.length).toBeGreaterThan(25);
  expect(exported.Records.some((record) => record.eventName === 'VerifyAuditLog')).toBe(true);
});
