/**
 * The contract of the core worker: AWS KMS operations in camelCase, AWS field names, binary
 * fields as Uint8Array, dates as Date. Every method rejects with a KmsError (workers/errors.ts)
 * whose name is the AWS exception name. docs/API.md documents each operation.
 *
 * This file holds types (plus the operation list and one channel name) only, so the UI can import it without pulling in
 * worker code.
 */

import type {
  AlgorithmLists,
  DataKeyPairSpec,
  EncryptionAlgorithm,
  KeyAgreementAlgorithm,
  KeyCustody,
  KeySpec,
  KeyUsage,
  MacAlgorithm,
  MessageType,
  SigningAlgorithm,
} from './key-specs.ts';

// The KeySpec × KeyUsage table and the algorithm names live with the code that runs them.
export type {
  DataKeyPairSpec,
  EncryptionAlgorithm,
  KeyAgreementAlgorithm,
  KeyCustody,
  KeySpec,
  KeyUsage,
  MacAlgorithm,
  MessageType,
  SigningAlgorithm,
};
export type KeyState = 'Enabled' | 'Disabled' | 'PendingDeletion' | 'PendingImport';
/** POCKET_KMS: material made in the vault. EXTERNAL: material imported by the user (importKeyMaterial). */
export type Origin = 'POCKET_KMS' | 'EXTERNAL';
export type ExpirationModel = 'KEY_MATERIAL_EXPIRES' | 'KEY_MATERIAL_DOES_NOT_EXPIRE';
export type DataKeySpec = 'AES_256' | 'AES_128';
export type RotationType = 'AUTOMATIC' | 'ON_DEMAND';
export type EncryptionContext = Record<string, string>;

export interface Tag {
  TagKey: string;
  TagValue: string;
}

export interface KeyMetadata {
  AWSAccountId: string;
  KeyId: string;
  Arn: string;
  CreationDate: Date;
  Enabled: boolean;
  Description: string;
  KeyUsage: KeyUsage;
  KeyState: KeyState;
  DeletionDate?: Date;
  PendingDeletionWindowInDays?: number;
  Origin: Origin;
  KeyManager: 'CUSTOMER';
  KeySpec: KeySpec;
  /** Deprecated in AWS, and still returned: always equal to KeySpec. */
  CustomerMasterKeySpec: KeySpec;
  /** Only the list that applies to the key's usage is present, as in AWS. */
  EncryptionAlgorithms?: EncryptionAlgorithm[];
  SigningAlgorithms?: SigningAlgorithm[];
  MacAlgorithms?: MacAlgorithm[];
  KeyAgreementAlgorithms?: KeyAgreementAlgorithm[];
  MultiRegion: false;
  /**
   * Symmetric keys only, as in AWS. An EXTERNAL key keeps it after its material is deleted;
   * one whose material was never imported has none.
   */
  CurrentKeyMaterialId?: string;
  /** EXTERNAL keys with imported material: whether and when (ValidTo) it expires. */
  ExpirationModel?: ExpirationModel;
  ValidTo?: Date;
  /** Not in AWS: the raw-AES-keyring identity an EXTERNAL key wraps file data keys under. */
  RawAesKeyring?: RawAesKeyringIdentity;
  /** Not in AWS: how the key material is held (workers/key-specs.ts, KeyCustody). */
  Custody: KeyCustody;
}

export interface Paged {
  Limit?: number;
  Marker?: string;
}

export interface PageInfo {
  Truncated: boolean;
  NextMarker?: string;
}

// --- keys -------------------------------------------------------------------------------------

export interface CreateKeyRequest {
  Description?: string;
  KeySpec?: string;
  /** Deprecated synonym of KeySpec, as in AWS: give one or the other, not both. */
  CustomerMasterKeySpec?: string;
  KeyUsage?: string;
  Origin?: string;
  Tags?: Tag[];
}
export interface KeyIdRequest {
  KeyId: string;
}
export interface KeyMetadataResponse {
  KeyMetadata: KeyMetadata;
}
export interface ListKeysResponse extends PageInfo {
  Keys: { KeyId: string; KeyArn: string }[];
}
/**
 * Not in AWS (ListKeyDetails): one key with what DescribeKey, GetKeyRotationStatus and
 * ListAliases (with its KeyId) answer for it.
 */
export interface KeyDetails {
  KeyMetadata: KeyMetadata;
  /** Symmetric keys only, as GetKeyRotationStatus answers; absent for the others. */
  KeyRotationEnabled?: boolean;
  RotationPeriodInDays?: number;
  NextRotationDate?: Date;
  /** The names (alias/…) of the aliases that point at the key, in ListAliases' order. */
  Aliases: string[];
}
export interface ListKeyDetailsResponse extends PageInfo {
  Keys: KeyDetails[];
}
export interface UpdateKeyDescriptionRequest {
  KeyId: string;
  Description: string;
}
export interface ScheduleKeyDeletionRequest {
  KeyId: string;
  PendingWindowInDays?: number;
}
export interface ScheduleKeyDeletionResponse {
  KeyId: string;
  DeletionDate: Date;
  KeyState: KeyState;
  PendingWindowInDays: number;
}
export interface CancelKeyDeletionResponse {
  KeyId: string;
}

// --- aliases and tags -------------------------------------------------------------------------

export interface AliasRequest {
  AliasName: string;
  TargetKeyId: string;
}
export interface AliasListEntry {
  AliasName: string;
  AliasArn: string;
  TargetKeyId: string;
  CreationDate: Date;
  LastUpdatedDate: Date;
}
export interface ListAliasesRequest extends Paged {
  KeyId?: string;
}
export interface ListAliasesResponse extends PageInfo {
  Aliases: AliasListEntry[];
}
export interface TagResourceRequest {
  KeyId: string;
  Tags: Tag[];
}
export interface UntagResourceRequest {
  KeyId: string;
  TagKeys: string[];
}
export interface ListResourceTagsResponse extends PageInfo {
  Tags: Tag[];
}

// --- rotation ---------------------------------------------------------------------------------

export interface EnableKeyRotationRequest {
  KeyId: string;
  RotationPeriodInDays?: number;
}
export interface GetKeyRotationStatusResponse {
  KeyId: string;
  KeyRotationEnabled: boolean;
  RotationPeriodInDays?: number;
  NextRotationDate?: Date;
  OnDemandRotationStartDate?: Date;
}
export interface RotationListEntry {
  KeyId: string;
  KeyMaterialId: string;
  RotationDate: Date;
  RotationType: RotationType;
}
export interface ListKeyRotationsResponse extends PageInfo {
  Rotations: RotationListEntry[];
}

// --- symmetric cryptography -------------------------------------------------------------------

export interface EncryptRequest {
  KeyId: string;
  Plaintext: Uint8Array;
  EncryptionContext?: EncryptionContext;
  EncryptionAlgorithm?: string;
}
export interface EncryptResponse {
  KeyId: string;
  CiphertextBlob: Uint8Array;
  EncryptionAlgorithm: EncryptionAlgorithm;
}
export interface DecryptRequest {
  CiphertextBlob: Uint8Array;
  KeyId?: string;
  EncryptionContext?: EncryptionContext;
  EncryptionAlgorithm?: string;
}
export interface DecryptResponse {
  KeyId: string;
  Plaintext: Uint8Array;
  EncryptionAlgorithm: EncryptionAlgorithm;
  /** Symmetric keys only, as in AWS: the key material (version) that decrypted. */
  KeyMaterialId?: string;
}
export interface ReEncryptRequest {
  CiphertextBlob: Uint8Array;
  SourceKeyId?: string;
  SourceEncryptionContext?: EncryptionContext;
  SourceEncryptionAlgorithm?: string;
  DestinationKeyId: string;
  DestinationEncryptionContext?: EncryptionContext;
  DestinationEncryptionAlgorithm?: string;
}
export interface ReEncryptResponse {
  CiphertextBlob: Uint8Array;
  SourceKeyId: string;
  KeyId: string;
  SourceEncryptionAlgorithm: EncryptionAlgorithm;
  DestinationEncryptionAlgorithm: EncryptionAlgorithm;
  /** Present only when the source key is symmetric, as in AWS. */
  SourceKeyMaterialId?: string;
  /** Present only when the destination key is symmetric, as in AWS. */
  DestinationKeyMaterialId?: string;
}
export interface GenerateDataKeyRequest {
  KeyId: string;
  KeySpec?: string;
  NumberOfBytes?: number;
  EncryptionContext?: EncryptionContext;
}
export interface GenerateDataKeyResponse {
  KeyId: string;
  CiphertextBlob: Uint8Array;
  Plaintext: Uint8Array;
  KeyMaterialId: string;
}
export type GenerateDataKeyWithoutPlaintextResponse = Omit<GenerateDataKeyResponse, 'Plaintext'>;
export interface GenerateRandomRequest {
  NumberOfBytes: number;
}
export interface GenerateRandomResponse {
  Plaintext: Uint8Array;
}

// --- files: AWS Encryption SDK messages (not in AWS KMS; docs/FORMAT.md §4) -------------------

/** Progress of a file operation: bytes done and the total. Across Comlink, pass a Comlink.proxy. */
export type FileProgressCallback = (bytesDone: number, totalBytes: number) => void;

export interface EncryptFileRequest {
  Input: Blob;
  /** One or more symmetric keys (id, key ARN, alias name or alias ARN), at most 10: one entry each. */
  KeyIds: string[];
  /** Stored in clear in the file's header and bound to it. Keys beginning with aws-crypto- are reserved. */
  EncryptionContext?: EncryptionContext;
  /** Plaintext bytes per frame, 4096 to 4194304; default 32768. */
  FrameLength?: number;
  /**
   * Where to write the message: a file the caller chose (showSaveFilePicker). Written through
   * createWritable; the file changes only once the whole message is written. Without it the
   * output goes to the browser's private storage (OPFS) and has an OutputId.
   */
  Output?: FileSystemFileHandle;
}
export interface EncryptFileResponse {
  /**
   * `<input name>.encrypted`: an AWS Encryption SDK message, format 2, suite 0x0478. With an
   * Output handle in the request, that file as it now is (named as the person chose).
   */
  Output: File;
  /** Names this output for discardFileOutput, once the caller is done with it. */
  OutputId: string;
  /** Hex of the 32-byte message id. */
  MessageId: string;
  /** Key ARNs, in the order of the file's encrypted data keys. */
  KeyIds: string[];
  KeyMaterialIds: string[];
  EncryptionContext: EncryptionContext;
  /** "0x0478". */
  AlgorithmSuiteId: string;
  FrameLength: number;
  FrameCount: number;
  PlaintextLength: number;
  CiphertextLength: number;
}
export interface DecryptFileRequest {
  Input: Blob;
  /** Pairs the file's encryption context must contain (it may hold more). */
  EncryptionContext?: EncryptionContext;
  /** As for decrypt: if given, only this key may open the file (else IncorrectKeyException). */
  KeyId?: string;
  /**
   * Where to write the plaintext: a file the caller chose (showSaveFilePicker). Nothing appears
   * in it unless the whole message authenticates. Without it, the output goes to OPFS.
   */
  Output?: FileSystemFileHandle;
}
export interface DecryptFileResponse {
  /** Named as before encryption (`.encrypted` removed); with an Output handle, that file. */
  Output: File;
  /** Names this output for discardFileOutput, once the caller is done with it. */
  OutputId: string;
  KeyId: string;
  KeyVersion: number;
  KeyMaterialId: string;
  /** The file's whole context (with aws-crypto-public-key for a signed 0x0578 file). */
  EncryptionContext: EncryptionContext;
  MessageId: string;
  AlgorithmSuiteId: string;
  FrameLength: number;
  PlaintextLength: number;
}
/**
 * A file operation's response when the request gave an `Output` handle: the same fields, but no
 * OutputId — the output is the caller's file, and there is nothing for discardFileOutput.
 */
export type WrittenToHandle<R extends { OutputId: string }> = Omit<R, 'OutputId'> & {
  OutputId?: undefined;
};
export interface DiscardFileOutputRequest {
  /** The OutputId of an encryptFile or decryptFile response, or of listFileOutputs. */
  OutputId: string;
}
export interface StoredFileOutput {
  OutputId: string;
  /** The output itself, disk-backed: reading it costs no memory. */
  Output: File;
  CreationDate: Date;
  /** Made by a tab that has since closed (an earlier visit), not by this one. */
  FromEarlierVisit: boolean;
}
export interface ListFileOutputsResponse {
  /** Every finished output of this tab and of closed tabs, oldest first (not other open tabs'). */
  Outputs: StoredFileOutput[];
}
export interface InspectCiphertextRequest {
  Input: Blob;
}
/** One field of the message with its place in the file (named as in the AWS specification). */
export interface InspectedField {
  Name: string;
  Offset: number;
  Length: number;
  Value: string;
}
export interface InspectedEncryptedDataKey {
  ProviderId: string;
  /** The raw-AES-keyring key name, when the entry has that layout. */
  KeyName?: string;
  /** For a vault entry (`pocket-kms`, `<KeyId>#v<version>`): the key ARN and version it names. */
  KeyId?: string;
  KeyVersion?: number;
  /** Whether this vault holds that key and version. */
  HeldByVault: boolean;
  KeyState?: KeyState;
}
export interface InspectCiphertextResponse {
  /** File size in bytes. */
  Length: number;
  MessageId: string;
  AlgorithmSuiteId: string;
  AlgorithmSuiteName: string;
  Signed: boolean;
  EncryptionContext: EncryptionContext;
  EncryptedDataKeys: InspectedEncryptedDataKey[];
  HeaderLength: number;
  ContentType: 'framed' | 'non-framed';
  FrameLength: number;
  FrameCount?: number;
  RegularFrameSize?: number;
  FinalFrameContentLength?: number;
  PlaintextLength?: number;
  FooterOffset?: number;
  SignatureLength?: number;
  /** Set when the body does not have the layout the header predicts (truncated, appended to, changed). */
  Problem?: string;
  /** Header fields, then the first frame's, the final frame's and the footer's. */
  Fields: InspectedField[];
}

/**
 * The file operations: the AWS Encryption SDK's job done over vault keys (docs/FORMAT.md §4).
 * `onProgress` crosses the worker boundary as a Comlink proxy; `signal` through the AbortSignal
 * transfer handler (workers/abort-signal-transfer.ts). A cancelled call rejects with
 * OperationCancelledException and leaves no output behind.
 */
export interface KmsFileOperations {
  encryptFile(
    request: EncryptFileRequest & { Output: FileSystemFileHandle },
    onProgress?: FileProgressCallback,
    signal?: AbortSignal,
  ): Promise<WrittenToHandle<EncryptFileResponse>>;
  encryptFile(
    request: EncryptFileRequest & { Output?: undefined },
    onProgress?: FileProgressCallback,
    signal?: AbortSignal,
  ): Promise<EncryptFileResponse>;
  /** The last signature is the one the operation table (workers/kms/operation.ts) serves. */
  encryptFile(
    request: EncryptFileRequest,
    onProgress?: FileProgressCallback,
    signal?: AbortSignal,
  ): Promise<EncryptFileResponse | WrittenToHandle<EncryptFileResponse>>;
  decryptFile(
    request: DecryptFileRequest & { Output: FileSystemFileHandle },
    onProgress?: FileProgressCallback,
    signal?: AbortSignal,
  ): Promise<WrittenToHandle<DecryptFileResponse>>;
  decryptFile(
    request: DecryptFileRequest & { Output?: undefined },
    onProgress?: FileProgressCallback,
    signal?: AbortSignal,
  ): Promise<DecryptFileResponse>;
  decryptFile(
    request: DecryptFileRequest,
    onProgress?: FileProgressCallback,
    signal?: AbortSignal,
  ): Promise<DecryptFileResponse | WrittenToHandle<DecryptFileResponse>>;
  inspectCiphertext(request: InspectCiphertextRequest): Promise<InspectCiphertextResponse>;
  /** Removes an output of encryptFile/decryptFile made in this tab; its File stops being readable. */
  discardFileOutput(request: DiscardFileOutputRequest): Promise<Record<string, never>>;
  listFileOutputs(): Promise<ListFileOutputsResponse>;
}

// --- asymmetric and HMAC keys (issue 4) -------------------------------------------------------

export interface GetPublicKeyResponse extends AlgorithmLists {
  KeyId: string;
  /** DER SubjectPublicKeyInfo (RFC 5280), as AWS KMS returns it. */
  PublicKey: Uint8Array;
  KeySpec: KeySpec;
  /** Deprecated in AWS, and still returned: always equal to KeySpec. */
  CustomerMasterKeySpec: KeySpec;
  KeyUsage: KeyUsage;
}

export interface SignRequest {
  KeyId: string;
  /** RAW: the message, 1–4096 bytes. DIGEST: exactly the algorithm's hash length. */
  Message: Uint8Array;
  MessageType?: string;
  SigningAlgorithm: string;
}
export interface SignResponse {
  KeyId: string;
  /** PKCS #1 for RSA, DER (RFC 3279 §2.2.3) for ECDSA, 64 bytes for Ed25519. */
  Signature: Uint8Array;
  SigningAlgorithm: SigningAlgorithm;
}
/** The signer: exactly one of KeyId (a vault key) and PublicKey — PublicKey is not in AWS. */
export interface SignerChoice {
  KeyId?: string;
  /** DER SubjectPublicKeyInfo bytes, or PEM, JWK JSON or base64 DER text. */
  PublicKey?: Uint8Array | string;
}
export interface VerifyRequest extends Omit<SignRequest, 'KeyId'>, SignerChoice {
  Signature: Uint8Array;
}
/** Only a valid signature returns; any other rejects with KMSInvalidSignatureException. */
export interface VerifyResponse {
  /** The vault key's ARN, when KeyId was given. */
  KeyId?: string;
  /** The public key's spec, when PublicKey was given. */
  PublicKeySpec?: KeySpec;
  SignatureValid: true;
  SigningAlgorithm: SigningAlgorithm;
}

export interface GenerateMacRequest {
  KeyId: string;
  Message: Uint8Array;
  MacAlgorithm: string;
}
export interface GenerateMacResponse {
  KeyId: string;
  Mac: Uint8Array;
  MacAlgorithm: MacAlgorithm;
}
export interface VerifyMacRequest extends GenerateMacRequest {
  Mac: Uint8Array;
}
/** Only a valid MAC returns; any other rejects with KMSInvalidMacException. */
export interface VerifyMacResponse {
  KeyId: string;
  MacValid: true;
  MacAlgorithm: MacAlgorithm;
}

export interface GenerateDataKeyPairRequest {
  /** The symmetric ENCRYPT_DECRYPT key that encrypts the private key. */
  KeyId: string;
  KeyPairSpec: string;
  EncryptionContext?: EncryptionContext;
}
export interface GenerateDataKeyPairResponse {
  KeyId: string;
  KeyPairSpec: DataKeyPairSpec;
  /** The PKCS #8 private key in a ciphertext blob: `decrypt` opens it. */
  PrivateKeyCiphertextBlob: Uint8Array;
  /** PKCS #8 PrivateKeyInfo DER (RFC 5208). */
  PrivateKeyPlaintext: Uint8Array;
  /** DER SubjectPublicKeyInfo. */
  PublicKey: Uint8Array;
  KeyMaterialId: string;
}
export type GenerateDataKeyPairWithoutPlaintextResponse = Omit<
  GenerateDataKeyPairResponse,
  'PrivateKeyPlaintext'
>;

export interface DeriveSharedSecretRequest {
  KeyId: string;
  KeyAgreementAlgorithm: string;
  /** The peer's public key, DER SubjectPublicKeyInfo on the same curve. */
  PublicKey: Uint8Array;
}
export interface DeriveSharedSecretResponse {
  KeyId: string;
  /** The raw ECDH shared secret (the x-coordinate), no KDF applied — as AWS KMS returns it. */
  SharedSecret: Uint8Array;
  KeyAgreementAlgorithm: KeyAgreementAlgorithm;
  KeyOrigin: Origin;
}

/** signFile (not in AWS KMS): a detached signature of a file of any size (docs/FORMAT.md §5). */
export interface SignFileRequest {
  Input: Blob;
  /** A SIGN_VERIFY key. */
  KeyId: string;
  /** One of the key's SigningAlgorithms that takes RAW messages (not ED25519_PH_SHA_512). */
  SigningAlgorithm: string;
}
export interface SignFileResponse {
  /** Key ARN. */
  KeyId: string;
  SigningAlgorithm: SigningAlgorithm;
  /** The file name in the statement (`data` for a Blob without one). */
  Name: string;
  /** File size in bytes. */
  Length: number;
  /** SHA-256 of the file, lower-case hex. */
  Sha256: string;
  /** The exact bytes signed: the canonical JSON statement. */
  Statement: Uint8Array;
  /** As `sign` returns it for the statement. */
  Signature: Uint8Array;
  /** `<input name>.sig`: the text file of docs/FORMAT.md §5.2. */
  SignatureFile: File;
}
export interface VerifyFileRequest extends SignerChoice {
  Input: Blob;
  SignatureFile: Blob;
}
/** Only a valid signature over a matching file returns; else KMSInvalidSignatureException. */
export interface VerifyFileResponse {
  SignatureValid: true;
  SigningAlgorithm: SigningAlgorithm;
  /** From the signed statement: the name the file had when it was signed. */
  Name: string;
  Length: number;
  Sha256: string;
  /** The vault key's ARN, when KeyId was given. */
  KeyId?: string;
  /** The public key's spec, when PublicKey was given. */
  PublicKeySpec?: KeySpec;
}

/** The asymmetric and HMAC operations; encrypt and decrypt in KmsApi also take RSA keys. */
export interface KmsAsymmetricOperations {
  signFile(
    request: SignFileRequest,
    onProgress?: FileProgressCallback,
    signal?: AbortSignal,
  ): Promise<SignFileResponse>;
  verifyFile(
    request: VerifyFileRequest,
    onProgress?: FileProgressCallback,
    signal?: AbortSignal,
  ): Promise<VerifyFileResponse>;
  getPublicKey(request: KeyIdRequest): Promise<GetPublicKeyResponse>;
  sign(request: SignRequest): Promise<SignResponse>;
  verify(request: VerifyRequest): Promise<VerifyResponse>;
  generateMac(request: GenerateMacRequest): Promise<GenerateMacResponse>;
  verifyMac(request: VerifyMacRequest): Promise<VerifyMacResponse>;
  generateDataKeyPair(request: GenerateDataKeyPairRequest): Promise<GenerateDataKeyPairResponse>;
  generateDataKeyPairWithoutPlaintext(
    request: GenerateDataKeyPairRequest,
  ): Promise<GenerateDataKeyPairWithoutPlaintextResponse>;
  deriveSharedSecret(request: DeriveSharedSecretRequest): Promise<DeriveSharedSecretResponse>;
}

// --- bring your own key: importing key material (docs/API.md, "Importing key material") ----------

/** Not in AWS: the (namespace, name) pair an AWS Encryption SDK raw AES keyring is built with. */
export interface RawAesKeyringIdentity {
  KeyNamespace: string;
  KeyName: string;
}
export interface GetParametersForImportRequest {
  KeyId: string;
  /** RSAES_OAEP_SHA_256 or RSAES_OAEP_SHA_1 (AWS's other values are refused). */
  WrappingAlgorithm: string;
  /** RSA_2048, RSA_3072 or RSA_4096. */
  WrappingKeySpec: string;
}
export interface GetParametersForImportResponse {
  KeyId: string;
  /** Pass back unchanged to importKeyMaterial; only the newest token of a key is valid. */
  ImportToken: Uint8Array;
  /** The RSA wrapping public key, DER SubjectPublicKeyInfo. */
  PublicKey: Uint8Array;
  /** 24 hours after the call. */
  ParametersValidTo: Date;
}
export interface ImportKeyMaterialRequest {
  KeyId: string;
  ImportToken: Uint8Array;
  /** The 32 bytes of AES-256 key material, RSA-OAEP-encrypted under the PublicKey. */
  EncryptedKeyMaterial: Uint8Array;
  /** Default KEY_MATERIAL_EXPIRES, as in AWS, which needs ValidTo. */
  ExpirationModel?: string;
  ValidTo?: Date;
  /** Not in AWS: wrap file data keys under this raw-AES-keyring identity (docs/FORMAT.md §4.8). */
  RawAesKeyring?: RawAesKeyringIdentity;
}
export interface ImportKeyMaterialResponse {
  KeyId: string;
  KeyMaterialId: string;
}
export interface DeleteImportedKeyMaterialResponse {
  KeyId: string;
  KeyMaterialId: string;
}

/** Keys with Origin EXTERNAL: the user brings the AES-256 key material (AWS's import flow). */
export interface KmsImportOperations {
  getParametersForImport(
    request: GetParametersForImportRequest,
  ): Promise<GetParametersForImportResponse>;
  importKeyMaterial(request: ImportKeyMaterialRequest): Promise<ImportKeyMaterialResponse>;
  deleteImportedKeyMaterial(request: KeyIdRequest): Promise<DeleteImportedKeyMaterialResponse>;
}

// --- recovery and backups (docs/API.md "Recovery and backups"; DESIGN §10) ---------------------

/** How the person holds the vault's recovery identity. */
export type RecoveryMethod = 'PASSPHRASE' | 'RECOVERY_KEY';

export interface SetUpRecoveryRequest {
  /** A recovery passphrase (at least 12 characters): the identity is kept sealed under it. */
  Passphrase?: string;
  /** Return the identity once, as a recovery key (`AGE-SECRET-KEY-1…`), for the person to keep. */
  GenerateRecoveryKey?: boolean;
}
export interface SetUpRecoveryResponse {
  /** The recovery key, returned this once and never stored in the clear. */
  RecoveryKey?: string;
  /** The age recipient (`age1…`) every new key version is sealed to. */
  Recipient: string;
  Methods: RecoveryMethod[];
  SetUpDate: Date;
}
export interface UnrecoverableKey {
  KeyId: string;
  /** The versions whose material was not sealed for recovery (made before set-up). */
  Versions: number[];
  /** True when no version of the key is recoverable. */
  AllVersions: boolean;
}
export interface DescribeRecoveryResponse {
  RecoverySetUp: boolean;
  Methods: RecoveryMethod[];
  SetUpDate?: Date;
  Recipient?: string;
  LastBackupDate?: Date;
  /** When the newest key version was made: a backup older than this misses it. */
  NewestKeyVersionDate?: Date;
  RecoverableKeyCount: number;
  UnrecoverableKeys: UnrecoverableKey[];
}
/** The current recovery secret: the passphrase or the recovery key, one of the two. */
export interface RecoverySecret {
  Passphrase?: string;
  RecoveryKey?: string;
}
export interface ChangeRecoveryPassphraseRequest extends RecoverySecret {
  NewPassphrase: string;
}
export interface ChangeRecoveryPassphraseResponse {
  Methods: RecoveryMethod[];
}
export interface RotateRecoveryKeyRequest extends RecoverySecret {
  NewPassphrase?: string;
  GenerateRecoveryKey?: boolean;
}
export interface RotateRecoveryKeyResponse extends SetUpRecoveryResponse {
  /** Key versions re-sealed to the new recipient. */
  ResealedVersionCount: number;
}
export interface ExportVaultBackupRequest {
  /** Only these keys (ids, ARNs or aliases); every key when left out. */
  KeyIds?: string[];
  /** Put the whole audit log in the backup, not just its head. */
  IncludeAuditLog?: boolean;
}
export interface ExportVaultBackupResponse {
  /** `pocket-kms-<vault id>-<date>.tar`: a ustar archive of age files (docs/FORMAT.md). */
  Backup: File;
  KeyCount: number;
  VersionCount: number;
  /** Versions in the backup without their material (made before recovery was set up). */
  UnrecoverableVersionCount: number;
}
export interface VaultBackupRequest extends RecoverySecret {
  Backup: Blob;
}
export interface BackupKeySummary {
  KeyId: string;
  KeySpec: KeySpec;
  KeyUsage: KeyUsage;
  KeyState: KeyState;
  Description: string;
  Aliases: string[];
  VersionCount: number;
  RecoverableVersionCount: number;
  /** What a restore into this vault does with the key. */
  Action: 'RESTORE' | 'SKIP_PRESENT' | 'SKIP_NOT_RECOVERABLE';
}
export interface InspectVaultBackupResponse {
  VaultId: string;
  CreatedAt: Date;
  /** True when this vault holds no key: a restore then takes the backup's vault id too. */
  RestoresVaultId: boolean;
  Keys: BackupKeySummary[];
  AuditLogHead: { sequence: number; hash: string } | null;
}
export interface RestoreVaultBackupResponse {
  VaultId: string;
  RestoredKeyIds: string[];
  SkippedKeys: { KeyId: string; Reason: 'ALREADY_PRESENT' | 'NOT_RECOVERABLE' }[];
}

export interface KmsRecoveryOperations {
  setUpRecovery(request: SetUpRecoveryRequest): Promise<SetUpRecoveryResponse>;
  describeRecovery(): Promise<DescribeRecoveryResponse>;
  changeRecoveryPassphrase(
    request: ChangeRecoveryPassphraseRequest,
  ): Promise<ChangeRecoveryPassphraseResponse>;
  rotateRecoveryKey(request: RotateRecoveryKeyRequest): Promise<RotateRecoveryKeyResponse>;
  exportVaultBackup(request?: ExportVaultBackupRequest): Promise<ExportVaultBackupResponse>;
  inspectVaultBackup(request: VaultBackupRequest): Promise<InspectVaultBackupResponse>;
  restoreVaultBackup(request: VaultBackupRequest): Promise<RestoreVaultBackupResponse>;
}

// --- audit ------------------------------------------------------------------------------------

export interface AuditResource {
  accountId: string;
  type: 'AWS::KMS::Key' | 'AWS::KMS::Alias';
  ARN: string;
}

/** A CloudTrail record for KMS, plus the hash chain (docs/FORMAT.md, "Audit records"). */
export interface AuditEvent {
  eventVersion: '1.08';
  userIdentity: { type: 'Local'; principalId: string; invokedBy: string };
  eventTime: string;
  eventSource: string;
  eventName: string;
  awsRegion: 'local';
  sourceIPAddress: string;
  userAgent: string;
  requestParameters: Record<string, unknown> | null;
  responseElements: Record<string, unknown> | null;
  errorCode?: string;
  errorMessage?: string;
  requestID: string;
  eventID: string;
  readOnly: boolean;
  resources: AuditResource[];
  eventType: 'AwsApiCall' | 'AwsServiceEvent';
  managementEvent: boolean;
  recipientAccountId: string;
  eventCategory: 'Management';
  /** Service events (automatic rotation, key deletion) say what they did here. */
  additionalEventData?: Record<string, unknown>;
  /** Position in the chain, from 1. */
  sequence: number;
  /** SHA-256 (hex) of the previous record's `hash`; 64 zeros for the first record. */
  previousHash: string;
  /** SHA-256 (hex) of this record's canonical form without `hash`. */
  hash: string;
}

export interface ListAuditEventsRequest extends Paged {
  EventName?: string;
  KeyId?: string;
  StartTime?: Date;
  EndTime?: Date;
  ErrorsOnly?: boolean;
  /**
   * Not in AWS. False leaves out the reads the UI makes on its own to draw its pages (records
   * whose userAgent is BACKGROUND_USER_AGENT). Default true: every record.
   */
  IncludeBackgroundReads?: boolean;
}
export interface ListAuditEventsResponse extends PageInfo {
  Events: AuditEvent[];
}
export interface VerifyAuditLogRequest {
  /**
   * LAST_CHECKPOINT: check only the records after the newest confirmed checkpoint — where the
   * last walk that found the chain valid ended (a checkpoint is also kept every 10,000 records,
   * and a walk confirms each one it passes); the full walk when there is none.
   */
  Since?: 'LAST_CHECKPOINT';
}
/** Progress of a long walk: records checked so far, and how many there are. */
export type RecordProgressCallback = (recordsDone: number, totalRecords: number) => void;
export interface VerifyAuditLogResponse {
  /** With Since: the confirmed checkpoint the check started after (absent for a full walk). */
  VerifiedFromSequence?: number;
  Valid: boolean;
  RecordCount: number;
  /** The first record whose chain check failed, when Valid is false. */
  FirstInvalidSequence?: number;
  Reason?: string;
}
export interface ExportAuditLogResponse {
  /**
   * CloudTrail log-file shape, `{ "Records": [...] }` as UTF-8 JSON, one record a line, written
   * to a disk-backed file in batches (never one string). Discard it with discardFileOutput.
   */
  Output: File;
  OutputId: string;
  RecordCount: number;
}

// --- the vault lock (docs/API.md "The vault lock"; DESIGN §10; issue 12) -----------------------

/** How the person opens the vault lock. */
export type VaultLockMethod = 'PASSPHRASE' | 'PASSKEY';

/**
 * A passkey being added to the lock: its credential id (base64url, as WebAuthn gives it), the
 * PRF salt the page evaluated, and the 32-byte PRF output the ceremony returned. The core uses
 * the output once to seal the vault key and never stores it.
 */
export interface PasskeyEnrolment {
  CredentialId: string;
  PrfSalt: Uint8Array<ArrayBuffer>;
  PrfOutput: Uint8Array<ArrayBuffer>;
}
/** A passkey unlocking: the credential the browser used and its PRF output for the lock's salt. */
export interface PasskeyAssertion {
  CredentialId: string;
  PrfOutput: Uint8Array<ArrayBuffer>;
}
/** The lock's current secret: the passphrase or a passkey's assertion, one of the two. */
export interface VaultLockSecret {
  Passphrase?: string;
  Passkey?: PasskeyAssertion;
}
export interface SetUpVaultLockRequest {
  /** A lock passphrase (at least 12 characters). */
  Passphrase?: string;
  /** A passkey with the WebAuthn PRF extension. */
  Passkey?: PasskeyEnrolment;
  /** Lock after this many minutes without a call from the person; 0 turns it off. Default 15. */
  IdleMinutes?: number;
  /**
   * The recovery passphrase or recovery key, to seal under the lock the key versions that are
   * today held only sealed for recovery (their material is opened with it, once).
   */
  RecoveryPassphrase?: string;
  RecoveryKey?: string;
}
/** A key with versions whose material was never held as bytes: the lock cannot seal them. */
export interface UnsealableKey {
  KeyId: string;
  KeySpec: KeySpec;
  KeyState: KeyState;
  Versions: number[];
}
export interface SetUpVaultLockResponse {
  Methods: VaultLockMethod[];
  SetUpDate: Date;
  IdleMinutes: number;
  /** Key versions now held only sealed under the lock. */
  SealedVersionCount: number;
  /** Versions still stored usable that a recovery secret would seal (ChangeVaultLock takes one). */
  RecoverableUnsealedVersionCount: number;
  UnsealableKeys: UnsealableKey[];
}
export interface DescribeVaultLockRequest {
  /**
   * Also count the key versions by how they are held (the Keys fields below): one read of every
   * version, so only a page that shows them asks (the Security page); the header does not.
   */
  IncludeKeys?: boolean;
}
export interface DescribeVaultLockResponse {
  LockSetUp: boolean;
  /** True while this tab's core holds no key material (always false without a lock). */
  Locked: boolean;
  Methods: VaultLockMethod[];
  SetUpDate?: Date;
  IdleMinutes?: number;
  /** The passkey's credential id and PRF salt, for the unlock ceremony (both public). */
  Passkey?: { CredentialId: string; PrfSalt: Uint8Array<ArrayBuffer> };
  /** Key versions held in this core's memory. */
  UnlockedVersionCount: number;
  /** With IncludeKeys: versions stored only sealed under the lock. */
  SealedVersionCount?: number;
  /** With IncludeKeys: versions stored usable that a recovery secret would seal. */
  RecoverableUnsealedVersionCount?: number;
  /** With IncludeKeys: versions whose material was never held as bytes (no seal can cover them). */
  UnsealableKeys?: UnsealableKey[];
  /** Wrong secrets given in a row; from the third, each next try waits (NextAttemptDate). */
  FailedAttempts: number;
  NextAttemptDate?: Date;
}
export interface UnlockVaultResponse {
  UnlockedVersionCount: number;
  IdleMinutes: number;
}
export interface ChangeVaultLockRequest extends VaultLockSecret {
  /** To seal the versions stored usable that recovery holds sealed (as at set-up). */
  RecoveryPassphrase?: string;
  RecoveryKey?: string;
  NewPassphrase?: string;
  NewPasskey?: PasskeyEnrolment;
  RemovePassphrase?: boolean;
  RemovePasskey?: boolean;
  IdleMinutes?: number;
}
export interface ChangeVaultLockResponse {
  Methods: VaultLockMethod[];
  IdleMinutes: number;
  /** Versions sealed by this call (with a recovery secret). */
  SealedVersionCount: number;
}
export interface RemoveVaultLockResponse {
  /** Key versions stored again as non-extractable CryptoKeys. */
  UnsealedVersionCount: number;
}

export interface KmsVaultLockOperations {
  setUpVaultLock(request: SetUpVaultLockRequest): Promise<SetUpVaultLockResponse>;
  describeVaultLock(request?: DescribeVaultLockRequest): Promise<DescribeVaultLockResponse>;
  unlockVault(request: VaultLockSecret): Promise<UnlockVaultResponse>;
  lockVault(): Promise<{ Locked: true }>;
  changeVaultLock(request: ChangeVaultLockRequest): Promise<ChangeVaultLockResponse>;
  removeVaultLock(request: VaultLockSecret): Promise<RemoveVaultLockResponse>;
}

/** What `window.kms` and the UI call. Every method is audited. */
export interface KmsApi
  extends
    KmsFileOperations,
    KmsAsymmetricOperations,
    KmsImportOperations,
    KmsRecoveryOperations,
    KmsVaultLockOperations {
  createKey(request?: CreateKeyRequest): Promise<KeyMetadataResponse>;
  describeKey(request: KeyIdRequest): Promise<KeyMetadataResponse>;
  listKeys(request?: Paged): Promise<ListKeysResponse>;
  listKeyDetails(request?: Paged): Promise<ListKeyDetailsResponse>;
  updateKeyDescription(request: UpdateKeyDescriptionRequest): Promise<Record<string, never>>;
  enableKey(request: KeyIdRequest): Promise<Record<string, never>>;
  disableKey(request: KeyIdRequest): Promise<Record<string, never>>;
  scheduleKeyDeletion(request: ScheduleKeyDeletionRequest): Promise<ScheduleKeyDeletionResponse>;
  cancelKeyDeletion(request: KeyIdRequest): Promise<CancelKeyDeletionResponse>;

  createAlias(request: AliasRequest): Promise<Record<string, never>>;
  updateAlias(request: AliasRequest): Promise<Record<string, never>>;
  deleteAlias(request: { AliasName: string }): Promise<Record<string, never>>;
  listAliases(request?: ListAliasesRequest): Promise<ListAliasesResponse>;
  tagResource(request: TagResourceRequest): Promise<Record<string, never>>;
  untagResource(request: UntagResourceRequest): Promise<Record<string, never>>;
  listResourceTags(request: KeyIdRequest & Paged): Promise<ListResourceTagsResponse>;

  enableKeyRotation(request: EnableKeyRotationRequest): Promise<Record<string, never>>;
  disableKeyRotation(request: KeyIdRequest): Promise<Record<string, never>>;
  getKeyRotationStatus(request: KeyIdRequest): Promise<GetKeyRotationStatusResponse>;
  rotateKeyOnDemand(request: KeyIdRequest): Promise<{ KeyId: string }>;
  listKeyRotations(request: KeyIdRequest & Paged): Promise<ListKeyRotationsResponse>;

  encrypt(request: EncryptRequest): Promise<EncryptResponse>;
  decrypt(request: DecryptRequest): Promise<DecryptResponse>;
  reEncrypt(request: ReEncryptRequest): Promise<ReEncryptResponse>;
  generateDataKey(request: GenerateDataKeyRequest): Promise<GenerateDataKeyResponse>;
  generateDataKeyWithoutPlaintext(
    request: GenerateDataKeyRequest,
  ): Promise<GenerateDataKeyWithoutPlaintextResponse>;
  generateRandom(request: GenerateRandomRequest): Promise<GenerateRandomResponse>;

  listAuditEvents(request?: ListAuditEventsRequest): Promise<ListAuditEventsResponse>;
  verifyAuditLog(
    request?: VerifyAuditLogRequest,
    onProgress?: RecordProgressCallback,
    signal?: AbortSignal,
  ): Promise<VerifyAuditLogResponse>;
  exportAuditLog(): Promise<ExportAuditLogResponse>;
}

export type KmsOperation = keyof KmsApi;

/**
 * Every operation of KmsApi, by name: the worker forwards these and nothing else, so page
 * script can never reach the core's internals (its key handles, its unaudited helpers).
 */
export const KMS_OPERATIONS = [
  'createKey',
  'describeKey',
  'listKeys',
  'listKeyDetails',
  'updateKeyDescription',
  'enableKey',
  'disableKey',
  'scheduleKeyDeletion',
  'cancelKeyDeletion',
  'createAlias',
  'updateAlias',
  'deleteAlias',
  'listAliases',
  'tagResource',
  'untagResource',
  'listResourceTags',
  'enableKeyRotation',
  'disableKeyRotation',
  'getKeyRotationStatus',
  'rotateKeyOnDemand',
  'listKeyRotations',
  'encrypt',
  'decrypt',
  'reEncrypt',
  'generateDataKey',
  'generateDataKeyWithoutPlaintext',
  'generateRandom',
  'encryptFile',
  'decryptFile',
  'inspectCiphertext',
  'discardFileOutput',
  'listFileOutputs',
  'getPublicKey',
  'sign',
  'verify',
  'generateMac',
  'verifyMac',
  'generateDataKeyPair',
  'generateDataKeyPairWithoutPlaintext',
  'deriveSharedSecret',
  'signFile',
  'verifyFile',
  'getParametersForImport',
  'importKeyMaterial',
  'deleteImportedKeyMaterial',
  'listAuditEvents',
  'verifyAuditLog',
  'exportAuditLog',
  'setUpRecovery',
  'describeRecovery',
  'changeRecoveryPassphrase',
  'rotateRecoveryKey',
  'exportVaultBackup',
  'inspectVaultBackup',
  'restoreVaultBackup',
  'setUpVaultLock',
  'describeVaultLock',
  'unlockVault',
  'lockVault',
  'changeVaultLock',
  'removeVaultLock',
] as const satisfies readonly KmsOperation[];

// Compile-time check that the list above names every operation of KmsApi.
type MissingOperations = Exclude<KmsOperation, (typeof KMS_OPERATIONS)[number]>;
export const ALL_OPERATIONS_LISTED: MissingOperations extends never ? true : MissingOperations =
  true;

/**
 * The sandbox vault (issue 13 §1): a second vault — its own IndexedDB database of this name, its
 * own OPFS folder, its own core worker — whose clock only moves forward when asked. It answers
 * every operation of KmsApi, plus SANDBOX_OPERATIONS. The person's vault never moves its clock.
 */
export const SANDBOX_VAULT_NAME = 'pocket-kms-sandbox';

export interface AdvanceClockRequest {
  /** Whole days to move forward, 0–36500. */
  Days?: number;
  /** Whole hours to move forward, 0–876000. At least one of Days and Hours is above 0. */
  Hours?: number;
}
export interface SetClockRequest {
  /** The sandbox's new now: not earlier than its present now (the clock only moves forward). */
  Date: Date;
}
export interface DescribeClockResponse {
  /** The sandbox's now. */
  Date: Date;
  /** How far the sandbox's now is ahead of the system clock. */
  OffsetInMilliseconds: number;
}
export interface MoveClockResponse extends DescribeClockResponse {
  /** The sandbox's now before the move. */
  PreviousDate: Date;
  /** Events housekeeping wrote at the new time: rotations, deletions, expiries (AwsServiceEvent). */
  HousekeepingEvents: number;
}

/** What the sandbox adds to KmsApi: its clock, and starting over. */
export interface SandboxClockApi {
  advanceClock(request: AdvanceClockRequest): Promise<MoveClockResponse>;
  setClock(request: SetClockRequest): Promise<MoveClockResponse>;
  describeClock(request?: Record<string, never>): Promise<DescribeClockResponse>;
  /** Deletes the sandbox's database and OPFS folder and opens a fresh sandbox vault. */
  resetSandbox(request?: Record<string, never>): Promise<DescribeClockResponse>;
}
export type SandboxApi = KmsApi & SandboxClockApi;

/** The sandbox's operations beyond KMS_OPERATIONS; the real vault's core refuses them. */
export const SANDBOX_OPERATIONS = [
  'advanceClock',
  'setClock',
  'describeClock',
  'resetSandbox',
] as const satisfies readonly (keyof SandboxClockApi)[];

/**
 * What the core worker exposes through Comlink: one door. `invoke` runs the named operation of
 * KMS_OPERATIONS with its arguments (request, then a file operation's progress callback and
 * AbortSignal), audited under `userAgent` (src/kms/client.ts is the only caller).
 */
export interface CoreWorkerApi {
  invoke(operation: unknown, userAgent: unknown, ...args: unknown[]): Promise<unknown>;
}

/**
 * The user agent of the calls the UI makes on its own to draw a page. The core honours it only
 * for operations that read metadata (workers/kms/audited-call.ts); Activity hides these records
 * unless asked (ListAuditEvents IncludeBackgroundReads).
 */
export const BACKGROUND_USER_AGENT = 'pocket-kms-ui/background';

/** The user agent of the calls a person starts in the UI. */
export const UI_USER_AGENT = 'pocket-kms-ui';

/** What the vault-changed channel carries after each change: what happened, and to which keys. */
export interface VaultChange {
  eventName: string;
  /** The ids of the keys the change touched (its audit record's resources), so views re-read only those. */
  keyIds: string[];
}

/**
 * The BroadcastChannel on which the core announces, after each change to a vault, the event
 * name of what changed, so every open tab can refresh its views.
 */
export function vaultChangedChannel(vaultName: string): string {
  return `pocket-kms:${vaultName}:changed`;
}

/**
 * How far a schema upgrade of the vault has come (issue 16): it rewrites the audit log's index
 * entries, which at a million records takes minutes, and every call waits for it. Done and
 * Total count log entries; Done === Total when the upgrade's work is done.
 */
export interface VaultUpgradeProgress {
  Done: number;
  Total: number;
}

/** The BroadcastChannel on which a core opening the vault posts VaultUpgradeProgress. */
export function vaultUpgradeChannel(vaultName: string): string {
  return `pocket-kms:${vaultName}:upgrade`;
}
