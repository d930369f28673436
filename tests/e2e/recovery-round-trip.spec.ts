/**
 * Issue 11, acceptance: the round trip across browser profiles. In profile A (a persistent
 * Chromium profile on disk, the built app, driven through window.kms): set up recovery; create
 * keys of every spec and origin; rotate the symmetric one; disable one key and schedule another's
 * deletion; encrypt text, data keys and files, sign with every algorithm, make MACs and an ECDH
 * shared secret; back up. Profile B, empty, restores with the passphrase; profile C, empty, with
 * the recovery key. In each: every ciphertext and file from A decrypts, every signature and MAC
 * verifies, the shared secret and the public keys are A's, and the key ids, ARNs, metadata,
 * aliases, tags, versions, rotations and states are equal.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, expect, test, type BrowserContext, type Page } from '@playwright/test';
import type { KmsApi } from '../../workers/api.ts';
import { CHROMIUM_ARGS, chromiumPath } from '../chromium.mjs';
import { openApp } from './support/kms-page.ts';

const PASSPHRASE = 'a long enough test passphrase';

interface Made {
  recoveryKey: string;
  backup: string;
  backupName: string;
  blobs: { blob: string; context?: Record<string, string>; plaintext: string; keyId?: string }[];
  rsaBlobs: { keyId: string; algorithm: string; blob: string; plaintext: string }[];
  dataKeys: { blob: string; plaintext: string }[];
  files: { name: string; encrypted: string; sha256: string; context: Record<string, string> }[];
  signatures: { keyId: string; algorithm: string; signature: string }[];
  macs: { keyId: string; algorithm: string; mac: string }[];
  agreement: { keyId: string; peer: string; secret: string };
}

interface Profile {
  context: BrowserContext;
  page: Page;
  /** Closes the browser and deletes the profile directory. */
  close(): Promise<void>;
}

async function profile(baseURL: string): Promise<Profile> {
  const directory = mkdtempSync(join(tmpdir(), 'pocket-kms-recovery-'));
  const context = await chromium.launchPersistentContext(directory, {
    executablePath: chromiumPath(),
    args: CHROMIUM_ARGS,
    baseURL,
    headless: true,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  await openApp(page);
  return {
    context,
    page,
    async close() {
      await context.close();
      // Chromium may still be writing the profile as it exits.
      rmSync(directory, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    },
  };
}

/** Profile A's work: keys of every kind, what they made, and the backup. */
function makeVault(page: Page): Promise<Made> {
  return page.evaluate(async (passphrase) => {
    const { kms } = window;
    const b64 = (bytes: Uint8Array) => {
      let text = '';
      for (let i = 0; i < bytes.length; i += 0x8000) {
        text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      }
      return btoa(text);
    };
    const utf8 = (text: string) => new TextEncoder().encode(text);
    const hex = async (blob: Blob) =>
      Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer())))
        .map((byte) => byte.toString(16).padStart(2, '0'))
        .join('');

    const { RecoveryKey } = await kms.setUpRecovery({
      Passphrase: passphrase,
      GenerateRecoveryKey: true,
    });
    const create = async (request: Parameters<KmsApi['createKey']>[0]) =>
      (await kms.createKey(request)).KeyMetadata;
    const symmetric = await create({
      Description: 'symmetric',
      Tags: [{ TagKey: 'project', TagValue: 'round trip' }],
    });
    await kms.createAlias({ AliasName: 'alias/symmetric', TargetKeyId: symmetric.KeyId });
    await kms.enableKeyRotation({ KeyId: symmetric.KeyId, RotationPeriodInDays: 180 });
    const specs = [
      ['RSA_2048', 'ENCRYPT_DECRYPT'],
      ['RSA_2048', 'SIGN_VERIFY'],
      ['ECC_NIST_P256', 'SIGN_VERIFY'],
      ['ECC_NIST_P384', 'SIGN_VERIFY'],
      ['ECC_NIST_P521', 'SIGN_VERIFY'],
      ['ECC_NIST_P256', 'KEY_AGREEMENT'],
      ['ECC_SECG_P256K1', 'SIGN_VERIFY'],
      ['ECC_NIST_EDWARDS25519', 'SIGN_VERIFY'],
      ['HMAC_256', 'GENERATE_VERIFY_MAC'],
      ['HMAC_384', 'GENERATE_VERIFY_MAC'],
      ['HMAC_512', 'GENERATE_VERIFY_MAC'],
    ] as const;
    const others = [];
    for (const [KeySpec, KeyUsage] of specs) {
      const key = await create({ KeySpec, KeyUsage, Description: `${KeySpec} ${KeyUsage}` });
      await kms.createAlias({
        AliasName: `alias/${KeySpec}-${KeyUsage}`.toLowerCase(),
        TargetKeyId: key.KeyId,
      });
      others.push(key);
    }
    // An EXTERNAL key: material wrapped as a person does with openssl (RSAES-OAEP SHA-256).
    const external = await create({ Origin: 'EXTERNAL', Description: 'imported' });
    const parameters = await kms.getParametersForImport({
      KeyId: external.KeyId,
      WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
      WrappingKeySpec: 'RSA_2048',
    });
    const wrappingKey = await crypto.subtle.importKey(
      'spki',
      new Uint8Array(parameters.PublicKey),
      { name: 'RSA-OAEP', hash: 'SHA-256' },
      false,
      ['encrypt'],
    );
    await kms.importKeyMaterial({
      KeyId: external.KeyId,
      ImportToken: parameters.ImportToken,
      EncryptedKeyMaterial: new Uint8Array(
        await crypto.subtle.encrypt(
          { name: 'RSA-OAEP' },
          wrappingKey,
          crypto.getRandomValues(new Uint8Array(32)),
        ),
      ),
      ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
    });
    const disabled = await create({ Description: 'disabled' });
    await kms.disableKey({ KeyId: disabled.KeyId });
    const doomed = await create({ Description: 'pending deletion' });
    await kms.scheduleKeyDeletion({ KeyId: doomed.KeyId, PendingWindowInDays: 30 });

    // Symmetric ciphertexts under versions 1, 2 and 3, and under the imported material.
    const blobs: Made['blobs'] = [];
    const dataKeys: Made['dataKeys'] = [];
    const files: Made['files'] = [];
    const content = crypto.getRandomValues(new Uint8Array(48 * 1024));
    const encryptAll = async (round: number) => {
      for (const [keyId, context] of [
        [symmetric.KeyId, { round: String(round), purpose: 'round trip' }],
        [external.KeyId, undefined],
      ] as const) {
        const plaintext = `text ${round} under ${keyId}`;
        const { CiphertextBlob } = await kms.encrypt({
          KeyId: keyId,
          Plaintext: utf8(plaintext),
          ...(context && { EncryptionContext: context }),
        });
        blobs.push({ blob: b64(CiphertextBlob), ...(context && { context }), plaintext });
      }
      const dataKey = await kms.generateDataKey({ KeyId: 'alias/symmetric', KeySpec: 'AES_256' });
      dataKeys.push({ blob: b64(dataKey.CiphertextBlob), plaintext: b64(dataKey.Plaintext) });
      const input = new File([content, utf8(`round ${round}`)], `report-${round}.bin`);
      const context = { round: String(round) };
      const { Output } = await kms.encryptFile({
        Input: input,
        KeyIds: round === 1 ? [symmetric.KeyId] : [symmetric.KeyId, external.KeyId],
        EncryptionContext: context,
        FrameLength: 65536,
      });
      files.push({
        name: Output.name,
        encrypted: b64(new Uint8Array(await Output.arrayBuffer())),
        sha256: await hex(input),
        context,
      });
    };
    await encryptAll(1);
    await kms.rotateKeyOnDemand({ KeyId: symmetric.KeyId });
    await encryptAll(2);
    await kms.rotateKeyOnDemand({ KeyId: symmetric.KeyId });
    await encryptAll(3);

    const message = utf8('signed in profile A');
    const signatures: Made['signatures'] = [];
    const macs: Made['macs'] = [];
    const rsaBlobs: Made['rsaBlobs'] = [];
    let agreement: Made['agreement'] | undefined;
    for (const key of others) {
      for (const algorithm of key.SigningAlgorithms ?? []) {
        if (algorithm === 'ED25519_PH_SHA_512') continue; // takes digests, not messages
        const { Signature } = await kms.sign({
          KeyId: key.KeyId,
          Message: message,
          SigningAlgorithm: algorithm,
        });
        signatures.push({ keyId: key.KeyId, algorithm, signature: b64(Signature) });
      }
      for (const algorithm of key.MacAlgorithms ?? []) {
        const { Mac } = await kms.generateMac({
          KeyId: key.KeyId,
          Message: message,
          MacAlgorithm: algorithm,
        });
        macs.push({ keyId: key.KeyId, algorithm, mac: b64(Mac) });
      }
      if (key.KeyUsage === 'ENCRYPT_DECRYPT') {
        for (const algorithm of key.EncryptionAlgorithms ?? []) {
          const plaintext = `rsa ${algorithm}`;
          const { CiphertextBlob } = await kms.encrypt({
            KeyId: key.KeyId,
            Plaintext: utf8(plaintext),
            EncryptionAlgorithm: algorithm,
          });
          rsaBlobs.push({ keyId: key.KeyId, algorithm, blob: b64(CiphertextBlob), plaintext });
        }
      }
      if (key.KeyUsage === 'KEY_AGREEMENT') {
        const peer = (await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, [
          'deriveBits',
        ])) as CryptoKeyPair;
        const PublicKey = new Uint8Array(await crypto.subtle.exportKey('spki', peer.publicKey));
        const { SharedSecret } = await kms.deriveSharedSecret({
          KeyId: key.KeyId,
          KeyAgreementAlgorithm: 'ECDH',
          PublicKey,
        });
        agreement = { keyId: key.KeyId, peer: b64(PublicKey), secret: b64(SharedSecret) };
      }
    }

    const { Backup } = await kms.exportVaultBackup();
    return {
      recoveryKey: RecoveryKey!,
      backup: b64(new Uint8Array(await Backup.arrayBuffer())),
      backupName: Backup.name,
      blobs,
      rsaBlobs,
      dataKeys,
      files,
      signatures,
      macs,
      agreement: agreement!,
    };
  }, PASSPHRASE);
}

/** Everything a vault says about its keys, for comparing two vaults. */
function describeVault(page: Page) {
  return page.evaluate(async () => {
    const { kms } = window;
    const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
    const keys = [];
    for (const { KeyId } of (await kms.listKeys({ Limit: 1000 })).Keys) {
      const { KeyMetadata } = await kms.describeKey({ KeyId });
      const symmetric = KeyMetadata.KeySpec === 'SYMMETRIC_DEFAULT';
      const asymmetric = !symmetric && !KeyMetadata.KeySpec.startsWith('HMAC');
      const enabled = KeyMetadata.KeyState === 'Enabled';
      keys.push({
        KeyMetadata,
        tags: (await kms.listResourceTags({ KeyId })).Tags,
        rotations:
          symmetric && KeyMetadata.Origin !== 'EXTERNAL'
            ? (await kms.listKeyRotations({ KeyId })).Rotations
            : [],
        rotation: symmetric ? await kms.getKeyRotationStatus({ KeyId }) : undefined,
        publicKey:
          asymmetric && enabled ? b64((await kms.getPublicKey({ KeyId })).PublicKey) : undefined,
      });
    }
    keys.sort((a, b) => a.KeyMetadata.KeyId.localeCompare(b.KeyMetadata.KeyId));
    return {
      vaultId: keys[0]?.KeyMetadata.Arn.split(':')[4],
      keys,
      aliases: (await kms.listAliases({ Limit: 100 })).Aliases,
    };
  });
}

/** In a restored vault: everything A made opens or verifies; returns what failed. */
function checkEverything(page: Page, made: Made): Promise<string[]> {
  return page.evaluate(async (made) => {
    const { kms } = window;
    const bytes = (base64: string) => Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const text = (data: Uint8Array) => new TextDecoder().decode(data);
    const failures: string[] = [];
    const check = async (what: string, run: () => Promise<boolean>) => {
      try {
        if (!(await run())) failures.push(`${what}: wrong result`);
      } catch (error) {
        failures.push(`${what}: ${(error as Error).name} ${(error as Error).message}`);
      }
    };
    for (const [i, { blob, context, plaintext }] of made.blobs.entries()) {
      await check(`blob ${i}`, async () => {
        const { Plaintext } = await kms.decrypt({
          CiphertextBlob: bytes(blob),
          ...(context && { EncryptionContext: context }),
        });
        return text(Plaintext) === plaintext;
      });
    }
    for (const [i, { blob, plaintext }] of made.dataKeys.entries()) {
      await check(`data key ${i}`, async () => {
        const { Plaintext } = await kms.decrypt({ CiphertextBlob: bytes(blob) });
        return btoa(String.fromCharCode(...Plaintext)) === plaintext;
      });
    }
    for (const { keyId, algorithm, blob, plaintext } of made.rsaBlobs) {
      await check(`RSA ${algorithm}`, async () => {
        const { Plaintext } = await kms.decrypt({
          KeyId: keyId,
          CiphertextBlob: bytes(blob),
          EncryptionAlgorithm: algorithm as 'RSAES_OAEP_SHA_256',
        });
        return text(Plaintext) === plaintext;
      });
    }
    for (const { name, encrypted, sha256, context } of made.files) {
      await check(`file ${name}`, async () => {
        const { Output, OutputId } = await kms.decryptFile({
          Input: new File([bytes(encrypted)], name),
          EncryptionContext: context,
        });
        const digest = Array.from(
          new Uint8Array(await crypto.subtle.digest('SHA-256', await Output.arrayBuffer())),
        )
          .map((byte) => byte.toString(16).padStart(2, '0'))
          .join('');
        await kms.discardFileOutput({ OutputId });
        return digest === sha256;
      });
    }
    const message = new TextEncoder().encode('signed in profile A');
    for (const { keyId, algorithm, signature } of made.signatures) {
      await check(`signature ${algorithm} of ${keyId}`, async () => {
        const { SignatureValid } = await kms.verify({
          KeyId: keyId,
          Message: message,
          Signature: bytes(signature),
          SigningAlgorithm: algorithm as 'ECDSA_SHA_256',
        });
        return SignatureValid;
      });
    }
    for (const { keyId, algorithm, mac } of made.macs) {
      await check(`MAC ${algorithm}`, async () => {
        const { MacValid } = await kms.verifyMac({
          KeyId: keyId,
          Message: message,
          Mac: bytes(mac),
          MacAlgorithm: algorithm as 'HMAC_SHA_256',
        });
        return MacValid;
      });
    }
    await check('ECDH shared secret', async () => {
      const { SharedSecret } = await kms.deriveSharedSecret({
        KeyId: made.agreement.keyId,
        KeyAgreementAlgorithm: 'ECDH',
        PublicKey: bytes(made.agreement.peer),
      });
      return btoa(String.fromCharCode(...SharedSecret)) === made.agreement.secret;
    });
    return failures;
  }, made);
}

/** Restores A's backup into a fresh, empty profile with one secret. */
async function restoreInNewProfile(
  baseURL: string,
  made: Made,
  secret: { Passphrase: string } | { RecoveryKey: string },
) {
  const target = await profile(baseURL);
  const restored = await target.page.evaluate(
    async ({ backup, backupName, secret }) => {
      const { kms } = window;
      const before = (await kms.listKeys()).Keys.length;
      const Backup = new File([Uint8Array.from(atob(backup), (c) => c.charCodeAt(0))], backupName);
      const answer = await kms.restoreVaultBackup({ Backup, ...secret });
      return {
        before,
        restored: answer.RestoredKeyIds.length,
        skipped: answer.SkippedKeys,
        auditValid: (await kms.verifyAuditLog()).Valid,
        firstRecord: (await kms.listAuditEvents({ Limit: 50 })).Events.at(-1)?.eventName,
      };
    },
    { backup: made.backup, backupName: made.backupName, secret },
  );
  return { ...target, restored };
}

test('a backup made in profile A restores in empty profiles B (passphrase) and C (recovery key): every ciphertext, file, signature and MAC of A works there, and the keys are the same', async ({
  baseURL,
}) => {
  test.setTimeout(180_000); // three profiles, RSA keys, scrypt at age's work factor (18) twice
  const a = await profile(baseURL!);
  let made: Made;
  let original: Awaited<ReturnType<typeof describeVault>>;
  try {
    made = await makeVault(a.page);
    original = await describeVault(a.page);
  } finally {
    await a.close();
  }
  expect(original.keys).toHaveLength(15);
  const states = original.keys.map((key) => key.KeyMetadata.KeyState);
  expect(states.filter((state) => state === 'Enabled')).toHaveLength(13);
  expect(states).toContain('Disabled');
  expect(states).toContain('PendingDeletion');
  expect(original.keys.map((key) => key.rotations.length)).toContain(2);
  expect(original.aliases).toHaveLength(12);
  expect(made.signatures).toHaveLength(11); // RSA 6, NIST 3, secp256k1 1, Ed25519 1
  expect(made.files.reduce((total, file) => total + file.encrypted.length, 0)).toBeLessThan(
    400_000,
  );

  for (const secret of [{ Passphrase: PASSPHRASE }, { RecoveryKey: made.recoveryKey }]) {
    const target = await restoreInNewProfile(baseURL!, made, secret);
    try {
      expect(target.restored).toEqual({
        before: 0,
        restored: 15,
        skipped: [],
        auditValid: true,
        firstRecord: 'RestoreVaultBackup',
      });
      expect(await checkEverything(target.page, made)).toEqual([]);
      expect(await describeVault(target.page)).toEqual(original);
    } finally {
      await target.close();
    }
  }
});
