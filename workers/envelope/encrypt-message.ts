/**
 * Encrypts a Blob into an AWS Encryption SDK message, format 2, suite 0x0478, framed —
 * docs/FORMAT.md §4, step by step as aws-encryption-sdk-specification client-apis/encrypt.md
 * orders it: data key → encrypted data keys → derived content key and commitment → header body
 * and tag → frames → close.
 *
 * The input is read frame by frame from one reused buffer (BlobReader) while earlier frames are
 * encrypted and written; the output goes to the caller's ByteSink, gathered into chunks
 * (GatheringSink). Memory holds those two buffers and the few frames in flight, whatever the size
 * of the input. On any failure or cancel the sink is aborted.
 */
import type { EncryptionContext } from '../api.ts';
import { AES_GCM_IV_LENGTH, aesGcmEncrypt, type Bytes } from '../crypto/aes-gcm.ts';
import { randomBytes } from '../crypto/random.ts';
import { releaseResult } from '../crypto/result-memory.ts';
import { KmsError, validationError } from '../errors.ts';
import { serializeEncryptionContext } from '../formats/encryption-context.ts';
import { COMMIT_KEY_SUITE, type AlgorithmSuite } from './algorithm-suites.ts';
import { BlobReader } from './blob-reader.ts';
import type { ByteSink } from './byte-sink.ts';
import { frameCipher, type FrameCipher } from './frame-cipher.ts';
import { FramePipeline } from './frame-pipeline.ts';
import { GatheringSink } from './gathering-sink.ts';
import { DATA_KEY_LENGTH, deriveMessageKeys } from './key-derivation.ts';
import type { Keyring } from './keyring.ts';
import {
  bodyAad,
  finalFrameHeader,
  frameIv,
  MAX_FRAME_COUNT,
  regularFrameHeader,
} from './message-body.ts';
import { RESERVED_CONTEXT_PREFIX } from './message-footer.ts';
import {
  CONTENT_TYPE_FRAMED,
  encodeHeaderBody,
  MESSAGE_ID_LENGTH,
  type EncryptedDataKey,
} from './message-header.ts';
import { ProgressReporter, type ProgressCallback } from './progress.ts';

/**
 * §4.9: chosen by measurement — a frame's AES-GCM result this small is memory the allocator
 * reuses once it is let go of (crypto/result-memory.ts); a larger one is new memory every time.
 */
export const DEFAULT_FRAME_LENGTH = 32 * 1024;
/** §4.9: what encryptFile accepts. The envelope itself takes any length the format allows. */
export const MIN_FRAME_LENGTH = 4 * 1024;
export const MAX_FRAME_LENGTH = 4 * 1024 * 1024;
const MAX_U32 = 0xffffffff;
/** The largest serialized context the header's u16 AAD length can describe. */
const MAX_CONTEXT_BYTES = 0xffff;

/** The API door's check of FrameLength (§4.9): 4 KiB – 4 MiB, default 32 KiB. */
export function checkFrameLength(parameter: string, value: unknown): number {
  if (value === undefined || value === null) return DEFAULT_FRAME_LENGTH;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw validationError(parameter, undefined, 'Member must be an integer');
  }
  if (value < MIN_FRAME_LENGTH) {
    throw validationError(
      parameter,
      value,
      `Member must have value greater than or equal to ${MIN_FRAME_LENGTH}`,
    );
  }
  if (value > MAX_FRAME_LENGTH) {
    throw validationError(
      parameter,
      value,
      `Member must have value less than or equal to ${MAX_FRAME_LENGTH}`,
    );
  }
  return value;
}

export interface EncryptMessageOptions<Result> {
  input: Blob;
  keyring: Keyring;
  /** Stored in clear in the header and bound to every encrypted data key. */
  encryptionContext?: EncryptionContext;
  /** Plaintext bytes per frame: any u32 from 1 (the API door narrows it, see checkFrameLength). */
  frameLength?: number;
  sink: ByteSink<Result>;
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
}

export interface EncryptMessageResult<Result> {
  result: Result;
  messageId: Bytes;
  suite: AlgorithmSuite;
  encryptionContext: EncryptionContext;
  encryptedDataKeys: EncryptedDataKey[];
  frameLength: number;
  frameCount: number;
  plaintextLength: number;
  ciphertextLength: number;
}

function checkContext(encryptionContext: EncryptionContext): void {
  for (const key of Object.keys(encryptionContext)) {
    if (key.startsWith(RESERVED_CONTEXT_PREFIX)) {
      throw new KmsError(
        'ValidationException',
        `Encryption context key '${key}' is reserved: keys beginning with '${RESERVED_CONTEXT_PREFIX}' belong to the AWS Encryption SDK.`,
      );
    }
  }
  let size: number;
  try {
    size = serializeEncryptionContext(encryptionContext).length;
  } catch {
    size = Infinity;
  }
  if (size > MAX_CONTEXT_BYTES) {
    throw validationError(
      'encryptionContext',
      undefined,
      `Member must serialize to at most ${MAX_CONTEXT_BYTES} bytes`,
    );
  }
}

interface SealedFrame {
  sequenceNumber: number;
  plaintextLength: number;
  frameHeader: Bytes;
  sealed: Bytes;
}

/**
 * Writes the whole message to `options.sink` and closes it. Rejects with a ValidationException
 * for a reserved or oversized context or a frame length outside 1 … 2³² − 1, with the keyring's
 * KmsError if a master key cannot be used, with the signal's reason when cancelled — the sink
 * aborted in every case.
 */
export async function encryptMessage<Result>(
  options: EncryptMessageOptions<Result>,
): Promise<EncryptMessageResult<Result>> {
  const { input, keyring, signal } = options;
  // Frame headers and frames reach the sink in chunks (gathering-sink.ts), copied: each sealed
  // frame is let go of once written (releaseResult).
  const sink = new GatheringSink(options.sink);
  const encryptionContext = { ...(options.encryptionContext ?? {}) };
  const frameLength = options.frameLength ?? DEFAULT_FRAME_LENGTH;
  const suite = COMMIT_KEY_SUITE;
  const progress = new ProgressReporter(options.onProgress, input.size);
  let pipeline: FramePipeline<SealedFrame> | undefined;
  let reader: BlobReader | undefined;
  let cipher: FrameCipher | undefined;
  try {
    checkContext(encryptionContext);
    if (!Number.isInteger(frameLength) || frameLength < 1 || frameLength > MAX_U32) {
      throw validationError(
        'frameLength',
        frameLength,
        `Member must be an integer from 1 to ${MAX_U32}`,
      );
    }
    const plaintextLength = input.size;
    // Every frame but the last is full; the last holds the rest, and is full on an exact multiple.
    const frameCount = Math.max(1, Math.ceil(plaintextLength / frameLength));
    if (frameCount > MAX_FRAME_COUNT) {
      throw validationError(
        'frameLength',
        frameLength,
        'Member must be large enough that the input fits in 4294967294 frames',
      );
    }
    signal?.throwIfAborted();
    progress.report(0, true);

    // Data key, wrapped for every master key (or made by the keyring with its entries), then
    // forgotten: only the derived keys are used.
    const generated = await keyring.generate?.(encryptionContext);
    const dataKey = generated?.dataKey ?? randomBytes(DATA_KEY_LENGTH);
    const messageId = randomBytes(MESSAGE_ID_LENGTH);
    let encryptedDataKeys: EncryptedDataKey[];
    let keys: Awaited<ReturnType<typeof deriveMessageKeys>>;
    try {
      encryptedDataKeys =
        generated?.encryptedDataKeys ?? (await keyring.wrap(dataKey, encryptionContext));
      if (encryptedDataKeys.length === 0)
        throw new Error('keyring returned no encrypted data keys');
      keys = await deriveMessageKeys(dataKey, suite, messageId);
    } finally {
      dataKey.fill(0);
    }

    const headerBody = encodeHeaderBody({
      suite,
      messageId,
      encryptionContext,
      encryptedDataKeys,
      contentType: CONTENT_TYPE_FRAMED,
      frameLength,
      commitment: keys.commitment,
    });
    const headerTag = await aesGcmEncrypt(
      keys.contentKey,
      new Uint8Array(AES_GCM_IV_LENGTH),
      new Uint8Array(0),
      headerBody,
    );
    await sink.write(headerBody);
    await sink.write(headerTag);
    let ciphertextLength = headerBody.length + headerTag.length;

    // Frames are read in order (BlobReader, into one reused buffer) and sealed a few at a time
    // (FramePipeline) — the next frame is read while earlier ones are sealed and written.
    // The frame cipher (frame-cipher.ts: the frame worker for a large input) takes a frame's
    // bytes when it is called, as AES-GCM does, before the next read reuses them, so sealFrame
    // takes everything it needs from `plaintext` before its first await.
    // The reader ends where the input does, so a frame never asks for more than it holds (a file
    // that shrinks while read is refused by the reader itself).
    reader = new BlobReader(input);
    const frames = (cipher = await frameCipher(keys.contentKey, plaintextLength, frameLength));
    const readFrame = async (): Promise<Bytes> =>
      (await reader!.read(Math.min(frameLength, reader!.remaining)))!;
    const sealFrame = async (sequenceNumber: number, plaintext: Bytes): Promise<SealedFrame> => {
      const final = sequenceNumber === frameCount;
      const plaintextLength = plaintext.length;
      const aad = bodyAad(messageId, final ? 'final' : 'regular', sequenceNumber, plaintextLength);
      const sealed = await frames.seal(frameIv(sequenceNumber), plaintext, aad);
      const frameHeader = final
        ? finalFrameHeader(sequenceNumber, plaintextLength)
        : regularFrameHeader(sequenceNumber);
      return { sequenceNumber, plaintextLength, frameHeader, sealed };
    };
    pipeline = new FramePipeline<SealedFrame>(async (frame) => {
      signal?.throwIfAborted();
      await sink.write(frame.frameHeader);
      await sink.write(frame.sealed);
      ciphertextLength += frame.frameHeader.length + frame.sealed.length;
      releaseResult(frame.sealed);
      const final = frame.sequenceNumber === frameCount;
      progress.report((frame.sequenceNumber - 1) * frameLength + frame.plaintextLength, final);
    });
    for (let sequenceNumber = 1; sequenceNumber <= frameCount; sequenceNumber++) {
      signal?.throwIfAborted();
      await pipeline.push(sealFrame(sequenceNumber, await readFrame()));
    }
    await pipeline.drain();
    signal?.throwIfAborted();
    const result = await sink.close();
    return {
      result,
      messageId,
      suite,
      encryptionContext,
      encryptedDataKeys,
      frameLength,
      frameCount,
      plaintextLength,
      ciphertextLength,
    };
  } catch (error) {
    await pipeline?.firstFailure().catch(() => undefined);
    await sink.abort();
    throw error;
  } finally {
    cipher?.close();
    await reader?.close();
  }
}
