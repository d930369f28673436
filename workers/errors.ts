/**
 * The one error type of the KMS API. `name` is the AWS KMS exception name; callers branch on it,
 * never on `message`. Comlink carries only `name`, `message` and `stack` across the worker
 * boundary, so the client module rebuilds a KmsError from `name` (src/kms/client.ts).
 *
 * Messages never contain key bytes, plaintext or passphrases.
 */
import { CryptoInputError, type CryptoInputErrorKind } from './crypto/input-error.ts';

export const KMS_ERROR_NAMES = [
  'AlreadyExistsException',
  'DisabledException',
  'ExpiredImportTokenException',
  'IncorrectKeyException',
  'IncorrectKeyMaterialException',
  'InvalidAliasNameException',
  'InvalidArnException',
  'InvalidCiphertextException',
  'InvalidImportTokenException',
  'InvalidKeyUsageException',
  'InvalidMarkerException',
  'KMSInternalException',
  'KMSInvalidMacException',
  'KMSInvalidSignatureException',
  'KMSInvalidStateException',
  'LimitExceededException',
  'NotFoundException',
  /** Not in AWS: the caller cancelled a long file operation (its AbortSignal fired). */
  'OperationCancelledException',
  'TagException',
  'UnsupportedOperationException',
  'ValidationException',
  /**
   * Not in AWS: the vault has a lock and this tab's core holds no key material (DESIGN §10);
   * unlock the vault (UnlockVault) and call again.
   */
  'VaultLockedException',
] as const;

export type KmsErrorName = (typeof KMS_ERROR_NAMES)[number];

export class KmsError extends Error {
  declare readonly name: KmsErrorName;

  /** `options.cause`: the unexpected error behind a KMSInternalException, for the worker's log. */
  constructor(name: KmsErrorName, message: string, options?: { cause?: unknown }) {
    super(message, options);
    Object.defineProperty(this, 'name', { value: name, enumerable: true, configurable: true });
  }
}

export function isKmsErrorName(name: unknown): name is KmsErrorName {
  return typeof name === 'string' && (KMS_ERROR_NAMES as readonly string[]).includes(name);
}

/** The AWS exception for each kind of input low-level crypto refuses. */
const CRYPTO_INPUT_ERROR_NAMES: Record<CryptoInputErrorKind, KmsErrorName> = {
  invalid: 'ValidationException',
  unsupported: 'UnsupportedOperationException',
  'key-usage': 'InvalidKeyUsageException',
};

/**
 * The API door's view of anything thrown: a KmsError as it is; a CryptoInputError under its AWS
 * name with its message; cancellation and the browser's file and quota errors under their
 * names; anything else KMSInternalException with a generic message, the original kept as
 * `cause` (never in the message).
 */
export function toKmsError(error: unknown): KmsError {
  if (error instanceof KmsError) return error;
  if (error instanceof CryptoInputError) {
    return new KmsError(CRYPTO_INPUT_ERROR_NAMES[error.kind], error.message);
  }
  if (error instanceof DOMException && error.name === 'AbortError') {
    return new KmsError(
      'OperationCancelledException',
      'The operation was cancelled; its partial output was removed.',
    );
  }
  if (error instanceof Error && error.name === 'NotReadableError') {
    return new KmsError(
      'KMSInternalException',
      'The input file could not be read: it was changed, moved or deleted while it was being read, or the browser lost access to it. Nothing was written.',
    );
  }
  if (error instanceof Error && error.name === 'QuotaExceededError') {
    return new KmsError(
      'KMSInternalException',
      'The browser refused to store more data (storage quota exceeded). Nothing was changed.',
    );
  }
  return new KmsError('KMSInternalException', 'An internal error occurred. Nothing was changed.', {
    cause: error,
  });
}

/**
 * How much of a caller's value a ValidationException message repeats, as AWS does: enough to
 * echo a too-long tag value (257 characters) whole, little enough that a value of megabytes
 * leaves a message of a few hundred characters (the audit record keeps 1024).
 */
const ECHO_LENGTH = 300;

/** The value whole, or (a value of megabytes) its first ECHO_LENGTH code units and '…'. */
function echoOf(text: string): string {
  if (text.length <= ECHO_LENGTH) return text;
  const last = text.charCodeAt(ECHO_LENGTH - 1);
  const end = last >= 0xd800 && last <= 0xdbff ? ECHO_LENGTH - 1 : ECHO_LENGTH; // keep pairs whole
  return `${text.slice(0, end)}…`;
}

/** AWS's wording for a parameter that fails a constraint. */
export function validationError(parameter: string, value: unknown, constraint: string): KmsError {
  const text = typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
  const shown = text === undefined ? '' : ` '${echoOf(text)}'`;
  return new KmsError(
    'ValidationException',
    `1 validation error detected: Value${shown} at '${parameter}' failed to satisfy constraint: ${constraint}`,
  );
}
