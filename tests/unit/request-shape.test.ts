/**
 * workers/kms/request-shape.ts: the shape every request must have before an operation reads
 * it. Refusals are ValidationExceptions naming the parameter and never echoing the value.
 */
import { describe, expect, it } from 'vitest';
import { KmsError } from '../../workers/errors.ts';
import {
  checkRequestShape,
  findUncloneable,
  MAX_REQUEST_DEPTH,
} from '../../workers/kms/request-shape.ts';

/** The ValidationException checkRequestShape throws for `request`. */
function refusal(request: unknown): KmsError {
  try {
    checkRequestShape(request);
  } catch (error) {
    expect(error).toBeInstanceOf(KmsError);
    expect((error as KmsError).name).toBe('ValidationException');
    return error as KmsError;
  }
  throw new Error('expected a ValidationException, but the request was accepted');
}

function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let level = 1; level < levels; level++) value = { Next: value };
  return value;
}

describe('checkRequestShape accepts', () => {
  it('no request, an empty one, and ordinary requests of every parameter kind', () => {
    expect(() => checkRequestShape(undefined)).not.toThrow();
    expect(() => checkRequestShape({})).not.toThrow();
    expect(() => checkRequestShape(Object.create(null))).not.toThrow();
    expect(() =>
      checkRequestShape({
        KeyId: 'alias/x',
        Plaintext: new Uint8Array(4),
        CiphertextBlob: new ArrayBuffer(8),
        Data: new DataView(new ArrayBuffer(2)),
        Input: new Blob(['x']),
        EncryptionContext: { Department: 'IT', 'é 😀': 'ü' },
        Tags: [{ TagKey: 'a', TagValue: 'b' }],
        NumberOfBytes: 32,
        DryRun: false,
        Description: null,
        Missing: undefined,
        Since: new Date(0),
      }),
    ).not.toThrow();
  });

  it('nesting of exactly the limit, and the same object shared by several parameters', () => {
    expect(() => checkRequestShape(nested(MAX_REQUEST_DEPTH))).not.toThrow();
    const shared = { a: 'b' };
    expect(() => checkRequestShape({ X: shared, Y: [shared, shared] })).not.toThrow();
  });

  it('a graph of shared references quickly (no exponential walk)', () => {
    let node: Record<string, unknown> = {};
    for (let level = 0; level < 30; level++) node = { A: node, B: node };
    const started = Date.now();
    expect(() => checkRequestShape(node)).not.toThrow();
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('an invalid Date (the operation judges dates; the audit log writes "Invalid Date")', () => {
    expect(() => checkRequestShape({ Since: new Date(Number.NaN) })).not.toThrow();
  });
});

describe('checkRequestShape refuses', () => {
  it('a request that is not a plain object: array, null, string, number, class instance', () => {
    for (const request of [[], [{}], null, 'KeyId', 7, true, new Map(), new Date(0)]) {
      expect(refusal(request).message).toMatch(
        /^1 validation error detected: Value at 'request' failed to satisfy constraint: Member must be an object of named parameters/,
      );
    }
    expect(refusal([]).message).toMatch(/not a list$/);
  });

  it('a lone surrogate in a value, naming the parameter in camelCase, never echoing it', () => {
    const error = refusal({ KeyId: 'k', Description: 'ok \uD800 secret-ish' });
    expect(error.message).toBe(
      "1 validation error detected: Value at 'description' failed to satisfy constraint: Member must be a valid Unicode string",
    );
    expect(error.message).not.toContain('secret-ish');
  });

  it('a lone surrogate in an encryption-context value or key (high and low), at encryptionContext', () => {
    for (const context of [
      { '\uD800': 'v' },
      { '\uDC00': 'v' },
      { k: '\uD800' },
      { k: 'a\uDFFF' },
    ]) {
      expect(refusal({ KeyId: 'k', EncryptionContext: context }).message).toBe(
        "1 validation error detected: Value at 'encryptionContext' failed to satisfy constraint: Member must be a valid Unicode string",
      );
    }
    expect(refusal({ DestinationEncryptionContext: { a: 'b', c: '\uDBFF' } }).message).toContain(
      "'destinationEncryptionContext'",
    );
  });

  it('a lone surrogate in a list item and in a field name', () => {
    expect(refusal({ KeyIds: ['a', 'b\uD800'] }).message).toContain("'keyIds.2.member'");
    expect(refusal({ Tags: [{ TagKey: 'k', TagValue: '\uDC00' }] }).message).toContain(
      "'tags.1.member.tagValue'",
    );
    expect(refusal({ ['Key\uD800']: 1 }).message).toContain("'request'");
  });

  it('accepts well-formed surrogate pairs', () => {
    expect(() => checkRequestShape({ EncryptionContext: { '😀': '\uD83D\uDE00' } })).not.toThrow();
  });

  it('a function, a Symbol and a BigInt anywhere, without quoting the function', () => {
    const fn = function leakMe(): string {
      return 'source text';
    };
    const error = refusal({ KeyId: 'k', Options: { Callback: fn } });
    expect(error.message).toContain("'options.callback'");
    expect(error.message).toContain('function');
    expect(error.message).not.toContain('source text');
    expect(error.message).not.toContain('leakMe');
    expect(refusal({ KeyId: Symbol('s') }).message).toContain("'keyId'");
    expect(refusal({ NumberOfBytes: 10n }).message).toContain("'numberOfBytes'");
  });

  it('class instances other than dates, bytes and files', () => {
    for (const value of [new Map(), new Set(), /x/, new Error('e'), new (class Thing {})()]) {
      expect(refusal({ Value: value }).message).toContain("'value'");
    }
    expect(refusal({ Value: new Map() }).message).toContain('not a Map');
  });

  it('a cycle, at the path where it closes', () => {
    const cyclic: Record<string, unknown> = { KeyId: 'k' };
    cyclic.Self = cyclic;
    expect(refusal(cyclic).message).toMatch(/'self'.*cyclic/);
    const list: unknown[] = [];
    list.push(list);
    expect(refusal({ Items: list }).message).toMatch(/'items.1.member'.*cyclic/);
  });

  it('nesting one level past the limit, and 1,500 levels, quickly', () => {
    expect(refusal(nested(MAX_REQUEST_DEPTH + 1)).message).toContain(
      `Member must not be nested more than ${MAX_REQUEST_DEPTH} levels deep`,
    );
    const started = Date.now();
    let deep: unknown = 'leaf';
    for (let level = 0; level < 1500; level++) deep = [deep];
    expect(refusal({ Deep: deep }).message).toContain('nested');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('a getter that throws, and a revoked Proxy, as ValidationException', () => {
    const hostile = {
      get KeyId(): string {
        throw new Error('boom');
      },
    };
    expect(refusal(hostile).message).toContain("'request'");
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    refusal(proxy);
    refusal({ Inner: proxy });
  });

  it('a huge ill-formed string without echoing any of it', () => {
    const error = refusal({ KeySpec: 'A'.repeat(5_000_000) + '\uD800' });
    expect(error.message.length).toBeLessThan(200);
  });
});

describe('findUncloneable (the client, before posting)', () => {
  it('refuses what cannot cross, but leaves ill-formed strings to the core', () => {
    expect(findUncloneable({ EncryptionContext: { '\uD800': 'x' } })).toBeUndefined();
    expect(findUncloneable({ F: () => 1 })).toEqual({
      path: 'f',
      constraint: 'Member must be data, not a function',
    });
    expect(findUncloneable([])?.path).toBe('request');
  });
});
