/**
 * Passkeys for the vault lock (issue 12 §3): the WebAuthn ceremonies run here, in the page, and
 * the PRF extension's output — 32 bytes the authenticator derives from the passkey and a salt —
 * is what the core turns into the key that seals the vault key. The page hands the output to the
 * core for one call and keeps no copy: callers zero it with forgetPasskeyOutput() afterwards.
 *
 * Browsers refuse WebAuthn on an IP-address origin (Chromium: "This is an invalid domain"), and
 * the app's canonical address is http://127.0.0.1:4173; passkeys work at http://localhost:4173,
 * which is a different origin with its own, separate vault.
 */
import type { PasskeyAssertion, PasskeyEnrolment } from '../../../workers/api.ts';
import { fromBase64Url, toBase64Url } from '../../../workers/encoding.ts';

export type PasskeySupport =
  | { available: true }
  | {
      available: false;
      /** An IP-address origin, or a browser without WebAuthn. */
      reason: 'ip-address' | 'no-webauthn';
      /** The address of this app where passkeys work (a separate vault). */
      localhostUrl: string;
    };

/** An IPv4 address, or an IPv6 one (which a URL's hostname writes in brackets). */
export function isIpAddress(hostname: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(hostname) || hostname.includes(':');
}

/** This app at localhost: same scheme and port, a different origin. */
export function localhostUrl(where: Pick<Location, 'protocol' | 'port'> = location): string {
  return `${where.protocol}//localhost${where.port ? `:${where.port}` : ''}`;
}

export function passkeySupport(where: Location = location): PasskeySupport {
  if (isIpAddress(where.hostname)) {
    return { available: false, reason: 'ip-address', localhostUrl: localhostUrl(where) };
  }
  if (typeof PublicKeyCredential === 'undefined' || !navigator.credentials) {
    return { available: false, reason: 'no-webauthn', localhostUrl: localhostUrl(where) };
  }
  return { available: true };
}

const NO_PRF =
  'This authenticator does not support the PRF extension, which the lock needs to turn a passkey into a key. Use another authenticator (a recent phone, computer or security key), or a passphrase.';

/** A WebAuthn failure, in words. */
function passkeyProblem(error: unknown): Error {
  const name = error instanceof Error ? error.name : '';
  switch (name) {
    case 'NotAllowedError':
      return new Error(
        'The passkey was not used: the request was cancelled or timed out, or this device does not hold the passkey asked for.',
      );
    case 'SecurityError':
      return new Error(
        `This browser refuses passkeys at this address (${location.host}). Passkeys work at ${localhostUrl()}, which is a separate vault.`,
      );
    case 'InvalidStateError':
      return new Error('This authenticator already holds that passkey.');
    case 'NotSupportedError':
      return new Error('This browser or authenticator cannot make a passkey of this kind.');
    case 'AbortError':
      return new Error('The passkey request was cancelled.');
    default:
      return new Error(
        `The passkey request failed${error instanceof Error && error.message ? `: ${error.message}` : '.'}`,
      );
  }
}

/** The PRF output as bytes of our own: a view of the browser's buffer, or a copy (then zeroed). */
function prfOutput(first: BufferSource | undefined): Uint8Array<ArrayBuffer> | undefined {
  if (first === undefined) return undefined;
  if (first instanceof ArrayBuffer) return new Uint8Array(first);
  const view = new Uint8Array(first.buffer, first.byteOffset, first.byteLength);
  const copy = new Uint8Array(view);
  view.fill(0);
  return copy;
}

function random(length: number): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(length));
}

async function publicKeyCredential(
  request: Promise<Credential | null>,
): Promise<PublicKeyCredential> {
  let credential: Credential | null;
  try {
    credential = await request;
  } catch (error) {
    throw passkeyProblem(error);
  }
  if (!(credential instanceof PublicKeyCredential)) {
    throw new Error('The browser returned no passkey.');
  }
  return credential;
}

/** Asks the authenticator for the PRF output of `credentialId` (raw bytes) and `prfSalt`. */
async function evaluatePrf(
  credentialId: Uint8Array<ArrayBuffer>,
  prfSalt: Uint8Array<ArrayBuffer>,
): Promise<Uint8Array<ArrayBuffer>> {
  const assertion = await publicKeyCredential(
    navigator.credentials.get({
      publicKey: {
        challenge: random(32),
        allowCredentials: [{ type: 'public-key', id: credentialId }],
        userVerification: 'required',
        extensions: { prf: { eval: { first: prfSalt } } },
      },
    }),
  );
  const output = prfOutput(assertion.getClientExtensionResults().prf?.results?.first);
  if (!output) throw new Error(NO_PRF);
  return output;
}

/**
 * Makes a new passkey with the PRF extension and evaluates it on a fresh random salt: what
 * SetUpVaultLock's Passkey or ChangeVaultLock's NewPasskey takes.
 */
export async function enrolPasskey(): Promise<PasskeyEnrolment> {
  const prfSalt = random(32);
  const credential = await publicKeyCredential(
    navigator.credentials.create({
      publicKey: {
        rp: { name: 'Pocket KMS' },
        user: { id: random(16), name: 'Pocket KMS vault', displayName: 'Pocket KMS vault' },
        challenge: random(32),
        pubKeyCredParams: [
          { type: 'public-key', alg: -7 },
          { type: 'public-key', alg: -257 },
        ],
        authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
        extensions: { prf: { eval: { first: prfSalt } } },
      },
    }),
  );
  const rawId = new Uint8Array(credential.rawId);
  const prf = credential.getClientExtensionResults().prf;
  if (prf?.enabled === false) throw new Error(NO_PRF);
  // Some authenticators evaluate PRF only when asked with get(), not while creating.
  const PrfOutput = prfOutput(prf?.results?.first) ?? (await evaluatePrf(rawId, prfSalt));
  return { CredentialId: toBase64Url(rawId), PrfSalt: prfSalt, PrfOutput };
}

/** Asks for the lock's passkey and its PRF output on the lock's salt: what UnlockVault takes. */
export async function assertPasskey(passkey: {
  CredentialId: string;
  PrfSalt: Uint8Array<ArrayBuffer>;
}): Promise<PasskeyAssertion> {
  const credentialId = fromBase64Url(passkey.CredentialId);
  if (!credentialId) throw new Error('The lock names a passkey this page cannot read.');
  const PrfOutput = await evaluatePrf(credentialId, passkey.PrfSalt);
  return { CredentialId: passkey.CredentialId, PrfOutput };
}

/** Zeroes a PRF output once the core has had it (the core received its own copy). */
export function forgetPasskeyOutput(passkey: { PrfOutput: Uint8Array } | undefined): void {
  passkey?.PrfOutput.fill(0);
}
