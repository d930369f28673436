/**
 * The UI's one door to the core (src/kms/client.ts), against real module workers: it reaches
 * exactly the listed operations, and a core that cannot start makes calls fail with a named
 * error instead of waiting forever.
 */
import { describe, expect, it } from 'vitest';
import { KMS_OPERATIONS } from '../../workers/api.ts';
import { createKmsClient } from '../../src/kms/client.ts';
import { expectKmsError } from './support/vault.ts';

function moduleWorker(source: string): Worker {
  const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  return new Worker(url, { type: 'module' });
}

describe('kms client', () => {
  it('offers every listed operation and nothing else', () => {
    const client = createKmsClient(() => moduleWorker(''));
    expect(Object.keys(client).sort()).toEqual([...KMS_OPERATIONS].sort());
  });

  it('a worker whose script does not parse: calls reject with KMSInternalException', async () => {
    const client = createKmsClient(() => moduleWorker('this is not javascript ('));
    await expectKmsError(client.listKeys(), 'KMSInternalException');
    await expectKmsError(client.generateRandom({ NumberOfBytes: 8 }), 'KMSInternalException');
  });

  it('a worker that throws while starting: calls reject with KMSInternalException', async () => {
    const client = createKmsClient(() => moduleWorker('throw new Error("no vault here");'));
    await expectKmsError(client.describeKey({ KeyId: 'alias/x' }), 'KMSInternalException');
  });
});
