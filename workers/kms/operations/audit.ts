/**
 * The audit log (not in AWS KMS, where CloudTrail holds it): ListAuditEvents, VerifyAuditLog,
 * ExportAuditLog. Reading the log is itself audited, like every call.
 */
import { BACKGROUND_USER_AGENT } from '../../api.ts';
import { verifyChain } from '../../audit/audit-record.ts';
import type { OperationGroup } from '../operation.ts';
import { checkLimit, decodeMarker, encodeMarker } from '../pagination.ts';
import { checkBoolean, checkDate, checkString } from '../validation.ts';

export const auditOperations = {
  listAuditEvents: {
    eventName: 'ListAuditEvents',
    mutates: false,
    metadataRead: true,
    fields: [
      'EventName',
      'KeyId',
      'StartTime',
      'EndTime',
      'ErrorsOnly',
      'IncludeBackgroundReads',
      'Limit',
      'Marker',
    ],
    async run(context, request) {
      const eventName = checkString('eventName', request.EventName, { min: 1, max: 128 });
      const keyFilter = checkString('keyId', request.KeyId, { min: 1, max: 2048 });
      const start = checkDate('startTime', request.StartTime)?.toISOString();
      const end = checkDate('endTime', request.EndTime)?.toISOString();
      const errorsOnly = checkBoolean('errorsOnly', request.ErrorsOnly) ?? false;
      const backgroundReads =
        checkBoolean('includeBackgroundReads', request.IncludeBackgroundReads) ?? true;
      const limit = checkLimit(request.Limit, 50);
      const before = decodeMarker('audit', request.Marker);
      // Unlike other KeyId parameters the key need not exist any more (a deleted key's history
      // stays searchable); an alias must, since it is resolved now.
      const keySuffix =
        keyFilter === undefined ? undefined : `key/${await context.keyIdOf(keyFilter)}`;
      const { events, more } = await context.store.scanAuditNewestFirst(
        before,
        limit,
        (event) =>
          (eventName === undefined || event.eventName === eventName) &&
          (keySuffix === undefined ||
            event.resources.some((resource) => resource.ARN.endsWith(keySuffix))) &&
          (start === undefined || event.eventTime >= start) &&
          (end === undefined || event.eventTime <= end) &&
          (!errorsOnly || event.errorCode !== undefined) &&
          (backgroundReads || event.userAgent !== BACKGROUND_USER_AGENT),
      );
      const last = events.at(-1);
      return {
        response:
          more && last
            ? { Events: events, Truncated: true, NextMarker: encodeMarker('audit', last.sequence) }
            : { Events: events, Truncated: false },
      };
    },
  },

  verifyAuditLog: {
    eventName: 'VerifyAuditLog',
    mutates: false,
    metadataRead: true,
    fields: [],
    async run(context) {
      const { records, head } = await context.store.readAuditChain();
      const check = verifyChain(records, head);
      return {
        response: {
          Valid: check.valid,
          RecordCount: check.count,
          ...(check.firstInvalidSequence !== undefined && {
            FirstInvalidSequence: check.firstInvalidSequence,
          }),
          ...(check.reason !== undefined && { Reason: check.reason }),
        },
      };
    },
  },

  exportAuditLog: {
    eventName: 'ExportAuditLog',
    mutates: false,
    fields: [],
    async run(context) {
      const { records } = await context.store.readAuditChain();
      return {
        response: {
          Json: JSON.stringify({ Records: records }, null, 2),
          RecordCount: records.length,
        },
      };
    },
  },
} satisfies OperationGroup;
