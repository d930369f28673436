/**
 * What the UI says when a call fails: a sentence a person understands, with the AWS exception
 * name beside it (DESIGN §4). This is the only place that maps names to sentences. It branches
 * on `error.name` only — never on message text, which is for people reading the audit log and
 * may change. A name without a sentence here falls back to the error's own message.
 */
import { isKmsErrorName } from '../../workers/errors.ts';

interface ErrorText {
  sentence: string;
  /**
   * Also show the core's message: for errors where the specifics (which parameter, which limit,
   * which tag) are what the person needs to fix the input.
   */
  showDetails?: boolean;
}

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
    showDetails: true,
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
  },
  KMSInvalidStateException: {
    sentence:
      "The key's current state does not allow this. A key that is pending deletion cannot be used or changed until its deletion is cancelled.",
    showDetails: true,
  },
  LimitExceededException: {
    sentence: 'This would go over a limit of the key service.',
    showDetails: true,
  },
  NotFoundException: {
    sentence: 'No key or alias with that name exists in this vault. It may have been deleted.',
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
    showDetails: true,
  },
};

export interface ExplainedError {
  /** What happened, for a person. */
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
  return text.showDetails && message && message !== text.sentence
    ? { sentence: text.sentence, name, details: message }
    : { sentence: text.sentence, name };
}
