/**
 * Issue 11, acceptance: a vault backup opens with a tool we did not write. The backup is made
 * here, in Chromium, by the real core; Node-side commands (tests/browser/commands/age.ts) run
 * the blocks of docs/FORMAT.md §6.4 exactly as written with Debian's `age` 1.1.1 — with the
 * recovery key, and with the passphrase, which age reads only from a terminal, so a
 * pseudo-terminal types the test's passphrase (the test's only addition to the documented
 * commands) — validate the document and each sealed material against
 * docs/vault-backup.schema.json (Ajv), and decrypt the vault's ciphertext blobs with the
 * Node.js script of §6.5, exactly as written.
 */
import { describe, expect, it } from 'vitest';
import { commands } from 'vitest/browser';
import { fromBase64 } from '../../workers/encoding.ts';
import type { Kms } from '../../workers/kms/kms.ts';
import { importMaterial, newKeyMaterial } from './support/key-import.ts';
import { openVaultForTest, toBase64, utf8 } from './support/vault.ts';

const PASSPHRASE = 'a test passphrase typed by a pty';
/** age and a process per call on a busy two-core machine. */
const SLOW = 120_000;

function bytes(base64: string | undefined): Uint8Array<ArrayBuffer> {
  const decoded = base64 === undefined ? undefined : fromBase64(base64);
  if (!decoded) throw new Error('the command wrote no such file');
  return new Uint8Array(decoded);
}

const text = (base64: string | undefined) => new TextDecoder().decode(bytes(base64));

interface Made {
  kms: Kms;
  recoveryKey: string;
  archive: string;
  archiveName: string;
  imported: Uint8Array;
  keys: { symmetric: string; external: string; hmac: string; signing: string; doomed: string };
  blobs: { blob: Uint8Array; context?: Record<string, string>; plaintext: string }[];
}

/** A vault with recovery, keys of several kinds and settings, three blobs, and its backup. */
async function backedUpVault(): Promise<Made> {
  const { kms } = await openVaultForTest();
  const { RecoveryKey } = await kms.setUpRecovery({
    Passphrase: PASSPHRASE,
    GenerateRecoveryKey: true,
  });
  const create = async (request: Parameters<Kms['createKey']>[0]) =>
    (await kms.createKey(request)).KeyMetadata.KeyId;
  const symmetric = await create({
    Description: 'opened by age',
    Tags: [{ TagKey: 'kept', TagValue: 'yes' }],
  });
  await kms.createAlias({ AliasName: 'alias/age-cli', TargetKeyId: symmetric });
  await kms.enableKeyRotation({ KeyId: symmetric, RotationPeriodInDays: 90 });
  const context = { purpose: 'age-cli', ünïcödé: 'välue', a: '' };
  const blobs: Made['blobs'] = [];
  const encrypt = async (keyId: string, plaintext: string, ctx?: Record<string, string>) => {
    const { CiphertextBlob } = await kms.encrypt({
      KeyId: keyId,
      Plaintext: utf8(plaintext),
      ...(ctx && { EncryptionContext: ctx }),
    });
    blobs.push({ blob: CiphertextBlob, ...(ctx && { context: ctx }), plaintext });
  };
  await encrypt(symmetric, 'under version 1, with a context', context);
  await kms.rotateKeyOnDemand({ KeyId: symmetric });
  await encrypt(symmetric, 'under version 2');
  const external = await create({ Origin: 'EXTERNAL', Description: 'imported' });
  const imported = newKeyMaterial();
  await importMaterial(kms, external, imported, {
    rawAesKeyring: { KeyNamespace: 'backup', KeyName: 'imported' },
  });
  await encrypt(external, 'under imported material');
  const hmac = await create({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
  const signing = await create({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
  const doomed = await create({ Description: 'pending deletion' });
  await kms.scheduleKeyDeletion({ KeyId: doomed, PendingWindowInDays: 7 });
  const { Backup } = await kms.exportVaultBackup({ IncludeAuditLog: true });
  return {
    kms,
    recoveryKey: RecoveryKey!,
    archive: toBase64(new Uint8Array(await Backup.arrayBuffer())),
    archiveName: Backup.name,
    imported,
    keys: { symmetric, external, hmac, signing, doomed },
    blobs,
  };
}

describe('the age command-line tool opens a backup by the commands of docs/FORMAT.md', () => {
  it(
    'with the recovery key and with the passphrase (typed by a pty), to the same document, which the schema accepts; a wrong passphrase fails',
    async () => {
      const made = await backedUpVault();
      const byKey = await commands.openBackupAsDocumented({
        archive: made.archive,
        archiveName: made.archiveName,
        secret: { recoveryKey: made.recoveryKey },
      });
      expect(byKey.script).toContain('age -d -i recovery-key.txt');
      expect(byKey.output).toBe('');
      expect(byKey.status).toBe(0);
      const byPassphrase = await commands.openBackupAsDocumented({
        archive: made.archive,
        archiveName: made.archiveName,
        secret: { passphrase: PASSPHRASE },
      });
      expect(byPassphrase.script).toContain('age -d -o recovery-key.txt recovery-identity.age');
      expect(byPassphrase.output).toContain('Enter passphrase');
      expect(byPassphrase.status).toBe(0);
      expect(text(byPassphrase.outputs['recovery-key.txt'])).toBe(`${made.recoveryKey}\n`);
      const json = text(byKey.outputs['vault-backup.json']);
      expect(text(byPassphrase.outputs['vault-backup.json'])).toBe(json);
      expect(text(byKey.outputs['README.txt'])).toBe(await commands.documentedBackupReadme());

      const wrong = await commands.openBackupAsDocumented({
        archive: made.archive,
        archiveName: made.archiveName,
        secret: { passphrase: 'not the passphrase of this vault' },
      });
      expect(wrong.status).not.toBe(0);
      expect(wrong.output).toContain('incorrect passphrase');
      expect(wrong.outputs).toEqual({});

      const schema = await commands.validateBackupSchema({ json });
      expect(schema.errors).toEqual([]);
      expect(schema.valid).toBe(true);
      const document = JSON.parse(json);
      expect(json).toBe(JSON.stringify(document, null, 2) + '\n');
      expect(document).toMatchObject({
        Format: 'pocket-kms-vault-backup',
        FormatVersion: 1,
        VaultId: made.kms.vaultId,
      });
      // Every key, by CreationDate then KeyId (§6.2).
      const order = document.Keys.map((key: { CreationDate: string; KeyId: string }) => [
        key.CreationDate,
        key.KeyId,
      ]);
      expect(order).toEqual([...order].sort());
      expect(order.map(([, keyId]: string[]) => keyId).sort()).toEqual(
        Object.values(made.keys).sort(),
      );
      expect(document.AuditLog.Records.length).toBe(document.AuditLog.Head.sequence);

      // A document that breaks the schema is refused by it (the check is not vacuous).
      const broken = { ...document, Keys: [{ ...document.Keys[0], KeyState: 'Lost' }] };
      expect((await commands.validateBackupSchema({ json: JSON.stringify(broken) })).valid).toBe(
        false,
      );

      // Every sealed material opens with `age -d -i`, fits the schema, and has its spec's form.
      const lengths: Record<string, (material: Uint8Array) => boolean> = {
        SYMMETRIC_DEFAULT: (m) => m.length === 32,
        HMAC_256: (m) => m.length === 32,
        ECC_NIST_P256: (m) => m[0] === 0x30 && m.length > 64, // PKCS #8 DER SEQUENCE
      };
      for (const key of document.Keys) {
        for (const version of key.Versions) {
          const opened = await commands.age({
            files: {
              'recovery-key.txt': toBase64(utf8(`${made.recoveryKey}\n`)),
              'material.age': toBase64(utf8(version.SealedMaterial)),
            },
            args: ['-d', '-i', 'recovery-key.txt', 'material.age'],
          });
          expect(opened.status, opened.stderr).toBe(0);
          const checked = await commands.validateBackupSchema({
            json: opened.stdout,
            definition: 'SealedMaterial',
          });
          expect(checked.errors).toEqual([]);
          const material = JSON.parse(opened.stdout);
          expect(material).toMatchObject({
            KeyId: key.KeyId,
            Version: version.Version,
            KeySpec: key.KeySpec,
          });
          expect(lengths[key.KeySpec]!(bytes(material.Material))).toBe(true);
          if (key.KeyId === made.keys.external) {
            expect(bytes(material.Material)).toEqual(made.imported);
          }
        }
      }
    },
    SLOW,
  );

  it(
    "decrypts the vault's ciphertext blobs with one AES key's material by the Node.js script of §6.5",
    async () => {
      const made = await backedUpVault();
      const opened = await commands.openBackupAsDocumented({
        archive: made.archive,
        archiveName: made.archiveName,
        secret: { recoveryKey: made.recoveryKey },
      });
      const document = text(opened.outputs['vault-backup.json']);
      for (const { blob, context, plaintext } of made.blobs) {
        const decrypted = await commands.decryptBlobAsDocumented({
          document,
          recoveryKey: made.recoveryKey,
          blob: toBase64(blob),
          ...(context && { encryptionContext: context }),
        });
        expect(decrypted.script).toContain("createDecipheriv('aes-256-gcm'");
        expect(decrypted.output).toBe('');
        expect(decrypted.status).toBe(0);
        expect(text(decrypted.outputs.plaintext)).toBe(plaintext);
      }
      // Another context, or a changed blob: the GCM tag refuses it.
      const [first] = made.blobs;
      const otherContext = await commands.decryptBlobAsDocumented({
        document,
        recoveryKey: made.recoveryKey,
        blob: toBase64(first!.blob),
        encryptionContext: { purpose: 'another' },
      });
      expect(otherContext.status).not.toBe(0);
      expect(otherContext.output).toContain('Unsupported state or unable to authenticate data');
      const changed = new Uint8Array(first!.blob);
      changed[changed.length - 20]! ^= 1;
      const tampered = await commands.decryptBlobAsDocumented({
        document,
        recoveryKey: made.recoveryKey,
        blob: toBase64(changed),
        encryptionContext: first!.context!,
      });
      expect(tampered.status).not.toBe(0);
    },
    SLOW,
  );
});
