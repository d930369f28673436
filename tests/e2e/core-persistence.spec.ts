/**
 * Issue 2, acceptance: the vault's keys, aliases and versions survive a reload and a browser
 * restart on the same profile; the stored CryptoKeys, read by the page straight out of
 * IndexedDB, reject exportKey.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, expect, test, type Page } from '@playwright/test';
import { CHROMIUM_ARGS, chromiumPath } from '../chromium.mjs';
import { APP_VAULT, blobKeyVersion, openApp } from './support/kms-page.ts';

interface Saved {
  keyId: string;
  arn: string;
  materialIds: string[];
  blobs: number[][];
}

/** Makes a key with an alias, a tag, a rotation and a ciphertext under each of its two versions. */
async function makeVault(page: Page): Promise<Saved> {
  return page.evaluate(async () => {
    const { kms } = window;
    const { KeyMetadata } = await kms.createKey({
      Description: 'survives',
      Tags: [{ TagKey: 'kept', TagValue: 'yes' }],
    });
    await kms.createAlias({ AliasName: 'alias/survivor', TargetKeyId: KeyMetadata.KeyId });
    const material = async () =>
      (await kms.describeKey({ KeyId: KeyMetadata.KeyId })).KeyMetadata.CurrentKeyMaterialId!;
    const firstMaterial = await material();
    const first = await kms.encrypt({
      KeyId: 'alias/survivor',
      Plaintext: new TextEncoder().encode('version one'),
      EncryptionContext: { v: '1' },
    });
    await kms.rotateKeyOnDemand({ KeyId: KeyMetadata.KeyId });
    const secondMaterial = await material();
    const second = await kms.encrypt({
      KeyId: 'alias/survivor',
      Plaintext: new TextEncoder().encode('version two'),
    });
    return {
      keyId: KeyMetadata.KeyId,
      arn: KeyMetadata.Arn,
      materialIds: [firstMaterial, secondMaterial],
      blobs: [Array.from(first.CiphertextBlob), Array.from(second.CiphertextBlob)],
    };
  });
}

/** Reads everything back through window.kms and decrypts both ciphertexts. */
async function readBack(page: Page, saved: Saved) {
  return page.evaluate(async ({ keyId, blobs }) => {
    const { kms } = window;
    const decoder = new TextDecoder();
    const [one, two] = [Uint8Array.from(blobs[0]!), Uint8Array.from(blobs[1]!)];
    const first = await kms.decrypt({
      CiphertextBlob: one,
      EncryptionContext: { v: '1' },
      KeyId: 'alias/survivor',
    });
    const second = await kms.decrypt({ CiphertextBlob: two });
    const fresh = await kms.encrypt({ KeyId: keyId, Plaintext: new TextEncoder().encode('after') });
    return {
      keys: (await kms.listKeys()).Keys,
      description: (await kms.describeKey({ KeyId: 'alias/survivor' })).KeyMetadata.Description,
      aliases: (await kms.listAliases()).Aliases.map((alias) => [
        alias.AliasName,
        alias.TargetKeyId,
      ]),
      tags: (await kms.listResourceTags({ KeyId: keyId })).Tags,
      rotations: (await kms.listKeyRotations({ KeyId: keyId })).Rotations.map((rotation) => [
        rotation.RotationType,
        rotation.KeyMaterialId,
      ]),
      decrypted: [
        [decoder.decode(first.Plaintext), first.KeyMaterialId],
        [decoder.decode(second.Plaintext), second.KeyMaterialId],
      ],
      freshBlob: Array.from(fresh.CiphertextBlob),
      auditValid: (await kms.verifyAuditLog()).Valid,
    };
  }, saved);
}

function expectSurvived(back: Awaited<ReturnType<typeof readBack>>, saved: Saved): void {
  expect(back.keys).toEqual([{ KeyId: saved.keyId, KeyArn: saved.arn }]);
  expect(back.description).toBe('survives');
  expect(back.aliases).toEqual([['alias/survivor', saved.keyId]]);
  expect(back.tags).toEqual([{ TagKey: 'kept', TagValue: 'yes' }]);
  expect(back.rotations).toEqual([['ON_DEMAND', saved.materialIds[1]]]);
  expect(back.decrypted).toEqual([
    ['version one', saved.materialIds[0]],
    ['version two', saved.materialIds[1]],
  ]);
  expect(blobKeyVersion(back.freshBlob)).toBe(2);
  expect(back.auditValid).toBe(true);
}

test('keys, aliases, tags and key versions survive a reload, and both versions still decrypt', async ({
  page,
}) => {
  test.slow(); // two app loads
  await openApp(page);
  const saved = await makeVault(page);
  expect(saved.blobs.map(blobKeyVersion)).toEqual([1, 2]);
  await page.reload();
  await openApp(page);
  expectSurvived(await readBack(page, saved), saved);
});

test('keys, aliases, tags and key versions survive a browser restart on the same profile', async ({
  baseURL,
}) => {
  test.slow(); // two browser launches
  const profile = mkdtempSync(join(tmpdir(), 'pocket-kms-profile-'));
  const launch = () =>
    chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath(),
      args: CHROMIUM_ARGS,
      baseURL: baseURL!,
      headless: true,
    });
  try {
    const before = await launch();
    const page = before.pages()[0] ?? (await before.newPage());
    await openApp(page);
    const saved = await makeVault(page);
    await before.close();

    const after = await launch();
    try {
      const reopened = after.pages()[0] ?? (await after.newPage());
      await openApp(reopened);
      expectSurvived(await readBack(reopened, saved), saved);
    } finally {
      await after.close();
    }
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
});

test('CryptoKeys the page reads straight out of IndexedDB are non-extractable and reject exportKey', async ({
  page,
}) => {
  await openApp(page);
  const found = await page.evaluate(async (vaultName) => {
    const { KeyMetadata } = await window.kms.createKey();
    await window.kms.rotateKeyOnDemand({ KeyId: KeyMetadata.KeyId });
    await window.kms.createKey();
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open(vaultName);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const versions = await new Promise<{ KeyId: string; Version: number; CryptoKey: CryptoKey }[]>(
      (resolve, reject) => {
        const request = db.transaction('keyVersions').objectStore('keyVersions').getAll();
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      },
    );
    db.close();
    const results = [];
    for (const version of versions) {
      const key = version.CryptoKey;
      const attempts: string[] = [];
      for (const format of ['raw', 'jwk'] as const) {
        attempts.push(
          await crypto.subtle.exportKey(format, key).then(
            () => `${format}: exported`,
            (error: DOMException) => `${format}: ${error.name}`,
          ),
        );
      }
      results.push({
        version: version.Version,
        isCryptoKey: key instanceof CryptoKey,
        extractable: key.extractable,
        algorithm: key.algorithm,
        attempts,
      });
    }
    return results;
  }, APP_VAULT);

  expect(found).toHaveLength(3);
  for (const key of found) {
    expect(key).toEqual({
      version: key.version,
      isCryptoKey: true,
      extractable: false,
      algorithm: { name: 'AES-GCM', length: 256 },
      attempts: ['raw: InvalidAccessError', 'jwk: InvalidAccessError'],
    });
  }
});
