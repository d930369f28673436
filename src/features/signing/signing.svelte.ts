/**
 * The Sign & verify page: what the person gave (text or a file, a vault key or a public key) and
 * what the key service answered. Messages and results stay in this page's memory only.
 */
import type {
  SignerChoice,
  SignFileResponse,
  SignResponse,
  SigningAlgorithm,
  VerifyFileResponse,
  VerifyResponse,
} from '../../../workers/api.ts';
import { algorithmLists, SIGNING_ALGORITHMS, signingProfile } from '../../../workers/key-specs.ts';
import { parsePublicKey } from '../../../workers/crypto/public-key.ts';
import { toKmsError } from '../../../workers/errors.ts';
import type { KmsClient } from '../../kms/client.ts';
import { Operation } from '../../ui/operation.svelte.ts';
import { fromTypedBase64, toBase64, toUtf8 } from '../text/bytes-text.ts';
import { InputProblem } from '../text/text-crypto.svelte.ts';

/** What is signed or verified: typed text (up to 4096 bytes) or a file of any size. */
export type Subject = 'text' | 'file';
/** Whose key checks a file's signature: a key in this vault, or a public key someone gave. */
export type Verifier = 'vault' | 'public-key';

export interface FileProgress {
  done: number;
  total: number;
}

/**
 * The algorithms that sign a message as given (MessageType RAW), in the key's order: text and
 * files are signed whole, so ED25519_PH_SHA_512 (which takes a digest) is not offered.
 */
export function messageSigningAlgorithms(
  algorithms: readonly SigningAlgorithm[] = [],
): SigningAlgorithm[] {
  return algorithms.filter((algorithm) => signingProfile(algorithm)?.messageTypes.includes('RAW'));
}

/** True for the error a signature that does not match rejects with. */
export function isInvalidSignature(error: unknown): boolean {
  return error instanceof Error && error.name === 'KMSInvalidSignatureException';
}

/** A file call that reports progress and can be cancelled. */
class FileCall {
  progress = $state.raw<FileProgress | null>(null);
  #abort: AbortController | null = null;

  protected start(size: number): {
    onProgress: (done: number, total: number) => void;
    signal: AbortSignal;
  } {
    this.#abort = new AbortController();
    this.progress = { done: 0, total: size };
    return {
      onProgress: (done, total) => {
        this.progress = { done, total };
      },
      signal: this.#abort.signal,
    };
  }

  protected finish(): void {
    this.#abort = null;
  }

  /** Stops the running file call: it rejects with OperationCancelledException. */
  cancel(): void {
    this.#abort?.abort();
  }
}

export class SignMessage extends FileCall {
  subject = $state<Subject>('text');
  text = $state('');
  file = $state.raw<File | null>(null);
  readonly operation = new Operation();
  textResult = $state.raw<(SignResponse & { base64: string }) | null>(null);
  /** The signed file's result, with the signing key's public key to hand out beside the .sig. */
  fileResult = $state.raw<(SignFileResponse & { PublicKey: Uint8Array }) | null>(null);

  constructor(private readonly client: KmsClient) {
    super();
  }

  async run(keyId: string, algorithm: SigningAlgorithm): Promise<void> {
    this.textResult = null;
    this.fileResult = null;
    if (this.subject === 'text') {
      const response = await this.operation.run(async () => {
        const message = toUtf8(this.text);
        if (message.length === 0) throw new InputProblem('Type the text to sign.');
        return this.client.sign({
          KeyId: keyId,
          Message: message,
          MessageType: 'RAW',
          SigningAlgorithm: algorithm,
        });
      });
      if (response) this.textResult = { ...response, base64: toBase64(response.Signature) };
      return;
    }
    const file = this.file;
    const { onProgress, signal } = this.start(file?.size ?? 0);
    const response = await this.operation.run(async () => {
      if (!file) throw new InputProblem('Choose or drop the file to sign.');
      const signed = await this.client.signFile(
        { Input: file, KeyId: keyId, SigningAlgorithm: algorithm },
        onProgress,
        signal,
      );
      const { PublicKey } = await this.client.getPublicKey({ KeyId: signed.KeyId });
      return { ...signed, PublicKey };
    });
    this.finish();
    if (response) this.fileResult = response;
  }
}

export type VerifiedSignature =
  ({ subject: 'text' } & VerifyResponse) | ({ subject: 'file' } & VerifyFileResponse);

export class VerifySignature extends FileCall {
  subject = $state<Subject>('text');
  verifier = $state<Verifier>('vault');
  text = $state('');
  /** The text's signature, base64 as signing shows it. */
  signature = $state('');
  file = $state.raw<File | null>(null);
  signatureFile = $state.raw<File | null>(null);
  /** A public key pasted as PEM, JWK or base64 DER. */
  publicKeyText = $state('');
  /** A public key file (.pem, .der, .jwk): used instead of the pasted text when chosen. */
  publicKeyFile = $state.raw<File | null>(null);
  readonly operation = new Operation();
  result = $state.raw<VerifiedSignature | null>(null);

  constructor(private readonly client: KmsClient) {
    super();
  }

  async run(keyId: string, algorithm: SigningAlgorithm | undefined): Promise<void> {
    this.result = null;
    if (this.subject === 'text') {
      const response = await this.operation.run(async () => {
        const message = toUtf8(this.text);
        if (message.length === 0) throw new InputProblem('Type the text that was signed.');
        const signature = fromTypedBase64(this.signature);
        if (!signature || signature.length === 0)
          throw new InputProblem('The signature must be the base64 text that signing produced.');
        if (!algorithm) throw new InputProblem('Choose a signing key and its algorithm.');
        return this.client.verify({
          ...(await this.#signer(keyId)),
          Message: message,
          MessageType: 'RAW',
          Signature: signature,
          SigningAlgorithm: algorithm,
        });
      });
      if (response) this.result = { subject: 'text', ...response };
      return;
    }
    const file = this.file;
    const signatureFile = this.signatureFile;
    const { onProgress, signal } = this.start(file?.size ?? 0);
    const response = await this.operation.run(async () => {
      if (!file) throw new InputProblem('Choose or drop the file to verify.');
      if (!signatureFile) throw new InputProblem('Choose or drop its signature file (.sig).');
      return this.client.verifyFile(
        { Input: file, SignatureFile: signatureFile, ...(await this.#signer(keyId)) },
        onProgress,
        signal,
      );
    });
    this.finish();
    if (response) this.result = { subject: 'file', ...response };
  }

  /**
   * The signing algorithms of the pasted public key, when it parses; else every algorithm (a
   * key chosen as a file is read only on submit, and the core names a mismatch).
   */
  publicKeyAlgorithms(): readonly SigningAlgorithm[] {
    try {
      const { KeySpec } = parsePublicKey(this.publicKeyText);
      return algorithmLists(KeySpec, 'SIGN_VERIFY')?.SigningAlgorithms ?? SIGNING_ALGORITHMS;
    } catch {
      return SIGNING_ALGORITHMS;
    }
  }

  /** A vault key, or the public key the person gave. */
  async #signer(keyId: string): Promise<SignerChoice> {
    return this.verifier === 'vault' ? { KeyId: keyId } : { PublicKey: await this.#publicKey() };
  }

  /** The chosen public key file as DER (identified by the core's parser), else the pasted text. */
  async #publicKey(): Promise<Uint8Array | string> {
    if (this.publicKeyFile) {
      const bytes = new Uint8Array(await this.publicKeyFile.arrayBuffer());
      try {
        return parsePublicKey(bytes).spki;
      } catch (error) {
        throw toKmsError(error); // the parser's refusal, under the AWS name the core would give
      }
    }
    if (this.publicKeyText.trim() === '')
      throw new InputProblem('Paste the public key, or choose its file.');
    return this.publicKeyText;
  }
}
