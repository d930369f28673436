// Latency of the core through window.kms (encrypt / decrypt / generateDataKey, p50 and p99)
// against a bare postMessage round trip to an echo worker on the same page; and cold start to
// interactive, online and offline, against loading a blank page from the same server.
import { median, ms, openApp, ORIGIN, quantile, routeBenchFiles } from './support.mjs';

const COLD_STARTS = 7;

async function latency(browser, iterations) {
  const { page, close } = await openApp(browser);
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
  }, iterations);
  await close();
  return samples;
}

async function timeToReady(page, url) {
  await page.goto(url);
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
  return page.evaluate(() => performance.now());
}

async function blankLoad(page) {
  await page.goto(`${ORIGIN}/__bench/blank.html`);
  return page.evaluate(
    () => performance.getEntriesByType('navigation')[0].loadEventEnd || performance.now(),
  );
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

export async function benchLatency(browser, { iterations }) {
  const samples = await latency(browser, iterations);
  const reference = median(samples.postMessage);
  console.log(`\n## Latency — ${iterations} calls each, 256-byte plaintext\n`);
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
  console.log(`\n## Cold start to interactive (median of ${COLD_STARTS} fresh profiles)\n`);
  console.log(`blank page load (reference)  ${ms(blank)}`);
  console.log(
    `online, first visit          ${ms(median(cold.online))}  ${(median(cold.online) / blank).toFixed(1)}× blank`,
  );
  console.log(
    `offline, from the cache      ${ms(median(cold.offline))}  ${(median(cold.offline) / blank).toFixed(1)}× blank`,
  );
}
