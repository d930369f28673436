/**
 * The vault lock in the UI (issue 12 §3): set-up on the Security page, the header's lock state
 * and Lock now, a page's VaultLockedException in words with an Unlock button, the unlock dialog
 * (a wrong passphrase in words, the right one by keyboard), a reload that comes back locked, the
 * keys the lock cannot seal (Rotate, Schedule deletion), a passkey at localhost (a virtual
 * authenticator through the DevTools protocol), and the note at 127.0.0.1 that passkeys are not
 * available there.
 *
 * The lock passphrase goes through scrypt at the app's work factor, a second or two a step: the
 * tests keep those steps few, and the passkey test uses no passphrase at all.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type CDPSession, type Locator, type Page } from '@playwright/test';
import {
  createKeyWithAlias,
  decryptSection,
  decryptText,
  encryptSection,
  encryptText,
  nav,
  openApp,
} from './ui-helpers.ts';
import './support/kms-page.ts';

const PASSPHRASE = 'lantern orbit maple quiet river stone';
const port = Number(process.env.E2E_PORT ?? 4173);
const LOCKED_WORDS = 'The vault is locked: keys cannot be used until you unlock it.';
/** A passphrase step (scrypt) on a busy machine. */
const SCRYPT_TIMEOUT = { timeout: 20_000 };

function section(page: Page, name: string): Locator {
  return page.getByRole('region', { name, exact: true });
}

function lockControl(page: Page): Locator {
  return page.getByRole('banner').getByRole('group', { name: 'Vault lock' });
}

function lockState(page: Page): Locator {
  return lockControl(page).getByTestId('lock-state');
}

function unlockDialog(page: Page): Locator {
  return page.getByRole('dialog', { name: 'Unlock the vault' });
}

/** No axe violation in the page as it is now (dialogs included). */
async function expectAccessible(page: Page, what: string): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  expect(
    violations.map((violation) => ({
      id: violation.id,
      nodes: violation.nodes.map((node) => node.target.join(' ')),
    })),
    `${what}: axe violations`,
  ).toEqual([]);
}

async function openSecurity(page: Page): Promise<void> {
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Security', exact: true })
    .click();
  await expect(page.getByRole('heading', { level: 1, name: 'Security' })).toBeVisible();
}

/** Presses Encrypt on the text page (its key and text already chosen). */
async function pressEncrypt(page: Page): Promise<void> {
  await encryptSection(page).getByRole('button', { name: 'Encrypt', exact: true }).click();
}

async function addAuthenticator(page: Page): Promise<{ cdp: CDPSession; authenticatorId: string }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      hasPrf: true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, authenticatorId };
}

test('a passphrase lock: set up, Lock now, a locked Encrypt offers Unlock, a wrong passphrase is refused, the right one unlocks; a reload comes back locked', async ({
  page,
}) => {
  await openApp(page, '#/security');
  await expect(lockControl(page).getByRole('link', { name: 'No lock' })).toBeVisible();
  await expect(section(page, 'Vault lock')).toContainText('Not set up');

  // A short passphrase is refused in words before anything is sealed.
  const setUp = section(page, 'Set up the lock');
  const field = setUp.getByLabel('Lock passphrase', { exact: true });
  await field.fill('too short');
  await setUp.getByRole('button', { name: 'Set up the lock' }).click();
  await expect(setUp.getByRole('alert')).toContainText('This lock passphrase is too short.');
  await expect(setUp.getByRole('alert')).toContainText('(ValidationException)');

  await field.fill(PASSPHRASE);
  await setUp.getByLabel('Lock when idle for').selectOption({ label: '30 minutes' });
  await setUp.getByRole('button', { name: 'Set up the lock' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'The lock is set up.' })).toBeVisible(
    SCRYPT_TIMEOUT,
  );
  await expect(lockState(page)).toHaveText('Unlocked');
  const state = section(page, 'Vault lock');
  await expect(state).toContainText('opens with a passphrase');
  await expect(state).toContainText('After 30 minutes without use');
  await expect(section(page, 'Change the lock')).toBeVisible();
  await expect(section(page, 'Set up the lock')).toHaveCount(0);
  await expectAccessible(page, 'Security, lock set up');

  // A key made under the lock is stored only sealed; this tab holds it.
  await createKeyWithAlias(page, 'notes');
  const earlier = await encryptText(page, 'alias/notes', 'written before the lock closed');
  await openSecurity(page);
  await expect(state.getByTestId('sealed-count')).toHaveText('1');
  await expect(state.getByTestId('unlocked-count')).toHaveText('1');

  // Lock now, from the header: the header, the banner and the figures say so.
  await lockControl(page).getByRole('button', { name: 'Lock now' }).click();
  await expect(lockState(page)).toHaveText('Locked');
  await expect(page.getByRole('banner')).toContainText(LOCKED_WORDS);
  await expect(state.getByTestId('lock-tab-state')).toContainText('Locked');
  await expect(state.getByTestId('unlocked-count')).toHaveText('0');
  await expectAccessible(page, 'Security, locked');

  // Encrypting while locked: the words, and Unlock instead of a dead end.
  await nav(page, 'Encrypt / decrypt').click();
  const encrypt = encryptSection(page);
  await encrypt.getByLabel('Key', { exact: true }).selectOption({ label: 'alias/notes' });
  await encrypt.getByLabel('Text to encrypt').fill('written while locked');
  await pressEncrypt(page);
  const alert = encrypt.getByRole('alert');
  await expect(alert).toContainText(`${LOCKED_WORDS} (VaultLockedException)`);

  // The notice's Unlock opens the dialog, focus in the passphrase field. A wrong passphrase is
  // refused in words and the vault stays locked.
  await alert.getByRole('button', { name: 'Unlock' }).click();
  const dialog = unlockDialog(page);
  await expect(dialog).toBeVisible();
  const passphrase = dialog.getByLabel('Lock passphrase');
  await expect(passphrase).toBeFocused();
  await expectAccessible(page, 'the unlock dialog');
  await passphrase.fill('not the passphrase at all');
  await dialog.getByRole('button', { name: 'Unlock', exact: true }).click();
  await expect(dialog.getByRole('alert')).toContainText(
    'The lock passphrase is wrong. Check it and try again. (IncorrectKeyException)',
    SCRYPT_TIMEOUT,
  );
  await expect(dialog).toBeVisible();
  await expect(passphrase).toBeFocused();
  await expect(lockState(page)).toHaveText('Locked');

  // The right one, by keyboard: Enter submits; the dialog closes and the tab is unlocked.
  await passphrase.fill(PASSPHRASE);
  await passphrase.press('Enter');
  await expect(dialog).toBeHidden(SCRYPT_TIMEOUT);
  await expect(lockState(page)).toHaveText('Unlocked');
  await expect(page.getByRole('banner')).not.toContainText(LOCKED_WORDS);

  // The same Encrypt now works, and the earlier ciphertext decrypts.
  await pressEncrypt(page);
  const output = encrypt.getByLabel(/^Ciphertext \(base64, \d+ bytes\)$/);
  await expect(output).toHaveValue(/^[A-Za-z0-9+/]+=*$/);
  // Done when the result takes the focus (a fill before then can lose its text to that move).
  await expect(output).toBeFocused();
  await decryptText(page, earlier);
  await expect(decryptSection(page).getByLabel('Plaintext', { exact: true })).toHaveValue(
    'written before the lock closed',
  );

  // A reload starts a new core: it comes back locked.
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-ready', 'true', { timeout: 30_000 });
  await expect(lockState(page)).toHaveText('Locked');
  await expect(lockControl(page).getByRole('button', { name: 'Unlock' })).toBeVisible();
  await expect(page.getByRole('banner')).toContainText(LOCKED_WORDS);
  // Escape closes the dialog without unlocking.
  await lockControl(page).getByRole('button', { name: 'Unlock' }).click();
  await expect(unlockDialog(page)).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(unlockDialog(page)).toBeHidden();
  await expect(lockState(page)).toHaveText('Locked');
});

test('keys the lock cannot seal are listed: Rotate seals a new version, Schedule deletion asks first; locked, Rotate offers Unlock', async ({
  page,
}) => {
  await openApp(page);
  // Made before the lock, with no recovery: their material was never held as bytes.
  await page.evaluate(async () => {
    const aes = await window.kms.createKey({ Description: 'old' });
    await window.kms.createAlias({ AliasName: 'alias/old', TargetKeyId: aes.KeyMetadata.KeyId });
    const hmac = await window.kms.createKey({
      Description: 'old mac',
      KeySpec: 'HMAC_256',
      KeyUsage: 'GENERATE_VERIFY_MAC',
    });
    await window.kms.createAlias({ AliasName: 'alias/mac', TargetKeyId: hmac.KeyMetadata.KeyId });
  });
  await page.evaluate((Passphrase) => window.kms.setUpVaultLock({ Passphrase }), PASSPHRASE);

  await openSecurity(page);
  const state = section(page, 'Vault lock');
  await expect(state.getByTestId('unsealable-count')).toHaveText('2');
  await expect(state.getByTestId('sealed-count')).toHaveText('0');
  const unsealable = section(page, 'Keys the lock cannot seal');
  await expect(unsealable).toContainText('The lock does not protect them');
  const oldRow = unsealable.getByRole('listitem').filter({ hasText: 'alias/old' });
  const macRow = unsealable.getByRole('listitem').filter({ hasText: 'alias/mac' });
  await expect(oldRow).toContainText('version 1 not sealed');
  await expectAccessible(page, 'Security, keys the lock cannot seal');
  // Only symmetric encryption keys rotate.
  await expect(macRow.getByRole('button', { name: /^Rotate/ })).toHaveCount(0);

  await oldRow.getByRole('button', { name: 'Rotate alias/old' }).click();
  await expect(unsealable.getByRole('status')).toContainText(
    'alias/old is rotated: its new version is sealed',
  );
  await expect(state.getByTestId('sealed-count')).toHaveText('1');
  // Version 1 stays, unsealed, to decrypt what it encrypted.
  await expect(oldRow).toContainText('version 1 not sealed');

  // Schedule deletion asks first; keeping the key changes nothing.
  await macRow.getByRole('button', { name: 'Schedule deletion of alias/mac' }).click();
  const confirm = page.getByRole('dialog', { name: 'Schedule deletion of alias/mac' });
  await expect(confirm).toContainText('becomes undecryptable on');
  await confirm.getByRole('button', { name: 'Keep the key' }).click();
  await expect(confirm).toBeHidden();
  await expect(macRow).not.toContainText('PendingDeletion');
  await macRow.getByRole('button', { name: 'Schedule deletion of alias/mac' }).click();
  await confirm.getByRole('button', { name: 'Schedule deletion', exact: true }).click();
  await expect(confirm).toBeHidden();
  await expect(unsealable.getByRole('status')).toContainText('alias/mac will be deleted on');
  await expect(macRow).toContainText('PendingDeletion');
  await expect(macRow.getByRole('button')).toHaveCount(0);
  const deletion = await page.evaluate(
    async () => (await window.kms.describeKey({ KeyId: 'alias/mac' })).KeyMetadata,
  );
  expect(deletion.KeyState).toBe('PendingDeletion');
  expect(deletion.PendingDeletionWindowInDays).toBe(30);

  // Locked, a rotation (new material to seal) is refused, and the notice offers Unlock.
  await lockControl(page).getByRole('button', { name: 'Lock now' }).click();
  await expect(lockState(page)).toHaveText('Locked');
  await oldRow.getByRole('button', { name: 'Rotate alias/old' }).click();
  const alert = unsealable.getByRole('alert');
  await expect(alert).toContainText(`${LOCKED_WORDS} (VaultLockedException)`);
  await alert.getByRole('button', { name: 'Unlock' }).click();
  await expect(unlockDialog(page)).toBeVisible();
});

test('a passkey at localhost: set up with it, lock, unlock with it; a wrong or missing passkey is refused and the vault stays locked', async ({
  page,
}) => {
  const { cdp, authenticatorId } = await addAuthenticator(page);
  await page.goto(`http://localhost:${port}/#/security`);
  await expect(page.locator('html')).toHaveAttribute('data-ready', 'true', { timeout: 30_000 });
  await expect(page.getByRole('note')).toHaveCount(0);

  // A passkey only: no passphrase (and no scrypt).
  const setUp = section(page, 'Set up the lock');
  await setUp.getByLabel('Unlock with a passphrase').uncheck();
  await setUp.getByLabel('Unlock with a passkey').check();
  await setUp.getByRole('button', { name: 'Set up the lock' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'The lock is set up.' })).toBeVisible();
  await expect(section(page, 'Vault lock')).toContainText('opens with a passkey');
  await expect(lockState(page)).toHaveText('Unlocked');
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  expect(credentials).toHaveLength(1);
  const lock = await page.evaluate(() => window.kms.describeVaultLock());
  expect(lock.Methods).toEqual(['PASSKEY']);
  // The lock names the credential the authenticator holds (base64url of the same id).
  expect(Buffer.from(lock.Passkey!.CredentialId, 'base64url')).toEqual(
    Buffer.from(credentials[0]!.credentialId, 'base64'),
  );

  await createKeyWithAlias(page, 'sealed');
  const earlier = await encryptText(page, 'alias/sealed', 'under a passkey lock');

  await lockControl(page).getByRole('button', { name: 'Lock now' }).click();
  await expect(lockState(page)).toHaveText('Locked');
  await pressEncrypt(page);
  await expect(encryptSection(page).getByRole('alert')).toContainText('(VaultLockedException)');

  // Unlock with the passkey: the dialog has no passphrase field, only "Use passkey".
  await page.getByRole('banner').getByRole('button', { name: 'Unlock' }).first().click();
  const dialog = unlockDialog(page);
  await expect(dialog.getByLabel('Lock passphrase')).toHaveCount(0);
  await expect(dialog.getByRole('button', { name: 'Use passkey' })).toBeFocused();
  await dialog.getByRole('button', { name: 'Use passkey' }).click();
  await expect(dialog).toBeHidden();
  await expect(lockState(page)).toHaveText('Unlocked');
  await pressEncrypt(page);
  // The encrypt has finished when its result takes the focus: filling the decrypt form before
  // then lost the text to that focus move.
  await expect(encryptSection(page).getByLabel(/^Ciphertext \(base64, \d+ bytes\)$/)).toBeFocused();
  await expect(encryptSection(page).getByRole('alert')).toHaveCount(0);
  await decryptText(page, earlier);
  await expect(decryptSection(page).getByLabel('Plaintext', { exact: true })).toHaveValue(
    'under a passkey lock',
  );

  // Another passkey of this site (same authenticator): its PRF output on the lock's salt does
  // not open the lock, neither under the lock's credential id nor under its own.
  await lockControl(page).getByRole('button', { name: 'Lock now' }).click();
  await expect(lockState(page)).toHaveText('Locked');
  const refusals = await page.evaluate(async () => {
    const { Passkey } = await window.kms.describeVaultLock();
    const other = (await navigator.credentials.create({
      publicKey: {
        rp: { name: 'Pocket KMS' },
        user: { id: crypto.getRandomValues(new Uint8Array(16)), name: 'other', displayName: 'x' },
        challenge: crypto.getRandomValues(new Uint8Array(32)),
        pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
        authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
        extensions: { prf: { eval: { first: Passkey!.PrfSalt } } },
      },
    })) as PublicKeyCredential;
    const output = other.getClientExtensionResults().prf?.results?.first as ArrayBuffer;
    const otherId = btoa(String.fromCharCode(...new Uint8Array(other.rawId)))
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
      .replace(/=+$/, '');
    const names: string[] = [];
    for (const CredentialId of [Passkey!.CredentialId, otherId]) {
      try {
        await window.kms.unlockVault({
          Passkey: { CredentialId, PrfOutput: new Uint8Array(output.slice(0)) },
        });
        names.push('unlocked');
      } catch (error) {
        names.push((error as Error).name);
      }
    }
    const after = await window.kms.describeVaultLock();
    return { names, locked: after.Locked, methods: after.Methods, failed: after.FailedAttempts };
  });
  expect(refusals).toEqual({
    names: ['IncorrectKeyException', 'IncorrectKeyException'],
    locked: true,
    methods: ['PASSKEY'],
    failed: 2,
  });

  // The lock's passkey gone from the authenticator: "Use passkey" is refused in words, and the
  // vault stays locked with its lock unchanged.
  await cdp.send('WebAuthn.removeCredential', {
    authenticatorId,
    credentialId: credentials[0]!.credentialId,
  });
  await page.getByRole('banner').getByRole('button', { name: 'Unlock' }).first().click();
  await dialog.getByRole('button', { name: 'Use passkey' }).click();
  await expect(dialog.getByRole('alert')).toContainText('The passkey was not used');
  await expect(dialog).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(lockState(page)).toHaveText('Locked');
  const unchanged = await page.evaluate(() => window.kms.describeVaultLock());
  expect(unchanged.Locked).toBe(true);
  expect(unchanged.Passkey?.CredentialId).toBe(lock.Passkey!.CredentialId);
});

test('a passkey lock is changed and removed with the passkey as proof: a new idle time, a new passkey, then removal after a confirmation', async ({
  page,
}) => {
  const { cdp, authenticatorId } = await addAuthenticator(page);
  await page.goto(`http://localhost:${port}/#/security`);
  await expect(page.locator('html')).toHaveAttribute('data-ready', 'true', { timeout: 30_000 });
  const setUp = section(page, 'Set up the lock');
  await setUp.getByLabel('Unlock with a passphrase').uncheck();
  await setUp.getByLabel('Unlock with a passkey').check();
  await setUp.getByRole('button', { name: 'Set up the lock' }).click();
  await expect(lockState(page)).toHaveText('Unlocked');
  const first = (await page.evaluate(() => window.kms.describeVaultLock())).Passkey!.CredentialId;
  await page.evaluate(async () => {
    const { KeyMetadata } = await window.kms.createKey({ Description: 'under the lock' });
    await window.kms.createAlias({ AliasName: 'alias/kept', TargetKeyId: KeyMetadata.KeyId });
  });

  // A new idle time, the passkey as proof (the only method: no choice, no passphrase field).
  const change = section(page, 'Change the lock');
  await expect(change.getByLabel('Lock passphrase')).toHaveCount(0);
  await change.getByLabel('Lock when idle for').selectOption({ label: '5 minutes' });
  await change.getByRole('button', { name: 'Save changes' }).click();
  await expect(change.getByRole('status')).toHaveText(
    'The lock is changed: it opens with a passkey; it locks itself after 5 minutes without use.',
  );
  await expect(section(page, 'Vault lock')).toContainText('After 5 minutes without use');

  // Nothing chosen: said so, nothing sent.
  await change.getByRole('button', { name: 'Save changes' }).click();
  await expect(change.getByRole('alert')).toContainText('Nothing to change');

  // Replace the passkey: the lock now names the new credential.
  await change.getByRole('radio', { name: 'Replace it with a new passkey' }).check();
  await change.getByRole('button', { name: 'Save changes' }).click();
  await expect(change.getByRole('status')).toContainText('The lock is changed');
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  expect(credentials).toHaveLength(2);
  const second = (await page.evaluate(() => window.kms.describeVaultLock())).Passkey!.CredentialId;
  expect(second).not.toBe(first);

  // Remove the lock: a confirmation first; keeping it changes nothing.
  const remove = section(page, 'Remove the lock');
  await remove.getByRole('button', { name: 'Remove the lock…' }).click();
  const confirm = page.getByRole('dialog', { name: 'Remove the vault lock' });
  await expect(confirm).toContainText('the keys can be used without a passphrase or passkey');
  await expectAccessible(page, 'the remove-lock dialog');
  await confirm.getByRole('button', { name: 'Keep the lock' }).click();
  await expect(confirm).toBeHidden();
  await expect(lockState(page)).toHaveText('Unlocked');
  await remove.getByRole('button', { name: 'Remove the lock…' }).click();
  await confirm.getByRole('button', { name: 'Remove the lock', exact: true }).click();
  await expect(confirm).toBeHidden();
  await expect(
    page
      .getByRole('status')
      .filter({ hasText: 'The lock is removed. 1 key version is stored again' }),
  ).toBeVisible();
  await expect(lockControl(page).getByRole('link', { name: 'No lock' })).toBeVisible();
  await expect(section(page, 'Set up the lock')).toBeVisible();
  const after = await page.evaluate(() => window.kms.describeVaultLock());
  expect(after).toMatchObject({ LockSetUp: false, Locked: false, Methods: [] });
});

test('at 127.0.0.1 the Security page says passkeys are unavailable here, names localhost, and points to backup and restore', async ({
  page,
}) => {
  await openApp(page, '#/security');
  const note = page.getByRole('note', { name: 'Passkeys are not available here' });
  await expect(note).toContainText('Browsers refuse passkeys on a page opened by an IP address');
  await expect(note.getByRole('link', { name: `http://localhost:${port}` })).toHaveAttribute(
    'href',
    `http://localhost:${port}`,
  );
  await expect(note).toContainText('separate vault');
  await expect(note.getByRole('link', { name: 'Recovery & backup' })).toHaveAttribute(
    'href',
    '#/recovery',
  );
  await expect(section(page, 'Set up the lock').getByLabel('Unlock with a passkey')).toBeDisabled();
  await expectAccessible(page, 'Security at 127.0.0.1, no lock');
});
