// npm run bench — latency of the core through window.kms, next to references measured in the
// same run and the same browser, so the figures are ratios rather than bare times:
//   - encrypt / decrypt / generateDataKey p50 and p99, against a bare postMessage round trip
//     to an echo worker on the same page;
//   - cold start to interactive (the app answered its first listKeys), online and offline
//     (served by the service worker), against loading a blank page from the same server.
// Never part of npm test. Usage: npm run bench [-- --iterations 300]
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium } from 'playwright';

const PORT = 4175;
const ORIGIN = `http://127.0.0.1:${PORT}`;
const iterationsArg = process.argv.indexOf('--iterations');
const ITERATIONS = iterationsArg > 0 ? Number(process.argv[iterationsArg + 1]) : 300;
const COLD_STARTS = 7;
const ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

function chromiumPath() {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', chromium.executablePath()];
  const found = candidates.find((candidate) => candidate && existsSync(candidate));
  if (!found) throw new Error('No Chromium: install one or set CHROMIUM_PATH (see README).');
  return found;
}

function startServer() {
  const server = spawn(
    process.execPath,
    ['node_modules/vite/bin/vite.js', 'preview', '--host', '127.0.0.1', '--port', String(PORT), '--strictPort'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    server.stdout.on('data', (chunk) => {
      if (String(chunk).includes(String(PORT))) resolve(server);
    });
    server.on('exit', (code) => reject(new Error(`preview server exited with ${code}`)));
  });
}

/** Same-origin helper pages and an echo worker, served by Playwright (the app's CSP allows them). */
async function routeBenchFiles(context) {
  await context.route(`${ORIGIN}/__bench/echo-worker.js`, (route) =>
    route.fulfill({ contentType: 'text/javascript', body: 'self.onmessage = (e) => self.postMessage(e.data);' }),
  );
  await context.route(`${ORIGIN}/__bench/blank.html`, (route) =>
    route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>blank</title><p>blank</p>' }),
  );
}

const median = (values) => quantile(values, 0.5);
function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}
const ms = (value) => `${value.toFixed(3)} ms`;

async function latency(browser) {
  const context = await browser.newContext({ serviceWorkers: 'block' });
  await routeBenchFiles(context);
  const page = await context.newPage();
  await page.goto(ORIGIN);
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
  const samples = await page.evaluate(async (iterations) => {
    const kms = window.kms;
    const { KeyMetadata } = await kms.createKey({ Description: 'bench' });
    const KeyId = KeyMetadata.KeyId;
    const Plaintext = crypto.getRandomValues(new Uint8Array(256));
    const EncryptionContext = { purpose: 'bench' };
    const echo = new Worker('/__bench/echo-worker.js');
    const roundTrip = (message) =>
      new Promise((resolve) => {
        echo.onmessage = () => resolve(undefined);
        echo.postMessage(message);
      });
    const time = async (run) => {
      const out = [];
      for (let i = 0; i < 20; i++) await run(); // warm-up
      for (let i = 0; i < iterations; i++) {
        const start = performance.now();
        await run();
        out.push(performance.now() - start);
      }
      return out;
    };
    const { CiphertextBlob } = await kms.encrypt({ KeyId, Plaintext, EncryptionContext });
    // One round trip is below the page's timer resolution (0.1 ms without cross-origin
    // isolation), so each postMessage sample is the mean of a batch of 50.
    const batch = async () => {
      for (let i = 0; i < 50; i++) await roundTrip({ KeyId, Plaintext, EncryptionContext });
    };
    return {
      postMessage: (await time(batch)).map((total) => total / 50),
      encrypt: await time(() => kms.encrypt({ KeyId, Plaintext, EncryptionContext })),
      decrypt: await time(() => kms.decrypt({ CiphertextBlob, EncryptionContext })),
      generateDataKey: await time(() => kms.generateDataKey({ KeyId, KeySpec: 'AES_256' })),
    };
  }, ITERATIONS);
  await context.close();
  return samples;
}

async function timeToReady(page, url) {
  await page.goto(url);
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
  return page.evaluate(() => performance.now());
}

async function blankLoad(page) {
  await page.goto(`${ORIGIN}/__bench/blank.html`);
  return page.evaluate(() => performance.getEntriesByType('navigation')[0].loadEventEnd || performance.now());
}

async function coldStarts(browser) {
  const online = [];
  const offline = [];
  const blank = [];
  for (let i = 0; i < COLD_STARTS; i++) {
    const context = await browser.newContext();
    await routeBenchFiles(context);
    const page = await context.newPage();
    blank.push(await blankLoad(page));
    online.push(await timeToReady(page, ORIGIN));
    // The service worker does not claim the page that installed it: wait until it is active,
    // then the next load is served from its cache.
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    await context.setOffline(true);
    const offlinePage = await context.newPage();
    offline.push(await timeToReady(offlinePage, ORIGIN));
    await context.close();
  }
  return { online, offline, blank };
}

const server = await startServer();
const browser = await chromium.launch({ executablePath: chromiumPath(), args: ARGS });
try {
  const version = browser.version();
  const samples = await latency(browser);
  const reference = median(samples.postMessage);
  console.log(`Pocket KMS benchmark — Chromium ${version}, ${ITERATIONS} calls each, 256-byte plaintext\n`);
  console.log('operation          p50          p99          p50 ÷ bare postMessage p50');
  for (const name of ['postMessage', 'encrypt', 'decrypt', 'generateDataKey']) {
    const values = samples[name];
    const label = name === 'postMessage' ? 'bare postMessage*' : name;
    console.log(
      `${label.padEnd(18)} ${ms(median(values)).padEnd(12)} ${ms(quantile(values, 0.99)).padEnd(12)} ${(median(values) / reference).toFixed(1)}×`,
    );
  }
  console.log('* mean of 50 sequential round trips per sample, same payload as encrypt');
  const cold = await coldStarts(browser);
  const blank = median(cold.blank);
  console.log(`\ncold start to interactive (median of ${COLD_STARTS} fresh profiles)`);
  console.log(`blank page load (reference)  ${ms(blank)}`);
  console.log(`online, first visit          ${ms(median(cold.online))}  ${(median(cold.online) / blank).toFixed(1)}× blank`);
  console.log(`offline, from the cache      ${ms(median(cold.offline))}  ${(median(cold.offline) / blank).toFixed(1)}× blank`);
} finally {
  await browser.close();
  server.kill();
}
