/**
 * Lesson 6, "Data keys and caching" (issue 13 §2.6), on the sandbox vault: many small messages
 * encrypted twice — once with a fresh data key each (one GenerateDataKey per message, as the AWS
 * Encryption SDK's KMS keyring does), once reusing a data key within limits, as the SDK's caching
 * materials manager does (at most so many messages, for at most so long). Every count comes from
 * the real outputs: GenerateDataKey calls from the sandbox's audit log, data keys from the
 * encrypted data keys in the messages' headers.
 */
import type { EncryptionContext } from '../../../workers/api.ts';
import { MemorySink } from '../../../workers/envelope/byte-sink.ts';
import { encryptMessage } from '../../../workers/envelope/encrypt-message.ts';
import type { GeneratedDataKey, Keyring } from '../../../workers/envelope/keyring.ts';
import { decodeHeader, type EncryptedDataKey } from '../../../workers/envelope/message-header.ts';
import { toHex } from '../../../workers/encoding.ts';
import { LessonKmsKeyring, type LessonClients } from './envelope-lesson.ts';

export interface CachingLimits {
  /** At most this many messages under one data key (the SDK's maxMessagesEncrypted). */
  maxMessages: number;
  /** At most this long, in milliseconds (the SDK's maxAge). */
  maxAgeMs: number;
}

/**
 * A keyring that reuses the data key its inner keyring generated, within `limits` — the caching
 * materials manager's idea in one class. A copy of the data key is kept in this page's memory
 * while it may be reused: the risk the lesson weighs.
 */
class CachingKeyring implements Keyring {
  private cached: { generated: GeneratedDataKey; uses: number; since: number } | undefined;

  constructor(
    private readonly inner: LessonKmsKeyring,
    private readonly limits: CachingLimits,
    private readonly now: () => number = Date.now,
  ) {}

  async generate(encryptionContext: EncryptionContext): Promise<GeneratedDataKey> {
    const entry = this.cached;
    const fresh =
      entry &&
      entry.uses < this.limits.maxMessages &&
      this.now() - entry.since < this.limits.maxAgeMs;
    if (!fresh) {
      entry?.generated.dataKey.fill(0);
      this.cached = {
        generated: await this.inner.generate(encryptionContext),
        uses: 0,
        since: this.now(),
      };
    }
    const current = this.cached!;
    current.uses++;
    // The envelope zeroes the data key it is given: hand it a copy, keep the original.
    return { ...current.generated, dataKey: new Uint8Array(current.generated.dataKey) };
  }

  wrap(): Promise<EncryptedDataKey[]> {
    return this.inner.wrap();
  }

  unwrap(entries: readonly EncryptedDataKey[], encryptionContext: EncryptionContext) {
    return this.inner.unwrap(entries, encryptionContext);
  }

  /** Forgets the data key: what the cache does when its limits are reached. */
  clear(): void {
    this.cached?.generated.dataKey.fill(0);
    this.cached = undefined;
  }
}

export interface EncryptionRun {
  /** GenerateDataKey records the run added to the sandbox's audit log. */
  generateDataKeyCalls: number;
  /** Distinct encrypted data keys in the messages' headers: one per data key. */
  dataKeys: number;
  /** The most messages that share one data key. */
  mostMessagesPerDataKey: number;
  /** The longest time, in milliseconds, between a data key's first and last message. */
  longestUseMs: number;
  messages: Uint8Array[];
}

async function generateDataKeyCount(clients: LessonClients): Promise<number> {
  let count = 0;
  let marker: string | undefined;
  do {
    const page = await clients.reads.listAuditEvents({
      EventName: 'GenerateDataKey',
      Limit: 1000,
      ...(marker && { Marker: marker }),
    });
    count += page.Events.length;
    marker = page.Truncated ? page.NextMarker : undefined;
  } while (marker);
  return count;
}

async function encryptAll(
  clients: LessonClients,
  keyring: Keyring,
  count: number,
  encryptionContext: EncryptionContext,
): Promise<EncryptionRun> {
  const before = await generateDataKeyCount(clients);
  const messages: Uint8Array[] = [];
  const uses = new Map<string, { messages: number; first: number; last: number }>();
  for (let index = 1; index <= count; index++) {
    const { result } = await encryptMessage({
      input: new Blob([`message ${index} of ${count}`]),
      keyring,
      encryptionContext,
      sink: new MemorySink(),
    });
    messages.push(result);
    const decoded = decodeHeader(result);
    if (!('header' in decoded)) throw new Error('a message header did not decode');
    const id = toHex(decoded.header.encryptedDataKeys[0]!.ciphertext);
    const at = performance.now();
    const use = uses.get(id) ?? { messages: 0, first: at, last: at };
    uses.set(id, { messages: use.messages + 1, first: use.first, last: at });
  }
  const spans = [...uses.values()];
  return {
    generateDataKeyCalls: (await generateDataKeyCount(clients)) - before,
    dataKeys: uses.size,
    mostMessagesPerDataKey: Math.max(...spans.map((use) => use.messages)),
    longestUseMs: Math.max(...spans.map((use) => use.last - use.first)),
    messages,
  };
}

/** Encrypts `count` small messages under `keyId`: once without reuse, once within `limits`. */
export async function compareCaching(
  clients: LessonClients,
  keyId: string,
  count: number,
  limits: CachingLimits,
): Promise<{ fresh: EncryptionRun; cached: EncryptionRun }> {
  const encryptionContext = { purpose: 'lesson-6' };
  const fresh = await encryptAll(
    clients,
    new LessonKmsKeyring(clients.calls, keyId),
    count,
    encryptionContext,
  );
  const caching = new CachingKeyring(new LessonKmsKeyring(clients.calls, keyId), limits);
  try {
    const cached = await encryptAll(clients, caching, count, encryptionContext);
    return { fresh, cached };
  } finally {
    caching.clear();
  }
}
