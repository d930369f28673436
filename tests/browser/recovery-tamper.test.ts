/**
 * Issue 11, acceptance: every byte flip over a small backup, every truncation, a wrong
 * passphrase, a wrong recovery key and a backup of another format version are refused with a
 * named error (docs/FORMAT.md §6.6), and the vault they were offered to is unchanged: the same
 * keys, the same vault id, no recovery adopted, and an audit log that still verifies.
 *
 * The backup is a vault with one key (about 6 KB). Every byte position is flipped (one bit,
 * which bit cycling with the position). The secret offered depends on where the flip is, so
 * that each flip reaches the check that must catch it without paying scrypt 6,000 times:
 * a flip in recovery-identity.age is offered the passphrase (only the passphrase opens that
 * member); a flip in vault-backup.json.age the recovery key (and every 7th also the passphrase);
 * a flip anywhere else (tar headers, README.txt, padding, end blocks) the passphrase, though the
 * archive check refuses it before any secret is used.
 *
 * The recovery key never opens recovery-identity.age: the document names that member's SHA-256
 * (RecoveryIdentitySha256, docs/FORMAT.md §6.2), so a changed or removed member is refused with
 * the recovery key too, rather than adopted by the vault as it is.
 */
import { describe, expect, it } from 'vitest';
import {
  decryptAge,
  encryptToRecipient,
  encryptWithPassphrase,
  newAgeIdentity,
} from '../../workers/crypto/age.ts';
import { KmsError } from '../../workers/errors.ts';
import { readTar, writeTar } from '../../workers/formats/tar.ts';
import type { Kms } from '../../workers/kms/kms.ts';
import { openVaultForTest } from './support/vault.ts';

const PASSPHRASE = 'correct horse battery staple';
const NAMED = [
  'InvalidCiphertextException',
  'IncorrectKeyException',
  'UnsupportedOperationException',
  'ValidationException',
];
/** Thousands of restore attempts on a busy two-core machine. */
const SLOW = 300_000;

type Secret = { Passphrase: string } | { RecoveryKey: string };

interface Region {
  name: string;
  start: number;
  end: number;
}

/** The byte ranges of a ustar archive's member data (everything else is structure). */
function memberData(archive: Uint8Array): Region[] {
  const regions: Region[] = [];
  let offset = 0;
  for (const entry of readTar(archive)) {
    const start = offset + 512;
    regions.push({ name: entry.name, start, end: start + entry.data.length });
    offset = start + Math.ceil(entry.data.length / 512) * 512;
  }
  return regions;
}

async function smallBackup() {
  const { kms } = await openVaultForTest();
  const { RecoveryKey } = await kms.setUpRecovery({
    Passphrase: PASSPHRASE,
    GenerateRecoveryKey: true,
  });
  await kms.createKey({ Description: 'the one key' });
  const { Backup } = await kms.exportVaultBackup();
  return { archive: new Uint8Array(await Backup.arrayBuffer()), recoveryKey: RecoveryKey! };
}

/** A vault with a key of its own, and what must not change in it. */
async function targetVault() {
  const vault = await openVaultForTest();
  await vault.kms.createKey({ Description: 'already here' });
  const snapshot = async () => ({
    vaultId: vault.kms.vaultId,
    keys: (await vault.kms.listKeys()).Keys,
    aliases: (await vault.kms.listAliases()).Aliases,
    recovery: (await vault.kms.describeRecovery()).RecoverySetUp,
  });
  const before = await snapshot();
  return {
    kms: vault.kms,
    async expectUnchanged() {
      expect(await snapshot()).toEqual(before);
      expect((await vault.kms.verifyAuditLog()).Valid).toBe(true);
    },
  };
}

/** The error name a restore is refused with, or 'RESTORED'. */
async function outcome(kms: Kms, bytes: Uint8Array, secret: Secret): Promise<string> {
  try {
    await kms.restoreVaultBackup({ Backup: new Blob([new Uint8Array(bytes)]), ...secret });
    return 'RESTORED';
  } catch (error) {
    if (!(error instanceof KmsError)) throw error;
    return error.name;
  }
}

function tally(into: Map<string, number>, key: string): void {
  into.set(key, (into.get(key) ?? 0) + 1);
}

describe('a changed, cut or foreign backup is refused by name, and the vault is unchanged', () => {
  it(
    'every one-bit flip at every byte position',
    async () => {
      const { archive, recoveryKey } = await smallBackup();
      expect(archive.length).toBeLessThan(8192);
      const regions = memberData(archive);
      const identity = regions.find((region) => region.name === 'recovery-identity.age')!;
      const document = regions.find((region) => region.name === 'vault-backup.json.age')!;
      const target = await targetVault();
      const seen = new Map<string, number>();
      const unexpected: string[] = [];
      const expectFor = (
        position: number,
        secret: Secret,
        where: string,
        name: string,
        allowed: string[],
      ) => {
        tally(seen, `${where} ${'Passphrase' in secret ? 'passphrase' : 'recovery key'}: ${name}`);
        if (!allowed.includes(name)) unexpected.push(`byte ${position} (${where}): ${name}`);
      };
      for (let position = 0; position < archive.length; position++) {
        const changed = new Uint8Array(archive);
        changed[position]! ^= 1 << (position % 8);
        const inside = (region: Region) => position >= region.start && position < region.end;
        if (inside(identity)) {
          const secret = { Passphrase: PASSPHRASE };
          const name = await outcome(target.kms, changed, secret);
          expectFor(position, secret, 'identity', name, ['IncorrectKeyException']);
        } else if (inside(document)) {
          const byKey = { RecoveryKey: recoveryKey };
          expectFor(position, byKey, 'document', await outcome(target.kms, changed, byKey), [
            'IncorrectKeyException',
          ]);
          if (position % 7 === 0) {
            const byPassphrase = { Passphrase: PASSPHRASE };
            const name = await outcome(target.kms, changed, byPassphrase);
            expectFor(position, byPassphrase, 'document', name, ['InvalidCiphertextException']);
          }
        } else {
          const secret = { Passphrase: PASSPHRASE };
          const name = await outcome(target.kms, changed, secret);
          expectFor(position, secret, 'structure', name, ['InvalidCiphertextException']);
        }
      }
      console.info(`${archive.length} positions flipped:`, Object.fromEntries(seen));
      expect(unexpected).toEqual([]);
      await target.expectUnchanged();
      // The unchanged backup does restore into the same vault: the flips were the only cause.
      expect(await outcome(target.kms, archive, { Passphrase: PASSPHRASE })).toBe('RESTORED');
    },
    SLOW,
  );

  it(
    'every one-bit flip of recovery-identity.age, and its removal, offered the recovery key',
    async () => {
      const { archive, recoveryKey } = await smallBackup();
      const identity = memberData(archive).find(
        (region) => region.name === 'recovery-identity.age',
      )!;
      const target = await targetVault();
      const seen = new Map<string, number>();
      for (let position = identity.start; position < identity.end; position++) {
        const changed = new Uint8Array(archive);
        changed[position]! ^= 1 << (position % 8);
        tally(seen, await outcome(target.kms, changed, { RecoveryKey: recoveryKey }));
      }
      expect(Object.fromEntries(seen)).toEqual({
        InvalidCiphertextException: identity.end - identity.start,
      });
      const withoutIdentity = writeTar(
        readTar(archive).filter((entry) => entry.name !== 'recovery-identity.age'),
        new Date(),
      );
      expect(await outcome(target.kms, withoutIdentity, { RecoveryKey: recoveryKey })).toBe(
        'InvalidCiphertextException',
      );
      await target.expectUnchanged();
    },
    SLOW,
  );

  it(
    'every truncation',
    async () => {
      const { archive } = await smallBackup();
      const target = await targetVault();
      const seen = new Map<string, number>();
      for (let length = 0; length < archive.length; length++) {
        tally(
          seen,
          await outcome(target.kms, archive.subarray(0, length), { Passphrase: PASSPHRASE }),
        );
      }
      expect(Object.fromEntries(seen)).toEqual({ InvalidCiphertextException: archive.length });
      await target.expectUnchanged();
    },
    SLOW,
  );

  it('a wrong passphrase, a wrong recovery key, and a malformed recovery key', async () => {
    const { archive } = await smallBackup();
    const target = await targetVault();
    const { identity } = await newAgeIdentity();
    expect(await outcome(target.kms, archive, { Passphrase: 'not the passphrase at all' })).toBe(
      'IncorrectKeyException',
    );
    expect(await outcome(target.kms, archive, { RecoveryKey: identity })).toBe(
      'IncorrectKeyException',
    );
    expect(await outcome(target.kms, archive, { RecoveryKey: 'AGE-SECRET-KEY-1NOTAKEY' })).toBe(
      'ValidationException',
    );
    await target.expectUnchanged();
  });

  it('a backup of format version 2, made with the test’s own identity, by key and by passphrase', async () => {
    const { archive, recoveryKey } = await smallBackup();
    const members = new Map(readTar(archive).map((entry) => [entry.name, entry.data]));
    const plaintext = await decryptAge(new Uint8Array(members.get('vault-backup.json.age')!), {
      identity: recoveryKey,
    });
    const { identity, recipient } = await newAgeIdentity();
    const document = JSON.parse(new TextDecoder().decode(plaintext));
    expect(document.FormatVersion).toBe(1);
    const future = { ...document, FormatVersion: 2, RecoveryRecipient: recipient };
    const crafted = writeTar(
      [
        { name: 'README.txt', data: members.get('README.txt')! },
        {
          name: 'vault-backup.json.age',
          data: await encryptToRecipient(
            new TextEncoder().encode(JSON.stringify(future, null, 2) + '\n'),
            recipient,
          ),
        },
        {
          name: 'recovery-identity.age',
          data: await encryptWithPassphrase(
            new TextEncoder().encode(`${identity}\n`),
            'the crafted backup’s passphrase',
            10,
          ),
        },
      ],
      new Date(),
    );
    const target = await targetVault();
    for (const secret of [
      { RecoveryKey: identity },
      { Passphrase: 'the crafted backup’s passphrase' },
    ]) {
      const error = await target.kms
        .restoreVaultBackup({ Backup: new Blob([crafted]), ...secret })
        .then(
          () => undefined,
          (caught: KmsError) => caught,
        );
      expect(error?.name).toBe('UnsupportedOperationException');
      expect(error?.message).toContain('format version 2');
      expect(NAMED).toContain(error?.name);
    }
    await target.expectUnchanged();
  });
});
