/**
 * The user's side of bring-your-own-key in a browser test: wrap key material for
 * importKeyMaterial with WebCrypto RSA-OAEP under the PublicKey of getParametersForImport —
 * what `openssl pkeyutl -encrypt … rsa_padding_mode:oaep` does (README, "Bring your own key").
 */
import type { Kms } from '../../../workers/kms/kms.ts';

export type WrappingAlgorithm = 'RSAES_OAEP_SHA_256' | 'RSAES_OAEP_SHA_1';

/** RSAES-OAEP with MGF1 over the same hash and an empty label, as AWS KMS specifies. */
export async function wrapKeyMaterial(
  publicKey: Uint8Array,
  material: Uint8Array,
  algorithm: WrappingAlgorithm = 'RSAES_OAEP_SHA_256',
): Promise<Uint8Array<ArrayBuffer>> {
  const hash = algorithm === 'RSAES_OAEP_SHA_1' ? 'SHA-1' : 'SHA-256';
  const key = await crypto.subtle.importKey(
    'spki',
    new Uint8Array(publicKey),
    { name: 'RSA-OAEP', hash },
    false,
    ['encrypt'],
  );
  return new Uint8Array(
    await crypto.subtle.encrypt({ name: 'RSA-OAEP' }, key, new Uint8Array(material)),
  );
}

/** 32 fresh random bytes: AES-256 key material as `openssl rand 32` makes it. */
export function newKeyMaterial(): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(32));
}

/** The whole flow for `keyId`: parameters, wrap, import. Returns the import response. */
export async function importMaterial(
  kms: Kms,
  keyId: string,
  material: Uint8Array,
  options: {
    algorithm?: WrappingAlgorithm;
    wrappingKeySpec?: 'RSA_2048' | 'RSA_3072' | 'RSA_4096';
    rawAesKeyring?: { KeyNamespace: string; KeyName: string };
    validTo?: Date;
  } = {},
) {
  const algorithm = options.algorithm ?? 'RSAES_OAEP_SHA_256';
  const parameters = await kms.getParametersForImport({
    KeyId: keyId,
    WrappingAlgorithm: algorithm,
    WrappingKeySpec: options.wrappingKeySpec ?? 'RSA_2048',
  });
  return kms.importKeyMaterial({
    KeyId: keyId,
    ImportToken: parameters.ImportToken,
    EncryptedKeyMaterial: await wrapKeyMaterial(parameters.PublicKey, material, algorithm),
    ...(options.validTo
      ? { ExpirationModel: 'KEY_MATERIAL_EXPIRES', ValidTo: options.validTo }
      : { ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' }),
    ...(options.rawAesKeyring && { RawAesKeyring: options.rawAesKeyring }),
  });
}
