/**
 * The contract of the core worker: AWS KMS operations in camelCase, AWS field names, binary
 * fields as Uint8Array, dates as Date. Every method rejects with a KmsError (workers/errors.ts)
 * whose name is the AWS exception name. docs/API.md documents each operation.
 *
 * This file holds types (plus the operation list and one channel name) only, so the UI can import it without pulling in
 * worker code.
 */

export type KeySpec = 'SYMMETRIC_DEFAULT';
export type KeyUsage = 'ENCRYPT_DECRYPT';
export type KeyState = 'Enabled' | 'Disabled' | 'PendingDeletion' | 'PendingImport';
export type Origin = 'POCKET_KMS';
export type EncryptionAlgorithm = 'SYMMETRIC_DEFAULT';
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
  EncryptionAlgorithms: EncryptionAlgorithm[];
  MultiRegion: false;
  CurrentKeyMaterialId: string;
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
  KeyMaterialId: string;
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
  KeyMaterialId: string;
  /** Not in AWS: the key version (1 = original material) that decrypted, for people learning rotation. */
  KeyVersion: number;
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
  SourceKeyMaterialId: string;
  DestinationKeyMaterialId: string;
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
}
export interface ListAuditEventsResponse extends PageInfo {
  Events: AuditEvent[];
}
export interface VerifyAuditLogResponse {
  Valid: boolean;
  RecordCount: number;
  /** The first record whose chain check failed, when Valid is false. */
  FirstInvalidSequence?: number;
  Reason?: string;
}
export interface ExportAuditLogResponse {
  /** CloudTrail log-file shape: { Records: [...] } as UTF-8 JSON. */
  Json: string;
  RecordCount: number;
}

/** What `window.kms` and the UI call. Every method is audited. */
export interface KmsApi {
  createKey(request?: CreateKeyRequest): Promise<KeyMetadataResponse>;
  describeKey(request: KeyIdRequest): Promise<KeyMetadataResponse>;
  listKeys(request?: Paged): Promise<ListKeysResponse>;
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
  verifyAuditLog(): Promise<VerifyAuditLogResponse>;
  exportAuditLog(): Promise<ExportAuditLogResponse>;
}

export type KmsOperation = keyof KmsApi;

/**
 * Every operation of KmsApi, by name: the worker forwards these and nothing else, so page
 * script can never reach the core's internals (its key handles, its unaudited helpers).
 */
export const KMS_OPERATIONS = [
  'createKey', 'describeKey', 'listKeys', 'updateKeyDescription', 'enableKey', 'disableKey',
  'scheduleKeyDeletion', 'cancelKeyDeletion',
  'createAlias', 'updateAlias', 'deleteAlias', 'listAliases',
  'tagResource', 'untagResource', 'listResourceTags',
  'enableKeyRotation', 'disableKeyRotation', 'getKeyRotationStatus', 'rotateKeyOnDemand',
  'listKeyRotations',
  'encrypt', 'decrypt', 'reEncrypt', 'generateDataKey', 'generateDataKeyWithoutPlaintext',
  'generateRandom',
  'listAuditEvents', 'verifyAuditLog', 'exportAuditLog',
] as const satisfies readonly KmsOperation[];

// Compile-time check that the list above names every operation of KmsApi.
type MissingOperations = Exclude<KmsOperation, (typeof KMS_OPERATIONS)[number]>;
export const ALL_OPERATIONS_LISTED: MissingOperations extends never ? true : MissingOperations = true;

/**
 * The BroadcastChannel on which the core announces, after each change to a vault, the event
 * name of what changed, so every open tab can refresh its views.
 */
export function vaultChangedChannel(vaultName: string): string {
  return `pocket-kms:${vaultName}:changed`;
}
