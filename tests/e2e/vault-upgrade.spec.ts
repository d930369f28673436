/**
 * Issue 16: a vault made before the audit indexes (schema 2) is upgraded when this version first
 * opens it, and the upgrade writes the index entries of every stored record — minutes at a
 * million records, during which every call waits. The page says so, with a bar that moves, and
 * the app works once it is done.
 *
 * The old vault is written by page script exactly as schema 2 laid it out (the stores and
 * indexes of schema 2, a vault record, and RECORDS audit records of the fields the upgrade
 * reads). The records are not a verifiable chain (their hashes are placeholders): this test is
 * about the upgrade's progress; tests/browser/audit-migration.test.ts and audit-scale.test.ts
 * check the migrated entries and chain record by record.
 */
import { expect, test } from '@playwright/test';
import { APP_VAULT } from './support/kms-page.ts';
import { expectAccessibleLayout, openApp } from './ui-helpers.ts';

const RECORDS = 30_000;

test('a schema-2 vault upgrades on first open, with its progress shown, and the app works after', async ({
  page,
}) => {
  test.setTimeout(180_000);
  await openApp(page, '#/keys');
  await page.evaluate(
    async ({ name, records }) => {
      // The core closes its connection when asked to (vault-store's `blocking`), so the
      // delete goes through; the page is reloaded below, which starts a new core.
      await new Promise((resolve, reject) => {
        const deletion = indexedDB.deleteDatabase(name);
        deletion.onsuccess = resolve;
        deletion.onerror = () => reject(deletion.error);
      });
      const open = indexedDB.open(name, 2);
      open.onupgradeneeded = () => {
        const db = open.result;
        db.createObjectStore('vault', { keyPath: 'id' });
        const keys = db.createObjectStore('keys', { keyPath: 'KeyId' });
        db.createObjectStore('keyVersions', { keyPath: ['KeyId', 'Version'] });
        db.createObjectStore('aliases', { keyPath: 'AliasName' }).createIndex(
          'byTarget',
          'TargetKeyId',
        );
        db.createObjectStore('audit', { keyPath: 'sequence' });
        db.createObjectStore('importParameters', { keyPath: 'KeyId' });
        keys.createIndex(
          'byRawAesIdentity',
          ['RawAesKeyring.KeyNamespace', 'RawAesKeyring.KeyName'],
          { unique: true },
        );
      };
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      const vaultId = '123456789012';
      const tx = db.transaction(['vault', 'audit'], 'readwrite');
      const placeholder = '0'.repeat(64);
      for (let sequence = 1; sequence <= records; sequence++) {
        const keyId = `${String(sequence % 50).padStart(8, '0')}-1111-4111-8111-111111111111`;
        tx.objectStore('audit').put({
          sequence,
          eventName: 'Encrypt',
          eventTime: new Date(Date.UTC(2026, 0, 1) + sequence * 1000).toISOString(),
          recipientAccountId: vaultId,
          resources: [
            {
              accountId: vaultId,
              type: 'AWS::KMS::Key',
              ARN: `arn:pkms:kms:local:${vaultId}:key/${keyId}`,
            },
          ],
          ...(sequence % 10 === 0 && { errorCode: 'DisabledException', errorMessage: 'off' }),
          previousHash: placeholder,
          hash: placeholder,
        });
      }
      tx.objectStore('vault').put({
        id: 'vault',
        VaultId: vaultId,
        CreationDate: new Date(Date.UTC(2026, 0, 1)),
        AuditHead: { sequence: records, hash: placeholder },
      });
      await new Promise((resolve, reject) => {
        tx.oncomplete = resolve;
        tx.onerror = () => reject(tx.error);
      });
      db.close();
    },
    { name: APP_VAULT, records: RECORDS },
  );

  await page.reload();
  const banner = page.locator('.upgrade-banner');
  await expect(banner).toContainText(
    /Upgrading this vault[^:]*: [\d,]+\s+of\s+30,000\s+audit log entries/,
    {
      timeout: 30_000,
    },
  );
  const bar = banner.getByRole('progressbar', { name: 'Vault upgrade' });
  const first = Number(await bar.getAttribute('value'));
  await expectAccessibleLayout(page, 'the upgrade banner');
  // The bar moves on (a batch is 5,000 records), then the banner goes once the upgrade is done.
  const shown = (): Promise<number> =>
    page.evaluate(
      () => document.querySelector<HTMLProgressElement>('.upgrade-banner progress')?.value ?? -1,
    );
  await expect
    .poll(
      async () => {
        const value = await shown();
        return value === -1 ? 'gone' : value > first ? 'moved' : 'still';
      },
      { timeout: 120_000 },
    )
    .not.toBe('still');
  await expect(banner).toBeHidden({ timeout: 120_000 });

  // The upgraded vault answers: the Keys page, a new key, and the log filtered by a key the old
  // records name (read from the new auditKeys index).
  await expect(page.getByText('This vault has no keys yet.')).toBeVisible();
  const answers = await page.evaluate(async () => {
    const created = await window.kms.createKey({ Description: 'after the upgrade' });
    const byKey = await window.kms.listAuditEvents({
      KeyId: '00000007-1111-4111-8111-111111111111',
      Limit: 1000,
    });
    return { keyState: created.KeyMetadata.KeyState, byKey: byKey.Events.length };
  });
  // Records 7, 57, 107, … name key 7: 600 of the 30,000.
  expect(answers).toEqual({ keyState: 'Enabled', byKey: 600 });
});
