/**
 * The vault lock (issue 12; DESIGN §10; docs/API.md "The vault lock"). Set up, every key
 * version's material is stored only sealed under the vault key (vault-keys.ts), and the vault key
 * only sealed under the person's passphrase and/or passkey (lock-secret.ts). UnlockVault opens
 * it into this core's memory and imports every sealed version there; LockVault — or the idle
 * time, or closing the tab — drops them. While locked, whatever needs key material answers
 * VaultLockedException.
 *
 * Versions made before the lock are sealed too when their material is held for recovery and the
 * person gives the recovery secret (the same bytes, opened once). Versions whose material was
 * never available as bytes cannot be sealed: they are listed (UnsealableKeys).
 */
import type {
  PasskeyEnrolment,
  UnsealableKey,
  VaultLockMethod,
  VaultLockSecret,
} from '../../api.ts';
import { importAesGcmKey } from '../../crypto/aes-gcm.ts';
import type { Bytes } from '../../crypto/bytes.ts';
import type { KeyMaterial } from '../../crypto/key-material.ts';
import { randomBytes } from '../../crypto/random.ts';
import { KmsError } from '../../errors.ts';
import type {
  KeyRecord,
  KeyVersionRecord,
  LockRecord,
  VaultRecord,
} from '../../keystore/vault-store.ts';
import {
  checkEnrolment,
  openVaultKey,
  sealUnderPasskey,
  sealUnderPassphrase,
  VAULT_KEY_LENGTH,
} from '../lock-secret.ts';
import type { OperationContext } from '../operation-context.ts';
import { refuseWithWrite, type OperationGroup } from '../operation.ts';
import { openSealedMaterial } from '../recovery-seal.ts';
import { checkNewPassphrase, identityFrom } from '../recovery-identity.ts';
import { checkBoolean, checkInteger } from '../validation.ts';
import { materialLabel, openVersion, sealUnderLock } from '../vault-keys.ts';

const SECRET_FIELDS = [
  'Passphrase',
  'Passkey',
  'NewPassphrase',
  'NewPasskey',
  'RecoveryPassphrase',
  'RecoveryKey',
] as const;

export const DEFAULT_IDLE_MINUTES = 15;
const MAX_IDLE_MINUTES = 24 * 60;
/** Wrong secrets allowed in a row before each next try has to wait. */
const FREE_ATTEMPTS = 2;
const FIRST_WAIT_MS = 10_000;
const LONGEST_WAIT_MS = 15 * 60_000;

function checkIdleMinutes(value: unknown): number | undefined {
  return checkInteger('idleMinutes', value, 0, MAX_IDLE_MINUTES);
}

function noLock(): KmsError {
  return new KmsError(
    'KMSInvalidStateException',
    'This vault has no lock. Set one up first (SetUpVaultLock).',
  );
}

async function requireLock(
  context: OperationContext,
): Promise<{ vault: VaultRecord; lock: LockRecord }> {
  const vault = await context.store.getVaultRecord();
  if (!vault?.Lock) throw noLock();
  return { vault, lock: vault.Lock };
}

function methodsOf(lock: Pick<LockRecord, 'PassphraseSeal' | 'PasskeySeal'>): VaultLockMethod[] {
  return [
    ...(lock.PassphraseSeal ? (['PASSPHRASE'] as const) : []),
    ...(lock.PasskeySeal ? (['PASSKEY'] as const) : []),
  ];
}

/**
 * The vault key opened with the person's secret, with the lock's wait after wrong tries: a try
 * before NextAttemptDate is LimitExceededException; a wrong secret is IncorrectKeyException and
 * is counted (the count is stored with the refusal's record); a right one resets the count.
 */
async function openWithSecret(
  context: OperationContext,
  lock: LockRecord,
  secret: VaultLockSecret,
): Promise<Bytes> {
  const now = context.now();
  if (lock.NextAttemptDate && now < lock.NextAttemptDate) {
    throw new KmsError(
      'LimitExceededException',
      `Too many wrong lock secrets in a row: try again after ${lock.NextAttemptDate.toISOString()}.`,
    );
  }
  try {
    return await openVaultKey(lock, secret);
  } catch (error) {
    if (!(error instanceof KmsError) || error.name !== 'IncorrectKeyException') throw error;
    const failed = lock.FailedAttempts + 1;
    const wait =
      failed > FREE_ATTEMPTS
        ? Math.min(FIRST_WAIT_MS * 2 ** (failed - FREE_ATTEMPTS - 1), LONGEST_WAIT_MS)
        : 0;
    throw refuseWithWrite(error, async (tx) => {
      const stored = (await tx.objectStore('vault').get('vault'))!;
      if (!stored.Lock) return;
      await tx.objectStore('vault').put({
        ...stored,
        Lock: {
          ...stored.Lock,
          FailedAttempts: failed,
          ...(wait > 0 && { NextAttemptDate: new Date(now.getTime() + wait) }),
        },
      });
    });
  }
}

/** The vault key as a CryptoKey of this core, opened with the person's secret (openWithSecret). */
async function openedVaultKey(
  context: OperationContext,
  lock: LockRecord,
  secret: VaultLockSecret,
): Promise<CryptoKey> {
  const bytes = await openWithSecret(context, lock, secret);
  try {
    return await importAesGcmKey(bytes);
  } finally {
    bytes.fill(0);
  }
}

/** The new lock secrets a request gives (either may be absent), checked. */
function newSecrets(
  [passphraseParameter, passkeyParameter]: readonly [string, string],
  passphrase: unknown,
  passkey: unknown,
): { passphrase?: string; passkey?: PasskeyEnrolment } {
  return {
    ...(passphrase !== undefined && {
      passphrase: checkNewPassphrase(passphraseParameter, passphrase, 'lock'),
    }),
    ...(passkey !== undefined && { passkey: checkEnrolment(passkeyParameter, passkey) }),
  };
}

/** The recovery identity, when the request gives the recovery secret; else undefined. */
async function recoveryIdentity(
  context: OperationContext,
  request: { RecoveryPassphrase?: unknown; RecoveryKey?: unknown },
): Promise<string | undefined> {
  if (request.RecoveryPassphrase === undefined && request.RecoveryKey === undefined) return;
  const recovery = (await context.store.getVaultRecord())?.Recovery;
  if (!recovery) {
    throw new KmsError(
      'KMSInvalidStateException',
      'Recovery is not set up for this vault: there is no recovery secret to give.',
    );
  }
  return identityFrom(
    {
      Passphrase: request.RecoveryPassphrase as string | undefined,
      RecoveryKey: request.RecoveryKey as string | undefined,
    },
    recovery.SealedIdentity,
    recovery.Recipient,
  );
}

/** Every version with its key, in two reads. */
async function allVersions(
  context: OperationContext,
): Promise<{ key: KeyRecord; version: KeyVersionRecord }[]> {
  const keys = new Map((await context.store.listKeys()).map((key) => [key.KeyId, key]));
  return (await context.store.listAllKeyVersions()).flatMap((version) => {
    const key = keys.get(version.KeyId);
    return key ? [{ key, version }] : [];
  });
}

/** Every version sealed under the lock, opened with the vault key and imported (this core only). */
async function openSealed(
  context: OperationContext,
  vaultKey: CryptoKey,
): Promise<[KeyVersionRecord, KeyMaterial][]> {
  const opened: [KeyVersionRecord, KeyMaterial][] = [];
  for (const { key, version } of await allVersions(context)) {
    if (version.LockSeal !== undefined)
      opened.push([version, await openVersion(vaultKey, key, version)]);
  }
  return opened;
}

/** A version stored as usable CryptoKeys: its material is in IndexedDB, not only sealed. */
const storedUsable = (version: KeyVersionRecord) => version.LockSeal === undefined;

/**
 * The versions stored usable that recovery holds sealed, sealed under the vault key instead: the
 * recovery seal opened with the identity, the same bytes sealed, the CryptoKeys dropped.
 */
async function sealRecoverable(
  context: OperationContext,
  identity: string,
  vaultKey: CryptoKey,
): Promise<KeyVersionRecord[]> {
  const sealed: KeyVersionRecord[] = [];
  for (const { key, version } of await allVersions(context)) {
    if (!storedUsable(version) || version.RecoverySeal === undefined) continue;
    const label = materialLabel(key, version.Version);
    const secret = await openSealedMaterial(identity, version.RecoverySeal, label);
    try {
      const { CryptoKey: _key, Asymmetric, ...rest } = version;
      sealed.push({
        ...rest,
        LockSeal: await sealUnderLock(vaultKey, label, secret),
        ...(Asymmetric && {
          Asymmetric: {
            PublicKey: Asymmetric.PublicKey,
            PublicKeys: Asymmetric.PublicKeys,
            PrivateKeys: {},
          },
        }),
      });
    } finally {
      secret.fill(0);
    }
  }
  return sealed;
}

/** What the vault holds, as the lock sees it. */
async function custodySummary(
  context: OperationContext,
  alsoSealed: ReadonlySet<string> = new Set(),
) {
  const unsealable = new Map<string, UnsealableKey>();
  let sealedCount = 0;
  let recoverable = 0;
  for (const { key, version } of await allVersions(context)) {
    const id = `${version.KeyId}#${version.Version}`;
    if (!storedUsable(version) || alsoSealed.has(id)) sealedCount++;
    else if (version.RecoverySeal !== undefined) recoverable++;
    else {
      const entry = unsealable.get(key.KeyId) ?? {
        KeyId: key.KeyId,
        KeySpec: key.KeySpec,
        KeyState: key.KeyState,
        Versions: [],
      };
      entry.Versions.push(version.Version);
      unsealable.set(key.KeyId, entry);
    }
  }
  return {
    SealedVersionCount: sealedCount,
    RecoverableUnsealedVersionCount: recoverable,
    UnsealableKeys: [...unsealable.values()],
  };
}

const sealedIds = (versions: readonly KeyVersionRecord[]) =>
  new Set(versions.map((version) => `${version.KeyId}#${version.Version}`));

/** New seals of the vault key, for the methods the person chose. */
async function sealVaultKey(
  context: OperationContext,
  bytes: Bytes,
  passphrase: string | undefined,
  passkey: PasskeyEnrolment | undefined,
): Promise<Pick<LockRecord, 'PassphraseSeal' | 'PasskeySeal'>> {
  return {
    ...(passphrase !== undefined && {
      PassphraseSeal: await sealUnderPassphrase(bytes, passphrase, context.scryptWorkFactor),
    }),
    ...(passkey && { PasskeySeal: await sealUnderPasskey(bytes, passkey) }),
  };
}

export const vaultLockOperations = {
  setUpVaultLock: {
    eventName: 'SetUpVaultLock',
    mutates: true,
    fields: ['IdleMinutes'],
    secretFields: SECRET_FIELDS,
    async run(context, request) {
      const { passphrase, passkey } = newSecrets(
        ['passphrase', 'passkey'],
        request.Passphrase,
        request.Passkey,
      );
      if (passphrase === undefined && !passkey) {
        throw new KmsError(
          'ValidationException',
          'Choose how to open the lock: a Passphrase, a Passkey, or both.',
        );
      }
      const idleMinutes = checkIdleMinutes(request.IdleMinutes) ?? DEFAULT_IDLE_MINUTES;
      if ((await context.store.getVaultRecord())?.Lock) {
        throw new KmsError(
          'KMSInvalidStateException',
          'This vault already has a lock. Change it (ChangeVaultLock) or remove it first.',
        );
      }
      const identity = await recoveryIdentity(context, request);
      const bytes = randomBytes(VAULT_KEY_LENGTH);
      let vaultKey: CryptoKey;
      let seals: Pick<LockRecord, 'PassphraseSeal' | 'PasskeySeal'>;
      try {
        vaultKey = await importAesGcmKey(bytes);
        seals = await sealVaultKey(context, bytes, passphrase, passkey);
      } finally {
        bytes.fill(0);
        passkey?.PrfOutput.fill(0);
      }
      const sealed = identity ? await sealRecoverable(context, identity, vaultKey) : [];
      const setUpDate = context.now();
      const lock: LockRecord = {
        Methods: methodsOf(seals),
        SetUpDate: setUpDate,
        IdleMinutes: idleMinutes,
        ...seals,
        FailedAttempts: 0,
      };
      return {
        response: {
          Methods: lock.Methods,
          SetUpDate: setUpDate,
          IdleMinutes: idleMinutes,
          ...(await custodySummary(context, sealedIds(sealed))),
        },
        write: async (tx) => {
          const vault = (await tx.objectStore('vault').get('vault'))!;
          await tx.objectStore('vault').put({ ...vault, Lock: lock });
          for (const version of sealed) await tx.objectStore('keyVersions').put(version);
          // Import parameters hold a private CryptoKey: with a lock they live in memory only.
          await tx.objectStore('importParameters').clear();
        },
        // The person just gave the secret: this tab starts unlocked.
        afterCommit: () => {
          context.keys.refresh(lock);
          context.keys.unlock(vaultKey, [], setUpDate);
        },
      };
    },
  },

  describeVaultLock: {
    eventName: 'DescribeVaultLock',
    mutates: false,
    metadataRead: true,
    fields: ['IncludeKeys'],
    async run(context, request) {
      const includeKeys = checkBoolean('includeKeys', request.IncludeKeys) ?? false;
      const lock = (await context.store.getVaultRecord())?.Lock;
      return {
        response: {
          LockSetUp: lock !== undefined,
          Locked: lock !== undefined && context.keys.locked,
          Methods: lock?.Methods ?? [],
          ...(lock && { SetUpDate: lock.SetUpDate, IdleMinutes: lock.IdleMinutes }),
          ...(lock?.PasskeySeal && {
            Passkey: {
              CredentialId: lock.PasskeySeal.CredentialId,
              PrfSalt: new Uint8Array(lock.PasskeySeal.PrfSalt),
            },
          }),
          UnlockedVersionCount: context.keys.heldVersionCount,
          // Every version read: only when asked (the Security page), not for the header.
          ...(includeKeys && (await custodySummary(context))),
          FailedAttempts: lock?.FailedAttempts ?? 0,
          ...(lock?.NextAttemptDate && { NextAttemptDate: lock.NextAttemptDate }),
        },
      };
    },
  },

  unlockVault: {
    eventName: 'UnlockVault',
    mutates: true,
    fields: [],
    secretFields: SECRET_FIELDS,
    async run(context, request) {
      const { lock } = await requireLock(context);
      const vaultKey = await openedVaultKey(context, lock, request);
      // Every sealed version opened and imported now, into this core's memory only.
      const held = await openSealed(context, vaultKey);
      const now = context.now();
      return {
        response: { UnlockedVersionCount: held.length, IdleMinutes: lock.IdleMinutes },
        write:
          lock.FailedAttempts > 0
            ? async (tx) => {
                const vault = (await tx.objectStore('vault').get('vault'))!;
                if (vault.Lock) {
                  const { NextAttemptDate: _wait, ...rest } = vault.Lock;
                  await tx
                    .objectStore('vault')
                    .put({ ...vault, Lock: { ...rest, FailedAttempts: 0 } });
                }
              }
            : undefined,
        afterCommit: () => {
          context.keys.refresh(lock);
          context.keys.unlock(vaultKey, held, now);
        },
      };
    },
  },

  lockVault: {
    eventName: 'LockVault',
    mutates: true,
    fields: [],
    async run(context) {
      await requireLock(context);
      // Every other tab's core locks too when it hears of this (workers/kms/kms.ts).
      return { response: { Locked: true }, afterCommit: () => context.keys.lock() };
    },
  },

  changeVaultLock: {
    eventName: 'ChangeVaultLock',
    mutates: true,
    fields: ['RemovePassphrase', 'RemovePasskey', 'IdleMinutes'],
    secretFields: SECRET_FIELDS,
    async run(context, request) {
      const { passphrase: newPassphrase, passkey: newPasskey } = newSecrets(
        ['newPassphrase', 'newPasskey'],
        request.NewPassphrase,
        request.NewPasskey,
      );
      const removePassphrase = checkBoolean('removePassphrase', request.RemovePassphrase) ?? false;
      const removePasskey = checkBoolean('removePasskey', request.RemovePasskey) ?? false;
      const idleMinutes = checkIdleMinutes(request.IdleMinutes);
      const { lock } = await requireLock(context);
      const bytes = await openWithSecret(context, lock, request);
      let vaultKey: CryptoKey;
      let seals: Pick<LockRecord, 'PassphraseSeal' | 'PasskeySeal'>;
      try {
        vaultKey = await importAesGcmKey(bytes);
        seals = {
          ...(!removePassphrase && lock.PassphraseSeal && { PassphraseSeal: lock.PassphraseSeal }),
          ...(!removePasskey && lock.PasskeySeal && { PasskeySeal: lock.PasskeySeal }),
          ...(await sealVaultKey(context, bytes, newPassphrase, newPasskey)),
        };
      } finally {
        bytes.fill(0);
        newPasskey?.PrfOutput.fill(0);
      }
      const methods = methodsOf(seals);
      if (methods.length === 0) {
        throw new KmsError(
          'ValidationException',
          'A lock needs a passphrase or a passkey: to have neither, remove the lock (RemoveVaultLock).',
        );
      }
      const identity = await recoveryIdentity(context, request);
      const sealed = identity ? await sealRecoverable(context, identity, vaultKey) : [];
      const { PassphraseSeal: _p, PasskeySeal: _k, NextAttemptDate: _n, ...kept } = lock;
      const changed: LockRecord = {
        ...kept,
        ...seals,
        FailedAttempts: 0,
        Methods: methods,
        IdleMinutes: idleMinutes ?? lock.IdleMinutes,
      } as LockRecord;
      return {
        response: {
          Methods: methods,
          IdleMinutes: changed.IdleMinutes,
          SealedVersionCount: sealed.length,
        },
        write: async (tx) => {
          const vault = (await tx.objectStore('vault').get('vault'))!;
          await tx.objectStore('vault').put({ ...vault, Lock: changed });
          for (const version of sealed) await tx.objectStore('keyVersions').put(version);
        },
        afterCommit: () => context.keys.refresh(changed),
      };
    },
  },

  removeVaultLock: {
    eventName: 'RemoveVaultLock',
    mutates: true,
    fields: [],
    secretFields: SECRET_FIELDS,
    async run(context, request) {
      const { lock } = await requireLock(context);
      const vaultKey = await openedVaultKey(context, lock, request);
      // Every sealed version stored again as non-extractable CryptoKeys, as without a lock.
      const unsealed = (await openSealed(context, vaultKey)).map(
        ([{ LockSeal: _seal, ...version }, material]): KeyVersionRecord => ({
          ...version,
          CryptoKey: material.cryptoKey,
          ...(material.asymmetric && { Asymmetric: material.asymmetric }),
        }),
      );
      return {
        response: { UnsealedVersionCount: unsealed.length },
        write: async (tx) => {
          const { Lock: _lock, ...vault } = (await tx.objectStore('vault').get('vault'))!;
          await tx.objectStore('vault').put(vault);
          for (const version of unsealed) await tx.objectStore('keyVersions').put(version);
        },
        afterCommit: () => context.keys.refresh(undefined),
      };
    },
  },
} satisfies OperationGroup;
