// The vault lock (issue 12): what an unlock costs and what a lock adds to each call, in one run,
// on fresh profiles on disk of the same Chromium (as a person's browser has them):
//   scrypt only  unlockVault of a lock with no keys, and a wrong passphrase
//                (IncorrectKeyException: 2 tries, as the lock makes each try from the 3rd wait)
//   unlock       unlockVault of a lock holding N keys of MIX, each made while unlocked (so
//                sealed): the total, its per-version part (total − scrypt only) ÷ versions, and
//                the ratio to scrypt only. The two locks are unlocked in turn, UNLOCKS times
//                each, so that a busy machine weighs on both alike; medians
//   calls        encrypt / decrypt / generateMac / sign p50 on that unlocked vault vs a vault
//                without a lock holding the same mix; apart from the p50, the first call on a
//                key after the unlock (its seal opened by the unlock) and, with the lock, on a
//                key made since the unlock (its seal opened then, lazily): medians of FIRSTS keys
// The lock's scrypt work factor is the app's (18): window.kms cannot choose another.
import { median, ms, openAppWithProfile, QUIET_ROUTE } from './support.mjs';

const PASSPHRASE = 'correct horse battery staple bench';
/** The keys besides SYMMETRIC_DEFAULT (the rest), as shares of N; at least FIRSTS of each. */
const MIX = [
  { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', share: 0.06 },
  { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY', share: 0.05 },
  { KeySpec: 'ECC_NIST_EDWARDS25519', KeyUsage: 'SIGN_VERIFY', share: 0.02 },
  { KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY', share: 0.02 },
];
const UNLOCKS = 5;
const WRONG_TRIES = 2;
const FIRSTS = 5;
/** Before each timed call after a lock event: the UI's own describeVaultLock has run by then. */
const SETTLE_MS = 1500;
const OPERATIONS = ['encrypt', 'decrypt', 'generateMac', 'sign'];

function mixOf(keyCount) {
  const others = MIX.map(({ share, ...spec }) => ({
    ...spec,
    count: Math.max(FIRSTS, Math.round(keyCount * share)),
  }));
  const symmetric = keyCount - others.reduce((sum, { count }) => sum + count, 0);
  if (symmetric < FIRSTS) throw new Error('--keys: at least 25 for the lock section');
  return [
    { KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT', count: symmetric },
    ...others,
  ];
}

/** A fresh profile whose vault has a lock (no idle limit), unlocked. */
async function lockedVault() {
  const vault = await openAppWithProfile(QUIET_ROUTE);
  await vault.page.evaluate(
    (Passphrase) => window.kms.setUpVaultLock({ Passphrase, IdleMinutes: 0 }),
    PASSPHRASE,
  );
  return vault;
}

/**
 * Makes the mix through window.kms (10 createKey calls in flight: the core takes them one at a
 * time), and the page's `benchCalls(index)`: one call of each operation on the index-th key of
 * its spec. Returns the time taken.
 */
function makeKeys(page, mix) {
  return page.evaluate(async (mix) => {
    const kms = window.kms;
    const specs = mix.flatMap(({ count, ...spec }) => Array(count).fill(spec));
    const ids = {};
    const start = performance.now();
    for (let i = 0; i < specs.length; i += 10) {
      const made = await Promise.all(
        specs.slice(i, i + 10).map((spec) => kms.createKey({ ...spec, Description: 'bench' })),
      );
      for (const { KeyMetadata } of made) (ids[KeyMetadata.KeySpec] ??= []).push(KeyMetadata.KeyId);
    }
    const time = performance.now() - start;
    const Message = crypto.getRandomValues(new Uint8Array(256));
    const EncryptionContext = { purpose: 'bench' };
    let CiphertextBlob;
    window.benchCalls = (index) => ({
      encrypt: async () => {
        const KeyId = ids.SYMMETRIC_DEFAULT[index];
        ({ CiphertextBlob } = await kms.encrypt({ KeyId, Plaintext: Message, EncryptionContext }));
      },
      decrypt: () => kms.decrypt({ CiphertextBlob, EncryptionContext }),
      generateMac: () =>
        kms.generateMac({ KeyId: ids.HMAC_256[index], Message, MacAlgorithm: 'HMAC_SHA_256' }),
      sign: () =>
        kms.sign({
          KeyId: ids.ECC_NIST_P256[index],
          Message,
          MessageType: 'RAW',
          SigningAlgorithm: 'ECDSA_SHA_256',
        }),
    });
    return time;
  }, mix);
}

/**
 * After SETTLE_MS, the first call of each operation on each of the first FIRSTS keys, in
 * OPERATIONS order (so decrypt opens the ciphertext encrypt just made: its key is open then).
 */
function firstCalls(page) {
  return page.evaluate(
    async ({ firsts, operations, settle }) => {
      await new Promise((go) => setTimeout(go, settle));
      const times = Object.fromEntries(operations.map((name) => [name, []]));
      for (let index = 0; index < firsts; index++) {
        const calls = window.benchCalls(index);
        for (const name of operations) {
          const start = performance.now();
          await calls[name]();
          times[name].push(performance.now() - start);
        }
      }
      return times;
    },
    { firsts: FIRSTS, operations: OPERATIONS, settle: SETTLE_MS },
  );
}

/** `iterations` timed calls of each operation after 20 warm-up calls, on the first keys. */
function warmCalls(page, iterations) {
  return page.evaluate(
    async ({ iterations, operations }) => {
      const calls = window.benchCalls(0);
      const samples = {};
      for (const name of operations) {
        samples[name] = [];
        for (let i = 0; i < 20 + iterations; i++) {
          const start = performance.now();
          await calls[name]();
          if (i >= 20) samples[name].push(performance.now() - start);
        }
      }
      return samples;
    },
    { iterations, operations: OPERATIONS },
  );
}

/** lockVault, SETTLE_MS, then the time of unlockVault (a wrong passphrase: of its refusal). */
function timeUnlock(page, Passphrase) {
  return page.evaluate(
    async ({ Passphrase, settle }) => {
      await window.kms.lockVault();
      await new Promise((go) => setTimeout(go, settle));
      const start = performance.now();
      try {
        const { UnlockedVersionCount } = await window.kms.unlockVault({ Passphrase });
        return { time: performance.now() - start, versions: UnlockedVersionCount };
      } catch (error) {
        return { time: performance.now() - start, error: error.name };
      }
    },
    { Passphrase, settle: SETTLE_MS },
  );
}

/** Median, range and the versions unlocked, of unlocks that must all have succeeded. */
function unlockSummary(runs) {
  const failed = runs.find((run) => run.error);
  if (failed) throw new Error(`unlockVault failed: ${failed.error}`);
  const times = runs.map((run) => run.time);
  return {
    time: median(times),
    range: `${Math.min(...times).toFixed(0)}–${Math.max(...times).toFixed(0)} ms`,
    versions: runs[0].versions,
  };
}

export async function benchLock({ keyCount, iterations }) {
  const mix = mixOf(keyCount);
  const empty = await lockedVault();
  const full = await lockedVault();
  let scrypt, wrong, makeLocked, lazy, unlock, afterUnlock, warmLocked;
  try {
    makeLocked = await makeKeys(full.page, mix);
    lazy = await firstCalls(full.page);
    const emptyRuns = [];
    const fullRuns = [];
    for (let i = 0; i < UNLOCKS; i++) {
      emptyRuns.push(await timeUnlock(empty.page, PASSPHRASE));
      fullRuns.push(await timeUnlock(full.page, PASSPHRASE));
    }
    scrypt = unlockSummary(emptyRuns);
    unlock = unlockSummary(fullRuns);
    wrong = [];
    for (let i = 0; i < WRONG_TRIES; i++) wrong.push(await timeUnlock(empty.page, 'wrong'));
    if (wrong.some((run) => run.error !== 'IncorrectKeyException')) {
      throw new Error(`a wrong passphrase answered ${wrong.map((run) => run.error)}`);
    }
    afterUnlock = await firstCalls(full.page);
    warmLocked = await warmCalls(full.page, iterations);
  } finally {
    await empty.close();
    await full.close();
  }
  const plain = await openAppWithProfile(QUIET_ROUTE);
  let makePlain, firstPlain, warmPlain;
  try {
    makePlain = await makeKeys(plain.page, mix);
    firstPlain = await firstCalls(plain.page);
    warmPlain = await warmCalls(plain.page, iterations);
  } finally {
    await plain.close();
  }
  if (scrypt.versions !== 0 || unlock.versions !== keyCount) {
    throw new Error(`unlocked ${scrypt.versions} and ${unlock.versions} versions`);
  }

  const versions = unlock.versions;
  const mixText = mix.map(({ KeySpec, count }) => `${count} ${KeySpec}`).join(', ');
  console.log(
    `\n## Vault lock — unlock (scrypt work factor 18), median of ${UNLOCKS} each, in turn\n`,
  );
  console.log(`keys: ${mixText}; one version each, every one sealed (made while unlocked)`);
  console.log(
    'unlockVault                       time            ÷ scrypt only     per version    range',
  );
  console.log(
    `no keys: scrypt only (reference)  ${ms(scrypt.time).padEnd(15)} ${'1.00×'.padEnd(17)} ${''.padEnd(14)} ${scrypt.range}`,
  );
  console.log(
    `${`${keyCount} keys, ${versions} versions`.padEnd(33)} ${ms(unlock.time).padEnd(15)} ${`${(unlock.time / scrypt.time).toFixed(2)}×`.padEnd(17)} ${ms((unlock.time - scrypt.time) / versions).padEnd(14)} ${unlock.range}`,
  );
  console.log(
    `wrong passphrase, ${WRONG_TRIES} tries         ${wrong.map((run) => ms(run.time)).join(', ')}`,
  );

  console.log(
    `\n## Vault lock — calls unlocked vs without a lock, ${iterations} calls each after 20 warm-up, 256-byte message, ${keyCount} keys\n`,
  );
  console.log(
    'operation     no lock p50   unlocked p50   ratio    first: no lock   after unlock   seal opened lazily',
  );
  for (const name of OPERATIONS) {
    const without = median(warmPlain[name]);
    const withLock = median(warmLocked[name]);
    console.log(
      `${name.padEnd(13)} ${ms(without).padEnd(13)} ${ms(withLock).padEnd(14)} ${`${(withLock / without).toFixed(2)}×`.padEnd(8)} ${ms(median(firstPlain[name])).padEnd(16)} ${ms(median(afterUnlock[name])).padEnd(14)} ${name === 'decrypt' ? '— (opened by encrypt)' : ms(median(lazy[name]))}`,
    );
  }
  console.log(
    `sign: ECDSA P-256 SHA-256; generateMac: HMAC-SHA-256; first: median of ${FIRSTS} keys, one call each`,
  );
  console.log(
    `(making the ${keyCount} keys: ${ms(makePlain)} without a lock, ${ms(makeLocked)} with it, ${(makeLocked / makePlain).toFixed(2)}×; not part of the figures)`,
  );
}
