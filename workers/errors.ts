/**
 * The one error type of the KMS API. `name` is the AWS KMS exception name; callers branch on it,
 * never on `message`. Comlink carries only `name`, `message` and `stack` across the worker
 * boundary, so the client module rebuilds a KmsError from `name` (src/kms/client.ts).
 *
 * Messages never contain key bytes, plaintext or passphrases.
 */
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
] as const;

export type KmsErrorName = (typeof KMS_ERROR_NAMES)[number];

export class KmsError extends Error {
  declare readonly name: KmsErrorName;

  constructor(name: KmsErrorName, message: string) {
    super(message);
    Object.defineProperty(this, 'name', { value: name, enumerable: true, configurable: true });
  }
}

export function isKmsErrorName(name: unknown): name is KmsErrorName {
  return typeof name === 'string' && (KMS_ERROR_NAMES as readonly string[]).includes(name);
}

/** Anything thrown that is not a KmsError becomes KMSInternalException, with a generic message. */
export function toKmsError(error: unknown): KmsError {
  if (error instanceof KmsError) return error;
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
  return new KmsError('KMSInternalException', 'An internal error occurred. Nothing was changed.');
}

/** AWS's wording for a parameter that fails a constraint. */
export function validationError(parameter: string, value: unknown, constraint: string): KmsError {
  const shown = typeof value === 'string' || typeof value === 'number' ? ` '${String(value)}'` : '';
  return new KmsError(
    'ValidationException',
    `1 validation error detected: Value${shown} at '${parameter}' failed to satisfy constraint: ${constraint}`,
  );
}
