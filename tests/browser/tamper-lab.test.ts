/**
 * Lesson 2, the tamper lab (issue 13 §2.2): each change to a real message made by the sandbox's
 * encryptFile is refused by the sandbox's decryptFile, and the lab names the check the core's
 * refusal says refused it — key commitment, header authentication, the encrypted data key, a
 * frame's tag, the order of frames, the final frame, truncation, the encryption context — with
 * the byte that decided, and the section of docs/FORMAT.md that specifies the check. The
 * untouched message decrypts, so every refusal is the change's doing.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import formatDocument from '../../docs/FORMAT.md?raw';
import type { InspectCiphertextResponse } from '../../workers/api.ts';
import { KmsError } from '../../workers/errors.ts';
import { Kms } from '../../workers/kms/kms.ts';
import {
  blobCheck,
  blobFields,
  changeHeaderField,
  dropFrame,
  duplicateFrame,
  flipBit,
  formatSection,
  frameSpans,
  otherContext,
  refusingCheck,
  swapFrames,
  truncate,
  type Tampered,
} from '../../src/features/learn/tamper-lab.ts';
import { ManualClock } from './support/manual-clock.ts';

const CONTEXT = { purpose: 'tamper-lab' };
let kms: Kms;
let message: Uint8Array<ArrayBuffer>;
let inspected: InspectCiphertextResponse;

beforeAll(async () => {
  const vaultName = `tamper-${crypto.randomUUID()}`;
  kms = await Kms.open({ vaultName, clock: new ManualClock(), sandbox: true });
  const { KeyMetadata } = await kms.createKey({ Description: 'tamper lab' });
  // 150,000 bytes in 64 KiB frames: two regular frames and a final one.
  const input = new File([new Uint8Array(150_000).fill(0x61)], 'sample.txt');
  const { Output } = await kms.encryptFile({
    Input: input,
    KeyIds: [KeyMetadata.KeyId],
    EncryptionContext: CONTEXT,
    FrameLength: 65_536,
  });
  message = new Uint8Array(await Output.arrayBuffer());
  inspected = await kms.inspectCiphertext({ Input: new Blob([message]) });
  return async () => {
    kms.close();
    indexedDB.deleteDatabase(vaultName);
  };
});

/** What the sandbox's decryptFile answers for the tampered message. */
async function refusal(tampered: Tampered): Promise<KmsError> {
  const outcome = await kms
    .decryptFile({
      Input: new File([tampered.bytes], 'tampered.encrypted'),
      ...(tampered.expectedContext && { EncryptionContext: tampered.expectedContext }),
    })
    .then(
      () => undefined,
      (error: unknown) => error,
    );
  expect(outcome, `${tampered.description}: was decrypted`).toBeInstanceOf(KmsError);
  expect((outcome as KmsError).name).toBe('InvalidCiphertextException');
  return outcome as KmsError;
}

const field = (name: string) => inspected.Fields.find((candidate) => candidate.Name === name)!;

describe('the tamper lab', () => {
  it('starts from a message that decrypts, with three frames', async () => {
    expect(frameSpans(inspected).map((span) => span.sequenceNumber)).toEqual([1, 2, 3]);
    const { Output } = await kms.decryptFile({ Input: new File([message], 'sample.encrypted') });
    expect(Output.size).toBe(150_000);
  });

  it.each([
    [
      'a bit of the message id',
      () => flipBit(message, field('Message ID').Offset + 5, 3),
      'Key commitment',
      '4.3',
    ],
    [
      'a bit of the commitment',
      () => flipBit(message, field('Algorithm Suite Data').Offset),
      'Key commitment',
      '4.3',
    ],
    [
      'the frame length field',
      () => changeHeaderField(message, inspected, 'Frame Length'),
      'Header authentication',
      '4.4',
    ],
    [
      'the header tag',
      () => flipBit(message, field('Authentication Tag').Offset + 15, 7),
      'Header authentication',
      '4.4',
    ],
    [
      'a byte of the encrypted data key',
      () => flipBit(message, field('EDK 1 Encrypted Data Key').Offset + 1),
      'The encrypted data key’s tag (it is bound to the encryption context)',
      '4.8',
    ],
    [
      'the version byte',
      () => changeHeaderField(message, inspected, 'Version'),
      'The header’s layout (it no longer decodes)',
      '4.2',
    ],
    [
      'a bit inside frame 2',
      () => flipBit(message, frameSpans(inspected)[1]!.offset + 100),
      'A frame’s tag (frame 2)',
      '4.5',
    ],
    [
      'the final frame’s tag',
      () => flipBit(message, message.length - 1),
      'The final frame’s tag',
      '4.5',
    ],
    [
      'frames swapped',
      () => swapFrames(message, frameSpans(inspected)),
      'The order of frames (frame 1’s sequence number)',
      '4.5',
    ],
    [
      'a frame dropped',
      () => dropFrame(message, frameSpans(inspected)),
      'The final frame’s place (sequence numbers)',
      '4.5',
    ],
    [
      'a frame duplicated',
      () => duplicateFrame(message, frameSpans(inspected)),
      'The order of frames (frame 2’s sequence number)',
      '4.5',
    ],
    [
      'truncated inside frame 1',
      () => truncate(message, frameSpans(inspected)[0]!.offset + 50),
      'The message ends too soon (truncation)',
      '4.10',
    ],
    [
      'truncated before the final frame',
      () => truncate(message, frameSpans(inspected)[2]!.offset),
      'The message ends too soon (truncation)',
      '4.10',
    ],
    [
      'another encryption context',
      () => otherContext(message, CONTEXT),
      'The expected encryption context',
      '4.2',
    ],
  ] as const)('%s: refused by %s', async (_what, tamper, check, section) => {
    const tampered = tamper();
    const error = await refusal(tampered);
    expect(refusingCheck(error), error.message).toEqual({ name: check, section: section });
    expect(formatSection(formatDocument, section)).toMatch(
      new RegExp(`^#{2,3} ${section.replace('.', '\\.')}[. ]`),
    );
  });

  it('names the byte that decided: the flipped one, the cut, the first frame out of place', () => {
    const spans = frameSpans(inspected);
    expect(flipBit(message, 77).decidingOffset).toBe(77);
    expect(truncate(message, 400).decidingOffset).toBe(400);
    expect(swapFrames(message, spans).decidingOffset).toBe(spans[0]!.offset);
    expect(dropFrame(message, spans).decidingOffset).toBe(spans[1]!.offset);
    expect(duplicateFrame(message, spans).decidingOffset).toBe(spans[1]!.offset);
    expect(() => flipBit(message, message.length)).toThrow(RangeError);
    expect(() => truncate(message, message.length)).toThrow(RangeError);
  });

  it('shows the section of docs/FORMAT.md, heading to the next heading', () => {
    const section = formatSection(formatDocument, '4.4');
    expect(section.split('\n')[0]).toBe('### 4.4 Header authentication tag');
    expect(section).not.toContain('### 4.5');
    expect(refusingCheck(undefined)).toBeUndefined();
  });
});

describe('the tamper lab on a ciphertext blob', () => {
  it.each([
    [0, 'The format version'],
    [3, 'The key it names (vault id and KeyId)'],
    [10, 'The key it names (vault id and KeyId)'],
    [25, 'The key version it names'],
    [30, 'The blob’s tag (AES-GCM over the header and the context)'],
    [45, 'The blob’s tag (AES-GCM over the header and the context)'],
    [-1, 'The blob’s tag (AES-GCM over the header and the context)'],
  ] as const)('a bit of byte %i: InvalidCiphertextException, refused by %s', async (at, check) => {
    const { KeyMetadata } = await kms.createKey({ Description: 'blob' });
    const { CiphertextBlob } = await kms.encrypt({
      KeyId: KeyMetadata.KeyId,
      Plaintext: new TextEncoder().encode('a short secret'),
      EncryptionContext: CONTEXT,
    });
    expect((await kms.decrypt({ CiphertextBlob, EncryptionContext: CONTEXT })).KeyId).toBe(
      KeyMetadata.Arn,
    );
    const offset = at < 0 ? CiphertextBlob.length + at : at;
    const tampered = flipBit(CiphertextBlob, offset);
    const error = await kms
      .decrypt({ CiphertextBlob: tampered.bytes, EncryptionContext: CONTEXT })
      .then(
        () => undefined,
        (refused: unknown) => refused as KmsError,
      );
    expect(error?.name).toBe('InvalidCiphertextException');
    expect(blobCheck(tampered, CiphertextBlob.length).name).toBe(check);
    const field = blobFields(CiphertextBlob.length).find(
      (candidate) => offset >= candidate.Offset && offset < candidate.Offset + candidate.Length,
    );
    expect(field).toBeDefined();
  });

  it('a changed context and a cut blob fail the tag, a very short blob its length', async () => {
    const { KeyMetadata } = await kms.createKey({ Description: 'blob' });
    const { CiphertextBlob } = await kms.encrypt({
      KeyId: KeyMetadata.KeyId,
      Plaintext: new TextEncoder().encode('a short secret'),
      EncryptionContext: CONTEXT,
    });
    const changed = otherContext(CiphertextBlob, CONTEXT);
    const name = (tampered: Tampered) =>
      kms
        .decrypt({
          CiphertextBlob: tampered.bytes,
          EncryptionContext: tampered.expectedContext ?? CONTEXT,
        })
        .then(
          () => 'decrypted',
          (refused: Error) => refused.name,
        );
    expect(await name(changed)).toBe('InvalidCiphertextException');
    expect(blobCheck(changed, CiphertextBlob.length).name).toContain('tag');
    const cut = truncate(CiphertextBlob, CiphertextBlob.length - 1);
    expect(await name(cut)).toBe('InvalidCiphertextException');
    expect(blobCheck(cut, CiphertextBlob.length).name).toContain('tag');
    const stub = truncate(CiphertextBlob, 20);
    expect(await name(stub)).toBe('InvalidCiphertextException');
    expect(blobCheck(stub, CiphertextBlob.length).name).toBe(
      'The blob’s length (shorter than header and tag)',
    );
  });
});
