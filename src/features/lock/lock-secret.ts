/**
 * The lock's current secret, as ChangeVaultLock, RemoveVaultLock and UnlockVault take it: the
 * passphrase the person typed, or — for a passkey — the PRF output of a WebAuthn ceremony run
 * when they press the button. `withLockSecret` zeroes the passkey's output once the core has
 * answered (the core received its own copy), whatever the answer.
 */
import type {
  DescribeVaultLockResponse,
  RecoverySecret,
  VaultLockMethod,
  VaultLockSecret,
} from '../../../workers/api.ts';
import { assertPasskey, forgetPasskeyOutput } from './passkey.ts';

/** What the person chose in LockSecretFields. */
export interface SecretChoice {
  kind: VaultLockMethod;
  passphrase: string;
}

export async function withLockSecret<T>(
  choice: SecretChoice,
  lock: DescribeVaultLockResponse | null,
  call: (secret: VaultLockSecret) => Promise<T>,
): Promise<T> {
  if (choice.kind === 'PASSPHRASE') return call({ Passphrase: choice.passphrase });
  if (!lock?.Passkey) throw new Error('This lock has no passkey.');
  const Passkey = await assertPasskey(lock.Passkey);
  try {
    return await call({ Passkey });
  } finally {
    forgetPasskeyOutput(Passkey);
  }
}

/** Idle times offered: minutes without a call before the vault locks itself; 0 is never. */
export const IDLE_CHOICES: readonly { minutes: number; label: string }[] = [
  { minutes: 5, label: '5 minutes' },
  { minutes: 15, label: '15 minutes' },
  { minutes: 30, label: '30 minutes' },
  { minutes: 60, label: '1 hour' },
  { minutes: 0, label: 'Never' },
];

export const DEFAULT_IDLE_MINUTES = 15;

/** "after 15 minutes without use", or "never" — for sentences. */
export function idleText(minutes: number | undefined): string {
  if (minutes === undefined) return '—';
  if (minutes === 0) return 'Never';
  const known = IDLE_CHOICES.find((choice) => choice.minutes === minutes);
  return `After ${known?.label ?? `${minutes} minutes`} without use`;
}

/** "a passphrase and a passkey" */
export function methodsText(methods: readonly VaultLockMethod[]): string {
  return methods
    .map((method) => (method === 'PASSPHRASE' ? 'a passphrase' : 'a passkey'))
    .join(' and ');
}

/** The recovery secret as SetUpVaultLock and ChangeVaultLock take it; none when left empty. */
export function recoveryFields(secret: RecoverySecret): {
  RecoveryPassphrase?: string;
  RecoveryKey?: string;
} {
  if (secret.Passphrase) return { RecoveryPassphrase: secret.Passphrase };
  if (secret.RecoveryKey) return { RecoveryKey: secret.RecoveryKey };
  return {};
}

export const MISSING_RECOVERY_SECRET =
  'Enter the recovery passphrase or recovery key to seal the recoverable key versions, or untick that choice.';
