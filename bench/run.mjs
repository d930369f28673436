// npm run bench — Pocket KMS measured through window.kms in headless Chromium, each figure next
// to a reference measured in the same run and the same browser, so the results are ratios:
//   latency   encrypt / decrypt / generateDataKey vs a bare postMessage round trip; cold start
//             online and offline vs a blank page (bench/latency.mjs)
//   files     encryptFile / decryptFile of a large file vs raw WebCrypto AES-GCM in a worker, and
//             the AWS Encryption SDK browser client (bench/files.mjs)
//   signing   sign / verify per second per algorithm vs the bare WebCrypto or noble call
//             (bench/signing.mjs)
//   recovery  backup and restore of 1,000 keys with 3 versions each, time and size, vs one
//             createKey (bench/recovery.mjs); run it with --only recovery
//   lock      unlockVault with 1,000 sealed keys vs with none (the scrypt alone), and encrypt /
//             decrypt / generateMac / sign unlocked vs without a lock (bench/lock.mjs); run it
//             with --only lock (--keys defaults to 1000 there)
//   scale     10,000 keys and 1,000,000 audit records vs an empty vault open beside it, every
//             call p50 / p99 (the two vaults alternating in rounds), the CPU per call, the full
//             walk, export, housekeeping and page memory (bench/scale.mjs); only when asked for
//             (--only scale): it takes about a quarter of an hour
// Never part of npm test. Usage:
//   npm run bench [-- --only latency,files,signing,recovery,lock,scale] [--iterations 300]
//                 [--file-mib 1024] [--keys 10000 (scale), 1000 (lock)] [--records 1000000]
//                 [--samples 200] [--cold (files: no warming of free memory before each step)]
import { benchFiles } from './files.mjs';
import { benchLatency } from './latency.mjs';
import { benchLock } from './lock.mjs';
import { benchRecovery } from './recovery.mjs';
import { benchScale } from './scale.mjs';
import { benchSigning } from './signing.mjs';
import { launchBrowser, startServer } from './support.mjs';

function option(name, fallback) {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? process.argv[index + 1] : fallback;
}
const only = new Set(option('only', 'latency,files,signing').split(','));
const iterations = Number(option('iterations', 300));
const fileMiB = Number(option('file-mib', 1024));
const keys = option('keys');
const recordCount = Number(option('records', 1_000_000));
// Calls per timed series and vault: 200 calls of a few milliseconds take about a second, and
// their p50 moves less with a shared machine's load than one of 50.
const samples = Number(option('samples', 200));

const server = await startServer();
const browser = await launchBrowser();
try {
  console.log(`# Pocket KMS benchmark — Chromium ${browser.version()}`);
  if (only.has('latency')) await benchLatency(browser, { iterations });
  if (only.has('files')) await benchFiles({ fileMiB, cold: process.argv.includes('--cold') });
  if (only.has('signing')) await benchSigning(browser, { iterations: Math.min(iterations, 200) });
  if (only.has('recovery')) await benchRecovery();
  if (only.has('lock')) await benchLock({ keyCount: Number(keys ?? 1000), iterations });
  if (only.has('scale'))
    await benchScale({ keyCount: Number(keys ?? 10_000), recordCount, samples });
} finally {
  await browser.close();
  server.kill();
}
