/**
 * The detached signature of a file (docs/FORMAT.md §5): a signed statement — canonical JSON
 * naming the file's name, size and SHA-256, the signing algorithm, the key and the time — and
 * one text file carrying the statement and its signature in base64, laid out so that `sed`,
 * `base64 -d`, `openssl` and `sha256sum` can check it on any machine without Pocket KMS.
 *
 * Both parsers are strict: the signature file has exactly the five lines of §5.2 (LF or CRLF,
 * the final newline optional), and a statement is accepted only if it is byte for byte the
 * canonical form that `encodeStatement` writes. Every refusal is a ValidationException whose
 * message says what is wrong, never the bytes.
 */
import { KmsError } from '../errors.ts';
import { SIGNING_ALGORITHMS, type SigningAlgorithm } from '../key-specs.ts';
import { fromBase64, toBase64 } from '../encoding.ts';

/** §5.2: the first line of every version 1 signature file. */
export const SIGNATURE_FILE_FIRST_LINE = 'Pocket KMS detached signature v1';
/** §5.1: the `format` member of every version 1 statement. */
export const STATEMENT_FORMAT = 'pocket-kms-file-statement';
export const STATEMENT_VERSION = 1;
/** AWS's Sign limit for a RAW message: the statement is signed as one. */
export const MAX_STATEMENT_BYTES = 4096;
/** A version 1 signature file is a few KiB at most (statement ≤ 4096 bytes, signature ≤ 6144). */
export const MAX_SIGNATURE_FILE_BYTES = 16 * 1024;

/** §5.1, in member order. */
export interface FileStatement {
  /** The file's name when it was signed (informational: renaming a file does not void it). */
  fileName: string;
  /** Bytes. */
  fileSize: number;
  /** SHA-256 of the file's bytes, 64 lower-case hex digits. */
  sha256: string;
  signingAlgorithm: SigningAlgorithm;
  /** The ARN of the vault key that signed. */
  keyId: string;
  /** ISO 8601 UTC with milliseconds, as Date.toISOString writes it. */
  signingTime: string;
}

export interface SignatureFile {
  signingAlgorithm: SigningAlgorithm;
  /** The `key:` line; the statement's keyId is the signed copy of it. */
  keyId: string;
  statement: Uint8Array<ArrayBuffer>;
  signature: Uint8Array<ArrayBuffer>;
}

function unreadable(message: string): KmsError {
  return new KmsError('ValidationException', `The signature file is not readable: ${message}`);
}

/** §5.1: the members in this order, JSON.stringify's escaping, no whitespace, UTF-8. */
export function encodeStatement(statement: FileStatement): Uint8Array<ArrayBuffer> {
  const ordered = {
    format: STATEMENT_FORMAT,
    version: STATEMENT_VERSION,
    fileName: statement.fileName,
    fileSize: statement.fileSize,
    sha256: statement.sha256,
    signingAlgorithm: statement.signingAlgorithm,
    keyId: statement.keyId,
    signingTime: statement.signingTime,
  };
  return new TextEncoder().encode(JSON.stringify(ordered));
}

/**
 * The statement in `bytes`, which must be exactly what encodeStatement writes for it: any other
 * JSON (other members, another order, whitespace, another format or version) is refused.
 */
export function decodeStatement(bytes: Uint8Array): FileStatement {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw unreadable('the statement is not UTF-8 JSON.');
  }
  const candidate = parsed as Record<string, unknown> | null;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    candidate.format !== STATEMENT_FORMAT ||
    candidate.version !== STATEMENT_VERSION
  ) {
    throw unreadable(`the statement is not a ${STATEMENT_FORMAT} version ${STATEMENT_VERSION}.`);
  }
  const { fileName, fileSize, sha256, signingAlgorithm, keyId, signingTime } = candidate;
  if (
    typeof fileName !== 'string' ||
    !Number.isSafeInteger(fileSize) ||
    (fileSize as number) < 0 ||
    typeof sha256 !== 'string' ||
    !/^[0-9a-f]{64}$/.test(sha256) ||
    !(SIGNING_ALGORITHMS as readonly unknown[]).includes(signingAlgorithm) ||
    typeof keyId !== 'string' ||
    typeof signingTime !== 'string'
  ) {
    throw unreadable('a member of the statement is missing or of the wrong type.');
  }
  const statement: FileStatement = {
    fileName,
    fileSize: fileSize as number,
    sha256,
    signingAlgorithm: signingAlgorithm as SigningAlgorithm,
    keyId,
    signingTime,
  };
  const canonical = encodeStatement(statement);
  if (canonical.length !== bytes.length || canonical.some((byte, index) => byte !== bytes[index])) {
    throw unreadable('the statement is not in canonical form (members, order or spacing differ).');
  }
  return statement;
}

/** §5.2: five lines, each ending in LF. */
export function encodeSignatureFile(
  file: Omit<SignatureFile, 'statement' | 'signature'> & {
    statement: Uint8Array;
    signature: Uint8Array;
  },
): string {
  return [
    SIGNATURE_FILE_FIRST_LINE,
    `algorithm: ${file.signingAlgorithm}`,
    `key: ${file.keyId}`,
    `statement: ${toBase64(file.statement)}`,
    `signature: ${toBase64(file.signature)}`,
    '',
  ].join('\n');
}

const FIELDS = ['algorithm', 'key', 'statement', 'signature'] as const;

/** The parts of a signature file's text; a ValidationException names the first problem. */
export function parseSignatureFile(text: string): SignatureFile {
  const lines = text.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  if (lines.at(-1) === '') lines.pop();
  if (lines[0] !== SIGNATURE_FILE_FIRST_LINE) {
    throw unreadable(`its first line is not "${SIGNATURE_FILE_FIRST_LINE}".`);
  }
  if (lines.length !== 1 + FIELDS.length) {
    throw unreadable(`it has ${lines.length} lines; a version 1 signature file has 5.`);
  }
  const values = FIELDS.map((field, index) => {
    const line = lines[index + 1]!;
    const prefix = `${field}: `;
    if (!line.startsWith(prefix))
      throw unreadable(`line ${index + 2} does not start with "${prefix}".`);
    return line.slice(prefix.length);
  });
  const [algorithm, keyId, statementText, signatureText] = values as [
    string,
    string,
    string,
    string,
  ];
  if (!(SIGNING_ALGORITHMS as readonly string[]).includes(algorithm)) {
    throw unreadable('the algorithm line names no AWS signing algorithm.');
  }
  const statement = fromBase64(statementText);
  if (!statement || statement.length === 0) throw unreadable('the statement is not base64.');
  if (statement.length > MAX_STATEMENT_BYTES) {
    throw unreadable(`the statement is ${statement.length} bytes; at most ${MAX_STATEMENT_BYTES}.`);
  }
  const signature = fromBase64(signatureText);
  if (!signature || signature.length === 0) throw unreadable('the signature is not base64.');
  return { signingAlgorithm: algorithm as SigningAlgorithm, keyId, statement, signature };
}
