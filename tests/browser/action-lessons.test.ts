/**
 * Lessons 3 and 4 (issue 13 §2.3, §2.4) run step by step on a sandbox vault: each step shows
 * what the vault really answered — key versions named by ciphertexts, refusals by their exact
 * error names, automatic rotation and deletion at the sandbox's simulated time with their
 * AwsServiceEvent records — and the calls it made, in their three forms.
 */
import { describe, expect, it } from 'vitest';
import type { SandboxApi } from '../../workers/api.ts';
import { DAY_MS } from '../../workers/clock.ts';
import type { ActionOutcome, ActionStep } from '../../src/features/learn/action-lesson.ts';
import formatDocument from '../../docs/FORMAT.md?raw';
import { asymmetricLesson } from '../../src/features/learn/asymmetric-lesson.ts';
import { deletionLesson } from '../../src/features/learn/deletion-lesson.ts';
import { ROTATION_PERIOD_DAYS, rotationLesson } from '../../src/features/learn/rotation-lesson.ts';
import { TEST_EPOCH } from './support/manual-clock.ts';
import { openSandboxForTest } from './support/vault.ts';

/** A sandbox vault as the lessons see it: every operation plus the clock's. */
async function sandboxForTest(): Promise<SandboxApi> {
  const { kms } = await openSandboxForTest();
  return { ...kms, ...kms.sandboxClock!(undefined) } as unknown as SandboxApi;
}

/** Runs every step in order; returns each step's outcome by id. */
async function runAll(steps: ActionStep[]): Promise<Map<string, ActionOutcome>> {
  const outcomes = new Map<string, ActionOutcome>();
  for (const step of steps) outcomes.set(step.id, await step.run());
  return outcomes;
}

function fact(outcome: ActionOutcome | undefined, name: string): string {
  const found = outcome?.facts.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no fact ${name}`);
  return found.value;
}

describe('lesson 3: rotation', () => {
  it('ciphertexts name their versions; the old one decrypts with version 1; re-encryption moves it to version 2; the clock makes an automatic rotation', async () => {
    const sandbox = await sandboxForTest();
    const outcomes = await runAll(rotationLesson({ calls: sandbox, reads: sandbox }));

    expect(fact(outcomes.get('encrypt-v1'), 'The ciphertext names')).toBe('version 1');
    expect(fact(outcomes.get('rotate'), 'Rotations so far')).toBe('1');
    expect(fact(outcomes.get('encrypt-v2'), 'The first ciphertext names')).toBe('version 1');
    expect(fact(outcomes.get('encrypt-v2'), 'The new ciphertext names')).toBe('version 2');
    expect(fact(outcomes.get('decrypt-v1'), 'That is version 1’s')).toBe('yes');
    expect(fact(outcomes.get('decrypt-v1'), 'Plaintext')).toBe(
      'Rotation keeps old ciphertexts readable.',
    );
    expect(fact(outcomes.get('re-encrypt'), 'After')).toBe('version 2');
    expect(fact(outcomes.get('re-encrypt'), 'Plaintext in the response')).toMatch(/^none/);

    const forward = outcomes.get('fast-forward');
    expect(fact(forward, 'Events housekeeping wrote')).toBe('1');
    const due = new Date(TEST_EPOCH + ROTATION_PERIOD_DAYS * DAY_MS).toISOString();
    expect(fact(forward, 'Automatic rotations')).toContain(due);
    expect(forward!.calls[0]!.record).toMatchObject({
      eventName: 'RotateKey',
      eventType: 'AwsServiceEvent',
      eventTime: due,
      additionalEventData: { rotationType: 'AUTOMATIC' },
    });
    expect(forward!.calls[0]!.cli).toContain('No AWS equivalent');

    // Each call step carries its own record and the same request as an AWS CLI command.
    const rotate = outcomes.get('rotate')!.calls[0]!;
    expect(rotate.record).toMatchObject({ eventName: 'RotateKeyOnDemand' });
    expect(rotate.cli).toMatch(/^aws kms rotate-key-on-demand --key-id [0-9a-f-]{36}$/);
    expect(rotate.sdk).toContain('new RotateKeyOnDemandCommand(');
    expect(outcomes.get('re-encrypt')!.calls[0]!.cli).toContain(
      '--ciphertext-blob fileb://ciphertext-blob.bin --destination-key-id',
    );
  });
});

describe('lesson 4: deletion and disabling', () => {
  it('disabling refuses with DisabledException and is undone; deletion refuses while pending and, after the window, destroys key and alias for good', async () => {
    const sandbox = await sandboxForTest();
    const outcomes = await runAll(deletionLesson({ calls: sandbox, reads: sandbox }));

    expect(fact(outcomes.get('create'), 'Decrypt now')).toBe('succeeded');
    expect(fact(outcomes.get('disable'), 'Key state')).toBe('Disabled');
    expect(fact(outcomes.get('disable'), 'Decrypt now')).toBe('DisabledException');
    expect(fact(outcomes.get('enable'), 'Key state')).toBe('Enabled');
    expect(fact(outcomes.get('enable'), 'Decrypt now')).toBe('succeeded');
    expect(fact(outcomes.get('schedule'), 'Key state')).toBe('PendingDeletion');
    expect(fact(outcomes.get('schedule'), 'Decrypt now')).toBe('KMSInvalidStateException');

    const forward = outcomes.get('fast-forward');
    expect(fact(forward, 'Events housekeeping wrote')).toBe('1');
    expect(fact(forward, 'DescribeKey')).toBe('NotFoundException');
    expect(fact(forward, 'The alias')).toBe('NotFoundException');
    expect(fact(forward, 'Decrypt now')).toBe('InvalidCiphertextException');
    expect(forward!.calls[0]!.record).toMatchObject({
      eventName: 'DeleteKey',
      eventType: 'AwsServiceEvent',
      eventTime: new Date(TEST_EPOCH + 7 * DAY_MS).toISOString(),
    });
    expect(outcomes.get('schedule')!.calls[0]!.record).toMatchObject({
      eventName: 'ScheduleKeyDeletion',
      requestParameters: { pendingWindowInDays: 7 },
    });
  });
});

describe('lesson 5: asymmetric keys', () => {
  it('signs a file; the public key alone verifies it and refuses a changed copy with KMSInvalidSignatureException; the OpenSSL block is the document’s', async () => {
    const sandbox = await sandboxForTest();
    const outcomes = await runAll(
      asymmetricLesson({ calls: sandbox, reads: sandbox }, formatDocument),
    );

    expect(fact(outcomes.get('create'), 'Key spec')).toBe('ECC_NIST_P256');
    const signature = fact(outcomes.get('sign'), 'contract.txt.sig');
    expect(signature).toMatch(/^algorithm: ECDSA_SHA_256$/m);
    expect(fact(outcomes.get('public-key'), 'pub.pem')).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(fact(outcomes.get('verify'), 'Signature valid')).toBe('true');
    expect(fact(outcomes.get('verify'), 'Verified with')).toBe(
      'the ECC_NIST_P256 public key alone, no vault key',
    );
    expect(fact(outcomes.get('changed'), 'Verify the changed file')).toBe(
      'KMSInvalidSignatureException',
    );
    const block = fact(outcomes.get('openssl'), 'verify-signature.sh (docs/FORMAT.md §5.3)');
    expect(block).toContain('ECDSA_SHA_256) openssl dgst -sha256 -verify "$PUB"');
    expect(formatDocument).toContain(block);
    expect(outcomes.get('sign')!.calls[0]!.record).toMatchObject({ eventName: 'SignFile' });
    expect(outcomes.get('sign')!.calls[0]!.cli).toContain('aws kms sign --key-id');
  });
});
