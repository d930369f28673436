/**
 * An unexpected failure inside an operation (here: a key version whose stored CryptoKey was
 * replaced, as a damaged or tampered database would have it) reaches the caller as
 * KMSInternalException with a generic message, keeps the original error as `cause` for the
 * worker, is logged to the console by name and stack only, and is audited like every call:
 * one record naming the operation, the error, and that it was internal.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { auditRecords, expectKmsError, openRaw, openVaultForTest, utf8 } from './support/vault.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('internal errors', () => {
  it('are KMSInternalException with a cause, logged by name and stack, and audited as internal', async () => {
    const vault = await openVaultForTest();
    const { kms } = vault;
    const { KeyMetadata } = await kms.createKey();
    const secret = 'secret plaintext that must not be logged';

    // Replace the stored CryptoKey of version 1 with something that is not a key.
    const db = await openRaw(vault.vaultName);
    const version = (await db.get('keyVersions', [KeyMetadata.KeyId, 1])) as Record<
      string,
      unknown
    >;
    await db.put('keyVersions', { ...version, CryptoKey: { not: 'a key' } });
    db.close();

    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const error = await expectKmsError(
      kms.encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: utf8(secret) }),
      'KMSInternalException',
    );
    expect(error.message).toBe('An internal error occurred. Nothing was changed.');
    expect(error.cause).toBeInstanceOf(Error);
    const causeName = (error.cause as Error).name;

    // One console line: the operation, the error's name and its stack; no request value.
    expect(logged).toHaveBeenCalledTimes(1);
    const line = logged.mock.calls[0]!.map(String).join(' ');
    expect(line).toContain('Encrypt');
    expect(line).toContain(causeName);
    expect(line).not.toContain(secret);

    const last = (await auditRecords(vault.vaultName)).at(-1)!;
    expect(last).toMatchObject({
      eventName: 'Encrypt',
      errorCode: 'KMSInternalException',
      errorMessage: 'An internal error occurred. Nothing was changed.',
      additionalEventData: { internalError: causeName },
    });
    expect(JSON.stringify(last)).not.toContain(secret);
    expect((await kms.verifyAuditLog()).Valid).toBe(true);
  });

  it('named refusals are not internal: no console line, no internalError in the record', async () => {
    const vault = await openVaultForTest();
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    await expectKmsError(vault.kms.describeKey({ KeyId: 'alias/none' }), 'NotFoundException');
    expect(logged).not.toHaveBeenCalled();
    const last = (await auditRecords(vault.vaultName)).at(-1)!;
    expect(last.errorCode).toBe('NotFoundException');
    expect(last.additionalEventData).toBeUndefined();
  });
});
