/**
 * Issue 2, acceptance: "Two tabs rotating the same key at once end with a linear version
 * history." Two pages of one browser context each run their own core worker on the one vault.
 */
import { expect, test, type Page } from '@playwright/test';
import { APP_VAULT, blobKeyVersion, openApp } from './support/kms-page.ts';

const ROTATIONS_PER_TAB = 6;

/** In one tab: rotate and then encrypt, `count` times at once; returns the ciphertexts. */
function rotateAndEncrypt(page: Page, keyId: string, tab: string): Promise<number[][]> {
  return page.evaluate(
    async ({ keyId, tab, count }) =>
      Promise.all(
        Array.from({ length: count }, async (_, i) => {
          await window.kms.rotateKeyOnDemand({ KeyId: keyId });
          const { CiphertextBlob } = await window.kms.encrypt({
            KeyId: keyId,
            Plaintext: new TextEncoder().encode(`${tab}${i}`),
          });
          return Array.from(CiphertextBlob);
        }),
      ),
    { keyId, tab, count: ROTATIONS_PER_TAB },
  );
}

test('two tabs rotating the same key at once end with versions 1..N, no gap or duplicate, every ciphertext decrypting', async ({
  context,
}) => {
  test.slow(); // two app loads and twelve strict-durability rotations through two workers
  const first = await context.newPage();
  const second = await context.newPage();
  await openApp(first);
  await openApp(second);
  const keyId = await first.evaluate(
    async () => (await window.kms.createKey({ Description: 'contended' })).KeyMetadata.KeyId,
  );

  const [fromFirst, fromSecond] = await Promise.all([
    rotateAndEncrypt(first, keyId, 'A'),
    rotateAndEncrypt(second, keyId, 'B'),
  ]);
  const total = 1 + 2 * ROTATIONS_PER_TAB;

  // What the vault holds, read by the page straight from IndexedDB.
  const stored = await first.evaluate(
    async ({ vaultName, keyId }) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open(vaultName);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      const versions = await new Promise<
        { KeyId: string; Version: number; KeyMaterialId: string }[]
      >((resolve, reject) => {
        const request = db.transaction('keyVersions').objectStore('keyVersions').getAll();
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      db.close();
      return versions
        .filter((version) => version.KeyId === keyId)
        .map((version) => [version.Version, version.KeyMaterialId] as const);
    },
    { vaultName: APP_VAULT, keyId },
  );
  expect(stored.map(([version]) => version)).toEqual(
    Array.from({ length: total }, (_, i) => i + 1),
  );
  expect(new Set(stored.map(([, materialId]) => materialId)).size).toBe(total);

  // Each tab decrypts the other tab's ciphertexts, with the version each names.
  const crossCheck = async (page: Page, blobs: number[][]) =>
    page.evaluate(async (all) => {
      const results = [];
      for (const blob of all) {
        const opened = await window.kms.decrypt({ CiphertextBlob: Uint8Array.from(blob) });
        results.push([new TextDecoder().decode(opened.Plaintext), opened.KeyMaterialId]);
      }
      return results;
    }, blobs);
  const openedBySecond = await crossCheck(second, fromFirst);
  const openedByFirst = await crossCheck(first, fromSecond);
  // Each names its version's material (KeyMaterialId), the version its header names.
  const materialOf = (blob: number[]) =>
    stored.find(([version]) => version === blobKeyVersion(blob))![1];
  expect(openedBySecond).toEqual(fromFirst.map((blob, i) => [`A${i}`, materialOf(blob)]));
  expect(openedByFirst).toEqual(fromSecond.map((blob, i) => [`B${i}`, materialOf(blob)]));

  const summary = await second.evaluate(async (id) => {
    const rotations = (await window.kms.listKeyRotations({ KeyId: id })).Rotations;
    const failures = (await window.kms.listAuditEvents({ ErrorsOnly: true })).Events.map(
      (event) => event.errorCode,
    );
    return {
      rotationTypes: rotations.map((rotation) => rotation.RotationType),
      current: (await window.kms.describeKey({ KeyId: id })).KeyMetadata.CurrentKeyMaterialId,
      failures,
      audit: await window.kms.verifyAuditLog(),
    };
  }, keyId);
  expect(summary.rotationTypes).toEqual(Array<string>(2 * ROTATIONS_PER_TAB).fill('ON_DEMAND'));
  expect(summary.current).toBe(stored.at(-1)![1]);
  expect(summary.failures).toEqual([]);
  expect(summary.audit.Valid).toBe(true);
});
