// Vault backups (issue 11): restore and backup of 1,000 keys with 3 versions each — time and
// size — against one createKey (with recovery set up, so its material is sealed too) measured in
// the same run, on profiles on disk as a person's browser has them. The 1,000 × 3 vault comes
// from a backup made from docs/FORMAT.md §6 in Node (tests/backup-fixture.mjs): making it
// through the app would take 3,000 durable transactions. So the run measures, in order:
//   restore 1   the crafted backup into an empty vault (which becomes the 1,000 × 3 vault)
//   backup      exportVaultBackup of that vault
//   restore 2   the app's own backup into another empty vault
import { craftBackup } from '../tests/backup-fixture.mjs';
import { median, ms, openAppWithProfile } from './support.mjs';

const KEYS = 1000;
const VERSIONS = 3;
const CREATE_KEY_SAMPLES = 30;

async function createKeyReference() {
  const { page, close } = await openAppWithProfile();
  try {
    return await page.evaluate(async (samples) => {
      await window.kms.setUpRecovery({ GenerateRecoveryKey: true });
      const times = [];
      for (let i = 0; i < samples + 5; i++) {
        const start = performance.now();
        await window.kms.createKey({ Description: 'bench' });
        if (i >= 5) times.push(performance.now() - start); // five warm-up calls
      }
      return times;
    }, CREATE_KEY_SAMPLES);
  } finally {
    await close();
  }
}

/** Restores `archive` (base64) into the page's vault; returns the call's time. */
function restore(page, archive, name, recoveryKey) {
  return page.evaluate(
    async ({ archive, name, recoveryKey }) => {
      const Backup = new File([Uint8Array.from(atob(archive), (c) => c.charCodeAt(0))], name);
      const start = performance.now();
      const { RestoredKeyIds } = await window.kms.restoreVaultBackup({
        Backup,
        RecoveryKey: recoveryKey,
      });
      return { time: performance.now() - start, restored: RestoredKeyIds.length };
    },
    { archive, name, recoveryKey },
  );
}

export async function benchRecovery() {
  const craftStart = performance.now();
  const crafted = await craftBackup({ keyCount: KEYS, versions: VERSIONS });
  const craftTime = performance.now() - craftStart;
  const createKey = median(await createKeyReference());

  const first = await openAppWithProfile();
  let restore1;
  let backup;
  try {
    restore1 = await restore(
      first.page,
      crafted.archive.toString('base64'),
      crafted.name,
      crafted.recoveryKey,
    );
    backup = await first.page.evaluate(async () => {
      const start = performance.now();
      const { Backup, VersionCount } = await window.kms.exportVaultBackup();
      const time = performance.now() - start;
      const bytes = new Uint8Array(await Backup.arrayBuffer());
      let text = '';
      for (let i = 0; i < bytes.length; i += 0x8000) {
        text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      }
      return {
        time,
        size: bytes.length,
        versions: VersionCount,
        archive: btoa(text),
        name: Backup.name,
      };
    });
  } finally {
    await first.close();
  }
  const second = await openAppWithProfile();
  let restore2;
  try {
    restore2 = await restore(second.page, backup.archive, backup.name, crafted.recoveryKey);
  } finally {
    await second.close();
  }
  if (
    restore1.restored !== KEYS ||
    restore2.restored !== KEYS ||
    backup.versions !== KEYS * VERSIONS
  ) {
    throw new Error(`expected ${KEYS} keys and ${KEYS * VERSIONS} versions in each step`);
  }

  const versions = KEYS * VERSIONS;
  console.log(`\n## Backups — ${KEYS} keys × ${VERSIONS} versions (${versions} sealed versions)\n`);
  console.log(
    `createKey, recovery set up (reference)  ${ms(createKey)}  median of ${CREATE_KEY_SAMPLES}`,
  );
  console.log('operation                         time            ÷ one createKey   per version');
  for (const [label, time] of [
    ['restore 1 (crafted backup)', restore1.time],
    ['exportVaultBackup', backup.time],
    ["restore 2 (the app's backup)", restore2.time],
  ]) {
    console.log(
      `${label.padEnd(33)} ${ms(time).padEnd(15)} ${`${(time / createKey).toFixed(1)}×`.padEnd(17)} ${ms(time / versions)}`,
    );
  }
  console.log(
    `backup size                       ${backup.size} bytes (${(backup.size / 1048576).toFixed(2)} MiB), ${Math.round(backup.size / versions)} bytes per version`,
  );
  console.log(`(making the crafted backup in Node: ${ms(craftTime)}, not part of the figures)`);
}
