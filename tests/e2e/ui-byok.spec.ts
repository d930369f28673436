/**
 * Bring your own key, as a person does it (README, "Bring your own key"): create an EXTERNAL key,
 * download the wrapping key and import token, wrap 32 bytes of key material outside the browser
 * (here Node's crypto.publicEncrypt with OAEP, as openssl pkeyutl does), choose the files, import,
 * then encrypt and decrypt text with the key; finally delete the material after a confirmation.
 */
import { constants, createPublicKey, publicEncrypt, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { decryptSection, decryptText, encryptText, nav, openApp, openKey } from './ui-helpers.ts';

/** Clicks a download link and returns the bytes the browser saved. */
async function download(page: Page, link: Locator): Promise<Buffer> {
  const [saved] = await Promise.all([page.waitForEvent('download'), link.click()]);
  return readFile(await saved.path());
}

test('import key material into an EXTERNAL key, use it, and delete it again', async ({
  page,
}, testInfo) => {
  testInfo.setTimeout(120_000);
  await openApp(page);
  await nav(page, 'Keys').click();
  await page.getByRole('button', { name: 'Create key' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create key' });
  await dialog.getByLabel('Alias (optional)').fill('byok');
  await dialog.getByRole('radio', { name: 'External (import your own key material)' }).check();
  await dialog.getByRole('button', { name: 'Create key' }).click();
  await expect(dialog).toBeHidden();

  await openKey(page, 'byok');
  const section = page.getByRole('region', { name: 'Imported key material' });
  await expect(section.getByText('This key has no key material yet.')).toBeVisible();

  // 1. Wrapping key and import token.
  await section.getByLabel('Wrapping key spec').selectOption('RSA_2048');
  await section.getByLabel('Wrapping algorithm').selectOption('RSAES_OAEP_SHA_256');
  await section.getByRole('button', { name: 'Get wrapping key and import token' }).click();
  const wrappingKey = await download(
    page,
    section.getByRole('link', { name: 'Download wrapping key (wrapping-key.der)' }),
  );
  const token = await download(
    page,
    section.getByRole('link', { name: 'Download import token (import-token.bin)' }),
  );
  await expect(section.getByLabel('openssl commands')).toHaveValue(/rsa_oaep_md:sha256/);

  // 2. Outside the browser: 32 bytes of key material, wrapped with RSAES-OAEP SHA-256.
  const material = randomBytes(32);
  const wrapped = publicEncrypt(
    {
      key: createPublicKey({ key: wrappingKey, format: 'der', type: 'spki' }),
      padding: constants.RSA_PKCS1_OAEP_PADDING,
      oaepHash: 'sha256',
    },
    material,
  );
  const wrappedPath = testInfo.outputPath('key.wrapped');
  const tokenPath = testInfo.outputPath('import-token.bin');
  await writeFile(wrappedPath, wrapped);
  await writeFile(tokenPath, token);

  // 3. Import.
  await section.getByLabel('Wrapped key material (key.wrapped)').setInputFiles(wrappedPath);
  await section.getByLabel('Import token (import-token.bin)').setInputFiles(tokenPath);
  await section.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(section.getByText(/^Key material imported/)).toBeVisible();
  await expect(section.getByText('Never', { exact: true })).toBeVisible();

  // The key now encrypts and decrypts like any other.
  const ciphertext = await encryptText(page, 'alias/byok', 'under my own key', ['owner', 'me']);
  await decryptText(page, ciphertext, ['owner', 'me']);
  const decrypt = decryptSection(page);
  await expect(decrypt.getByLabel('Plaintext', { exact: true })).toHaveValue('under my own key');

  // Delete the material, after a confirmation; the ciphertext then waits for an import.
  await openKey(page, 'byok');
  await section.getByRole('button', { name: 'Delete imported key material…' }).click();
  const confirm = page.getByRole('dialog', { name: 'Delete the key material of alias/byok' });
  await expect(
    confirm.getByText(/nothing encrypted under this key can be\s+decrypted/),
  ).toBeVisible();
  await confirm.getByRole('button', { name: 'Delete key material' }).click();
  await expect(confirm).toBeHidden();
  await expect(section.getByText('This key has no key material yet.')).toBeVisible();

  await nav(page, 'Encrypt / decrypt').click();
  await decryptText(page, ciphertext, ['owner', 'me']);
  await expect(decrypt.getByRole('alert')).toContainText('KMSInvalidStateException');
});
