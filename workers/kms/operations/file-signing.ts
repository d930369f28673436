/**
 * signFile and verifyFile: detached signatures of files of any size (docs/FORMAT.md §5; not in
 * AWS KMS). The file is hashed streaming with SHA-256; the small statement naming that hash is
 * what the key signs, as a RAW message through the very `sign` and `verifySignature` (the check
 * behind `verify`) of asymmetric-operations.ts — so key states, usage rules and encodings are
 * those of Sign and Verify, and OpenSSL checks the result with the commands of FORMAT.md §5.3.
 *
 * The Kms class calls these inside its audited `call` (SignFile, VerifyFile); a cancel
 * (AbortError) becomes OperationCancelledException there (toKmsError).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import type {
  FileProgressCallback,
  SignFileRequest,
  SignFileResponse,
  VerifyFileRequest,
  VerifyFileResponse,
} from '../../api.ts';
import { SIGNING_ALGORITHMS, signingProfile, type SigningAlgorithm } from '../../key-specs.ts';
import { toHex } from '../../encoding.ts';
import { BlobReader } from '../../envelope/blob-reader.ts';
import { safeOutputName } from '../../envelope/output-name.ts';
import { ProgressReporter } from '../../envelope/progress.ts';
import { KmsError, validationError } from '../../errors.ts';
import {
  decodeStatement,
  encodeSignatureFile,
  encodeStatement,
  MAX_SIGNATURE_FILE_BYTES,
  MAX_STATEMENT_BYTES,
  parseSignatureFile,
  type FileStatement,
} from '../../formats/signature-file.ts';
import {
  checkSignerChoice,
  describeSigner,
  requireSigningKey,
  sign,
  verifySignature,
} from './signing.ts';
import type { OperationGroup, Outcome } from '../operation.ts';
import type { OperationContext } from '../operation-context.ts';
import { checkEnum, checkInput } from '../validation.ts';

/** Bytes read and hashed per step (BlobReader, into one reused buffer). */
export const HASH_CHUNK_BYTES = 512 * 1024;

const FILE_DIFFERS = "the file's SHA-256 differs from the signed statement";
const SIGNATURE_DIFFERS = 'the signature does not match the statement';

/**
 * SHA-256 of a Blob taken HASH_CHUNK_BYTES at a time from a BlobReader (each chunk hashed before
 * the next read reuses its memory). Reports progress; between chunks, an aborted signal stops it
 * (AbortError).
 */
async function sha256OfBlob(
  input: Blob,
  onProgress?: FileProgressCallback,
  signal?: AbortSignal,
): Promise<string> {
  const hash = sha256.create();
  const total = input.size;
  const progress = new ProgressReporter(onProgress, total);
  signal?.throwIfAborted();
  progress.report(0, true);
  const reader = new BlobReader(input);
  try {
    while (reader.remaining > 0) {
      const chunk = (await reader.read(Math.min(HASH_CHUNK_BYTES, reader.remaining)))!;
      signal?.throwIfAborted();
      hash.update(chunk);
      progress.report(reader.position, reader.remaining === 0);
    }
  } finally {
    await reader.close();
  }
  if (total === 0) progress.report(0, true);
  return toHex(hash.digest());
}

function invalidSignature(reason: string): KmsError {
  return new KmsError(
    'KMSInvalidSignatureException',
    `The file's signature is not valid: ${reason}.`,
  );
}

function fileName(input: Blob): string {
  return input instanceof File && input.name ? input.name : 'data';
}

export async function signFile(
  context: OperationContext,
  request: SignFileRequest,
  onProgress?: FileProgressCallback,
  signal?: AbortSignal,
): Promise<Outcome<SignFileResponse>> {
  const input = checkInput('input', request.Input);
  const algorithm = checkEnum('signingAlgorithm', request.SigningAlgorithm, SIGNING_ALGORITHMS);
  if (algorithm === undefined) {
    throw validationError('signingAlgorithm', undefined, 'Member must not be null');
  }
  if (signingProfile(algorithm)?.messageTypes.includes('RAW') === false) {
    throw new KmsError(
      'ValidationException',
      `${algorithm} signs digests only; a file's statement is signed as a RAW message. Use ED25519_SHA_512.`,
    );
  }
  // Every refusal the key can cause comes before the file is read.
  const { key } = await requireSigningKey(context, request.KeyId, algorithm, 'SignFile');
  const keyArn = context.arn(key.KeyId);
  const statementOf = (digest: string): FileStatement => ({
    fileName: fileName(input),
    fileSize: input.size,
    sha256: digest,
    signingAlgorithm: algorithm,
    keyId: keyArn,
    signingTime: context.now().toISOString(),
  });
  const length = encodeStatement(statementOf('0'.repeat(64))).length;
  if (length > MAX_STATEMENT_BYTES) {
    throw new KmsError(
      'ValidationException',
      `The file name is too long: the statement would be ${length} bytes, and Sign takes at most ${MAX_STATEMENT_BYTES}.`,
    );
  }
  const digest = await sha256OfBlob(input, onProgress, signal);
  const statement = encodeStatement(statementOf(digest));
  const { Signature } = await sign(context, {
    KeyId: keyArn,
    Message: statement,
    MessageType: 'RAW',
    SigningAlgorithm: algorithm,
  });
  const text = encodeSignatureFile({
    signingAlgorithm: algorithm,
    keyId: keyArn,
    statement,
    signature: Signature,
  });
  const response: SignFileResponse = {
    KeyId: keyArn,
    SigningAlgorithm: algorithm,
    Name: fileName(input),
    Length: input.size,
    Sha256: digest,
    Statement: statement,
    Signature,
    SignatureFile: new File([text], safeOutputName(fileName(input), '.sig'), {
      type: 'text/plain',
    }),
  };
  return {
    response,
    auditResponse: {
      KeyId: keyArn,
      SigningAlgorithm: algorithm,
      Length: input.size,
      Sha256: digest,
    },
  };
}

async function readSignatureFile(signatureFile: Blob) {
  if (signatureFile.size > MAX_SIGNATURE_FILE_BYTES) {
    throw new KmsError(
      'ValidationException',
      `The signature file is not readable: it is ${signatureFile.size} bytes; a signature file is at most ${MAX_SIGNATURE_FILE_BYTES}.`,
    );
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(await signatureFile.arrayBuffer());
  } catch {
    throw new KmsError(
      'ValidationException',
      'The signature file is not readable: it is not UTF-8 text.',
    );
  }
  return parseSignatureFile(text);
}

export async function verifyFile(
  context: OperationContext,
  request: VerifyFileRequest,
  onProgress?: FileProgressCallback,
  signal?: AbortSignal,
): Promise<Outcome<VerifyFileResponse>> {
  const input = checkInput('input', request.Input);
  const signatureFile = checkInput('signatureFile', request.SignatureFile);
  const signer = checkSignerChoice(request);
  const parsed = await readSignatureFile(signatureFile);
  const algorithm: SigningAlgorithm = parsed.signingAlgorithm;

  // The signature first (it is cheap): a changed statement fails here, whatever it now says.
  const { valid, verifiedBy } = await verifySignature(
    context,
    signer,
    { message: parsed.statement, messageType: 'RAW', algorithm },
    parsed.signature,
    'VerifyFile',
  );
  if (!valid) throw invalidSignature(`${SIGNATURE_DIFFERS} under ${describeSigner(verifiedBy)}`);

  const statement = decodeStatement(parsed.statement);
  if (statement.signingAlgorithm !== algorithm) {
    throw new KmsError(
      'ValidationException',
      'The signature file is not readable: its algorithm line differs from the signed statement.',
    );
  }
  if (input.size !== statement.fileSize) {
    throw invalidSignature(
      `${FILE_DIFFERS} (the file is ${input.size} bytes, the statement says ${statement.fileSize})`,
    );
  }
  const digest = await sha256OfBlob(input, onProgress, signal);
  if (digest !== statement.sha256) throw invalidSignature(FILE_DIFFERS);
  const response: VerifyFileResponse = {
    SignatureValid: true,
    SigningAlgorithm: algorithm,
    Name: statement.fileName,
    Length: statement.fileSize,
    Sha256: digest,
    ...verifiedBy,
  };
  return { response, auditResponse: { ...response } };
}

export const fileSigningOperations = {
  signFile: {
    eventName: 'SignFile',
    mutates: false,
    fields: ['Input', 'KeyId', 'SigningAlgorithm'],
    run: signFile,
  },
  verifyFile: {
    eventName: 'VerifyFile',
    mutates: false,
    fields: ['Input', 'SignatureFile', 'KeyId', 'PublicKey'],
    run: verifyFile,
  },
} satisfies OperationGroup;
