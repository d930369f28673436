/**
 * Shows what an AWS Encryption SDK message is made of — every header field with its offset and
 * length, the encrypted data keys, the frames and the footer — without any key and without
 * decrypting anything (docs/FORMAT.md §4).
 *
 * It reads only what it needs, whatever the file size: the header, then a few dozen bytes at the
 * offsets the frame length predicts (the first frame, the final frame, the footer). Nothing it
 * reports is authenticated: a header that does not parse is an error, a body that does not have
 * the predicted layout is reported in `body.problem`.
 */
import type { EncryptionContext } from '../api.ts';
import { AES_GCM_IV_LENGTH, AES_GCM_TAG_LENGTH } from '../crypto/aes-gcm.ts';
import { toHex } from '../encoding.ts';
import { suiteIdHex } from './algorithm-suites.ts';
import {
  FINAL_FRAME_HEADER_LENGTH,
  FINAL_FRAME_OVERHEAD,
  NON_FRAMED_HEADER_LENGTH,
  REGULAR_FRAME_OVERHEAD,
  SEQUENCE_NUMBER_END,
} from './message-body.ts';
import { MAX_SIGNATURE_LENGTH } from './message-footer.ts';
import { CONTENT_TYPE_FRAMED, readMessageHeader, type HeaderField } from './message-header.ts';
import { parseRawAesEntry } from './raw-aes-keyring.ts';

export type { HeaderField };

export interface InspectedEncryptedDataKey {
  /** From 1, in header order. */
  index: number;
  providerId: string;
  /** The key name, when the entry has the raw-AES-keyring layout (§4.8). */
  keyName?: string;
  providerInfoLength: number;
  ciphertextLength: number;
}

export interface InspectedBody {
  contentType: 'framed' | 'non-framed';
  /** 0 for non-framed content. */
  frameLength: number;
  /** Byte offset of the first frame (or of the non-framed body). */
  offset: number;
  /** The rest is set when the layout was found. */
  frameCount?: number;
  regularFrameSize?: number;
  finalFrameContentLength?: number;
  plaintextLength?: number;
  footerOffset?: number;
  signatureLength?: number;
  /** Why the body does not have the layout the header predicts (truncated, appended to, changed). */
  problem?: string;
}

export interface InspectedMessage {
  /** The file's size in bytes. */
  length: number;
  messageId: string;
  suiteId: string;
  suiteName: string;
  signed: boolean;
  encryptionContext: EncryptionContext;
  encryptedDataKeys: InspectedEncryptedDataKey[];
  /** Header body and tag. */
  headerLength: number;
  /** Header fields, then the first regular frame's, the final frame's and the footer's. */
  fields: HeaderField[];
  body: InspectedBody;
}

async function readAt(input: Blob, offset: number, length: number): Promise<Uint8Array | null> {
  if (offset < 0 || offset + length > input.size) return null;
  return new Uint8Array(await input.slice(offset, offset + length).arrayBuffer());
}

function u32(bytes: Uint8Array, at: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(at);
}

/** Throws a KmsError when the header does not parse (as decryption would); never decrypts. */
export async function inspectMessage(input: Blob): Promise<InspectedMessage> {
  const decoded = await readMessageHeader(input);
  const { header } = decoded;
  const fields = [...decoded.fields];
  const body: InspectedBody = {
    contentType: header.contentType === CONTENT_TYPE_FRAMED ? 'framed' : 'non-framed',
    frameLength: header.frameLength,
    offset: decoded.length,
  };
  const inspected: InspectedMessage = {
    length: input.size,
    messageId: toHex(header.messageId),
    suiteId: suiteIdHex(header.suite.id),
    suiteName: header.suite.name,
    signed: header.suite.signed,
    encryptionContext: header.encryptionContext,
    encryptedDataKeys: header.encryptedDataKeys.map((edk, i) => {
      const keyName = parseRawAesEntry(edk)?.keyName;
      return {
        index: i + 1,
        providerId: edk.providerId,
        ...(keyName !== undefined && { keyName }),
        providerInfoLength: edk.providerInfo.length,
        ciphertextLength: edk.ciphertext.length,
      };
    }),
    headerLength: decoded.length,
    fields,
    body,
  };

  // Footer lengths to try: none, or each signature length the last bytes can announce.
  const footerLengths: number[] = [];
  if (!header.suite.signed) {
    footerLengths.push(0);
  } else {
    const tailStart = Math.max(decoded.length, input.size - (2 + MAX_SIGNATURE_LENGTH));
    const tail = (await readAt(input, tailStart, input.size - tailStart)) ?? new Uint8Array(0);
    for (let signatureLength = MAX_SIGNATURE_LENGTH; signatureLength >= 1; signatureLength--) {
      const at = tail.length - signatureLength - 2;
      if (at >= 0 && ((tail[at]! << 8) | tail[at + 1]!) === signatureLength)
        footerLengths.push(signatureLength + 2);
    }
  }

  const found =
    header.contentType === CONTENT_TYPE_FRAMED
      ? await framedLayout(input, decoded.length, header.frameLength, footerLengths, fields, body)
      : await nonFramedLayout(input, decoded.length, footerLengths, fields, body);
  if (found === null) {
    body.problem ??=
      'the body does not end where the header predicts: the file is truncated, has bytes appended, or was changed';
    return inspected;
  }
  if (header.suite.signed) {
    const signatureLength = found - 2;
    const footerOffset = input.size - found;
    body.footerOffset = footerOffset;
    body.signatureLength = signatureLength;
    const signature = await readAt(input, footerOffset + 2, signatureLength);
    fields.push(
      { name: 'Signature Length', offset: footerOffset, length: 2, value: String(signatureLength) },
      {
        name: 'Signature',
        offset: footerOffset + 2,
        length: signatureLength,
        value: toHex(signature ?? new Uint8Array(0)),
      },
    );
  }
  return inspected;
}

/** Finds the final frame where frame length and file size place it; returns the footer length used. */
async function framedLayout(
  input: Blob,
  bodyOffset: number,
  frameLength: number,
  footerLengths: number[],
  fields: HeaderField[],
  body: InspectedBody,
): Promise<number | null> {
  const regularFrameSize = frameLength + REGULAR_FRAME_OVERHEAD;
  body.regularFrameSize = regularFrameSize;
  for (const footerLength of footerLengths) {
    const rest = input.size - bodyOffset - footerLength - FINAL_FRAME_OVERHEAD;
    if (rest < 0) continue;
    const regularFrames = Math.floor(rest / regularFrameSize);
    const finalContentLength = rest - regularFrames * regularFrameSize;
    if (finalContentLength > frameLength) continue;
    const finalOffset = bodyOffset + regularFrames * regularFrameSize;
    const finalHeader = await readAt(input, finalOffset, FINAL_FRAME_HEADER_LENGTH);
    if (
      !finalHeader ||
      u32(finalHeader, 0) !== SEQUENCE_NUMBER_END ||
      u32(finalHeader, 4) !== regularFrames + 1 ||
      u32(finalHeader, 8 + AES_GCM_IV_LENGTH) !== finalContentLength
    ) {
      continue;
    }
    if (regularFrames > 0) {
      const first = await readAt(input, bodyOffset, 4 + AES_GCM_IV_LENGTH);
      const firstTag = await readAt(
        input,
        bodyOffset + 4 + AES_GCM_IV_LENGTH + frameLength,
        AES_GCM_TAG_LENGTH,
      );
      if (!first || !firstTag || u32(first, 0) !== 1) {
        body.problem = 'the first frame does not carry sequence number 1';
        return null;
      }
      fields.push(
        { name: 'Frame 1 Sequence Number', offset: bodyOffset, length: 4, value: '1' },
        {
          name: 'Frame 1 IV',
          offset: bodyOffset + 4,
          length: AES_GCM_IV_LENGTH,
          value: toHex(first.subarray(4)),
        },
        {
          name: 'Frame 1 Encrypted Content',
          offset: bodyOffset + 16,
          length: frameLength,
          value: `${frameLength} bytes`,
        },
        {
          name: 'Frame 1 Authentication Tag',
          offset: bodyOffset + 16 + frameLength,
          length: AES_GCM_TAG_LENGTH,
          value: toHex(firstTag),
        },
      );
    }
    const finalTag = await readAt(
      input,
      finalOffset + FINAL_FRAME_HEADER_LENGTH + finalContentLength,
      AES_GCM_TAG_LENGTH,
    );
    const sequenceNumber = regularFrames + 1;
    fields.push(
      {
        name: 'Final Frame Sequence Number End',
        offset: finalOffset,
        length: 4,
        value: 'ffffffff',
      },
      {
        name: 'Final Frame Sequence Number',
        offset: finalOffset + 4,
        length: 4,
        value: String(sequenceNumber),
      },
      {
        name: 'Final Frame IV',
        offset: finalOffset + 8,
        length: AES_GCM_IV_LENGTH,
        value: toHex(finalHeader.subarray(8, 20)),
      },
      {
        name: 'Final Frame Encrypted Content Length',
        offset: finalOffset + 20,
        length: 4,
        value: String(finalContentLength),
      },
      {
        name: 'Final Frame Encrypted Content',
        offset: finalOffset + 24,
        length: finalContentLength,
        value: `${finalContentLength} bytes`,
      },
      {
        name: 'Final Frame Authentication Tag',
        offset: finalOffset + 24 + finalContentLength,
        length: AES_GCM_TAG_LENGTH,
        value: toHex(finalTag ?? new Uint8Array(0)),
      },
    );
    body.frameCount = sequenceNumber;
    body.finalFrameContentLength = finalContentLength;
    body.plaintextLength = regularFrames * frameLength + finalContentLength;
    return footerLength;
  }
  return null;
}

async function nonFramedLayout(
  input: Blob,
  bodyOffset: number,
  footerLengths: number[],
  fields: HeaderField[],
  body: InspectedBody,
): Promise<number | null> {
  const head = await readAt(input, bodyOffset, NON_FRAMED_HEADER_LENGTH);
  if (!head) return null;
  const contentLength = u32(head, AES_GCM_IV_LENGTH) * 2 ** 32 + u32(head, AES_GCM_IV_LENGTH + 4);
  const end = bodyOffset + NON_FRAMED_HEADER_LENGTH + contentLength + AES_GCM_TAG_LENGTH;
  const footerLength = footerLengths.find((length) => end + length === input.size);
  if (footerLength === undefined) return null;
  fields.push(
    {
      name: 'IV',
      offset: bodyOffset,
      length: AES_GCM_IV_LENGTH,
      value: toHex(head.subarray(0, AES_GCM_IV_LENGTH)),
    },
    {
      name: 'Encrypted Content Length',
      offset: bodyOffset + AES_GCM_IV_LENGTH,
      length: 8,
      value: String(contentLength),
    },
    {
      name: 'Encrypted Content',
      offset: bodyOffset + NON_FRAMED_HEADER_LENGTH,
      length: contentLength,
      value: `${contentLength} bytes`,
    },
    {
      name: 'Authentication Tag',
      offset: end - AES_GCM_TAG_LENGTH,
      length: AES_GCM_TAG_LENGTH,
      value: toHex(
        (await readAt(input, end - AES_GCM_TAG_LENGTH, AES_GCM_TAG_LENGTH)) ?? new Uint8Array(0),
      ),
    },
  );
  body.frameCount = 1;
  body.plaintextLength = contentLength;
  return footerLength;
}
