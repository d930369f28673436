/**
 * Issue 12, acceptance: the custody probe. Script on the app's origin — the page itself, here —
 * enumerates IndexedDB, takes every CryptoKey it finds and tries it on every ciphertext the vault
 * made, on every wrapped or sealed record it can find (with the additional data the formats
 * document), and signs with every private key. Without a lock the probe succeeds — it decrypts a
 * Disabled key's ciphertext and unwraps the secp256k1 secret, which is the threat the lock
 * answers, and proves the probe can fail. With a lock, unlocked and locked alike, nothing
 * decrypts, nothing unwraps, nothing signs, and no secret is recovered.
 */
import { expect, test, type Page } from '@playwright/test';
import { APP_VAULT, openApp } from './support/kms-page.ts';

interface ProbeResult {
  databases: string[];
  cryptoKeys: { secret: number; private: number; public: number };
  decrypted: number;
  unwrapped: number;
  signed: number;
}

/** Makes a key of every spec (nine), and returns the ciphertexts the vault made. */
async function keysOfEveryKind(page: Page): Promise<{ blobs: number[][]; usable: number[][] }> {
  return page.evaluate(async () => {
    const { kms } = window;
    const message = new TextEncoder().encode('the probe wants this');
    const make = async (request: Parameters<typeof kms.createKey>[0]) =>
      (await kms.createKey(request)).KeyMetadata.KeyId;
    const aes = await make({});
    const disabled = await make({});
    const rsa = await make({ KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' });
    await make({ KeySpec: 'HMAC_384', KeyUsage: 'GENERATE_VERIFY_MAC' });
    await make({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' });
    await make({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
    await make({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'KEY_AGREEMENT' });
    await make({ KeySpec: 'ECC_SECG_P256K1', KeyUsage: 'SIGN_VERIFY' });
    await make({ KeySpec: 'ECC_NIST_EDWARDS25519', KeyUsage: 'SIGN_VERIFY' });
    const blobs = [
      (await kms.encrypt({ KeyId: aes, Plaintext: message })).CiphertextBlob,
      (
        await kms.encrypt({
          KeyId: rsa,
          Plaintext: message,
          EncryptionAlgorithm: 'RSAES_OAEP_SHA_256',
        })
      ).CiphertextBlob,
      (await kms.generateDataKey({ KeyId: aes, KeySpec: 'AES_256' })).CiphertextBlob,
    ];
    const disabledBlob = (await kms.encrypt({ KeyId: disabled, Plaintext: message }))
      .CiphertextBlob;
    await kms.disableKey({ KeyId: disabled });
    return {
      blobs: [...blobs, disabledBlob].map((blob) => [...blob]),
      // The symmetric ciphertexts of the Enabled key, which Decrypt opens without a KeyId.
      usable: [blobs[0]!, blobs[2]!].map((blob) => [...blob]),
    };
  });
}

/** The attack, as page script: everything below uses only what any script on the origin has. */
function probe(page: Page, blobs: number[][]): Promise<ProbeResult> {
  return page.evaluate(async (given) => {
    const ciphertexts = given.map((blob) => new Uint8Array(blob));
    const keys: CryptoKey[] = [];
    const records: Record<string, unknown>[] = [];
    const walk = (value: unknown, depth: number): void => {
      if (depth > 8 || value === null || typeof value !== 'object') return;
      if (value instanceof CryptoKey) keys.push(value);
      else if (ArrayBuffer.isView(value) || value instanceof Date) return;
      else if (Array.isArray(value)) value.forEach((item) => walk(item, depth + 1));
      else {
        records.push(value as Record<string, unknown>);
        Object.values(value).forEach((item) => walk(item, depth + 1));
      }
    };
    const databases = (await indexedDB.databases()).map((database) => database.name!);
    for (const name of databases) {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open(name);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      for (const store of db.objectStoreNames) {
        const all = await new Promise<unknown[]>((resolve, reject) => {
          const request = db.transaction(store).objectStore(store).getAll();
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        });
        walk(all, 0);
      }
      db.close();
    }
    const attempt = async (run: () => Promise<unknown>) =>
      run().then(
        () => true,
        () => false,
      );
    const text = (value: string) => new TextEncoder().encode(value);
    let decrypted = 0;
    let unwrapped = 0;
    let signed = 0;
    for (const key of keys) {
      const { name } = key.algorithm;
      if (key.usages.includes('decrypt') && name === 'AES-GCM') {
        // Every way to cut a blob into additional data, IV and sealed bytes.
        for (const blob of ciphertexts) {
          for (let cut = 12; cut <= blob.length - 16; cut++) {
            const iv = blob.subarray(cut - 12, cut);
            const aad = blob.subarray(0, cut);
            const sealed = blob.subarray(cut);
            if (
              await attempt(() =>
                crypto.subtle.decrypt({ name, iv, additionalData: aad }, key, sealed),
              )
            )
              decrypted++;
          }
        }
        // Every wrapped or sealed record, with the additional data its format documents.
        for (const record of records) {
          const keyId = String(record.KeyId ?? '');
          const wrapped = (
            record.Asymmetric as {
              WrappedPrivateKey?: { Iv: Uint8Array<ArrayBuffer>; Sealed: Uint8Array<ArrayBuffer> };
            }
          )?.WrappedPrivateKey;
          if (wrapped) {
            const aad = new Uint8Array([
              ...text('pocket-kms wrapped private key v1\0'),
              ...text(`${keyId}\0ECC_SECG_P256K1`),
            ]);
            if (
              await attempt(() =>
                crypto.subtle.decrypt(
                  { name, iv: wrapped.Iv, additionalData: aad },
                  key,
                  wrapped.Sealed,
                ),
              )
            )
              unwrapped++;
          }
          for (const sealed of [record.LockSeal, record.Sealed].filter(
            (value): value is Uint8Array<ArrayBuffer> => value instanceof Uint8Array,
          )) {
            if (
              await attempt(() =>
                crypto.subtle.decrypt(
                  { name, iv: sealed.subarray(0, 12) },
                  key,
                  sealed.subarray(12),
                ),
              )
            )
              unwrapped++;
          }
        }
      }
      if (key.usages.includes('decrypt') && name === 'RSA-OAEP') {
        for (const blob of ciphertexts) {
          if (await attempt(() => crypto.subtle.decrypt({ name }, key, blob))) decrypted++;
        }
      }
      if (key.usages.includes('sign')) {
        const parameters =
          name === 'ECDSA'
            ? { name, hash: 'SHA-256' }
            : name === 'RSA-PSS'
              ? { name, saltLength: 32 }
              : { name };
        if (await attempt(() => crypto.subtle.sign(parameters, key, text('forged')))) signed++;
      }
    }
    const count = (type: KeyType) => keys.filter((key) => key.type === type).length;
    return {
      databases,
      cryptoKeys: { secret: count('secret'), private: count('private'), public: count('public') },
      decrypted,
      unwrapped,
      signed,
    };
  }, blobs);
}

const PASSPHRASE = 'the custody probe passphrase';

test('page script can use stored keys without a lock, and none with one, unlocked or locked', async ({
  page,
}) => {
  test.slow(); // RSA key generation, and scrypt openings of the lock at the app's work factor
  await openApp(page);
  // Recovery first, so every key's material is held sealed and the lock can seal it too.
  const recoveryKey = await page.evaluate(
    async () => (await window.kms.setUpRecovery({ GenerateRecoveryKey: true })).RecoveryKey!,
  );
  const { blobs, usable } = await keysOfEveryKind(page);

  // Without a lock: the threat, measured — and the probe shown able to succeed.
  const open = await probe(page, blobs);
  expect(open.databases).toContain(APP_VAULT);
  expect(open.cryptoKeys.secret).toBeGreaterThan(0);
  expect(open.cryptoKeys.private).toBeGreaterThan(0);
  // The AES ciphertexts (the Disabled key's among them) and the RSA one.
  expect(open.decrypted).toBeGreaterThanOrEqual(blobs.length);
  expect(open.unwrapped, 'the secp256k1 secret unwraps').toBe(1);
  expect(open.signed).toBeGreaterThan(0);

  const sealed = await page.evaluate(
    ([passphrase, RecoveryKey]) =>
      window.kms.setUpVaultLock({ Passphrase: passphrase, RecoveryKey }),
    [PASSPHRASE, recoveryKey],
  );
  expect(sealed.SealedVersionCount).toBe(9);
  expect(sealed.UnsealableKeys).toEqual([]);

  const nothing = {
    cryptoKeys: { secret: 0, private: 0 },
    decrypted: 0,
    unwrapped: 0,
    signed: 0,
  };
  // Unlocked: the core holds the keys in its memory; IndexedDB holds nothing usable.
  expect(await probe(page, blobs)).toMatchObject(nothing);
  // Through the API, the Enabled key's ciphertexts decrypt (or, locked, are refused by name).
  const decryptAll = (expected: string) =>
    page.evaluate(
      async ([all, expectedName]) => {
        const outcomes: string[] = [];
        for (const blob of all) {
          outcomes.push(
            await window.kms.decrypt({ CiphertextBlob: new Uint8Array(blob) }).then(
              () => 'decrypted',
              (error: Error) => error.name,
            ),
          );
        }
        return outcomes.filter((outcome) => outcome !== expectedName);
      },
      [usable, expected] as const,
    );
  expect(await decryptAll('decrypted')).toEqual([]);

  // Locked, and after a restart (a new page, a new core): still nothing, and the API refuses.
  await page.evaluate(() => window.kms.lockVault());
  await page.reload();
  await page.waitForFunction(() => typeof window.kms === 'object');
  expect((await page.evaluate(() => window.kms.describeVaultLock())).Locked).toBe(true);
  expect(await probe(page, blobs)).toMatchObject(nothing);
  expect(await decryptAll('VaultLockedException')).toEqual([]);

  await page.evaluate(
    (passphrase) => window.kms.unlockVault({ Passphrase: passphrase }),
    PASSPHRASE,
  );
  expect(await decryptAll('decrypted')).toEqual([]);
  expect(await probe(page, blobs)).toMatchObject(nothing);
});
