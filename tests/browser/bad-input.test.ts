/**
 * Issue 10 §3: every bad input gets a named error, exactly one audit record, and no damage.
 *
 * A property sweep over EVERY operation of KMS_OPERATIONS, against the core directly (no
 * client, so nothing is refused before the core sees it): requests with wrong types, missing
 * and extra fields, huge values, ill-formed strings, invalid dates, cycles, deep nesting and
 * arrays instead of objects. For every case: it settles within 10 s; a rejection is a KmsError
 * whose name is in KMS_ERROR_NAMES and is not KMSInternalException; the audit log grows by
 * exactly one record. Afterwards: no record is 64 KiB or larger, the chain verifies, and a key
 * created before the sweep still encrypts and decrypts. Fixed seed, so every run is the same.
 *
 * Then the §3 cases that were measured broken, each spelled out.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KMS_OPERATIONS, type KmsOperation } from '../../workers/api.ts';
import { KMS_ERROR_NAMES, KmsError } from '../../workers/errors.ts';
import type { Kms } from '../../workers/kms/kms.ts';
import {
  auditCount,
  auditRecords,
  expectKmsError,
  openVaultForTest,
  utf8,
  type TestVault,
} from './support/vault.ts';

const SEED = 20_260_310;
/** Cases per operation: 40 for each operation of KMS_OPERATIONS (54 today: 2,160 cases). */
const RUNS_PER_OPERATION = 40;
const SETTLE_MS = 10_000;
const RECORD_LIMIT = 64 * 1024;

// --- what a bad request is made of -------------------------------------------------------------

/** Parameter names the operations read (AWS's), plus a few they do not. */
const FIELDS = [
  'KeyId',
  'KeyIds',
  'Plaintext',
  'CiphertextBlob',
  'EncryptionContext',
  'SourceEncryptionContext',
  'DestinationEncryptionContext',
  'DestinationKeyId',
  'SourceKeyId',
  'KeySpec',
  'KeyUsage',
  'KeyPairSpec',
  'Origin',
  'Description',
  'Tags',
  'TagKeys',
  'AliasName',
  'TargetKeyId',
  'NumberOfBytes',
  'Input',
  'OutputId',
  'FrameLength',
  'Limit',
  'Marker',
  'PendingWindowInDays',
  'RotationPeriodInDays',
  'SigningAlgorithm',
  'Message',
  'MessageType',
  'Signature',
  'SignatureFile',
  'MacAlgorithm',
  'Mac',
  'KeyAgreementAlgorithm',
  'PublicKey',
  'ImportToken',
  'EncryptedKeyMaterial',
  'WrappingAlgorithm',
  'WrappingKeySpec',
  'EncryptionAlgorithm',
  'StartTime',
  'EndTime',
  'EventName',
  'ErrorsOnly',
  'GrantTokens',
  'DryRun',
  // never read by any operation
  'Unknown',
  'keyId',
  '__proto__',
  'constructor',
] as const;

/** Shared so the sweep does not allocate megabytes per case. */
const HUGE = 'A'.repeat(1_000_000);
const LARGE_BYTES = new Uint8Array(512 * 1024);

/** Plausible values, so some cases get past the first checks (never the control key's id). */
const plausible = fc.constantFrom<unknown>(
  'SYMMETRIC_DEFAULT',
  'HMAC_256',
  'ECC_NIST_P256',
  'ENCRYPT_DECRYPT',
  'SIGN_VERIFY',
  'GENERATE_VERIFY_MAC',
  'ECDSA_SHA_256',
  'ED25519_SHA_512',
  'HMAC_SHA_256',
  'RAW',
  'DIGEST',
  'AWS_KMS',
  'EXTERNAL',
  'ECDH',
  'RSAES_OAEP_SHA_256',
  'alias/sweep',
  'alias/aws/x',
  'arn:aws:kms:local:000000000000:key/00000000-0000-4000-8000-000000000000',
  '00000000-0000-4000-8000-000000000000',
  'Encrypt',
  7,
  32,
  1024,
);

const illFormed = fc.constantFrom('\uD800', '\uDC00', 'a\uDFFFb', 'x\uDBFF', '\uDC00\uD800');

/** A fresh cyclic value per case (never shared between cases). */
const cyclic = fc.constantFrom('object', 'array', 'context').map((kind): unknown => {
  if (kind === 'array') {
    const list: unknown[] = ['a'];
    list.push(list);
    return list;
  }
  const object: Record<string, unknown> = { a: 'b' };
  object.self = kind === 'object' ? object : { back: object };
  return object;
});

const nested = fc.integer({ min: 20, max: 60 }).map((levels): unknown => {
  let value: unknown = 'leaf';
  for (let level = 0; level < levels; level++) value = level % 2 ? [value] : { Inner: value };
  return value;
});

const huge = fc.constantFrom<unknown>(
  HUGE,
  HUGE.slice(0, 300_000) + '\uD800',
  LARGE_BYTES,
  new Blob([LARGE_BYTES]),
  Array.from({ length: 5_000 }, (_, n) => n),
  Object.fromEntries(Array.from({ length: 2_000 }, (_, n) => [`k${n}`, `v${n}`])),
);

const leaf: fc.Arbitrary<unknown> = fc.oneof(
  plausible,
  illFormed,
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ maxLength: 12 }),
  fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
  fc.constantFrom(Number.NaN, Infinity, -Infinity, -0, 0.5, 2 ** 53 + 2),
  fc.boolean(),
  fc.constantFrom(null, undefined),
  fc.date({ noInvalidDate: false }),
  fc.constant(null).map(() => new Date(Number.NaN)),
  fc.uint8Array({ maxLength: 48 }),
  fc.uint8Array({ maxLength: 48 }).map((bytes) => bytes.buffer),
  fc
    .tuple(
      fc.constantFrom('a/b.txt', 'c\\d', '', '..', 'x'.repeat(300), 'e\u0000f', 'g\uD800'),
      fc.uint8Array({ maxLength: 32 }),
    )
    .map(([name, bytes]) => new File([bytes], name)),
);

const value: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { arbitrary: leaf, weight: 10 },
    { arbitrary: huge, weight: 1 },
    { arbitrary: cyclic, weight: 1 },
    { arbitrary: nested, weight: 1 },
    { arbitrary: fc.array(tie('value'), { maxLength: 4 }), weight: 2 },
    {
      arbitrary: fc.dictionary(fc.oneof(fc.string({ maxLength: 6 }), illFormed), tie('value'), {
        maxKeys: 4,
      }),
      weight: 2,
    },
  ),
})).value;

/** A request: the wrong kind of thing, or an object of (mostly known) fields with bad values. */
const request: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.constantFrom<unknown>(undefined, {}), weight: 1 },
  { arbitrary: fc.array(value, { maxLength: 3 }), weight: 1 },
  { arbitrary: leaf, weight: 1 },
  {
    arbitrary: fc
      .array(fc.tuple(fc.constantFrom(...FIELDS), value), { minLength: 1, maxLength: 5 })
      .map((entries) => {
        const object: Record<string, unknown> = {};
        for (const [key, item] of entries) {
          Object.defineProperty(object, key, {
            value: item,
            enumerable: true,
            writable: true,
            configurable: true,
          });
        }
        return object;
      }),
    weight: 6,
  },
);

// --- checking one case -------------------------------------------------------------------------

type Outcome = { settled: true; error?: unknown } | { settled: false };

async function settle(call: () => Promise<unknown>): Promise<Outcome> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => resolve({ settled: false }), SETTLE_MS);
  });
  try {
    return await Promise.race([
      Promise.resolve()
        .then(call)
        .then(
          (): Outcome => ({ settled: true }),
          (error: unknown): Outcome => ({ settled: true, error }),
        ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function invoke(kms: Kms, operation: KmsOperation, given: unknown): Promise<unknown> {
  return (kms[operation] as unknown as (request: unknown) => Promise<unknown>)(given);
}

/** Throws, with a short description, unless the case met every rule. */
async function checkCase(
  vault: TestVault,
  operation: KmsOperation,
  given: unknown,
  seen: Map<string, number>,
): Promise<void> {
  const before = await auditCount(vault.vaultName);
  const outcome = await settle(() => invoke(vault.kms, operation, given));
  if (!outcome.settled) throw new Error(`${operation} did not settle within ${SETTLE_MS} ms`);
  const name = 'error' in outcome && outcome.error instanceof Error ? outcome.error.name : 'ok';
  seen.set(name, (seen.get(name) ?? 0) + 1);
  if ('error' in outcome && outcome.error !== undefined) {
    const error = outcome.error;
    if (!(error instanceof KmsError)) {
      throw new Error(`${operation} rejected with a non-KmsError: ${brief(error)}`);
    }
    if (!(KMS_ERROR_NAMES as readonly string[]).includes(error.name)) {
      throw new Error(`${operation} rejected with unknown name ${error.name}`);
    }
    if (error.name === 'KMSInternalException') {
      throw new Error(`${operation} rejected with KMSInternalException: ${error.message}`);
    }
  }
  const after = await auditCount(vault.vaultName);
  if (after !== before + 1) {
    throw new Error(`${operation} wrote ${after - before} audit records, not exactly one`);
  }
}

/** A value described briefly: huge strings and bytes by their size, never in full. */
function brief(value: unknown, depth = 0): string {
  if (typeof value === 'string') {
    const shown = value.length > 40 ? `${value.slice(0, 40)}…(${value.length})` : value;
    return JSON.stringify(shown);
  }
  if (typeof value !== 'object' || value === null) return String(value);
  if (value instanceof Error) return `${value.name}: ${brief(value.message)}`;
  if (value instanceof Date) return `Date(${value.getTime()})`;
  if (value instanceof Blob) return `${value.constructor.name}(${value.size})`;
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
    return `${value.constructor.name}(${value.byteLength})`;
  }
  if (depth > 3) return '…';
  const entries = Array.isArray(value)
    ? value.slice(0, 5).map((item) => brief(item, depth + 1))
    : Object.keys(value)
        .slice(0, 6)
        .map(
          (key) => `${brief(key)}: ${brief((value as Record<string, unknown>)[key], depth + 1)}`,
        );
  return Array.isArray(value) ? `[${entries.join(', ')}]` : `{${entries.join(', ')}}`;
}

/** Every stored record is under 64 KiB of JSON (UTF-16 length and UTF-8 bytes). */
async function expectSmallRecords(vaultName: string): Promise<void> {
  const large = (await auditRecords(vaultName))
    .map((record) => ({ record, size: new TextEncoder().encode(JSON.stringify(record)).length }))
    .filter(({ size }) => size >= RECORD_LIMIT)
    .map(({ record, size }) => `#${record.sequence} ${record.eventName} (${size} bytes)`);
  expect(large, 'audit records of 64 KiB or more').toEqual([]);
}

/** The log verifies and the control key still round-trips: the sweep damaged nothing. */
async function expectNoDamage(kms: Kms, controlKeyId: string): Promise<void> {
  const check = await kms.verifyAuditLog();
  expect(check, JSON.stringify(check)).toMatchObject({ Valid: true });
  const plaintext = utf8('still works after the sweep');
  const { CiphertextBlob } = await kms.encrypt({
    KeyId: controlKeyId,
    Plaintext: plaintext,
    EncryptionContext: { purpose: 'control' },
  });
  const { Plaintext } = await kms.decrypt({
    CiphertextBlob,
    EncryptionContext: { purpose: 'control' },
  });
  expect(Plaintext).toEqual(plaintext);
}

// --- the sweep ---------------------------------------------------------------------------------

describe('bad input sweep (fast-check, fixed seed)', () => {
  it('every operation: named error, one audit record, records < 64 KiB, no damage', async () => {
    const vault = await openVaultForTest();
    const { KeyMetadata } = await vault.kms.createKey({ Description: 'control' });
    const failures: string[] = [];
    let cases = 0;
    const seen = new Map<string, number>();
    for (const [index, operation] of KMS_OPERATIONS.entries()) {
      const details = await fc.check(
        fc.asyncProperty(request, async (given) => {
          cases++;
          await checkCase(vault, operation, given, seen);
        }),
        { seed: SEED + index, numRuns: RUNS_PER_OPERATION, endOnFailure: true },
      );
      if (details.failed) {
        const error = details.errorInstance;
        failures.push(
          `${operation} (seed ${details.seed}, path ${details.counterexamplePath}): ` +
            `${error instanceof Error ? error.message : String(error)}\n    request: ` +
            brief(details.counterexample?.[0]),
        );
      }
    }
    console.log(
      `bad-input sweep: ${cases} cases over ${KMS_OPERATIONS.length} operations (seed ${SEED});`,
      `outcomes: ${JSON.stringify(Object.fromEntries(seen))}`,
    );
    expect(failures, `${failures.length} operations failed:\n${failures.join('\n')}`).toEqual([]);
    await expectSmallRecords(vault.vaultName);
    await expectNoDamage(vault.kms, KeyMetadata.KeyId);
  }, 180_000);
});

// --- the measured §3 defects, one by one ------------------------------------------------------

describe('bad input: the measured cases', () => {
  /** Starts `call` (after counting records), expects `name` and exactly one new record. */
  async function refusedOnce(
    vault: TestVault,
    call: () => Promise<unknown>,
    name: (typeof KMS_ERROR_NAMES)[number],
  ): Promise<{ error: KmsError; record: Awaited<ReturnType<typeof auditRecords>>[number] }> {
    const before = await auditCount(vault.vaultName);
    const error = await expectKmsError(call(), name);
    const records = await auditRecords(vault.vaultName);
    expect(records.length, 'audit records written').toBe(before + 1);
    const record = records.at(-1)!;
    expect(record.errorCode).toBe(name);
    expect(JSON.stringify(record).length).toBeLessThan(RECORD_LIMIT);
    return { error, record };
  }

  it('encrypt and encryptFile refuse lone-surrogate context keys (high and low) and values', async () => {
    const vault = await openVaultForTest();
    const { kms } = vault;
    const { KeyMetadata } = await kms.createKey({});
    const KeyId = KeyMetadata.KeyId;
    const contexts: Record<string, string>[] = [
      { '\uD800': 'v' },
      { '\uDC00': 'v' },
      { k: '\uD800' },
    ];
    for (const context of contexts) {
      const { error } = await refusedOnce(
        vault,
        () => kms.encrypt({ KeyId, Plaintext: utf8('x'), EncryptionContext: context }),
        'ValidationException',
      );
      expect(error.message).toBe(
        "1 validation error detected: Value at 'encryptionContext' failed to satisfy constraint: Member must be a valid Unicode string",
      );
      await refusedOnce(
        vault,
        () =>
          kms.encryptFile({ KeyIds: [KeyId], Input: new Blob(['x']), EncryptionContext: context }),
        'ValidationException',
      );
    }
    await expectNoDamage(kms, KeyId);
  });

  it('createKey([]) creates no key; createKey with a 5 MB KeySpec: a short message, a small record', async () => {
    const vault = await openVaultForTest();
    const { kms } = vault;
    const keysBefore = (await kms.listKeys()).Keys.length;
    await refusedOnce(
      vault,
      () => (kms.createKey as (request: unknown) => Promise<unknown>)([]),
      'ValidationException',
    );
    expect((await kms.listKeys()).Keys).toHaveLength(keysBefore);
    const { error, record } = await refusedOnce(
      vault,
      () => kms.createKey({ KeySpec: 'A'.repeat(5_000_000) as 'SYMMETRIC_DEFAULT' }),
      'ValidationException',
    );
    expect(error.message.length, 'error message length').toBeLessThan(1_000);
    expect(record.errorMessage!.length).toBeLessThan(1_000);
    expect((await kms.listKeys()).Keys).toHaveLength(keysBefore);
  });

  it('a 20 MB field no operation reads is not logged', async () => {
    const vault = await openVaultForTest();
    const { kms } = vault;
    const { KeyMetadata } = await kms.createKey({});
    const before = await auditCount(vault.vaultName);
    await kms.encrypt({
      KeyId: KeyMetadata.KeyId,
      Plaintext: utf8('x'),
      Ignored: 'z'.repeat(20_000_000),
    } as Parameters<Kms['encrypt']>[0]);
    const records = await auditRecords(vault.vaultName);
    expect(records).toHaveLength(before + 1);
    const record = records.at(-1)!;
    expect(JSON.stringify(record)).not.toContain('zzzz');
    expect(record.requestParameters).not.toHaveProperty('ignored');
    expect(record.requestParameters).toMatchObject({ keyId: KeyMetadata.KeyId });
  });

  it('an invalid Date, a cyclic object, deep nesting and a function each get one record', async () => {
    const vault = await openVaultForTest();
    const { kms } = vault;
    const { KeyMetadata } = await kms.createKey({});
    const cyclicContext: Record<string, unknown> = { a: 'b' };
    cyclicContext.self = cyclicContext;
    let deep: unknown = 'leaf';
    for (let level = 0; level < 1500; level++) deep = { Inner: deep };
    const untyped = kms.encrypt as (request: unknown) => Promise<unknown>;
    const requests: unknown[] = [
      { KeyId: KeyMetadata.KeyId, Plaintext: utf8('x'), EncryptionContext: cyclicContext },
      { KeyId: KeyMetadata.KeyId, Plaintext: utf8('x'), EncryptionContext: deep },
      { KeyId: KeyMetadata.KeyId, Plaintext: utf8('x'), EncryptionContext: { f: () => 1 } },
      { KeyId: KeyMetadata.KeyId, Plaintext: utf8('x'), EncryptionContext: new Date(Number.NaN) },
    ];
    for (const given of requests)
      await refusedOnce(vault, () => untyped(given), 'ValidationException');
    const before = await auditCount(vault.vaultName);
    const listed = await settle(() =>
      (kms.listAuditEvents as (request: unknown) => Promise<unknown>)({
        StartTime: new Date(Number.NaN),
      }),
    );
    expect(listed.settled).toBe(true);
    expect(await auditCount(vault.vaultName)).toBe(before + 1);
    await expectSmallRecords(vault.vaultName);
    await expectNoDamage(kms, KeyMetadata.KeyId);
  });

  it('file names with / or \\ encrypt and decrypt to safe output names', async () => {
    const vault = await openVaultForTest();
    const { kms } = vault;
    const { KeyMetadata } = await kms.createKey({});
    for (const name of ['a/b.txt', 'c\\d.txt', '../up', '/', 'e\u0000f']) {
      const before = await auditCount(vault.vaultName);
      const encrypted = await kms.encryptFile({
        KeyIds: [KeyMetadata.KeyId],
        Input: new File(['data'], name),
      });
      expect(encrypted.Output.name).toMatch(/^[^/\\\u0000]+\.encrypted$/);
      const decrypted = await kms.decryptFile({ Input: encrypted.Output });
      expect(decrypted.Output.name).toMatch(/^[^/\\\u0000]+$/);
      expect(await decrypted.Output.text()).toBe('data');
      expect(await auditCount(vault.vaultName)).toBe(before + 2);
      await kms.discardFileOutput({ OutputId: encrypted.OutputId });
      await kms.discardFileOutput({ OutputId: decrypted.OutputId });
    }
    await expectNoDamage(kms, KeyMetadata.KeyId);
  });
});
