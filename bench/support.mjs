// Shared by the benchmark sections: the preview server, Chromium, same-origin helper routes and
// the statistics. The app's CSP allows workers from its own origin, so helper pages and workers
// are served on that origin by Playwright routes.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
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
  // `peerAlone(operation, argument)`: the same call in a reference worker started for it alone and
  // ended after it, so that no earlier step's memory is in its way (a copy of a GiB ran at 342–365
  // MiB/s in the worker that had run the file section's other steps, 555–1111 in one of its own).
  await page.evaluate(() => {
    const call = (worker, operation, argument, transfer) =>
      new Promise((resolve, reject) => {
        worker.onmessage = ({ data }) =>
          data.error ? reject(new Error(data.error)) : resolve(data.result);
        worker.postMessage({ operation, argument }, transfer);
      });
    const worker = new Worker('/__bench/peer-worker.js', { type: 'module' });
    window.peer = (operation, argument, transfer = []) =>
      call(worker, operation, argument, transfer);
    // `keep: true` leaves the worker running for the next peerAlone call, which then ends it (a
    // set-up step and the step it prepares, each timed after its own settling).
    let kept;
    window.peerAlone = async (operation, argument, transfer = [], { keep = false } = {}) => {
      const alone = kept ?? new Worker('/__bench/peer-worker.js', { type: 'module' });
      kept = keep ? alone : undefined;
      try {
        return await call(alone, operation, argument, transfer);
      } finally {
        if (!keep) alone.terminate();
      }
    };
    // More copies of the reference worker in the roles `names` gives (frame workers, I/O
    // workers), one each, each reached through a MessagePort to hand to the reference worker (a
    // worker's own nested workers would load outside the routes that serve it); resolves once
    // every one has started, so that no timed step pays for their start.
    window.helperPorts = (names) =>
      Promise.all(
        names.map(
          (name) =>
            new Promise((resolve) => {
              const helper = new Worker('/__bench/peer-worker.js', { type: 'module', name });
              const { port1, port2 } = new MessageChannel();
              port2.onmessage = () => {
                port2.onmessage = null;
                resolve(port2);
              };
              helper.postMessage({ port: port1 }, [port1]);
            }),
        ),
      );
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

/** Clock ticks per second of /proc's CPU times (USER_HZ; 100 on Linux almost everywhere). */
const USER_HZ = 100;

/**
 * CPU seconds used so far by every process this one started, however deep — the browser and
 * its renderer, GPU and utility processes, the preview server — read from /proc (Linux only;
 * null elsewhere). The difference across a step, divided by the step's wall time, is how many
 * cores it kept busy.
 */
export function descendantCpuSeconds() {
  const byKind = descendantCpuByKind();
  return byKind === null ? null : Object.values(byKind).reduce((sum, each) => sum + each, 0);
}

/**
 * descendantCpuSeconds, split by the kind of process: Chromium's `--type=` (renderer — the page
 * and its workers, our code —, gpu-process, utility — the network and storage services when
 * they run out of process), `browser` for the process without one (IndexedDB's backend and its
 * storage run there or in a utility process), `other` for the rest (the preview server).
 * `root`: a browser's pid (browserPidOf) to count only that browser's processes.
 */
export function descendantCpuByKind(root = process.pid) {
  if (!existsSync('/proc/self/stat')) return null;
  const parent = new Map();
  const ticks = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // The fields after the command name, which is in parentheses and may hold anything.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    parent.set(Number(entry), Number(fields[1]));
    ticks.set(Number(entry), Number(fields[11]) + Number(fields[12]));
  }
  const byKind = {};
  for (const [pid, used] of ticks) {
    // A root that is a browser counts itself; this process (the bench's node) does not.
    const first = root === process.pid ? parent.get(pid) : pid;
    for (let up = first; up !== undefined && up > 0; up = parent.get(up)) {
      if (up === root) {
        const kind = processKind(pid);
        byKind[kind] = (byKind[kind] ?? 0) + used / USER_HZ;
        break;
      }
    }
  }
  return byKind;
}

/**
 * The pid of the browser this process started on the profile `userDataDir` (a persistent
 * context's), found by its command line; null without /proc or when none is found. Its process
 * tree, given to descendantCpuByKind as the root, is that one browser's.
 */
export function browserPidOf(userDataDir) {
  if (!existsSync('/proc/self/stat')) return null;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (command.includes(userDataDir)) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return null;
}

function processKind(pid) {
  let command;
  try {
    // Chromium rewrites its processes' titles: the arguments may come joined by spaces.
    command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return 'other';
  }
  if (!/^\S*chrom/i.test(command)) return 'other';
  return /--type=(\S+)/.exec(command)?.[1] ?? 'browser';
}

/**
 * Waits until the browser's processes are idle: under `busyCores` of CPU over each of
 * `stillSeconds` one-second looks in a row (IndexedDB's storage compacts in the background for
 * minutes after a large write, and a call timed meanwhile shares the cores with it). Returns the
 * seconds waited; gives up after `timeoutS`, saying so. Without /proc, returns 0 at once.
 */
export async function waitIdle({ busyCores = 0.1, stillSeconds = 3, timeoutS = 600 } = {}) {
  if (descendantCpuSeconds() === null) return 0;
  const started = Date.now();
  let still = 0;
  while (still < stillSeconds) {
    if ((Date.now() - started) / 1000 > timeoutS) {
      console.log(`  bench: still busy after ${timeoutS} s; measuring anyway`);
      break;
    }
    const before = descendantCpuSeconds();
    await new Promise((go) => setTimeout(go, 1000));
    still = descendantCpuSeconds() - before < busyCores ? still + 1 : 0;
  }
  return (Date.now() - started) / 1000;
}
