/**
 * Issue 12: vaults are per origin. The app is served at http://127.0.0.1:4173, and passkeys need
 * http://localhost:4173 (WebAuthn refuses IP-address origins), which is another origin with its
 * own, separate vault. The way to move keys from one to the other is Recovery & backup's backup
 * and restore: this test takes that path, into a vault at localhost that has a lock, and checks
 * the moved key decrypts what it encrypted at 127.0.0.1 and is stored sealed there.
 */
import { expect, test } from '@playwright/test';
import { openApp } from './support/kms-page.ts';

const port = Number(process.env.E2E_PORT ?? 4173);

test('a backup made at 127.0.0.1 restores at localhost, into a locked vault, and decrypts', async ({
  page,
  context,
}) => {
  test.slow(); // scrypt at the app's work factor, twice
  await openApp(page);
  const made = await page.evaluate(async () => {
    const { kms } = window;
    const { RecoveryKey } = await kms.setUpRecovery({ GenerateRecoveryKey: true });
    const { KeyMetadata } = await kms.createKey({ Description: 'moves to localhost' });
    const { CiphertextBlob } = await kms.encrypt({
      KeyId: KeyMetadata.KeyId,
      Plaintext: new TextEncoder().encode('made at 127.0.0.1'),
    });
    const { Backup } = await kms.exportVaultBackup();
    return {
      recoveryKey: RecoveryKey!,
      keyArn: KeyMetadata.Arn,
      blob: [...CiphertextBlob],
      backup: [...new Uint8Array(await Backup.arrayBuffer())],
    };
  });

  const other = await context.newPage();
  await openApp(other, `http://localhost:${port}/`);
  const moved = await other.evaluate(async (given) => {
    const { kms } = window;
    const before = (await kms.listKeys()).Keys.length;
    await kms.setUpVaultLock({ Passphrase: 'the lock at localhost' });
    const restored = await kms.restoreVaultBackup({
      Backup: new Blob([new Uint8Array(given.backup)]),
      RecoveryKey: given.recoveryKey,
    });
    const { Plaintext } = await kms.decrypt({ CiphertextBlob: new Uint8Array(given.blob) });
    await kms.lockVault();
    const locked = await kms.decrypt({ CiphertextBlob: new Uint8Array(given.blob) }).then(
      () => 'decrypted',
      (error: Error) => error.name,
    );
    return {
      origin: location.origin,
      before,
      restored: restored.RestoredKeyIds,
      plaintext: new TextDecoder().decode(Plaintext),
      locked,
      sealed: (await kms.describeVaultLock({ IncludeKeys: true })).SealedVersionCount,
    };
  }, made);
  expect(moved).toEqual({
    origin: `http://localhost:${port}`,
    before: 0,
    restored: [made.keyArn],
    plaintext: 'made at 127.0.0.1',
    locked: 'VaultLockedException',
    sealed: 1,
  });
});
