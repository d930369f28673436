/**
 * Validation at the door, through the KMS API (issue 2: "each out-of-range parameter →
 * ValidationException naming the parameter"), alias and tag rules, and unsupported key specs.
 * Each case also proves the refusal changed nothing (no key, alias, tag or version appeared).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyMetadata, Tag } from '../../workers/api.ts';
import type { KmsErrorName } from '../../workers/errors.ts';
import {
  expectKmsError,
  openTestVault,
  readStore,
  utf8,
  type StoreName,
  type TestVault,
} from './support/vault.ts';

let vault: TestVault;
let key: KeyMetadata;

beforeAll(async () => {
  vault = await openTestVault();
  key = (await vault.kms.createKey({ Description: 'parameters' })).KeyMetadata;
  await vault.kms.createAlias({ AliasName: 'alias/taken', TargetKeyId: key.KeyId });
});
afterAll(() => vault.dispose());

const STATE_STORES: StoreName[] = ['keys', 'keyVersions', 'aliases'];

async function vaultState(): Promise<string> {
  const parts: unknown[] = [];
  for (const store of STATE_STORES) {
    const records = await readStore<Record<string, unknown>>(vault.vaultName, store);
    // CryptoKeys do not stringify; the rest of each record does.
    parts.push(records.map(({ CryptoKey: _key, ...rest }) => rest));
  }
  return JSON.stringify(parts);
}

/** Runs `call`, expects `name`, a message naming `parameter` (if given), and no state change. */
async function refused(
  call: () => Promise<unknown>,
  name: KmsErrorName,
  parameter?: string,
): Promise<void> {
  const before = await vaultState();
  const error = await expectKmsError(call(), name);
  if (parameter !== undefined)
    expect(error.message.toLowerCase()).toContain(parameter.toLowerCase());
  expect(await vaultState()).toBe(before);
}

const tags = (n: number, prefix = 'k'): Tag[] =>
  Array.from({ length: n }, (_, i) => ({ TagKey: `${prefix}${i}`, TagValue: 'v' }));

describe('out-of-range parameters → ValidationException naming the parameter', () => {
  const cases: [string, () => Promise<unknown>, string][] = [
    [
      'encrypt Plaintext of 0 bytes',
      () => vault.kms.encrypt({ KeyId: key.KeyId, Plaintext: new Uint8Array(0) }),
      'plaintext',
    ],
    [
      'encrypt Plaintext of 4097 bytes',
      () => vault.kms.encrypt({ KeyId: key.KeyId, Plaintext: new Uint8Array(4097) }),
      'plaintext',
    ],
    [
      'encrypt without Plaintext',
      () => vault.kms.encrypt({ KeyId: key.KeyId } as never),
      'plaintext',
    ],
    [
      'encrypt with Plaintext as a string',
      () => vault.kms.encrypt({ KeyId: key.KeyId, Plaintext: 'text' as never }),
      'plaintext',
    ],
    ['encrypt without KeyId', () => vault.kms.encrypt({ Plaintext: utf8('x') } as never), 'keyId'],
    [
      'encrypt with an unknown EncryptionAlgorithm',
      () =>
        vault.kms.encrypt({ KeyId: key.KeyId, Plaintext: utf8('x'), EncryptionAlgorithm: 'AES' }),
      'encryptionAlgorithm',
    ],
    [
      'encrypt with a non-string context value',
      () =>
        vault.kms.encrypt({
          KeyId: key.KeyId,
          Plaintext: utf8('x'),
          EncryptionContext: { a: 1 as never },
        }),
      'encryptionContext',
    ],
    [
      'encrypt with a context over 8192 bytes',
      () =>
        vault.kms.encrypt({
          KeyId: key.KeyId,
          Plaintext: utf8('x'),
          EncryptionContext: { k: 'v'.repeat(8186) },
        }),
      'encryptionContext',
    ],
    [
      'generateDataKey NumberOfBytes 0',
      () => vault.kms.generateDataKey({ KeyId: key.KeyId, NumberOfBytes: 0 }),
      'numberOfBytes',
    ],
    [
      'generateDataKey NumberOfBytes 1025',
      () => vault.kms.generateDataKey({ KeyId: key.KeyId, NumberOfBytes: 1025 }),
      'numberOfBytes',
    ],
    [
      'generateDataKey NumberOfBytes 1.5',
      () => vault.kms.generateDataKey({ KeyId: key.KeyId, NumberOfBytes: 1.5 }),
      'numberOfBytes',
    ],
    [
      'generateDataKey with both KeySpec and NumberOfBytes',
      () => vault.kms.generateDataKey({ KeyId: key.KeyId, KeySpec: 'AES_256', NumberOfBytes: 32 }),
      'NumberOfBytes',
    ],
    [
      'generateDataKey with neither KeySpec nor NumberOfBytes',
      () => vault.kms.generateDataKey({ KeyId: key.KeyId }),
      'NumberOfBytes',
    ],
    [
      'generateDataKey KeySpec AES_512',
      () => vault.kms.generateDataKey({ KeyId: key.KeyId, KeySpec: 'AES_512' }),
      'keySpec',
    ],
    [
      'generateDataKeyWithoutPlaintext NumberOfBytes 1025',
      () => vault.kms.generateDataKeyWithoutPlaintext({ KeyId: key.KeyId, NumberOfBytes: 1025 }),
      'numberOfBytes',
    ],
    [
      'generateDataKeyWithoutPlaintext with neither',
      () => vault.kms.generateDataKeyWithoutPlaintext({ KeyId: key.KeyId }),
      'NumberOfBytes',
    ],
    [
      'generateRandom NumberOfBytes 0',
      () => vault.kms.generateRandom({ NumberOfBytes: 0 }),
      'numberOfBytes',
    ],
    [
      'generateRandom NumberOfBytes 1025',
      () => vault.kms.generateRandom({ NumberOfBytes: 1025 }),
      'numberOfBytes',
    ],
    [
      'generateRandom without NumberOfBytes',
      () => vault.kms.generateRandom({} as never),
      'numberOfBytes',
    ],
    [
      'scheduleKeyDeletion PendingWindowInDays 6',
      () => vault.kms.scheduleKeyDeletion({ KeyId: key.KeyId, PendingWindowInDays: 6 }),
      'pendingWindowInDays',
    ],
    [
      'scheduleKeyDeletion PendingWindowInDays 31',
      () => vault.kms.scheduleKeyDeletion({ KeyId: key.KeyId, PendingWindowInDays: 31 }),
      'pendingWindowInDays',
    ],
    [
      'enableKeyRotation RotationPeriodInDays 89',
      () => vault.kms.enableKeyRotation({ KeyId: key.KeyId, RotationPeriodInDays: 89 }),
      'rotationPeriodInDays',
    ],
    [
      'enableKeyRotation RotationPeriodInDays 2561',
      () => vault.kms.enableKeyRotation({ KeyId: key.KeyId, RotationPeriodInDays: 2561 }),
      'rotationPeriodInDays',
    ],
    ['listKeys Limit 0', () => vault.kms.listKeys({ Limit: 0 }), 'limit'],
    ['listKeys Limit 1001', () => vault.kms.listKeys({ Limit: 1001 }), 'limit'],
    ['listAliases Limit 0', () => vault.kms.listAliases({ Limit: 0 }), 'limit'],
    [
      'listKeyRotations Limit 1001',
      () => vault.kms.listKeyRotations({ KeyId: key.KeyId, Limit: 1001 }),
      'limit',
    ],
    [
      'listResourceTags Limit 0',
      () => vault.kms.listResourceTags({ KeyId: key.KeyId, Limit: 0 }),
      'limit',
    ],
    [
      'listResourceTags Limit 51 (AWS: 1–50)',
      () => vault.kms.listResourceTags({ KeyId: key.KeyId, Limit: 51 }),
      'limit',
    ],
    ['listAliases Limit 101 (AWS: 1–100)', () => vault.kms.listAliases({ Limit: 101 }), 'limit'],
    ['listAuditEvents Limit 1001', () => vault.kms.listAuditEvents({ Limit: 1001 }), 'limit'],
    [
      'listAuditEvents StartTime not a Date',
      () => vault.kms.listAuditEvents({ StartTime: 'yesterday' as never }),
      'startTime',
    ],
    [
      'createKey Description of 8193 characters',
      () => vault.kms.createKey({ Description: 'd'.repeat(8193) }),
      'description',
    ],
    [
      'updateKeyDescription of 8193 characters',
      () => vault.kms.updateKeyDescription({ KeyId: key.KeyId, Description: 'd'.repeat(8193) }),
      'description',
    ],
    [
      'updateKeyDescription without Description',
      () => vault.kms.updateKeyDescription({ KeyId: key.KeyId } as never),
      'description',
    ],
    [
      'createKey KeyUsage SIGN_VERIFY for SYMMETRIC_DEFAULT',
      () => vault.kms.createKey({ KeyUsage: 'SIGN_VERIFY' }),
      'KeyUsage',
    ],
    [
      'createKey with an unknown KeySpec',
      () => vault.kms.createKey({ KeySpec: 'AES_999' }),
      'keySpec',
    ],
    [
      'createKey with a tag key of 129 characters',
      () => vault.kms.createKey({ Tags: [{ TagKey: 'k'.repeat(129), TagValue: '' }] }),
      'tagKey',
    ],
    [
      'createKey with a tag value of 257 characters',
      () => vault.kms.createKey({ Tags: [{ TagKey: 'k', TagValue: 'v'.repeat(257) }] }),
      'tagValue',
    ],
    [
      'tagResource with a tag key of 129 characters',
      () =>
        vault.kms.tagResource({
          KeyId: key.KeyId,
          Tags: [{ TagKey: 'k'.repeat(129), TagValue: '' }],
        }),
      'tagKey',
    ],
    [
      'tagResource with a tag value of 257 characters',
      () =>
        vault.kms.tagResource({
          KeyId: key.KeyId,
          Tags: [{ TagKey: 'k', TagValue: 'v'.repeat(257) }],
        }),
      'tagValue',
    ],
    [
      'tagResource without Tags',
      () => vault.kms.tagResource({ KeyId: key.KeyId } as never),
      'tags',
    ],
    [
      'untagResource without TagKeys',
      () => vault.kms.untagResource({ KeyId: key.KeyId } as never),
      'tagKeys',
    ],
    [
      'createAlias with a 257-character name',
      () =>
        vault.kms.createAlias({ AliasName: `alias/${'a'.repeat(251)}`, TargetKeyId: key.KeyId }),
      'aliasName',
    ],
    [
      'createAlias targeting an alias instead of a key',
      () => vault.kms.createAlias({ AliasName: 'alias/second', TargetKeyId: 'alias/taken' }),
      'targetKeyId',
    ],
    [
      'describeKey with a KeyId of 2049 characters',
      () => vault.kms.describeKey({ KeyId: 'k'.repeat(2049) }),
      'keyId',
    ],
    ['describeKey with an empty KeyId', () => vault.kms.describeKey({ KeyId: '' }), 'keyId'],
    [
      'decrypt with an empty CiphertextBlob',
      () => vault.kms.decrypt({ CiphertextBlob: new Uint8Array(0) }),
      'ciphertextBlob',
    ],
    [
      'decrypt with a CiphertextBlob of 6145 bytes',
      () => vault.kms.decrypt({ CiphertextBlob: new Uint8Array(6145) }),
      'ciphertextBlob',
    ],
    [
      'reEncrypt without DestinationKeyId',
      () => vault.kms.reEncrypt({ CiphertextBlob: new Uint8Array(60) } as never),
      'destinationKeyId',
    ],
  ];

  it.each(cases)('%s', async (_what, call, parameter) => {
    await refused(call, 'ValidationException', parameter);
  });

  it('accepts the ends of each range', async () => {
    const { kms } = vault;
    await kms.encrypt({ KeyId: key.KeyId, Plaintext: new Uint8Array(1) });
    await kms.encrypt({ KeyId: key.KeyId, Plaintext: new Uint8Array(4096) });
    expect(
      (await kms.generateDataKey({ KeyId: key.KeyId, NumberOfBytes: 1 })).Plaintext.length,
    ).toBe(1);
    expect(
      (await kms.generateDataKey({ KeyId: key.KeyId, NumberOfBytes: 1024 })).Plaintext.length,
    ).toBe(1024);
    expect((await kms.generateRandom({ NumberOfBytes: 1 })).Plaintext.length).toBe(1);
    expect((await kms.generateRandom({ NumberOfBytes: 1024 })).Plaintext.length).toBe(1024);
    await kms.listKeys({ Limit: 1 });
    await kms.listKeys({ Limit: 1000 });
    const { KeyMetadata } = await kms.createKey({
      Description: 'd'.repeat(8192),
      Tags: [{ TagKey: 'k'.repeat(128), TagValue: 'v'.repeat(256) }],
    });
    await kms.enableKeyRotation({ KeyId: KeyMetadata.KeyId, RotationPeriodInDays: 90 });
    await kms.enableKeyRotation({ KeyId: KeyMetadata.KeyId, RotationPeriodInDays: 2560 });
    expect(
      (await kms.scheduleKeyDeletion({ KeyId: KeyMetadata.KeyId, PendingWindowInDays: 7 }))
        .PendingWindowInDays,
    ).toBe(7);
    await kms.cancelKeyDeletion({ KeyId: KeyMetadata.KeyId });
    expect(
      (await kms.scheduleKeyDeletion({ KeyId: KeyMetadata.KeyId, PendingWindowInDays: 30 }))
        .PendingWindowInDays,
    ).toBe(30);
  });
});

describe('unsupported key specs', () => {
  // AWS key specs this build refuses on purpose (workers/key-specs.ts, UNSUPPORTED_KEY_SPECS).
  // KeyUsage is given: without it AWS refuses every non-symmetric spec first (ValidationException,
  // tests/browser/aws-fidelity.test.ts).
  it.each([
    ['SM2', 'SIGN_VERIFY'],
    ['HMAC_224', 'GENERATE_VERIFY_MAC'],
    ['ML_DSA_44', 'SIGN_VERIFY'],
    ['ML_DSA_65', 'SIGN_VERIFY'],
    ['ML_DSA_87', 'SIGN_VERIFY'],
  ])(
    'createKey KeySpec %s → UnsupportedOperationException, and no key is made',
    async (keySpec, keyUsage) => {
      await refused(
        () => vault.kms.createKey({ KeySpec: keySpec, KeyUsage: keyUsage }),
        'UnsupportedOperationException',
      );
    },
  );

  // Origin EXTERNAL takes symmetric keys only (tests/browser/byok.test.ts covers the import).
  it.each([
    { Origin: 'EXTERNAL', KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' },
    { Origin: 'AWS_CLOUDHSM' },
    { Origin: 'EXTERNAL_KEY_STORE' },
  ])('createKey %o → UnsupportedOperationException, and no key is made', async (request) => {
    await refused(() => vault.kms.createKey(request), 'UnsupportedOperationException');
  });

  it('encrypt with an RSA EncryptionAlgorithm on a symmetric key → InvalidKeyUsageException', async () => {
    await refused(
      () =>
        vault.kms.encrypt({
          KeyId: key.KeyId,
          Plaintext: utf8('x'),
          EncryptionAlgorithm: 'RSAES_OAEP_SHA_256',
        }),
      'InvalidKeyUsageException',
    );
  });
});

describe('alias rules', () => {
  it.each([
    ['bad characters', 'alias/has space'],
    ['a dot', 'alias/a.b'],
    ['the bare prefix', 'alias/'],
    ['the reserved alias/aws/ prefix', 'alias/aws/s3'],
  ])('createAlias with %s → InvalidAliasNameException', async (_what, aliasName) => {
    await refused(
      () => vault.kms.createAlias({ AliasName: aliasName, TargetKeyId: key.KeyId }),
      'InvalidAliasNameException',
    );
  });

  // AWS answers a name without the prefix with its own ValidationException (LocalStack snapshot
  // test_create_alias; the exact message is in tests/browser/aws-fidelity.test.ts).
  it('createAlias with a missing alias/ prefix → ValidationException', async () => {
    await refused(
      () => vault.kms.createAlias({ AliasName: 'my-alias', TargetKeyId: key.KeyId }),
      'ValidationException',
    );
  });

  it('createAlias with a name already taken → AlreadyExistsException', async () => {
    const other = (await vault.kms.createKey()).KeyMetadata;
    await refused(
      () => vault.kms.createAlias({ AliasName: 'alias/taken', TargetKeyId: other.KeyId }),
      'AlreadyExistsException',
    );
  });

  it('updateAlias and deleteAlias of a missing alias → NotFoundException; so does using it as a KeyId', async () => {
    await refused(
      () => vault.kms.updateAlias({ AliasName: 'alias/missing', TargetKeyId: key.KeyId }),
      'NotFoundException',
    );
    await refused(() => vault.kms.deleteAlias({ AliasName: 'alias/missing' }), 'NotFoundException');
    await refused(
      () => vault.kms.encrypt({ KeyId: 'alias/missing', Plaintext: utf8('x') }),
      'NotFoundException',
    );
    await refused(
      () =>
        vault.kms.describeKey({ KeyId: `arn:pkms:kms:local:${vault.kms.vaultId}:alias/missing` }),
      'NotFoundException',
    );
  });

  it('createAlias targeting a missing key → NotFoundException', async () => {
    await refused(
      () => vault.kms.createAlias({ AliasName: 'alias/orphan', TargetKeyId: crypto.randomUUID() }),
      'NotFoundException',
    );
  });

  it('createAlias, updateAlias to another key, and deleteAlias change what the alias names', async () => {
    const { kms } = vault;
    const first = (await kms.createKey()).KeyMetadata;
    const second = (await kms.createKey()).KeyMetadata;
    await kms.createAlias({ AliasName: 'alias/moving', TargetKeyId: first.Arn });
    expect((await kms.describeKey({ KeyId: 'alias/moving' })).KeyMetadata.KeyId).toBe(first.KeyId);
    await kms.updateAlias({ AliasName: 'alias/moving', TargetKeyId: second.KeyId });
    expect((await kms.describeKey({ KeyId: 'alias/moving' })).KeyMetadata.KeyId).toBe(second.KeyId);
    await kms.deleteAlias({ AliasName: 'alias/moving' });
    await expectKmsError(kms.describeKey({ KeyId: 'alias/moving' }), 'NotFoundException');
  });
});

describe('tag rules', () => {
  it('tagResource with an aws: key → TagException (any case)', async () => {
    await refused(
      () =>
        vault.kms.tagResource({
          KeyId: key.KeyId,
          Tags: [{ TagKey: 'aws:owner', TagValue: 'me' }],
        }),
      'TagException',
    );
    await refused(
      () =>
        vault.kms.tagResource({
          KeyId: key.KeyId,
          Tags: [{ TagKey: 'AWS:owner', TagValue: 'me' }],
        }),
      'TagException',
    );
    await refused(
      () => vault.kms.createKey({ Tags: [{ TagKey: 'aws:x', TagValue: '' }] }),
      'TagException',
    );
    await refused(
      () => vault.kms.untagResource({ KeyId: key.KeyId, TagKeys: ['aws:owner'] }),
      'TagException',
    );
  });

  // LocalStack snapshot test_create_key_with_too_many_tags_raises_error.
  it('createKey with 51 tags → TagException', async () => {
    await refused(() => vault.kms.createKey({ Tags: tags(51) }), 'TagException');
  });

  it('tagResource past 50 tags in all → LimitExceededException; 50 are fine; overwriting does not count twice', async () => {
    const { kms } = vault;
    const { KeyMetadata } = await kms.createKey({ Tags: tags(30, 'a') });
    await refused(
      () => kms.tagResource({ KeyId: KeyMetadata.KeyId, Tags: tags(21, 'b') }),
      'LimitExceededException',
    );
    await kms.tagResource({ KeyId: KeyMetadata.KeyId, Tags: tags(20, 'b') });
    await kms.tagResource({
      KeyId: KeyMetadata.KeyId,
      Tags: [{ TagKey: 'a0', TagValue: 'changed' }],
    });
    const listed = await kms.listResourceTags({ KeyId: KeyMetadata.KeyId, Limit: 50 });
    expect(listed.Tags).toHaveLength(50);
    expect(listed.Tags.find((tag) => tag.TagKey === 'a0')?.TagValue).toBe('changed');
    await refused(
      () =>
        kms.tagResource({ KeyId: KeyMetadata.KeyId, Tags: [{ TagKey: 'one-more', TagValue: '' }] }),
      'LimitExceededException',
    );
    await kms.untagResource({ KeyId: KeyMetadata.KeyId, TagKeys: ['a0', 'b0'] });
    expect((await kms.listResourceTags({ KeyId: KeyMetadata.KeyId, Limit: 50 })).Tags).toHaveLength(
      48,
    );
  });
});
