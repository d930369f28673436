/**
 * The audit log (not in AWS KMS, where CloudTrail holds it): ListAuditEvents, VerifyAuditLog,
 * ExportAuditLog. Reading the log is itself audited, like every call.
 */
import { BACKGROUND_USER_AGENT, type AuditEvent } from '../../api.ts';
import { ChainVerifier } from '../../audit/audit-record.ts';
import { createOutputSink } from '../../envelope/opfs-sink.ts';
import { ProgressReporter } from '../../envelope/progress.ts';
import type { OperationGroup } from '../operation.ts';
import { checkLimit, decodeMarker, encodeMarker } from '../pagination.ts';
import { checkBoolean, checkDate, checkEnum, checkString } from '../validation.ts';

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
      // Unlike other KeyId parameters the key need not exist any more (a deleted key's history
      // stays searchable); an alias must, since it is resolved now.
      const keyId = keyFilter === undefined ? undefined : await context.keyIdOf(keyFilter);
      const { events, more } = await context.store.scanAudit(
        {
          ...(before !== undefined && { before }),
          ...(keyId !== undefined && { keyId }),
          ...(eventName !== undefined && { eventName }),
          errorsOnly,
          ...(start !== undefined && { start }),
          ...(end !== undefined && { end }),
          ...(!backgroundReads && {
            accept: (event: AuditEvent) => event.userAgent !== BACKGROUND_USER_AGENT,
          }),
        },
        limit,
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
    fields: ['Since'],
    async run(context, request, onProgress, signal) {
      const since = checkEnum('since', request.Since, ['LAST_CHECKPOINT'] as const);
      const checkpoints = await context.store.listAuditCheckpoints();
      const anchor =
        since === 'LAST_CHECKPOINT'
          ? checkpoints.filter((checkpoint) => checkpoint.verifiedAt).at(-1)
          : undefined;
      const verifier = new ChainVerifier(
        anchor ? { sequence: anchor.sequence, hash: anchor.hash } : null,
      );
      // The walk confirms each stored checkpoint it passes with the same hash.
      const expected = new Map(
        checkpoints.map((checkpoint) => [checkpoint.sequence, checkpoint.hash]),
      );
      const confirmed: number[] = [];
      const total = (await context.store.getVaultRecord())?.AuditHead?.sequence ?? 0;
      const from = anchor?.sequence ?? 0;
      const progress = new ProgressReporter(onProgress, total - from);
      let done = 0;
      const head = await context.store.walkAudit(
        from,
        async (records) => {
          const passed = await verifier.pushAll(records);
          for (const record of records.slice(0, passed)) {
            if (expected.get(record.sequence) === record.hash) confirmed.push(record.sequence);
          }
          done += passed;
          progress.report(done);
        },
        signal,
      );
      // A record beyond the head (put there behind the vault's back) fails the walk too.
      const verdict = verifier.finish(head);
      const beyond = verdict.valid ? await context.store.auditRecordAfterHead() : undefined;
      const check =
        beyond === undefined
          ? verdict
          : {
              valid: false,
              count: verdict.count,
              firstInvalidSequence: beyond,
              reason: `record ${beyond} comes after the head the vault remembers`,
            };
      progress.report(done, true);
      if (check.valid) await context.store.confirmWalk(confirmed, verifier.last, context.now());
      return {
        response: {
          Valid: check.valid,
          RecordCount: from + check.count,
          ...(from > 0 && { VerifiedFromSequence: from }),
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
    metadataRead: true,
    fields: [],
    async run(context) {
      // Streamed to a file in batches (CloudTrail's log-file shape, one record a line): a log of
      // a million records never becomes one string in memory.
      const sink = await createOutputSink('pocket-kms-audit.json');
      const utf8 = new TextEncoder();
      let count = 0;
      try {
        await sink.write(utf8.encode('{\n  "Records": [\n'));
        await context.store.walkAudit(0, async (records) => {
          const lines = records.map(
            (record, index) => `${count + index === 0 ? '' : ',\n'}    ${JSON.stringify(record)}`,
          );
          count += records.length;
          await sink.write(utf8.encode(lines.join('')));
        });
        await sink.write(utf8.encode('\n  ]\n}\n'));
        const output = await sink.close();
        return {
          response: { Output: output, OutputId: sink.outputId, RecordCount: count },
          auditResponse: { outputId: sink.outputId, recordCount: count, byteLength: output.size },
        };
      } catch (error) {
        await sink.abort();
        throw error;
      }
    },
  },
} satisfies OperationGroup;
