/**
 * Issue 2, acceptance "Offline": load once, go offline, reload: the app opens, keys list,
 * encrypt and decrypt work, a file's too (TOOLCHAIN.md, "Offline", has the recipe this follows).
 */
import { expect, test } from '@playwright/test';
import {
  controlledByServiceWorker,
  expectNetworkOff,
  openApp,
  waitForKms,
} from './support/kms-page.ts';

test('after one visit the app loads offline, lists keys, and encrypts and decrypts', async ({
  page,
  context,
}) => {
  test.slow(); // three page loads and a service-worker install
  await openApp(page);
  const keyId = await page.evaluate(
    async () => (await window.kms.createKey({ Description: 'offline' })).KeyMetadata.KeyId,
  );

  await controlledByServiceWorker(page);

  await context.setOffline(true);
  try {
    await page.reload();
    await waitForKms(page);
    expect(await page.title()).toBe('Pocket KMS');

    const listed = await page.evaluate(async () =>
      (await window.kms.listKeys()).Keys.map((key) => key.KeyId),
    );
    expect(listed).toEqual([keyId]);

    const plaintext = await page.evaluate(async (id) => {
      const context = { where: 'offline' };
      const { CiphertextBlob } = await window.kms.encrypt({
        KeyId: id,
        Plaintext: new TextEncoder().encode('no network'),
        EncryptionContext: context,
      });
      const opened = await window.kms.decrypt({ CiphertextBlob, EncryptionContext: context });
      return new TextDecoder().decode(opened.Plaintext);
    }, keyId);
    expect(plaintext).toBe('no network');

    // A file of 9 MiB in 64 KiB frames: they are sealed in the frame worker, whose script comes
    // from the precache too (workers/envelope/frame-cipher.ts starts it for 8 MiB and more in
    // frames of more than 32 KiB).
    const roundTrip = await page.evaluate(async (id) => {
      const bytes = new Uint8Array(9 * 1024 * 1024 + 3);
      for (let at = 0; at < bytes.length; at += 65536) {
        crypto.getRandomValues(bytes.subarray(at, at + 65536));
      }
      const digest = async (blob: Blob) =>
        Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer())));
      const input = new File([bytes], 'offline.bin');
      const encrypted = await window.kms.encryptFile({
        Input: input,
        KeyIds: [id],
        FrameLength: 65536,
      });
      const decrypted = await window.kms.decryptFile({ Input: encrypted.Output });
      return { same: (await digest(decrypted.Output)).join() === (await digest(input)).join() };
    }, keyId);
    expect(roundTrip).toEqual({ same: true });
    expect(page.workers().map((worker) => new URL(worker.url()).pathname)).toContainEqual(
      expect.stringMatching(/frame\.worker/),
    );

    // The control: a URL the service worker did not precache really fails — the network is off.
    await expectNetworkOff(page);
  } finally {
    await context.setOffline(false);
  }
});
