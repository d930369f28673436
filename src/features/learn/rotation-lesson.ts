/**
 * Lesson 3, "Rotation" (issue 13 §2.3), on the sandbox vault: encrypt under version 1, rotate,
 * encrypt again and see which version each ciphertext names; the old one still decrypts;
 * re-encrypt moves it to the newest version without the plaintext leaving the vault; then turn
 * automatic rotation on and move the sandbox clock one period ahead to watch it happen.
 */
import { parseBlob } from '../../../workers/formats/ciphertext-blob.ts';
import {
  clockCall,
  sandboxDate,
  type ActionStep,
  type SandboxLessonClients,
} from './action-lesson.ts';
import { lessonCall } from './lesson-calls.ts';

export const ROTATION_PERIOD_DAYS = 90;
const TEXT = 'Rotation keeps old ciphertexts readable.';

/** The key version a ciphertext blob names (FORMAT.md §2), read from its header. */
export function blobVersion(blob: Uint8Array): string {
  const parsed = parseBlob(blob);
  return parsed ? `version ${parsed.keyVersion}` : 'not a Pocket KMS ciphertext';
}

export function rotationLesson({ calls, reads }: SandboxLessonClients): ActionStep[] {
  let keyId = '';
  let first: Uint8Array = new Uint8Array();
  let firstMaterial = '';
  const plaintext = new TextEncoder().encode(TEXT);
  const material = async () =>
    (await calls.describeKey({ KeyId: keyId })).KeyMetadata.CurrentKeyMaterialId ?? '';

  return [
    {
      id: 'encrypt-v1',
      title: 'Encrypt under version 1',
      explanation:
        'A new symmetric key has one version of key material. Every ciphertext it makes names the key and the version that encrypted it, in its header.',
      action: 'Create a key and encrypt',
      async run() {
        const { KeyMetadata } = await calls.createKey({ Description: 'Lesson 3: rotation' });
        keyId = KeyMetadata.KeyId;
        firstMaterial = KeyMetadata.CurrentKeyMaterialId ?? '';
        const request = { KeyId: keyId, Plaintext: plaintext };
        first = (await calls.encrypt(request)).CiphertextBlob;
        return {
          facts: [
            { name: 'Key', value: keyId },
            { name: 'The ciphertext names', value: blobVersion(first) },
            { name: 'Key material of version 1', value: firstMaterial },
          ],
          calls: [await lessonCall(reads, 'encrypt', request)],
        };
      },
    },
    {
      id: 'rotate',
      title: 'Rotate now',
      explanation:
        'RotateKeyOnDemand adds version 2: new key material under the same key id, ARN and aliases. From now on, version 2 encrypts; version 1 is kept to decrypt what it made.',
      action: 'Rotate the key',
      async run() {
        const request = { KeyId: keyId };
        await calls.rotateKeyOnDemand(request);
        const { Rotations } = await calls.listKeyRotations(request);
        return {
          facts: [
            { name: 'Current key material', value: await material() },
            { name: 'Rotations so far', value: String(Rotations.length) },
          ],
          calls: [await lessonCall(reads, 'rotateKeyOnDemand', request)],
        };
      },
    },
    {
      id: 'encrypt-v2',
      title: 'Encrypt again',
      explanation: 'The same call, the same key id: the new ciphertext names version 2.',
      action: 'Encrypt again',
      async run() {
        const request = { KeyId: keyId, Plaintext: plaintext };
        const second = (await calls.encrypt(request)).CiphertextBlob;
        return {
          facts: [
            { name: 'The first ciphertext names', value: blobVersion(first) },
            { name: 'The new ciphertext names', value: blobVersion(second) },
          ],
          calls: [await lessonCall(reads, 'encrypt', request)],
        };
      },
    },
    {
      id: 'decrypt-v1',
      title: 'The old ciphertext still decrypts',
      explanation:
        'Decrypt reads the version from the ciphertext and uses that version’s material. Rotation never makes old data unreadable.',
      action: 'Decrypt the first ciphertext',
      async run() {
        const request = { CiphertextBlob: first };
        const decrypted = await calls.decrypt(request);
        return {
          facts: [
            { name: 'Plaintext', value: new TextDecoder().decode(decrypted.Plaintext) },
            { name: 'Decrypted with key material', value: decrypted.KeyMaterialId ?? '' },
            {
              name: 'That is version 1’s',
              value: decrypted.KeyMaterialId === firstMaterial ? 'yes' : 'no',
            },
          ],
          calls: [await lessonCall(reads, 'decrypt', request)],
        };
      },
    },
    {
      id: 're-encrypt',
      title: 'Re-encrypt to the newest version',
      explanation:
        'ReEncrypt decrypts and encrypts again inside the vault: the plaintext never comes out. The result names the newest version; the old one could now be retired from use.',
      action: 'Re-encrypt the first ciphertext',
      async run() {
        const request = { CiphertextBlob: first, DestinationKeyId: keyId };
        const moved = await calls.reEncrypt(request);
        return {
          facts: [
            { name: 'Before', value: blobVersion(first) },
            { name: 'After', value: blobVersion(moved.CiphertextBlob) },
            {
              name: 'Plaintext in the response',
              value: 'Plaintext' in moved ? 'yes' : 'none — it never left the vault',
            },
          ],
          calls: [await lessonCall(reads, 'reEncrypt', request)],
        };
      },
    },
    {
      id: 'enable-rotation',
      title: 'Turn on automatic rotation',
      explanation: `With automatic rotation on, the vault adds a version by itself every period — here ${ROTATION_PERIOD_DAYS} days, the shortest AWS allows.`,
      action: 'Turn on automatic rotation',
      async run() {
        const request = { KeyId: keyId, RotationPeriodInDays: ROTATION_PERIOD_DAYS };
        await calls.enableKeyRotation(request);
        const status = await calls.getKeyRotationStatus({ KeyId: keyId });
        return {
          facts: [
            { name: 'Rotation enabled', value: String(status.KeyRotationEnabled) },
            {
              name: 'Next rotation',
              value: status.NextRotationDate ? sandboxDate(status.NextRotationDate) : '—',
            },
          ],
          calls: [await lessonCall(reads, 'enableKeyRotation', request)],
        };
      },
    },
    {
      id: 'fast-forward',
      title: `Fast-forward ${ROTATION_PERIOD_DAYS} days`,
      explanation:
        'The Sandbox clock jumps ahead one period. Housekeeping runs at the new time and rotates the key by itself: an AwsServiceEvent RotateKey record, dated in the sandbox’s future.',
      action: `Move the Sandbox clock ${ROTATION_PERIOD_DAYS} days ahead`,
      async run() {
        const request = { Days: ROTATION_PERIOD_DAYS };
        const moved = await calls.advanceClock(request);
        const { Rotations } = await calls.listKeyRotations({ KeyId: keyId });
        const automatic = Rotations.filter((rotation) => rotation.RotationType === 'AUTOMATIC');
        const serviceEvent = await lessonCall(
          reads,
          'listKeyRotations',
          { KeyId: keyId },
          'RotateKey',
        );
        return {
          facts: [
            { name: 'Sandbox time now', value: sandboxDate(moved.Date) },
            { name: 'Events housekeeping wrote', value: String(moved.HousekeepingEvents) },
            {
              name: 'Automatic rotations',
              value: automatic.map((rotation) => sandboxDate(rotation.RotationDate)).join('; '),
            },
          ],
          calls: [
            { ...clockCall(request), ...(serviceEvent.record && { record: serviceEvent.record }) },
          ],
        };
      },
    },
  ];
}
