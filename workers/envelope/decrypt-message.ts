/**
 * Decrypts an AWS Encryption SDK message, format 2, suites 0x0478 and 0x0578 — docs/FORMAT.md
 * §4, in the order aws-encryption-sdk-specification client-apis/decrypt.md requires: parse the
 * header → unwrap the data key → check the commitment → verify the header tag → decrypt the body
 * frame by frame → verify the footer signature → nothing may follow.
 *
 * Invariants:
 * - Nothing is written to the sink before the commitment and the header tag have been checked.
 * - A frame's plaintext is written only after its tag verifies, and only if it is the expected
 *   frame (sequence number, length).
 * - The final frame's plaintext is held back until the end-of-file check and, for 0x0578, the
 *   signature have passed.
 * - On any failure the sink is aborted (the partial output deleted) and a KmsError says which part
 *   failed: header, commitment, frame N, truncated, trailing bytes, signature.
 */
import type { EncryptionContext } from '../api.ts';
import {
  AES_GCM_IV_LENGTH,
  AES_GCM_TAG_LENGTH,
  aesGcmDecrypt,
  type Bytes,
} from '../crypto/aes-gcm.ts';
import { releaseResult } from '../crypto/result-memory.ts';
import { KmsError } from '../errors.ts';
import type { AlgorithmSuite } from './algorithm-suites.ts';
import { BlobReader } from './blob-reader.ts';
import { frameCipher, type FrameCipher } from './frame-cipher.ts';
import type { ByteSink } from './byte-sink.ts';
import { FramePipeline } from './frame-pipeline.ts';
import { GatheringSink } from './gathering-sink.ts';
import { constantTimeEqual, deriveMessageKeys } from './key-derivation.ts';
import type { Keyring } from './keyring.ts';
import {
  bodyAad,
  MAX_FRAME_COUNT,
  NON_FRAMED_HEADER_LENGTH,
  SEQUENCE_NUMBER_END,
  type BodyPart,
} from './message-body.ts';
import { SignatureVerifier, verificationKey } from './message-footer.ts';
import {
  CONTENT_TYPE_FRAMED,
  headerError,
  readMessageHeader,
  type EncryptedDataKey,
} from './message-header.ts';
import { ProgressReporter, type ProgressCallback } from './progress.ts';

/** §4.6: a frame is authenticated whole, in memory; larger frames are refused. */
export const MAX_DECRYPT_FRAME_LENGTH = 64 * 1024 * 1024;

export interface DecryptMessageOptions<Result> {
  input: Blob;
  keyring: Keyring;
  sink: ByteSink<Result>;
  /** Pairs the message's encryption context must contain (it may hold more). */
  expectedEncryptionContext?: EncryptionContext;
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
}

export interface DecryptMessageResult<Result> {
  result: Result;
  messageId: Bytes;
  suite: AlgorithmSuite;
  /** The message's whole context, `aws-crypto-public-key` included for 0x0578. */
  encryptionContext: EncryptionContext;
  /** The entry whose data key opened the message. */
  encryptedDataKey: EncryptedDataKey;
  /** 0 for a non-framed message. */
  frameLength: number;
  frameCount: number;
  plaintextLength: number;
}

function failure(part: string, detail: string): KmsError {
  return new KmsError('InvalidCiphertextException', `Decryption failed: ${part}: ${detail}`);
}

function truncated(where: string, reader: { position: number }, size: number): KmsError {
  return failure(
    'truncated',
    `the file ends ${where} (it has ${size} bytes: the part that starts at byte ${reader.position} needs more than the ${size - reader.position} bytes left).`,
  );
}

function tooLarge(what: string, length: number): KmsError {
  return new KmsError(
    'UnsupportedOperationException',
    `The message's ${what} is ${length} bytes; Pocket KMS authenticates each frame whole in memory and accepts at most ${MAX_DECRYPT_FRAME_LENGTH} (64 MiB).`,
  );
}

function checkExpectedContext(
  actual: EncryptionContext,
  expected: EncryptionContext | undefined,
): void {
  for (const [key, value] of Object.entries(expected ?? {})) {
    if (!Object.hasOwn(actual, key)) {
      throw failure(
        'encryption context',
        `the file's encryption context has no key '${key}', which the request expects.`,
      );
    }
    if (actual[key] !== value) {
      throw failure(
        'encryption context',
        `the file's encryption context has another value for '${key}' than the request expects.`,
      );
    }
  }
}

/**
 * Decrypts `options.input` into `options.sink` and closes it. Rejects with a KmsError as the
 * module comment lists (or the keyring's own), or with the signal's reason when cancelled; the
 * sink is aborted in every case.
 */
/** A regular frame's plaintext, and how far into the file its frame ends (for progress). */
interface OpenedFrame {
  plaintext: Bytes;
  position: number;
}

export async function decryptMessage<Result>(
  options: DecryptMessageOptions<Result>,
): Promise<DecryptMessageResult<Result>> {
  const { input, keyring, signal } = options;
  // Plaintext reaches the sink in chunks (gathering-sink.ts), copied: each opened frame is let go
  // of once written (releaseResult).
  const sink = new GatheringSink(options.sink);
  const size = input.size;
  const progress = new ProgressReporter(options.onProgress, size);
  let frames: FramePipeline<OpenedFrame> | undefined;
  let bodyReader: BlobReader | undefined;
  let cipher: FrameCipher | undefined;
  try {
    signal?.throwIfAborted();
    progress.report(0, true);

    // 1. Parse the header (structure only: nothing in it is trusted yet).
    const decoded = await readMessageHeader(input);
    const { header } = decoded;
    const { suite, messageId, encryptionContext, frameLength } = header;
    checkExpectedContext(encryptionContext, options.expectedEncryptionContext);
    let verifier: SignatureVerifier | undefined;
    if (suite.signed) {
      const publicKey = verificationKey(encryptionContext);
      if (!publicKey) {
        throw headerError(
          'suite 0x0578 needs a valid compressed P-384 point in the encryption context key aws-crypto-public-key',
          35,
        );
      }
      verifier = new SignatureVerifier(publicKey);
    }

    // 2. Unwrap the data key; 3. commitment before anything else uses the derived key.
    signal?.throwIfAborted();
    const unwrapped = await keyring.unwrap(header.encryptedDataKeys, encryptionContext);
    let keys: Awaited<ReturnType<typeof deriveMessageKeys>>;
    try {
      keys = await deriveMessageKeys(unwrapped.dataKey, suite, messageId);
    } finally {
      unwrapped.dataKey.fill(0);
    }
    if (!constantTimeEqual(keys.commitment, header.commitment)) {
      throw failure(
        'commitment',
        'the data key does not match the key commitment in the header: the file was changed, or crafted to decrypt differently under different keys.',
      );
    }
    const { contentKey } = keys;

    // 4. Header tag: AES-GCM over the header body with the zero IV and no plaintext.
    if (
      !(await aesGcmDecrypt(
        contentKey,
        new Uint8Array(AES_GCM_IV_LENGTH),
        decoded.tag,
        decoded.body,
      ))
    ) {
      throw failure(
        'header',
        'the header authentication tag does not verify: the header was changed.',
      );
    }
    verifier?.update(decoded.body);
    verifier?.update(decoded.tag);
    // Only now is the frame length trusted enough to refuse a file for it.
    if (frameLength > MAX_DECRYPT_FRAME_LENGTH) throw tooLarge('frame length', frameLength);

    // 5. Body, read part by part into one reused buffer (BlobReader): what a part's bytes are
    // needed for is taken from them before the next read — AES-GCM copies its input when called —
    // and an IV read before its ciphertext is copied.
    const reader = new BlobReader(input, decoded.length);
    bodyReader = reader;
    const body = (cipher = await frameCipher(contentKey, size - decoded.length, frameLength));
    const readOrFail = async (length: number, where: string): Promise<Bytes> => {
      const bytes = await reader.read(length);
      if (!bytes) throw truncated(where, reader, size);
      verifier?.update(bytes);
      return bytes;
    };
    // The frame's own IV is used, as every SDK does: GCM binds the IV into the tag, so a changed
    // IV fails authentication, and the commitment vectors (6-19) use IVs of FF×8 ‖ sequence number.
    const openFrame = async (
      label: string,
      part: BodyPart,
      sequenceNumber: number,
      iv: Bytes,
      sealed: Bytes,
      plaintextLength: number,
    ): Promise<Bytes> => {
      const plaintext = await body.open(
        iv,
        sealed,
        bodyAad(messageId, part, sequenceNumber, plaintextLength),
      );
      if (!plaintext) {
        throw failure(
          label,
          'its authentication tag does not verify: the frame was changed, or comes from another file.',
        );
      }
      return plaintext;
    };

    let finalPlaintext: Bytes;
    let frameCount: number;
    let plaintextLength = 0;
    // Regular frames are opened a few at a time and written in order, each only after its own
    // tag verified (FramePipeline); the final frame is held back until the end (step 7).
    frames = new FramePipeline<OpenedFrame>(async ({ plaintext, position }) => {
      signal?.throwIfAborted();
      await sink.write(plaintext);
      releaseResult(plaintext);
      progress.report(position);
    });
    if (header.contentType === CONTENT_TYPE_FRAMED) {
      for (let expected = 1; ; expected++) {
        signal?.throwIfAborted();
        if (expected > MAX_FRAME_COUNT)
          throw failure(`frame ${expected}`, 'more frames than the format allows.');
        const marker = new DataView(
          (await readOrFail(4, `before the final frame (after frame ${expected - 1})`)).slice()
            .buffer,
        ).getUint32(0);
        if (marker === SEQUENCE_NUMBER_END) {
          // Every regular frame is written before the final one is even considered.
          await frames.drain();
          const label = `frame ${expected} (the final frame)`;
          const fields = await readOrFail(4 + AES_GCM_IV_LENGTH + 4, `inside ${label}`);
          const view = new DataView(fields.buffer, fields.byteOffset, fields.byteLength);
          const sequenceNumber = view.getUint32(0);
          if (sequenceNumber !== expected) {
            throw failure(
              label,
              `it carries sequence number ${sequenceNumber} where ${expected} was expected: frames are missing, duplicated or out of order.`,
            );
          }
          const contentLength = view.getUint32(4 + AES_GCM_IV_LENGTH);
          if (contentLength > frameLength) {
            throw failure(
              label,
              `its content length ${contentLength} exceeds the frame length ${frameLength}.`,
            );
          }
          const iv = fields.slice(4, 4 + AES_GCM_IV_LENGTH);
          const sealed = await readOrFail(contentLength + AES_GCM_TAG_LENGTH, `inside ${label}`);
          finalPlaintext = await openFrame(label, 'final', expected, iv, sealed, contentLength);
          plaintextLength += contentLength;
          frameCount = expected;
          break;
        }
        const label = `frame ${expected}`;
        if (marker !== expected) {
          const what =
            marker < expected
              ? 'a frame is duplicated or replayed'
              : 'frames are missing or out of order';
          throw failure(
            label,
            `it carries sequence number ${marker} where ${expected} was expected: ${what}.`,
          );
        }
        const rest = await readOrFail(
          AES_GCM_IV_LENGTH + frameLength + AES_GCM_TAG_LENGTH,
          `inside ${label}`,
        );
        const position = reader.position;
        await frames.push(
          openFrame(
            label,
            'regular',
            expected,
            rest.subarray(0, AES_GCM_IV_LENGTH),
            rest.subarray(AES_GCM_IV_LENGTH),
            frameLength,
          ).then((plaintext) => ({ plaintext, position })),
        );
        plaintextLength += frameLength;
      }
    } else {
      // §4.6: a non-framed body, decrypt only.
      const label = 'the non-framed body';
      const fields = await readOrFail(NON_FRAMED_HEADER_LENGTH, `inside ${label}`);
      const view = new DataView(fields.buffer, fields.byteOffset, fields.byteLength);
      const contentLength =
        view.getUint32(AES_GCM_IV_LENGTH) * 2 ** 32 + view.getUint32(AES_GCM_IV_LENGTH + 4);
      if (contentLength > reader.remaining) throw truncated(`inside ${label}`, reader, size);
      if (contentLength > MAX_DECRYPT_FRAME_LENGTH)
        throw tooLarge('non-framed content', contentLength);
      const iv = fields.slice(0, AES_GCM_IV_LENGTH);
      const sealed = await readOrFail(contentLength + AES_GCM_TAG_LENGTH, `inside ${label}`);
      finalPlaintext = await openFrame(label, 'single', 1, iv, sealed, contentLength);
      plaintextLength = contentLength;
      frameCount = 1;
    }

    // 6. Footer (0x0578): u16 length ‖ DER signature over everything before it.
    if (verifier) {
      const lengthField = await reader.read(2);
      if (!lengthField) throw truncated('before the footer signature', reader, size);
      const signatureLength = (lengthField[0]! << 8) | lengthField[1]!;
      const signature = await reader.read(signatureLength);
      if (!signature) throw truncated('inside the footer signature', reader, size);
      if (signatureLength === 0 || !verifier.verify(signature)) {
        throw failure(
          'signature',
          'the footer signature does not verify: the file was changed after it was signed.',
        );
      }
    }

    // 7. Nothing may follow; only then is the final frame released.
    if (reader.remaining > 0) {
      throw failure('trailing bytes', `${reader.remaining} bytes follow the end of the message.`);
    }
    signal?.throwIfAborted();
    await sink.write(finalPlaintext);
    releaseResult(finalPlaintext);
    const result = await sink.close();
    progress.report(size, true);
    return {
      result,
      messageId,
      suite,
      encryptionContext,
      encryptedDataKey: unwrapped.encryptedDataKey,
      frameLength,
      frameCount,
      plaintextLength,
    };
  } catch (error) {
    // A frame still in flight that failed comes earlier in the file than what threw here:
    // report the first failure in file order.
    const earlier = await frames?.firstFailure().then(
      () => undefined,
      (failure: unknown) => failure,
    );
    await sink.abort();
    throw earlier ?? error;
  } finally {
    cipher?.close();
    await bodyReader?.close();
  }
}
