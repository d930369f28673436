/**
 * The byte layout of docs/FORMAT.md §4 as our encoder writes it and our decoder and inspector
 * read it: header field offsets, the raw-AES provider info, frames (empty input, exact multiple),
 * the API door's frame-length rule, reserved context keys, and inspection without decryption.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { concatBytes } from '../../workers/crypto/bytes.ts';
import { KmsError } from '../../workers/errors.ts';
import { MemorySink } from '../../workers/envelope/byte-sink.ts';
import {
  checkFrameLength,
  DEFAULT_FRAME_LENGTH,
  encryptMessage,
} from '../../workers/envelope/encrypt-message.ts';
import { inspectMessage } from '../../workers/envelope/inspect-message.ts';
import { bodyAad, frameIv } from '../../workers/envelope/message-body.ts';
import {
  decodeHeader,
  encodeHeaderBody,
  type DecodedHeader,
} from '../../workers/envelope/message-header.ts';
import { encodeProviderInfo, parseRawAesEntry } from '../../workers/envelope/raw-aes-keyring.ts';
import { COMMIT_KEY_SUITE } from '../../workers/envelope/algorithm-suites.ts';
import {
  IDENTITY,
  ourDecrypt,
  ourEncrypt,
  ourKeyring,
  pseudoRandomBytes,
  sdkEncrypt,
  SUITE_0578,
} from './envelope-fixtures.ts';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

function decoded(message: Uint8Array): DecodedHeader {
  const result = decodeHeader(message);
  if ('needed' in result) throw new Error(`header needs ${result.needed} bytes`);
  return result;
}

describe('header (§4.2)', () => {
  test('field offsets follow the table: 0, 1, 3, 35, 37, 37+A, 39+A, 39+A+E, 40+A+E, 44+A+E, tag at 76+A+E', async () => {
    const context = { b: '2', a: '1' };
    const message = await ourEncrypt(new Uint8Array(5), {
      frameLength: 4096,
      encryptionContext: context,
    });
    const { fields, header, length, body } = decoded(message);
    const at = (name: string) => fields.find((field) => field.name === name)!;
    const A = 2 + (2 + 1 + 2 + 1) * 2; // count + two entries
    const E = 2 + 10 + 2 + (IDENTITY.keyName.length + 20) + 2 + 48;
    expect([
      at('Version').offset,
      at('Algorithm Suite ID').offset,
      at('Message ID').offset,
      at('AAD Length').offset,
    ]).toEqual([0, 1, 3, 35]);
    expect(at('AAD Length').value).toBe(String(A));
    expect(at('Key Value Pair Count').offset).toBe(37);
    // Sorted by UTF-8 key bytes: 'a' first.
    expect(at('Key 1').value).toBe('a');
    expect(at('Encrypted Data Key Count').offset).toBe(37 + A);
    expect(at('EDK 1 Key Provider ID Length').offset).toBe(39 + A);
    expect(at('EDK 1 Key Provider ID').value).toBe('pocket-kms');
    expect(at('Content Type').offset).toBe(39 + A + E);
    expect(at('Frame Length').offset).toBe(40 + A + E);
    expect(at('Algorithm Suite Data').offset).toBe(44 + A + E);
    expect(at('Authentication Tag').offset).toBe(76 + A + E);
    expect(body.length).toBe(76 + A + E);
    expect(length).toBe(92 + A + E);
    expect(hex(message.subarray(0, 3))).toBe('020478');
    expect(header.contentType).toBe(2);
    expect(header.frameLength).toBe(4096);
    expect(header.encryptionContext).toEqual(context);
    // Fields tile the header exactly.
    let offset = 0;
    for (const field of fields) {
      expect(field.offset, field.name).toBe(offset);
      offset += field.length;
    }
    expect(offset).toBe(length);
  });

  test('an empty encryption context is an AAD length of 0 and nothing else', async () => {
    const message = await ourEncrypt(new Uint8Array(0), { frameLength: 4096 });
    expect(hex(message.subarray(35, 39))).toBe('00000001');
  });

  test('the header round-trips through encodeHeaderBody and decodeHeader', async () => {
    const message = await ourEncrypt(new Uint8Array(3), {
      frameLength: 65536,
      encryptionContext: { ключ: 'значение' },
    });
    const first = decoded(message);
    expect(hex(encodeHeaderBody(first.header))).toBe(hex(first.body));
  });

  test('a short read asks for more bytes; each prefix of a header is incomplete, never an error', async () => {
    const message = await ourEncrypt(new Uint8Array(3), { frameLength: 4096 });
    const { length } = decoded(message);
    for (let n = 0; n < length; n++) {
      const result = decodeHeader(message.subarray(0, n));
      expect('needed' in result && result.needed > n, `prefix ${n}`).toBe(true);
    }
  });

  const malformed: [string, (body: Uint8Array) => Uint8Array, RegExp][] = [
    [
      'another suite id',
      (m) => patch(m, 1, [0x03, 0x78]),
      /header: algorithm suite 0x0378 \(ALG_AES256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384\) is a non-committing format-1 suite/,
    ],
    [
      'an unknown suite id',
      (m) => patch(m, 1, [0x12, 0x34]),
      /header: algorithm suite 0x1234 is not defined for message format 2/,
    ],
    [
      'encrypted data key count 0',
      (m) => patch(m, 35 + 2 + 0, [0, 0]),
      /header: the encrypted data key count is 0 \(at byte 37\)/,
    ],
    ['version 3', (m) => patch(m, 0, [0x03]), /version byte 0x03 is not 0x02/],
  ];
  test.each(malformed)('a header with %s is refused', async (_, change, reason) => {
    const message = await ourEncrypt(new Uint8Array(3), { frameLength: 4096 });
    expect(() => decodeHeader(change(message))).toThrow(reason);
    try {
      decodeHeader(change(message));
    } catch (error) {
      expect((error as KmsError).name).toBe('InvalidCiphertextException');
    }
  });

  test('duplicate and empty context keys, a zero pair count, content type and frame length rules', () => {
    const base = {
      suite: COMMIT_KEY_SUITE,
      messageId: new Uint8Array(32),
      encryptionContext: { k: 'v' },
      encryptedDataKeys: [
        { providerId: 'p', providerInfo: new Uint8Array(1), ciphertext: new Uint8Array(1) },
      ],
      contentType: 2 as const,
      frameLength: 16,
      commitment: new Uint8Array(32),
    };
    const withTag = (body: Uint8Array) => concatBytes([body, new Uint8Array(16)]);
    const good = encodeHeaderBody(base);
    expect('needed' in decodeHeader(withTag(good))).toBe(false);
    // Context "k" → "v" at 37: count(2) ‖ 00 01 'k' ‖ 00 01 'v'; make the pair count 2 with a copy.
    const duplicate = concatBytes([
      good.subarray(0, 35),
      Uint8Array.from([0, 14, 0, 2, 0, 1, 107, 0, 1, 118, 0, 1, 107, 0, 1, 118]),
      good.subarray(45),
    ]);
    expect(() => decodeHeader(withTag(duplicate))).toThrow(
      /encryption context key 'k' appears twice/,
    );
    const empty = concatBytes([
      good.subarray(0, 35),
      Uint8Array.from([0, 6, 0, 1, 0, 0, 0, 0]),
      good.subarray(45),
    ]);
    expect(() => decodeHeader(withTag(empty))).toThrow(/key 1 of the encryption context is empty/);
    const zeroCount = concatBytes([
      good.subarray(0, 35),
      Uint8Array.from([0, 2, 0, 0]),
      good.subarray(45),
    ]);
    expect(() => decodeHeader(withTag(zeroCount))).toThrow(/key-value pair count is 0/);
    const contentTypeAt = good.length - 37;
    expect(() => decodeHeader(withTag(patch(good, contentTypeAt, [3])))).toThrow(
      /content type 0x3/,
    );
    expect(() => decodeHeader(withTag(patch(good, contentTypeAt + 1, [0, 0, 0, 0])))).toThrow(
      /frame length 0 for framed content/,
    );
    expect(() => decodeHeader(withTag(patch(good, contentTypeAt, [1])))).toThrow(
      /frame length 16 for non-framed content/,
    );
  });
});

function patch(bytes: Uint8Array, offset: number, values: number[]): Uint8Array<ArrayBuffer> {
  const copy = new Uint8Array(bytes);
  copy.set(values, offset);
  return copy;
}

describe('encrypted data keys (§4.8)', () => {
  test('provider info is key name ‖ 00000080 ‖ 0000000c ‖ IV, the ciphertext 48 bytes', async () => {
    const message = await ourEncrypt(new Uint8Array(1), { frameLength: 4096 });
    const [edk] = decoded(message).header.encryptedDataKeys;
    const name = Buffer.from(IDENTITY.keyName).toString('hex');
    expect(edk!.providerId).toBe('pocket-kms');
    expect(hex(edk!.providerInfo).startsWith(`${name}000000800000000c`)).toBe(true);
    expect(edk!.providerInfo.length).toBe(IDENTITY.keyName.length + 20);
    expect(edk!.ciphertext.length).toBe(48);
    expect(parseRawAesEntry(edk!)?.keyName).toBe(IDENTITY.keyName);
  });

  test('an entry that is not in the raw-AES layout is not parsed as one', () => {
    const info = encodeProviderInfo('name', new Uint8Array(12));
    expect(
      parseRawAesEntry({ providerId: 'x', providerInfo: info, ciphertext: new Uint8Array(48) })
        ?.keyName,
    ).toBe('name');
    expect(
      parseRawAesEntry({
        providerId: 'x',
        providerInfo: patch(info, 4 + 3, [0x60]),
        ciphertext: new Uint8Array(48),
      }),
    ).toBeNull();
    expect(
      parseRawAesEntry({ providerId: 'x', providerInfo: info, ciphertext: new Uint8Array(47) }),
    ).toBeNull();
  });
});

describe('body (§4.5)', () => {
  test('frame IVs and the body AAD', () => {
    expect(hex(frameIv(1))).toBe('000000000000000000000001');
    expect(hex(frameIv(0x01020304))).toBe('000000000000000001020304');
    const aad = bodyAad(new Uint8Array(32).fill(0xaa), 'final', 3, 2 ** 32 + 5);
    expect(hex(aad)).toBe(
      'aa'.repeat(32) +
        Buffer.from('AWSKMSEncryptionClient Final Frame').toString('hex') +
        '00000003' +
        '0000000100000005',
    );
  });

  test('an empty input is the header and one empty final frame with sequence number 1', async () => {
    const message = await ourEncrypt(new Uint8Array(0), { frameLength: 4096 });
    const { length } = decoded(message);
    expect(message.length).toBe(length + 40);
    expect(hex(message.subarray(length, length + 24))).toBe(
      'ffffffff' + '00000001' + '000000000000000000000001' + '00000000',
    );
  });

  test('an exact multiple of the frame length ends in a full final frame (not an empty one)', async () => {
    const message = await ourEncrypt(pseudoRandomBytes(32), { frameLength: 16 });
    const { length } = decoded(message);
    expect(message.length).toBe(length + (16 + 32) + (16 + 40));
    const final = message.subarray(length + 48);
    expect(hex(final.subarray(0, 8))).toBe('ffffffff00000002');
    expect(hex(final.subarray(20, 24))).toBe('00000010');
    expect((await ourDecrypt(message)).plaintext).toEqual(pseudoRandomBytes(32));
  });

  test('encrypt reports progress from 0 to the total and writes one frame per read', async () => {
    const calls: [number, number][] = [];
    const input = new Blob([pseudoRandomBytes(100_000)]);
    const { frameCount, plaintextLength, ciphertextLength, result } = await encryptMessage({
      input,
      keyring: await ourKeyring(),
      sink: new MemorySink(),
      frameLength: 4096,
      onProgress: (done, total) => calls.push([done, total]),
    });
    expect(frameCount).toBe(25);
    expect(plaintextLength).toBe(100_000);
    expect(ciphertextLength).toBe(result.length);
    expect(calls[0]).toEqual([0, 100_000]);
    expect(calls.at(-1)).toEqual([100_000, 100_000]);
  });
});

describe('the API door (§4.9)', () => {
  test('FrameLength: default 32 KiB; 4 KiB … 4 MiB accepted; anything else a ValidationException naming frameLength', () => {
    expect(checkFrameLength('frameLength', undefined)).toBe(32768);
    expect(DEFAULT_FRAME_LENGTH).toBe(32768);
    expect(checkFrameLength('frameLength', 4096)).toBe(4096);
    expect(checkFrameLength('frameLength', 4194304)).toBe(4194304);
    for (const bad of [4095, 4194305, 0, -1, 1.5, '65536']) {
      let caught: unknown;
      try {
        checkFrameLength('frameLength', bad);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(KmsError);
      expect((caught as KmsError).name).toBe('ValidationException');
      expect((caught as KmsError).message).toMatch(/at 'frameLength'/);
    }
  });

  test('the default frame length is written when none is given', async () => {
    const message = await ourEncrypt(new Uint8Array(1));
    expect(decoded(message).header.frameLength).toBe(32768);
  });

  test('context keys beginning with aws-crypto- are reserved', async () => {
    const sink = new MemorySink();
    await expect(
      encryptMessage({
        input: new Blob([]),
        keyring: await ourKeyring(),
        sink,
        encryptionContext: { 'aws-crypto-public-key': 'x' },
      }),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringMatching(/reserved/),
    });
    expect(sink.state).toBe('aborted');
  });
});

describe('inspection (no key, no decryption)', () => {
  test('our message: header fields, the entry names, frames and sizes', async () => {
    const plaintext = pseudoRandomBytes(10_000);
    const message = await ourEncrypt(plaintext, {
      frameLength: 4096,
      encryptionContext: { purpose: 'inspect' },
    });
    const inspected = await inspectMessage(new Blob([message]));
    expect(inspected.suiteId).toBe('0x0478');
    expect(inspected.signed).toBe(false);
    expect(inspected.encryptionContext).toEqual({ purpose: 'inspect' });
    expect(inspected.encryptedDataKeys).toEqual([
      {
        index: 1,
        providerId: 'pocket-kms',
        keyName: IDENTITY.keyName,
        providerInfoLength: IDENTITY.keyName.length + 20,
        ciphertextLength: 48,
      },
    ]);
    expect(inspected.body).toMatchObject({
      contentType: 'framed',
      frameLength: 4096,
      offset: inspected.headerLength,
      frameCount: 3,
      regularFrameSize: 4128,
      finalFrameContentLength: 10_000 - 8192,
      plaintextLength: 10_000,
    });
    expect(inspected.body.problem).toBeUndefined();
    const finalTag = inspected.fields.find(
      (field) => field.name === 'Final Frame Authentication Tag',
    )!;
    expect(finalTag.offset + finalTag.length).toBe(message.length);
    expect(inspected.fields.find((field) => field.name === 'Frame 1 IV')!.value).toBe(
      '000000000000000000000001',
    );
  });

  test('an SDK-made signed message: the footer is found', async () => {
    const message = await sdkEncrypt(pseudoRandomBytes(5000), {
      suiteId: SUITE_0578,
      frameLength: 1024,
    });
    const inspected = await inspectMessage(new Blob([message]));
    expect(inspected.signed).toBe(true);
    expect(inspected.body.frameCount).toBe(5);
    expect(inspected.body.plaintextLength).toBe(5000);
    expect(inspected.body.footerOffset! + 2 + inspected.body.signatureLength!).toBe(message.length);
    expect(inspected.fields.at(-1)!.name).toBe('Signature');
  });

  test('a truncated or extended message is reported, not thrown', async () => {
    const message = await ourEncrypt(pseudoRandomBytes(10_000), { frameLength: 4096 });
    expect(
      (await inspectMessage(new Blob([message.subarray(0, message.length - 1)]))).body.problem,
    ).toMatch(/truncated/);
    expect((await inspectMessage(new Blob([message, new Uint8Array(3)]))).body.problem).toMatch(
      /appended/,
    );
  });

  test('a non-framed message from the C ESDK (commitment vector 28)', async () => {
    const vectors = JSON.parse(
      readFileSync(
        new URL(
          '../vectors/esdk-commitment/message-format-v2-commitment-vectors.json',
          import.meta.url,
        ),
        'utf8',
      ),
    ) as { tests: { comment: string; ciphertext: string }[] };
    const vector = vectors.tests.find((test) => test.comment.startsWith('28.'))!;
    const message = new Uint8Array(Buffer.from(vector.ciphertext, 'base64'));
    const inspected = await inspectMessage(new Blob([message]));
    expect(inspected.body.contentType).toBe('non-framed');
    expect(inspected.body.plaintextLength).toBe(64);
    expect(inspected.encryptedDataKeys[0]!.providerId).toBe('aws-kms');
  });
});
