/**
 * The audited call: the one place audit records are written. It runs one operation of the table
 * (workers/kms/operations/) and commits the operation's IndexedDB writes together with exactly
 * one audit record — for a success, a refusal or an internal failure alike. Operations that
 * change the vault run under a Web Lock shared by every tab of the origin (so two tabs cannot,
 * say, both create "version 3" of one key), and their success is announced on the vault's
 * BroadcastChannel so every tab can refresh its views.
 */
import { BACKGROUND_USER_AGENT, type AuditResource, type VaultChange } from '../api.ts';
import {
  AUDIT_LIMITS,
  EVENT_SOURCE,
  sanitizeForAudit,
  sanitizeRequestParameters,
  truncateForAudit,
  type AuditDraft,
} from '../audit/audit-record.ts';
import { randomUuid } from '../crypto/random.ts';
import { toKmsError, validationError } from '../errors.ts';
import { lockIfIdle } from './housekeeping.ts';
import { refusalWrite, type Operation } from './operation.ts';
import { OperationContext, type VaultCore } from './operation-context.ts';
import { checkRequestShape, isWellFormed } from './request-shape.ts';

/** A caller's user agent longer than this is not logged (the vault's own is). */
const MAX_USER_AGENT_LENGTH = 256;

/** An open vault as the audited call needs it. */
export interface AuditedVault extends VaultCore {
  /** Shown in audit records as the caller's user agent. */
  readonly userAgent: string;
  /** The Web Lock every change to this vault runs under, in every tab. */
  readonly lockName: string;
  /** Where changes are announced (workers/api.ts, vaultChangedChannel). */
  readonly channel: BroadcastChannel;
}

/**
 * Runs `operation` for `given` (the caller's request, unchecked) and writes its audit record.
 * Resolves with the response or rejects with a KmsError; an unexpected error becomes
 * KMSInternalException, logged to this worker's console by name and stack (never request
 * values), and kept as the KmsError's `cause`.
 */
export function auditedCall<Q, R, E extends unknown[]>(
  vault: AuditedVault,
  operation: Operation<Q, R, E>,
  given: unknown,
  extra: E,
  caller?: string,
): Promise<R> {
  const userAgent = callerUserAgent(vault, operation, caller);
  const run = async (): Promise<R> => {
    await lockIfIdle(vault);
    const eventTime = vault.clock.now();
    // Only the person's calls count as use for the idle lock, not the UI's background reads.
    if (userAgent !== BACKGROUND_USER_AGENT) vault.keys.touch(eventTime);
    const context = new OperationContext(vault, operation.eventName);
    const record = (outcome: Omit<Partial<AuditDraft>, 'eventTime'>): AuditDraft =>
      auditDraft(vault, {
        userAgent,
        eventName: operation.eventName,
        eventTime,
        requestParameters: requestParameters(given, operation),
        vaultId: context.vaultId,
        resources: context.resources,
        readOnly: !operation.mutates,
        ...outcome,
      });
    try {
      checkRequestShape(given);
      checkCallbacks(extra);
      // A missing request is an empty one: its required parameters then fail validation by name.
      const outcome = await operation.run(context, (given ?? {}) as Q, ...extra);
      const logged = outcome.auditResponse ?? (operation.mutates ? outcome.response : undefined);
      await vault.store.commit(
        outcome.write,
        record({ responseElements: (sanitizeForAudit(logged) as Record<string, unknown>) ?? null }),
      );
      outcome.afterCommit?.();
      if (operation.mutates) {
        const change: VaultChange = {
          eventName: operation.eventName,
          keyIds: context.resources.map((resource) =>
            resource.ARN.slice(resource.ARN.lastIndexOf('/') + 1),
          ),
        };
        vault.channel.postMessage(change);
      }
      return outcome.response;
    } catch (thrown) {
      const error = toKmsError(thrown);
      const internal = error.name === 'KMSInternalException' && error.cause !== undefined;
      if (internal) {
        const cause = error.cause as { name?: unknown; stack?: unknown };
        console.error(
          `Pocket KMS: ${operation.eventName} failed with an internal error:`,
          String(cause.name),
          String(cause.stack),
        );
      }
      try {
        await vault.store.commit(
          refusalWrite(thrown),
          record({
            errorCode: error.name,
            errorMessage: truncateForAudit(error.message, AUDIT_LIMITS.messageLength),
            ...(internal && {
              additionalEventData: { internalError: String((error.cause as Error).name) },
            }),
          }),
        );
      } catch {
        // The store refused even the record (a full disk, say): the caller still gets the
        // original, named error, and nothing was changed.
      }
      throw error;
    }
  };
  return operation.mutates ? navigator.locks.request(vault.lockName, run) : run();
}

/**
 * The user agent the record names: the caller's own (as CloudTrail logs the caller's), or the
 * vault's when none, or one that is not a short well-formed string, or a background label on a
 * call that is not a metadata read — so no use of a key can hide among the background reads.
 */
function callerUserAgent(
  vault: AuditedVault,
  operation: { metadataRead?: true },
  caller: string | undefined,
): string {
  if (typeof caller !== 'string' || caller.length === 0) return vault.userAgent;
  if (caller.length > MAX_USER_AGENT_LENGTH || !isWellFormed(caller)) return vault.userAgent;
  if (caller === BACKGROUND_USER_AGENT && !operation.metadataRead) return vault.userAgent;
  return caller;
}

/** A secret field that was given is logged as this, never as its value. */
const SECRET_GIVEN = '…(secret, not logged)';

/** What the record logs of the request: its known fields, and of its secret ones only that. */
function requestParameters(
  given: unknown,
  operation: { fields: readonly string[]; secretFields?: readonly string[] },
): Record<string, unknown> | null {
  const logged = sanitizeRequestParameters(given, operation.fields) as
    Record<string, unknown> | undefined;
  const secrets = (operation.secretFields ?? []).filter(
    (field) =>
      typeof given === 'object' &&
      given !== null &&
      Object.hasOwn(given, field) &&
      (given as Record<string, unknown>)[field] !== undefined,
  );
  if (secrets.length === 0) return logged ?? null;
  return {
    ...logged,
    ...Object.fromEntries(
      secrets.map((field) => [field.charAt(0).toLowerCase() + field.slice(1), SECRET_GIVEN]),
    ),
  };
}

/** The file operations take a progress callback and an AbortSignal after the request. */
function checkCallbacks(extra: unknown[]): void {
  const [onProgress, signal] = extra;
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw validationError('onProgress', undefined, 'Member must be a function');
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw validationError('signal', undefined, 'Member must be an AbortSignal');
  }
}

export interface DraftFields {
  /** The caller's user agent; the vault's own when not given. */
  userAgent?: string;
  /** The vault id the record names; the store's when not given (a restore adopts another). */
  vaultId?: string;
  eventName: string;
  eventTime: Date;
  requestParameters: Record<string, unknown> | null;
  resources: AuditResource[];
  readOnly: boolean;
  eventType?: AuditDraft['eventType'];
}

/** A CloudTrail-shaped record of this vault, before it has its place in the chain. */
export function auditDraft(
  vault: AuditedVault,
  {
    userAgent = vault.userAgent,
    vaultId = vault.store.vaultId,
    eventName,
    eventTime,
    requestParameters,
    resources,
    readOnly,
    eventType = 'AwsApiCall',
    ...outcome
  }: DraftFields & Omit<Partial<AuditDraft>, keyof DraftFields>,
): AuditDraft {
  const service = eventType === 'AwsServiceEvent';
  return {
    eventVersion: '1.08',
    userIdentity: { type: 'Local', principalId: vaultId, invokedBy: 'pocket-kms' },
    eventTime: eventTime.toISOString(),
    eventSource: EVENT_SOURCE,
    eventName,
    awsRegion: 'local',
    sourceIPAddress: service ? EVENT_SOURCE : '127.0.0.1',
    userAgent: service ? EVENT_SOURCE : userAgent,
    requestParameters,
    responseElements: null,
    requestID: randomUuid(),
    eventID: randomUuid(),
    readOnly,
    resources,
    eventType,
    managementEvent: true,
    recipientAccountId: vaultId,
    eventCategory: 'Management',
    ...outcome,
  };
}
