/**
 * The encrypt / decrypt text page: what the person typed, and what the key service answered.
 * Plaintext and results stay in this page's memory only; nothing here is stored.
 */
import type {
  DecryptResponse,
  EncryptResponse,
  EncryptionAlgorithm,
} from '../../../workers/api.ts';
import { parseBlob } from '../../../workers/formats/ciphertext-blob.ts';
import type { KmsClient } from '../../kms/client.ts';
import { emptyRow, rowsToContext, type KeyValueRow } from '../../ui/key-value-rows.ts';
import { Operation } from '../../ui/operation.svelte.ts';
import { fromTypedBase64, fromUtf8, toBase64, toUtf8 } from './bytes-text.ts';

export type InputFormat = 'text' | 'base64';

/** A mistake in what was typed, found before anything is sent to the key service. */
export class InputProblem extends Error {
  override readonly name = 'InputProblem';
}

export class EncryptText {
  keyId = $state('');
  format = $state<InputFormat>('text');
  input = $state('');
  context = $state<KeyValueRow[]>([emptyRow()]);
  readonly operation = new Operation();
  /** `keyVersion`: the key version a symmetric ciphertext names in its header (FORMAT.md §2). */
  result = $state.raw<(EncryptResponse & { base64: string; keyVersion?: number }) | null>(null);

  constructor(private readonly client: KmsClient) {}

  /**
   * Encrypts under `keyId`. An RSA key needs its `algorithm` (RSAES_OAEP_SHA_1 or _SHA_256), and
   * takes no encryption context; a symmetric key needs neither.
   */
  async run(keyId: string, algorithm?: EncryptionAlgorithm): Promise<void> {
    this.result = null;
    const response = await this.operation.run(async () => {
      const context = rowsToContext(this.context);
      if ('problem' in context) throw new InputProblem(context.problem);
      const plaintext = this.format === 'text' ? toUtf8(this.input) : fromTypedBase64(this.input);
      if (!plaintext)
        throw new InputProblem(
          'The input is not valid base64. Switch to “Text” to encrypt it as typed.',
        );
      return this.client.encrypt({
        KeyId: keyId,
        Plaintext: plaintext,
        EncryptionContext: context.context,
        ...(algorithm && { EncryptionAlgorithm: algorithm }),
      });
    });
    if (response) {
      this.result = {
        ...response,
        base64: toBase64(response.CiphertextBlob),
        keyVersion: algorithm ? undefined : parseBlob(response.CiphertextBlob)?.keyVersion,
      };
    }
  }
}

export class DecryptText {
  ciphertext = $state('');
  context = $state<KeyValueRow[]>([emptyRow()]);
  readonly operation = new Operation();
  /** `keyVersion`: the key version the symmetric ciphertext named (FORMAT.md §2). */
  result = $state.raw<
    (DecryptResponse & { text?: string; base64: string; keyVersion?: number }) | null
  >(null);

  constructor(private readonly client: KmsClient) {}

  /**
   * Decrypts. A symmetric ciphertext names its key; an RSA ciphertext does not, so `rsa` names
   * the key and the algorithm it was encrypted with (as AWS requires).
   */
  async run(rsa?: { KeyId: string; EncryptionAlgorithm: EncryptionAlgorithm }): Promise<void> {
    this.result = null;
    let keyVersion: number | undefined;
    const response = await this.operation.run(async () => {
      const context = rowsToContext(this.context);
      if ('problem' in context) throw new InputProblem(context.problem);
      const blob = fromTypedBase64(this.ciphertext);
      if (!blob || blob.length === 0)
        throw new InputProblem('The ciphertext must be the base64 text that encrypt produced.');
      keyVersion = rsa ? undefined : parseBlob(blob)?.keyVersion;
      return this.client.decrypt({
        CiphertextBlob: blob,
        EncryptionContext: context.context,
        ...rsa,
      });
    });
    if (response) {
      const text = fromUtf8(response.Plaintext);
      this.result = {
        ...response,
        ...(text !== undefined && { text }),
        base64: toBase64(response.Plaintext),
        keyVersion,
      };
    }
  }

  /** Takes an encrypt result, and the context it was made with, as the next thing to decrypt. */
  prefill(ciphertext: string, context: readonly KeyValueRow[]): void {
    this.ciphertext = ciphertext;
    this.context = context.map((row) => ({ ...emptyRow(), key: row.key, value: row.value }));
    this.result = null;
    this.operation.reset();
  }
}
