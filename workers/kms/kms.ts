/**
 * The KMS: every operation of workers/api.ts, with AWS KMS semantics, over the vault store.
 *
 * Each public method goes through `call`, which is the only place audit records are written:
 * it validates nothing itself, runs the operation, and commits the operation's IndexedDB writes
 * together with exactly one audit record — for a success, a failure or a refusal alike.
 * Operations that change key state run under a Web Lock shared by every tab of the origin, so
 * two tabs cannot, say, both create "version 3" of one key.
 */
import type {
  AliasRequest,
  AuditEvent,
  AuditResource,
  CancelKeyDeletionResponse,
  CreateKeyRequest,
  DecryptFileRequest,
  DecryptFileResponse,
  DecryptRequest,
  DecryptResponse,
  DeleteImportedKeyMaterialResponse,
  DeriveSharedSecretRequest,
  DeriveSharedSecretResponse,
  DiscardFileOutputRequest,
  GetParametersForImportRequest,
  GetParametersForImportResponse,
  ImportKeyMaterialRequest,
  ImportKeyMaterialResponse,
  KmsImportOperations,
  EncryptFileRequest,
  EncryptFileResponse,
  EncryptionContext,
  EncryptRequest,
  EncryptResponse,
  EnableKeyRotationRequest,
  ExportAuditLogResponse,
  FileProgressCallback,
  GenerateDataKeyPairRequest,
  GenerateDataKeyPairResponse,
  GenerateDataKeyPairWithoutPlaintextResponse,
  GenerateDataKeyRequest,
  GenerateDataKeyResponse,
  GenerateDataKeyWithoutPlaintextResponse,
  GenerateMacRequest,
  GenerateMacResponse,
  GenerateRandomRequest,
  GenerateRandomResponse,
  GetKeyRotationStatusResponse,
  GetPublicKeyResponse,
  InspectCiphertextRequest,
  InspectCiphertextResponse,
  KeyIdRequest,
  KeyMetadata,
  KeyMetadataResponse,
  KmsApi,
  KmsAsymmetricOperations,
  KmsFileOperations,
  ListAliasesRequest,
  ListAliasesResponse,
  ListAuditEventsRequest,
  ListAuditEventsResponse,
  ListKeyRotationsResponse,
  ListKeysResponse,
  ListResourceTagsResponse,
  Paged,
  ReEncryptRequest,
  ReEncryptResponse,
  ScheduleKeyDeletionRequest,
  ScheduleKeyDeletionResponse,
  SignFileRequest,
  SignFileResponse,
  SignRequest,
  SignResponse,
  TagResourceRequest,
  UntagResourceRequest,
  UpdateKeyDescriptionRequest,
  VerifyAuditLogResponse,
  VerifyMacRequest,
  VerifyMacResponse,
  VerifyFileRequest,
  VerifyFileResponse,
  VerifyRequest,
  VerifyResponse,
} from '../api.ts';
import { vaultChangedChannel } from '../api.ts';
import {
  EVENT_SOURCE,
  sanitizeForAudit,
  verifyChain,
  type AuditDraft,
} from '../audit/audit-record.ts';
import { addDays, systemClock, type Clock } from '../clock.ts';
import {
  AES_GCM_IV_LENGTH,
  aesGcmDecrypt,
  aesGcmEncrypt,
  generateAesGcmKey,
} from '../crypto/aes-gcm.ts';
import { randomBytes, randomUuid, toHex } from '../crypto/random.ts';
import { KmsError, toKmsError, validationError } from '../errors.ts';
import { encodeBlobHeader, joinBlob, parseBlob } from '../formats/ciphertext-blob.ts';
import { serializeEncryptionContext } from '../formats/encryption-context.ts';
import {
  DEFAULT_VAULT_NAME,
  VaultStore,
  type KeyRecord,
  type KeyVersionRecord,
  type VaultWrite,
} from '../keystore/vault-store.ts';
import {
  checkKeySpecAndUsage,
  decryptWithAsymmetricKey,
  deriveSharedSecret,
  encryptWithAsymmetricKey,
  generateDataKeyPair,
  generateMac,
  getPublicKey,
  isRsaEncryptionAlgorithm,
  keyAlgorithms,
  newKeyVersion,
  requireRotatable,
  requireSymmetricEncryptionKey,
  sign,
  verify,
  verifyMac,
} from './asymmetric-operations.ts';
import {
  decryptFile,
  discardFileOutput,
  encryptFile,
  inspectCiphertext,
  type VaultAccess,
} from './file-operations.ts';
import { signFile, verifyFile } from './file-signing.ts';
import { aliasArn, keyArn, parseKeyReference } from './identifiers.ts';
import {
  deleteImportedKeyMaterial,
  getParametersForImport,
  importKeyMaterial,
  removeImportedMaterial,
  type ImportAccess,
} from './key-import.ts';
import { requireKeyState, type StateRule } from './key-state.ts';
import { checkLimit, decodeMarker, encodeMarker, paginate } from './pagination.ts';
import {
  checkAliasName,
  checkBoolean,
  checkBytes,
  checkDate,
  checkEncryptionContext,
  checkEnum,
  checkInteger,
  checkKeyIdParameter,
  checkString,
  checkTagKey,
  checkTags,
  MAX_TAGS_PER_KEY,
  requireString,
} from './validation.ts';

const ORIGINS = [
  'POCKET_KMS',
  'AWS_KMS',
  'EXTERNAL',
  'AWS_CLOUDHSM',
  'EXTERNAL_KEY_STORE',
] as const;
const ENCRYPTION_ALGORITHMS = [
  'SYMMETRIC_DEFAULT',
  'RSAES_OAEP_SHA_1',
  'RSAES_OAEP_SHA_256',
  'SM2PKE',
] as const;

export const MAX_ON_DEMAND_ROTATIONS = 25;
const DEFAULT_ROTATION_PERIOD_DAYS = 365;
const DEFAULT_DELETION_WINDOW_DAYS = 30;
const MAX_PLAINTEXT_BYTES = 4096;
const MAX_CIPHERTEXT_BYTES = 6144;

/** Collects, while an operation runs, the keys it touched: the audit record's `resources`. */
class CallContext {
  readonly resources: AuditResource[] = [];
  constructor(private readonly vaultId: string) {}

  touchKey(arn: string): void {
    if (!this.resources.some((resource) => resource.ARN === arn)) {
      this.resources.push({ accountId: this.vaultId, type: 'AWS::KMS::Key', ARN: arn });
    }
  }
}

interface Outcome<R> {
  response: R;
  /** IndexedDB writes, applied in the same transaction as the audit record. */
  write?: VaultWrite;
  /** Logged as responseElements even by a read-only call: file operations log sizes and ids. */
  auditResponse?: Record<string, unknown>;
}

interface CallOptions {
  /** Changes vault state: runs under the Web Lock and logs its response elements. */
  mutates: boolean;
}

type Empty = Record<string, never>;
const EMPTY: Empty = {};

export interface KmsOptions {
  /** IndexedDB database name; tests give each vault its own. */
  vaultName?: string;
  clock?: Clock;
  /** Shown in audit records as the caller's user agent. */
  userAgent?: string;
}

export class Kms
  implements KmsApi, KmsFileOperations, KmsAsymmetricOperations, KmsImportOperations
{
  private readonly lockName: string;
  private readonly channel: BroadcastChannel;

  private constructor(
    private readonly store: VaultStore,
    private readonly clock: Clock,
    private readonly userAgent: string,
  ) {
    this.lockName = `pocket-kms:${store.name}:write`;
    this.channel = new BroadcastChannel(vaultChangedChannel(store.name));
  }

  static async open(options: KmsOptions = {}): Promise<Kms> {
    const store = await VaultStore.open(options.vaultName ?? DEFAULT_VAULT_NAME);
    return new Kms(store, options.clock ?? systemClock, options.userAgent ?? navigator.userAgent);
  }

  close(): void {
    this.channel.close();
    this.store.close();
  }

  get vaultId(): string {
    return this.store.vaultId;
  }

  // --- the audited call wrapper ---------------------------------------------------------------

  private async call<Q extends object, R>(
    eventName: string,
    given: Q | undefined,
    options: CallOptions,
    operation: (context: CallContext, request: Q) => Promise<Outcome<R>>,
  ): Promise<R> {
    // A missing request is an empty one: its required parameters then fail validation by name.
    const request = (given ?? {}) as Q;
    const run = async (): Promise<R> => {
      const eventTime = this.clock.now();
      const context = new CallContext(this.vaultId);
      const draft = (extra: Partial<AuditDraft>): AuditDraft =>
        this.auditDraft(eventName, eventTime, given, context.resources, options.mutates, extra);
      try {
        if (typeof request !== 'object') {
          throw validationError('request', undefined, 'Member must be an object');
        }
        const outcome = await operation(context, request);
        await this.store.commit(
          outcome.write,
          draft({
            responseElements: options.mutates
              ? ((sanitizeForAudit(outcome.response) as Record<string, unknown>) ?? null)
              : ((sanitizeForAudit(outcome.auditResponse) as Record<string, unknown> | undefined) ??
                null),
          }),
        );
        if (options.mutates) this.channel.postMessage({ eventName });
        return outcome.response;
      } catch (thrown) {
        const error = toKmsError(thrown);
        try {
          await this.store.commit(
            undefined,
            draft({ errorCode: error.name, errorMessage: error.message }),
          );
        } catch {
          // The store refused even the record (a full disk, say): the caller still gets the
          // original, named error, and nothing was changed.
        }
        throw error;
      }
    };
    return options.mutates ? navigator.locks.request(this.lockName, run) : run();
  }

  private auditDraft(
    eventName: string,
    eventTime: Date,
    request: object | undefined,
    resources: AuditResource[],
    mutates: boolean,
    extra: Partial<AuditDraft>,
    eventType: AuditDraft['eventType'] = 'AwsApiCall',
  ): AuditDraft {
    const id = randomUuid();
    return {
      eventVersion: '1.08',
      userIdentity: { type: 'Local', principalId: this.vaultId, invokedBy: 'pocket-kms' },
      eventTime: eventTime.toISOString(),
      eventSource: EVENT_SOURCE,
      eventName,
      awsRegion: 'local',
      sourceIPAddress: eventType === 'AwsServiceEvent' ? EVENT_SOURCE : '127.0.0.1',
      userAgent: eventType === 'AwsServiceEvent' ? EVENT_SOURCE : this.userAgent,
      requestParameters: (sanitizeForAudit(request) as Record<string, unknown> | undefined) ?? null,
      responseElements: null,
      requestID: id,
      eventID: randomUuid(),
      readOnly: !mutates,
      resources,
      eventType,
      managementEvent: true,
      recipientAccountId: this.vaultId,
      eventCategory: 'Management',
      ...extra,
    };
  }

  // --- key lookup -----------------------------------------------------------------------------

  private arn(keyId: string): string {
    return keyArn(this.vaultId, keyId);
  }

  /** Resolves a KeyId parameter (id, key ARN, alias name, alias ARN) to the key record. */
  private async resolveKey(
    context: CallContext,
    parameter: string,
    value: unknown,
    rule: StateRule,
  ): Promise<KeyRecord> {
    const given = checkKeyIdParameter(parameter, value);
    const reference = parseKeyReference(this.vaultId, given);
    let keyId: string;
    if (reference.kind === 'invalid') {
      throw new KmsError('NotFoundException', `Invalid keyId '${given}'`);
    } else if (reference.kind === 'alias') {
      const alias = await this.store.getAlias(reference.aliasName);
      if (!alias) {
        throw new KmsError(
          'NotFoundException',
          `Alias ${aliasArn(this.vaultId, reference.aliasName)} is not found.`,
        );
      }
      keyId = alias.TargetKeyId;
    } else {
      keyId = reference.keyId;
    }
    const key = await this.store.getKey(keyId);
    if (!key) throw new KmsError('NotFoundException', `Key '${this.arn(keyId)}' does not exist`);
    context.touchKey(this.arn(key.KeyId));
    requireKeyState(this.arn(key.KeyId), key.KeyState, rule);
    return key;
  }

  private async currentVersion(key: KeyRecord): Promise<KeyVersionRecord> {
    const version = await this.store.getKeyVersion(key.KeyId, key.CurrentVersion);
    if (!version) throw new Error('current key version missing');
    return version;
  }

  /** `currentMaterialId` is undefined only for an EXTERNAL key without material (PendingImport). */
  private metadata(key: KeyRecord, currentMaterialId: string | undefined): KeyMetadata {
    return {
      AWSAccountId: this.vaultId,
      KeyId: key.KeyId,
      Arn: this.arn(key.KeyId),
      CreationDate: key.CreationDate,
      Enabled: key.KeyState === 'Enabled',
      Description: key.Description,
      KeyUsage: key.KeyUsage,
      KeyState: key.KeyState,
      ...(key.DeletionDate && {
        DeletionDate: key.DeletionDate,
        PendingDeletionWindowInDays: key.PendingDeletionWindowInDays!,
      }),
      Origin: key.Origin,
      KeyManager: 'CUSTOMER',
      KeySpec: key.KeySpec,
      ...keyAlgorithms(key),
      MultiRegion: false,
      ...(currentMaterialId !== undefined && { CurrentKeyMaterialId: currentMaterialId }),
      ...(key.ExpirationModel && { ExpirationModel: key.ExpirationModel }),
      ...(key.ValidTo && { ValidTo: key.ValidTo }),
      ...(key.RawAesKeyring && { RawAesKeyring: { ...key.RawAesKeyring } }),
    };
  }

  private async describe(key: KeyRecord): Promise<KeyMetadata> {
    // An EXTERNAL key has no version record until its material is imported.
    return this.metadata(
      key,
      (await this.store.getKeyVersion(key.KeyId, key.CurrentVersion))?.KeyMaterialId,
    );
  }

  private putKey(key: KeyRecord): VaultWrite {
    return async (tx) => {
      await tx.objectStore('keys').put(key);
    };
  }

  private static async newVersion(
    keyId: string,
    version: number,
    now: Date,
    rotationType?: KeyVersionRecord['RotationType'],
  ): Promise<KeyVersionRecord> {
    return {
      KeyId: keyId,
      Version: version,
      KeyMaterialId: toHex(randomBytes(32)),
      CryptoKey: await generateAesGcmKey(),
      CreationDate: now,
      ...(rotationType && { RotationType: rotationType }),
    };
  }

  /** The writes that add `version` as the key's new current version. */
  private static rotateWrite(key: KeyRecord, version: KeyVersionRecord): VaultWrite {
    return async (tx) => {
      // add, not put: if another writer already made this version, fail instead of overwriting.
      await tx.objectStore('keyVersions').add(version);
      await tx.objectStore('keys').put({ ...key, CurrentVersion: version.Version });
    };
  }

  // --- keys -----------------------------------------------------------------------------------

  createKey(request: CreateKeyRequest = {}): Promise<KeyMetadataResponse> {
    return this.call('CreateKey', request, { mutates: true }, async (_context, request) => {
      const description = checkString('description', request.Description, { max: 8192 }) ?? '';
      const { keySpec, keyUsage } = checkKeySpecAndUsage(request.KeySpec, request.KeyUsage);
      const origin = checkEnum('origin', request.Origin, ORIGINS) ?? 'POCKET_KMS';
      const tags = checkTags('tags', request.Tags, false);
      if (origin !== 'POCKET_KMS' && origin !== 'AWS_KMS' && origin !== 'EXTERNAL') {
        throw new KmsError(
          'UnsupportedOperationException',
          `Origin ${origin} is not supported by this version of Pocket KMS.`,
        );
      }
      const external = origin === 'EXTERNAL';
      if (external && keySpec !== 'SYMMETRIC_DEFAULT') {
        throw new KmsError(
          'UnsupportedOperationException',
          `Origin EXTERNAL with KeySpec ${keySpec} is not supported by this version of Pocket KMS: only symmetric (SYMMETRIC_DEFAULT) key material can be imported.`,
        );
      }
      const now = this.clock.now();
      const keyId = randomUuid();
      // An EXTERNAL key starts without material: PendingImport until importKeyMaterial.
      const version = external
        ? undefined
        : keySpec === 'SYMMETRIC_DEFAULT'
          ? await Kms.newVersion(keyId, 1, now)
          : await newKeyVersion(keyId, keySpec, keyUsage, now);
      const key: KeyRecord = {
        KeyId: keyId,
        CreationDate: now,
        Description: description,
        KeySpec: keySpec,
        KeyUsage: keyUsage,
        Origin: external ? 'EXTERNAL' : 'POCKET_KMS',
        KeyState: external ? 'PendingImport' : 'Enabled',
        Tags: tags,
        RotationEnabled: false,
        OnDemandRotationCount: 0,
        CurrentVersion: 1,
      };
      return {
        response: { KeyMetadata: this.metadata(key, version?.KeyMaterialId) },
        write: async (tx) => {
          if (version) await tx.objectStore('keyVersions').add(version);
          await tx.objectStore('keys').add(key);
        },
      };
    });
  }

  describeKey(request: KeyIdRequest): Promise<KeyMetadataResponse> {
    return this.call('DescribeKey', request, { mutates: false }, async (context, request) => {
      const key = await this.resolveKey(context, 'keyId', request?.KeyId, 'read');
      return { response: { KeyMetadata: await this.describe(key) } };
    });
  }

  listKeys(request: Paged = {}): Promise<ListKeysResponse> {
    return this.call('ListKeys', request, { mutates: false }, async (_context, request) => {
      const keys = (await this.store.listKeys()).sort(
        (a, b) =>
          a.CreationDate.getTime() - b.CreationDate.getTime() || a.KeyId.localeCompare(b.KeyId),
      );
      const { page, ...info } = paginate('keys', keys, request);
      return {
        response: {
          Keys: page.map((key) => ({ KeyId: key.KeyId, KeyArn: this.arn(key.KeyId) })),
          ...info,
        },
      };
    });
  }

  updateKeyDescription(request: UpdateKeyDescriptionRequest): Promise<Empty> {
    return this.call(
      'UpdateKeyDescription',
      request,
      { mutates: true },
      async (context, request) => {
        const description = requireString('description', request?.Description, 8192, 0);
        const key = await this.resolveKey(context, 'keyId', request.KeyId, 'manage');
        return { response: EMPTY, write: this.putKey({ ...key, Description: description }) };
      },
    );
  }

  enableKey(request: KeyIdRequest): Promise<Empty> {
    return this.call('EnableKey', request, { mutates: true }, async (context, request) => {
      const key = await this.resolveKey(context, 'keyId', request?.KeyId, 'manage');
      if (key.KeyState === 'PendingImport') {
        throw new KmsError('KMSInvalidStateException', `${this.arn(key.KeyId)} is pending import.`);
      }
      return { response: EMPTY, write: this.putKey({ ...key, KeyState: 'Enabled' }) };
    });
  }

  disableKey(request: KeyIdRequest): Promise<Empty> {
    return this.call('DisableKey', request, { mutates: true }, async (context, request) => {
      const key = await this.resolveKey(context, 'keyId', request?.KeyId, 'manage');
      if (key.KeyState === 'PendingImport') {
        throw new KmsError('KMSInvalidStateException', `${this.arn(key.KeyId)} is pending import.`);
      }
      return { response: EMPTY, write: this.putKey({ ...key, KeyState: 'Disabled' }) };
    });
  }

  scheduleKeyDeletion(request: ScheduleKeyDeletionRequest): Promise<ScheduleKeyDeletionResponse> {
    return this.call(
      'ScheduleKeyDeletion',
      request,
      { mutates: true },
      async (context, request) => {
        const days =
          checkInteger('pendingWindowInDays', request?.PendingWindowInDays, 7, 30) ??
          DEFAULT_DELETION_WINDOW_DAYS;
        const key = await this.resolveKey(context, 'keyId', request.KeyId, 'manage');
        const deletionDate = addDays(this.clock.now(), days);
        return {
          response: {
            KeyId: this.arn(key.KeyId),
            DeletionDate: deletionDate,
            KeyState: 'PendingDeletion',
            PendingWindowInDays: days,
          },
          write: this.putKey({
            ...key,
            KeyState: 'PendingDeletion',
            DeletionDate: deletionDate,
            PendingDeletionWindowInDays: days,
          }),
        };
      },
    );
  }

  cancelKeyDeletion(request: KeyIdRequest): Promise<CancelKeyDeletionResponse> {
    return this.call('CancelKeyDeletion', request, { mutates: true }, async (context, request) => {
      const key = await this.resolveKey(context, 'keyId', request?.KeyId, 'read');
      if (key.KeyState !== 'PendingDeletion') {
        throw new KmsError(
          'KMSInvalidStateException',
          `${this.arn(key.KeyId)} is not pending deletion.`,
        );
      }
      const { DeletionDate: _date, PendingDeletionWindowInDays: _days, ...rest } = key;
      // As in AWS, a key whose deletion is cancelled comes back Disabled, not Enabled.
      return {
        response: { KeyId: this.arn(key.KeyId) },
        write: this.putKey({ ...rest, KeyState: 'Disabled' }),
      };
    });
  }

  // --- aliases --------------------------------------------------------------------------------

  /** TargetKeyId must name a key by id or ARN, not by alias (AWS's rule). */
  private async resolveAliasTarget(context: CallContext, value: unknown): Promise<KeyRecord> {
    const given = checkKeyIdParameter('targetKeyId', value);
    if (parseKeyReference(this.vaultId, given).kind === 'alias') {
      throw validationError(
        'targetKeyId',
        given,
        'Member must be a key ID or key ARN, not an alias',
      );
    }
    return this.resolveKey(context, 'targetKeyId', given, 'manage');
  }

  createAlias(request: AliasRequest): Promise<Empty> {
    return this.call('CreateAlias', request, { mutates: true }, async (context, request) => {
      const aliasName = checkAliasName('aliasName', request?.AliasName);
      const key = await this.resolveAliasTarget(context, request.TargetKeyId);
      if (await this.store.getAlias(aliasName)) {
        throw new KmsError(
          'AlreadyExistsException',
          `An alias with the name ${aliasArn(this.vaultId, aliasName)} already exists`,
        );
      }
      const now = this.clock.now();
      return {
        response: EMPTY,
        write: async (tx) => {
          await tx.objectStore('aliases').add({
            AliasName: aliasName,
            TargetKeyId: key.KeyId,
            CreationDate: now,
            LastUpdatedDate: now,
          });
        },
      };
    });
  }

  updateAlias(request: AliasRequest): Promise<Empty> {
    return this.call('UpdateAlias', request, { mutates: true }, async (context, request) => {
      const aliasName = checkAliasName('aliasName', request?.AliasName);
      const alias = await this.store.getAlias(aliasName);
      if (!alias)
        throw new KmsError(
          'NotFoundException',
          `Alias ${aliasArn(this.vaultId, aliasName)} is not found.`,
        );
      const current = await this.store.getKey(alias.TargetKeyId);
      const key = await this.resolveAliasTarget(context, request.TargetKeyId);
      if (current && (current.KeySpec !== key.KeySpec || current.KeyUsage !== key.KeyUsage)) {
        throw new KmsError(
          'ValidationException',
          'An alias can only move between keys of the same key spec and key usage.',
        );
      }
      const updated = { ...alias, TargetKeyId: key.KeyId, LastUpdatedDate: this.clock.now() };
      return {
        response: EMPTY,
        write: async (tx) => {
          await tx.objectStore('aliases').put(updated);
        },
      };
    });
  }

  deleteAlias(request: { AliasName: string }): Promise<Empty> {
    return this.call('DeleteAlias', request, { mutates: true }, async (context, request) => {
      const aliasName = checkAliasName('aliasName', request?.AliasName);
      const alias = await this.store.getAlias(aliasName);
      if (!alias)
        throw new KmsError(
          'NotFoundException',
          `Alias ${aliasArn(this.vaultId, aliasName)} is not found.`,
        );
      context.touchKey(this.arn(alias.TargetKeyId));
      return {
        response: EMPTY,
        write: async (tx) => {
          await tx.objectStore('aliases').delete(aliasName);
        },
      };
    });
  }

  listAliases(request: ListAliasesRequest = {}): Promise<ListAliasesResponse> {
    return this.call('ListAliases', request, { mutates: false }, async (context, request) => {
      const target =
        request.KeyId === undefined
          ? undefined
          : (await this.resolveKey(context, 'keyId', request.KeyId, 'read')).KeyId;
      const aliases = (await this.store.listAliases(target)).sort((a, b) =>
        a.AliasName.localeCompare(b.AliasName),
      );
      const { page, ...info } = paginate('aliases', aliases, request, { fallback: 50, max: 100 });
      return {
        response: {
          Aliases: page.map((alias) => ({
            AliasName: alias.AliasName,
            AliasArn: aliasArn(this.vaultId, alias.AliasName),
            TargetKeyId: alias.TargetKeyId,
            CreationDate: alias.CreationDate,
            LastUpdatedDate: alias.LastUpdatedDate,
          })),
          ...info,
        },
      };
    });
  }

  // --- tags -----------------------------------------------------------------------------------

  tagResource(request: TagResourceRequest): Promise<Empty> {
    return this.call('TagResource', request, { mutates: true }, async (context, request) => {
      const tags = checkTags('tags', request?.Tags, true);
      const key = await this.resolveKey(context, 'keyId', request.KeyId, 'manage');
      const merged = new Map(key.Tags.map((tag) => [tag.TagKey, tag.TagValue]));
      for (const tag of tags) merged.set(tag.TagKey, tag.TagValue);
      if (merged.size > MAX_TAGS_PER_KEY) {
        throw new KmsError(
          'LimitExceededException',
          `A key can have at most ${MAX_TAGS_PER_KEY} tags.`,
        );
      }
      const Tags = [...merged].map(([TagKey, TagValue]) => ({ TagKey, TagValue }));
      return { response: EMPTY, write: this.putKey({ ...key, Tags }) };
    });
  }

  untagResource(request: UntagResourceRequest): Promise<Empty> {
    return this.call('UntagResource', request, { mutates: true }, async (context, request) => {
      if (!Array.isArray(request?.TagKeys))
        throw validationError('tagKeys', undefined, 'Member must not be null');
      const remove = new Set(
        request.TagKeys.map((tagKey, index) => checkTagKey(`tagKeys.${index + 1}.member`, tagKey)),
      );
      const key = await this.resolveKey(context, 'keyId', request.KeyId, 'manage');
      return {
        response: EMPTY,
        write: this.putKey({ ...key, Tags: key.Tags.filter((tag) => !remove.has(tag.TagKey)) }),
      };
    });
  }

  listResourceTags(request: KeyIdRequest & Paged): Promise<ListResourceTagsResponse> {
    return this.call('ListResourceTags', request, { mutates: false }, async (context, request) => {
      const key = await this.resolveKey(context, 'keyId', request?.KeyId, 'read');
      const { page, ...info } = paginate(`tags:${key.KeyId}`, key.Tags, request, {
        fallback: 50,
        max: 50,
      });
      return { response: { Tags: page, ...info } };
    });
  }

  // --- rotation -------------------------------------------------------------------------------

  enableKeyRotation(request: EnableKeyRotationRequest): Promise<Empty> {
    return this.call('EnableKeyRotation', request, { mutates: true }, async (context, request) => {
      const period =
        checkInteger('rotationPeriodInDays', request?.RotationPeriodInDays, 90, 2560) ??
        DEFAULT_ROTATION_PERIOD_DAYS;
      const key = await this.resolveKey(context, 'keyId', request.KeyId, 'use');
      requireRotatable(this.arn(key.KeyId), key);
      const now = this.clock.now();
      // Turning rotation on starts a period now. Changing the period of a key that already
      // rotates keeps the current cycle's start, so the next date is that start plus the new
      // period — but never in the past.
      const cycleStart =
        key.RotationEnabled && key.NextRotationDate && key.RotationPeriodInDays
          ? addDays(key.NextRotationDate, -key.RotationPeriodInDays)
          : now;
      const next = addDays(cycleStart, period);
      return {
        response: EMPTY,
        write: this.putKey({
          ...key,
          RotationEnabled: true,
          RotationPeriodInDays: period,
          NextRotationDate: next > now ? next : now,
        }),
      };
    });
  }

  disableKeyRotation(request: KeyIdRequest): Promise<Empty> {
    return this.call('DisableKeyRotation', request, { mutates: true }, async (context, request) => {
      const key = await this.resolveKey(context, 'keyId', request?.KeyId, 'use');
      requireRotatable(this.arn(key.KeyId), key);
      const { NextRotationDate: _next, RotationPeriodInDays: _period, ...rest } = key;
      return { response: EMPTY, write: this.putKey({ ...rest, RotationEnabled: false }) };
    });
  }

  getKeyRotationStatus(request: KeyIdRequest): Promise<GetKeyRotationStatusResponse> {
    return this.call(
      'GetKeyRotationStatus',
      request,
      { mutates: false },
      async (context, request) => {
        const key = await this.resolveKey(context, 'keyId', request?.KeyId, 'read');
        return {
          // As AWS reports it: a key pending deletion does not rotate, so rotation reads as off
          // (the setting itself is kept and shows again if the deletion is cancelled).
          response: {
            KeyId: this.arn(key.KeyId),
            KeyRotationEnabled: key.RotationEnabled && key.KeyState !== 'PendingDeletion',
            ...(key.RotationEnabled &&
              key.KeyState !== 'PendingDeletion' && {
                RotationPeriodInDays: key.RotationPeriodInDays!,
                NextRotationDate: key.NextRotationDate!,
              }),
          },
        };
      },
    );
  }

  rotateKeyOnDemand(request: KeyIdRequest): Promise<{ KeyId: string }> {
    return this.call('RotateKeyOnDemand', request, { mutates: true }, async (context, request) => {
      const key = await this.resolveKey(context, 'keyId', request?.KeyId, 'use');
      requireRotatable(this.arn(key.KeyId), key);
      if (key.OnDemandRotationCount >= MAX_ON_DEMAND_ROTATIONS) {
        throw new KmsError(
          'LimitExceededException',
          `${this.arn(key.KeyId)} has already been rotated on demand ${MAX_ON_DEMAND_ROTATIONS} times, the most allowed.`,
        );
      }
      const version = await Kms.newVersion(
        key.KeyId,
        key.CurrentVersion + 1,
        this.clock.now(),
        'ON_DEMAND',
      );
      return {
        response: { KeyId: this.arn(key.KeyId) },
        write: Kms.rotateWrite(
          { ...key, OnDemandRotationCount: key.OnDemandRotationCount + 1 },
          version,
        ),
      };
    });
  }

  listKeyRotations(request: KeyIdRequest & Paged): Promise<ListKeyRotationsResponse> {
    return this.call('ListKeyRotations', request, { mutates: false }, async (context, request) => {
      const key = await this.resolveKey(context, 'keyId', request?.KeyId, 'read');
      const rotations = (await this.store.listKeyVersions(key.KeyId)).filter(
        (version) => version.RotationType,
      );
      const { page, ...info } = paginate(`rotations:${key.KeyId}`, rotations, request);
      return {
        response: {
          Rotations: page.map((version) => ({
            KeyId: this.arn(key.KeyId),
            KeyMaterialId: version.KeyMaterialId,
            RotationDate: version.CreationDate,
            RotationType: version.RotationType!,
          })),
          ...info,
        },
      };
    });
  }

  // --- symmetric cryptography -----------------------------------------------------------------

  private static checkAlgorithm(parameter: string, value: unknown): 'SYMMETRIC_DEFAULT' {
    const algorithm = checkEnum(parameter, value, ENCRYPTION_ALGORITHMS) ?? 'SYMMETRIC_DEFAULT';
    if (algorithm !== 'SYMMETRIC_DEFAULT') {
      throw new KmsError(
        'InvalidKeyUsageException',
        `${algorithm} is not a valid encryption algorithm for a SYMMETRIC_DEFAULT key.`,
      );
    }
    return algorithm;
  }

  /** Seals plaintext under the key's current version into a ciphertext blob. */
  private async seal(
    key: KeyRecord,
    plaintext: Uint8Array<ArrayBuffer>,
    context: EncryptionContext,
  ): Promise<{ blob: Uint8Array<ArrayBuffer>; version: KeyVersionRecord }> {
    requireSymmetricEncryptionKey(this.arn(key.KeyId), key);
    const version = await this.currentVersion(key);
    const header = encodeBlobHeader({
      keyId: key.KeyId,
      keyVersion: version.Version,
      iv: randomBytes(AES_GCM_IV_LENGTH),
    });
    const aad = joinBlob(header, serializeEncryptionContext(context));
    const sealed = await aesGcmEncrypt(version.CryptoKey, header.subarray(21), plaintext, aad);
    return { blob: joinBlob(header, sealed), version };
  }

  /**
   * Opens a blob: finds the key and version it names, checks the caller's KeyId (if any) and the
   * key's state, then authenticates. Every structural or authentication failure is one
   * InvalidCiphertextException (DESIGN §4): nothing tells an attacker which check failed.
   */
  private async open(
    context: CallContext,
    blobValue: unknown,
    blobParameter: string,
    expectedKeyId: unknown,
    keyIdParameter: string,
    encryptionContext: EncryptionContext,
  ): Promise<{ key: KeyRecord; version: KeyVersionRecord; plaintext: Uint8Array<ArrayBuffer> }> {
    const bytes = checkBytes(blobParameter, blobValue, 1, MAX_CIPHERTEXT_BYTES);
    const invalid = new KmsError(
      'InvalidCiphertextException',
      'The ciphertext is not valid: it was changed, was made with a different encryption context, or names a key this vault does not hold.',
    );
    const blob = parseBlob(bytes);
    if (!blob) throw invalid;
    const key = await this.store.getKey(blob.keyId);
    if (expectedKeyId !== undefined) {
      const expected = await this.resolveKey(context, keyIdParameter, expectedKeyId, 'read');
      requireSymmetricEncryptionKey(this.arn(expected.KeyId), expected);
      if (expected.KeyId !== blob.keyId) {
        throw new KmsError(
          'IncorrectKeyException',
          'The key ID in the request does not identify a KMS key that can perform this operation.',
        );
      }
    }
    // A blob is only ever sealed by a symmetric key: one naming another key is not genuine.
    if (!key || key.KeySpec !== 'SYMMETRIC_DEFAULT') throw invalid;
    context.touchKey(this.arn(key.KeyId));
    requireKeyState(this.arn(key.KeyId), key.KeyState, 'use');
    const version = await this.store.getKeyVersion(key.KeyId, blob.keyVersion);
    if (!version) throw invalid;
    const aad = joinBlob(blob.header, serializeEncryptionContext(encryptionContext));
    const plaintext = await aesGcmDecrypt(version.CryptoKey, blob.iv, blob.sealed, aad);
    if (!plaintext) throw invalid;
    return { key, version, plaintext };
  }

  encrypt(request: EncryptRequest): Promise<EncryptResponse> {
    return this.call('Encrypt', request, { mutates: false }, async (context, request) => {
      const plaintext = checkBytes('plaintext', request?.Plaintext, 1, MAX_PLAINTEXT_BYTES);
      const encryptionContext = checkEncryptionContext(
        'encryptionContext',
        request.EncryptionContext,
      );
      const requested = checkEnum(
        'encryptionAlgorithm',
        request.EncryptionAlgorithm,
        ENCRYPTION_ALGORITHMS,
      );
      const key = await this.resolveKey(context, 'keyId', request.KeyId, 'use');
      if (key.KeySpec !== 'SYMMETRIC_DEFAULT') {
        return {
          response: await encryptWithAsymmetricKey(
            this.vaultAccess(context),
            key,
            plaintext,
            requested,
            encryptionContext,
          ),
        };
      }
      const algorithm = Kms.checkAlgorithm('encryptionAlgorithm', requested);
      const { blob, version } = await this.seal(key, plaintext, encryptionContext);
      return {
        response: {
          KeyId: this.arn(key.KeyId),
          CiphertextBlob: blob,
          EncryptionAlgorithm: algorithm,
          KeyMaterialId: version.KeyMaterialId,
        },
      };
    });
  }

  decrypt(request: DecryptRequest): Promise<DecryptResponse> {
    return this.call('Decrypt', request, { mutates: false }, async (context, request) => {
      const encryptionContext = checkEncryptionContext(
        'encryptionContext',
        request?.EncryptionContext,
      );
      const requested = checkEnum(
        'encryptionAlgorithm',
        request.EncryptionAlgorithm,
        ENCRYPTION_ALGORITHMS,
      );
      if (isRsaEncryptionAlgorithm(requested)) {
        return {
          response: await decryptWithAsymmetricKey(
            this.vaultAccess(context),
            request,
            requested,
            encryptionContext,
          ),
        };
      }
      const algorithm = Kms.checkAlgorithm('encryptionAlgorithm', requested);
      const { key, version, plaintext } = await this.open(
        context,
        request.CiphertextBlob,
        'ciphertextBlob',
        request.KeyId,
        'keyId',
        encryptionContext,
      );
      return {
        response: {
          KeyId: this.arn(key.KeyId),
          Plaintext: plaintext,
          EncryptionAlgorithm: algorithm,
          KeyMaterialId: version.KeyMaterialId,
          KeyVersion: version.Version,
        },
      };
    });
  }

  reEncrypt(request: ReEncryptRequest): Promise<ReEncryptResponse> {
    return this.call('ReEncrypt', request, { mutates: false }, async (context, request) => {
      const sourceContext = checkEncryptionContext(
        'sourceEncryptionContext',
        request?.SourceEncryptionContext,
      );
      const destinationContext = checkEncryptionContext(
        'destinationEncryptionContext',
        request.DestinationEncryptionContext,
      );
      const sourceAlgorithm = Kms.checkAlgorithm(
        'sourceEncryptionAlgorithm',
        request.SourceEncryptionAlgorithm,
      );
      const destinationAlgorithm = Kms.checkAlgorithm(
        'destinationEncryptionAlgorithm',
        request.DestinationEncryptionAlgorithm,
      );
      const destination = await this.resolveKey(
        context,
        'destinationKeyId',
        request.DestinationKeyId,
        'use',
      );
      const source = await this.open(
        context,
        request.CiphertextBlob,
        'ciphertextBlob',
        request.SourceKeyId,
        'sourceKeyId',
        sourceContext,
      );
      // The plaintext stays in this function: it is sealed again and never returned.
      const { blob, version } = await this.seal(destination, source.plaintext, destinationContext);
      source.plaintext.fill(0);
      return {
        response: {
          CiphertextBlob: blob,
          SourceKeyId: this.arn(source.key.KeyId),
          KeyId: this.arn(destination.KeyId),
          SourceEncryptionAlgorithm: sourceAlgorithm,
          DestinationEncryptionAlgorithm: destinationAlgorithm,
          SourceKeyMaterialId: source.version.KeyMaterialId,
          DestinationKeyMaterialId: version.KeyMaterialId,
        },
      };
    });
  }

  private async dataKey(
    context: CallContext,
    request: GenerateDataKeyRequest,
  ): Promise<GenerateDataKeyResponse> {
    const keySpec = checkEnum('keySpec', request?.KeySpec, ['AES_256', 'AES_128'] as const);
    const numberOfBytes = checkInteger('numberOfBytes', request?.NumberOfBytes, 1, 1024);
    if ((keySpec === undefined) === (numberOfBytes === undefined)) {
      throw new KmsError(
        'ValidationException',
        'Specify either KeySpec or NumberOfBytes, but not both.',
      );
    }
    const encryptionContext = checkEncryptionContext(
      'encryptionContext',
      request.EncryptionContext,
    );
    const key = await this.resolveKey(context, 'keyId', request.KeyId, 'use');
    const plaintext = randomBytes(numberOfBytes ?? (keySpec === 'AES_128' ? 16 : 32));
    const { blob, version } = await this.seal(key, plaintext, encryptionContext);
    return {
      KeyId: this.arn(key.KeyId),
      CiphertextBlob: blob,
      Plaintext: plaintext,
      KeyMaterialId: version.KeyMaterialId,
    };
  }

  generateDataKey(request: GenerateDataKeyRequest): Promise<GenerateDataKeyResponse> {
    return this.call('GenerateDataKey', request, { mutates: false }, async (context, request) => ({
      response: await this.dataKey(context, request),
    }));
  }

  generateDataKeyWithoutPlaintext(
    request: GenerateDataKeyRequest,
  ): Promise<GenerateDataKeyWithoutPlaintextResponse> {
    return this.call(
      'GenerateDataKeyWithoutPlaintext',
      request,
      { mutates: false },
      async (context, request) => {
        const { Plaintext, ...response } = await this.dataKey(context, request);
        Plaintext.fill(0);
        return { response };
      },
    );
  }

  generateRandom(request: GenerateRandomRequest): Promise<GenerateRandomResponse> {
    return this.call('GenerateRandom', request, { mutates: false }, async (_context, request) => {
      const length = checkInteger('numberOfBytes', request?.NumberOfBytes, 1, 1024);
      if (length === undefined)
        throw validationError('numberOfBytes', undefined, 'Member must not be null');
      return { response: { Plaintext: randomBytes(length) } };
    });
  }

  // --- files: AWS Encryption SDK messages (docs/FORMAT.md §4; workers/kms/file-operations.ts) ---

  private vaultAccess(context: CallContext): VaultAccess {
    return {
      store: this.store,
      arn: (keyId) => this.arn(keyId),
      resolveKey: (parameter, value, rule) => this.resolveKey(context, parameter, value, rule),
      currentVersion: (key) => this.currentVersion(key),
      touch: (keyId) => context.touchKey(this.arn(keyId)),
    };
  }

  encryptFile(
    request: EncryptFileRequest,
    onProgress?: FileProgressCallback,
    signal?: AbortSignal,
  ): Promise<EncryptFileResponse> {
    return this.call('EncryptFile', request, { mutates: false }, (context, given) =>
      encryptFile(this.vaultAccess(context), given, onProgress, signal),
    );
  }

  decryptFile(
    request: DecryptFileRequest,
    onProgress?: FileProgressCallback,
    signal?: AbortSignal,
  ): Promise<DecryptFileResponse> {
    return this.call('DecryptFile', request, { mutates: false }, (context, given) =>
      decryptFile(this.vaultAccess(context), given, onProgress, signal),
    );
  }

  inspectCiphertext(request: InspectCiphertextRequest): Promise<InspectCiphertextResponse> {
    return this.call('InspectCiphertext', request, { mutates: false }, (context, given) =>
      inspectCiphertext(this.vaultAccess(context), given),
    );
  }

  discardFileOutput(request: DiscardFileOutputRequest): Promise<Record<string, never>> {
    return this.call('DiscardFileOutput', request, { mutates: false }, (_context, given) =>
      discardFileOutput(given),
    );
  }

  // --- asymmetric and HMAC keys (workers/kms/asymmetric-operations.ts) ---------------------------

  getPublicKey(request: KeyIdRequest): Promise<GetPublicKeyResponse> {
    return this.call('GetPublicKey', request, { mutates: false }, async (context, given) => ({
      response: await getPublicKey(this.vaultAccess(context), given),
    }));
  }

  sign(request: SignRequest): Promise<SignResponse> {
    return this.call('Sign', request, { mutates: false }, async (context, given) => ({
      response: await sign(this.vaultAccess(context), given),
    }));
  }

  verify(request: VerifyRequest): Promise<VerifyResponse> {
    return this.call('Verify', request, { mutates: false }, async (context, given) => ({
      response: await verify(this.vaultAccess(context), given),
    }));
  }

  generateMac(request: GenerateMacRequest): Promise<GenerateMacResponse> {
    return this.call('GenerateMac', request, { mutates: false }, async (context, given) => ({
      response: await generateMac(this.vaultAccess(context), given),
    }));
  }

  verifyMac(request: VerifyMacRequest): Promise<VerifyMacResponse> {
    return this.call('VerifyMac', request, { mutates: false }, async (context, given) => ({
      response: await verifyMac(this.vaultAccess(context), given),
    }));
  }

  generateDataKeyPair(request: GenerateDataKeyPairRequest): Promise<GenerateDataKeyPairResponse> {
    return this.call(
      'GenerateDataKeyPair',
      request,
      { mutates: false },
      async (context, given) => ({
        response: await generateDataKeyPair(
          this.vaultAccess(context),
          (key, plaintext, ec) => this.seal(key, plaintext, ec),
          given,
          true,
        ),
      }),
    );
  }

  generateDataKeyPairWithoutPlaintext(
    request: GenerateDataKeyPairRequest,
  ): Promise<GenerateDataKeyPairWithoutPlaintextResponse> {
    return this.call(
      'GenerateDataKeyPairWithoutPlaintext',
      request,
      { mutates: false },
      async (context, given) => {
        const { PrivateKeyPlaintext: _wiped, ...response } = await generateDataKeyPair(
          this.vaultAccess(context),
          (key, plaintext, ec) => this.seal(key, plaintext, ec),
          given,
          false,
        );
        return { response };
      },
    );
  }

  deriveSharedSecret(request: DeriveSharedSecretRequest): Promise<DeriveSharedSecretResponse> {
    return this.call('DeriveSharedSecret', request, { mutates: false }, async (context, given) => ({
      response: await deriveSharedSecret(this.vaultAccess(context), given),
    }));
  }

  // --- file signatures (docs/FORMAT.md §5; workers/kms/file-signing.ts) -------------------------

  signFile(
    request: SignFileRequest,
    onProgress?: FileProgressCallback,
    signal?: AbortSignal,
  ): Promise<SignFileResponse> {
    return this.call('SignFile', request, { mutates: false }, (context, given) =>
      signFile(this.vaultAccess(context), given, this.clock.now(), onProgress, signal),
    );
  }

  verifyFile(
    request: VerifyFileRequest,
    onProgress?: FileProgressCallback,
    signal?: AbortSignal,
  ): Promise<VerifyFileResponse> {
    return this.call('VerifyFile', request, { mutates: false }, (context, given) =>
      verifyFile(this.vaultAccess(context), given, onProgress, signal),
    );
  }

  // --- bring your own key (workers/kms/key-import.ts) -------------------------------------------

  private importAccess(context: CallContext): ImportAccess {
    return {
      store: this.store,
      arn: (keyId) => this.arn(keyId),
      resolveKey: (parameter, value, rule) => this.resolveKey(context, parameter, value, rule),
      now: () => this.clock.now(),
    };
  }

  getParametersForImport(
    request: GetParametersForImportRequest,
  ): Promise<GetParametersForImportResponse> {
    return this.call('GetParametersForImport', request, { mutates: true }, (context, given) =>
      getParametersForImport(this.importAccess(context), given),
    );
  }

  importKeyMaterial(request: ImportKeyMaterialRequest): Promise<ImportKeyMaterialResponse> {
    return this.call('ImportKeyMaterial', request, { mutates: true }, (context, given) =>
      importKeyMaterial(this.importAccess(context), given),
    );
  }

  deleteImportedKeyMaterial(request: KeyIdRequest): Promise<DeleteImportedKeyMaterialResponse> {
    return this.call('DeleteImportedKeyMaterial', request, { mutates: true }, (context, given) =>
      deleteImportedKeyMaterial(this.importAccess(context), given),
    );
  }

  // --- audit ----------------------------------------------------------------------------------

  listAuditEvents(request: ListAuditEventsRequest = {}): Promise<ListAuditEventsResponse> {
    return this.call('ListAuditEvents', request, { mutates: false }, async (_context, request) => {
      const eventName = checkString('eventName', request.EventName, { min: 1, max: 128 });
      const keyFilter = checkString('keyId', request.KeyId, { min: 1, max: 2048 });
      const start = checkDate('startTime', request.StartTime)?.toISOString();
      const end = checkDate('endTime', request.EndTime)?.toISOString();
      const errorsOnly = checkBoolean('errorsOnly', request.ErrorsOnly) ?? false;
      const limit = checkLimit(request.Limit, 50);
      const before = decodeMarker('audit', request.Marker);
      const keySuffix =
        keyFilter === undefined ? undefined : `key/${await this.auditKeyId(keyFilter)}`;
      const { events, more } = await this.store.scanAuditNewestFirst(
        before,
        limit,
        (event) =>
          (eventName === undefined || event.eventName === eventName) &&
          (keySuffix === undefined ||
            event.resources.some((resource) => resource.ARN.endsWith(keySuffix))) &&
          (start === undefined || event.eventTime >= start) &&
          (end === undefined || event.eventTime <= end) &&
          (!errorsOnly || event.errorCode !== undefined),
      );
      const last = events.at(-1);
      return {
        response:
          more && last
            ? { Events: events, Truncated: true, NextMarker: encodeMarker('audit', last.sequence) }
            : { Events: events, Truncated: false },
      };
    });
  }

  /**
   * The key id an audit filter names. Unlike other KeyId parameters the key need not exist any
   * more (a deleted key's history stays searchable); an alias must, since it is resolved now.
   */
  private async auditKeyId(value: string): Promise<string> {
    const reference = parseKeyReference(this.vaultId, value);
    if (reference.kind === 'key') return reference.keyId;
    if (reference.kind === 'alias') {
      const alias = await this.store.getAlias(reference.aliasName);
      if (!alias) {
        throw new KmsError(
          'NotFoundException',
          `Alias ${aliasArn(this.vaultId, reference.aliasName)} is not found.`,
        );
      }
      return alias.TargetKeyId;
    }
    throw new KmsError('NotFoundException', `Invalid keyId '${value}'`);
  }

  verifyAuditLog(): Promise<VerifyAuditLogResponse> {
    return this.call('VerifyAuditLog', undefined, { mutates: false }, async () => {
      const { records, head } = await this.store.readAuditChain();
      const check = verifyChain(records, head);
      return {
        response: {
          Valid: check.valid,
          RecordCount: check.count,
          ...(check.firstInvalidSequence !== undefined && {
            FirstInvalidSequence: check.firstInvalidSequence,
          }),
          ...(check.reason !== undefined && { Reason: check.reason }),
        },
      };
    });
  }

  exportAuditLog(): Promise<ExportAuditLogResponse> {
    return this.call('ExportAuditLog', undefined, { mutates: false }, async () => {
      const { records } = await this.store.readAuditChain();
      return {
        response: {
          Json: JSON.stringify({ Records: records }, null, 2),
          RecordCount: records.length,
        },
      };
    });
  }

  /**
   * The schedule does not drift with housekeeping's timing: the next rotation is one period
   * after the one that was due. If the vault was closed for longer than a period, one rotation
   * catches up and the next is a full period from now.
   */
  private static nextAutomaticRotation(due: Date, periodInDays: number, now: Date): Date {
    const next = addDays(due, periodInDays);
    return next > now ? next : addDays(now, periodInDays);
  }

  // --- housekeeping ---------------------------------------------------------------------------

  /**
   * Runs what is due: automatic rotation of enabled keys whose NextRotationDate has come,
   * destruction of keys whose deletion window has passed (key, versions and aliases removed), and
   * deletion of imported key material whose ValidTo has come (the key goes back to PendingImport).
   * Each is its own transaction with one AwsServiceEvent record. Called when the vault opens
   * and every minute after (workers/kms.worker.ts). Returns how many events it wrote.
   */
  runHousekeeping(): Promise<number> {
    return navigator.locks.request(this.lockName, async () => {
      const now = this.clock.now();
      let events = 0;
      for (const key of await this.store.listKeys()) {
        const arn = this.arn(key.KeyId);
        const resources: AuditResource[] = [
          { accountId: this.vaultId, type: 'AWS::KMS::Key', ARN: arn },
        ];
        const serviceEvent = (eventName: string, details: Record<string, unknown>): AuditDraft =>
          this.auditDraft(
            eventName,
            now,
            undefined,
            resources,
            true,
            { additionalEventData: details },
            'AwsServiceEvent',
          );
        if (key.KeyState === 'PendingDeletion' && key.DeletionDate && key.DeletionDate <= now) {
          await this.store.commit(
            (tx) => VaultStore.deleteKeyEverywhere(tx, key.KeyId),
            serviceEvent('DeleteKey', { keyId: arn, deletionDate: key.DeletionDate.toISOString() }),
          );
          events++;
        } else if (key.Origin === 'EXTERNAL' && key.ValidTo && key.ValidTo <= now) {
          const version = await this.store.getKeyVersion(key.KeyId, key.CurrentVersion);
          await this.store.commit(
            removeImportedMaterial(key),
            serviceEvent('DeleteExpiredKeyMaterial', {
              keyId: arn,
              validTo: key.ValidTo.toISOString(),
              ...(version && { keyMaterialId: version.KeyMaterialId }),
            }),
          );
          events++;
        } else if (
          key.KeyState === 'Enabled' &&
          key.RotationEnabled &&
          key.NextRotationDate &&
          key.NextRotationDate <= now
        ) {
          const version = await Kms.newVersion(key.KeyId, key.CurrentVersion + 1, now, 'AUTOMATIC');
          await this.store.commit(
            Kms.rotateWrite(
              {
                ...key,
                NextRotationDate: Kms.nextAutomaticRotation(
                  key.NextRotationDate,
                  key.RotationPeriodInDays!,
                  now,
                ),
              },
              version,
            ),
            serviceEvent('RotateKey', {
              keyId: arn,
              rotationType: 'AUTOMATIC',
              keyMaterialId: version.KeyMaterialId,
            }),
          );
          events++;
        }
      }
      if (events > 0) this.channel.postMessage({ eventName: 'Housekeeping' });
      return events;
    });
  }
}
