/**
 * The message header of AWS Encryption SDK message format 2 — docs/FORMAT.md §4.2 (layout) and
 * §4.4 (authentication tag). Encoding and structural decoding only: authenticity is the header
 * tag's job (decrypt-message.ts), and the decoder never touches a key.
 *
 * Decoding records every field with its byte offset and length, so inspection can show the
 * header as a table and highlight it in a hex view.
 */
import type { EncryptionContext } from '../api.ts';
import { AES_GCM_TAG_LENGTH } from '../crypto/aes-gcm.ts';
import { concatBytes, type Bytes } from '../crypto/bytes.ts';
import { toHex } from '../encoding.ts';
import { KmsError } from '../errors.ts';
import { serializeEncryptionContext } from '../formats/encryption-context.ts';
import {
  formatOneRefusal,
  formatTwoSuite,
  suiteIdHex,
  unknownSuiteReason,
  type AlgorithmSuite,
} from './algorithm-suites.ts';

export const MESSAGE_FORMAT_VERSION = 0x02;
export const MESSAGE_ID_LENGTH = 32;
export const COMMITMENT_LENGTH = 32;
export const CONTENT_TYPE_NON_FRAMED = 0x01;
export const CONTENT_TYPE_FRAMED = 0x02;
/** Our bound on a header (§4.2): far above any real one, small enough to hold in memory. */
export const MAX_HEADER_LENGTH = 1024 * 1024;
const MAX_U16 = 0xffff;
const MAX_U32 = 0xffffffff;

export interface EncryptedDataKey {
  /** Key provider id (UTF-8 text): the key namespace, for raw AES keyrings. */
  providerId: string;
  /** Key provider information (binary): key name ‖ tag bits ‖ IV length ‖ IV, for raw AES keyrings. */
  providerInfo: Bytes;
  /** The wrapped data key: the field the specification calls "encrypted data key". */
  ciphertext: Bytes;
}

export interface MessageHeader {
  suite: AlgorithmSuite;
  messageId: Bytes;
  encryptionContext: EncryptionContext;
  encryptedDataKeys: EncryptedDataKey[];
  contentType: typeof CONTENT_TYPE_NON_FRAMED | typeof CONTENT_TYPE_FRAMED;
  /** Plaintext bytes per regular frame; 0 for non-framed content. */
  frameLength: number;
  /** The algorithm suite data: the key commitment (§4.3). */
  commitment: Bytes;
}

/** One field of the header, named as in the AWS specification, with a printable value. */
export interface HeaderField {
  name: string;
  offset: number;
  length: number;
  value: string;
}

export interface DecodedHeader {
  header: MessageHeader;
  /** The header body, bytes 0 … 75 + A + E: the AAD of the header tag, and signed for 0x0578. */
  body: Bytes;
  /** The header authentication tag (16 bytes). */
  tag: Bytes;
  /** Header body and tag together: the offset at which the message body starts. */
  length: number;
  /** Every field in order, the authentication tag last. */
  fields: HeaderField[];
}

/** Returned when the bytes given end before the header does: read at least `needed` bytes. */
export interface IncompleteHeader {
  needed: number;
}

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The one error of a malformed header; the message says which field and where. */
export function headerError(reason: string, offset: number): KmsError {
  return new KmsError(
    'InvalidCiphertextException',
    `The file is not a valid AWS Encryption SDK message: header: ${reason} (at byte ${offset}).`,
  );
}

// --- encoding -------------------------------------------------------------------------------

function u16(value: number, what: string): Uint8Array {
  if (value > MAX_U16) throw new RangeError(`${what} is longer than 65535 bytes`);
  return new Uint8Array([value >>> 8, value & 0xff]);
}

/**
 * The header body of §4.2. Throws RangeError when the encryption context or an encrypted data
 * key field does not fit its u16 length; the caller names the parameter.
 */
export function encodeHeaderBody(header: MessageHeader): Bytes {
  if (header.messageId.length !== MESSAGE_ID_LENGTH)
    throw new RangeError('message id must be 32 bytes');
  if (header.commitment.length !== COMMITMENT_LENGTH)
    throw new RangeError('commitment must be 32 bytes');
  if (header.encryptedDataKeys.length < 1)
    throw new RangeError('a message needs at least one encrypted data key');
  if (
    !Number.isInteger(header.frameLength) ||
    header.frameLength < 0 ||
    header.frameLength > MAX_U32
  ) {
    throw new RangeError('frame length must be a u32');
  }
  const context = serializeEncryptionContext(header.encryptionContext);
  const parts: Uint8Array[] = [
    new Uint8Array([MESSAGE_FORMAT_VERSION, header.suite.id >>> 8, header.suite.id & 0xff]),
    header.messageId,
    u16(context.length, 'the serialized encryption context'),
    context,
    u16(header.encryptedDataKeys.length, 'the encrypted data key count'),
  ];
  for (const edk of header.encryptedDataKeys) {
    const providerId = utf8.encode(edk.providerId);
    parts.push(u16(providerId.length, 'a key provider id'), providerId);
    parts.push(u16(edk.providerInfo.length, 'a key provider info'), edk.providerInfo);
    parts.push(u16(edk.ciphertext.length, 'an encrypted data key'), edk.ciphertext);
  }
  const tail = new Uint8Array(5);
  tail[0] = header.contentType;
  new DataView(tail.buffer).setUint32(1, header.frameLength);
  parts.push(tail, header.commitment);
  return concatBytes(parts);
}

// --- decoding -------------------------------------------------------------------------------

/** Thrown inside the decoder when the bytes end early; never escapes decodeHeader. */
class NeedMore {
  constructor(readonly needed: number) {}
}

/** A cursor over the bytes read so far that records each field it reads. */
class FieldReader {
  offset = 0;
  readonly fields: HeaderField[] = [];
  private readonly view: DataView;

  constructor(private readonly source: Uint8Array) {
    this.view = new DataView(source.buffer, source.byteOffset, source.byteLength);
  }

  private take(length: number): number {
    const start = this.offset;
    const end = start + length;
    if (end > MAX_HEADER_LENGTH)
      throw headerError('the header is longer than the 1 MiB this decoder reads', start);
    if (end > this.source.length) throw new NeedMore(end);
    this.offset = end;
    return start;
  }

  u8(name: string, show: (value: number) => string = String): number {
    const at = this.take(1);
    const value = this.view.getUint8(at);
    this.fields.push({ name, offset: at, length: 1, value: show(value) });
    return value;
  }

  u16(name: string, show: (value: number) => string = String): number {
    const at = this.take(2);
    const value = this.view.getUint16(at);
    this.fields.push({ name, offset: at, length: 2, value: show(value) });
    return value;
  }

  u32(name: string): number {
    const at = this.take(4);
    const value = this.view.getUint32(at);
    this.fields.push({ name, offset: at, length: 4, value: String(value) });
    return value;
  }

  bytes(name: string, length: number, show: (bytes: Bytes) => string = toHex): Bytes {
    const at = this.take(length);
    const value = this.source.slice(at, at + length);
    this.fields.push({ name, offset: at, length, value: show(value) });
    return value;
  }

  text(name: string, length: number): string {
    const at = this.offset;
    let decoded = '';
    this.bytes(name, length, (value) => {
      try {
        decoded = strictUtf8.decode(value);
      } catch {
        throw headerError(`${name} is not valid UTF-8`, at);
      }
      return decoded;
    });
    return decoded;
  }
}

/**
 * Decodes the header from the first bytes of a message. Returns `{ needed }` when `bytes` ends
 * before the header does (read more and call again with all the bytes so far); throws a KmsError
 * for anything that is not a well-formed version-2 header: InvalidCiphertextException naming the
 * field and offset, or UnsupportedOperationException for a format-1 message (no key commitment).
 */
export function decodeHeader(bytes: Uint8Array): DecodedHeader | IncompleteHeader {
  if (bytes.length >= 1 && bytes[0] === 0x01) {
    if (bytes.length < 4) return { needed: 4 };
    throw formatOneRefusal(((bytes[2] ?? 0) << 8) | (bytes[3] ?? 0));
  }
  const reader = new FieldReader(bytes);
  try {
    return readHeader(reader, bytes);
  } catch (thrown) {
    if (thrown instanceof NeedMore) return { needed: thrown.needed };
    throw thrown;
  }
}

function readHeader(reader: FieldReader, bytes: Uint8Array): DecodedHeader {
  const version = reader.u8('Version', (value) => `0x${value.toString(16).padStart(2, '0')}`);
  if (version !== MESSAGE_FORMAT_VERSION) {
    const reason =
      version === 0x41
        ? 'the first byte is "A": this looks like a base64-encoded message; decode it first'
        : `version byte 0x${version.toString(16).padStart(2, '0')} is not 0x02 (not an AWS Encryption SDK message)`;
    throw new KmsError(
      'InvalidCiphertextException',
      `The file is not a valid AWS Encryption SDK message: ${reason}.`,
    );
  }
  const suiteId = reader.u16('Algorithm Suite ID', suiteIdHex);
  const suite = formatTwoSuite(suiteId);
  if (!suite) throw headerError(unknownSuiteReason(suiteId), 1);
  const messageId = reader.bytes('Message ID', MESSAGE_ID_LENGTH);

  const aadLength = reader.u16('AAD Length');
  const encryptionContext = readEncryptionContext(reader, aadLength);

  const edkCountAt = reader.offset;
  const edkCount = reader.u16('Encrypted Data Key Count');
  if (edkCount === 0) throw headerError('the encrypted data key count is 0', edkCountAt);
  const encryptedDataKeys: EncryptedDataKey[] = [];
  for (let i = 1; i <= edkCount; i++) {
    const providerId = reader.text(
      `EDK ${i} Key Provider ID`,
      reader.u16(`EDK ${i} Key Provider ID Length`),
    );
    const providerInfo = reader.bytes(
      `EDK ${i} Key Provider Information`,
      reader.u16(`EDK ${i} Key Provider Information Length`),
    );
    const ciphertext = reader.bytes(
      `EDK ${i} Encrypted Data Key`,
      reader.u16(`EDK ${i} Encrypted Data Key Length`),
    );
    encryptedDataKeys.push({ providerId, providerInfo, ciphertext });
  }

  const contentTypeAt = reader.offset;
  const contentType = reader.u8('Content Type', (value) =>
    value === CONTENT_TYPE_FRAMED
      ? '0x02 (framed)'
      : value === CONTENT_TYPE_NON_FRAMED
        ? '0x01 (non-framed)'
        : `0x${value.toString(16)}`,
  );
  if (contentType !== CONTENT_TYPE_FRAMED && contentType !== CONTENT_TYPE_NON_FRAMED) {
    throw headerError(
      `content type 0x${contentType.toString(16)} is neither framed (0x02) nor non-framed (0x01)`,
      contentTypeAt,
    );
  }
  const frameLengthAt = reader.offset;
  const frameLength = reader.u32('Frame Length');
  if (contentType === CONTENT_TYPE_FRAMED && frameLength === 0) {
    throw headerError('frame length 0 for framed content', frameLengthAt);
  }
  if (contentType === CONTENT_TYPE_NON_FRAMED && frameLength !== 0) {
    throw headerError(
      `frame length ${frameLength} for non-framed content (must be 0)`,
      frameLengthAt,
    );
  }
  const commitment = reader.bytes('Algorithm Suite Data', COMMITMENT_LENGTH);
  const bodyLength = reader.offset;
  const tag = reader.bytes('Authentication Tag', AES_GCM_TAG_LENGTH);

  return {
    header: {
      suite,
      messageId,
      encryptionContext,
      encryptedDataKeys,
      contentType,
      frameLength,
      commitment,
    },
    body: bytes.slice(0, bodyLength),
    tag,
    length: reader.offset,
    fields: reader.fields,
  };
}

/** §1 serialization inside the header's AAD field; any order, no duplicate or empty keys. */
function readEncryptionContext(reader: FieldReader, aadLength: number): EncryptionContext {
  const context: EncryptionContext = Object.create(null) as EncryptionContext;
  if (aadLength === 0) return context;
  const start = reader.offset;
  const end = start + aadLength;
  if (aadLength < 2) throw headerError('AAD length 1 cannot hold a key-value pair count', start);
  const count = reader.u16('Key Value Pair Count');
  if (count === 0)
    throw headerError('the key-value pair count is 0 but the AAD length is not', start);
  for (let i = 1; i <= count; i++) {
    const entryAt = reader.offset;
    if (entryAt + 2 > end)
      throw headerError(`key-value pair ${i} runs past the AAD length`, entryAt);
    const key = reader.text(`Key ${i}`, reader.u16(`Key ${i} Length`));
    const value = reader.text(`Value ${i}`, reader.u16(`Value ${i} Length`));
    if (reader.offset > end)
      throw headerError(`key-value pair ${i} runs past the AAD length`, entryAt);
    if (key.length === 0) throw headerError(`key ${i} of the encryption context is empty`, entryAt);
    if (Object.hasOwn(context, key))
      throw headerError(`encryption context key '${key}' appears twice`, entryAt);
    context[key] = value;
  }
  if (reader.offset !== end)
    throw headerError('the AAD length does not match the key-value pairs', reader.offset);
  // A plain object again, so callers and structured clone see an ordinary record.
  return { ...context };
}

const FIRST_HEADER_READ = 4096;

/**
 * Reads from the start of `input` as much as the header needs — 4 KiB first, more only for a
 * large header — and decodes it. Throws as decodeHeader does, and InvalidCiphertextException
 * ("truncated") when the file ends inside the header.
 */
export async function readMessageHeader(input: Blob): Promise<DecodedHeader> {
  let want = Math.min(input.size, FIRST_HEADER_READ);
  for (;;) {
    const decoded = decodeHeader(new Uint8Array(await input.slice(0, want).arrayBuffer()));
    if (!('needed' in decoded)) return decoded;
    if (decoded.needed > input.size) {
      throw new KmsError(
        'InvalidCiphertextException',
        input.size === 0
          ? 'The file is not a complete AWS Encryption SDK message: truncated: the file is empty.'
          : `The file is not a complete AWS Encryption SDK message: truncated: the file ends inside the header (it has ${input.size} bytes).`,
      );
    }
    want = Math.min(input.size, MAX_HEADER_LENGTH, Math.max(decoded.needed, want * 2));
  }
}
