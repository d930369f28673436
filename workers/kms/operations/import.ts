/**
 * Bring your own key: GetParametersForImport, ImportKeyMaterial and DeleteImportedKeyMaterial
 * with AWS KMS semantics, for symmetric keys created with Origin EXTERNAL (docs/API.md,
 * "Importing key material"; AWS: "Importing key material for AWS KMS keys").
 *
 * The flow: the vault makes an RSA wrapping key pair (its private key non-extractable, stored with
 * a random import token), the user RSA-OAEP-encrypts 32 bytes of AES-256 key material under the
 * public key, and the vault unwraps them here, inside the worker, imports them as a
 * non-extractable AES-GCM key and zeroes the bytes. The plaintext material never leaves this
 * module and is never stored as bytes.
 *
 * Each operation is an entry of the operation table, run by the audited call (the one audit
 * record), in the usual order: parameters checked at the door, key resolved with its state rule,
 * then the work.
 */
import type {
  DeleteImportedKeyMaterialResponse,
  ExpirationModel,
  GetParametersForImportRequest,
  GetParametersForImportResponse,
  ImportKeyMaterialRequest,
  ImportKeyMaterialResponse,
  KeyIdRequest,
  RawAesKeyringIdentity,
} from '../../api.ts';
import { addDays } from '../../clock.ts';
import { importAesGcmKey } from '../../crypto/aes-gcm.ts';
import {
  oaepHash,
  rsaModulusBits,
  type RsaEncryptionAlgorithm,
  type RsaKeySpec,
} from '../../key-specs.ts';
import { randomBytes } from '../../crypto/random.ts';
import { toHex } from '../../encoding.ts';
import { rsaOaepDecrypt } from '../../crypto/rsa-oaep.ts';
import { constantTimeEqual } from '../../envelope/key-derivation.ts';
import { KmsError, validationError } from '../../errors.ts';
import type {
  ImportParametersRecord,
  KeyRecord,
  KeyVersionRecord,
  VaultWrite,
} from '../../keystore/vault-store.ts';
import type { OperationGroup, Outcome } from '../operation.ts';
import { keptMaterial, materialLabel, type KeptMaterial } from '../vault-keys.ts';
import type { OperationContext } from '../operation-context.ts';
import { checkBytes, checkDate, checkEnum, checkString } from '../validation.ts';
import { VAULT_KEY_NAMESPACE } from '../vault-keyring.ts';

/** Every WrappingAlgorithm AWS names; only the two RSAES_OAEP ones are implemented here. */
const WRAPPING_ALGORITHMS = [
  'RSAES_PKCS1_V1_5',
  'RSAES_OAEP_SHA_1',
  'RSAES_OAEP_SHA_256',
  'RSA_AES_KEY_WRAP_SHA_1',
  'RSA_AES_KEY_WRAP_SHA_256',
  'SM2PKE',
] as const;
const WRAPPING_KEY_SPECS = ['RSA_2048', 'RSA_3072', 'RSA_4096', 'SM2'] as const;
const EXPIRATION_MODELS = ['KEY_MATERIAL_EXPIRES', 'KEY_MATERIAL_DOES_NOT_EXPIRE'] as const;

/** AWS: import parameters are valid for 24 hours. */
export const IMPORT_PARAMETERS_VALID_DAYS = 1;
/** AWS: ValidTo at most 365 days after the import. */
const MAX_VALID_TO_DAYS = 365;
/** The length of symmetric (SYMMETRIC_DEFAULT, AES-256) key material. */
export const IMPORTED_KEY_MATERIAL_LENGTH = 32;
const IMPORT_TOKEN_LENGTH = 32;
/** AWS's limits on ImportToken and EncryptedKeyMaterial. */
const MAX_IMPORT_BLOB_BYTES = 6144;
const MAX_IDENTITY_LENGTH = 256;

const RSA_PUBLIC_EXPONENT = Uint8Array.of(1, 0, 1);
const MATERIAL_ID_DOMAIN = new TextEncoder().encode('pocket-kms imported key material\0');

function requireValue<T>(parameter: string, value: T | undefined): T {
  if (value === undefined) throw validationError(parameter, undefined, 'Member must not be null');
  return value;
}

/**
 * GetParametersForImport, ImportKeyMaterial and DeleteImportedKeyMaterial need an EXTERNAL key
 * (AWS's wording: LocalStack snapshot test_get_parameters_for_import).
 */
function requireExternal(context: OperationContext, key: KeyRecord): void {
  if (key.Origin !== 'EXTERNAL') {
    throw new KmsError(
      'UnsupportedOperationException',
      `${context.arn(key.KeyId)} origin is ${key.Origin} which is not valid for this operation.`,
    );
  }
}

/**
 * The wrapping algorithm and key spec, as AWS pairs them: SM2PKE goes with SM2 only, the RSA
 * algorithms with RSA specs (else ValidationException). Of the valid pairs, this build implements
 * RSAES_OAEP_SHA_1 and RSAES_OAEP_SHA_256 with RSA_2048/3072/4096 (else
 * UnsupportedOperationException that says why).
 */
function checkWrapping(
  algorithmValue: unknown,
  specValue: unknown,
): { algorithm: RsaEncryptionAlgorithm; spec: RsaKeySpec } {
  const algorithm = requireValue(
    'wrappingAlgorithm',
    checkEnum('wrappingAlgorithm', algorithmValue, WRAPPING_ALGORITHMS),
  );
  const spec = requireValue(
    'wrappingKeySpec',
    checkEnum('wrappingKeySpec', specValue, WRAPPING_KEY_SPECS),
  );
  if ((algorithm === 'SM2PKE') !== (spec === 'SM2')) {
    throw new KmsError(
      'ValidationException',
      `WrappingAlgorithm ${algorithm} cannot be used with WrappingKeySpec ${spec}: SM2PKE goes with SM2 only, the RSA algorithms with RSA key specs.`,
    );
  }
  if (algorithm === 'SM2PKE' || spec === 'SM2') {
    throw new KmsError(
      'UnsupportedOperationException',
      'SM2 wrapping keys exist only in AWS China Regions; use an RSA wrapping key spec.',
    );
  }
  if (algorithm === 'RSAES_PKCS1_V1_5') {
    throw new KmsError(
      'UnsupportedOperationException',
      'RSAES_PKCS1_V1_5 is no longer supported for importing key material; use RSAES_OAEP_SHA_256.',
    );
  }
  if (algorithm === 'RSA_AES_KEY_WRAP_SHA_1' || algorithm === 'RSA_AES_KEY_WRAP_SHA_256') {
    throw new KmsError(
      'UnsupportedOperationException',
      `${algorithm} is not supported by this version of Pocket KMS: 32-byte symmetric key material fits RSAES_OAEP_SHA_256 or RSAES_OAEP_SHA_1 directly.`,
    );
  }
  return { algorithm, spec };
}

/** RawAesKeyring: two strings of 1–256 characters; the vault's own namespace is reserved. */
function checkRawAesIdentity(value: unknown): RawAesKeyringIdentity | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object') {
    throw validationError(
      'rawAesKeyring',
      undefined,
      'Member must be an object with KeyNamespace and KeyName',
    );
  }
  const given = value as Record<string, unknown>;
  const namespace = checkString('rawAesKeyring.keyNamespace', given.KeyNamespace, {
    min: 1,
    max: MAX_IDENTITY_LENGTH,
    required: true,
  })!;
  const name = checkString('rawAesKeyring.keyName', given.KeyName, {
    min: 1,
    max: MAX_IDENTITY_LENGTH,
    required: true,
  })!;
  // FORMAT.md §4.8: `pocket-kms` names vault key versions; the AWS Encryption SDK refuses raw
  // keyrings whose namespace begins with aws-kms (it would be taken for a KMS keyring entry).
  if (namespace === VAULT_KEY_NAMESPACE || namespace.startsWith('aws-kms')) {
    throw new KmsError(
      'ValidationException',
      `The key namespace '${namespace}' is reserved (${VAULT_KEY_NAMESPACE} names the vault's own keys; aws-kms… belongs to the AWS Encryption SDK). Choose another.`,
    );
  }
  return { KeyNamespace: namespace, KeyName: name };
}

/**
 * The KeyMaterialId of imported material: SHA-256 over a domain label, the KeyId and the bytes.
 * The same material gives the same id (so a re-import is recognised after the material was
 * deleted), while the id reveals nothing usable about 32 random bytes.
 */
async function importedKeyMaterialId(
  keyId: string,
  material: Uint8Array<ArrayBuffer>,
): Promise<string> {
  const keyIdBytes = new TextEncoder().encode(keyId);
  const input = new Uint8Array(MATERIAL_ID_DOMAIN.length + keyIdBytes.length + material.length);
  input.set(MATERIAL_ID_DOMAIN, 0);
  input.set(keyIdBytes, MATERIAL_ID_DOMAIN.length);
  input.set(material, MATERIAL_ID_DOMAIN.length + keyIdBytes.length);
  try {
    return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', input)));
  } finally {
    input.fill(0);
  }
}

/**
 * The private key of the import parameters that `token` names: stored (a vault without a lock)
 * or held in this core's memory (with a lock). Parameters made in another tab, or before this
 * core last locked, are gone: InvalidImportTokenException, or VaultLockedException while locked.
 */
function importPrivateKey(
  context: OperationContext,
  parameters: ImportParametersRecord,
  token: Uint8Array,
): CryptoKey {
  if (parameters.PrivateKey) return parameters.PrivateKey;
  context.keys.requireOpen();
  const held = context.keys.importKey(parameters.KeyId);
  if (!held || !constantTimeEqual(held.token, token)) {
    throw new KmsError(
      'InvalidImportTokenException',
      `The import parameters of ${context.arn(parameters.KeyId)} were made in another tab, or before the vault was last locked: with a vault lock they live only in the tab that made them, until it locks. Call GetParametersForImport again.`,
    );
  }
  return held.privateKey;
}

export async function getParametersForImport(
  context: OperationContext,
  request: GetParametersForImportRequest,
): Promise<Outcome<GetParametersForImportResponse>> {
  const { algorithm, spec } = checkWrapping(request.WrappingAlgorithm, request.WrappingKeySpec);
  const key = await context.resolveKey('keyId', request.KeyId, 'manage');
  requireExternal(context, key);
  // With a vault lock the private key is held in this core's memory only, and a locked core
  // makes none (VaultLockedException).
  const inMemory = context.keys.requireOpen() !== undefined;
  // The private key is made non-extractable: it exists only to unwrap inside this worker.
  const pair = (await crypto.subtle.generateKey(
    {
      name: 'RSA-OAEP',
      modulusLength: rsaModulusBits(spec),
      publicExponent: RSA_PUBLIC_EXPONENT,
      hash: oaepHash(algorithm),
    },
    false,
    ['encrypt', 'decrypt'],
  )) as CryptoKeyPair;
  const publicKey = new Uint8Array(await crypto.subtle.exportKey('spki', pair.publicKey));
  const record: ImportParametersRecord = {
    KeyId: key.KeyId,
    ImportToken: randomBytes(IMPORT_TOKEN_LENGTH),
    ...(!inMemory && { PrivateKey: pair.privateKey }),
    WrappingAlgorithm: algorithm,
    WrappingKeySpec: spec,
    ParametersValidTo: addDays(context.now(), IMPORT_PARAMETERS_VALID_DAYS),
  };
  return {
    response: {
      KeyId: context.arn(key.KeyId),
      ImportToken: new Uint8Array(record.ImportToken),
      PublicKey: publicKey,
      ParametersValidTo: record.ParametersValidTo,
    },
    // put: a new call replaces the key's earlier parameters, whose token stops working.
    write: async (tx) => {
      await tx.objectStore('importParameters').put(record);
    },
    ...(inMemory && {
      afterCommit: () => context.keys.holdImportKey(key.KeyId, record.ImportToken, pair.privateKey),
    }),
  };
}

/** ExpirationModel and ValidTo, with AWS's rules: ValidTo is given exactly when the material expires. */
function checkExpiration(
  modelValue: unknown,
  validToValue: unknown,
  now: Date,
): { model: ExpirationModel; validTo?: Date } {
  const model =
    // AWS API reference, ImportKeyMaterial: "The default is KEY_MATERIAL_EXPIRES".
    checkEnum('expirationModel', modelValue, EXPIRATION_MODELS) ?? 'KEY_MATERIAL_EXPIRES';
  const validTo = checkDate('validTo', validToValue);
  if (model === 'KEY_MATERIAL_EXPIRES') {
    if (!validTo)
      throw new KmsError(
        'ValidationException',
        'A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES',
      );
    if (validTo <= now) throw new KmsError('ValidationException', 'ValidTo must be in the future.');
    if (validTo > addDays(now, MAX_VALID_TO_DAYS)) {
      throw new KmsError(
        'ValidationException',
        `ValidTo must be at most ${MAX_VALID_TO_DAYS} days from now.`,
      );
    }
    return { model, validTo };
  }
  if (validTo) {
    throw new KmsError(
      'ValidationException',
      'ValidTo must be omitted unless ExpirationModel is KEY_MATERIAL_EXPIRES.',
    );
  }
  return { model };
}

export async function importKeyMaterial(
  context: OperationContext,
  request: ImportKeyMaterialRequest,
): Promise<Outcome<ImportKeyMaterialResponse>> {
  const token = checkBytes('importToken', request.ImportToken, 1, MAX_IMPORT_BLOB_BYTES);
  const encryptedMaterial = checkBytes(
    'encryptedKeyMaterial',
    request.EncryptedKeyMaterial,
    1,
    MAX_IMPORT_BLOB_BYTES,
  );
  const now = context.now();
  const { model, validTo } = checkExpiration(request.ExpirationModel, request.ValidTo, now);
  const identity = checkRawAesIdentity(request.RawAesKeyring);
  const key = await context.resolveKey('keyId', request.KeyId, 'manage');
  const arn = context.arn(key.KeyId);
  requireExternal(context, key);

  const parameters = await context.store.getImportParameters(key.KeyId);
  if (!parameters || !constantTimeEqual(parameters.ImportToken, token)) {
    throw new KmsError(
      'InvalidImportTokenException',
      `The import token is not the current one of ${arn}: it belongs to another key, was replaced by a newer GetParametersForImport, was already used, or is not an import token.`,
    );
  }
  if (now > parameters.ParametersValidTo) {
    throw new KmsError(
      'ExpiredImportTokenException',
      `The import parameters of ${arn} expired at ${parameters.ParametersValidTo.toISOString()}. Call GetParametersForImport again.`,
    );
  }
  if (
    identity &&
    key.RawAesKeyring &&
    (identity.KeyNamespace !== key.RawAesKeyring.KeyNamespace ||
      identity.KeyName !== key.RawAesKeyring.KeyName)
  ) {
    throw new KmsError(
      'ValidationException',
      `${arn} already wraps file data keys as namespace '${key.RawAesKeyring.KeyNamespace}', name '${key.RawAesKeyring.KeyName}'; a key's raw AES keyring identity cannot change (files made under it would no longer find the key).`,
    );
  }
  if (identity) {
    const holder = await context.store.getKeyByRawAesIdentity(identity);
    if (holder && holder.KeyId !== key.KeyId) {
      throw new KmsError(
        'AlreadyExistsException',
        `Another key (${context.arn(holder.KeyId)}) already has the raw AES keyring identity namespace '${identity.KeyNamespace}', name '${identity.KeyName}'.`,
      );
    }
  }

  const material = await rsaOaepDecrypt(
    importPrivateKey(context, parameters, token),
    encryptedMaterial,
  );
  if (!material) {
    throw new KmsError(
      'InvalidCiphertextException',
      `The encrypted key material does not decrypt under the wrapping key of ${arn} with ${parameters.WrappingAlgorithm}: wrap it with the public key and algorithm of the same GetParametersForImport call.`,
    );
  }
  let keyMaterialId: string;
  let kept: KeptMaterial;
  try {
    if (material.length !== IMPORTED_KEY_MATERIAL_LENGTH) {
      throw new KmsError(
        'IncorrectKeyMaterialException',
        `Symmetric key material must be ${IMPORTED_KEY_MATERIAL_LENGTH} bytes (AES-256); the unwrapped material is ${material.length} bytes.`,
      );
    }
    keyMaterialId = await importedKeyMaterialId(key.KeyId, material);
    if (key.ImportedKeyMaterialId !== undefined && key.ImportedKeyMaterialId !== keyMaterialId) {
      throw new KmsError(
        'IncorrectKeyMaterialException',
        `${arn} already had different key material. A key only ever takes back the material it was first given; for other material, create a new key.`,
      );
    }
    // Imported material takes the one custody path too: sealed for recovery and, with a lock,
    // under the vault key; imported.
    kept = await keptMaterial(
      await context.custody(),
      materialLabel(key, key.CurrentVersion),
      material,
      { cryptoKey: await importAesGcmKey(material) },
    );
  } finally {
    material.fill(0);
  }

  const existing = await context.store.getKeyVersion(key.KeyId, key.CurrentVersion);
  const version: KeyVersionRecord | undefined = existing
    ? undefined
    : {
        KeyId: key.KeyId,
        Version: key.CurrentVersion,
        KeyMaterialId: keyMaterialId,
        CreationDate: now,
        ...kept,
      };
  const { ValidTo: _previous, ...rest } = key;
  const updated: KeyRecord = {
    ...rest,
    KeyState: key.KeyState === 'PendingImport' ? 'Enabled' : key.KeyState,
    ExpirationModel: model,
    ...(validTo && { ValidTo: validTo }),
    ImportedKeyMaterialId: keyMaterialId,
    // Omitted on a re-import: the identity the key already has stays (it is in `rest`).
    ...(identity && { RawAesKeyring: identity }),
  };
  return {
    response: { KeyId: arn, KeyMaterialId: keyMaterialId },
    write: async (tx) => {
      // add, not put: material is never overwritten; an existing version is the same material.
      if (version) await tx.objectStore('keyVersions').add(version);
      await tx.objectStore('keys').put(updated);
      // The parameters are single-use, as in AWS.
      await tx.objectStore('importParameters').delete(key.KeyId);
    },
  };
}

/**
 * The writes that remove an EXTERNAL key's material (DeleteImportedKeyMaterial, or expiry in
 * housekeeping): the version record with its CryptoKey goes, the key waits for an import again —
 * unless it is pending deletion, which it stays. ImportedKeyMaterialId and RawAesKeyring stay, so
 * only the same material can come back, under the same identity.
 */
export function removeImportedMaterial(key: KeyRecord): VaultWrite {
  const { ExpirationModel: _model, ValidTo: _validTo, ...rest } = key;
  const updated: KeyRecord = {
    ...rest,
    KeyState: key.KeyState === 'PendingDeletion' ? 'PendingDeletion' : 'PendingImport',
  };
  return async (tx) => {
    await tx.objectStore('keyVersions').delete([key.KeyId, key.CurrentVersion]);
    await tx.objectStore('keys').put(updated);
  };
}

export async function deleteImportedKeyMaterial(
  context: OperationContext,
  request: KeyIdRequest,
): Promise<Outcome<DeleteImportedKeyMaterialResponse>> {
  const key = await context.resolveKey('keyId', request.KeyId, 'manage');
  requireExternal(context, key);
  const version = await context.store.getKeyVersion(key.KeyId, key.CurrentVersion);
  if (!version) {
    throw new KmsError(
      'KMSInvalidStateException',
      `${context.arn(key.KeyId)} is pending import: it has no key material to delete.`,
    );
  }
  return {
    response: { KeyId: context.arn(key.KeyId), KeyMaterialId: version.KeyMaterialId },
    write: removeImportedMaterial(key),
  };
}

export const importOperations = {
  getParametersForImport: {
    eventName: 'GetParametersForImport',
    mutates: true,
    fields: ['KeyId', 'WrappingAlgorithm', 'WrappingKeySpec'],
    run: getParametersForImport,
  },
  importKeyMaterial: {
    eventName: 'ImportKeyMaterial',
    mutates: true,
    fields: [
      'KeyId',
      'ImportToken',
      'EncryptedKeyMaterial',
      'ValidTo',
      'ExpirationModel',
      'RawAesKeyring',
    ],
    run: importKeyMaterial,
  },
  deleteImportedKeyMaterial: {
    eventName: 'DeleteImportedKeyMaterial',
    mutates: true,
    fields: ['KeyId'],
    run: deleteImportedKeyMaterial,
  },
} satisfies OperationGroup;
