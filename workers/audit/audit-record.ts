/**
 * Audit records: CloudTrail-shaped (eventVersion 1.08, as KMS writes them), hash-chained.
 * docs/FORMAT.md, "Audit records", is the specification.
 *
 * The wrapper in workers/kms/kms.ts builds one record per call; this module only shapes and
 * hashes. Hashing is synchronous (@noble/hashes) on purpose: the record is appended inside the
 * same IndexedDB transaction as the change it describes, and awaiting crypto.subtle there would
 * let the transaction commit early.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { AuditEvent, AuditResource } from '../api.ts';

export const GENESIS_HASH = '0'.repeat(64);
export const EVENT_SOURCE = 'kms.pkms.local';

/** A record before it has a place in the chain. */
export type AuditDraft = Omit<AuditEvent, 'sequence' | 'previousHash' | 'hash'>;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * Request parameters and response elements as CloudTrail logs them: field names in camelCase,
 * dates as ISO strings, and binary fields (plaintext, ciphertext, key bytes) replaced by their
 * size — `{ "byteLength": n }` — so no secret and no ciphertext ever reaches the log.
 */
export function sanitizeForAudit(value: unknown): Json | undefined {
  if (value === undefined || typeof value === 'function') return undefined;
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (value instanceof Date) return value.toISOString();
  if (ArrayBuffer.isView(value)) return { byteLength: value.byteLength };
  if (value instanceof ArrayBuffer) return { byteLength: value.byteLength };
  if (typeof Blob !== 'undefined' && value instanceof Blob) return { byteLength: value.size };
  if (Array.isArray(value)) return value.map((item) => sanitizeForAudit(item) ?? null);
  if (typeof value === 'object') {
    const out: [string, Json][] = [];
    for (const [key, item] of Object.entries(value)) {
      // The encryption context's keys are the caller's data: CloudTrail logs them verbatim.
      const clean = CONTEXT_FIELDS.has(key) ? sanitizeContext(item) : sanitizeForAudit(item);
      if (clean !== undefined) out.push([key.charAt(0).toLowerCase() + key.slice(1), clean]);
    }
    // fromEntries defines own properties, so a "__proto__" key is logged, not swallowed.
    return Object.fromEntries(out);
  }
  return String(value);
}

const CONTEXT_FIELDS = new Set([
  'EncryptionContext',
  'SourceEncryptionContext',
  'DestinationEncryptionContext',
]);

/** A string map logged with its keys as given; anything else is sanitized as usual. */
function sanitizeContext(value: unknown): Json | undefined {
  if (typeof value !== 'object' || value === null) return sanitizeForAudit(value);
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return sanitizeForAudit(value);
  return Object.fromEntries(
    Object.entries(value).map(([key, item]): [string, Json] => [
      key,
      sanitizeForAudit(item) ?? null,
    ]),
  );
}

/** JSON with object keys sorted by code unit, no whitespace: the form that is hashed. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value))
    return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  const entries = Object.entries(value)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
}

export function hashRecord(record: Omit<AuditEvent, 'hash'>): string {
  return bytesToHex(sha256(utf8ToBytes(canonicalJson(record))));
}

/** Gives a draft its place after `previous` (or first, when previous is null). */
export function chainRecord(
  draft: AuditDraft,
  previous: { sequence: number; hash: string } | null,
): AuditEvent {
  const linked = {
    ...draft,
    sequence: (previous?.sequence ?? 0) + 1,
    previousHash: previous?.hash ?? GENESIS_HASH,
  };
  return { ...linked, hash: hashRecord(linked) };
}

export interface ChainCheck {
  valid: boolean;
  count: number;
  firstInvalidSequence?: number;
  reason?: string;
}

/**
 * Walks records in stored order. Detects an edited record (its hash no longer matches), a
 * removed or reordered one (sequence gap or broken previousHash link), and a cut-off tail
 * (the last record is not the head the vault remembers).
 */
export function verifyChain(
  records: Iterable<AuditEvent>,
  head: { sequence: number; hash: string } | null,
): ChainCheck {
  let previous: { sequence: number; hash: string } | null = null;
  let count = 0;
  for (const record of records) {
    count++;
    const expectedSequence: number = (previous?.sequence ?? 0) + 1;
    const fail = (reason: string): ChainCheck => ({
      valid: false,
      count,
      firstInvalidSequence: expectedSequence,
      reason,
    });
    if (record.sequence !== expectedSequence) {
      return fail(
        `record ${expectedSequence} is missing or out of order (found ${record.sequence})`,
      );
    }
    if (record.previousHash !== (previous?.hash ?? GENESIS_HASH)) {
      return fail(`record ${expectedSequence} does not link to the record before it`);
    }
    const { hash, ...body } = record;
    if (hashRecord(body) !== hash) return fail(`record ${expectedSequence} was changed`);
    previous = { sequence: record.sequence, hash };
  }
  const last = previous?.sequence ?? 0;
  const headSequence = head?.sequence ?? 0;
  const fail = (firstInvalidSequence: number, reason: string): ChainCheck => ({
    valid: false,
    count,
    firstInvalidSequence,
    reason,
  });
  if (headSequence > last) {
    return fail(
      last + 1,
      'the newest records are missing: the log ends before the head the vault remembers',
    );
  }
  // FirstInvalidSequence names a stored record here: the first one the head does not vouch for.
  if (headSequence < last) {
    return fail(
      headSequence + 1,
      `record ${headSequence + 1} comes after the head the vault remembers`,
    );
  }
  if (head && head.hash !== previous?.hash) {
    return fail(last, `record ${last} does not match the head the vault remembers`);
  }
  return { valid: true, count };
}

export type { AuditResource };
