/**
 * HMAC on the Sign & verify page: generate a MAC of typed text under an HMAC key, and check a
 * MAC against text. The text, MACs and results stay in this page's memory only.
 */
import type { GenerateMacResponse, MacAlgorithm, VerifyMacResponse } from '../../../workers/api.ts';
import type { KmsClient } from '../../kms/client.ts';
import { Operation } from '../../ui/operation.svelte.ts';
import { fromTypedBase64, toBase64, toUtf8 } from '../text/bytes-text.ts';
import { InputProblem } from '../text/text-crypto.svelte.ts';

/** True for the error a MAC that does not match rejects with. */
export function isInvalidMac(error: unknown): boolean {
  return error instanceof Error && error.name === 'KMSInvalidMacException';
}

export class GenerateMacText {
  text = $state('');
  readonly operation = new Operation();
  result = $state.raw<(GenerateMacResponse & { base64: string }) | null>(null);

  constructor(private readonly client: KmsClient) {}

  async run(keyId: string, algorithm: MacAlgorithm | undefined): Promise<void> {
    this.result = null;
    const response = await this.operation.run(async () => {
      const message = toUtf8(this.text);
      if (message.length === 0) throw new InputProblem('Type the text to authenticate.');
      if (!algorithm) throw new InputProblem('Choose an HMAC key.');
      return this.client.generateMac({ KeyId: keyId, Message: message, MacAlgorithm: algorithm });
    });
    if (response) this.result = { ...response, base64: toBase64(response.Mac) };
  }
}

export class VerifyMacText {
  text = $state('');
  /** The MAC, base64 as generating shows it. */
  mac = $state('');
  readonly operation = new Operation();
  result = $state.raw<VerifyMacResponse | null>(null);

  constructor(private readonly client: KmsClient) {}

  async run(keyId: string, algorithm: MacAlgorithm | undefined): Promise<void> {
    this.result = null;
    await this.operation.run(async () => {
      const message = toUtf8(this.text);
      if (message.length === 0) throw new InputProblem('Type the text the MAC was made for.');
      const mac = fromTypedBase64(this.mac);
      if (!mac || mac.length === 0)
        throw new InputProblem('The MAC must be the base64 text that generating produced.');
      if (!algorithm) throw new InputProblem('Choose an HMAC key.');
      this.result = await this.client.verifyMac({
        KeyId: keyId,
        Message: message,
        Mac: mac,
        MacAlgorithm: algorithm,
      });
    });
  }

  /** Takes a generated MAC and its text as the next thing to verify. */
  prefill(text: string, mac: string): void {
    this.text = text;
    this.mac = mac;
    this.result = null;
    this.operation.reset();
  }
}
