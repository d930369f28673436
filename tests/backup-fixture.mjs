/**
 * A large vault backup made from the specification alone (docs/FORMAT.md §6), in Node, for the
 * tests and the benchmark that need hundreds or thousands of keys: making them through the app
 * costs tens of milliseconds per key and per rotation (each a durable IndexedDB transaction),
 * restoring them a fraction of that. Plain JavaScript (types in backup-fixture.d.mts) so that
 * bench/, which Node 20 runs without a TypeScript loader, shares it. It uses age-encryption
 * (typage) for the age files and writes the ustar archive itself, byte by byte as §6.1 says —
 * a second writer of the format, which the app's reader must accept.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { armor, Encrypter, generateX25519Identity, identityToRecipient } from 'age-encryption';

const FORMAT_MD = new URL('../docs/FORMAT.md', import.meta.url);

/** README.txt: the text §6.1 gives. */
function readme() {
  const format = readFileSync(FORMAT_MD, 'utf8');
  const at = format.indexOf('is the same text in every format-version-1 backup:');
  const block = at < 0 ? undefined : /```text\n([\s\S]*?)```/.exec(format.slice(at))?.[1];
  if (!block) throw new Error('docs/FORMAT.md §6.1: no README.txt block');
  return block;
}

async function encryptTo(recipient, bytes) {
  const encrypter = new Encrypter();
  encrypter.addRecipient(recipient);
  return encrypter.encrypt(bytes);
}

const json = (value) => new TextEncoder().encode(JSON.stringify(value, null, 2) + '\n');

/** One ustar member header (FORMAT.md §6.1). */
function header(name, size, seconds) {
  const block = new Uint8Array(512);
  const put = (offset, text) => block.set(new TextEncoder().encode(text), offset);
  const octal = (value, length) => value.toString(8).padStart(length - 1, '0') + '\0';
  put(0, name);
  put(100, octal(0o644, 8));
  put(108, octal(0, 8));
  put(116, octal(0, 8));
  put(124, octal(size, 12));
  put(136, octal(seconds, 12));
  put(148, '        ');
  put(156, '0');
  put(257, 'ustar\x0000');
  const sum = block.reduce((total, byte) => total + byte, 0);
  put(148, sum.toString(8).padStart(6, '0') + '\0 ');
  return block;
}

function ustar(members, seconds) {
  const parts = [];
  for (const { name, data } of members) {
    parts.push(
      header(name, data.length, seconds),
      data,
      new Uint8Array((512 - (data.length % 512)) % 512),
    );
  }
  parts.push(new Uint8Array(1024));
  return Buffer.concat(parts);
}

/**
 * A backup of `keyCount` symmetric keys with `versions` versions each, every version's material
 * sealed to a new recovery identity, which is returned as the recovery key.
 */
export async function craftBackup({ keyCount, versions = 1, vaultId = '314159265358' }) {
  const identity = await generateX25519Identity();
  const recipient = await identityToRecipient(identity);
  const created = new Date('2026-11-01T00:00:00.000Z');
  const keys = [];
  for (let index = 0; index < keyCount; index++) {
    const KeyId = randomUUID();
    const CreationDate = new Date(created.getTime() + index).toISOString();
    const Versions = [];
    for (let Version = 1; Version <= versions; Version++) {
      const material = json({
        Format: 'pocket-kms-key-material',
        FormatVersion: 1,
        KeyId,
        Version,
        KeySpec: 'SYMMETRIC_DEFAULT',
        KeyUsage: 'ENCRYPT_DECRYPT',
        Material: randomBytes(32).toString('base64'),
      });
      Versions.push({
        Version,
        KeyMaterialId: createHash('sha256').update(randomBytes(32)).digest('hex'),
        CreationDate,
        ...(Version > 1 && { RotationType: 'ON_DEMAND' }),
        SealedMaterial: armor.encode(await encryptTo(recipient, material)),
      });
    }
    keys.push({
      KeyId,
      CreationDate,
      Description: `key ${index + 1} of ${keyCount}`,
      KeySpec: 'SYMMETRIC_DEFAULT',
      KeyUsage: 'ENCRYPT_DECRYPT',
      Origin: 'POCKET_KMS',
      KeyState: 'Enabled',
      Tags: [],
      Aliases: [],
      RotationEnabled: false,
      OnDemandRotationCount: versions - 1,
      CurrentVersion: versions,
      Versions,
    });
  }
  const now = new Date('2026-12-01T00:00:00.000Z');
  const document = {
    Format: 'pocket-kms-vault-backup',
    FormatVersion: 1,
    VaultId: vaultId,
    CreatedAt: now.toISOString(),
    RecoveryRecipient: recipient,
    Keys: keys,
    AuditLog: { Head: null },
  };
  const archive = ustar(
    [
      { name: 'README.txt', data: new TextEncoder().encode(readme()) },
      { name: 'vault-backup.json.age', data: await encryptTo(recipient, json(document)) },
    ],
    Math.floor(now.getTime() / 1000),
  );
  return {
    archive,
    name: `pocket-kms-${vaultId}-${now.toISOString().slice(0, 10)}.tar`,
    recoveryKey: identity,
    vaultId,
    keyIds: keys.map((key) => key.KeyId),
  };
}
