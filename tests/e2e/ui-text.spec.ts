/** The Encrypt / decrypt text page: round trip with a context, and the errors people meet. */
import { expect, test } from '@playwright/test';
import {
  createKeyWithAlias,
  decryptSection,
  decryptText,
  encryptText,
  openApp,
  openKey,
} from './ui-helpers.ts';

test('text encrypted with an encryption context decrypts back, naming key and version', async ({
  page,
}) => {
  await openApp(page);
  await createKeyWithAlias(page, 'notes');
  const ciphertext = await encryptText(page, 'alias/notes', 'Meet at the old mill — 9 pm', [
    'purpose',
    'letters',
  ]);

  await decryptText(page, ciphertext, ['purpose', 'letters']);
  const decrypt = decryptSection(page);
  await expect(decrypt.getByText(/Decrypted with alias\/notes, version 1\./)).toBeVisible();
  await expect(decrypt.getByText(/^arn:pkms:kms:local:\d{12}:key\/[0-9a-f-]{36}$/)).toBeVisible();
  await expect(decrypt.getByLabel('Plaintext', { exact: true })).toHaveValue(
    'Meet at the old mill — 9 pm',
  );
});

test('base64 input round-trips, and bytes that are not UTF-8 come back as base64', async ({
  page,
}) => {
  await openApp(page);
  await createKeyWithAlias(page, 'bytes');
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Encrypt / decrypt' })
    .click();
  const encrypt = page.getByRole('region', { name: 'Encrypt', exact: true });
  await encrypt.getByRole('radio', { name: 'Base64' }).check();
  await encrypt.getByLabel('Bytes to encrypt, as base64').fill('/wD+AQ==');
  await encrypt.getByRole('button', { name: 'Encrypt', exact: true }).click();
  await encrypt.getByRole('button', { name: 'Decrypt this' }).click();
  const decrypt = decryptSection(page);
  await decrypt.getByRole('button', { name: 'Decrypt', exact: true }).click();
  await expect(decrypt.getByLabel('Plaintext (base64: the bytes are not UTF-8 text)')).toHaveValue(
    '/wD+AQ==',
  );
});

test('decrypting with a different encryption context says so, with InvalidCiphertextException', async ({
  page,
}) => {
  await openApp(page);
  await createKeyWithAlias(page, 'context');
  const ciphertext = await encryptText(page, 'alias/context', 'bound to its context', [
    'tenant',
    'blue',
  ]);

  await decryptText(page, ciphertext, ['tenant', 'green']);
  const alert = decryptSection(page).getByRole('alert');
  await expect(alert).toContainText(
    'the encryption context is not exactly the one used to encrypt it',
  );
  await expect(alert).toContainText('(InvalidCiphertextException)');
  await expect(decryptSection(page).getByLabel('Plaintext', { exact: true })).toHaveCount(0);
});

test('encrypting under a disabled key says how to fix it, with DisabledException', async ({
  page,
}) => {
  await openApp(page);
  await createKeyWithAlias(page, 'paused');
  await openKey(page, 'paused');
  await page.getByRole('button', { name: 'Disable key' }).click();
  await expect(page.getByRole('button', { name: 'Enable key' })).toBeVisible();

  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Encrypt / decrypt' })
    .click();
  const encrypt = page.getByRole('region', { name: 'Encrypt', exact: true });
  await encrypt
    .getByLabel('Key', { exact: true })
    .selectOption({ label: 'alias/paused (Disabled)' });
  await encrypt.getByLabel('Text to encrypt').fill('not today');
  await encrypt.getByRole('button', { name: 'Encrypt', exact: true }).click();
  const alert = encrypt.getByRole('alert');
  await expect(alert).toContainText("This key is disabled. Enable it on the key's page to use it.");
  await expect(alert).toContainText('(DisabledException)');
});
