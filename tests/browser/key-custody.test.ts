/**
 * DESIGN §1 and the first acceptance item: the key material the vault stores is a
 * non-extractable CryptoKey. Script that reads IndexedDB directly gets a key it can use but
 * whose bytes it cannot export.
 */
import { describe, expect, it } from 'vitest';
import type { KeyVersionRecord } from '../../workers/keystore/vault-store.ts';
import { openVaultForTest, readStore, utf8 } from './support/vault.ts';

describe('stored key material', () => {
  it('is a non-extractable AES-256-GCM CryptoKey, for every version, and exportKey rejects in every format', async () => {
    const vault = await openVaultForTest();
    const { kms } = vault;
    const { KeyMetadata } = await kms.createKey({ Description: 'custody' });
    await kms.rotateKeyOnDemand({ KeyId: KeyMetadata.KeyId });
    const second = await kms.createKey();

    const versions = await readStore<KeyVersionRecord>(vault.vaultName, 'keyVersions');
    expect(versions.map((v) => [v.KeyId, v.Version]).sort()).toEqual(
      [
        [KeyMetadata.KeyId, 1],
        [KeyMetadata.KeyId, 2],
        [second.KeyMetadata.KeyId, 1],
      ].sort(),
    );
    for (const { CryptoKey: stored } of versions) {
      const key = stored!;
      expect(key).toBeInstanceOf(CryptoKey);
      expect(key.extractable).toBe(false);
      expect(key.type).toBe('secret');
      expect(key.algorithm).toEqual({ name: 'AES-GCM', length: 256 });
      expect([...key.usages].sort()).toEqual(['decrypt', 'encrypt']);
      for (const format of ['raw', 'jwk'] as const) {
        const error = await crypto.subtle.exportKey(format, key).then(
          () => undefined,
          (thrown: unknown) => thrown,
        );
        expect(error, `exportKey('${format}') must reject`).toBeInstanceOf(DOMException);
        expect((error as DOMException).name).toBe('InvalidAccessError');
      }
    }
  });

  it('cannot be wrapped out with wrapKey either (wrapping a non-extractable key is refused)', async () => {
    const vault = await openVaultForTest();
    await vault.kms.createKey();
    const [version] = await readStore<KeyVersionRecord>(vault.vaultName, 'keyVersions');
    const wrapping = await crypto.subtle.generateKey({ name: 'AES-KW', length: 256 }, false, [
      'wrapKey',
    ]);
    const error = await crypto.subtle.wrapKey('raw', version!.CryptoKey!, wrapping, 'AES-KW').then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect((error as DOMException).name).toBe('InvalidAccessError');
  });

  it('holds no key bytes anywhere in the stored records: only CryptoKey objects', async () => {
    const vault = await openVaultForTest();
    const { KeyMetadata } = await vault.kms.createKey();
    await vault.kms.encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: utf8('hello') });
    const versions = await readStore<Record<string, unknown>>(vault.vaultName, 'keyVersions');
    for (const version of versions) {
      for (const [field, value] of Object.entries(version)) {
        expect(ArrayBuffer.isView(value) || value instanceof ArrayBuffer, field).toBe(false);
      }
    }
    const keys = await readStore<Record<string, unknown>>(vault.vaultName, 'keys');
    for (const key of keys) {
      for (const [field, value] of Object.entries(key)) {
        expect(value instanceof CryptoKey || ArrayBuffer.isView(value), field).toBe(false);
      }
    }
  });
});
