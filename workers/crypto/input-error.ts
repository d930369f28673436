/**
 * The one error low-level crypto throws for input it refuses: a malformed or unsupported public
 * key, an algorithm this browser cannot run, a key that does not fit the operation. It carries no
 * AWS exception name — crypto knows nothing of the API — only a `kind`; the API door
 * (`toKmsError`, workers/errors.ts) maps the kind to the AWS name and keeps the message.
 *
 * Messages say what is wrong and what to do; they never contain key bytes, secrets or the input.
 * Programming errors (a wrong length passed by our own code) stay RangeError/TypeError.
 */
export type CryptoInputErrorKind =
  /** The input is malformed or does not fit the operation (AWS: ValidationException). */
  | 'invalid'
  /** Well-formed, but Pocket KMS or this browser cannot do it (UnsupportedOperationException). */
  | 'unsupported'
  /** The key cannot be used with the named algorithm (InvalidKeyUsageException). */
  | 'key-usage';

export class CryptoInputError extends Error {
  readonly kind: CryptoInputErrorKind;

  constructor(kind: CryptoInputErrorKind, message: string) {
    super(message);
    this.name = 'CryptoInputError';
    this.kind = kind;
  }
}
