/**
 * docs/FORMAT.md §3 and workers/audit/audit-record.ts: canonical JSON, the hash chain and its
 * check, and what request parameters look like once sanitized for the log.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../workers/api.ts';
import {
  AUDIT_LIMITS,
  canonicalJson,
  chainRecord,
  CYCLE_MARKER,
  DEPTH_MARKER,
  GENESIS_HASH,
  hashRecord,
  MORE_ENTRIES_KEY,
  OMITTED_MARKER,
  sanitizeForAudit,
  sanitizeRequestParameters,
  truncateForAudit,
  UNREADABLE_MARKER,
  verifyChain,
  type AuditDraft,
} from '../../workers/audit/audit-record.ts';

function draft(n: number, extra: Partial<AuditDraft> = {}): AuditDraft {
  return {
    eventVersion: '1.08',
    userIdentity: { type: 'Local', principalId: '123456789012', invokedBy: 'pocket-kms' },
    eventTime: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
    eventSource: 'kms.pkms.local',
    eventName: n % 2 ? 'Encrypt' : 'Decrypt',
    awsRegion: 'local',
    sourceIPAddress: '127.0.0.1',
    userAgent: 'unit test',
    requestParameters: { keyId: `key-${n}`, encryptionContext: { n: String(n) } },
    responseElements: null,
    requestID: `request-${n}`,
    eventID: `event-${n}`,
    readOnly: true,
    resources: [],
    eventType: 'AwsApiCall',
    managementEvent: false,
    recipientAccountId: '123456789012',
    eventCategory: 'Management',
    ...extra,
  };
}

function chain(length: number): {
  records: AuditEvent[];
  head: { sequence: number; hash: string } | null;
} {
  const records: AuditEvent[] = [];
  let head: { sequence: number; hash: string } | null = null;
  for (let n = 1; n <= length; n++) {
    const record = chainRecord(draft(n), head);
    records.push(record);
    head = { sequence: record.sequence, hash: record.hash };
  }
  return { records, head };
}

describe('canonicalJson', () => {
  it('sorts object keys at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('sorts keys by UTF-16 code unit, as documented (upper case first; 😀 before Ａ)', () => {
    expect(canonicalJson({ a: 1, B: 2, Ａ: 3, '😀': 4 })).toBe('{"B":2,"a":1,"😀":4,"Ａ":3}');
  });

  it('keeps array order, omits undefined object fields, and writes undefined array items as null', () => {
    expect(canonicalJson({ list: [3, 1, 2], gone: undefined, kept: null })).toBe(
      '{"kept":null,"list":[3,1,2]}',
    );
    expect(canonicalJson([1, undefined, 2])).toBe('[1,null,2]');
  });

  it('escapes strings exactly as JSON.stringify does', () => {
    const tricky = 'quote " backslash \\ newline \n tab \t nul \u0000 lone surrogate \ud800 é';
    expect(canonicalJson({ s: tricky })).toBe(`{"s":${JSON.stringify(tricky)}}`);
  });

  it('writes scalars as JSON.stringify does', () => {
    for (const value of [null, true, false, 0, -1.5, 'text']) {
      expect(canonicalJson(value)).toBe(JSON.stringify(value));
    }
  });

  it('gives the same text for objects that differ only in key insertion order', () => {
    expect(canonicalJson({ x: 1, y: { p: 1, q: 2 } })).toBe(
      canonicalJson({ y: { q: 2, p: 1 }, x: 1 }),
    );
  });
});

describe('chainRecord', () => {
  it('makes the first record sequence 1 with a previousHash of 64 zeros', () => {
    const record = chainRecord(draft(1), null);
    expect(record.sequence).toBe(1);
    expect(record.previousHash).toBe(GENESIS_HASH);
    expect(GENESIS_HASH).toBe('0'.repeat(64));
  });

  it('hashes with SHA-256 over the UTF-8 canonical JSON of the record without its hash (checked with node:crypto)', () => {
    const record = chainRecord(draft(1, { requestParameters: { description: 'é 😀' } }), null);
    const { hash, ...body } = record;
    const expected = createHash('sha256')
      .update(Buffer.from(canonicalJson(body), 'utf8'))
      .digest('hex');
    expect(hash).toBe(expected);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hashRecord(body)).toBe(expected);
  });

  it('links each record to the previous hash and numbers it one higher', () => {
    const first = chainRecord(draft(1), null);
    const second = chainRecord(draft(2), { sequence: first.sequence, hash: first.hash });
    expect(second.sequence).toBe(2);
    expect(second.previousHash).toBe(first.hash);
    expect(second.hash).not.toBe(first.hash);
  });
});

describe('verifyChain', () => {
  it('accepts an untouched chain and counts its records', async () => {
    const { records, head } = chain(5);
    expect(await verifyChain(records, head)).toEqual({ valid: true, count: 5 });
  });

  it('accepts the empty log of a new vault (no head)', async () => {
    expect(await verifyChain([], null)).toEqual({ valid: true, count: 0 });
  });

  it('detects an edited record at its own sequence', async () => {
    const { records, head } = chain(5);
    records[2] = { ...records[2]!, errorCode: 'AccessDenied' };
    const check = await verifyChain(records, head);
    expect(check.valid).toBe(false);
    expect(check.firstInvalidSequence).toBe(3);
    expect(check.reason).toMatch(/changed/);
  });

  it('detects an edited record whose hash was recomputed, at the next record (broken link)', async () => {
    const { records, head } = chain(5);
    const { hash: _hash, ...body } = { ...records[2]!, eventName: 'ScheduleKeyDeletion' };
    records[2] = { ...body, hash: hashRecord(body) };
    const check = await verifyChain(records, head);
    expect(check.valid).toBe(false);
    expect(check.firstInvalidSequence).toBe(4);
    expect(check.reason).toMatch(/link/);
  });

  it('detects an edited newest record whose hash was recomputed, against the stored head', async () => {
    const { records, head } = chain(5);
    const { hash: _hash, ...body } = { ...records[4]!, eventName: 'ScheduleKeyDeletion' };
    records[4] = { ...body, hash: hashRecord(body) };
    const check = await verifyChain(records, head);
    expect(check.valid).toBe(false);
    expect(check.firstInvalidSequence).toBe(5);
    expect(check.reason).toMatch(/head/);
  });

  it('detects a removed record at the missing sequence', async () => {
    const { records, head } = chain(5);
    records.splice(2, 1);
    const check = await verifyChain(records, head);
    expect(check.valid).toBe(false);
    expect(check.firstInvalidSequence).toBe(3);
  });

  it('detects the first record removed', async () => {
    const { records, head } = chain(3);
    records.shift();
    expect(await verifyChain(records, head)).toMatchObject({
      valid: false,
      firstInvalidSequence: 1,
    });
  });

  it('detects two records reordered (stored order swapped)', async () => {
    const { records, head } = chain(5);
    [records[1], records[2]] = [records[2]!, records[1]!];
    expect(await verifyChain(records, head)).toMatchObject({
      valid: false,
      firstInvalidSequence: 2,
    });
  });

  it('detects two records reordered and renumbered to hide the swap', async () => {
    const { records, head } = chain(5);
    const second = records[1]!;
    const third = records[2]!;
    records[1] = { ...third, sequence: 2 };
    records[2] = { ...second, sequence: 3 };
    expect(await verifyChain(records, head)).toMatchObject({
      valid: false,
      firstInvalidSequence: 2,
    });
  });

  it('detects a truncated tail against the head the vault remembers', async () => {
    const { records, head } = chain(5);
    records.splice(3);
    const check = await verifyChain(records, head);
    expect(check).toMatchObject({ valid: false, count: 3, firstInvalidSequence: 4 });
    expect(check.reason).toMatch(/missing/);
  });

  it('detects a log emptied of all records while the vault remembers a head', async () => {
    const { head } = chain(2);
    expect(await verifyChain([], head)).toMatchObject({
      valid: false,
      count: 0,
      firstInvalidSequence: 1,
    });
  });

  it('detects a head whose hash differs from the last record at the same sequence', async () => {
    const { records, head } = chain(3);
    expect(
      await verifyChain(records, { sequence: head!.sequence, hash: 'f'.repeat(64) }),
    ).toMatchObject({
      valid: false,
      firstInvalidSequence: 3,
    });
  });

  it('detects records appended after the head (the head was not advanced with them)', async () => {
    const { records } = chain(4);
    const headAtThree = { sequence: records[2]!.sequence, hash: records[2]!.hash };
    expect(await verifyChain(records, headAtThree)).toMatchObject({
      valid: false,
      firstInvalidSequence: 4,
    });
    expect(await verifyChain(records, null)).toMatchObject({
      valid: false,
      firstInvalidSequence: 1,
    });
  });
});

describe('sanitizeForAudit', () => {
  it('replaces binary fields by their size: Uint8Array, ArrayBuffer, DataView, Blob', () => {
    expect(sanitizeForAudit({ Plaintext: new Uint8Array(7) })).toEqual({
      plaintext: { byteLength: 7 },
    });
    expect(sanitizeForAudit({ CiphertextBlob: new ArrayBuffer(60) })).toEqual({
      ciphertextBlob: { byteLength: 60 },
    });
    expect(sanitizeForAudit({ Data: new DataView(new ArrayBuffer(9)) })).toEqual({
      data: { byteLength: 9 },
    });
    expect(sanitizeForAudit({ File: new Blob(['abcd']) })).toEqual({ file: { byteLength: 4 } });
  });

  it('never lets a byte of a binary field through, at any depth', () => {
    const secret = Uint8Array.from([0xde, 0xad, 0xbe, 0xef]);
    const json = JSON.stringify(sanitizeForAudit({ Outer: [{ Inner: { Plaintext: secret } }] }));
    expect(json).toBe('{"outer":[{"inner":{"plaintext":{"byteLength":4}}}]}');
  });

  it('writes field names in camelCase, as CloudTrail does, at every depth', () => {
    expect(
      sanitizeForAudit({
        KeyId: 'k',
        Tags: [{ TagKey: 'a', TagValue: 'b' }],
        PendingWindowInDays: 7,
      }),
    ).toEqual({ keyId: 'k', tags: [{ tagKey: 'a', tagValue: 'b' }], pendingWindowInDays: 7 });
  });

  it('logs the encryption context exactly as given: its keys are data, not field names', () => {
    const context = { Department: 'IT', 'Project-X': 'é', lower: '1' };
    expect(
      sanitizeForAudit({
        EncryptionContext: context,
        SourceEncryptionContext: context,
        DestinationEncryptionContext: context,
      }),
    ).toEqual({
      encryptionContext: context,
      sourceEncryptionContext: context,
      destinationEncryptionContext: context,
    });
  });

  it('logs a "__proto__" context key as an entry, not as a prototype', () => {
    const context = JSON.parse('{"__proto__":"bound"}') as Record<string, string>;
    const clean = sanitizeForAudit({ EncryptionContext: context }) as { encryptionContext: object };
    expect(Object.entries(clean.encryptionContext)).toEqual([['__proto__', 'bound']]);
    expect(canonicalJson(clean)).toBe('{"encryptionContext":{"__proto__":"bound"}}');
  });

  it('still hides bytes given where a context belongs (a malformed request)', () => {
    expect(sanitizeForAudit({ EncryptionContext: Uint8Array.from([1, 2]) })).toEqual({
      encryptionContext: { byteLength: 2 },
    });
  });

  it('writes dates as ISO 8601 strings', () => {
    expect(sanitizeForAudit({ StartTime: new Date(Date.UTC(2026, 1, 3, 4, 5, 6)) })).toEqual({
      startTime: '2026-02-03T04:05:06.000Z',
    });
  });

  it('drops undefined fields and functions, writes undefined array items as null', () => {
    expect(sanitizeForAudit({ A: undefined, B: () => 1, C: [undefined, 1] })).toEqual({
      c: [null, 1],
    });
    expect(sanitizeForAudit(undefined)).toBeUndefined();
  });

  it('writes non-finite numbers as strings so the record stays valid JSON', () => {
    expect(sanitizeForAudit({ N: Number.NaN, I: Infinity })).toEqual({ n: 'NaN', i: 'Infinity' });
  });

  it('passes null, booleans, strings and finite numbers through', () => {
    expect(sanitizeForAudit({ A: null, B: true, C: 's', D: 4096 })).toEqual({
      a: null,
      b: true,
      c: 's',
      d: 4096,
    });
  });
});

describe('sanitizeForAudit is total and bounded', () => {
  /** The record a call with `request` would write, chained, as JSON. */
  function recordJson(requestParameters: unknown, responseElements: unknown = null): string {
    const record = chainRecord(
      draft(1, {
        requestParameters: requestParameters as AuditDraft['requestParameters'],
        responseElements: responseElements as AuditDraft['responseElements'],
      }),
      null,
    );
    return JSON.stringify(record);
  }

  it('writes an invalid Date as "Invalid Date" instead of throwing', () => {
    expect(sanitizeForAudit({ StartTime: new Date(Number.NaN) })).toEqual({
      startTime: 'Invalid Date',
    });
  });

  it('writes a cycle as a marker, in objects, lists and encryption contexts', () => {
    const cyclic: Record<string, unknown> = { KeyId: 'k' };
    cyclic.Self = cyclic;
    expect(sanitizeForAudit(cyclic)).toEqual({ keyId: 'k', self: CYCLE_MARKER });
    const list: unknown[] = [1];
    list.push(list);
    expect(sanitizeForAudit({ L: list })).toEqual({ l: [1, CYCLE_MARKER] });
    const context: Record<string, unknown> = { a: 'b' };
    context.loop = context;
    expect(sanitizeForAudit({ EncryptionContext: context })).toEqual({
      encryptionContext: { a: 'b', loop: CYCLE_MARKER },
    });
  });

  it('keeps a value shared by two fields (not a cycle) in both places', () => {
    const shared = { A: 1 };
    expect(sanitizeForAudit({ X: shared, Y: shared })).toEqual({ x: { a: 1 }, y: { a: 1 } });
  });

  it('writes nesting deeper than the limit as a marker, and 1,500 levels without overflowing', () => {
    let deep: unknown = 'leaf';
    for (let level = 0; level < 1500; level++) deep = { Next: deep };
    const json = JSON.stringify(sanitizeForAudit(deep));
    expect(json).toContain(DEPTH_MARKER);
    expect(json.match(/next/g)).toHaveLength(AUDIT_LIMITS.depth);
  });

  it('logs a long string as its prefix and its length, keeping strings up to the limit whole', () => {
    const limit = AUDIT_LIMITS.stringLength;
    expect(sanitizeForAudit({ D: 'x'.repeat(limit) })).toEqual({ d: 'x'.repeat(limit) });
    const huge = 'abc'.repeat(2_000_000);
    expect(sanitizeForAudit({ KeySpec: huge })).toEqual({
      keySpec: `${huge.slice(0, limit)}…(6000000 characters)`,
    });
    expect(truncateForAudit('abcdef', 3)).toBe('abc…(6 characters)');
  });

  it('never splits a surrogate pair when shortening', () => {
    const text = 'a' + '😀'.repeat(300);
    const shown = truncateForAudit(text);
    expect(shown).not.toMatch(/\p{Surrogate}/u);
    expect(shown.startsWith('a😀')).toBe(true);
  });

  it('shortens long keys of an encryption context too, and caps its entries with a count', () => {
    const context: Record<string, string> = { ['k'.repeat(10_000)]: 'v' };
    for (let n = 0; n < 500; n++) context[`key${n}`] = String(n);
    const clean = sanitizeForAudit({ EncryptionContext: context }) as {
      encryptionContext: Record<string, string>;
    };
    const keys = Object.keys(clean.encryptionContext);
    expect(keys[0]).toBe(`${'k'.repeat(AUDIT_LIMITS.stringLength)}…(10000 characters)`);
    expect(keys).toHaveLength(AUDIT_LIMITS.entries + 1);
    expect(clean.encryptionContext[MORE_ENTRIES_KEY]).toBe('(501 entries in all)');
  });

  it('caps long lists with a count of all items', () => {
    const clean = sanitizeForAudit({ KeyIds: Array.from({ length: 100_000 }, (_, n) => n) }) as {
      keyIds: unknown[];
    };
    expect(clean.keyIds).toHaveLength(AUDIT_LIMITS.entries + 1);
    expect(clean.keyIds.at(-1)).toBe('…(100000 items in all)');
  });

  it('leaves entries out once the size budget is spent', () => {
    const wide = Object.fromEntries(
      Array.from({ length: 90 }, (_, n) => [`F${n}`, Array(90).fill('y'.repeat(256))]),
    );
    const json = JSON.stringify(sanitizeForAudit(wide));
    expect(json).toMatch(new RegExp(`${OMITTED_MARKER}|items in all|entries in all`));
    expect(json.length).toBeLessThan(AUDIT_LIMITS.bytes + 8 * 1024);
  });

  it('turns a getter that throws and a revoked Proxy into a marker', () => {
    const hostile = {
      KeyId: 'k',
      get Secret(): string {
        throw new Error('boom');
      },
    };
    expect(sanitizeForAudit(hostile)).toEqual({ keyId: 'k', secret: UNREADABLE_MARKER });
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(sanitizeForAudit({ P: proxy })).toEqual({ p: UNREADABLE_MARKER });
  });

  it('keeps every record under 64 KiB whatever the request (and the response)', () => {
    const limit = 64 * 1024;
    const nasty = (): unknown => {
      const cyclic: Record<string, unknown> = {};
      cyclic.Self = cyclic;
      let deep: unknown = {};
      for (let level = 0; level < 100; level++) deep = { D: deep, E: 'é'.repeat(300) };
      return {
        KeySpec: 'A'.repeat(5_000_000),
        EncryptionContext: Object.fromEntries(
          Array.from({ length: 5_000 }, (_, n) => [`${'😀'.repeat(200)}${n}`, '😀'.repeat(500)]),
        ),
        Tags: Array.from({ length: 5_000 }, () => ({
          TagKey: '\u0000'.repeat(300),
          TagValue: 'v',
        })),
        Controls: '\u0001'.repeat(300),
        Cyclic: cyclic,
        Deep: deep,
        Since: new Date(Number.NaN),
      };
    };
    const json = recordJson(sanitizeForAudit(nasty()), sanitizeForAudit(nasty()));
    expect(json.length).toBeLessThan(limit);
    expect(new TextEncoder().encode(json).length).toBeLessThan(limit);
  });
});

describe("sanitizeRequestParameters (only the operation's known fields)", () => {
  it('logs the known fields as sanitizeForAudit does and leaves every other field out', () => {
    const ignored = 'z'.repeat(20_000_000);
    const clean = sanitizeRequestParameters(
      { KeyId: 'k', Plaintext: new Uint8Array(3), Junk: ignored, Extra: { A: 1 } },
      ['KeyId', 'Plaintext', 'EncryptionContext'],
    );
    expect(clean).toEqual({ keyId: 'k', plaintext: { byteLength: 3 } });
    expect(JSON.stringify(clean)).not.toContain('zzz');
  });

  it('gives the same result as sanitizeForAudit for a request of known fields only', () => {
    const request = {
      KeyId: 'k',
      EncryptionContext: { Department: 'IT', 'Project-X': 'é' },
      GrantTokens: ['a'],
    };
    expect(
      sanitizeRequestParameters(request, ['KeyId', 'EncryptionContext', 'GrantTokens']),
    ).toEqual(sanitizeForAudit(request));
  });

  it('does not read inherited fields, and logs a "__proto__" field as an entry when known', () => {
    const request = Object.create({ KeyId: 'inherited' }) as Record<string, unknown>;
    expect(sanitizeRequestParameters(request, ['KeyId'])).toEqual({});
    const own = JSON.parse('{"__proto__":"x","KeyId":"k"}') as Record<string, unknown>;
    expect(sanitizeRequestParameters(own, ['KeyId'])).toEqual({ keyId: 'k' });
  });

  it('logs a request that is not a plain object as sanitizeForAudit does (bounded)', () => {
    expect(sanitizeRequestParameters([], ['KeyId'])).toEqual([]);
    expect(sanitizeRequestParameters(undefined, ['KeyId'])).toBeUndefined();
    expect(sanitizeRequestParameters('x'.repeat(1000), [])).toBe(
      `${'x'.repeat(AUDIT_LIMITS.stringLength)}…(1000 characters)`,
    );
  });
});
