// Shared by the benchmark sections: the preview server, Chromium, same-origin helper routes and
// the statistics. The app's CSP allows workers from its own origin, so helper pages and workers
// are served on that origin by Playwright routes.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright';
import { CHROMIUM_ARGS, chromiumPath } from '../tests/chromium.mjs';

// BENCH_PORT and BENCH_APP_DIST let a second benchmark run beside one already serving (as
// E2E_PORT and E2E_DIST do for the end-to-end tests).
export const PORT = Number(process.env.BENCH_PORT ?? 4175);
const APP_DIST = process.env.BENCH_APP_DIST ?? 'dist';
export const ORIGIN = `http://127.0.0.1:${PORT}`;
/** A route that shows no page: nothing in the UI watches the key catalog while calls are timed. */
export const QUIET_ROUTE = `${ORIGIN}/#/bench-quiet`;
const BENCH_DIST = new URL('./dist/', import.meta.url);

export function launchBrowser() {
  return chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
}

export function startServer() {
  const server = spawn(
    process.execPath,
    [
      'node_modules/vite/bin/vite.js',
      'preview',
      '--host',
      '127.0.0.1',
      '--port',
      String(PORT),
      '--strictPort',
      '--outDir',
      APP_DIST,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    server.stdout.on('data', (chunk) => {
      if (String(chunk).includes(String(PORT))) resolve(server);
    });
    server.on('exit', (code) => reject(new Error(`preview server exited with ${code}`)));
  });
}

/**
 * The echo worker, a blank page, and what bench/vite.config.mjs builds into bench/dist/ (the
 * reference worker, the scale seeding helper and their chunks), on the app's origin.
 */
export async function routeBenchFiles(context) {
  await context.route(/\/__bench\/[\w.-]+\.js$/, (route) => {
    const file = new URL(
      new URL(route.request().url()).pathname.slice('/__bench/'.length),
      BENCH_DIST,
    );
    return existsSync(file)
      ? route.fulfill({ contentType: 'text/javascript', body: readFileSync(file, 'utf8') })
      : route.fallback();
  });
  await context.route(`${ORIGIN}/__bench/echo-worker.js`, (route) =>
    route.fulfill({
      contentType: 'text/javascript',
      body: 'self.onmessage = (e) => self.postMessage(e.data);',
    }),
  );
  await context.route(`${ORIGIN}/__bench/blank.html`, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: '<!doctype html><title>blank</title><p>blank</p>',
    }),
  );
}

/** A fresh incognito profile on the app, the vault ready, service workers off (they add nothing here). */
export async function openApp(browser) {
  const context = await browser.newContext({ serviceWorkers: 'block' });
  const page = await prepareApp(context);
  return { context, page, close: () => context.close() };
}

/**
 * The app in a fresh profile on disk, as a person's browser has it: an incognito context keeps
 * the Origin Private File System in memory, with a quota far below a 1 GiB output. `url`: where
 * the app opens (QUIET_ROUTE for many calls).
 */
export async function openAppWithProfile(url = ORIGIN) {
  const profile = await mkdtemp(join(tmpdir(), 'pkms-bench-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    args: CHROMIUM_ARGS,
    serviceWorkers: 'block',
  });
  const page = await prepareApp(context, context.pages()[0], url);
  return {
    context,
    page,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

async function prepareApp(context, existingPage, url = ORIGIN) {
  await routeBenchFiles(context);
  const page = existingPage ?? (await context.newPage());
  await page.goto(url);
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'true', undefined, {
    timeout: 60_000,
  });
  // `peer(operation, argument)`: one call into the reference worker (bench/peers/peer-worker.js).
  await page.evaluate(() => {
    const worker = new Worker('/__bench/peer-worker.js', { type: 'module' });
    window.peer = (operation, argument, transfer = []) =>
      new Promise((resolve, reject) => {
        worker.onmessage = ({ data }) =>
          data.error ? reject(new Error(data.error)) : resolve(data.result);
        worker.postMessage({ operation, argument }, transfer);
      });
    // `count` more copies of the reference worker as frame workers, each reached through a
    // MessagePort to hand to the reference worker (a worker's own nested workers would load
    // outside the routes that serve it).
    window.frameWorkerPorts = (count) =>
      Array.from({ length: count }, () => {
        const frameWorker = new Worker('/__bench/peer-worker.js', {
          type: 'module',
          name: 'frame-worker',
        });
        const { port1, port2 } = new MessageChannel();
        frameWorker.postMessage({ port: port1 }, [port1]);
        return port2;
      });
  });
  return page;
}

export const median = (values) => quantile(values, 0.5);
export function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}
export const ms = (value) => `${value.toFixed(3)} ms`;
/** MiB/s for `bytes` in `milliseconds`. */
export const mibPerSecond = (bytes, milliseconds) => bytes / 1048576 / (milliseconds / 1000);
