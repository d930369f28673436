/**
 * Lesson 4, "Deletion and disabling" (issue 13 §2.4), on the sandbox vault: disabling stops a key
 * and can be undone; scheduling deletion stops it too, and once the window has passed — the
 * sandbox clock moved past it — the key, every version and its alias are gone, and what it
 * encrypted can never be decrypted again.
 */
import {
  clockCall,
  outcomeName,
  sandboxDate,
  type ActionStep,
  type SandboxLessonClients,
} from './action-lesson.ts';
import { lessonCall } from './lesson-calls.ts';

/** The shortest window AWS allows, so the lesson's fast-forward is one week. */
export const DELETION_WINDOW_DAYS = 7;

export function deletionLesson({ calls, reads }: SandboxLessonClients): ActionStep[] {
  let keyId = '';
  let aliasName = '';
  let blob: Uint8Array = new Uint8Array();
  const decrypt = () => outcomeName(calls.decrypt({ CiphertextBlob: blob }));

  return [
    {
      id: 'create',
      title: 'A key, an alias and a ciphertext',
      explanation:
        'A key with an alias, and one ciphertext made with it: what the rest of the lesson puts at risk.',
      action: 'Create a key and encrypt',
      async run() {
        const { KeyMetadata } = await calls.createKey({ Description: 'Lesson 4: deletion' });
        keyId = KeyMetadata.KeyId;
        aliasName = `alias/learn-deletion-${keyId.slice(0, 8)}`;
        await calls.createAlias({ AliasName: aliasName, TargetKeyId: keyId });
        const request = { KeyId: aliasName, Plaintext: new TextEncoder().encode('keep me') };
        blob = (await calls.encrypt(request)).CiphertextBlob;
        return {
          facts: [
            { name: 'Key', value: keyId },
            { name: 'Alias', value: aliasName },
            { name: 'Decrypt now', value: await decrypt() },
          ],
          calls: [await lessonCall(reads, 'encrypt', request)],
        };
      },
    },
    {
      id: 'disable',
      title: 'Disable the key',
      explanation:
        'A disabled key refuses every cryptographic operation, decryption included — but nothing is lost.',
      action: 'Disable the key',
      async run() {
        const request = { KeyId: keyId };
        await calls.disableKey(request);
        return {
          facts: [
            { name: 'Key state', value: (await calls.describeKey(request)).KeyMetadata.KeyState },
            { name: 'Decrypt now', value: await decrypt() },
          ],
          calls: [await lessonCall(reads, 'disableKey', request)],
        };
      },
    },
    {
      id: 'enable',
      title: 'Enable it again',
      explanation: 'Disabling is undone in one call: the same ciphertext decrypts again.',
      action: 'Enable the key',
      async run() {
        const request = { KeyId: keyId };
        await calls.enableKey(request);
        return {
          facts: [
            { name: 'Key state', value: (await calls.describeKey(request)).KeyMetadata.KeyState },
            { name: 'Decrypt now', value: await decrypt() },
          ],
          calls: [await lessonCall(reads, 'enableKey', request)],
        };
      },
    },
    {
      id: 'schedule',
      title: `Schedule deletion in ${DELETION_WINDOW_DAYS} days`,
      explanation:
        'Deletion is never immediate: the key waits in PendingDeletion for the window, unusable, and CancelKeyDeletion still brings it back.',
      action: 'Schedule deletion',
      async run() {
        const request = { KeyId: keyId, PendingWindowInDays: DELETION_WINDOW_DAYS };
        const { DeletionDate } = await calls.scheduleKeyDeletion(request);
        return {
          facts: [
            {
              name: 'Key state',
              value: (await calls.describeKey({ KeyId: keyId })).KeyMetadata.KeyState,
            },
            { name: 'Deletion date', value: DeletionDate ? sandboxDate(DeletionDate) : '—' },
            { name: 'Decrypt now', value: await decrypt() },
          ],
          calls: [await lessonCall(reads, 'scheduleKeyDeletion', request)],
        };
      },
    },
    {
      id: 'fast-forward',
      title: 'Let the window pass',
      explanation:
        'The Sandbox clock moves past the deletion date. Housekeeping destroys the key, every version of its material and its alias, and records an AwsServiceEvent DeleteKey. Nothing can bring them back, and the ciphertext is now undecryptable for good.',
      action: `Move the Sandbox clock ${DELETION_WINDOW_DAYS} days ahead`,
      async run() {
        const request = { Days: DELETION_WINDOW_DAYS };
        const moved = await calls.advanceClock(request);
        const deleted = await lessonCall(reads, 'describeKey', { KeyId: keyId }, 'DeleteKey');
        return {
          facts: [
            { name: 'Sandbox time now', value: sandboxDate(moved.Date) },
            { name: 'Events housekeeping wrote', value: String(moved.HousekeepingEvents) },
            { name: 'DescribeKey', value: await outcomeName(calls.describeKey({ KeyId: keyId })) },
            {
              name: 'The alias',
              value: await outcomeName(calls.describeKey({ KeyId: aliasName })),
            },
            { name: 'Decrypt now', value: await decrypt() },
          ],
          calls: [{ ...clockCall(request), ...(deleted.record && { record: deleted.record }) }],
        };
      },
    },
  ];
}
