// Scale (issue 16): the same calls through window.kms on a vault of 10,000 keys and 1,000,000
// audit records and on an empty vault, in two fresh on-disk profiles of the same Chromium, in one
// run; each figure is reported as a ratio to the empty vault's.
//
// Seeding (bench/peers/scale-seed.js, in a page of the app's origin before the app ever opens):
// the vault is written as schema 2 had it — keys whose material the core's own newKeyVersion
// made (real, usable keys), and a hash chain of records the core's own auditDraft and
// chainRecord made — and the core's own VaultStore then opens it, which runs the schema-3 and 4
// migrations: every index entry (auditKeys, auditErrors, byEventName, byTime, the keys' due-date
// indexes) and the checkpoints. So the migration is measured too, alone, before the app opens,
// and the log must verify afterwards.
//
// The key catalog's first load is measured on its own too: the Keys page opened by a fresh
// navigation, from navigation start to data-ready (the first page of keys has answered) and to
// the first row of the key table.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright';
import { CHROMIUM_ARGS, chromiumPath } from '../tests/chromium.mjs';
import {
  descendantCpuByKind,
  median,
  ORIGIN,
  quantile,
  QUIET_ROUTE,
  routeBenchFiles,
  waitIdle,
} from './support.mjs';

const DAY = 24 * 60 * 60 * 1000;
const CONTEXT = { purpose: 'bench' };
const LONG = 45 * 60 * 1000;

async function openProfile() {
  const profile = await mkdtemp(join(tmpdir(), 'pkms-bench-scale-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    args: CHROMIUM_ARGS,
    serviceWorkers: 'block',
  });
  await routeBenchFiles(context);
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(LONG);
  page.on('console', (message) => {
    if (message.text().startsWith('bench:')) console.log(`  ${message.text()}`);
  });
  return {
    context,
    page,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Opens the app on QUIET_ROUTE; ms from navigation to `data-ready` (the vault has answered). */
async function openApp(page) {
  const started = Date.now();
  await page.goto(QUIET_ROUTE);
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'true', undefined, {
    timeout: LONG,
    polling: 200,
  });
  const readyMs = Date.now() - started;
  await page.evaluate(async () => {
    window.benchSeed = await import('/__bench/scale-seed.js');
    window.benchRefs = {};
  });
  return readyMs;
}

/**
 * Waits until the UI's own calls have stopped: the audit head (read from IndexedDB, not through
 * a call) has not moved for `stillMs`. Returns the ms waited.
 */
async function waitQuiet(page, stillMs = 3000) {
  const started = Date.now();
  let head = -1;
  let since = Date.now();
  for (;;) {
    const now = await page.evaluate(() => window.benchSeed.auditHead());
    if (now !== head) {
      head = now;
      since = Date.now();
    } else if (Date.now() - since >= stillMs) {
      return Date.now() - started - stillMs;
    }
    await new Promise((go) => setTimeout(go, 500));
  }
}

/**
 * Times `method(request)` through window.kms: 3 warm-up calls, then `samples` calls, or fewer
 * (at least `minimum`) once `budgetMs` is spent. In `request`, { $bytes: n } is n random bytes,
 * { $date: ms } a Date and { $ref: name } a value kept in window.benchRefs.
 */
function timeCall(page, method, request, { samples, budgetMs = 20_000, minimum = 5, warmUp = 3 }) {
  return page.evaluate(
    async ({ method, request, samples, budgetMs, minimum, warmUp }) => {
      const revive = (value) => {
        if (value && typeof value === 'object') {
          if ('$bytes' in value) return crypto.getRandomValues(new Uint8Array(value.$bytes));
          if ('$date' in value) return new Date(value.$date);
          if ('$ref' in value) return window.benchRefs[value.$ref];
          return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revive(v)]));
        }
        return value;
      };
      const given = revive(request);
      const call = () => window.kms[method](given);
      for (let i = 0; i < warmUp; i++) await call();
      const out = [];
      const until = performance.now() + budgetMs;
      while (out.length < samples && (out.length < minimum || performance.now() < until)) {
        const start = performance.now();
        await call();
        out.push(performance.now() - start);
      }
      return out;
    },
    { method, request, samples, budgetMs, minimum, warmUp },
  );
}

/** JS heap of the page after a forced garbage collection, in bytes (DevTools protocol). */
async function pageHeap(context, page) {
  const cdp = await context.newCDPSession(page);
  await cdp.send('HeapProfiler.enable');
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  await cdp.detach();
  return usedSize;
}

/**
 * Marks, in every page the context opens from now on, when the vault has first answered
 * (data-ready) and when the key table first has a row: ms from navigation start, in
 * window.benchFirstLoad.
 */
async function markFirstLoad(page) {
  await page.addInitScript(() => {
    const marks = {};
    window.benchFirstLoad = marks;
    const observer = new window.MutationObserver(() => {
      if (marks.readyMs === undefined && document.documentElement?.dataset.ready === 'true') {
        marks.readyMs = performance.now();
      }
      if (marks.rowMs === undefined && document.querySelector('table.keys-table tbody tr')) {
        marks.rowMs = performance.now();
      }
      if (marks.readyMs !== undefined && marks.rowMs !== undefined) observer.disconnect();
    });
    observer.observe(document, { subtree: true, childList: true, attributes: true });
  });
}

/**
 * The key catalog's first load as a person meets it: the Keys page opened by a fresh
 * navigation (from another page, so the app and its worker start again). Returns ms from
 * navigation start to data-ready and to the first row of the key table.
 */
async function firstKeysPage(page) {
  await markFirstLoad(page);
  await page.goto(`${ORIGIN}/__bench/blank.html`);
  await page.goto(`${ORIGIN}/#/keys`);
  await page.waitForFunction(() => window.benchFirstLoad?.rowMs !== undefined, undefined, {
    timeout: LONG,
    polling: 200,
  });
  return page.evaluate(() => ({ ...window.benchFirstLoad }));
}

/** Opens a page of the app by its hash route, waits until it has drawn and the UI is quiet. */
async function visit(context, page, hash, selector) {
  const started = Date.now();
  await page.evaluate((hash) => (window.location.hash = hash), hash);
  await page.waitForSelector(selector, { timeout: LONG });
  await waitQuiet(page);
  const loadMs = Date.now() - started;
  const rows = await page.evaluate(
    () => document.querySelectorAll('main tr, main li, main details.record').length,
  );
  return { loadMs, rows, heap: await pageHeap(context, page) };
}

/**
 * Every measurement on an open vault. `v`: keyId (made through window.kms), describeKeyId,
 * filterKeyId, window (a day of the log: [start, end] in ms), samples.
 */
async function measure(context, page, v, fullWalks) {
  const { samples } = v;
  const r = { cpu: {} };
  // Each call's samples, and the CPU seconds every browser process spent on them (/proc), per
  // call: work done, which a busy machine's waiting does not inflate as it does the wall time.
  const t = async (method, request, options = {}, label = method) => {
    const before = descendantCpuByKind();
    const out = await timeCall(page, method, request, { samples, ...options });
    const after = descendantCpuByKind();
    const calls = out.length + (options.warmUp ?? 3);
    if (before !== null) {
      const spent = (kinds) =>
        (kinds.reduce((sum, kind) => sum + (after[kind] ?? 0) - (before[kind] ?? 0), 0) * 1000) /
        calls;
      const every = Object.keys(after);
      r.cpu[label] = {
        all: spent(every),
        renderer: spent(['renderer']),
        storage: spent(every.filter((kind) => kind === 'browser' || kind === 'utility')),
      };
    }
    return out;
  };
  // A page's worth of failed calls (ListAuditEvents' default Limit is 50), so ErrorsOnly fills
  // its page in the empty vault too: with three, it compared three records to fifty.
  await page.evaluate(async () => {
    for (let i = 0; i < 60; i++) {
      await window.kms
        .decrypt({ CiphertextBlob: new Uint8Array(64), EncryptionContext: { purpose: 'bench' } })
        .catch(() => undefined);
    }
  });
  await page.evaluate(
    async ({ KeyId, EncryptionContext }) => {
      const Plaintext = crypto.getRandomValues(new Uint8Array(256));
      const { CiphertextBlob } = await window.kms.encrypt({ KeyId, Plaintext, EncryptionContext });
      window.benchRefs.blob = CiphertextBlob;
    },
    { KeyId: v.keyId, EncryptionContext: CONTEXT },
  );
  r.listKeys = await t('listKeys', {});
  r.describeKey = await t('describeKey', { KeyId: v.describeKeyId });
  r.encrypt = await t('encrypt', {
    KeyId: v.keyId,
    Plaintext: { $bytes: 256 },
    EncryptionContext: CONTEXT,
  });
  r.decrypt = await t('decrypt', { CiphertextBlob: { $ref: 'blob' }, EncryptionContext: CONTEXT });
  const oneDay = { StartTime: { $date: v.window[0] }, EndTime: { $date: v.window[1] } };
  const filters = {
    'none (newest first)': {},
    KeyId: { KeyId: v.filterKeyId },
    'EventName (Decrypt)': { EventName: 'Decrypt' },
    ErrorsOnly: { ErrorsOnly: true },
    'StartTime/EndTime (1 day)': oneDay,
    'KeyId + EventName': { KeyId: v.filterKeyId, EventName: 'Decrypt' },
    'EventName + StartTime/EndTime': { EventName: 'Decrypt', ...oneDay },
  };
  r.filters = {};
  for (const [name, request] of Object.entries(filters)) {
    console.log(`  bench: listAuditEvents ${name}`);
    r.filters[name] = await t('listAuditEvents', request, {}, `listAuditEvents ${name}`);
  }
  console.log('  bench: housekeeping');
  r.housekeeping = await page.evaluate(async (samples) => {
    const out = [];
    let events = 0;
    for (let i = 0; i < samples + 3; i++) {
      const tick = await window.benchSeed.housekeepingTick();
      events += tick.events;
      if (i >= 3) out.push(tick.ms);
    }
    return { out, events };
  }, samples);
  console.log('  bench: verifyAuditLog, full walk');
  r.fullWalk = await page.evaluate(async (runs) => {
    const out = [];
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      const result = await window.kms.verifyAuditLog({});
      const ms = performance.now() - start;
      if (!result.Valid) throw new Error(`the log does not verify: ${JSON.stringify(result)}`);
      out.push({ ms, records: result.RecordCount });
    }
    return out;
  }, fullWalks);
  console.log('  bench: verifyAuditLog Since LAST_CHECKPOINT');
  r.checkpoint = await page.evaluate(
    async (samples) => {
      const out = [];
      const tails = [];
      for (let i = 0; i < samples + 3; i++) {
        const start = performance.now();
        const result = await window.kms.verifyAuditLog({ Since: 'LAST_CHECKPOINT' });
        const ms = performance.now() - start;
        if (!result.Valid) throw new Error(`the log does not verify: ${JSON.stringify(result)}`);
        if (i >= 3) {
          out.push(ms);
          tails.push(result.RecordCount - (result.VerifiedFromSequence ?? 0));
        }
      }
      return { out, tails };
    },
    Math.min(samples, 20),
  );
  console.log('  bench: exportAuditLog');
  r.export = await page.evaluate(async (runs) => {
    const out = [];
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      const { Output, OutputId, RecordCount } = await window.kms.exportAuditLog();
      const ms = performance.now() - start;
      out.push({ ms, bytes: Output.size, records: RecordCount });
      await window.kms.discardFileOutput({ OutputId });
    }
    return out;
  }, fullWalks);
  console.log('  bench: createKey');
  r.createKey = await t(
    'createKey',
    { Description: 'bench' },
    { warmUp: 0, samples: 20 },
    'createKey (after the rest)',
  );
  // The pages: the key catalog loads once on open (on every page), a page that shows keys
  // reloads it when it is stale; each page is measured once drawn and quiet.
  console.log('  bench: Keys page');
  r.keysPage = await visit(context, page, '#/keys', 'main h1');
  console.log('  bench: Activity page');
  r.activityPage = await visit(context, page, '#/activity', 'main h1');
  // Last: it navigates away, and the app that starts again reads the whole catalog.
  console.log("  bench: the key catalog's first load (Keys page, fresh navigation)");
  r.firstLoad = await firstKeysPage(page);
  return r;
}

async function emptyVault(samples) {
  const { context, page, close } = await openProfile();
  try {
    const readyMs = await openApp(page);
    const quietMs = await waitQuiet(page);
    await waitIdle();
    const keyId = await page.evaluate(
      async () => (await window.kms.createKey({ Description: 'bench' })).KeyMetadata.KeyId,
    );
    const now = Date.now();
    const v = {
      samples,
      keyId,
      describeKeyId: keyId,
      filterKeyId: keyId,
      window: [now - DAY, now + 60 * 60 * 1000],
    };
    return { readyMs, quietMs, ...(await measure(context, page, v, Math.min(samples, 10))) };
  } finally {
    await close();
  }
}

async function scaleVault({ keyCount, recordCount, samples }) {
  const { context, page, close } = await openProfile();
  try {
    await page.goto(`${ORIGIN}/__bench/blank.html`);
    const seed = await page.evaluate(
      async ({ keyCount, recordCount }) => {
        const helper = await import('/__bench/scale-seed.js');
        const result = await helper.seedSchema2({ keyCount, recordCount });
        const hashUs = await helper.hashCost(20_000);
        console.log('bench: schema 2 → 4 migration');
        return { ...result, hashUs, migrationMs: await helper.migrate() };
      },
      { keyCount, recordCount },
    );
    console.log(`  bench: migrated in ${(seed.migrationMs / 1000).toFixed(1)} s; opening the app`);
    // What the origin stores now: the log, its indexes (record copies included) and the keys.
    seed.storageBytes = await page.evaluate(async () => (await navigator.storage.estimate()).usage);
    const readyMs = await openApp(page);
    console.log(
      `  bench: ready after ${(readyMs / 1000).toFixed(1)} s; waiting for the UI's reads`,
    );
    const quietMs = await waitQuiet(page);
    const idleS = await waitIdle();
    console.log(`  bench: the browser's processes idle after ${idleS.toFixed(0)} s more`);
    const { keyIds } = seed;
    // A key made through window.kms at scale; and one seeded key must work as well.
    const keyId = await page.evaluate(async () => {
      const start = performance.now();
      const { KeyMetadata } = await window.kms.createKey({ Description: 'bench' });
      console.log(`bench: createKey at scale ${(performance.now() - start).toFixed(1)} ms`);
      return KeyMetadata.KeyId;
    });
    await page.evaluate(async (KeyId) => {
      const Plaintext = new TextEncoder().encode('a seeded key works');
      const EncryptionContext = { purpose: 'bench' };
      const { CiphertextBlob } = await window.kms.encrypt({ KeyId, Plaintext, EncryptionContext });
      const back = await window.kms.decrypt({ CiphertextBlob, EncryptionContext });
      if (new TextDecoder().decode(back.Plaintext) !== 'a seeded key works') {
        throw new Error('a seeded key did not decrypt its own ciphertext');
      }
    }, keyIds[3]);
    const end = Date.now();
    const day = end - 180 * DAY;
    const v = {
      samples,
      keyId,
      describeKeyId: keyIds[Math.floor(keyIds.length * 0.37)],
      filterKeyId: keyIds[Math.floor(keyIds.length / 10)],
      window: [day, day + DAY],
    };
    const measured = await measure(context, page, v, 1);
    return { seed: { ...seed, keyIds: undefined }, readyMs, quietMs, idleS, ...measured };
  } finally {
    await close();
  }
}

const fmt = (value) =>
  value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
const mb = (bytes) => `${(bytes / 1048576).toFixed(1)} MiB`;

export async function benchScale({ keyCount, recordCount, samples }) {
  console.log(`\n## Scale — ${keyCount} keys and ${recordCount} audit records vs an empty vault\n`);
  console.log('  bench: empty vault');
  const empty = await emptyVault(samples);
  console.log('  bench: seeding the scale vault');
  const scale = await scaleVault({ keyCount, recordCount, samples });

  const rows = [];
  const goalCall = (ratio) => (ratio <= 2 ? 'ok' : 'MISSED (> 2×)');
  const row = (name, a, b, extra = []) => {
    const [a50, a99, b50, b99] = [median(a), quantile(a, 0.99), median(b), quantile(b, 0.99)];
    const ratio = b50 / a50;
    const goals = [goalCall(ratio), ...extra.map((goal) => goal(b50))];
    rows.push([
      name,
      fmt(a50),
      fmt(a99),
      fmt(b50),
      fmt(b99),
      `${fmt(ratio)}×`,
      `${fmt(b99 / a99)}×`,
      `${b.length}`,
      goals.join('; '),
    ]);
  };
  for (const name of ['listKeys', 'describeKey', 'encrypt', 'decrypt']) {
    row(name, empty[name], scale[name]);
  }
  for (const name of Object.keys(scale.filters)) {
    row(`listAuditEvents ${name}`, empty.filters[name], scale.filters[name], [
      (p50) => (p50 <= 50 ? 'p50 ≤ 50 ms ok' : 'MISSED p50 > 50 ms'),
    ]);
  }
  row('verifyAuditLog Since LAST_CHECKPOINT', empty.checkpoint.out, scale.checkpoint.out, [
    (p50) => (p50 <= 100 ? '≤ 100 ms ok' : 'MISSED > 100 ms'),
  ]);
  row('housekeeping, one tick (nothing due)', empty.housekeeping.out, scale.housekeeping.out);
  row('createKey (after the rest)', empty.createKey, scale.createKey);

  const header = [
    'call (ms)',
    'empty p50',
    'empty p99',
    'scale p50',
    'scale p99',
    'p50 ratio',
    'p99 ratio',
    'n',
    'goals',
  ];
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  for (const cells of rows) console.log(`| ${cells.join(' | ')} |`);
  console.log('(p99 of n samples: with n ≤ 100 it is the largest or second largest sample)');

  const cpuRows = Object.keys(scale.cpu).filter((name) => empty.cpu[name] !== undefined);
  if (cpuRows.length > 0) {
    console.log(
      '\nCPU per call, every browser process (ms, from /proc; warm-up calls included, and whatever' +
        " else the browser did meanwhile — the UI's background reads, storage compaction):",
    );
    console.log(
      '| call | empty | scale | ratio | scale: renderer (page, core) | scale: browser + utility (storage) |',
    );
    console.log('|---|---|---|---|---|---|');
    for (const name of cpuRows) {
      const [a, b] = [empty.cpu[name], scale.cpu[name]];
      console.log(
        `| ${name} | ${fmt(a.all)} | ${fmt(b.all)} | ${fmt(b.all / a.all)}× | ${fmt(b.renderer)} | ${fmt(b.storage)} |`,
      );
    }
  }

  const walk = scale.fullWalk[0];
  const emptyWalk = empty.fullWalk.map(({ ms, records }) => (ms * 1000) / records);
  const perRecord = (walk.ms * 1000) / walk.records;
  console.log('\nfull walk, verifyAuditLog (no Since), once after seeding:');
  console.log(
    `  ${walk.records} records in ${(walk.ms / 1000).toFixed(1)} s: ${perRecord.toFixed(1)} µs per record` +
      ` (empty vault: ${median(emptyWalk).toFixed(0)} µs per record over ${empty.fullWalk[0].records} records, dominated by the call itself)`,
  );
  console.log(
    `  hashing alone (hashRecord of the stored record, as ChainVerifier.push does, on the page): ${scale.seed.hashUs.toFixed(1)} µs per record → the walk is ${(perRecord / scale.seed.hashUs).toFixed(2)}× the hash`,
  );
  const tails = scale.checkpoint.tails;
  console.log(
    `checkpoint verification checked ${Math.min(...tails)}–${Math.max(...tails)} records after the newest verified checkpoint (empty vault: ${empty.checkpoint.tails[0]}, no checkpoint yet)`,
  );
  const exp = scale.export[0];
  const emptyExport = empty.export.map(({ ms, bytes }) => bytes / 1048576 / (ms / 1000));
  console.log(
    `export: ${exp.records} records, ${mb(exp.bytes)} in ${(exp.ms / 1000).toFixed(1)} s = ${(exp.bytes / 1048576 / (exp.ms / 1000)).toFixed(1)} MiB/s` +
      ` (empty vault: ${median(emptyExport).toFixed(2)} MiB/s on ${empty.export[0].bytes} bytes, dominated by the call itself)`,
  );
  console.log(
    `housekeeping events written while timed: empty ${empty.housekeeping.events}, scale ${scale.housekeeping.events}` +
      ' (the core’s runHousekeeping run on the page against the same IndexedDB; window.kms does not expose it)',
  );
  console.log('\nmemory: page JS heap after a forced GC (DevTools Runtime.getHeapUsage)');
  for (const name of ['keysPage', 'activityPage']) {
    const a = empty[name];
    const b = scale[name];
    console.log(
      `  ${name === 'keysPage' ? 'Keys page    ' : 'Activity page'}  empty ${mb(a.heap)}, scale ${mb(b.heap)} (${fmt(b.heap / a.heap)}×);` +
        ` rows drawn ${a.rows} / ${b.rows}; open until quiet ${fmt(a.loadMs / 1000)} s / ${fmt(b.loadMs / 1000)} s`,
    );
  }
  console.log('\nseeding and opening:');
  console.log(
    `  keys written (core's newKeyVersion, schema 2): ${(scale.seed.keysMs / 1000).toFixed(1)} s;` +
      ` records chained and written: ${(scale.seed.recordsMs / 1000).toFixed(1)} s (chainRecord ${(scale.seed.chainMs / 1000).toFixed(1)} s of it)`,
  );
  console.log(
    `  schema 2 → 4 migration (VaultStore.open on the seeded vault, before the app opens): ${(scale.seed.migrationMs / 1000).toFixed(1)} s for ${recordCount} records (${((scale.seed.migrationMs * 1000) / recordCount).toFixed(0)} µs per record)`,
  );
  console.log(
    `  storage used by the origin after the migration (navigator.storage.estimate): ${mb(scale.seed.storageBytes)}`,
  );
  console.log(
    `  app open to data-ready (migrated already): ${(scale.readyMs / 1000).toFixed(1)} s (empty vault: ${(empty.readyMs / 1000).toFixed(1)} s, ${fmt(scale.readyMs / empty.readyMs)}×)`,
  );
  console.log(
    `  then the key catalog's first load until quiet: ${(scale.quietMs / 1000).toFixed(1)} s (empty vault: ${(empty.quietMs / 1000).toFixed(1)} s)`,
  );
  console.log(
    `  then until the browser's processes were idle (storage compacting after the migration): ${scale.idleS.toFixed(0)} s`,
  );
  const [a, b] = [empty.firstLoad, scale.firstLoad];
  console.log(
    `\nthe key catalog's first load, Keys page opened by a fresh navigation (ms from navigation start):` +
      `\n  data-ready: empty ${fmt(a.readyMs)}, scale ${fmt(b.readyMs)} (${fmt(b.readyMs / a.readyMs)}×)` +
      `\n  first row of the key table: empty ${fmt(a.rowMs)}, scale ${fmt(b.rowMs)} (${fmt(b.rowMs / a.rowMs)}×)`,
  );
}
