/**
 * Lesson 6, data keys and caching (issue 13 §2.6): a hundred small messages cost a hundred
 * GenerateDataKey calls with a fresh data key each, and a tenth of that when one data key serves
 * ten messages — counted in the sandbox's audit log and in the messages' own headers, never
 * assumed. Every message, cached or not, still decrypts.
 */
import { describe, expect, it } from 'vitest';
import { MemorySink } from '../../workers/envelope/byte-sink.ts';
import { decryptMessage } from '../../workers/envelope/decrypt-message.ts';
import { compareCaching } from '../../src/features/learn/data-key-lesson.ts';
import { LessonKmsKeyring } from '../../src/features/learn/envelope-lesson.ts';
import { openSandboxForTest } from './support/vault.ts';

describe('lesson 6: data keys and caching', () => {
  it('100 messages: 100 data keys and GenerateDataKey calls fresh, 10 of each when a data key serves 10; all decrypt', async () => {
    const { kms } = await openSandboxForTest();
    const { KeyMetadata } = await kms.createKey({ Description: 'lesson 6' });
    const clients = { calls: kms, reads: kms };
    const { fresh, cached } = await compareCaching(clients, KeyMetadata.KeyId, 100, {
      maxMessages: 10,
      maxAgeMs: 60_000,
    });

    expect(fresh).toMatchObject({
      generateDataKeyCalls: 100,
      dataKeys: 100,
      mostMessagesPerDataKey: 1,
      longestUseMs: 0,
    });
    expect(cached).toMatchObject({
      generateDataKeyCalls: 10,
      dataKeys: 10,
      mostMessagesPerDataKey: 10,
    });
    expect(cached.longestUseMs).toBeGreaterThan(0);

    for (const message of [fresh.messages[0]!, cached.messages[0]!, cached.messages[99]!]) {
      const { result } = await decryptMessage({
        input: new Blob([new Uint8Array(message)]),
        keyring: new LessonKmsKeyring(kms, KeyMetadata.KeyId),
        sink: new MemorySink(),
      });
      expect(new TextDecoder().decode(result)).toMatch(/^message (1|100) of 100$/);
    }
  });

  it('an age limit ends a data key early: with 0 ms, every message gets its own', async () => {
    const { kms } = await openSandboxForTest();
    const { KeyMetadata } = await kms.createKey({ Description: 'lesson 6' });
    const { cached } = await compareCaching({ calls: kms, reads: kms }, KeyMetadata.KeyId, 5, {
      maxMessages: 100,
      maxAgeMs: 0,
    });
    expect(cached).toMatchObject({ generateDataKeyCalls: 5, dataKeys: 5 });
  });
});
