/**
 * Decryption refuses every changed, cut, reordered, spliced or extended message, names the part
 * that failed, and releases nothing: the in-memory sink ends aborted and empty
 * (docs/FORMAT.md §4.5, §4.7, §4.10).
 *
 * The small messages use 16-byte frames so a few hundred bytes exercise header, regular frames
 * and final frame: the envelope accepts any frame length; only the API door narrows it.
 */
import { AlgorithmSuiteIdentifier, buildClient, CommitmentPolicy } from '@aws-crypto/client-node';
import { beforeAll, describe, expect, test } from 'vitest';
import { importAesGcmKey, type Bytes } from '../../workers/crypto/aes-gcm.ts';
import { concatBytes } from '../../workers/crypto/bytes.ts';
import { KmsError } from '../../workers/errors.ts';
import type { ByteSink } from '../../workers/envelope/byte-sink.ts';
import { decryptMessage } from '../../workers/envelope/decrypt-message.ts';
import { decodeHeader, type DecodedHeader } from '../../workers/envelope/message-header.ts';
import { RawAesKeyring } from '../../workers/envelope/raw-aes-keyring.ts';
import {
  expectRefused,
  IDENTITY,
  inBatches,
  ourDecrypt,
  ourEncrypt,
  ourKeyring,
  pseudoRandomBytes,
  sdkEncrypt,
  sdkKeyring,
  splitFrames,
  SUITE_0578,
  WRAPPING_KEY,
} from './envelope-fixtures.ts';

const FRAME = 16;
const PLAINTEXT = pseudoRandomBytes(40, 42); // frames of 16, 16 and a final 8
const CONTEXT = { purpose: 'tamper test' };
const SLOW = { timeout: 120_000 };

let message: Uint8Array;
let header: DecodedHeader;

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const copy = new Uint8Array(bytes);
  copy[bit >>> 3]! ^= 1 << (bit & 7);
  return copy;
}

/** Byte range of the encrypted data key entries in the header: where a flip can rename the key. */
function edkRange(decoded: DecodedHeader): [number, number] {
  const count = decoded.fields.find((field) => field.name === 'Encrypted Data Key Count')!;
  const contentType = decoded.fields.find((field) => field.name === 'Content Type')!;
  return [count.offset, contentType.offset];
}

/** Decrypts and returns the error (or null), checking that the sink released nothing. */
async function refusal(bytes: Uint8Array): Promise<KmsError> {
  const sink = new RecordingSink();
  let caught: unknown = null;
  try {
    await decryptMessage({
      input: new Blob([new Uint8Array(bytes)]),
      keyring: await keyring,
      sink,
    });
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(KmsError);
  expect(sink.state).toBe('aborted');
  return caught as KmsError;
}

/** Records every write, so a test can tell what was ever handed to the sink. */
class RecordingSink implements ByteSink<Bytes> {
  state: 'open' | 'closed' | 'aborted' = 'open';
  readonly writes: Bytes[] = [];
  write(bytes: Bytes): void {
    this.writes.push(new Uint8Array(bytes));
  }
  async close(): Promise<Bytes> {
    this.state = 'closed';
    return concatBytes(this.writes);
  }
  async abort(): Promise<void> {
    this.state = 'aborted';
  }
}

let keyring: Promise<RawAesKeyring>;

beforeAll(async () => {
  keyring = ourKeyring();
  message = await ourEncrypt(PLAINTEXT, { frameLength: FRAME, encryptionContext: CONTEXT });
  const decoded = decodeHeader(message);
  if ('needed' in decoded) throw new Error('header incomplete');
  header = decoded;
  // The untouched message decrypts: everything below fails only because of the change made.
  expect((await ourDecrypt(message)).plaintext).toEqual(PLAINTEXT);
});

describe('a small message (three frames)', SLOW, () => {
  test('every truncation length is refused as truncated', async () => {
    await inBatches(message.length, (length) =>
      expectRefused(message.subarray(0, length), /truncated/).then(() => undefined),
    );
  });

  test('every single-bit flip in the header (body and tag) is refused', async () => {
    const [edkStart, edkEnd] = edkRange(header);
    await inBatches(header.length * 8, async (bit) => {
      const error = await refusal(flipBit(message, bit));
      const byte = bit >>> 3;
      // A flip inside the encrypted data keys may rename the key: then the header names a key
      // this keyring does not hold (the keyring contract), which is NotFoundException.
      const allowed =
        byte >= edkStart && byte < edkEnd
          ? ['InvalidCiphertextException', 'NotFoundException']
          : ['InvalidCiphertextException'];
      expect(allowed, `bit ${bit} (byte ${byte}): ${error.name}: ${error.message}`).toContain(
        error.name,
      );
    });
  });

  test('every single-bit flip in the first and the final frame is refused, naming the frame', async () => {
    const { frames } = splitFrames(message, header.length, FRAME, 3);
    const firstStart = header.length;
    const finalStart = message.length - frames[2]!.length;
    for (const [start, length, frame] of [
      [firstStart, frames[0]!.length, 1],
      [finalStart, frames[2]!.length, 3],
    ] as const) {
      await inBatches(length * 8, async (i) => {
        const bit = start * 8 + i;
        const error = await refusal(flipBit(message, bit));
        expect(error.name, `bit ${bit}`).toBe('InvalidCiphertextException');
        expect(error.message, `bit ${bit}`).toMatch(
          new RegExp(`frame ${frame}|truncated|trailing bytes`),
        );
      });
    }
  });

  test('frames swapped: refused at frame 1, out of order', async () => {
    const { header: head, frames } = splitFrames(message, header.length, FRAME, 3);
    await expectRefused(
      concatBytes([head, frames[1]!, frames[0]!, frames[2]!]),
      /frame 1: it carries sequence number 2 where 1 was expected: frames are missing or out of order/,
    );
  });

  test('a frame duplicated: refused at frame 2, duplicated', async () => {
    const { header: head, frames } = splitFrames(message, header.length, FRAME, 3);
    await expectRefused(
      concatBytes([head, frames[0]!, frames[0]!, frames[1]!, frames[2]!]),
      /frame 2: it carries sequence number 1 where 2 was expected: a frame is duplicated or replayed/,
    );
  });

  test('a middle frame dropped: refused at frame 2', async () => {
    const { header: head, frames } = splitFrames(message, header.length, FRAME, 3);
    await expectRefused(
      concatBytes([head, frames[0]!, frames[2]!]),
      /frame 2 \(the final frame\): it carries sequence number 3 where 2 was expected/,
    );
  });

  test('the final frame dropped: refused as truncated', async () => {
    const { header: head, frames } = splitFrames(message, header.length, FRAME, 3);
    await expectRefused(
      concatBytes([head, frames[0]!, frames[1]!]),
      /truncated: the file ends before the final frame/,
    );
  });

  test('a frame spliced in from another message under the same key: refused at that frame', async () => {
    const other = await ourEncrypt(pseudoRandomBytes(40, 43), {
      frameLength: FRAME,
      encryptionContext: CONTEXT,
    });
    const otherHeader = decodeHeader(other) as DecodedHeader;
    expect(otherHeader.length).toBe(header.length);
    const mine = splitFrames(message, header.length, FRAME, 3);
    const theirs = splitFrames(other, otherHeader.length, FRAME, 3);
    await expectRefused(
      concatBytes([mine.header, mine.frames[0]!, theirs.frames[1]!, mine.frames[2]!]),
      /frame 2: its authentication tag does not verify/,
    );
    await expectRefused(
      concatBytes([mine.header, mine.frames[0]!, mine.frames[1]!, theirs.frames[2]!]),
      /frame 3 \(the final frame\): its authentication tag does not verify/,
    );
  });

  test("another message's header on these frames: refused", async () => {
    const other = await ourEncrypt(PLAINTEXT, { frameLength: FRAME, encryptionContext: CONTEXT });
    await expectRefused(
      concatBytes([other.subarray(0, header.length), message.subarray(header.length)]),
      /frame 1: its authentication tag does not verify/,
    );
  });

  test('bytes appended after the final frame: refused as trailing bytes', async () => {
    await expectRefused(
      concatBytes([message, new Uint8Array([0])]),
      /trailing bytes: 1 bytes follow the end of the message/,
    );
    const { frames } = splitFrames(message, header.length, FRAME, 3);
    await expectRefused(concatBytes([message, frames[2]!]), /trailing bytes: 48 bytes/);
  });

  test('an expected encryption context that the file does not contain: refused', async () => {
    await expectRefused(
      message,
      /encryption context: the file's encryption context has no key 'owner'/,
      { expectedEncryptionContext: { owner: 'me' } },
    );
    await expectRefused(message, /encryption context: .* another value for 'purpose'/, {
      expectedEncryptionContext: { purpose: 'other' },
    });
    // Containment, not equality: a subset (and the empty context) is accepted.
    expect((await ourDecrypt(message, { expectedEncryptionContext: CONTEXT })).plaintext).toEqual(
      PLAINTEXT,
    );
  });

  test('a keyring without the key: NotFoundException; the same name with another key: InvalidCiphertextException', async () => {
    const elsewhere = await ourKeyring({ keyNamespace: 'pocket-kms', keyName: 'another-key#v1' });
    await expectRefused(
      message,
      /None of the file's encrypted data keys is for a key this keyring holds \(the file names 'pocket-kms' key '1234abcd-12ab-34cd-56ef-1234567890ab#v1'\)/,
      { keyring: elsewhere, name: 'NotFoundException' },
    );
    const impostor = await ourKeyring(IDENTITY, new Uint8Array(32).fill(9));
    await expectRefused(
      message,
      /The encrypted data key for 'pocket-kms' key '.*#v1' does not unwrap/,
      { keyring: impostor },
    );
  });
});

describe('signed messages (suite 0x0578, made by the SDK)', SLOW, () => {
  let signed: Uint8Array;
  beforeAll(async () => {
    signed = await sdkEncrypt(PLAINTEXT, {
      suiteId: SUITE_0578,
      frameLength: FRAME,
      encryptionContext: CONTEXT,
    });
  });

  test('truncation anywhere (every length from the final frame on, every 7th before) is refused', async () => {
    const decoded = decodeHeader(signed) as DecodedHeader;
    const finalStart = decoded.length + 2 * (FRAME + 32);
    const lengths = Array.from({ length: signed.length }, (_, i) => i).filter(
      (length) => length >= finalStart || length % 7 === 0,
    );
    await inBatches(lengths.length, (i) =>
      expectRefused(signed.subarray(0, lengths[i]), /truncated/).then(() => undefined),
    );
  });

  test('a bit flipped in the footer (length field, signature start, middle, end) is refused, and the final frame is never released', async () => {
    const decoded = decodeHeader(signed) as DecodedHeader;
    const body = splitFrames(signed, decoded.length, FRAME, 3);
    const footerStart = signed.length - body.rest.length;
    const finalPlaintext = PLAINTEXT.subarray(32);
    // ECDSA P-384 verification runs in @noble/curves (~ms each): a sample of bytes, not all.
    const bytes = [0, 1, 2, 3, 4, 5, 40, 60, body.rest.length - 2, body.rest.length - 1].map(
      (i) => footerStart + i,
    );
    await inBatches(
      bytes.length,
      async (i) => {
        const byte = bytes[i]!;
        const sink = new RecordingSink();
        await expect(
          decryptMessage({
            input: new Blob([new Uint8Array(flipBit(signed, byte * 8 + (byte % 8)))]),
            keyring: await keyring,
            sink,
          }),
        ).rejects.toMatchObject({
          name: 'InvalidCiphertextException',
          message: expect.stringMatching(/signature|truncated|trailing bytes/),
        });
        expect(sink.state).toBe('aborted');
        // Regular frames may have been written (they authenticated); the final frame never was.
        expect(sink.writes.some((write) => Buffer.compare(write, finalPlaintext) === 0)).toBe(
          false,
        );
      },
      8,
    );
  });

  test('bytes appended after the footer: refused as trailing bytes', async () => {
    await expectRefused(
      concatBytes([signed, new Uint8Array([1, 2, 3])]),
      /trailing bytes: 3 bytes/,
    );
  });
});

describe('message format 1', () => {
  test('a non-committing v1 message is refused, saying why', async () => {
    const forgiving = buildClient(CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT);
    const { result } = await forgiving.encrypt(sdkKeyring(), PLAINTEXT, {
      suiteId: AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA256,
    });
    expect(result[0]).toBe(0x01);
    const error = await expectRefused(
      new Uint8Array(result),
      /format version 1 with algorithm suite 0x0178 \(ALG_AES256_GCM_IV12_TAG16_HKDF_SHA256\), which has no key commitment/,
      {
        name: 'UnsupportedOperationException',
      },
    );
    expect(error.message).toMatch(/two different plaintexts under two different data keys/);
  });

  test('a base64-encoded message is recognised', async () => {
    const base64 = new TextEncoder().encode(Buffer.from(message).toString('base64'));
    await expectRefused(base64, /base64-encoded/);
  });
});

describe('cancel and progress', () => {
  test('an aborted signal stops decryption and aborts the sink', async () => {
    const controller = new AbortController();
    const sink = new RecordingSink();
    const run = decryptMessage({
      input: new Blob([new Uint8Array(message)]),
      keyring: await keyring,
      sink,
      signal: controller.signal,
      onProgress: () => controller.abort(),
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(sink.state).toBe('aborted');
  });

  test('progress starts at 0 and ends at the total', async () => {
    const calls: [number, number][] = [];
    await decryptMessage({
      input: new Blob([new Uint8Array(message)]),
      keyring: await keyring,
      sink: new RecordingSink(),
      onProgress: (done, total) => calls.push([done, total]),
    });
    expect(calls[0]).toEqual([0, message.length]);
    expect(calls.at(-1)).toEqual([message.length, message.length]);
  });
});

describe('several master keys', () => {
  test('one entry per key; either key alone decrypts', async () => {
    const second = { keyNamespace: 'my-raw-keys', keyName: 'laptop-2025' };
    const secondKey = pseudoRandomBytes(32, 77);
    const both = new RawAesKeyring([
      { identity: IDENTITY, wrappingKey: await importAesGcmKey(new Uint8Array(WRAPPING_KEY)) },
      { identity: second, wrappingKey: await importAesGcmKey(new Uint8Array(secondKey)) },
    ]);
    const twoKeys = await ourEncrypt(PLAINTEXT, { frameLength: FRAME, keyring: both });
    const decoded = decodeHeader(twoKeys) as DecodedHeader;
    expect(decoded.header.encryptedDataKeys.map((edk) => edk.providerId)).toEqual([
      'pocket-kms',
      'my-raw-keys',
    ]);
    expect((await ourDecrypt(twoKeys)).plaintext).toEqual(PLAINTEXT);
    const onlySecond = await ourKeyring(second, secondKey);
    const opened = await ourDecrypt(twoKeys, { keyring: onlySecond });
    expect(opened.plaintext).toEqual(PLAINTEXT);
    expect(opened.encryptedDataKey.providerId).toBe('my-raw-keys');
  });
});
