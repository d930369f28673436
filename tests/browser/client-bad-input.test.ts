/**
 * The client (src/kms/client.ts) refuses, before posting anything, requests the browser cannot
 * copy to the worker and arguments of the wrong kind, with a ValidationException that names the
 * parameter and never quotes the value. The worker here is a real module worker that never
 * answers: a call that settles at all was refused by the client before it posted.
 */
import { describe, expect, it } from 'vitest';
import { createKmsClient, type KmsClient } from '../../src/kms/client.ts';
import type { KmsError } from '../../workers/errors.ts';
import { expectKmsError } from './support/vault.ts';

function silentWorker(): Worker {
  const url = URL.createObjectURL(new Blob([''], { type: 'text/javascript' }));
  return new Worker(url, { type: 'module' });
}

/** Expects `call` to reject with ValidationException within 2 s (a worker never answers). */
async function refusedBeforePosting(call: Promise<unknown>): Promise<KmsError> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('the call was posted: it never settled')), 2_000);
  });
  try {
    const error = await expectKmsError(Promise.race([call, timeout]), 'ValidationException');
    expect(error.message).toMatch(/^1 validation error detected: Value at '[^']+' failed/);
    return error;
  } finally {
    clearTimeout(timer);
  }
}

function client(): KmsClient {
  return createKmsClient(silentWorker);
}

/** Calls `operation` with arguments the types would not allow. */
function untyped(kms: KmsClient, operation: keyof KmsClient, ...args: unknown[]): Promise<unknown> {
  return (kms[operation] as unknown as (...a: unknown[]) => Promise<unknown>)(...args);
}

describe('kms client refuses, before posting', () => {
  it('a function anywhere in the request, without quoting its source', async () => {
    const kms = client();
    const error = await refusedBeforePosting(
      untyped(kms, 'encrypt', {
        KeyId: 'alias/x',
        Plaintext: new Uint8Array(1),
        EncryptionContext: {
          purpose: function secretSource() {
            return 'do not show me';
          },
        },
      }),
    );
    expect(error.message).toContain("'encryptionContext'");
    expect(error.message).toContain('function');
    expect(error.message).not.toContain('do not show me');
    expect(error.message).not.toContain('secretSource');
    await refusedBeforePosting(untyped(kms, 'describeKey', { KeyId: () => 'alias/x' }));
  });

  it('a Symbol, and a BigInt', async () => {
    const kms = client();
    const error = await refusedBeforePosting(untyped(kms, 'describeKey', { KeyId: Symbol('k') }));
    expect(error.message).toContain("'keyId'");
    await refusedBeforePosting(untyped(kms, 'generateRandom', { NumberOfBytes: 8n }));
  });

  it('a cyclic object', async () => {
    const cyclic: Record<string, unknown> = { KeyId: 'alias/x' };
    cyclic.Again = cyclic;
    const error = await refusedBeforePosting(untyped(client(), 'describeKey', cyclic));
    expect(error.message).toContain('cyclic');
  });

  it('nesting 1,500 levels deep (posting it never settled)', async () => {
    let deep: unknown = 'leaf';
    for (let level = 0; level < 1500; level++) deep = { Inner: deep };
    const error = await refusedBeforePosting(
      untyped(client(), 'encrypt', { KeyId: 'alias/x', EncryptionContext: deep }),
    );
    expect(error.message).toContain('nested more than 32 levels');
  });

  it('a class instance the core does not take (Map, RegExp)', async () => {
    const kms = client();
    await refusedBeforePosting(
      untyped(kms, 'encrypt', { KeyId: 'k', EncryptionContext: new Map() }),
    );
    await refusedBeforePosting(untyped(kms, 'describeKey', { KeyId: /alias/ }));
  });

  it('an array, a string or null as the request (createKey([]) used to create a key)', async () => {
    const kms = client();
    for (const request of [[], [{ KeySpec: 'SYMMETRIC_DEFAULT' }], 'alias/x', 7, null]) {
      const error = await refusedBeforePosting(untyped(kms, 'createKey', request));
      expect(error.message).toContain("'request'");
    }
  });

  it('a progress callback that is not a function', async () => {
    const kms = client();
    for (const progress of ['log', 5, {}, new Uint8Array(1)]) {
      const error = await refusedBeforePosting(
        untyped(kms, 'encryptFile', { KeyIds: ['alias/x'], Input: new Blob(['x']) }, progress),
      );
      expect(error.message).toContain("'onProgress'");
    }
  });

  it('a signal that is not an AbortSignal', async () => {
    const kms = client();
    for (const signal of [{ aborted: false }, 'abort', new AbortController()]) {
      const error = await refusedBeforePosting(
        untyped(kms, 'decryptFile', { Input: new Blob(['x']) }, undefined, signal),
      );
      expect(error.message).toContain("'signal'");
    }
  });
});

describe('kms client lets good calls through', () => {
  it('undefined and null progress and signal, and valid ones, are posted (the silent worker keeps them pending)', async () => {
    const kms = client();
    const pending = (call: Promise<unknown>): Promise<string> =>
      Promise.race([
        call.then(
          () => 'settled',
          () => 'settled',
        ),
        new Promise<string>((resolve) => setTimeout(() => resolve('pending'), 300)),
      ]);
    const input = { KeyIds: ['alias/x'], Input: new Blob(['x']) };
    expect(await pending(untyped(kms, 'encryptFile', input))).toBe('pending');
    expect(await pending(untyped(kms, 'encryptFile', input, null, null))).toBe('pending');
    expect(
      await pending(
        untyped(kms, 'encryptFile', input, () => undefined, new AbortController().signal),
      ),
    ).toBe('pending');
    // An ill-formed string crosses: the core refuses it, and logs the refusal.
    expect(
      await pending(untyped(kms, 'encrypt', { KeyId: 'k', EncryptionContext: { '\uD800': 'x' } })),
    ).toBe('pending');
  });
});
