/**
 * Recovery & backup in the UI (issue 11 §3, §4): set-up with a passphrase and with a recovery key
 * (shown once, on a sheet that prints alone), the state at a glance and the Keys table's
 * Recovery column, Back up now (a .tar download), restore into an empty profile with its preview,
 * the wrong passphrase in words, the first-run prompt and its skip, the backup banner and its one
 * action. The Files queue and the unload prompt are in ui-files-queue.spec.ts.
 *
 * The app's scrypt work factor makes each passphrase operation cost a second or two: tests that
 * do not exercise the passphrase set up recovery with a recovery key only, through window.kms.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { decryptText, encryptText, nav, openApp } from './ui-helpers.ts';
import './support/kms-page.ts';

const PASSPHRASE = 'correct horse battery staple orbit';
const RECOVERY_KEY = /^AGE-SECRET-KEY-1[0-9A-Z]{58}$/;

let directory = '';
test.beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'pkms-recovery-e2e-'));
});
test.afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

function recoveryLink(page: Page): Locator {
  return page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Recovery & backup', exact: true });
}

async function openRecovery(page: Page): Promise<void> {
  await recoveryLink(page).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Recovery & backup' })).toBeVisible();
}

function section(page: Page, name: string): Locator {
  return page.getByRole('region', { name, exact: true });
}

/** Makes keys through window.kms (each with an alias); returns their key ids. */
async function makeKeys(page: Page, aliases: string[]): Promise<string[]> {
  return page.evaluate(async (names) => {
    const ids: string[] = [];
    for (const name of names) {
      const { KeyMetadata } = await window.kms.createKey({ Description: name });
      await window.kms.createAlias({ AliasName: `alias/${name}`, TargetKeyId: KeyMetadata.KeyId });
      ids.push(KeyMetadata.KeyId);
    }
    return ids;
  }, aliases);
}

/** Recovery with a recovery key only: no scrypt, so it costs nothing. */
async function setUpWithRecoveryKey(page: Page): Promise<void> {
  await page.evaluate(() => window.kms.setUpRecovery({ GenerateRecoveryKey: true }));
}

function keyRow(page: Page, alias: string): Locator {
  return page
    .getByRole('row')
    .filter({ has: page.getByRole('link', { name: `alias/${alias}`, exact: true }) });
}

test('set up with a passphrase: a short one is refused in words, a suggested one is six words; a wrong passphrase is refused', async ({
  page,
}) => {
  await openApp(page, '#/recovery');
  const setUp = section(page, 'Set up recovery');
  await setUp.getByLabel('Make a recovery key to print or store').uncheck();
  const field = setUp.getByLabel('Recovery passphrase', { exact: true });

  await field.fill('too short');
  await expect(setUp.getByText(/Too short: 9 of at least 12 characters/)).toBeVisible();
  await setUp.getByRole('button', { name: 'Set up recovery' }).click();
  await expect(setUp.getByRole('alert')).toContainText('This recovery passphrase is too short.');
  await expect(setUp.getByRole('alert')).toContainText('ValidationException');

  await setUp.getByRole('button', { name: 'Suggest a passphrase' }).click();
  // Suggested: shown in clear, six words of the BIP-39 English list.
  await expect(field).toHaveAttribute('type', 'text');
  expect((await field.inputValue()).split(' ')).toHaveLength(6);
  await expect(field).toHaveValue(/^([a-z]{3,8} ){5}[a-z]{3,8}$/);

  await field.fill(PASSPHRASE);
  await setUp.getByRole('button', { name: 'Set up recovery' }).click();
  const glance = section(page, 'At a glance');
  await expect(glance).toContainText('with a recovery passphrase', { timeout: 20_000 });
  await expect(section(page, 'Set up recovery')).toHaveCount(0);
  // No recovery key was asked for: no sheet.
  await expect(section(page, 'Recovery sheet')).toHaveCount(0);

  // The wrong passphrase, in words and by name; the right one changes it.
  const change = section(page, 'Change the recovery passphrase');
  await change.getByLabel('Recovery passphrase', { exact: true }).fill('not the passphrase at all');
  await change.getByLabel('New recovery passphrase').fill('another long passphrase here');
  await change.getByRole('button', { name: 'Change passphrase' }).click();
  await expect(change.getByRole('alert')).toContainText(
    'The recovery passphrase is wrong. Check it and try again. (IncorrectKeyException)',
    { timeout: 20_000 },
  );
});

test('set up with a recovery key: shown once on a sheet that prints alone, kept until "I have stored it"', async ({
  page,
}) => {
  await openApp(page, '#/recovery');
  const setUp = section(page, 'Set up recovery');
  await setUp.getByLabel('Protect recovery with a passphrase').uncheck();
  await setUp.getByRole('button', { name: 'Set up recovery' }).click();

  const sheet = section(page, 'Recovery sheet');
  await expect(sheet).toBeVisible();
  const key = await sheet.getByLabel('Recovery key', { exact: true }).inputValue();
  expect(key).toMatch(RECOVERY_KEY);
  const vaultId = await page.evaluate(
    async () => (await window.kms.listAuditEvents({ Limit: 1 })).Events[0]!.recipientAccountId,
  );
  await expect(sheet.getByTestId('sheet-vault-id')).toHaveText(vaultId);
  await expect(sheet).toContainText('What to do with it');
  await expect(sheet.getByRole('time')).toBeVisible();

  // Printed, the sheet is all there is: the app's frame and the sheet's buttons are hidden.
  await page.emulateMedia({ media: 'print' });
  await expect(sheet.getByLabel('Recovery key', { exact: true })).toBeVisible();
  await expect(sheet.getByTestId('sheet-vault-id')).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeHidden();
  await expect(page.getByRole('heading', { level: 1 })).toBeHidden();
  await expect(sheet.getByRole('button', { name: 'Print sheet' })).toBeHidden();
  await expect(sheet.getByRole('button', { name: 'Done' })).toBeHidden();
  await page.emulateMedia({ media: 'screen' });

  // The sheet stays, even across pages, until the person says the key is stored.
  await nav(page, 'Keys').click();
  await openRecovery(page);
  await expect(
    section(page, 'Recovery sheet').getByLabel('Recovery key', { exact: true }),
  ).toHaveValue(key);
  const done = sheet.getByRole('button', { name: 'Done' });
  await expect(done).toBeDisabled();
  await sheet.getByLabel('I have stored the recovery key somewhere safe').check();
  await done.click();
  await expect(section(page, 'Recovery sheet')).toHaveCount(0);
  await expect(section(page, 'At a glance')).toContainText('with a recovery key');

  // Shown once: not on the page now, nor after a reload.
  await expect(page.getByText(key)).toHaveCount(0);
  await page.reload();
  await expect(section(page, 'At a glance')).toContainText('with a recovery key');
  await expect(section(page, 'Recovery sheet')).toHaveCount(0);
});

test('the state: a key made before set-up is marked not recoverable, in the Keys table and on the page; Back up now saves a .tar', async ({
  page,
}) => {
  await openApp(page);
  await makeKeys(page, ['old']);
  await setUpWithRecoveryKey(page);
  await makeKeys(page, ['new']);

  await nav(page, 'Keys').click();
  await expect(keyRow(page, 'old')).toContainText('Not recoverable');
  await expect(keyRow(page, 'new')).toContainText('Recoverable');
  await expect(keyRow(page, 'new')).not.toContainText('Not recoverable');

  await openRecovery(page);
  const glance = section(page, 'At a glance');
  await expect(glance.getByTestId('recoverable-count')).toHaveText('1');
  await expect(glance.getByTestId('unrecoverable-count')).toHaveText('1');
  await expect(glance).toContainText('Keys that cannot be recovered');
  await expect(glance).toContainText('Rotating a key gives it a new version that is recoverable');
  await expect(glance.getByRole('listitem').filter({ hasText: 'alias/old' })).toContainText(
    'not recoverable',
  );
  await expect(glance).toContainText('Last backup');
  await expect(glance).toContainText('Never');

  // Rotating the old key: its new version is recoverable, version 1 stays tied to this browser.
  await page.evaluate(() => window.kms.rotateKeyOnDemand({ KeyId: 'alias/old' }));
  await nav(page, 'Keys').click();
  await expect(keyRow(page, 'old')).toContainText('Version 1 not recoverable');
  // The key's own page says so plainly too, and what rotating did.
  const oldKeyId = await page.evaluate(
    async () => (await window.kms.describeKey({ KeyId: 'alias/old' })).KeyMetadata.KeyId,
  );
  await page.goto(`/#/keys/${oldKeyId}`);
  await expect(page.getByRole('note')).toContainText('Version 1 of this key is not recoverable');

  // Back up now: all keys, one .tar through a download link.
  await openRecovery(page);
  const backUp = section(page, 'Back up');
  await backUp.getByRole('button', { name: 'Back up now' }).click();
  await expect(backUp.getByRole('status')).toContainText('Backup ready: 2 keys, 3 versions');
  await expect(backUp.getByRole('status')).toContainText('1 of the versions were made before');
  const link = backUp.getByRole('link', { name: /^Save pocket-kms-.+\.tar$/ });
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  expect(download.suggestedFilename()).toMatch(/^pocket-kms-.+\.tar$/);
  const path = join(directory, download.suggestedFilename());
  await download.saveAs(path);
  await expect(glance).not.toContainText('Never');
  await expect(glance).toContainText('it has every key version');

  // Only chosen keys.
  await backUp.getByLabel('Chosen keys').check();
  await backUp.getByLabel('alias/new').check();
  await backUp.getByRole('button', { name: 'Back up now' }).click();
  await expect(backUp.getByRole('status')).toContainText('Backup ready: 1 key, 1 version');
});

test('restore into an empty profile through the UI: the wrong passphrase is refused, the preview shows the keys, then they are there', async ({
  page,
  browser,
}) => {
  // Profile A: recovery with a passphrase, two keys, a ciphertext, a backup.
  await openApp(page);
  await page.evaluate((Passphrase) => window.kms.setUpRecovery({ Passphrase }), PASSPHRASE);
  await makeKeys(page, ['notes', 'letters']);
  const ciphertext = await encryptText(page, 'alias/notes', 'kept across browsers');
  const backup = await page.evaluate(async () => {
    const { Backup } = await window.kms.exportVaultBackup();
    return { name: Backup.name, bytes: [...new Uint8Array(await Backup.arrayBuffer())] };
  });
  const vaultA = await page.evaluate(
    async () => (await window.kms.listAuditEvents({ Limit: 1 })).Events[0]!.recipientAccountId,
  );
  const path = join(directory, backup.name);
  await writeFile(path, Uint8Array.from(backup.bytes));

  // Profile B: its own storage, an empty vault.
  const other = await browser.newContext();
  const b = await other.newPage();
  await openApp(b, '#/recovery');
  const restore = section(b, 'Restore from a backup');
  await restore.getByLabel('Backup file').setInputFiles(path);
  await restore
    .getByLabel('Recovery passphrase', { exact: true })
    .fill('not the passphrase at all');
  await restore.getByRole('button', { name: 'Preview restore' }).click();
  await expect(restore.getByRole('alert')).toContainText(
    'The recovery passphrase is wrong. Check it and try again. (IncorrectKeyException)',
    { timeout: 20_000 },
  );

  await restore.getByLabel('Recovery passphrase', { exact: true }).fill(PASSPHRASE);
  await restore.getByRole('button', { name: 'Preview restore' }).click();
  const preview = section(b, 'What the restore will do');
  await expect(preview).toBeVisible({ timeout: 20_000 });
  await expect(preview).toContainText('This vault is empty: it will take the backup');
  for (const alias of ['notes', 'letters']) {
    await expect(preview.getByRole('row').filter({ hasText: `alias/${alias}` })).toContainText(
      'Restore',
    );
  }
  // Nothing changed yet.
  expect(await b.evaluate(async () => (await window.kms.listKeys()).Keys.length)).toBe(0);

  await preview.getByRole('button', { name: 'Restore 2 keys' }).click();
  await expect(restore.getByRole('status')).toContainText(`Restored 2 keys into vault ${vaultA}`, {
    timeout: 20_000,
  });

  // The keys are there, and A's ciphertext decrypts in B.
  await nav(b, 'Keys').click();
  await expect(b.getByRole('link', { name: 'alias/notes', exact: true })).toBeVisible();
  await expect(b.getByRole('link', { name: 'alias/letters', exact: true })).toBeVisible();
  await nav(b, 'Encrypt / decrypt').click();
  await decryptText(b, ciphertext);
  await expect(b.getByLabel('Plaintext', { exact: true })).toHaveValue('kept across browsers');
  await other.close();
});

test('first-run prompt: offered before the first key, leads to set-up, and a skip is remembered', async ({
  page,
}) => {
  await openApp(page);
  const prompt = section(page, 'Before your first key: set up recovery');
  await expect(prompt).toBeVisible();
  await prompt.getByRole('link', { name: 'Set up recovery' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Recovery & backup' })).toBeVisible();
  await expect(section(page, 'Set up recovery')).toBeVisible();

  await nav(page, 'Keys').click();
  await prompt.getByRole('button', { name: 'Skip for now' }).click();
  await expect(prompt).toHaveCount(0);
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-ready', 'true', { timeout: 30_000 });
  await expect(page.getByRole('button', { name: 'Create key' })).toBeVisible();
  await expect(prompt).toHaveCount(0);
});

test('first-run prompt: not offered once the vault has a key', async ({ page }) => {
  await openApp(page);
  await expect(section(page, 'Before your first key: set up recovery')).toBeVisible();
  await makeKeys(page, ['first']);
  await expect(page.getByRole('link', { name: 'alias/first', exact: true })).toBeVisible();
  await expect(section(page, 'Before your first key: set up recovery')).toHaveCount(0);
});

test('the banner: persistence asked for at the first key and after a backup; its one action, "Back up now"; gone after a backup when storage is persistent, back with a new key', async ({
  page,
}) => {
  // Headless Chromium always answers no to persist(): stand in a browser that says yes.
  // Each ask (StoragePersistence.ask) starts with persisted(): count them.
  await page.addInitScript(() => {
    const counted = window as unknown as { storageAsks: number };
    counted.storageAsks = 0;
    Object.defineProperty(navigator.storage, 'persisted', {
      value: async () => {
        counted.storageAsks++;
        return true;
      },
    });
    Object.defineProperty(navigator.storage, 'persist', { value: async () => true });
  });
  const asks = () =>
    page.evaluate(() => (window as unknown as { storageAsks: number }).storageAsks);
  await openApp(page);
  const banner = page.locator('.backup-banner');
  await expect(banner).toHaveCount(0);
  expect(await asks()).toBe(1); // at start
  await setUpWithRecoveryKey(page);
  await makeKeys(page, ['banner']);
  await expect(banner).toContainText('there is no backup of them yet');
  expect(await asks()).toBe(2); // the first key
  await expect(banner.getByRole('link')).toHaveCount(1);
  await expect(banner.getByRole('button')).toHaveCount(0);

  await banner.getByRole('link', { name: 'Back up now' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Recovery & backup' })).toBeVisible();
  await section(page, 'Back up').getByRole('button', { name: 'Back up now' }).click();
  await expect(section(page, 'Back up').getByRole('status')).toContainText('Backup ready');
  await expect.poll(asks).toBe(3); // after the backup
  await nav(page, 'Keys').click();
  await expect(page.getByRole('link', { name: 'alias/banner', exact: true })).toBeVisible();
  await expect(banner).toHaveCount(0);

  await makeKeys(page, ['later']);
  await expect(banner).toContainText('Keys have changed since your last backup');
  expect(await asks()).toBe(3); // not for later keys
});

test('the banner when the browser may clear storage (headless: persist() answers no), even with a current backup', async ({
  page,
}) => {
  await openApp(page);
  await setUpWithRecoveryKey(page);
  await makeKeys(page, ['kept']);
  await page.evaluate(() => window.kms.exportVaultBackup());
  const banner = page.locator('.backup-banner');
  await expect(banner).toContainText('This browser may clear its storage');
  await expect(banner.getByRole('link', { name: 'Back up now' })).toHaveAttribute(
    'href',
    '#/recovery',
  );
});

test('no axe violation on the recovery page, the first-run prompt and the banner; the suggestion is reachable by keyboard', async ({
  page,
}) => {
  await openApp(page);
  expect((await new AxeBuilder({ page }).analyze()).violations).toEqual([]);
  await openRecovery(page);
  expect((await new AxeBuilder({ page }).analyze()).violations).toEqual([]);

  // From the passphrase field, Tab reaches "Suggest a passphrase"; Enter fills the field.
  const setUp = section(page, 'Set up recovery');
  await setUp.getByLabel('Recovery passphrase', { exact: true }).focus();
  await page.keyboard.press('Tab');
  await expect(setUp.getByRole('button', { name: 'Suggest a passphrase' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(setUp.getByLabel('Recovery passphrase', { exact: true })).toHaveValue(/ /);

  await setUpWithRecoveryKey(page);
  await makeKeys(page, ['axe']);
  await page.reload();
  await expect(section(page, 'Back up')).toBeVisible();
  expect((await new AxeBuilder({ page }).analyze()).violations).toEqual([]);
  await nav(page, 'Keys').click();
  await expect(page.locator('.backup-banner')).toBeVisible();
  expect((await new AxeBuilder({ page }).analyze()).violations).toEqual([]);
});
