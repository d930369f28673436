/**
 * The UI's words for a failure (src/kms/error-text.ts): a ciphertext or file made by another
 * vault (issue 11 §3) gets its own headline, with the core's message — which names that
 * vault — underneath, and is not mistaken for a damaged backup.
 */
import { describe, expect, it } from 'vitest';
import { explainError } from '../../src/kms/error-text.ts';
import { KmsError } from '../../workers/errors.ts';

describe('explainError for another vault’s ciphertexts and files', () => {
  it('a text blob made by another vault', () => {
    const message =
      "This ciphertext was made by vault 884088617902, not this one: restore that vault's backup to decrypt it.";
    expect(explainError(new KmsError('InvalidCiphertextException', message))).toEqual({
      sentence: expect.stringContaining('another Pocket KMS vault') as string,
      name: 'InvalidCiphertextException',
      details: message,
    });
  });

  it('a file made by another vault', () => {
    const message =
      "This file was made by vault 884088617902, not this one: restore that vault's backup to decrypt it.";
    const explained = explainError(new KmsError('NotFoundException', message));
    expect(explained.sentence).toContain('another Pocket KMS vault');
    expect(explained.details).toBe(message);
  });

  it('a damaged backup is still a damaged backup', () => {
    const explained = explainError(
      new KmsError(
        'InvalidCiphertextException',
        'The backup does not open: it was changed or cut short.',
      ),
    );
    expect(explained.sentence).toContain('This backup cannot be opened');
  });
});
