import { expect, test } from 'vitest';
import { Kms } from '../../workers/kms/kms.ts';

test('a vault opens in real Chromium and creates a key', async () => {
  const kms = await Kms.open({ vaultName: `smoke-${crypto.randomUUID()}` });
  const { KeyMetadata } = await kms.createKey({ Description: 'smoke' });
  expect(KeyMetadata.KeyState).toBe('Enabled');
  const { CiphertextBlob } = await kms.encrypt({
    KeyId: KeyMetadata.KeyId,
    Plaintext: new Uint8Array([1, 2, 3]),
  });
  const { Plaintext } = await kms.decrypt({ CiphertextBlob });
  expect([...Plaintext]).toEqual([1, 2, 3]);
  kms.close();
});
