/**
 * The vault's recovery identity (issue 11; DESIGN §10): an age X25519 identity the person holds,
 * as a recovery key and/or sealed under a recovery passphrase. The vault keeps only its
 * recipient and the passphrase-sealed copy; these helpers make one, check a new passphrase, and
 * turn the person's secret back into the identity — a wrong one is IncorrectKeyException.
 */
import type { RecoveryMethod, RecoverySecret } from '../api.ts';
import {
  decryptAge,
  encryptWithPassphrase,
  newAgeIdentity,
  normalizeIdentity,
  recipientOf,
} from '../crypto/age.ts';
import type { Bytes } from '../crypto/bytes.ts';
import { KmsError, validationError } from '../errors.ts';
import type { RecoveryRecord, VaultRecord } from '../keystore/vault-store.ts';
import type { OperationContext } from './operation-context.ts';
import { checkString } from './validation.ts';

/** The shortest recovery passphrase taken, in characters (a generated one is six words). */
export const MIN_PASSPHRASE_LENGTH = 12;
const MAX_PASSPHRASE_LENGTH = 1024;
/** A recovery key is one line of 74 characters; pasted text may hold a comment line too. */
const MAX_RECOVERY_KEY_LENGTH = 4096;

/** What each kind of passphrase is, and what it alone protects. */
const PASSPHRASE_GUARDS = {
  recovery: ['A recovery passphrase', 'the backups and the recovery key'],
  lock: ['A lock passphrase', 'the keys at rest'],
} as const;

/** A new recovery or lock passphrase: long enough to stand up to guessing offline. */
export function checkNewPassphrase(
  parameter: string,
  value: unknown,
  purpose: keyof typeof PASSPHRASE_GUARDS = 'recovery',
): string {
  const passphrase = checkString(parameter, value, { max: MAX_PASSPHRASE_LENGTH });
  if (passphrase === undefined)
    throw validationError(parameter, undefined, 'Member must not be null');
  if ([...passphrase].length < MIN_PASSPHRASE_LENGTH) {
    throw new KmsError(
      'ValidationException',
      `${PASSPHRASE_GUARDS[purpose][0]} must be at least ${MIN_PASSPHRASE_LENGTH} characters long: it is all that protects ${PASSPHRASE_GUARDS[purpose][1]} from someone who guesses offline, as fast as their computers allow. Choose a longer one, or let Pocket KMS make one of six words.`,
    );
  }
  return passphrase;
}

export function notSetUp(): KmsError {
  return new KmsError(
    'KMSInvalidStateException',
    'Recovery is not set up for this vault. Set up a recovery passphrase or recovery key first.',
  );
}

export async function requireRecovery(
  context: OperationContext,
): Promise<{ vault: VaultRecord; recovery: RecoveryRecord }> {
  const vault = await context.store.getVaultRecord();
  if (!vault?.Recovery) throw notSetUp();
  return { vault, recovery: vault.Recovery };
}

export function wrongSecret(what: string): KmsError {
  return new KmsError('IncorrectKeyException', what);
}

/**
 * The recovery identity, from the person's secret: the recovery key as given, or the identity
 * sealed under the passphrase. Exactly one of the two; a wrong one is IncorrectKeyException.
 */
export async function identityFrom(
  secret: RecoverySecret,
  sealedIdentity: Uint8Array | undefined,
  recipient: string | undefined,
): Promise<string> {
  const passphrase = checkString('passphrase', secret.Passphrase, { max: MAX_PASSPHRASE_LENGTH });
  const recoveryKey = checkString('recoveryKey', secret.RecoveryKey, {
    max: MAX_RECOVERY_KEY_LENGTH,
  });
  if ((passphrase === undefined) === (recoveryKey === undefined)) {
    throw new KmsError(
      'ValidationException',
      'Give either the recovery passphrase (Passphrase) or the recovery key (RecoveryKey), one of the two.',
    );
  }
  if (recoveryKey !== undefined) {
    const identity = normalizeIdentity(recoveryKey);
    if (!identity) {
      throw new KmsError(
        'ValidationException',
        'That is not a recovery key: a recovery key is one line that begins with AGE-SECRET-KEY-1 and has 74 characters.',
      );
    }
    if (recipient !== undefined && (await recipientOf(identity)) !== recipient) {
      throw wrongSecret('That recovery key is not the recovery key of this vault or this backup.');
    }
    return identity;
  }
  if (!sealedIdentity) {
    throw new KmsError(
      'ValidationException',
      'No recovery passphrase was set up here: use the recovery key.',
    );
  }
  let opened: Bytes;
  try {
    opened = await decryptAge(new Uint8Array(sealedIdentity), { passphrase: passphrase! });
  } catch {
    throw wrongSecret('The recovery passphrase is wrong.');
  }
  const identity = normalizeIdentity(new TextDecoder().decode(opened));
  opened.fill(0);
  if (!identity)
    throw new KmsError('InvalidCiphertextException', 'The sealed recovery identity is damaged.');
  return identity;
}

/** A new recovery identity, returned as a recovery key and/or sealed under a passphrase. */
export async function newRecovery(
  passphrase: string | undefined,
  generateRecoveryKey: boolean,
  workFactor: number,
): Promise<{ identity: string; recovery: Omit<RecoveryRecord, 'SetUpDate' | 'LastBackupDate'> }> {
  if (passphrase === undefined && !generateRecoveryKey) {
    throw new KmsError(
      'ValidationException',
      'Choose how to hold the recovery identity: a Passphrase, a recovery key (GenerateRecoveryKey), or both.',
    );
  }
  const { identity, recipient } = await newAgeIdentity();
  const methods: RecoveryMethod[] = [];
  if (passphrase !== undefined) methods.push('PASSPHRASE');
  if (generateRecoveryKey) methods.push('RECOVERY_KEY');
  return {
    identity,
    recovery: {
      Recipient: recipient,
      Methods: methods,
      ...(passphrase !== undefined && {
        SealedIdentity: await sealIdentity(identity, passphrase, workFactor),
      }),
    },
  };
}

export async function sealIdentity(identity: string, passphrase: string, workFactor: number) {
  return encryptWithPassphrase(new TextEncoder().encode(`${identity}\n`), passphrase, workFactor);
}
