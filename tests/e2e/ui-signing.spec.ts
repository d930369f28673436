/**
 * Signing keys as a person uses them: the Create key dialog's specs and usages, the public key on
 * the key page, the Sign & verify page (files checked with nothing but a public key, in a second
 * browser with an empty vault), HMAC, and RSA encryption of text.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { expect, test, type Download, type Locator, type Page } from '@playwright/test';
import { nav, openApp, openKey } from './ui-helpers.ts';

/** Creates a key through the dialog with this spec, usage (its radio label) and alias. */
async function createKey(page: Page, alias: string, spec: string, usage: RegExp): Promise<void> {
  await nav(page, 'Keys').click();
  await page.getByRole('button', { name: 'Create key' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create key' });
  await dialog.getByLabel('Alias (optional)').fill(alias);
  await dialog.getByLabel('Key spec').selectOption(spec);
  await dialog.getByRole('radio', { name: usage }).check();
  await dialog.getByRole('button', { name: 'Create key' }).click();
  await expect(dialog).toBeHidden({ timeout: 30_000 });
  await expect(page.getByRole('link', { name: `alias/${alias}`, exact: true })).toBeVisible();
}

// Key generation, file hashing and two browsers in one test: generous limits on a busy machine.
test.describe.configure({ timeout: 180_000 });

function region(page: Page, name: string): Locator {
  return page.getByRole('region', { name, exact: true });
}

/** Clicks a download link and saves what it downloads at `path`. */
async function save(link: Locator, path: string): Promise<Download> {
  const downloading = link.page().waitForEvent('download');
  await link.click();
  const download = await downloading;
  await mkdir(dirname(path), { recursive: true });
  await download.saveAs(path);
  return download;
}

test('the usages offered follow the chosen key spec, each explained in a line', async ({
  page,
}) => {
  await openApp(page);
  await page.getByRole('button', { name: 'Create key' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create key' });
  const usages = dialog.getByRole('group', { name: 'Key usage' }).getByRole('radio');
  const spec = dialog.getByLabel('Key spec');

  await expect(spec).toHaveValue('SYMMETRIC_DEFAULT');
  await expect(usages).toHaveCount(1);
  await expect(dialog.getByRole('radio', { name: /^Encrypt and decrypt/ })).toBeChecked();
  await expect(dialog.getByRole('group', { name: 'Rotation' })).toBeVisible();

  await spec.selectOption('RSA_3072');
  await expect(dialog.getByText('RSA 3072 — sign, or encrypt small secrets')).toBeVisible();
  await expect(usages).toHaveCount(2);
  await expect(dialog.getByRole('radio', { name: /^Encrypt and decrypt/ })).toBeVisible();
  await expect(dialog.getByRole('radio', { name: /^Sign and verify/ })).toBeVisible();
  await expect(dialog.getByRole('group', { name: 'Rotation' })).toHaveCount(0);

  await spec.selectOption('ECC_NIST_P256');
  await expect(usages).toHaveCount(2);
  await expect(dialog.getByRole('radio', { name: /^Sign and verify/ })).toBeChecked();
  await expect(dialog.getByRole('radio', { name: /^Key agreement/ })).toBeVisible();

  await spec.selectOption('ECC_NIST_EDWARDS25519');
  await expect(usages).toHaveCount(1);
  await expect(dialog.getByRole('radio', { name: /^Sign and verify/ })).toBeChecked();

  await spec.selectOption('HMAC_512');
  await expect(usages).toHaveCount(1);
  await expect(dialog.getByRole('radio', { name: /^Generate and verify MACs/ })).toBeChecked();

  // HMAC_224 and the ML-DSA and SM2 specs are refused by this build, so they are not offered.
  await expect(spec.getByRole('option', { name: 'HMAC_224' })).toHaveCount(0);
  await expect(spec.getByRole('option', { name: 'SM2' })).toHaveCount(0);

  // A P-256 key-agreement key: its table row and its page.
  await spec.selectOption('ECC_NIST_P256');
  await dialog.getByRole('radio', { name: /^Key agreement/ }).check();
  await dialog.getByLabel('Alias (optional)').fill('handshake');
  await dialog.getByRole('button', { name: 'Create key' }).click();
  await expect(dialog).toBeHidden();
  const row = page
    .getByRole('row')
    .filter({ has: page.getByRole('link', { name: 'alias/handshake', exact: true }) });
  await expect(row).toContainText('ECC_NIST_P256');
  await expect(row).toContainText('KEY_AGREEMENT');
  await expect(row).toContainText('Not rotated');

  await openKey(page, 'handshake');
  const material = region(page, 'Public key and algorithms');
  await expect(material.getByText('ECDH', { exact: true })).toBeVisible();
  await expect(material.getByText(/^A non-extractable WebCrypto key/)).toBeVisible();
  await expect(material.getByLabel('Public key (PEM)')).toHaveValue(
    /^-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+\n-----END PUBLIC KEY-----\n$/,
  );
  await expect(region(page, 'Rotation')).toContainText('not rotated');

  const der = await save(
    material.getByRole('link', { name: 'Download DER' }),
    test.info().outputPath('handshake.public.der'),
  );
  expect(der.suggestedFilename()).toBe('handshake.public.der');
  const derBytes = await readFile(test.info().outputPath('handshake.public.der'));
  expect(derBytes[0]).toBe(0x30);
  await save(
    material.getByRole('link', { name: 'Download JWK' }),
    test.info().outputPath('handshake.public.jwk'),
  );
  const jwk = JSON.parse(await readFile(test.info().outputPath('handshake.public.jwk'), 'utf8'));
  expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256' });
  expect(Object.keys(jwk).sort()).toEqual(['crv', 'kty', 'x', 'y']);
});

test('a signed file verifies with only the public key in an empty vault; one changed byte is invalid', async ({
  page,
  browser,
}) => {
  const original = test.info().outputPath('original/report.txt');
  const tampered = test.info().outputPath('tampered/report.txt');
  const content = Buffer.from('Quarterly report\n'.repeat(2000));
  await mkdir(dirname(original), { recursive: true });
  await writeFile(original, content);
  const changed = Buffer.from(content);
  changed[1234] = changed[1234]! ^ 0x01;
  await mkdir(dirname(tampered), { recursive: true });
  await writeFile(tampered, changed);

  await openApp(page);
  await createKey(page, 'release', 'ECC_NIST_P256', /^Sign and verify/);
  await nav(page, 'Sign & verify').click();
  const sign = region(page, 'Sign');
  await expect(sign.getByLabel('Signing algorithm')).toHaveValue('ECDSA_SHA_256');
  await sign.getByRole('radio', { name: 'A file' }).check();
  await sign.getByLabel('File to sign').setInputFiles(original);
  await sign.getByRole('button', { name: 'Sign file' }).click();
  await expect(sign.getByRole('status').filter({ hasText: 'Signed “report.txt”' })).toHaveText(
    `Signed “report.txt” (${content.length.toLocaleString('en-US')} bytes) with alias/release, ECDSA_SHA_256.`,
    { useInnerText: true },
  );
  const signaturePath = test.info().outputPath('report.txt.sig');
  const signature = await save(
    sign.getByRole('link', { name: 'Save report.txt.sig' }),
    signaturePath,
  );
  expect(signature.suggestedFilename()).toBe('report.txt.sig');
  const publicKeyPath = test.info().outputPath('release.public.pem');
  await save(sign.getByRole('link', { name: 'Download public key' }), publicKeyPath);
  expect(await readFile(publicKeyPath, 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);

  // Someone else, with an empty vault: only the file, its .sig and the public key.
  const stranger = await browser.newContext({ baseURL: test.info().project.use.baseURL });
  const other = await stranger.newPage();
  await openApp(other, '#/sign');
  const verify = region(other, 'Verify');
  await verify.getByRole('radio', { name: 'A file' }).check();
  await verify.getByRole('radio', { name: 'A public key' }).check();
  await verify.getByLabel('Or a public key file (.pem, .der, .jwk)').setInputFiles(publicKeyPath);
  await verify.getByLabel('Signature file (.sig)').setInputFiles(signaturePath);
  await verify.getByLabel('File to verify').setInputFiles(original);
  await verify.getByRole('button', { name: 'Verify file' }).click();
  await expect(verify.getByText(/^Valid — /)).toHaveText(
    'Valid — signed by the holder of this ECC_NIST_P256 public key (ECDSA_SHA_256)',
  );
  await expect(verify.getByText(/^The signature covers “report.txt”/)).toBeVisible();

  await verify.getByLabel('File to verify').setInputFiles(tampered);
  await verify.getByRole('button', { name: 'Verify file' }).click();
  await expect(verify.getByText(/^Invalid — /)).toContainText(
    'Invalid — This is not the file that was signed: its contents differ.',
  );
  await expect(verify.getByText(/^Invalid — /)).toContainText('(KMSInvalidSignatureException)');
  await expect(verify.getByText(/^Valid — /)).toHaveCount(0);

  // The same public key pasted as PEM text verifies the original again.
  await verify.getByLabel('File to verify').setInputFiles(original);
  await verify.getByLabel('Or a public key file (.pem, .der, .jwk)').setInputFiles([]);
  await verify
    .getByLabel('Public key (PEM, JWK or base64 DER)')
    .fill(await readFile(publicKeyPath, 'utf8'));
  await verify.getByRole('button', { name: 'Verify file' }).click();
  await expect(verify.getByText(/^Valid — /)).toBeVisible();
  await stranger.close();

  // In the signer's own vault, the vault key checks it too, and is named.
  const ownVerify = region(page, 'Verify');
  await ownVerify.getByRole('radio', { name: 'A file' }).check();
  await ownVerify.getByLabel('File to verify').setInputFiles(original);
  await ownVerify.getByLabel('Signature file (.sig)').setInputFiles(signaturePath);
  await ownVerify.getByRole('button', { name: 'Verify file' }).click();
  await expect(ownVerify.getByText(/^Valid — /)).toHaveText(
    'Valid — signed by alias/release (ECDSA_SHA_256)',
  );
});

test('signed text verifies with the vault key; changed text is invalid', async ({ page }) => {
  await openApp(page);
  await createKey(page, 'notary', 'ECC_NIST_EDWARDS25519', /^Sign and verify/);
  await nav(page, 'Sign & verify').click();
  const sign = region(page, 'Sign');
  // ED25519_PH_SHA_512 signs digests, not text: only the RAW algorithm is offered.
  await expect(sign.getByLabel('Signing algorithm').getByRole('option')).toHaveText([
    'ED25519_SHA_512',
  ]);
  await sign.getByLabel('Text to sign').fill('I owe Sam 20 euros.');
  await sign.getByRole('button', { name: 'Sign text' }).click();
  const signature = await sign.getByLabel('Signature (base64, 64 bytes)').inputValue();
  expect(signature).toMatch(/^[A-Za-z0-9+/]{86}==$/);

  const verify = region(page, 'Verify');
  await verify.getByLabel('Signed text').fill('I owe Sam 20 euros.');
  await verify.getByLabel('Signature (base64)').fill(signature);
  await verify.getByRole('button', { name: 'Verify text' }).click();
  await expect(verify.getByText(/^Valid — /)).toHaveText(
    'Valid — signed by alias/notary (ED25519_SHA_512)',
  );

  await verify.getByLabel('Signed text').fill('I owe Sam 200 euros.');
  await verify.getByRole('button', { name: 'Verify text' }).click();
  await expect(verify.getByText(/^Invalid — /)).toContainText('(KMSInvalidSignatureException)');

  // The same text, checked with only the public key pasted from the key's page.
  await openKey(page, 'notary');
  const pem = (await page.getByLabel('Public key (PEM)').inputValue()).trim();
  expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
  await nav(page, 'Sign & verify').click();
  const again = region(page, 'Verify');
  await again.getByLabel('Signed text').fill('I owe Sam 20 euros.');
  await again.getByLabel('Signature (base64)').fill(signature);
  await again.getByRole('radio', { name: 'A public key' }).check();
  await again.getByLabel('Public key (PEM, JWK or base64 DER)').fill(pem);
  await expect(again.getByLabel('Signing algorithm').getByRole('option')).toHaveText([
    'ED25519_SHA_512',
  ]);
  await again.getByRole('button', { name: 'Verify text' }).click();
  await expect(again.getByText(/^Valid — /)).toHaveText(
    'Valid — signed by the holder of this ECC_NIST_EDWARDS25519 public key (ED25519_SHA_512)',
  );
  await again.getByLabel('Signed text').fill('I owe Sam 200 euros.');
  await again.getByRole('button', { name: 'Verify text' }).click();
  await expect(again.getByText(/^Invalid — /)).toContainText('(KMSInvalidSignatureException)');
});

test('an HMAC generated for a message verifies, and a changed message does not', async ({
  page,
}) => {
  await openApp(page);
  await createKey(page, 'webhook', 'HMAC_256', /^Generate and verify MACs/);
  await nav(page, 'Sign & verify').click();
  const generate = region(page, 'Generate a MAC');
  await expect(generate.getByText('HMAC_SHA_256')).toBeVisible();
  await generate.getByLabel('Text to authenticate').fill('amount=100&to=sam');
  await generate.getByRole('button', { name: 'Generate MAC' }).click();
  await expect(generate.getByLabel('MAC (base64, 32 bytes)')).toHaveValue(/^[A-Za-z0-9+/]{43}=$/);
  await generate.getByRole('button', { name: 'Verify this MAC' }).click();

  const verify = region(page, 'Verify a MAC');
  await expect(verify.getByLabel('Authenticated text')).toBeFocused();
  await verify.getByRole('button', { name: 'Verify MAC' }).click();
  await expect(verify.getByText(/^Valid — /)).toHaveText(
    'Valid — the MAC matches under alias/webhook (HMAC_SHA_256)',
  );

  await verify.getByLabel('Authenticated text').fill('amount=900&to=sam');
  await verify.getByRole('button', { name: 'Verify MAC' }).click();
  await expect(verify.getByText(/^Invalid — /)).toContainText(
    'The MAC does not match the message under this key.',
  );
  await expect(verify.getByText(/^Invalid — /)).toContainText('(KMSInvalidMacException)');
  await expect(verify.getByText(/^Valid — /)).toHaveCount(0);
});

test('text encrypted with an RSA key decrypts back; the wrong padding hash is refused', async ({
  page,
}) => {
  await openApp(page);
  await createKey(page, 'mailbox', 'RSA_2048', /^Encrypt and decrypt/);
  await nav(page, 'Encrypt / decrypt').click();
  const encrypt = region(page, 'Encrypt with an RSA key');
  await expect(encrypt.getByLabel('Encryption algorithm')).toHaveValue('RSAES_OAEP_SHA_256');
  await expect(encrypt.getByText('At most 190 bytes with this key and algorithm.')).toBeVisible();
  await encrypt.getByLabel('Text to encrypt with RSA').fill('the safe code is 4711');
  await encrypt.getByRole('button', { name: 'Encrypt with RSA' }).click();
  await expect(encrypt.getByLabel('RSA ciphertext (base64, 256 bytes)')).toHaveValue(
    /^[A-Za-z0-9+/]+=*$/,
  );
  await encrypt.getByRole('button', { name: 'Decrypt this with RSA' }).click();

  const decrypt = region(page, 'Decrypt with an RSA key');
  await expect(decrypt.getByLabel('RSA ciphertext (base64)')).toBeFocused();
  await decrypt.getByRole('button', { name: 'Decrypt with RSA' }).click();
  await expect(
    decrypt.getByText('Decrypted with alias/mailbox, RSAES_OAEP_SHA_256.'),
  ).toBeVisible();
  await expect(decrypt.getByLabel('RSA plaintext', { exact: true })).toHaveValue(
    'the safe code is 4711',
  );

  await decrypt.getByLabel('Encryption algorithm').selectOption('RSAES_OAEP_SHA_1');
  await decrypt.getByRole('button', { name: 'Decrypt with RSA' }).click();
  await expect(decrypt.getByRole('alert')).toContainText('(InvalidCiphertextException)');
  await expect(decrypt.getByLabel('RSA plaintext', { exact: true })).toHaveCount(0);
});
