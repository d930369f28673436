/**
 * What one operation of the KMS is: its CloudTrail event name, whether it changes the vault, the
 * request fields it reads, and the function that does the work. Every operation of the API is
 * one entry of the table in workers/kms/operations/index.ts; the audited call
 * (workers/kms/audited-call.ts) runs an entry and writes its one audit record.
 */
import type { KmsApi, KmsOperation } from '../api.ts';
import type { VaultWrite } from '../keystore/vault-store.ts';
import type { OperationContext } from './operation-context.ts';

/** What an operation hands back to the audited call. */
export interface Outcome<R> {
  response: R;
  /** IndexedDB writes, applied in the same transaction as the audit record. */
  write?: VaultWrite;
  /**
   * Logged as responseElements instead of the response: by read-only calls that log something
   * (file operations log sizes and ids), and by calls whose response holds a secret (a recovery
   * key), which log it without the secret.
   */
  auditResponse?: Record<string, unknown>;
  /**
   * Runs once `write` and the record are committed, and only then: changes to this core's
   * memory (the vault lock's keys) that must not outlive a write that failed.
   */
  afterCommit?: () => void;
}

export interface Operation<Q, R, Extra extends unknown[] = []> {
  /** The CloudTrail event name, as AWS KMS logs it (CreateKey, Encrypt, …). */
  eventName: string;
  /** Changes vault state: runs under the vault's Web Lock and logs its response elements. */
  mutates: boolean;
  /**
   * Reads only the vault's metadata (no key material, no change): a call the UI may make on its
   * own to draw a page, and so log as a background read (workers/kms/audited-call.ts).
   */
  metadataRead?: true;
  /**
   * The request fields the operation reads (AWS's names). Only these are logged as
   * requestParameters; any other field of a request is ignored and not logged.
   */
  fields: readonly string[];
  /**
   * Request fields that hold a secret (a passphrase, a recovery key). The operation reads them;
   * the log says only that they were given, never their value.
   */
  secretFields?: readonly string[];
  /**
   * Does the work. `request` is the caller's object, unchecked: the operation validates each
   * field it reads at the door (workers/kms/validation.ts) before it touches a key.
   */
  run(context: OperationContext, request: Q, ...extra: Extra): Promise<Outcome<R>>;
}

/** The table entry that serves the API method F. */
type EntryFor<F> = F extends (request: infer Q, ...extra: infer E) => Promise<infer R>
  ? Operation<Exclude<Q, undefined>, R, E>
  : F extends () => Promise<infer R>
    ? Operation<Record<string, never>, R>
    : never;

/** One entry per operation of workers/api.ts. */
export type OperationTable = { [K in KmsOperation]: EntryFor<KmsApi[K]> };

/** A module's share of the table: each operations module `satisfies` this. */
export type OperationGroup = Partial<OperationTable>;

/** The empty response of operations that answer nothing (EnableKey, TagResource, …). */
export type Empty = Record<string, never>;
export const EMPTY: Empty = {};

const refusalWrites = new WeakMap<object, VaultWrite>();

/**
 * A refusal that still changes the vault: the audited call commits `write` with the refusal's
 * record (a wrong lock secret counts towards the wait before the next try).
 */
export function refuseWithWrite<E extends Error>(error: E, write: VaultWrite): E {
  refusalWrites.set(error, write);
  return error;
}

/** The write a refusal carries, if any. */
export function refusalWrite(thrown: unknown): VaultWrite | undefined {
  return typeof thrown === 'object' && thrown !== null ? refusalWrites.get(thrown) : undefined;
}
