/**
 * Lesson 1, "Envelope encryption, step by step" (issue 13 §2.1): a real AWS Encryption SDK
 * message (format 2, suite 0x0478) made on the sandbox vault the way the SDK's KMS keyring makes
 * one — GenerateDataKey gives the data key and its encrypted copy; the core's own envelope encoder
 * (workers/envelope/encrypt-message.ts) writes the message with them — and then taken apart: every
 * byte a step shows is read from that message (its header decoded by the envelope's decoder, the
 * same one inspectCiphertext uses), or derived from the data key GenerateDataKey returned.
 * Decryption then goes the same way back: Decrypt opens the encrypted data key, and the envelope's
 * decoder (decrypt-message.ts) checks the commitment, the header tag and every frame.
 *
 * The one secret here is the data key, which GenerateDataKey hands to its caller by design (as in
 * AWS): on the sandbox vault, so the person's keys are never involved.
 */
import type { EncryptionContext, GenerateDataKeyResponse, KmsApi } from '../../../workers/api.ts';
import { aesGcmDecrypt, AES_GCM_TAG_LENGTH } from '../../../workers/crypto/aes-gcm.ts';
import { COMMIT_KEY_SUITE } from '../../../workers/envelope/algorithm-suites.ts';
import { MemorySink } from '../../../workers/envelope/byte-sink.ts';
import { decryptMessage } from '../../../workers/envelope/decrypt-message.ts';
import { encryptMessage } from '../../../workers/envelope/encrypt-message.ts';
import { keyDerivationInfo } from '../../../workers/envelope/key-derivation.ts';
import type { Keyring } from '../../../workers/envelope/keyring.ts';
import {
  bodyAad,
  FINAL_FRAME_HEADER_LENGTH,
  SEQUENCE_NUMBER_END,
} from '../../../workers/envelope/message-body.ts';
import { decodeHeader, type EncryptedDataKey } from '../../../workers/envelope/message-header.ts';
import { lessonCall, type LessonCall } from './lesson-calls.ts';

/** The provider id of the AWS Encryption SDK's KMS keyring: its entries hold a KMS ciphertext. */
export const KMS_PROVIDER_ID = 'aws-kms';
/** Small frames, so a sentence makes several: the format allows any length from 1 byte. */
export const LESSON_FRAME_LENGTH = 32;
/** At most this much input (text or a file): about eight frames of each shown in full. */
export const MAX_LESSON_BYTES = 4096;

/**
 * The frame length for `size` bytes of input: 32 bytes, or for a larger file the power of two
 * that keeps it to about eight frames, so every frame can be shown.
 */
export function lessonFrameLength(size: number): number {
  return Math.max(LESSON_FRAME_LENGTH, 2 ** Math.ceil(Math.log2(Math.max(1, size / 8))));
}

/** How the header decoder numbers the message's one encrypted data key in its field names. */
const EDK_INDEX = 1;

/** A named run of bytes a step shows; `offset` when it lies in the message. */
export interface LessonBytes {
  name: string;
  bytes: Uint8Array;
  offset?: number;
}

export interface LessonStep {
  id: string;
  title: string;
  /** What happens in this step, in a few sentences. */
  explanation: string;
  bytes: LessonBytes[];
  /** The header step: the message's header, shown field by field in the hex view. */
  header?: true;
  call?: LessonCall;
}

export interface EnvelopeWalkthrough {
  /** The whole message, byte for byte as written. */
  message: Uint8Array<ArrayBuffer>;
  headerLength: number;
  steps: LessonStep[];
  /** The bytes decryption gave back. */
  decrypted: Uint8Array;
}

/** The two clients a lesson uses: one for its steps, one for reading their audit records. */
export interface LessonClients {
  calls: KmsApi;
  /** Reads the newest audit record (ListAuditEvents): the UI's background reads. */
  reads: KmsApi;
}

/**
 * The AWS Encryption SDK's KMS keyring, over the sandbox: `generate` calls GenerateDataKey and
 * makes its one entry (provider id `aws-kms`, provider info the key ARN, ciphertext the
 * CiphertextBlob); `unwrap` calls Decrypt on that ciphertext with the message's context.
 */
export class LessonKmsKeyring implements Keyring {
  generatedKey: GenerateDataKeyResponse | undefined;
  decryptedKey: Uint8Array | undefined;

  constructor(
    private readonly client: KmsApi,
    private readonly keyId: string,
  ) {}

  async generate(encryptionContext: EncryptionContext) {
    const generated = await this.client.generateDataKey({
      KeyId: this.keyId,
      KeySpec: 'AES_256',
      EncryptionContext: encryptionContext,
    });
    this.generatedKey = generated;
    return {
      // A copy: the envelope zeroes the data key it is given once it has derived its keys.
      dataKey: new Uint8Array(generated.Plaintext),
      encryptedDataKeys: [
        {
          providerId: KMS_PROVIDER_ID,
          providerInfo: new TextEncoder().encode(generated.KeyId),
          ciphertext: new Uint8Array(generated.CiphertextBlob),
        },
      ],
    };
  }

  async wrap(): Promise<EncryptedDataKey[]> {
    throw new Error('the lesson keyring generates its data key');
  }

  async unwrap(entries: readonly EncryptedDataKey[], encryptionContext: EncryptionContext) {
    const entry = entries.find((candidate) => candidate.providerId === KMS_PROVIDER_ID);
    if (!entry) throw new Error('no aws-kms entry');
    const { Plaintext } = await this.client.decrypt({
      CiphertextBlob: entry.ciphertext,
      EncryptionContext: encryptionContext,
    });
    this.decryptedKey = new Uint8Array(Plaintext);
    return { dataKey: new Uint8Array(Plaintext), encryptedDataKey: entry };
  }
}

/** HKDF-SHA-512 of the data key, salt the message id, as FORMAT.md §4.3: `length` bytes. */
async function hkdf(dataKey: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number) {
  const key = await crypto.subtle.importKey('raw', new Uint8Array(dataKey), 'HKDF', false, [
    'deriveBits',
  ]);
  const bits = await crypto.subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-512', salt: new Uint8Array(salt), info: new Uint8Array(info) },
    key,
    length * 8,
  );
  return new Uint8Array(bits);
}

interface ReadFrame {
  sequenceNumber: number;
  final: boolean;
  offset: number;
  /** The bytes before the IV: sequence number, or end marker ‖ sequence number. */
  prefix: Uint8Array;
  iv: Uint8Array;
  /** The final frame's content length field. */
  contentLength?: Uint8Array;
  ciphertext: Uint8Array;
  tag: Uint8Array;
}

/** The body's frames, read from the message bytes (FORMAT.md §4.5). */
function readFrames(message: Uint8Array, start: number, frameLength: number): ReadFrame[] {
  const frames: ReadFrame[] = [];
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  let at = start;
  while (at < message.length) {
    const final = view.getUint32(at) === SEQUENCE_NUMBER_END;
    const headerLength = final ? FINAL_FRAME_HEADER_LENGTH : 16;
    const prefixLength = final ? 8 : 4;
    const sequenceNumber = view.getUint32(final ? at + 4 : at);
    const contentLength = final ? view.getUint32(at + headerLength - 4) : frameLength;
    const ciphertextAt = at + headerLength;
    frames.push({
      sequenceNumber,
      final,
      offset: at,
      prefix: message.subarray(at, at + prefixLength),
      iv: message.subarray(at + prefixLength, at + prefixLength + 12),
      ...(final && { contentLength: message.subarray(ciphertextAt - 4, ciphertextAt) }),
      ciphertext: message.subarray(ciphertextAt, ciphertextAt + contentLength),
      tag: message.subarray(
        ciphertextAt + contentLength,
        ciphertextAt + contentLength + AES_GCM_TAG_LENGTH,
      ),
    });
    at = ciphertextAt + contentLength + AES_GCM_TAG_LENGTH;
    if (final) break;
  }
  return frames;
}

/**
 * Runs the lesson: encrypts `plaintext` under `keyId` with `encryptionContext` on the sandbox, then
 * decrypts it, and returns every step with the bytes it shows and the calls it made.
 */
export async function runEnvelopeLesson(
  { calls, reads }: LessonClients,
  keyId: string,
  plaintext: Uint8Array<ArrayBuffer>,
  encryptionContext: EncryptionContext,
): Promise<EnvelopeWalkthrough> {
  if (plaintext.length > MAX_LESSON_BYTES) {
    throw new RangeError(`at most ${MAX_LESSON_BYTES} bytes`);
  }
  const keyring = new LessonKmsKeyring(calls, keyId);
  const encrypted = await encryptMessage({
    input: new Blob([plaintext]),
    keyring,
    encryptionContext,
    frameLength: lessonFrameLength(plaintext.length),
    sink: new MemorySink(),
  });
  const message = encrypted.result;
  const generated = keyring.generatedKey!;
  const generateCall = await lessonCall(reads, 'generateDataKey', {
    KeyId: keyId,
    KeySpec: 'AES_256',
    EncryptionContext: encryptionContext,
  });

  const decoded = decodeHeader(message);
  if (!('header' in decoded)) throw new Error('the message header did not decode');
  const { header, fields } = decoded;
  const field = (name: string): LessonBytes => {
    const found = fields.find((candidate) => candidate.name === name);
    if (!found) throw new Error(`no header field ${name}`);
    return {
      name,
      bytes: message.subarray(found.offset, found.offset + found.length),
      offset: found.offset,
    };
  };

  const { contentKeyInfo, commitKeyInfo } = keyDerivationInfo(COMMIT_KEY_SUITE);
  const contentKey = await hkdf(generated.Plaintext, header.messageId, contentKeyInfo, 32);
  const commitment = await hkdf(generated.Plaintext, header.messageId, commitKeyInfo, 32);
  const frames = readFrames(message, decoded.length, header.frameLength);
  // The frame's additional data (FORMAT.md §4.5): not stored, rebuilt by whoever reads it.
  const frameAad = (frame: ReadFrame) =>
    bodyAad(
      header.messageId,
      frame.final ? 'final' : 'regular',
      frame.sequenceNumber,
      frame.ciphertext.length,
    );
  const aesKey = await crypto.subtle.importKey('raw', contentKey, 'AES-GCM', false, ['decrypt']);

  const steps: LessonStep[] = [
    {
      id: 'generate-data-key',
      title: 'GenerateDataKey: a data key and its encrypted copy',
      explanation:
        'The KMS key never leaves the vault. Instead, the vault makes a fresh 256-bit data key and returns it twice: in plaintext, to encrypt with now and then forget, and encrypted under the KMS key, bound to the encryption context, to store with the data.',
      bytes: [
        { name: 'Plaintext (the data key)', bytes: generated.Plaintext },
        { name: 'CiphertextBlob (the encrypted data key)', bytes: generated.CiphertextBlob },
      ],
      call: generateCall,
    },
    {
      id: 'hkdf',
      title: 'HKDF-SHA-512: the content key and the commitment',
      explanation:
        'The data key is not used directly. HKDF-SHA-512, salted with the message id, derives two things from it: the AES-256-GCM content key that encrypts this message, and a 32-byte commitment written into the header, which binds the message to exactly this data key (key commitment).',
      bytes: [
        { name: 'Input: the data key', bytes: generated.Plaintext },
        { name: 'Salt: the message id', bytes: header.messageId },
        { name: 'Info for the content key: suite 0x0478 ‖ "DERIVEKEY"', bytes: contentKeyInfo },
        { name: 'Output: the content key', bytes: contentKey },
        { name: 'Info for the commitment: "COMMITKEY"', bytes: commitKeyInfo },
        { name: 'Output: the commitment', bytes: commitment },
      ],
    },
    {
      id: 'header',
      title: 'The header, field by field',
      explanation:
        'The header is stored in clear: version, algorithm suite, message id, the encryption context, the encrypted data keys, the frame length, the commitment, and a tag that authenticates all of it under the content key. Move through the fields to see each one in the bytes.',
      bytes: [],
      header: true,
    },
    {
      id: 'encrypted-data-key',
      title: 'The encrypted data key, in the header',
      explanation:
        'The header carries the encrypted data key exactly as GenerateDataKey returned it, with the provider id "aws-kms" and the key ARN, so whoever decrypts knows which KMS key to ask.',
      bytes: [
        field(`EDK ${EDK_INDEX} Key Provider ID`),
        field(`EDK ${EDK_INDEX} Key Provider Information`),
        field(`EDK ${EDK_INDEX} Encrypted Data Key`),
      ],
    },
    ...frames.map((frame): LessonStep => {
      const aad = frameAad(frame);
      return {
        id: `frame-${frame.sequenceNumber}`,
        title: frame.final
          ? `The final frame (frame ${frame.sequenceNumber})`
          : `Frame ${frame.sequenceNumber}`,
        explanation: frame.final
          ? 'The final frame starts with the end marker FF FF FF FF and says how many bytes it holds, so a message cut short, or with frames dropped from its end, is refused. Its AAD says "Final Frame".'
          : `Each frame is ${header.frameLength} bytes of plaintext, encrypted with AES-256-GCM under the content key. Its IV is its sequence number, and its additional data (AAD) binds it to this message and this position, so frames cannot be reordered, dropped or moved to another message.`,
        bytes: [
          {
            name: frame.final ? 'End marker ‖ sequence number' : 'Sequence number',
            bytes: frame.prefix,
            offset: frame.offset,
          },
          { name: 'IV', bytes: frame.iv, offset: frame.offset + frame.prefix.length },
          ...(frame.contentLength
            ? [{ name: 'Content length', bytes: frame.contentLength, offset: frame.offset + 20 }]
            : []),
          { name: 'AAD (not stored: rebuilt by the reader)', bytes: aad },
          {
            name: 'Ciphertext',
            bytes: frame.ciphertext,
            offset: frame.ciphertext.byteOffset - message.byteOffset,
          },
          {
            name: 'Authentication tag',
            bytes: frame.tag,
            offset: frame.tag.byteOffset - message.byteOffset,
          },
        ],
      };
    }),
  ];

  // Decryption, the same way back: Decrypt opens the encrypted data key; the envelope's decoder
  // derives the keys again, checks the commitment, the header tag and every frame.
  const reader = new LessonKmsKeyring(calls, keyId);
  const decrypted = await decryptMessage({
    input: new Blob([message]),
    keyring: reader,
    sink: new MemorySink(),
    expectedEncryptionContext: encryptionContext,
  });
  const frameTexts = await Promise.all(
    frames.map(async (frame) => {
      const aad = frameAad(frame);
      const sealed = new Uint8Array(frame.ciphertext.length + frame.tag.length);
      sealed.set(frame.ciphertext);
      sealed.set(frame.tag, frame.ciphertext.length);
      return (
        (await aesGcmDecrypt(aesKey, new Uint8Array(frame.iv), sealed, aad)) ?? new Uint8Array()
      );
    }),
  );
  const blob = header.encryptedDataKeys[0]!.ciphertext;
  const decryptCall = await lessonCall(reads, 'decrypt', {
    CiphertextBlob: blob,
    EncryptionContext: encryptionContext,
    KeyId: keyId,
  });
  steps.push(
    {
      id: 'decrypt-data-key',
      title: 'Decrypt: the encrypted data key, back to the data key',
      explanation:
        'To decrypt, the reader takes the encrypted data key from the header and asks the KMS to decrypt it, with the encryption context from the header. The KMS checks the key state and the context; the data key that comes back is the same 32 bytes GenerateDataKey gave.',
      bytes: [
        { name: 'CiphertextBlob (from the header)', bytes: blob },
        { name: 'Plaintext (the data key again)', bytes: reader.decryptedKey ?? new Uint8Array() },
      ],
      call: decryptCall,
    },
    {
      id: 'decrypt-message',
      title: 'Decrypting the message',
      explanation:
        'With the data key, the reader derives the content key and the commitment again, compares the commitment with the header’s (a different data key is refused here), checks the header tag, then opens each frame in order with its IV and AAD. Only when the final frame checks out is the plaintext whole.',
      bytes: [
        { name: 'Commitment recomputed = header’s', bytes: commitment },
        ...frames.map((frame, index) => ({
          name: `Frame ${frame.sequenceNumber} plaintext`,
          bytes: frameTexts[index]!,
        })),
        { name: 'Plaintext', bytes: decrypted.result },
      ],
      call: {
        console: `// the whole message in one call, with a vault key: await kmsSandbox.decryptFile({ Input })`,
        cli: `aws-encryption-cli --decrypt --input lesson-1.encrypted --wrapping-keys key=${keyId} --commitment-policy require-encrypt-require-decrypt --output .`,
        sdk: `const { plaintext } = await buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT).decrypt(new KmsKeyringNode({ keyIds: [${JSON.stringify(keyId)}] }), message);`,
      },
    },
  );
  return {
    message,
    headerLength: decoded.length,
    steps,
    decrypted: decrypted.result,
  };
}
