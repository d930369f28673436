/**
 * The framed message body — docs/FORMAT.md §4.5 and §4.6 (aws-encryption-sdk-specification,
 * data-format/message-body.md and message-body-aad.md; @aws-crypto/serialize,
 * serialize_factory.ts and aad_factory.ts): frame IVs, the body AAD and the frame headers.
 */
import { AES_GCM_IV_LENGTH, AES_GCM_TAG_LENGTH, type Bytes } from '../crypto/aes-gcm.ts';

/** The first four bytes of the final frame. */
export const SEQUENCE_NUMBER_END = 0xffffffff;
/** The most frames a message can have: sequence numbers are u32 and FF FF FF FF is taken. */
export const MAX_FRAME_COUNT = 0xfffffffe;
/** Sequence number ‖ IV before the ciphertext, and the tag after it. */
export const REGULAR_FRAME_OVERHEAD = 4 + AES_GCM_IV_LENGTH + AES_GCM_TAG_LENGTH;
/** Sequence number end ‖ sequence number ‖ IV ‖ content length before it, and the tag after it. */
export const FINAL_FRAME_HEADER_LENGTH = 4 + 4 + AES_GCM_IV_LENGTH + 4;
export const FINAL_FRAME_OVERHEAD = FINAL_FRAME_HEADER_LENGTH + AES_GCM_TAG_LENGTH;
/** IV ‖ u64 content length of a non-framed body (decrypt only). */
export const NON_FRAMED_HEADER_LENGTH = AES_GCM_IV_LENGTH + 8;

export type BodyPart = 'regular' | 'final' | 'single';

/** The body AAD content strings (serialize/src/identifiers.ts, ContentAADString). */
const CONTENT_STRINGS: Record<BodyPart, Uint8Array> = {
  regular: new TextEncoder().encode('AWSKMSEncryptionClient Frame'),
  final: new TextEncoder().encode('AWSKMSEncryptionClient Final Frame'),
  single: new TextEncoder().encode('AWSKMSEncryptionClient Single Block'),
};

/** 8 zero bytes ‖ u32 sequence number (message-body.md, "IV"). */
export function frameIv(sequenceNumber: number): Bytes {
  const iv = new Uint8Array(AES_GCM_IV_LENGTH);
  new DataView(iv.buffer).setUint32(AES_GCM_IV_LENGTH - 4, sequenceNumber);
  return iv;
}

/**
 * message id (all 32 bytes) ‖ content string ‖ u32 sequence number ‖ u64 plaintext length.
 * Lengths are JavaScript numbers, exact up to 2^53 − 1.
 */
export function bodyAad(
  messageId: Bytes,
  part: BodyPart,
  sequenceNumber: number,
  plaintextLength: number,
): Bytes {
  const content = CONTENT_STRINGS[part];
  const aad = new Uint8Array(messageId.length + content.length + 12);
  aad.set(messageId, 0);
  aad.set(content, messageId.length);
  const view = new DataView(aad.buffer);
  const at = messageId.length + content.length;
  view.setUint32(at, sequenceNumber);
  view.setUint32(at + 4, Math.floor(plaintextLength / 2 ** 32));
  view.setUint32(at + 8, plaintextLength >>> 0);
  return aad;
}

/** Sequence number ‖ IV: the 16 bytes before a regular frame's ciphertext. */
export function regularFrameHeader(sequenceNumber: number): Bytes {
  const header = new Uint8Array(4 + AES_GCM_IV_LENGTH);
  new DataView(header.buffer).setUint32(0, sequenceNumber);
  header.set(frameIv(sequenceNumber), 4);
  return header;
}

/** FF FF FF FF ‖ sequence number ‖ IV ‖ content length: the 24 bytes before the final frame's ciphertext. */
export function finalFrameHeader(sequenceNumber: number, contentLength: number): Bytes {
  const header = new Uint8Array(FINAL_FRAME_HEADER_LENGTH);
  const view = new DataView(header.buffer);
  view.setUint32(0, SEQUENCE_NUMBER_END);
  view.setUint32(4, sequenceNumber);
  header.set(frameIv(sequenceNumber), 8);
  view.setUint32(8 + AES_GCM_IV_LENGTH, contentLength);
  return header;
}
