/**
 * Recovery and backups (issue 11) against the real core: set-up, the custody path (every new
 * version sealed for recovery), unrecoverable versions reported exactly, backups that restore
 * into an empty vault as the same vault, and named refusals that change nothing.
 */
import { describe, expect, it } from 'vitest';
import type { KeyMetadata } from '../../workers/api.ts';
import { VaultStore } from '../../workers/keystore/vault-store.ts';
import { Kms } from '../../workers/kms/kms.ts';
import { writeSchema2Vault } from './support/schema2-vault.ts';
import { ManualClock } from './support/manual-clock.ts';
import {
  auditRecords,
  deleteDatabase,
  expectKmsError,
  openRaw,
  openVaultForTest,
  readStore,
  utf8,
  type TestVault,
} from './support/vault.ts';
import { onTestFinished } from 'vitest';

const PASSPHRASE = 'correct horse battery staple';

async function emptyVault(): Promise<{ kms: Kms; vaultName: string }> {
  const vaultName = `restore-${crypto.randomUUID()}`;
  const kms = await Kms.open({
    vaultName,
    clock: new ManualClock(),
    userAgent: 'vitest-browser',
    scryptWorkFactor: 10,
  });
  onTestFinished(async () => {
    kms.close();
    await deleteDatabase(vaultName);
  });
  return { kms, vaultName };
}

async function setUp(vault: TestVault) {
  return vault.kms.setUpRecovery({ Passphrase: PASSPHRASE, GenerateRecoveryKey: true });
}

describe('recovery set-up', () => {
  it('returns the recovery key once, keeps only the recipient, and logs neither secret', async () => {
    const vault = await openVaultForTest();
    const answer = await setUp(vault);
    expect(answer.RecoveryKey).toMatch(/^AGE-SECRET-KEY-1[0-9A-Z]{58}$/);
    expect(answer.Recipient).toMatch(/^age1[0-9a-z]{58}$/);
    expect(answer.Methods).toEqual(['PASSPHRASE', 'RECOVERY_KEY']);
    const stored = JSON.stringify(await readStore(vault.vaultName, 'vault'));
    expect(stored).not.toContain(answer.RecoveryKey);
    const log = JSON.stringify(await auditRecords(vault.vaultName));
    expect(log).not.toContain(answer.RecoveryKey);
    expect(log).not.toContain(PASSPHRASE);
    await expectKmsError(setUp(vault), 'KMSInvalidStateException');
  });

  it('refuses a short passphrase with a sentence that says why', async () => {
    const vault = await openVaultForTest();
    const error = await expectKmsError(
      vault.kms.setUpRecovery({ Passphrase: 'short pass' }),
      'ValidationException',
    );
    expect(error.message).toContain('at least 12 characters');
  });

  it('reports exactly the versions made before set-up as unrecoverable', async () => {
    const vault = await openVaultForTest();
    const { kms } = vault;
    const before = (await kms.createKey()).KeyMetadata;
    await setUp(vault);
    await kms.rotateKeyOnDemand({ KeyId: before.KeyId });
    const after = (await kms.createKey({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }))
      .KeyMetadata;
    const described = await kms.describeRecovery();
    expect(described.RecoverySetUp).toBe(true);
    expect(described.UnrecoverableKeys).toEqual([
      { KeyId: before.KeyId, Versions: [1], AllVersions: false },
    ]);
    expect(described.RecoverableKeyCount).toBe(1);
    expect(after.KeyId).toBeDefined();
  });

  it('reads every key and version of a vault larger than one page of its reads', async () => {
    // DescribeRecovery reads keys alone (the keyVersions indexes of schema 5); the readers of
    // whole records (unlock, set-up, restore) read 500 to a transaction (vault-store's
    // readWholeStore), so none holds back writes for the whole vault: 1,100 keys and 1,250
    // versions fall over three pages each.
    const vault = await openVaultForTest();
    const { kms } = vault;
    const before: string[] = [];
    for (let i = 0; i < 600; i++) before.push((await kms.createKey()).KeyMetadata.KeyId);
    await setUp(vault);
    for (let i = 0; i < 500; i++) await kms.createKey();
    const rotated = before.slice(0, 150);
    for (const KeyId of rotated) await kms.rotateKeyOnDemand({ KeyId });

    const described = await kms.describeRecovery();
    expect(described.RecoverableKeyCount).toBe(500);
    const expected = before
      .map((KeyId) => ({ KeyId, Versions: [1], AllVersions: !rotated.includes(KeyId) }))
      .sort((a, b) => a.KeyId.localeCompare(b.KeyId));
    expect([...described.UnrecoverableKeys].sort((a, b) => a.KeyId.localeCompare(b.KeyId))).toEqual(
      expected,
    );
    const store = await VaultStore.open(vault.vaultName);
    onTestFinished(() => store.close());
    expect((await store.listKeys()).length).toBe(1100);
    expect((await store.listAllKeyVersions()).length).toBe(1250);
  }, 120_000);

  it('answers for versions stored before schema 5, from the indexes its upgrade fills', async () => {
    // A schema-2 vault (tests/browser/support/schema2-vault.ts) given keys and versions as they
    // were stored then: two keys, one with a sealed and an unsealed version.
    const name = `test-${crypto.randomUUID()}`;
    onTestFinished(() => deleteDatabase(name));
    await writeSchema2Vault(name, {
      vaultId: '111122223333',
      creationDate: new Date(),
      records: [],
    });
    const raw = await openRaw(name);
    const [a, b] = ['1234abcd-0000-4000-8000-00000000000a', '1234abcd-0000-4000-8000-00000000000b'];
    const day = (n: number) => new Date(Date.UTC(2026, 0, n));
    const key = (KeyId: string, CreationDate: Date) => ({
      KeyId,
      CreationDate,
      KeyState: 'Enabled',
    });
    const version = (KeyId: string, Version: number, CreationDate: Date, seal?: string) => ({
      KeyId,
      Version,
      KeyMaterialId: `${KeyId}-${Version}`,
      CreationDate,
      ...(seal && { RecoverySeal: seal }),
    });
    await raw.put('keys', key(a, day(1)));
    await raw.put('keys', key(b, day(2)));
    await raw.put('keyVersions', version(a, 1, day(1)));
    await raw.put('keyVersions', version(a, 2, day(5), '-----BEGIN AGE ENCRYPTED FILE-----'));
    await raw.put('keyVersions', version(b, 1, day(2), '-----BEGIN AGE ENCRYPTED FILE-----\n'));
    raw.close();

    const store = await VaultStore.open(name);
    onTestFinished(() => store.close());
    const coverage = await store.recoveryCoverage();
    // The sealed versions come in the index's order (by the seal's length): compare as a set.
    coverage.sealed.sort(([k1, v1], [k2, v2]) => k1.localeCompare(k2) || v1 - v2);
    expect(coverage).toEqual({
      keyIds: [a, b],
      versions: [
        [a, 1],
        [a, 2],
        [b, 1],
      ],
      sealed: [
        [a, 2],
        [b, 1],
      ],
      newestVersionDate: day(5),
    });
  });
});

describe('backup and restore', () => {
  async function sourceVault() {
    const vault = await openVaultForTest();
    const { kms } = vault;
    const { RecoveryKey } = await setUp(vault);
    const keys: KeyMetadata[] = [];
    for (const request of [
      {},
      { KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' },
      { KeySpec: 'ECC_NIST_P384', KeyUsage: 'SIGN_VERIFY' },
      { KeySpec: 'ECC_SECG_P256K1', KeyUsage: 'SIGN_VERIFY' },
      { KeySpec: 'ECC_NIST_EDWARDS25519', KeyUsage: 'SIGN_VERIFY' },
      { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' },
      { KeySpec: 'ECC_NIST_P256', KeyUsage: 'KEY_AGREEMENT' },
    ]) {
      keys.push((await kms.createKey({ Description: 'backed up', ...request })).KeyMetadata);
    }
    await kms.createAlias({ AliasName: 'alias/first', TargetKeyId: keys[0]!.KeyId });
    await kms.rotateKeyOnDemand({ KeyId: keys[0]!.KeyId });
    return { vault, keys, recoveryKey: RecoveryKey! };
  }

  it('restores into an empty vault as the same vault, and every ciphertext and signature works', async () => {
    const { vault, keys, recoveryKey } = await sourceVault();
    const { kms } = vault;
    const blob = (await kms.encrypt({ KeyId: 'alias/first', Plaintext: utf8('kept') }))
      .CiphertextBlob;
    const rsa = (
      await kms.encrypt({
        KeyId: keys[1]!.KeyId,
        Plaintext: utf8('rsa'),
        EncryptionAlgorithm: 'RSAES_OAEP_SHA_256',
      })
    ).CiphertextBlob;
    const signatures = await Promise.all(
      [2, 3, 4].map(async (index) => {
        const algorithm = keys[index]!.SigningAlgorithms![0]!;
        return {
          index,
          algorithm,
          signature: (
            await kms.sign({
              KeyId: keys[index]!.KeyId,
              Message: utf8('signed'),
              SigningAlgorithm: algorithm,
            })
          ).Signature,
        };
      }),
    );
    const mac = (
      await kms.generateMac({
        KeyId: keys[5]!.KeyId,
        Message: utf8('m'),
        MacAlgorithm: 'HMAC_SHA_256',
      })
    ).Mac;
    const { Backup } = await kms.exportVaultBackup();
    expect(Backup.name).toMatch(
      new RegExp(`^pocket-kms-${kms.vaultId}-\\d{4}-\\d{2}-\\d{2}\\.tar$`),
    );

    for (const secret of [{ Passphrase: PASSPHRASE }, { RecoveryKey: recoveryKey }]) {
      const target = await emptyVault();
      const preview = await target.kms.inspectVaultBackup({ Backup, ...secret });
      expect(preview.RestoresVaultId).toBe(true);
      expect(preview.Keys.map((key) => key.Action)).toEqual(keys.map(() => 'RESTORE'));
      const restored = await target.kms.restoreVaultBackup({ Backup, ...secret });
      expect(restored.VaultId).toBe(kms.vaultId);
      expect(target.kms.vaultId).toBe(kms.vaultId);
      for (const key of keys) {
        expect((await target.kms.describeKey({ KeyId: key.KeyId })).KeyMetadata.Arn).toBe(key.Arn);
      }
      expect(await target.kms.decrypt({ CiphertextBlob: blob })).toMatchObject({
        Plaintext: utf8('kept'),
      });
      expect(
        (
          await target.kms.decrypt({
            CiphertextBlob: rsa,
            KeyId: keys[1]!.KeyId,
            EncryptionAlgorithm: 'RSAES_OAEP_SHA_256',
          })
        ).Plaintext,
      ).toEqual(utf8('rsa'));
      for (const { index, algorithm, signature } of signatures) {
        const verified = await target.kms.verify({
          KeyId: keys[index]!.KeyId,
          Message: utf8('signed'),
          Signature: signature,
          SigningAlgorithm: algorithm,
        });
        expect(verified.SignatureValid).toBe(true);
      }
      expect(
        (
          await target.kms.verifyMac({
            KeyId: keys[5]!.KeyId,
            Message: utf8('m'),
            Mac: mac,
            MacAlgorithm: 'HMAC_SHA_256',
          })
        ).MacValid,
      ).toBe(true);
      expect((await target.kms.getPublicKey({ KeyId: keys[6]!.KeyId })).PublicKey).toEqual(
        (await kms.getPublicKey({ KeyId: keys[6]!.KeyId })).PublicKey,
      );
      const log = await auditRecords(target.vaultName);
      expect(log[0]).toMatchObject({ eventName: 'RestoreVaultBackup', sequence: 1 });
      expect(log[0]!.responseElements).toMatchObject({ backupVaultId: kms.vaultId });
      expect((await target.kms.verifyAuditLog()).Valid).toBe(true);
      expect((await target.kms.describeRecovery()).UnrecoverableKeys).toEqual([]);
    }
  });

  it('refuses a wrong passphrase, a wrong recovery key, and a changed byte; the vault is unchanged', async () => {
    const { vault } = await sourceVault();
    const { Backup } = await vault.kms.exportVaultBackup();
    const target = await emptyVault();
    await expectKmsError(
      target.kms.restoreVaultBackup({ Backup, Passphrase: 'not the passphrase at all' }),
      'IncorrectKeyException',
    );
    const other = await openVaultForTest();
    const { RecoveryKey } = await other.kms.setUpRecovery({ GenerateRecoveryKey: true });
    await expectKmsError(
      target.kms.restoreVaultBackup({ Backup, RecoveryKey: RecoveryKey! }),
      'IncorrectKeyException',
    );
    const bytes = new Uint8Array(await Backup.arrayBuffer());
    bytes[bytes.length - 3000]! ^= 1;
    await expectKmsError(
      target.kms.restoreVaultBackup({ Backup: new Blob([bytes]), Passphrase: PASSPHRASE }),
      'InvalidCiphertextException',
    );
    expect((await target.kms.listKeys()).Keys).toEqual([]);
  });
});
