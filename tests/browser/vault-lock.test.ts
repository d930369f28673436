/**
 * The vault lock (issue 12 §1; DESIGN §10) against the real core, IndexedDB and WebCrypto: with
 * a lock, nothing usable is at rest; a locked core answers VaultLockedException (audited) to
 * whatever needs key material and keeps serving metadata; an unlock brings every earlier
 * ciphertext, signature and MAC back; a new core (a browser restart, another tab) starts locked;
 * wrong secrets are refused, counted and slowed; the idle time locks; change and remove need the
 * current secret. The page-script custody probe against the built app is
 * tests/e2e/custody-probe.spec.ts.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import type { KmsApi } from '../../workers/api.ts';
import { Kms } from '../../workers/kms/kms.ts';
import type {
  ImportParametersRecord,
  KeyVersionRecord,
  VaultRecord,
} from '../../workers/keystore/vault-store.ts';
import { ManualClock } from './support/manual-clock.ts';
import {
  auditRecords,
  expectKmsError,
  openVaultForTest,
  readStore,
  toHex,
  utf8,
  type TestVault,
} from './support/vault.ts';

const PASSPHRASE = 'lock passphrase for the tests';
const OTHER_PASSPHRASE = 'another lock passphrase here';

/** A second core on the same vault: another tab, or the same tab after a browser restart. */
async function secondCore(vault: TestVault, clock = vault.clock): Promise<Kms> {
  const kms = await Kms.open({
    vaultName: vault.vaultName,
    clock,
    userAgent: 'vitest-browser',
    scryptWorkFactor: 10,
  });
  onTestFinished(() => kms.close());
  return kms;
}

/** One key of every kind, each used once: what an unlock must bring back. */
async function keysOfEveryKind(kms: KmsApi) {
  const make = async (request: Parameters<KmsApi['createKey']>[0]) =>
    (await kms.createKey(request)).KeyMetadata.KeyId;
  const aes = await make({});
  const hmac = await make({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
  const rsaEncrypt = await make({ KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' });
  const rsaSign = await make({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' });
  const p256 = await make({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
  const ecdh = await make({ KeySpec: 'ECC_NIST_P384', KeyUsage: 'KEY_AGREEMENT' });
  const k1 = await make({ KeySpec: 'ECC_SECG_P256K1', KeyUsage: 'SIGN_VERIFY' });
  const ed = await make({ KeySpec: 'ECC_NIST_EDWARDS25519', KeyUsage: 'SIGN_VERIFY' });
  const message = utf8('made before the lock');
  const peer = await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-384' }, true, [
    'deriveBits',
  ]);
  const peerPublic = new Uint8Array(await crypto.subtle.exportKey('spki', peer.publicKey));
  return {
    ids: { aes, hmac, rsaEncrypt, rsaSign, p256, ecdh, k1, ed },
    message,
    peerPublic,
    blob: (await kms.encrypt({ KeyId: aes, Plaintext: message })).CiphertextBlob,
    rsaBlob: (
      await kms.encrypt({
        KeyId: rsaEncrypt,
        Plaintext: message,
        EncryptionAlgorithm: 'RSAES_OAEP_SHA_256',
      })
    ).CiphertextBlob,
    mac: (await kms.generateMac({ KeyId: hmac, Message: message, MacAlgorithm: 'HMAC_SHA_256' }))
      .Mac,
    signatures: await Promise.all(
      (
        [
          [rsaSign, 'RSASSA_PSS_SHA_256'],
          [p256, 'ECDSA_SHA_256'],
          [k1, 'ECDSA_SHA_256'],
          [ed, 'ED25519_SHA_512'],
        ] as const
      ).map(async ([KeyId, SigningAlgorithm]) => ({
        KeyId,
        SigningAlgorithm,
        Signature: (await kms.sign({ KeyId, Message: message, SigningAlgorithm })).Signature,
      })),
    ),
    shared: (
      await kms.deriveSharedSecret({
        KeyId: ecdh,
        KeyAgreementAlgorithm: 'ECDH',
        PublicKey: peerPublic,
      })
    ).SharedSecret,
  };
}

type Made = Awaited<ReturnType<typeof keysOfEveryKind>>;

/** Every earlier ciphertext decrypts, every signature and MAC verifies, ECDH agrees again. */
async function expectAllUsable(kms: KmsApi, made: Made): Promise<void> {
  const { ids, message } = made;
  expect((await kms.decrypt({ CiphertextBlob: made.blob })).Plaintext).toEqual(message);
  expect(
    (
      await kms.decrypt({
        KeyId: ids.rsaEncrypt,
        CiphertextBlob: made.rsaBlob,
        EncryptionAlgorithm: 'RSAES_OAEP_SHA_256',
      })
    ).Plaintext,
  ).toEqual(message);
  expect(
    (
      await kms.verifyMac({
        KeyId: ids.hmac,
        Message: message,
        Mac: made.mac,
        MacAlgorithm: 'HMAC_SHA_256',
      })
    ).MacValid,
  ).toBe(true);
  for (const signature of made.signatures) {
    expect((await kms.verify({ ...signature, Message: message })).SignatureValid).toBe(true);
    // And the key signs again.
    await kms.sign({ ...signature, Message: message });
  }
  const again = await kms.deriveSharedSecret({
    KeyId: ids.ecdh,
    KeyAgreementAlgorithm: 'ECDH',
    PublicKey: made.peerPublic,
  });
  expect(again.SharedSecret).toEqual(made.shared);
}

/** Every operation that needs key material, on a locked core: each VaultLockedException. */
function materialCalls(kms: KmsApi, made: Made): [string, () => Promise<unknown>][] {
  const { ids, message } = made;
  return [
    ['Encrypt', () => kms.encrypt({ KeyId: ids.aes, Plaintext: message })],
    ['Decrypt', () => kms.decrypt({ CiphertextBlob: made.blob })],
    ['ReEncrypt', () => kms.reEncrypt({ CiphertextBlob: made.blob, DestinationKeyId: ids.aes })],
    ['GenerateDataKey', () => kms.generateDataKey({ KeyId: ids.aes, KeySpec: 'AES_256' })],
    [
      'GenerateDataKeyWithoutPlaintext',
      () => kms.generateDataKeyWithoutPlaintext({ KeyId: ids.aes, KeySpec: 'AES_256' }),
    ],
    [
      'Decrypt',
      () =>
        kms.decrypt({
          KeyId: ids.rsaEncrypt,
          CiphertextBlob: made.rsaBlob,
          EncryptionAlgorithm: 'RSAES_OAEP_SHA_256',
        }),
    ],
    [
      'GenerateMac',
      () => kms.generateMac({ KeyId: ids.hmac, Message: message, MacAlgorithm: 'HMAC_SHA_256' }),
    ],
    [
      'VerifyMac',
      () =>
        kms.verifyMac({
          KeyId: ids.hmac,
          Message: message,
          Mac: made.mac,
          MacAlgorithm: 'HMAC_SHA_256',
        }),
    ],
    ...made.signatures.map(
      (signature) =>
        ['Sign', () => kms.sign({ ...signature, Message: message })] as [
          string,
          () => Promise<unknown>,
        ],
    ),
    [
      'DeriveSharedSecret',
      () =>
        kms.deriveSharedSecret({
          KeyId: ids.ecdh,
          KeyAgreementAlgorithm: 'ECDH',
          PublicKey: made.peerPublic,
        }),
    ],
    [
      'GenerateDataKeyPair',
      () => kms.generateDataKeyPair({ KeyId: ids.aes, KeyPairSpec: 'ECC_NIST_P256' }),
    ],
    ['CreateKey', () => kms.createKey({})],
    ['RotateKeyOnDemand', () => kms.rotateKeyOnDemand({ KeyId: ids.aes })],
    ['EncryptFile', () => kms.encryptFile({ Input: new Blob([message]), KeyIds: [ids.aes] })],
  ];
}

async function lockedVault() {
  const vault = await openVaultForTest();
  const made = await keysOfEveryKind(vault.kms);
  const setUp = await vault.kms.setUpVaultLock({ Passphrase: PASSPHRASE });
  return { vault, made, setUp };
}

describe('setting up the lock', () => {
  it('without a recovery secret, lists the keys it could not seal, and seals every new version', async () => {
    const { vault, setUp } = await lockedVault();
    expect(setUp.Methods).toEqual(['PASSPHRASE']);
    expect(setUp.IdleMinutes).toBe(15);
    expect(setUp.SealedVersionCount).toBe(0);
    // Made before the lock and before recovery: their bytes were never held, so nothing seals them.
    expect(setUp.UnsealableKeys.map((key) => key.KeySpec).sort()).toEqual(
      [
        'ECC_NIST_EDWARDS25519',
        'ECC_NIST_P256',
        'ECC_NIST_P384',
        'ECC_SECG_P256K1',
        'HMAC_256',
        'RSA_2048',
        'RSA_2048',
        'SYMMETRIC_DEFAULT',
      ].sort(),
    );
    const { KeyMetadata } = await vault.kms.createKey({
      KeySpec: 'ECC_SECG_P256K1',
      KeyUsage: 'SIGN_VERIFY',
    });
    const stored = (await readStore<KeyVersionRecord>(vault.vaultName, 'keyVersions')).find(
      (version) => version.KeyId === KeyMetadata.KeyId,
    )!;
    expect(stored.CryptoKey).toBeUndefined();
    expect(stored.LockSeal).toBeInstanceOf(Uint8Array);
    expect(stored.Asymmetric!.PrivateKeys).toEqual({});
    expect(stored.Asymmetric!.WrappedPrivateKey).toBeUndefined();
    const described = await vault.kms.describeVaultLock({ IncludeKeys: true });
    expect(described).toMatchObject({
      LockSetUp: true,
      Locked: false,
      SealedVersionCount: 1,
      RecoverableUnsealedVersionCount: 0,
    });
    expect(described.UnsealableKeys).toHaveLength(8);
    // Without IncludeKeys no version is read, and the counts are left out (the header's read).
    const cheap = await vault.kms.describeVaultLock();
    expect(cheap).toMatchObject({ LockSetUp: true, Locked: false, Methods: ['PASSPHRASE'] });
    for (const field of [
      'SealedVersionCount',
      'RecoverableUnsealedVersionCount',
      'UnsealableKeys',
    ]) {
      expect(cheap, field).not.toHaveProperty(field);
    }
  });

  it('with the recovery key, seals every version recovery holds: nothing usable is left at rest', async () => {
    const vault = await openVaultForTest();
    const { RecoveryKey } = await vault.kms.setUpRecovery({ GenerateRecoveryKey: true });
    const made = await keysOfEveryKind(vault.kms);
    expect(
      (await vault.kms.describeVaultLock({ IncludeKeys: true })).RecoverableUnsealedVersionCount,
    ).toBe(8);
    const setUp = await vault.kms.setUpVaultLock({
      Passphrase: PASSPHRASE,
      RecoveryKey: RecoveryKey!,
    });
    expect(setUp.SealedVersionCount).toBe(8);
    expect(setUp.UnsealableKeys).toEqual([]);
    for (const version of await readStore<KeyVersionRecord>(vault.vaultName, 'keyVersions')) {
      expect(version.CryptoKey, version.KeyId).toBeUndefined();
      expect(version.LockSeal, version.KeyId).toBeInstanceOf(Uint8Array);
      expect(version.Asymmetric?.PrivateKeys ?? {}).toEqual({});
      expect(version.Asymmetric?.WrappedPrivateKey).toBeUndefined();
      for (const key of Object.values(version.Asymmetric?.PublicKeys ?? {})) {
        expect(key.type).toBe('public');
      }
    }
    // The core that set the lock up is unlocked: everything works, from the seals.
    await expectAllUsable(vault.kms, made);
    await vault.kms.lockVault();
    await vault.kms.unlockVault({ Passphrase: PASSPHRASE });
    await expectAllUsable(vault.kms, made);
  }, 60_000);

  it('refuses a short passphrase, no method, a second lock, and a wrong recovery key, by name', async () => {
    const vault = await openVaultForTest();
    await expectKmsError(vault.kms.setUpVaultLock({ Passphrase: 'short' }), 'ValidationException');
    await expectKmsError(vault.kms.setUpVaultLock({}), 'ValidationException');
    await expectKmsError(
      vault.kms.setUpVaultLock({ Passphrase: PASSPHRASE, IdleMinutes: -1 }),
      'ValidationException',
    );
    await expectKmsError(
      vault.kms.setUpVaultLock({ Passphrase: PASSPHRASE, RecoveryPassphrase: PASSPHRASE }),
      'KMSInvalidStateException',
    );
    await vault.kms.setUpRecovery({ GenerateRecoveryKey: true });
    const other = (await openVaultForTest()).kms;
    const { RecoveryKey: notOurs } = await other.setUpRecovery({ GenerateRecoveryKey: true });
    await expectKmsError(
      vault.kms.setUpVaultLock({ Passphrase: PASSPHRASE, RecoveryKey: notOurs! }),
      'IncorrectKeyException',
    );
    expect((await vault.kms.describeVaultLock()).LockSetUp).toBe(false);
    await vault.kms.setUpVaultLock({ Passphrase: PASSPHRASE });
    await expectKmsError(
      vault.kms.setUpVaultLock({ Passphrase: PASSPHRASE }),
      'KMSInvalidStateException',
    );
  });
});

describe('a locked vault', () => {
  it('answers VaultLockedException, with a record, to every call that needs key material', async () => {
    const { vault, made } = await lockedVault();
    await vault.kms.lockVault();
    for (const [eventName, call] of materialCalls(vault.kms, made)) {
      const error = await expectKmsError(call(), 'VaultLockedException');
      expect(error.message).toMatch(/locked/);
      const last = (await auditRecords(vault.vaultName)).at(-1)!;
      expect(last.eventName, eventName).toBe(eventName);
      expect(last.errorCode, eventName).toBe('VaultLockedException');
    }
  }, 60_000);

  it('keeps serving what needs no key material: list, describe, tags, public keys, verify, audit', async () => {
    const { vault, made } = await lockedVault();
    await vault.kms.lockVault();
    const { kms } = vault;
    expect((await kms.listKeys()).Keys).toHaveLength(8);
    await kms.describeKey({ KeyId: made.ids.aes });
    await kms.tagResource({ KeyId: made.ids.aes, Tags: [{ TagKey: 'a', TagValue: 'b' }] });
    await kms.getPublicKey({ KeyId: made.ids.p256 });
    for (const signature of made.signatures) {
      expect((await kms.verify({ ...signature, Message: made.message })).SignatureValid).toBe(true);
    }
    expect((await kms.verifyAuditLog()).Valid).toBe(true);
    expect((await kms.describeVaultLock()).Locked).toBe(true);
  });

  it('a new core — another tab, or after a browser restart — starts locked', async () => {
    const vault = await openVaultForTest();
    const { RecoveryKey } = await vault.kms.setUpRecovery({ GenerateRecoveryKey: true });
    const made = await keysOfEveryKind(vault.kms);
    await vault.kms.setUpVaultLock({ Passphrase: PASSPHRASE, RecoveryKey: RecoveryKey! });
    vault.kms.close();
    const restarted = await secondCore(vault);
    expect((await restarted.describeVaultLock()).Locked).toBe(true);
    await expectKmsError(restarted.decrypt({ CiphertextBlob: made.blob }), 'VaultLockedException');
    const { UnlockedVersionCount } = await restarted.unlockVault({ Passphrase: PASSPHRASE });
    expect(UnlockedVersionCount).toBe(8);
    expect((await restarted.describeVaultLock()).UnlockedVersionCount).toBe(8);
    await expectAllUsable(restarted, made);
  }, 60_000);

  it('Lock now in one tab locks every tab; each tab unlocks on its own', async () => {
    const { vault, made } = await lockedVault();
    const other = await secondCore(vault);
    expect((await other.describeVaultLock()).Locked).toBe(true);
    await other.unlockVault({ Passphrase: PASSPHRASE });
    await other.encrypt({ KeyId: made.ids.aes, Plaintext: made.message });
    await vault.kms.lockVault();
    await expect.poll(async () => (await other.describeVaultLock()).Locked).toBe(true);
    await expectKmsError(
      other.encrypt({ KeyId: made.ids.aes, Plaintext: made.message }),
      'VaultLockedException',
    );
  });

  it('refuses to restore a backup into it until it is unlocked', async () => {
    const vault = await openVaultForTest();
    const { RecoveryKey } = await vault.kms.setUpRecovery({ GenerateRecoveryKey: true });
    await vault.kms.createKey();
    const { Backup } = await vault.kms.exportVaultBackup();
    const target = await openVaultForTest();
    await target.kms.setUpVaultLock({ Passphrase: PASSPHRASE });
    await target.kms.lockVault();
    await expectKmsError(
      target.kms.restoreVaultBackup({ Backup, RecoveryKey: RecoveryKey! }),
      'VaultLockedException',
    );
    await target.kms.unlockVault({ Passphrase: PASSPHRASE });
    const { RestoredKeyIds } = await target.kms.restoreVaultBackup({
      Backup,
      RecoveryKey: RecoveryKey!,
    });
    expect(RestoredKeyIds).toHaveLength(1);
    const [version] = await readStore<KeyVersionRecord>(target.vaultName, 'keyVersions');
    expect(version!.CryptoKey).toBeUndefined();
    expect(version!.LockSeal).toBeInstanceOf(Uint8Array);
  });
});

describe('unlocking', () => {
  it('refuses a wrong passphrase by name, changes nothing, then makes each next try wait', async () => {
    const { vault, made } = await lockedVault();
    const { kms, clock } = vault;
    await kms.lockVault();
    const versionsBefore = await readStore(vault.vaultName, 'keyVersions');
    for (let attempt = 1; attempt <= 3; attempt++) {
      await expectKmsError(
        kms.unlockVault({ Passphrase: OTHER_PASSPHRASE }),
        'IncorrectKeyException',
      );
    }
    const described = await kms.describeVaultLock();
    expect(described.Locked).toBe(true);
    expect(described.FailedAttempts).toBe(3);
    expect(described.NextAttemptDate).toEqual(new Date(clock.now().getTime() + 10_000));
    // Even the right passphrase waits.
    const waiting = await expectKmsError(
      kms.unlockVault({ Passphrase: PASSPHRASE }),
      'LimitExceededException',
    );
    expect(waiting.message).toContain(described.NextAttemptDate!.toISOString());
    clock.advanceMs(10_000);
    await expectKmsError(
      kms.unlockVault({ Passphrase: OTHER_PASSPHRASE }),
      'IncorrectKeyException',
    );
    // The wait doubles.
    expect((await kms.describeVaultLock()).NextAttemptDate).toEqual(
      new Date(clock.now().getTime() + 20_000),
    );
    clock.advanceMs(20_000);
    await kms.unlockVault({ Passphrase: PASSPHRASE });
    expect((await kms.describeVaultLock()).FailedAttempts).toBe(0);
    expect(await readStore(vault.vaultName, 'keyVersions')).toEqual(versionsBefore);
    await kms.encrypt({ KeyId: made.ids.aes, Plaintext: made.message });
  });

  it("locks by itself after the idle time, with a service event; the UI's background reads do not count", async () => {
    const { vault, made } = await lockedVault();
    const { kms, clock } = vault;
    await kms.changeVaultLock({ Passphrase: PASSPHRASE, IdleMinutes: 5 });
    clock.advanceMs(4 * 60_000);
    await kms.encrypt({ KeyId: made.ids.aes, Plaintext: made.message });
    clock.advanceMs(4 * 60_000);
    await kms.as('pocket-kms-ui/background').listKeys();
    clock.advanceMs(60_000);
    await expectKmsError(
      kms.encrypt({ KeyId: made.ids.aes, Plaintext: made.message }),
      'VaultLockedException',
    );
    const records = await auditRecords(vault.vaultName);
    const autoLock = records.find(
      (record) => record.eventName === 'LockVault' && record.eventType === 'AwsServiceEvent',
    )!;
    expect(autoLock.additionalEventData).toEqual({ reason: 'IDLE' });
    // Housekeeping locks an idle core too, without any call.
    await kms.unlockVault({ Passphrase: PASSPHRASE });
    clock.advanceMs(5 * 60_000);
    expect(await kms.runHousekeeping()).toBe(1);
    expect((await kms.describeVaultLock()).Locked).toBe(true);
  });

  it('with IdleMinutes 0 never locks by itself', async () => {
    const vault = await openVaultForTest();
    const { KeyMetadata } = await vault.kms.createKey();
    await vault.kms.setUpVaultLock({ Passphrase: PASSPHRASE, IdleMinutes: 0 });
    vault.clock.advanceDays(30);
    await vault.kms.encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: utf8('x') });
  });
});

describe('passkeys (the PRF output as the page hands it over)', () => {
  const enrolment = () => ({
    CredentialId: 'Y3JlZGVudGlhbC1vbmU',
    PrfSalt: crypto.getRandomValues(new Uint8Array(32)),
    PrfOutput: crypto.getRandomValues(new Uint8Array(32)),
  });

  it('unlocks with the same PRF output, refuses another output or credential, and never stores it', async () => {
    const vault = await openVaultForTest();
    const { KeyMetadata } = await vault.kms.createKey();
    const passkey = enrolment();
    const output = new Uint8Array(passkey.PrfOutput);
    await vault.kms.setUpVaultLock({ Passkey: passkey });
    const { kms } = vault;
    const described = await kms.describeVaultLock();
    expect(described.Methods).toEqual(['PASSKEY']);
    expect(described.Passkey).toEqual({
      CredentialId: passkey.CredentialId,
      PrfSalt: passkey.PrfSalt,
    });
    await kms.lockVault();
    await expectKmsError(
      kms.unlockVault({
        Passkey: {
          CredentialId: passkey.CredentialId,
          PrfOutput: crypto.getRandomValues(new Uint8Array(32)),
        },
      }),
      'IncorrectKeyException',
    );
    await expectKmsError(
      kms.unlockVault({ Passkey: { CredentialId: 'b3RoZXI', PrfOutput: new Uint8Array(output) } }),
      'IncorrectKeyException',
    );
    await expectKmsError(
      kms.unlockVault({
        Passkey: { CredentialId: passkey.CredentialId, PrfOutput: new Uint8Array(16) },
      }),
      'ValidationException',
    );
    await expectKmsError(kms.unlockVault({ Passphrase: PASSPHRASE }), 'ValidationException');
    await kms.unlockVault({
      Passkey: { CredentialId: passkey.CredentialId, PrfOutput: new Uint8Array(output) },
    });
    await kms.encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: utf8('x') });
    // Neither the PRF output nor the passphrase is anywhere in the vault or its audit log.
    const everything = JSON.stringify(
      [
        ...(await readStore(vault.vaultName, 'vault')),
        ...(await readStore(vault.vaultName, 'audit')),
      ],
      (_key, value: unknown) => (value instanceof Uint8Array ? toHex(value) : value),
    );
    expect(everything).not.toContain(toHex(output));
    const audit = JSON.stringify(await readStore(vault.vaultName, 'audit'));
    expect(audit).toContain('(secret, not logged)');
  });
});

describe('changing and removing the lock', () => {
  it('change needs the current secret; swaps the passphrase for a passkey; keeps the keys', async () => {
    const { vault, made } = await lockedVault();
    const { kms } = vault;
    await expectKmsError(
      kms.changeVaultLock({ Passphrase: OTHER_PASSPHRASE, NewPassphrase: OTHER_PASSPHRASE }),
      'IncorrectKeyException',
    );
    await expectKmsError(
      kms.changeVaultLock({ Passphrase: PASSPHRASE, RemovePassphrase: true }),
      'ValidationException',
    );
    const passkey = {
      CredentialId: 'a2V5',
      PrfSalt: crypto.getRandomValues(new Uint8Array(32)),
      PrfOutput: crypto.getRandomValues(new Uint8Array(32)),
    };
    const output = new Uint8Array(passkey.PrfOutput);
    const changed = await kms.changeVaultLock({
      Passphrase: PASSPHRASE,
      NewPasskey: passkey,
      RemovePassphrase: true,
    });
    expect(changed.Methods).toEqual(['PASSKEY']);
    const { Lock } = (await readStore<VaultRecord>(vault.vaultName, 'vault'))[0]!;
    expect(Lock!.PassphraseSeal).toBeUndefined();
    await kms.lockVault();
    await expectKmsError(kms.unlockVault({ Passphrase: PASSPHRASE }), 'ValidationException');
    await kms.unlockVault({ Passkey: { CredentialId: 'a2V5', PrfOutput: output } });
    await kms.encrypt({ KeyId: made.ids.aes, Plaintext: made.message });
  });

  it('remove needs the current secret, then stores every version as CryptoKeys again', async () => {
    const vault = await openVaultForTest();
    const { RecoveryKey } = await vault.kms.setUpRecovery({ GenerateRecoveryKey: true });
    const made = await keysOfEveryKind(vault.kms);
    await vault.kms.setUpVaultLock({ Passphrase: PASSPHRASE, RecoveryKey: RecoveryKey! });
    await expectKmsError(
      vault.kms.removeVaultLock({ Passphrase: OTHER_PASSPHRASE }),
      'IncorrectKeyException',
    );
    expect((await vault.kms.describeVaultLock()).LockSetUp).toBe(true);
    const { UnsealedVersionCount } = await vault.kms.removeVaultLock({ Passphrase: PASSPHRASE });
    expect(UnsealedVersionCount).toBe(8);
    for (const version of await readStore<KeyVersionRecord>(vault.vaultName, 'keyVersions')) {
      expect(version.LockSeal).toBeUndefined();
      expect(version.CryptoKey).toBeInstanceOf(CryptoKey);
      expect(version.CryptoKey!.extractable).toBe(false);
    }
    const next = await secondCore(vault);
    expect(await next.describeVaultLock()).toMatchObject({ LockSetUp: false, Locked: false });
    await expectAllUsable(next, made);
    await expectKmsError(next.lockVault(), 'KMSInvalidStateException');
  }, 60_000);
});

describe('importing key material under a lock', () => {
  it('keeps the wrapping key in the core only: an import works, until the core locks', async () => {
    const vault = await openVaultForTest();
    const { KeyMetadata } = await vault.kms.createKey({ Origin: 'EXTERNAL' });
    await vault.kms.setUpVaultLock({ Passphrase: PASSPHRASE });
    const wrap = async () => {
      const parameters = await vault.kms.getParametersForImport({
        KeyId: KeyMetadata.KeyId,
        WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
        WrappingKeySpec: 'RSA_2048',
      });
      const [stored] = await readStore<ImportParametersRecord>(vault.vaultName, 'importParameters');
      expect(stored!.ImportToken).toEqual(parameters.ImportToken);
      expect(stored!.PrivateKey).toBeUndefined();
      const publicKey = await crypto.subtle.importKey(
        'spki',
        new Uint8Array(parameters.PublicKey),
        { name: 'RSA-OAEP', hash: 'SHA-256' },
        false,
        ['encrypt'],
      );
      const material = new Uint8Array(32).fill(7);
      return {
        ImportToken: parameters.ImportToken,
        EncryptedKeyMaterial: new Uint8Array(
          await crypto.subtle.encrypt({ name: 'RSA-OAEP' }, publicKey, material),
        ),
      };
    };
    const first = await wrap();
    await vault.kms.lockVault();
    await vault.kms.unlockVault({ Passphrase: PASSPHRASE });
    await expectKmsError(
      vault.kms.importKeyMaterial({
        KeyId: KeyMetadata.KeyId,
        ...first,
        ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
      }),
      'InvalidImportTokenException',
    );
    await vault.kms.importKeyMaterial({
      KeyId: KeyMetadata.KeyId,
      ...(await wrap()),
      ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
    });
    const [version] = await readStore<KeyVersionRecord>(vault.vaultName, 'keyVersions');
    expect(version!.CryptoKey).toBeUndefined();
    await vault.kms.encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: utf8('imported') });
    await vault.kms.lockVault();
    await expectKmsError(
      vault.kms.getParametersForImport({
        KeyId: KeyMetadata.KeyId,
        WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
        WrappingKeySpec: 'RSA_2048',
      }),
      'VaultLockedException',
    );
  });
});

describe('keys that cannot be sealed', () => {
  it('rotation gives an unsealable key a sealed version; the old one stays listed', async () => {
    const vault = await openVaultForTest();
    const { KeyMetadata } = await vault.kms.createKey();
    const old = await vault.kms.encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: utf8('old') });
    await vault.kms.setUpVaultLock({ Passphrase: PASSPHRASE });
    await vault.kms.rotateKeyOnDemand({ KeyId: KeyMetadata.KeyId });
    const described = await vault.kms.describeVaultLock({ IncludeKeys: true });
    expect(described.SealedVersionCount).toBe(1);
    expect(described.UnsealableKeys).toEqual([
      {
        KeyId: KeyMetadata.KeyId,
        KeySpec: 'SYMMETRIC_DEFAULT',
        KeyState: 'Enabled',
        Versions: [1],
      },
    ]);
    // Both versions work while unlocked, and neither while locked.
    await vault.kms.decrypt({ CiphertextBlob: old.CiphertextBlob });
    await vault.kms.lockVault();
    await expectKmsError(
      vault.kms.decrypt({ CiphertextBlob: old.CiphertextBlob }),
      'VaultLockedException',
    );
  });

  it('a rotation that comes due while locked waits for the next unlock', async () => {
    const clock = new ManualClock();
    const vault = await openVaultForTest(clock);
    const { KeyMetadata } = await vault.kms.createKey();
    await vault.kms.enableKeyRotation({ KeyId: KeyMetadata.KeyId, RotationPeriodInDays: 90 });
    await vault.kms.setUpVaultLock({ Passphrase: PASSPHRASE, IdleMinutes: 0 });
    await vault.kms.lockVault();
    clock.advanceDays(91);
    expect(await vault.kms.runHousekeeping()).toBe(0);
    await vault.kms.unlockVault({ Passphrase: PASSPHRASE });
    expect(await vault.kms.runHousekeeping()).toBe(1);
    const { Rotations } = await vault.kms.listKeyRotations({ KeyId: KeyMetadata.KeyId });
    expect(Rotations).toHaveLength(1);
  });
});
