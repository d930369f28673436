/**
 * The audit log at scale (issue 16): a vault made by the schema before indexes (version 2)
 * with 10,000 records opens under today's; every record and the chain still verify; every
 * ListAuditEvents filter, alone and combined, answers exactly what a scan of the log answers;
 * checkpoints let VerifyAuditLog check only what came after the newest confirmed one; and
 * housekeeping reads only keys with a date that has come.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import type { AuditEvent } from '../../workers/api.ts';
import { chainRecord, type AuditDraft } from '../../workers/audit/audit-record.ts';
import { Kms } from '../../workers/kms/kms.ts';
import { ManualClock, TEST_EPOCH } from './support/manual-clock.ts';
import { writeSchema2Vault } from './support/schema2-vault.ts';
import { deleteDatabase, openRaw, utf8 } from './support/vault.ts';

const RECORDS = 10_000;
const VAULT_ID = '123456789012';
const KEY_IDS = [
  '11111111-1111-4111-8111-111111111111',
  '22222222-2222-4222-8222-222222222222',
  '33333333-3333-4333-8333-333333333333',
];
const EVENTS = ['Encrypt', 'Decrypt', 'DescribeKey', 'ListKeys', 'Sign'];

function draft(n: number): AuditDraft {
  const keyId = n % 4 === 3 ? undefined : KEY_IDS[n % 3]!;
  return {
    eventVersion: '1.08',
    userIdentity: { type: 'Local', principalId: VAULT_ID, invokedBy: 'pocket-kms' },
    eventTime: new Date(TEST_EPOCH + n * 60_000).toISOString(),
    eventSource: 'kms.pkms.local',
    eventName: EVENTS[n % EVENTS.length]!,
    awsRegion: 'local',
    sourceIPAddress: '127.0.0.1',
    userAgent: 'vitest-browser',
    requestParameters: null,
    responseElements: null,
    requestID: `r${n}`,
    eventID: `e${n}`,
    readOnly: true,
    resources: keyId
      ? [
          {
            accountId: VAULT_ID,
            type: 'AWS::KMS::Key',
            ARN: `arn:pkms:kms:local:${VAULT_ID}:key/${keyId}`,
          },
        ]
      : [],
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: VAULT_ID,
    eventCategory: 'Management',
    ...(n % 7 === 0 && { errorCode: 'NotFoundException', errorMessage: 'gone' }),
  };
}

let chain: AuditEvent[] | undefined;

/** RECORDS chained records, made once (hashing 10,000 records takes seconds). */
function chained(): AuditEvent[] {
  if (!chain) {
    chain = [];
    let head: { sequence: number; hash: string } | null = null;
    for (let n = 1; n <= RECORDS; n++) {
      const record = chainRecord(draft(n), head);
      chain.push(record);
      head = { sequence: record.sequence, hash: record.hash };
    }
  }
  return chain;
}

/** A version-2 vault (the schema before issue 16) with RECORDS chained records. */
async function version2Vault(): Promise<{ name: string; records: AuditEvent[] }> {
  const name = `v2-${crypto.randomUUID()}`;
  onTestFinished(() => deleteDatabase(name));
  const records = chained();
  await writeSchema2Vault(name, {
    vaultId: VAULT_ID,
    creationDate: new Date(TEST_EPOCH),
    records,
  });
  return { name, records };
}

async function openVault(name: string, clock = new ManualClock()): Promise<Kms> {
  const kms = await Kms.open({ vaultName: name, clock, userAgent: 'vitest-browser' });
  onTestFinished(() => kms.close());
  return kms;
}

/** Every page of a ListAuditEvents query, newest first. */
async function allPages(
  kms: Kms,
  request: Record<string, unknown>,
  limit = 1000,
): Promise<number[]> {
  const sequences: number[] = [];
  let marker: string | undefined;
  do {
    const page = await kms.listAuditEvents({
      ...request,
      Limit: limit,
      ...(marker && { Marker: marker }),
    });
    sequences.push(...page.Events.map((event) => event.sequence));
    marker = page.NextMarker;
  } while (marker);
  return sequences;
}

describe('the audit log after the migration to indexes', () => {
  it('keeps every record and the chain, and every filter answers what a scan answers', async () => {
    const { name, records } = await version2Vault();
    const kms = await openVault(name);
    // Migrated as they were: the records (and so their hashes) unchanged.
    const db = await openRaw(name);
    expect(await db.getAll('audit', IDBKeyRange.upperBound(RECORDS))).toEqual(records);
    expect(await db.count('auditKeys')).toBe(records.filter((r) => r.resources.length > 0).length);
    db.close();
    expect(await kms.verifyAuditLog()).toEqual({ Valid: true, RecordCount: RECORDS });

    const old = records; // the calls above appended records of their own, after these
    const start = old[2000]!.eventTime;
    const end = old[8000]!.eventTime;
    const filters: { request: Record<string, unknown>; accept: (r: AuditEvent) => boolean }[] = [];
    const byKey = (keyId: string) => (r: AuditEvent) =>
      r.resources.some((x) => x.ARN.endsWith(keyId));
    for (const keyId of [undefined, KEY_IDS[1]!]) {
      for (const eventName of [undefined, 'Decrypt']) {
        for (const errorsOnly of [false, true]) {
          for (const range of [false, true]) {
            filters.push({
              request: {
                ...(keyId && { KeyId: keyId }),
                ...(eventName && { EventName: eventName }),
                ...(errorsOnly && { ErrorsOnly: true }),
                ...(range && { StartTime: new Date(start), EndTime: new Date(end) }),
              },
              accept: (r) =>
                (!keyId || byKey(keyId)(r)) &&
                (!eventName || r.eventName === eventName) &&
                (!errorsOnly || r.errorCode !== undefined) &&
                (!range || (r.eventTime >= start && r.eventTime <= end)),
            });
          }
        }
      }
    }
    /** What a scan of the records answers, newest first. */
    const scanned = (accept: (r: AuditEvent) => boolean) =>
      old
        .filter(accept)
        .map((r) => r.sequence)
        .reverse();
    for (const { request, accept } of filters) {
      const expected = scanned(accept);
      // Pages of 1,000, and of 250: the store reads a page in batches, which a filter the
      // driving index does not answer can leave short, so page and batch ends fall everywhere.
      for (const limit of [1000, 250]) {
        const answered = (await allPages(kms, request, limit)).filter(
          (sequence) => sequence <= RECORDS,
        );
        expect(answered, `${JSON.stringify(request)} in pages of ${limit}`).toEqual(expected);
      }
    }
    // A browser without getAllRecords (Firefox, Safari today) reads the same pages by cursor.
    const stores = [IDBObjectStore.prototype, IDBIndex.prototype] as unknown as Record<
      string,
      unknown
    >[];
    const saved = stores.map((prototype) =>
      Object.getOwnPropertyDescriptor(prototype, 'getAllRecords'),
    );
    try {
      for (const prototype of stores) delete prototype.getAllRecords;
      expect('getAllRecords' in IDBObjectStore.prototype).toBe(false);
      for (const { request, accept } of filters.filter((_, index) => index % 5 === 1)) {
        const answered = (await allPages(kms, request, 250)).filter((s) => s <= RECORDS);
        expect(answered, `${JSON.stringify(request)} by cursor`).toEqual(scanned(accept));
      }
    } finally {
      stores.forEach((prototype, index) => {
        if (saved[index]) Object.defineProperty(prototype, 'getAllRecords', saved[index]);
      });
    }
  }, 120_000);

  it('checks only what follows the newest confirmed checkpoint, and the full walk still sees all', async () => {
    const { name } = await version2Vault();
    const kms = await openVault(name);
    const checkpoints = async () => {
      const db = await openRaw(name);
      const all = await db.getAll('auditCheckpoints');
      db.close();
      return all.map(({ sequence, verifiedAt }) => ({ sequence, confirmed: !!verifiedAt }));
    };
    expect(await checkpoints()).toEqual([{ sequence: RECORDS, confirmed: false }]);
    // No checkpoint confirmed yet: Since LAST_CHECKPOINT walks everything, and confirms 10,000.
    expect(await kms.verifyAuditLog({ Since: 'LAST_CHECKPOINT' })).toEqual({
      Valid: true,
      RecordCount: RECORDS,
    });
    expect(await checkpoints()).toEqual([{ sequence: RECORDS, confirmed: true }]);
    await kms.createKey();
    const quick = await kms.verifyAuditLog({ Since: 'LAST_CHECKPOINT' });
    expect(quick).toEqual({ Valid: true, RecordCount: RECORDS + 2, VerifiedFromSequence: RECORDS });
    // It kept where it ended (the head after its VerifyAuditLog record and the CreateKey's) ...
    expect(await checkpoints()).toEqual([
      { sequence: RECORDS, confirmed: true },
      { sequence: RECORDS + 2, confirmed: true },
    ]);
    // ... so the next check reads only what came after (its own record, and a createKey), and
    // keeps its end in place of that one; the checkpoint of the 10,000th record stays.
    await kms.createKey();
    expect(await kms.verifyAuditLog({ Since: 'LAST_CHECKPOINT' })).toEqual({
      Valid: true,
      RecordCount: RECORDS + 4,
      VerifiedFromSequence: RECORDS + 2,
    });
    expect(await checkpoints()).toEqual([
      { sequence: RECORDS, confirmed: true },
      { sequence: RECORDS + 4, confirmed: true },
    ]);

    // A record changed before where the last check ended: the quick check does not look there;
    // the full walk does. One changed after it: the quick check finds it.
    const db = await openRaw(name);
    const early = await db.get('audit', 42);
    await db.put('audit', { ...early, eventName: 'Forged' });
    db.close();
    expect((await kms.verifyAuditLog({ Since: 'LAST_CHECKPOINT' })).Valid).toBe(true);
    expect(await kms.verifyAuditLog()).toMatchObject({ Valid: false, FirstInvalidSequence: 42 });
    // An invalid walk keeps no end: the quick check still starts where the last valid one ended.
    const head = await checkpoints();
    const db2 = await openRaw(name);
    const late = await db2.get('audit', head.at(-1)!.sequence + 1);
    await db2.put('audit', { ...late, eventName: 'Forged' });
    db2.close();
    expect(await kms.verifyAuditLog({ Since: 'LAST_CHECKPOINT' })).toMatchObject({
      Valid: false,
      FirstInvalidSequence: head.at(-1)!.sequence + 1,
      VerifiedFromSequence: head.at(-1)!.sequence,
    });
    expect(await checkpoints()).toEqual(head);
  }, 120_000);

  it('reports progress of the full walk and stops when cancelled', async () => {
    const { name } = await version2Vault();
    const kms = await openVault(name);
    const reports: [number, number][] = [];
    await kms.verifyAuditLog({}, (done, total) => reports.push([done, total]));
    expect(reports.at(-1)).toEqual([RECORDS, RECORDS]);
    const controller = new AbortController();
    controller.abort();
    await expect(kms.verifyAuditLog({}, undefined, controller.signal)).rejects.toMatchObject({
      name: 'OperationCancelledException',
    });
  }, 120_000);
});

describe('housekeeping at scale', () => {
  it('reads only the keys whose rotation, deletion or expiry has come', async () => {
    const name = `due-${crypto.randomUUID()}`;
    onTestFinished(() => deleteDatabase(name));
    const clock = new ManualClock();
    const kms = await openVault(name, clock);
    const rotating = (await kms.createKey()).KeyMetadata;
    await kms.enableKeyRotation({ KeyId: rotating.KeyId, RotationPeriodInDays: 90 });
    const deleting = (await kms.createKey()).KeyMetadata;
    await kms.scheduleKeyDeletion({ KeyId: deleting.KeyId, PendingWindowInDays: 7 });
    for (let i = 0; i < 20; i++) await kms.createKey();
    expect(await kms.runHousekeeping()).toBe(0);
    clock.advanceDays(8);
    expect(await kms.runHousekeeping()).toBe(1); // the deletion
    clock.advanceDays(90);
    expect(await kms.runHousekeeping()).toBe(1); // the rotation
    const { CiphertextBlob } = await kms.encrypt({ KeyId: rotating.KeyId, Plaintext: utf8('x') });
    expect((await kms.decrypt({ CiphertextBlob })).KeyId).toBe(rotating.Arn);
  });
});

describe('listKeys at scale', () => {
  it('pages from the creation index: creation order, then key id, markers continue it', async () => {
    const name = `keys-${crypto.randomUUID()}`;
    onTestFinished(() => deleteDatabase(name));
    const clock = new ManualClock();
    const kms = await openVault(name, clock);
    const made: { KeyId: string; at: number }[] = [];
    for (let i = 0; i < 7; i++) {
      // Two keys share each moment, so the key id decides between them.
      if (i % 2 === 0) clock.advanceMs(1000);
      made.push({ KeyId: (await kms.createKey()).KeyMetadata.KeyId, at: clock.now().getTime() });
    }
    const expected = made
      .sort((a, b) => a.at - b.at || (a.KeyId < b.KeyId ? -1 : 1))
      .map((key) => key.KeyId);
    const listed: string[] = [];
    let marker: string | undefined;
    const sizes: number[] = [];
    do {
      const page = await kms.listKeys({ Limit: 3, ...(marker && { Marker: marker }) });
      listed.push(...page.Keys.map((key) => key.KeyId));
      sizes.push(page.Keys.length);
      marker = page.NextMarker;
      expect(page.Truncated).toBe(marker !== undefined);
    } while (marker);
    expect(sizes).toEqual([3, 3, 1]);
    expect(listed).toEqual(expected);
  });
});
