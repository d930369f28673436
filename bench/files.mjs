// File throughput (issue 3): encryptFile and decryptFile of a large file through window.kms,
// against raw WebCrypto AES-256-GCM at the same frame size in a worker of the same page (the
// reference), with where the time goes (reading the input, writing OPFS), and the AWS
// Encryption SDK's browser client on an in-memory buffer, all in one run.
import { mibPerSecond, openApp } from './support.mjs';

const FRAME_LENGTH = 512 * 1024; // the core's default (workers/envelope/encrypt-message.ts)
const SDK_BYTES = 64 * 1024 * 1024;

export async function benchFiles(browser, { fileMiB }) {
  const { context, page } = await openApp(browser);
  const totalBytes = fileMiB * 1024 * 1024;
  const result = await page.evaluate(
    async ({ totalBytes, frameLength, sdkBytes }) => {
      const chunk = new Uint8Array(1024 * 1024);
      for (let at = 0; at < chunk.length; at += 65536)
        crypto.getRandomValues(chunk.subarray(at, at + 65536));
      const input = new File(Array(totalBytes / chunk.length).fill(chunk), 'bench.bin');
      const { KeyMetadata } = await window.kms.createKey({ Description: 'bench files' });
      const EncryptionContext = { purpose: 'bench' };
      let start = performance.now();
      const encrypted = await window.kms.encryptFile({
        Input: input,
        KeyIds: [KeyMetadata.KeyId],
        EncryptionContext,
      });
      const encryptMs = performance.now() - start;
      start = performance.now();
      const decrypted = await window.kms.decryptFile({
        Input: encrypted.Output,
        EncryptionContext,
      });
      const decryptMs = performance.now() - start;
      if (decrypted.Output.size !== input.size) throw new Error('round trip lost bytes');
      return {
        encryptMs,
        decryptMs,
        raw: await window.peer('rawAesGcm', { totalBytes, frameLength }),
        readInput: await window.peer('readBlob', { blob: input, frameLength }),
        readOpfs: await window.peer('readBlob', { blob: encrypted.Output, frameLength }),
        writeOpfs: await window.peer('writeOpfs', { totalBytes, frameLength }),
        sdkSameSettings: await window.peer('esdkBrowser', {
          totalBytes: sdkBytes,
          suite: 0x0478,
          frameLength,
        }),
        sdkDefaults: await window.peer('esdkBrowser', { totalBytes: sdkBytes }),
      };
    },
    { totalBytes, frameLength: FRAME_LENGTH, sdkBytes: SDK_BYTES },
  );
  await context.close();

  const rate = (bytes, milliseconds) => mibPerSecond(bytes, milliseconds).toFixed(0).padStart(6);
  const rawEncrypt = mibPerSecond(totalBytes, result.raw.encryptMs);
  const rawDecrypt = mibPerSecond(totalBytes, result.raw.decryptMs);
  const ours = {
    encrypt: mibPerSecond(totalBytes, result.encryptMs),
    decrypt: mibPerSecond(totalBytes, result.decryptMs),
  };
  const sdk = {
    encrypt: mibPerSecond(SDK_BYTES, result.sdkSameSettings.encryptMs),
    decrypt: mibPerSecond(SDK_BYTES, result.sdkSameSettings.decryptMs),
  };
  const sdkDefaults = {
    encrypt: mibPerSecond(SDK_BYTES, result.sdkDefaults.encryptMs),
    decrypt: mibPerSecond(SDK_BYTES, result.sdkDefaults.decryptMs),
  };
  console.log(
    `\n## Files — ${fileMiB} MiB through window.kms, ${FRAME_LENGTH / 1024} KiB frames (MiB/s)\n`,
  );
  console.log(
    '                                              encrypt  decrypt   ours ÷ this (enc / dec)',
  );
  console.log(
    `raw WebCrypto AES-GCM in a worker (reference)  ${rate(totalBytes, result.raw.encryptMs)}   ${rate(totalBytes, result.raw.decryptMs)}    ${(ours.encrypt / rawEncrypt).toFixed(2)}× / ${(ours.decrypt / rawDecrypt).toFixed(2)}×`,
  );
  console.log(
    `Pocket KMS encryptFile / decryptFile           ${rate(totalBytes, result.encryptMs)}   ${rate(totalBytes, result.decryptMs)}`,
  );
  console.log(
    `ESDK browser client, 0x0478, same frames*      ${rate(SDK_BYTES, result.sdkSameSettings.encryptMs)}   ${rate(SDK_BYTES, result.sdkSameSettings.decryptMs)}    ${(ours.encrypt / sdk.encrypt).toFixed(2)}× / ${(ours.decrypt / sdk.decrypt).toFixed(2)}×`,
  );
  console.log(
    `ESDK browser client, defaults (0x0578, 4 KiB)* ${rate(SDK_BYTES, result.sdkDefaults.encryptMs)}   ${rate(SDK_BYTES, result.sdkDefaults.decryptMs)}    ${(ours.encrypt / sdkDefaults.encrypt).toFixed(2)}× / ${(ours.decrypt / sdkDefaults.decrypt).toFixed(2)}×`,
  );
  console.log(
    `* on a ${SDK_BYTES / 1048576} MiB buffer in memory: the SDK's browser client cannot stream`,
  );
  console.log('\nwhere the time goes (same sizes, each alone in the reference worker):');
  console.log(
    `read the input File, frame slices   ${rate(totalBytes, result.readInput.ms)} MiB/s  (${(result.readInput.ms / 1000).toFixed(2)} s)`,
  );
  console.log(
    `read an OPFS-backed File           ${rate(totalBytes, result.readOpfs.ms)} MiB/s  (${(result.readOpfs.ms / 1000).toFixed(2)} s)`,
  );
  console.log(
    `AES-GCM encrypt (raw)              ${rate(totalBytes, result.raw.encryptMs)} MiB/s  (${(result.raw.encryptMs / 1000).toFixed(2)} s)`,
  );
  console.log(
    `write OPFS, sync handle + flush    ${rate(totalBytes, result.writeOpfs.ms)} MiB/s  (${(result.writeOpfs.ms / 1000).toFixed(2)} s)`,
  );
  console.log(
    `encryptFile, all of it             ${rate(totalBytes, result.encryptMs)} MiB/s  (${(result.encryptMs / 1000).toFixed(2)} s)`,
  );
}
