/**
 * What a lesson shows beside each call it makes on the sandbox (issue 13 §2, §3): the call as
 * typed in the devtools console, the same request to AWS KMS through the AWS CLI and the AWS SDK
 * for JavaScript v3, and the audit record the call wrote. One builder for every lesson, so the
 * three forms always name the same operation and the same fields.
 */
import type { AuditEvent, KmsApi } from '../../../workers/api.ts';

/** The call a step made on the sandbox, its audit record, and the same call elsewhere. */
export interface LessonCall {
  /** `await kmsSandbox.<operation>(…)`, as run. */
  console: string;
  /** The AWS CLI command that makes the same request of AWS KMS. */
  cli: string;
  /** The same request through the AWS SDK for JavaScript v3. */
  sdk: string;
  /** The record the call wrote in the sandbox's audit log. */
  record?: AuditEvent;
}

/** `rotateKeyOnDemand` → `RotateKeyOnDemand`: the AWS action name, and the audit event name. */
export function actionName(operation: string): string {
  return operation.charAt(0).toUpperCase() + operation.slice(1);
}

function kebab(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

/** A logged binary value: the audit record keeps only its size (workers/audit/audit-record.ts). */
function isLoggedBytes(item: unknown): item is { byteLength: number } {
  return (
    typeof item === 'object' &&
    item !== null &&
    Object.keys(item).length === 1 &&
    typeof (item as { byteLength?: unknown }).byteLength === 'number'
  );
}

/** A request value as source text: bytes by their length (they are not typed by hand). */
function source(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item instanceof Uint8Array
      ? `<${item.length} bytes>`
      : isLoggedBytes(item)
        ? `<${item.byteLength} bytes>`
        : item,
  );
}

/**
 * The call an audit record logs, as typed in the devtools console (issue 13 §3, the Activity
 * page): its event name as the method, its requestParameters with AWS's field names as the
 * request. Undefined for a service event, which no caller made.
 */
export function recordCall(record: AuditEvent, target = 'kms'): string | undefined {
  if (record.eventType === 'AwsServiceEvent') return undefined;
  const method = record.eventName.charAt(0).toLowerCase() + record.eventName.slice(1);
  return `await ${target}.${method}(${source(awsFieldNames(record.requestParameters ?? {}))})`;
}

/**
 * A logged request with AWS's field names again: the record names fields in lowerCamelCase
 * (`keyId`, `tags: [{ tagKey }]`), the API in UpperCamelCase. An encryption context's keys are
 * the caller's own and stay as they are.
 */
function awsFieldNames(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(awsFieldNames);
  if (typeof value !== 'object' || value === null || isLoggedBytes(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([field, item]) => [
      field.charAt(0).toUpperCase() + field.slice(1),
      field === 'encryptionContext' ? item : awsFieldNames(item),
    ]),
  );
}

function cliValue(field: string, value: unknown): string {
  if (value instanceof Uint8Array) return `fileb://${kebab(field)}.bin`;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value)
      .map(([key, item]) => `${key}=${String(item)}`)
      .join(',');
  }
  return String(value);
}

/** The newest record of `eventName` in the sandbox's log (a background read, not a lesson step). */
export async function newestRecord(
  reads: KmsApi,
  eventName: string,
): Promise<AuditEvent | undefined> {
  return (await reads.listAuditEvents({ EventName: eventName, Limit: 1 })).Events[0];
}

/**
 * The three forms of `operation(request)`, with the newest record of `eventName` (the call's own
 * event unless said otherwise: a clock move shows the housekeeping event it caused).
 */
export async function lessonCall(
  reads: KmsApi,
  operation: string,
  request: Record<string, unknown>,
  eventName = actionName(operation),
): Promise<LessonCall> {
  const fields = Object.entries(request).filter(([, value]) => value !== undefined);
  const record = await newestRecord(reads, eventName);
  return {
    console: `await kmsSandbox.${operation}(${source(request)})`,
    cli: [
      `aws kms ${kebab(operation)}`,
      ...fields.map(([field, value]) => `--${kebab(field)} ${cliValue(field, value)}`),
    ].join(' '),
    sdk: `await new KMSClient({}).send(new ${actionName(operation)}Command(${source(request)}));`,
    ...(record && { record }),
  };
}
