/**
 * The detached-signature format (docs/FORMAT.md §5.1, §5.2) in Node: the statement's canonical
 * form and the five-line signature file, what a reader accepts and what it refuses — every
 * refusal a ValidationException.
 */
import { describe, expect, it } from 'vitest';
import { KmsError } from '../../workers/errors.ts';
import {
  decodeStatement,
  encodeSignatureFile,
  encodeStatement,
  parseSignatureFile,
  type FileStatement,
} from '../../workers/formats/signature-file.ts';

const STATEMENT: FileStatement = {
  fileName: 'réport "final".pdf',
  fileSize: 48213,
  sha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
  signingAlgorithm: 'ECDSA_SHA_256',
  keyId: 'arn:pkms:kms:local:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  signingTime: '2026-01-01T00:00:00.000Z',
};

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

function expectValidationError(run: () => unknown): void {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(KmsError);
    expect((error as KmsError).name).toBe('ValidationException');
    return;
  }
  throw new Error('expected ValidationException, but it was accepted');
}

describe('statement (§5.1)', () => {
  it('is JSON.stringify of the members in the specified order, and decodes to what was encoded', () => {
    const bytes = encodeStatement(STATEMENT);
    expect(new TextDecoder().decode(bytes)).toBe(
      '{"format":"pocket-kms-file-statement","version":1,"fileName":"réport \\"final\\".pdf",' +
        '"fileSize":48213,"sha256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",' +
        '"signingAlgorithm":"ECDSA_SHA_256","keyId":"arn:pkms:kms:local:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",' +
        '"signingTime":"2026-01-01T00:00:00.000Z"}',
    );
    expect(decodeStatement(bytes)).toEqual(STATEMENT);
  });

  it('refuses anything but the canonical form: whitespace, another order, extra or missing members, other values', () => {
    const canonical = new TextDecoder().decode(encodeStatement(STATEMENT));
    const parsed = JSON.parse(canonical) as Record<string, unknown>;
    const variants = [
      JSON.stringify(parsed, null, 1),
      JSON.stringify({ version: 1, ...parsed }),
      JSON.stringify({ ...parsed, comment: 'x' }),
      JSON.stringify({ ...parsed, signingTime: undefined }),
      JSON.stringify({ ...parsed, version: 2 }),
      JSON.stringify({ ...parsed, format: 'other' }),
      JSON.stringify({ ...parsed, sha256: STATEMENT.sha256.toUpperCase() }),
      JSON.stringify({ ...parsed, fileSize: -1 }),
      JSON.stringify({ ...parsed, fileSize: '48213' }),
      JSON.stringify({ ...parsed, signingAlgorithm: 'ECDSA_SHA_999' }),
      canonical.replace('é', '\\u00e9'),
      '[]',
      'not json',
    ];
    for (const variant of variants) expectValidationError(() => decodeStatement(utf8(variant)));
    expectValidationError(() => decodeStatement(new Uint8Array([0xff, 0xfe])));
  });
});

describe('signature file (§5.2)', () => {
  const parts = {
    signingAlgorithm: 'ED25519_SHA_512' as const,
    keyId: STATEMENT.keyId,
    statement: encodeStatement(STATEMENT),
    signature: new Uint8Array(64).map((_, index) => index),
  };

  it('is five LF-terminated lines, and parses back; CRLF and a missing final newline are read too', () => {
    const text = encodeSignatureFile(parts);
    const lines = text.split('\n');
    expect(lines.slice(0, 3)).toEqual([
      'Pocket KMS detached signature v1',
      'algorithm: ED25519_SHA_512',
      `key: ${STATEMENT.keyId}`,
    ]);
    expect(lines[3]).toMatch(/^statement: [A-Za-z0-9+/]+=*$/);
    expect(lines[4]).toMatch(/^signature: [A-Za-z0-9+/]+=*$/);
    expect(lines[5]).toBe('');
    for (const variant of [text, text.replace(/\n/g, '\r\n'), text.slice(0, -1)]) {
      expect(parseSignatureFile(variant)).toEqual(parts);
    }
  });

  it('refuses another first line, missing, extra or reordered lines, bad base64 and unknown algorithms', () => {
    const text = encodeSignatureFile(parts);
    const lines = text.split('\n');
    const variants = [
      '',
      text.replace('v1', 'v2'),
      lines.slice(0, 4).join('\n'),
      `${text}extra: line\n`,
      [lines[0], lines[2], lines[1], lines[3], lines[4]].join('\n'),
      text.replace('algorithm: ED25519_SHA_512', 'algorithm: ED25519'),
      text.replace('statement: ', 'statement: !'),
      text.replace(/signature: .*/, 'signature: '),
      text.replace(/signature: (.*)=/, 'signature: $1'),
      text.replace('key: ', 'key:'),
    ];
    for (const variant of variants) expectValidationError(() => parseSignatureFile(variant));
  });
});
