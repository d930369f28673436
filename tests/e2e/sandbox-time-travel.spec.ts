/**
 * Issue 13 §1, acceptance "Sandbox time travel": through `window.kmsSandbox`, rotation fires at
 * the period, deletion completes after the window and imported material expires at ValidTo, each
 * with its AwsServiceEvent record at the simulated time. Through all of it the person's vault
 * (`window.kms`) keeps its keys, its clock and its audit log, and never shares storage with the
 * sandbox (its own IndexedDB database, its own OPFS folder). The sandbox's clock survives a
 * reload; resetSandbox starts it over.
 */
import { expect, test, type Page } from '@playwright/test';
import type { AuditEvent } from '../../workers/api.ts';
import { APP_VAULT, openApp, SANDBOX_VAULT } from './support/kms-page.ts';
const DAY_MS = 24 * 60 * 60 * 1000;
/** How far a housekeeping record may trail the move that caused it (the clock runs on). */
const SLACK_MS = 10_000;

/** Every record of a vault's log, read straight from IndexedDB (no call, so no new record). */
function rawAuditLog(page: Page, database: string): Promise<AuditEvent[]> {
  return page.evaluate(
    (name) =>
      new Promise<AuditEvent[]>((resolve, reject) => {
        const open = indexedDB.open(name);
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const all = db.transaction('audit').objectStore('audit').getAll();
          all.onsuccess = () => {
            db.close();
            resolve(all.result as AuditEvent[]);
          };
          all.onerror = () => reject(all.error);
        };
      }),
    database,
  );
}

/** The person's log without the UI's own background reads (the page draws itself meanwhile). */
async function personLog(page: Page): Promise<AuditEvent[]> {
  return (await rawAuditLog(page, APP_VAULT)).filter(
    (record) => record.userAgent !== 'pocket-kms-ui/background',
  );
}

function expectAt(record: AuditEvent | undefined, notBefore: Date, notAfter: Date): void {
  expect(record, 'the service event was recorded').toBeDefined();
  const at = new Date(record!.eventTime).getTime();
  expect(at).toBeGreaterThanOrEqual(notBefore.getTime());
  expect(at).toBeLessThanOrEqual(notAfter.getTime() + SLACK_MS);
}

test('the sandbox time-travels: rotation, deletion and expiry at simulated times, the real vault unchanged', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await openApp(page);

  // The person's vault: a rotating key and a key pending deletion, which the sandbox's moves
  // must not touch.
  const real = await page.evaluate(async () => {
    const { kms } = window;
    const rotating = (await kms.createKey({ Description: 'real, rotating' })).KeyMetadata;
    await kms.enableKeyRotation({ KeyId: rotating.KeyId, RotationPeriodInDays: 90 });
    const doomed = (await kms.createKey({ Description: 'real, pending deletion' })).KeyMetadata;
    await kms.scheduleKeyDeletion({ KeyId: doomed.KeyId, PendingWindowInDays: 7 });
    return { rotating: rotating.KeyId, doomed: doomed.KeyId };
  });
  expect(
    await page.evaluate(
      () => typeof (window.kms as object as Record<string, unknown>).advanceClock,
    ),
  ).toBe('undefined');
  const realLogBefore = await personLog(page);

  // The sandbox: the same API, plus its clock.
  const start = await page.evaluate(async () => {
    const { kmsSandbox: sandbox } = window;
    const clock = await sandbox.describeClock();
    const rotating = (await sandbox.createKey({ Description: 'sandbox, rotating' })).KeyMetadata;
    await sandbox.enableKeyRotation({ KeyId: rotating.KeyId, RotationPeriodInDays: 90 });
    const rotationDue = (await sandbox.getKeyRotationStatus({ KeyId: rotating.KeyId }))
      .NextRotationDate!;
    const doomed = (await sandbox.createKey({ Description: 'sandbox, doomed' })).KeyMetadata;
    await sandbox.createAlias({ AliasName: 'alias/doomed', TargetKeyId: doomed.KeyId });
    const { CiphertextBlob } = await sandbox.encrypt({
      KeyId: doomed.KeyId,
      Plaintext: new TextEncoder().encode('gone in a week'),
    });
    const { DeletionDate } = await sandbox.scheduleKeyDeletion({
      KeyId: doomed.KeyId,
      PendingWindowInDays: 7,
    });

    // Bring your own key, with material valid for three days.
    const imported = (await sandbox.createKey({ Origin: 'EXTERNAL' })).KeyMetadata;
    const parameters = await sandbox.getParametersForImport({
      KeyId: imported.KeyId,
      WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
      WrappingKeySpec: 'RSA_2048',
    });
    const wrappingKey = await crypto.subtle.importKey(
      'spki',
      new Uint8Array(parameters.PublicKey),
      { name: 'RSA-OAEP', hash: 'SHA-256' },
      false,
      ['encrypt'],
    );
    const material = crypto.getRandomValues(new Uint8Array(32));
    const validTo = new Date(clock.Date.getTime() + 3 * 24 * 60 * 60 * 1000);
    await sandbox.importKeyMaterial({
      KeyId: imported.KeyId,
      ImportToken: parameters.ImportToken,
      EncryptedKeyMaterial: new Uint8Array(
        await crypto.subtle.encrypt({ name: 'RSA-OAEP' }, wrappingKey, material),
      ),
      ExpirationModel: 'KEY_MATERIAL_EXPIRES',
      ValidTo: validTo,
    });
    return {
      clock,
      rotating: rotating.KeyId,
      rotationDue,
      doomed: doomed.KeyId,
      doomedArn: doomed.Arn,
      blob: Array.from(CiphertextBlob),
      deletionDate: DeletionDate,
      imported: imported.KeyId,
      validTo,
    };
  });
  expect(start.clock.OffsetInMilliseconds).toBe(0);

  // Just before ValidTo nothing happens; at ValidTo the material expires.
  const expiry = await page.evaluate(async ({ imported, validTo }) => {
    const { kmsSandbox: sandbox } = window;
    const before = await sandbox.setClock({ Date: new Date(validTo.getTime() - 60_000) });
    const stateBefore = (await sandbox.describeKey({ KeyId: imported })).KeyMetadata.KeyState;
    const at = await sandbox.setClock({ Date: validTo });
    const stateAfter = (await sandbox.describeKey({ KeyId: imported })).KeyMetadata.KeyState;
    return { before, stateBefore, at, stateAfter };
  }, start);
  expect(expiry.before.HousekeepingEvents).toBe(0);
  expect(expiry.stateBefore).toBe('Enabled');
  expect(expiry.at.HousekeepingEvents).toBe(1);
  expect(expiry.stateAfter).toBe('PendingImport');

  // The deletion window passes: the key, its versions and its alias go; its ciphertext is dead.
  const deletion = await page.evaluate(async ({ doomed, deletionDate, blob }) => {
    const { kmsSandbox: sandbox } = window;
    const at = await sandbox.setClock({ Date: deletionDate });
    const errorOf = (promise: Promise<unknown>) =>
      promise.then(
        () => 'succeeded',
        (error: Error) => error.name,
      );
    return {
      at,
      describe: await errorOf(sandbox.describeKey({ KeyId: doomed })),
      alias: await errorOf(sandbox.describeKey({ KeyId: 'alias/doomed' })),
      decrypt: await errorOf(sandbox.decrypt({ CiphertextBlob: new Uint8Array(blob) })),
    };
  }, start);
  expect(deletion.at.HousekeepingEvents).toBe(1);
  expect(deletion.describe).toBe('NotFoundException');
  expect(deletion.alias).toBe('NotFoundException');
  expect(deletion.decrypt).toBe('InvalidCiphertextException');

  // A day before the period nothing rotates; at the period the key rotates automatically.
  const rotation = await page.evaluate(async ({ rotating, rotationDue }) => {
    const { kmsSandbox: sandbox } = window;
    const before = await sandbox.setClock({
      Date: new Date(rotationDue.getTime() - 24 * 60 * 60 * 1000),
    });
    const at = await sandbox.advanceClock({ Days: 1 });
    const { Rotations } = await sandbox.listKeyRotations({ KeyId: rotating });
    return { before, at, rotations: Rotations };
  }, start);
  expect(rotation.before.HousekeepingEvents).toBe(0);
  expect(rotation.at.HousekeepingEvents).toBe(1);
  expect(rotation.rotations).toHaveLength(1);
  expect(rotation.rotations[0]!.RotationType).toBe('AUTOMATIC');
  expectAt(
    { eventTime: rotation.rotations[0]!.RotationDate.toISOString() } as AuditEvent,
    start.rotationDue,
    rotation.at.Date,
  );

  // Each change has its AwsServiceEvent at the simulated time, in the sandbox's own log.
  const sandboxLog = await rawAuditLog(page, SANDBOX_VAULT);
  const service = (eventName: string) =>
    sandboxLog.filter((r) => r.eventType === 'AwsServiceEvent' && r.eventName === eventName);
  expect(service('DeleteExpiredKeyMaterial')).toHaveLength(1);
  expectAt(service('DeleteExpiredKeyMaterial')[0], start.validTo, expiry.at.Date);
  expect(service('DeleteKey')).toHaveLength(1);
  expect(service('DeleteKey')[0]!.additionalEventData).toMatchObject({
    keyId: start.doomedArn,
    deletionDate: start.deletionDate.toISOString(),
  });
  expectAt(service('DeleteKey')[0], start.deletionDate, deletion.at.Date);
  expect(service('RotateKey')).toHaveLength(1);
  expectAt(service('RotateKey')[0], start.rotationDue, rotation.at.Date);
  expect(sandboxLog.filter((r) => r.eventName === 'SetClock')).toHaveLength(4);
  expect(sandboxLog.filter((r) => r.eventName === 'AdvanceClock')).toHaveLength(1);

  // The person's vault: same keys and states, no rotation, no deletion, its clock today, and not
  // one record in its log from any of this.
  const after = await page.evaluate(async ({ rotating, doomed }) => {
    const { kms } = window;
    const before = Date.now();
    const { KeyMetadata } = await kms.createKey({ Description: 'made after the time travel' });
    return {
      rotatingState: (await kms.describeKey({ KeyId: rotating })).KeyMetadata.KeyState,
      rotations: (await kms.listKeyRotations({ KeyId: rotating })).Rotations,
      doomedState: (await kms.describeKey({ KeyId: doomed })).KeyMetadata.KeyState,
      created: KeyMetadata.CreationDate.getTime(),
      before,
      afterMs: Date.now(),
    };
  }, real);
  expect(after.rotatingState).toBe('Enabled');
  expect(after.rotations).toEqual([]);
  expect(after.doomedState).toBe('PendingDeletion');
  expect(after.created).toBeGreaterThanOrEqual(after.before - 1000);
  expect(after.created).toBeLessThanOrEqual(after.afterMs + 1000);
  const realLogAfter = await personLog(page);
  expect(realLogAfter.slice(0, realLogBefore.length)).toEqual(realLogBefore);
  const added = realLogAfter.slice(realLogBefore.length);
  expect(added.map((r) => r.eventName)).toEqual([
    'CreateKey',
    'DescribeKey',
    'ListKeyRotations',
    'DescribeKey',
  ]);
  for (const record of added) {
    expect(new Date(record.eventTime).getTime()).toBeLessThanOrEqual(Date.now() + 1000);
  }
  const realKeys = await page.evaluate(() => window.kms.listKeys());
  expect(realKeys.Keys.map((k) => k.KeyId)).not.toContain(start.rotating);
});

test('the sandbox keeps its own storage, its clock survives a reload, and resetSandbox starts it over', async ({
  page,
}) => {
  await openApp(page);
  const made = await page.evaluate(async () => {
    const { kms, kmsSandbox: sandbox } = window;
    const realKey = (await kms.createKey({ Description: 'mine' })).KeyMetadata.KeyId;
    const sandboxKey = (await sandbox.createKey({ Description: 'lesson' })).KeyMetadata.KeyId;
    const { OutputId } = await sandbox.encryptFile({
      KeyIds: [sandboxKey],
      Input: new File(['sandbox file'], 'lesson.txt'),
    });
    const moved = await sandbox.advanceClock({ Days: 400 });
    return { realKey, sandboxKey, outputId: OutputId, moved };
  });
  expect(made.moved.OffsetInMilliseconds).toBeGreaterThanOrEqual(400 * DAY_MS);

  const storage = await page.evaluate(async () => {
    const root = await navigator.storage.getDirectory();
    const names = async (directory: FileSystemDirectoryHandle): Promise<string[]> => {
      const found: string[] = [];
      for await (const name of (
        directory as FileSystemDirectoryHandle & { keys(): AsyncIterable<string> }
      ).keys())
        found.push(name);
      return found;
    };
    /** Every job directory under one output folder (owner/job). */
    const jobs = async (folder: string): Promise<string[]> => {
      const top = await root.getDirectoryHandle(folder).catch(() => undefined);
      if (!top) return [];
      const all: string[] = [];
      for (const owner of await names(top)) {
        all.push(...(await names(await top.getDirectoryHandle(owner))));
      }
      return all;
    };
    return {
      databases: (await indexedDB.databases()).map((d) => d.name),
      realJobs: await jobs('pocket-kms-output'),
      sandboxJobs: await jobs('pocket-kms-sandbox-output'),
      realKeys: (await window.kms.listKeys()).Keys.map((k) => k.KeyId),
      sandboxKeys: (await window.kmsSandbox.listKeys()).Keys.map((k) => k.KeyId),
    };
  });
  expect(storage.databases).toEqual(expect.arrayContaining([APP_VAULT, SANDBOX_VAULT]));
  expect(storage.sandboxJobs).toContain(made.outputId);
  expect(storage.realJobs).not.toContain(made.outputId);
  expect(storage.realKeys).toEqual([made.realKey]);
  expect(storage.sandboxKeys).toEqual([made.sandboxKey]);

  // The sandbox's clock is kept in its own database: a reload finds it as far ahead.
  await page.reload();
  await page.waitForFunction(() => typeof window.kmsSandbox === 'object');
  const reloaded = await page.evaluate(() => window.kmsSandbox.describeClock());
  expect(reloaded.OffsetInMilliseconds).toBe(made.moved.OffsetInMilliseconds);
  expect(reloaded.Date.getTime()).toBeGreaterThanOrEqual(made.moved.Date.getTime());

  // Forward only.
  const refused = await page.evaluate(() =>
    window.kmsSandbox.setClock({ Date: new Date() }).then(
      () => 'succeeded',
      (error: Error) => error.name,
    ),
  );
  expect(refused).toBe('ValidationException');

  // Starting over: no keys, no outputs, the clock back at today; the person's vault as it was.
  const reset = await page.evaluate(async () => {
    const clock = await window.kmsSandbox.resetSandbox();
    const root = await navigator.storage.getDirectory();
    const folder = await root.getDirectoryHandle('pocket-kms-sandbox-output').then(
      () => 'present',
      (error: Error) => error.name,
    );
    return {
      clock,
      sandboxKeys: (await window.kmsSandbox.listKeys()).Keys,
      log: (await window.kmsSandbox.listAuditEvents()).Events.map((e) => e.eventName),
      realKeys: (await window.kms.listKeys()).Keys.map((k) => k.KeyId),
      folder,
    };
  });
  expect(reset.clock.OffsetInMilliseconds).toBe(0);
  expect(reset.sandboxKeys).toEqual([]);
  expect(reset.log).toEqual(['ListKeys', 'DescribeClock']);
  expect(reset.realKeys).toEqual([made.realKey]);
  expect(reset.folder).toBe('NotFoundError');
});
