/** The key table, the Create key dialog and the key page: rotation, deletion and its cancel. */
import { expect, test } from '@playwright/test';
import {
  createKeyWithAlias,
  decryptSection,
  decryptText,
  encryptText,
  openApp,
  openKey,
} from './ui-helpers.ts';

test('a key created with an alias through the dialog appears in the table', async ({ page }) => {
  await openApp(page);
  await expect(page.getByText('This vault has no keys yet.')).toBeVisible();

  await page.getByRole('button', { name: 'Create key' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create key' });
  await expect(dialog.getByLabel('Description')).toBeFocused();
  await dialog.getByLabel('Description').fill('Tax returns');
  await dialog.getByLabel('Alias (optional)').fill('taxes');
  await dialog.getByRole('button', { name: 'Add tag' }).click();
  await dialog.getByLabel('Tag key 1', { exact: true }).fill('owner');
  await dialog.getByLabel('Tag value 1', { exact: true }).fill('me');
  await expect(dialog.getByLabel('Rotation period in days')).toHaveValue('365');
  await dialog.getByRole('button', { name: 'Create key' }).click();
  await expect(dialog).toBeHidden();

  const row = page
    .getByRole('row')
    .filter({ has: page.getByRole('link', { name: 'alias/taxes', exact: true }) });
  await expect(row).toContainText('Tax returns');
  await expect(row).toContainText('Enabled');
  await expect(row).toContainText('SYMMETRIC_DEFAULT');
  await expect(row).toContainText('On, every 365 days');

  // The search box filters by alias, id or description.
  await page.getByLabel('Search keys').fill('nothing like it');
  await expect(page.getByText('No key matches')).toBeVisible();
  await page.getByLabel('Search keys').fill('tax RET');
  await expect(row).toBeVisible();

  // The tag went in with CreateKey.
  await openKey(page, 'taxes');
  const tags = page.getByRole('region', { name: 'Tags' });
  await expect(tags.getByRole('cell', { name: 'owner', exact: true })).toBeVisible();
  await expect(tags.getByRole('cell', { name: 'me', exact: true })).toBeVisible();
});

test('a failed step of the dialog shows its error, and finishing does not create a second key', async ({
  page,
}) => {
  await openApp(page);
  await createKeyWithAlias(page, 'taken');

  await page.getByRole('button', { name: 'Create key' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create key' });
  await dialog.getByLabel('Alias (optional)').fill('taken');
  await dialog.getByRole('button', { name: 'Create key' }).click();
  await expect(dialog.getByRole('alert')).toContainText('AlreadyExistsException');
  await expect(dialog.getByText('The key was created, but a later step failed.')).toBeVisible();

  await dialog.getByLabel('Alias (optional)').fill('second');
  await dialog.getByRole('button', { name: 'Finish' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('link', { name: 'alias/second', exact: true })).toBeVisible();
  // Two keys in all: the first, and the one the dialog made once.
  await expect(page.getByRole('table').getByRole('row')).toHaveCount(3);
});

test('rotate now adds version 2, which then encrypts while version 1 still decrypts', async ({
  page,
}) => {
  await openApp(page);
  await createKeyWithAlias(page, 'rotating');
  const before = await encryptText(page, 'alias/rotating', 'made by version 1');

  await openKey(page, 'rotating');
  const rotation = page.getByRole('region', { name: 'Rotation' });
  await expect(rotation.getByText('0 of 25 on-demand rotations used.')).toBeVisible();
  await rotation.getByRole('button', { name: 'Rotate now' }).click();
  await expect(rotation.getByText('1 of 25 on-demand rotations used.')).toBeVisible();

  const versions = rotation.getByRole('table');
  const version2 = versions.getByRole('row').filter({ hasText: 'Version 2' });
  await expect(version2).toContainText('On demand');
  await expect(version2).toContainText('current');
  await expect(versions.getByRole('row').filter({ hasText: 'Version 1' })).toContainText(
    'Original',
  );

  const after = await encryptText(page, 'alias/rotating', 'made by version 2');
  await decryptText(page, after);
  await expect(
    decryptSection(page).getByText(/Decrypted with alias\/rotating, version 2\./),
  ).toBeVisible();
  await decryptText(page, before);
  await expect(
    decryptSection(page).getByText(/Decrypted with alias\/rotating, version 1\./),
  ).toBeVisible();
  await expect(decryptSection(page).getByLabel('Plaintext', { exact: true })).toHaveValue(
    'made by version 1',
  );
});

test('scheduling deletion needs the typed confirmation; cancelling leaves the key Disabled', async ({
  page,
}) => {
  await openApp(page);
  await createKeyWithAlias(page, 'doomed');
  await openKey(page, 'doomed');
  const general = page.getByRole('region', { name: 'General' });

  await page.getByRole('button', { name: 'Schedule deletion…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Schedule deletion of alias/doomed' });
  await expect(dialog.getByLabel('Waiting period in days')).toHaveValue('30');
  await expect(dialog).toContainText(
    'Everything encrypted under this key becomes undecryptable on',
  );
  const confirm = dialog.getByRole('button', { name: 'Schedule deletion', exact: true });
  await expect(confirm).toBeDisabled();
  await dialog.getByLabel(/To confirm, type/).fill('alias/something-else');
  await expect(confirm).toBeDisabled();
  await dialog.getByLabel('Waiting period in days').fill('7');
  await dialog.getByLabel(/To confirm, type/).fill('alias/doomed');
  await expect(confirm).toBeEnabled();
  await confirm.click();
  await expect(dialog).toBeHidden();

  await expect(general).toContainText('PendingDeletion');
  await expect(page.getByRole('region', { name: 'Scheduled for deletion' })).toContainText(
    'can never be decrypted',
  );

  await page.getByRole('button', { name: 'Cancel deletion' }).click();
  await expect(page.getByText('Deletion cancelled. The key is back, but Disabled')).toBeVisible();
  await expect(general).toContainText('Disabled');
  await expect(page.getByRole('button', { name: 'Enable key' })).toBeVisible();
});

test('Escape closes the dialog without creating anything', async ({ page }) => {
  await openApp(page);
  const open = page.getByRole('button', { name: 'Create key' });
  await open.click();
  const dialog = page.getByRole('dialog', { name: 'Create key' });
  await dialog.getByLabel('Description').fill('never made');
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(open).toBeFocused();
  await expect(page.getByText('This vault has no keys yet.')).toBeVisible();
});

test('a large vault: the table shows the newest keys from the first page read, before the rest', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await openApp(page, '#/activity');
  // 250 keys: the catalog reads a first page of 100, newest first, then the other 150.
  await page.evaluate(async () => {
    for (let made = 0; made < 249; made += 83) {
      await Promise.all(
        Array.from({ length: 83 }, (_, i) =>
          window.kms.createKey({ Description: `bulk ${made + i}` }),
        ),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
    await window.kms.createKey({ Description: 'the newest key' });
  });
  // What the page says at the moment its first row is drawn, recorded as the DOM changes.
  await page.addInitScript(() => {
    new MutationObserver((_, observer) => {
      const row = document.querySelector('table.keys-table tbody tr');
      if (!row) return;
      observer.disconnect();
      (window as unknown as { firstRow: object }).firstRow = {
        row: row.textContent,
        reading: [...document.querySelectorAll('[role="status"]')]
          .map((status) => status.textContent?.trim())
          .find((text) => text?.startsWith('Reading keys')),
        rows: document.querySelectorAll('table.keys-table tbody tr').length,
      };
    }).observe(document, { childList: true, subtree: true });
  });
  // A fresh document (a hash change alone would keep this one and its catalog).
  await page.goto('about:blank');
  await page.goto('/#/keys');
  await expect(page.locator('nav.pager p')).toHaveText('Keys 1–50 of 250');
  await expect(page.getByText('Reading keys')).toHaveCount(0);
  const firstRow = await page.evaluate(() => (window as unknown as { firstRow: object }).firstRow);
  expect(firstRow).toEqual({
    row: expect.stringContaining('the newest key'),
    reading: 'Reading keys… 100 so far, newest first.',
    rows: 50,
  });
  await expect(page.locator('table.keys-table tbody tr').first()).toContainText('the newest key');
});
