/**
 * Lesson 1 (issue 13 §2.1): every byte the lesson shows is the byte of the real message, where
 * inspectCiphertext — the core's inspector, reading the message on its own — says that field lies;
 * the data key GenerateDataKey returned is the one Decrypt gives back and the one the message's
 * commitment binds; each call step carries the audit record the call wrote.
 */
import { describe, expect, it } from 'vitest';
import type { InspectCiphertextResponse } from '../../workers/api.ts';
import { toHex } from '../../workers/encoding.ts';
import {
  LESSON_FRAME_LENGTH,
  lessonFrameLength,
  runEnvelopeLesson,
  type EnvelopeWalkthrough,
  type LessonStep,
} from '../../src/features/learn/envelope-lesson.ts';
import { openSandboxForTest } from './support/vault.ts';

const TEXT = 'Envelope encryption: a data key per message, the KMS key never leaves.';
const CONTEXT = { purpose: 'lesson-1' };

async function lessonRun(): Promise<{
  walkthrough: EnvelopeWalkthrough;
  inspected: InspectCiphertextResponse;
  keyArn: string;
}> {
  const { kms } = await openSandboxForTest();
  const { KeyMetadata } = await kms.createKey({ Description: 'lesson 1' });
  const walkthrough = await runEnvelopeLesson(
    { calls: kms, reads: kms },
    KeyMetadata.KeyId,
    new TextEncoder().encode(TEXT),
    CONTEXT,
  );
  const inspected = await kms.inspectCiphertext({ Input: new Blob([walkthrough.message]) });
  return { walkthrough, inspected, keyArn: KeyMetadata.Arn };
}

function step(walkthrough: EnvelopeWalkthrough, id: string): LessonStep {
  const found = walkthrough.steps.find((candidate) => candidate.id === id);
  if (!found) throw new Error(`no step ${id}`);
  return found;
}

function shown(lessonStep: LessonStep, name: string): Uint8Array {
  const found = lessonStep.bytes.find((bytes) => bytes.name === name);
  if (!found) throw new Error(`step ${lessonStep.id} shows no ${name}`);
  return found.bytes;
}

describe('lesson 1: envelope encryption, step by step', () => {
  it('makes a real message that decrypts to the text, with one frame per 32 bytes and a final frame', async () => {
    const { walkthrough, inspected } = await lessonRun();
    expect(new TextDecoder().decode(walkthrough.decrypted)).toBe(TEXT);
    expect(inspected.Problem).toBeUndefined();
    expect(inspected.Length).toBe(walkthrough.message.length);
    expect(inspected.HeaderLength).toBe(walkthrough.headerLength);
    expect(inspected.AlgorithmSuiteId).toBe('0x0478');
    expect(inspected.FrameLength).toBe(LESSON_FRAME_LENGTH);
    expect(inspected.EncryptionContext).toEqual(CONTEXT);
    const frames = Math.ceil(new TextEncoder().encode(TEXT).length / LESSON_FRAME_LENGTH);
    expect(inspected.FrameCount).toBe(frames);
    expect(walkthrough.steps.map((s) => s.id)).toEqual([
      'generate-data-key',
      'hkdf',
      'header',
      'encrypted-data-key',
      ...Array.from({ length: frames }, (_, i) => `frame-${i + 1}`),
      'decrypt-data-key',
      'decrypt-message',
    ]);
  });

  it('shows every byte where inspectCiphertext says it lies in the message', async () => {
    const { walkthrough, inspected } = await lessonRun();
    const { message } = walkthrough;
    let compared = 0;
    for (const lessonStep of walkthrough.steps) {
      for (const bytes of lessonStep.bytes) {
        if (bytes.offset === undefined) continue;
        // The shown bytes are the message's own at that offset…
        expect(toHex(bytes.bytes), `${lessonStep.id}: ${bytes.name}`).toBe(
          toHex(message.subarray(bytes.offset, bytes.offset + bytes.bytes.length)),
        );
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(10);
    // …and lie where the inspector finds each field.
    const field = (name: string) => {
      const found = inspected.Fields.find((candidate) => candidate.Name === name);
      if (!found) throw new Error(`inspectCiphertext reports no ${name}`);
      return found;
    };
    const expectAt = (lessonStep: LessonStep, shownName: string, fieldName: string) => {
      const bytes = lessonStep.bytes.find((candidate) => candidate.name === shownName)!;
      const at = field(fieldName);
      expect({ offset: bytes.offset, length: bytes.bytes.length }, fieldName).toEqual({
        offset: at.Offset,
        length: at.Length,
      });
    };
    const edk = step(walkthrough, 'encrypted-data-key');
    for (const name of [
      'EDK 1 Key Provider ID',
      'EDK 1 Key Provider Information',
      'EDK 1 Encrypted Data Key',
    ]) {
      expectAt(edk, name, name);
    }
    const first = step(walkthrough, 'frame-1');
    expectAt(first, 'Sequence number', 'Frame 1 Sequence Number');
    expectAt(first, 'IV', 'Frame 1 IV');
    expectAt(first, 'Ciphertext', 'Frame 1 Encrypted Content');
    expectAt(first, 'Authentication tag', 'Frame 1 Authentication Tag');
    const final = walkthrough.steps.filter((s) => s.id.startsWith('frame-')).at(-1)!;
    expect(final.title).toContain('final frame');
    expectAt(final, 'IV', 'Final Frame IV');
    expectAt(final, 'Content length', 'Final Frame Encrypted Content Length');
    expectAt(final, 'Ciphertext', 'Final Frame Encrypted Content');
    expectAt(final, 'Authentication tag', 'Final Frame Authentication Tag');
    expect(field('EDK 1 Key Provider ID').Value).toContain('aws-kms');
  });

  it('the data key: GenerateDataKey gave it, Decrypt gives it back, the header carries its encrypted copy and its commitment', async () => {
    const { walkthrough, inspected, keyArn } = await lessonRun();
    const generate = step(walkthrough, 'generate-data-key');
    const dataKey = shown(generate, 'Plaintext (the data key)');
    expect(dataKey).toHaveLength(32);
    const blob = shown(generate, 'CiphertextBlob (the encrypted data key)');
    expect(toHex(shown(step(walkthrough, 'encrypted-data-key'), 'EDK 1 Encrypted Data Key'))).toBe(
      toHex(blob),
    );
    const decrypt = step(walkthrough, 'decrypt-data-key');
    expect(toHex(shown(decrypt, 'Plaintext (the data key again)'))).toBe(toHex(dataKey));
    expect(toHex(shown(decrypt, 'CiphertextBlob (from the header)'))).toBe(toHex(blob));

    const hkdf = step(walkthrough, 'hkdf');
    expect(toHex(shown(hkdf, 'Salt: the message id'))).toBe(inspected.MessageId);
    const commitment = inspected.Fields.find((f) => f.Name === 'Algorithm Suite Data')!;
    expect(toHex(shown(hkdf, 'Output: the commitment'))).toBe(
      toHex(walkthrough.message.subarray(commitment.Offset, commitment.Offset + commitment.Length)),
    );
    // Each frame's plaintext, opened with the content key the lesson shows, is the text's slice.
    const opened = step(walkthrough, 'decrypt-message')
      .bytes.filter((b) => /^Frame \d+ plaintext$/.test(b.name))
      .map((b) => new TextDecoder().decode(b.bytes))
      .join('');
    expect(opened).toBe(TEXT);

    expect(generate.call?.record).toMatchObject({
      eventName: 'GenerateDataKey',
      requestParameters: { keyId: expect.any(String), keySpec: 'AES_256' },
      resources: [{ ARN: keyArn }],
    });
    expect(generate.call?.record?.errorCode).toBeUndefined();
    expect(decrypt.call?.record).toMatchObject({
      eventName: 'Decrypt',
      resources: [{ ARN: keyArn }],
    });
    expect(generate.call?.cli).toContain('aws kms generate-data-key');
    expect(decrypt.call?.sdk).toContain('DecryptCommand');
  });
});

describe('lessonFrameLength', () => {
  it('keeps a text in 32-byte frames and a file up to 4096 bytes in about eight', () => {
    expect(lessonFrameLength(0)).toBe(32);
    expect(lessonFrameLength(256)).toBe(32);
    expect(lessonFrameLength(257)).toBe(64);
    expect(lessonFrameLength(4096)).toBe(512);
    expect(Math.ceil(4096 / lessonFrameLength(4096))).toBe(8);
  });
});
