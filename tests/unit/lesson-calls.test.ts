/**
 * The three forms of a call the Learn pages show (src/features/learn/lesson-calls.ts), and the
 * console call Activity shows for a record (issue 13 §3): AWS's operation and field names,
 * bytes by their size, service events with no call.
 */
import { describe, expect, it } from 'vitest';
import type { AuditEvent, KmsApi } from '../../workers/api.ts';
import { lessonCall, recordCall } from '../../src/features/learn/lesson-calls.ts';

const record = (fields: Partial<AuditEvent>): AuditEvent =>
  ({ eventType: 'AwsApiCall', requestParameters: null, ...fields }) as AuditEvent;

/** A sandbox whose log holds `events`, newest first, for the record lookups. */
const readsWith = (events: AuditEvent[]): KmsApi =>
  ({
    listAuditEvents: async ({ EventName }: { EventName?: string }) => ({
      Events: events.filter((event) => event.eventName === EventName).slice(0, 1),
      Truncated: false,
    }),
  }) as unknown as KmsApi;

describe('lessonCall', () => {
  it('writes the console call, the AWS CLI command and the SDK v3 command of one request, with its newest record', async () => {
    const encrypted = record({ eventName: 'Encrypt', sequence: 7 });
    const call = await lessonCall(readsWith([encrypted]), 'encrypt', {
      KeyId: 'alias/notes',
      Plaintext: new Uint8Array(5),
      EncryptionContext: { purpose: 'demo', team: 'a' },
    });
    expect(call).toEqual({
      console:
        'await kmsSandbox.encrypt({"KeyId":"alias/notes","Plaintext":"<5 bytes>","EncryptionContext":{"purpose":"demo","team":"a"}})',
      cli: 'aws kms encrypt --key-id alias/notes --plaintext fileb://plaintext.bin --encryption-context purpose=demo,team=a',
      sdk: 'await new KMSClient({}).send(new EncryptCommand({"KeyId":"alias/notes","Plaintext":"<5 bytes>","EncryptionContext":{"purpose":"demo","team":"a"}}));',
      record: encrypted,
    });
  });

  it('takes the record of another event when asked (a clock move shows the rotation it caused), and none when there is none', async () => {
    const rotated = record({ eventName: 'RotateKey', eventType: 'AwsServiceEvent' });
    expect(
      (await lessonCall(readsWith([rotated]), 'listKeyRotations', {}, 'RotateKey')).record,
    ).toBe(rotated);
    expect(
      (await lessonCall(readsWith([]), 'rotateKeyOnDemand', { KeyId: 'k' })).record,
    ).toBeUndefined();
  });
});

describe('recordCall', () => {
  it("rebuilds the call from a record's requestParameters, with AWS's field names and logged bytes by size", () => {
    expect(
      recordCall(
        record({
          eventName: 'Encrypt',
          requestParameters: {
            keyId: 'alias/notes',
            plaintext: { byteLength: 5 },
            encryptionContext: { purpose: 'demo' },
          },
        }),
      ),
    ).toBe(
      'await kms.encrypt({"KeyId":"alias/notes","Plaintext":"<5 bytes>","EncryptionContext":{"purpose":"demo"}})',
    );
    expect(recordCall(record({ eventName: 'ListKeys' }))).toBe('await kms.listKeys({})');
    expect(
      recordCall(
        record({
          eventName: 'CreateKey',
          requestParameters: {
            description: 'notes',
            tags: [{ tagKey: 'project', tagValue: 'x' }],
          },
        }),
      ),
    ).toBe(
      'await kms.createKey({"Description":"notes","Tags":[{"TagKey":"project","TagValue":"x"}]})',
    );
  });

  it('gives no call for a service event: the vault did it itself', () => {
    expect(
      recordCall(record({ eventName: 'RotateKey', eventType: 'AwsServiceEvent' })),
    ).toBeUndefined();
  });
});
