/**
 * What the UI says when a call fails: one headline a person understands, with the AWS exception
 * name beside it and, when they help, the core's own words underneath (DESIGN §4). This is the
 * only place that maps errors to sentences. It branches on `error.name`, and for the two names
 * that cover several different failures (InvalidCiphertextException, KMSInvalidSignatureException)
 * on the reason the core's message opens with — so that a truncated file is not blamed on its
 * encryption context. Those reasons are pinned by tests/e2e/ui-error-headlines.spec.ts. A name
 * without a sentence here falls back to the error's own message.
 */
import { isKmsErrorName } from '../../workers/errors.ts';

/** A more specific headline, for a message that says which of a name's failures this is. */
interface Reason {
  match: RegExp;
  sentence: string;
}

interface ErrorText {
  sentence: string;
  /** Checked in order; the first that matches the message gives the headline. */
  reasons?: readonly Reason[];
  /**
   * Also show the core's message: for errors where the specifics (which parameter, which limit,
   * which tag) are what the person needs to fix the input.
   */
  showDetails?: boolean;
}

/** A ciphertext or file whose key another vault holds (its id is in the message underneath). */
const FOREIGN_VAULT =
  'This was encrypted by another Pocket KMS vault, not this one. Restore that vault’s backup here (Recovery & backup) to decrypt it.';

const ERROR_TEXT: Record<string, ErrorText> = {
  AlreadyExistsException: {
    sentence:
      'That alias is already in use. Choose another name, or remove the alias from the other key first.',
  },
  DisabledException: {
    sentence: "This key is disabled. Enable it on the key's page to use it.",
  },
  ExpiredImportTokenException: {
    sentence:
      'The import token has expired (it is valid for 24 hours). Download a new wrapping key and import token, wrap the key material again, and import.',
  },
  IncorrectKeyException: {
    sentence:
      'This ciphertext was encrypted under a different key than the one named in the request.',
    // workers/kms/operations/recovery.ts: the recovery secret did not open the vault or backup.
    reasons: [
      {
        match: /recovery passphrase is wrong/,
        sentence: 'The recovery passphrase is wrong. Check it and try again.',
      },
      {
        match: /recovery key/,
        sentence:
          'That recovery key does not open this: it belongs to another vault, or the recovery key was rotated since.',
      },
      // workers/kms/lock-secret.ts: the lock passphrase or passkey given does not open the lock.
      {
        match: /^The lock passphrase is wrong/,
        sentence: 'The lock passphrase is wrong. Check it and try again.',
      },
      {
        match: /passkey .*vault lock/,
        sentence: 'This passkey does not open the vault lock.',
      },
    ],
  },
  IncorrectKeyMaterialException: {
    sentence:
      'This key material cannot be imported into this key: it is not 32 bytes, or the key already had different key material (a key only ever takes back the same material).',
    showDetails: true,
  },
  InvalidImportTokenException: {
    sentence:
      'The import token does not belong to this key, or a newer one replaced it. Use the token downloaded with the wrapping key you used.',
  },
  InvalidAliasNameException: {
    sentence:
      'That alias name is not allowed. After alias/ use only letters, digits and : / _ - ; names beginning with alias/aws/ are reserved.',
  },
  InvalidArnException: {
    sentence: 'That ARN is not well formed.',
  },
  InvalidCiphertextException: {
    sentence:
      'This ciphertext cannot be decrypted: it was changed, the encryption context is not exactly the one used to encrypt it, or it was made by a key this vault does not hold.',
    // workers/envelope/ and kms/vault-keyring.ts say which part of a file failed;
    // kms/operations/recovery.ts, which part of a backup.
    reasons: [
      {
        // Before "backup" below: this message ends by naming a backup too.
        match: /^This ciphertext was made by vault \d{12}, not this one/,
        sentence: FOREIGN_VAULT,
      },
      {
        match: /backup|recovery identity/i,
        sentence:
          'This backup cannot be opened: it was changed or cut short, or it is not a Pocket KMS backup.',
      },
      {
        match: /\btruncated: /,
        sentence: 'This file is incomplete: it ends before the message does.',
      },
      {
        match: /^Decryption failed: encryption context: /,
        sentence: "The file's encryption context does not contain the pairs you gave.",
      },
      {
        match: /^The file is not a valid AWS Encryption SDK message/,
        sentence: 'This file is not an encrypted file that Pocket KMS can read.',
      },
      {
        match: /^Decryption failed: |does not unwrap/,
        sentence: 'This file was changed or damaged after it was encrypted.',
      },
    ],
  },
  InvalidKeyUsageException: {
    sentence: 'This key cannot be used for that operation.',
  },
  InvalidMarkerException: {
    sentence: 'The list has changed since it was loaded. Reload it and try again.',
  },
  KMSInvalidMacException: {
    sentence: 'The MAC does not match the message under this key.',
  },
  KMSInvalidSignatureException: {
    sentence: 'The signature does not match the message under this key.',
    // workers/kms/operations/file-signing.ts: the statement's hash, or its signature.
    reasons: [
      {
        match: /SHA-256 differs from the signed statement/,
        sentence: 'This is not the file that was signed: its contents differ.',
      },
      {
        match: /signature does not match the statement/,
        sentence: 'The signature was not made with this key, or the signature file was changed.',
      },
    ],
  },
  KMSInvalidStateException: {
    sentence:
      "The key's current state does not allow this. A key that is pending deletion cannot be used or changed until its deletion is cancelled.",
    reasons: [
      {
        match: /^Recovery is not set up/,
        sentence:
          'Recovery is not set up for this vault yet: set it up on the Recovery & backup page.',
      },
      {
        match: /^Recovery is already set up/,
        sentence:
          'Recovery is already set up for this vault: change the passphrase or rotate the recovery key instead.',
      },
      {
        match: /^This vault has no lock/,
        sentence: 'This vault has no lock: set one up on the Security page.',
      },
      {
        match: /^This vault already has a lock/,
        sentence: 'This vault already has a lock: change it on the Security page instead.',
      },
    ],
    showDetails: true,
  },
  LimitExceededException: {
    sentence: 'This would go over a limit of the key service.',
    reasons: [
      {
        // The vault lock after three wrong secrets in a row; the message says when to try again.
        match: /^Too many wrong lock secrets/,
        sentence: 'Too many wrong tries in a row. Wait, then try again.',
      },
    ],
    showDetails: true,
  },
  NotFoundException: {
    sentence: 'No key or alias with that name exists in this vault. It may have been deleted.',
    reasons: [{ match: /^This file was made by vaults? \d{12}/, sentence: FOREIGN_VAULT }],
  },
  OperationCancelledException: {
    sentence: 'Cancelled. The partial output was removed; nothing was saved.',
  },
  TagException: {
    sentence:
      'A tag is not allowed. Tag keys are 1–128 characters and may not start with aws:, values are up to 256 characters, and each tag key may appear only once.',
    showDetails: true,
  },
  UnsupportedOperationException: {
    sentence: 'This version of Pocket KMS cannot do that yet.',
    showDetails: true,
  },
  ValidationException: {
    sentence: 'A value is missing, out of range or malformed.',
    reasons: [
      {
        match: /recovery passphrase must be at least/,
        sentence: 'This recovery passphrase is too short.',
      },
      {
        match: /^A lock passphrase must be at least/,
        sentence: 'This lock passphrase is too short.',
      },
    ],
    showDetails: true,
  },
  VaultLockedException: {
    sentence: 'The vault is locked: keys cannot be used until you unlock it.',
  },
};

export interface ExplainedError {
  /** What happened, for a person: the one headline. */
  sentence: string;
  /** The AWS exception name, shown beside the sentence; absent for the UI's own input checks. */
  name?: string;
  /** The core's own message, when it adds something the sentence does not say. */
  details?: string;
}

export function explainError(error: unknown): ExplainedError {
  const { name, message } =
    error instanceof Error
      ? error
      : { name: 'Error', message: typeof error === 'string' ? error : 'Something went wrong.' };
  // Errors from the key service carry an AWS name (the client rebuilds every rejection as a
  // KmsError); anything else was raised by the UI itself, and its message is the sentence.
  if (!isKmsErrorName(name)) return { sentence: message || 'Something went wrong.' };
  const text = ERROR_TEXT[name];
  if (!text) return { sentence: message || 'The key service reported an error.', name };
  // A specific reason heads the notice, and the core's message underneath says exactly where.
  const reason = message ? text.reasons?.find(({ match }) => match.test(message)) : undefined;
  if (reason) return { sentence: reason.sentence, name, details: message };
  return text.showDetails && message && message !== text.sentence
    ? { sentence: text.sentence, name, details: message }
    : { sentence: text.sentence, name };
}
