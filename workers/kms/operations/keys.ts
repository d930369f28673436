/**
 * Keys: CreateKey, DescribeKey, ListKeys, UpdateKeyDescription, EnableKey, DisableKey,
 * ScheduleKeyDeletion, CancelKeyDeletion (AWS KMS API reference, one page each); and
 * ListKeyDetails, a Pocket KMS addition (docs/API.md): a page of keys with what DescribeKey,
 * GetKeyRotationStatus and ListAliases answer for each, in one call.
 */
import type { KeyDetails, KeyIdRequest } from '../../api.ts';
import { addDays } from '../../clock.ts';
import {
  algorithmLists,
  KEY_SPECS,
  KEY_USAGES,
  UNSUPPORTED_KEY_SPECS,
  type KeySpec,
  type KeyUsage,
} from '../../key-specs.ts';
import { randomUuid } from '../../crypto/random.ts';
import { KmsError } from '../../errors.ts';
import type { KeyRecord } from '../../keystore/vault-store.ts';
import { newKeyVersion, putKey } from '../key-versions.ts';
import { EMPTY, type Empty, type Operation, type OperationGroup } from '../operation.ts';
import type { OperationContext } from '../operation-context.ts';
import { pageInfo, pageRequest } from '../pagination.ts';
import { byAliasName } from './aliases.ts';
import { rotationStatus } from './rotation.ts';
import { checkEnum, checkInteger, checkString, checkTags, requireString } from '../validation.ts';

const ORIGINS = [
  'POCKET_KMS',
  'AWS_KMS',
  'EXTERNAL',
  'AWS_CLOUDHSM',
  'EXTERNAL_KEY_STORE',
] as const;
const DEFAULT_DELETION_WINDOW_DAYS = 30;

/**
 * CreateKey's KeySpec (or its deprecated synonym CustomerMasterKeySpec) and KeyUsage, with AWS's
 * rules: KeySpec defaults to SYMMETRIC_DEFAULT, and only a symmetric key may leave KeyUsage out
 * (ENCRYPT_DECRYPT); a pair AWS does not allow is a ValidationException; a spec this build cannot
 * create is an UnsupportedOperationException that says why.
 */
export function checkKeySpecAndUsage(request: {
  KeySpec?: unknown;
  CustomerMasterKeySpec?: unknown;
  KeyUsage?: unknown;
}): { keySpec: KeySpec; keyUsage: KeyUsage } {
  const given = (value: unknown) => value !== undefined && value !== null;
  if (given(request.KeySpec) && given(request.CustomerMasterKeySpec)) {
    // AWS API reference, CreateKey: "Use the KeySpec parameter instead" — never both.
    throw new KmsError(
      'ValidationException',
      'You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec is deprecated.',
    );
  }
  const keySpec =
    (given(request.CustomerMasterKeySpec)
      ? checkEnum('customerMasterKeySpec', request.CustomerMasterKeySpec, KEY_SPECS)
      : checkEnum('keySpec', request.KeySpec, KEY_SPECS)) ?? 'SYMMETRIC_DEFAULT';
  const usage = checkEnum('keyUsage', request.KeyUsage, KEY_USAGES);
  if (usage === undefined && keySpec !== 'SYMMETRIC_DEFAULT') {
    throw new KmsError(
      'ValidationException',
      'You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.',
    );
  }
  const keyUsage = usage ?? 'ENCRYPT_DECRYPT';
  const refusal = UNSUPPORTED_KEY_SPECS[keySpec];
  if (refusal) throw new KmsError('UnsupportedOperationException', refusal);
  if (!algorithmLists(keySpec, keyUsage)) {
    throw new KmsError(
      'ValidationException',
      `KeyUsage ${keyUsage} is not compatible with KeySpec ${keySpec}`,
    );
  }
  return { keySpec, keyUsage };
}

/** EnableKey and DisableKey. A key waiting for its material can be neither. */
function stateChange(eventName: string, state: 'Enabled' | 'Disabled') {
  return {
    eventName,
    mutates: true,
    fields: ['KeyId'],
    async run(context: OperationContext, request: KeyIdRequest) {
      const key = await context.resolveKey('keyId', request.KeyId, 'manage');
      if (key.KeyState === 'PendingImport') {
        throw new KmsError(
          'KMSInvalidStateException',
          `${context.arn(key.KeyId)} is pending import.`,
        );
      }
      return { response: EMPTY, write: putKey({ ...key, KeyState: state }) };
    },
  } satisfies Operation<KeyIdRequest, Empty>;
}

export const keyOperations = {
  createKey: {
    eventName: 'CreateKey',
    mutates: true,
    fields: ['Description', 'KeySpec', 'CustomerMasterKeySpec', 'KeyUsage', 'Origin', 'Tags'],
    async run(context, request) {
      const description = checkString('description', request.Description, { max: 8192 }) ?? '';
      const { keySpec, keyUsage } = checkKeySpecAndUsage(request);
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
      const now = context.now();
      const keyId = randomUuid();
      // An EXTERNAL key starts without material: PendingImport until importKeyMaterial.
      const version = external
        ? undefined
        : await newKeyVersion(keyId, 1, keySpec, keyUsage, now, await context.custody());
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
      // CloudTrail's CreateKey record names the new key; so does the vault-changed broadcast,
      // which views use to read only the keys a change touched (issue 16).
      context.touch(keyId);
      return {
        response: { KeyMetadata: context.metadata(key, version?.KeyMaterialId) },
        write: async (tx) => {
          if (version) await tx.objectStore('keyVersions').add(version);
          await tx.objectStore('keys').add(key);
        },
      };
    },
  },

  describeKey: {
    eventName: 'DescribeKey',
    mutates: false,
    metadataRead: true,
    fields: ['KeyId'],
    async run(context, request) {
      const key = await context.resolveKey('keyId', request.KeyId, 'read');
      return { response: { KeyMetadata: await context.describe(key) } };
    },
  },

  listKeys: {
    eventName: 'ListKeys',
    mutates: false,
    metadataRead: true,
    fields: ['Limit', 'Marker'],
    async run(context, request) {
      const asked = pageRequest('keys', request);
      const { keyIds, more } = await context.store.listKeyIdsPage(asked.start, asked.limit);
      return {
        response: {
          Keys: keyIds.map((KeyId) => ({ KeyId, KeyArn: context.arn(KeyId) })),
          ...pageInfo('keys', asked, more),
        },
      };
    },
  },

  listKeyDetails: {
    eventName: 'ListKeyDetails',
    mutates: false,
    metadataRead: true,
    fields: ['Limit', 'Marker'],
    async run(context, request) {
      // The keys ListKeys pages, newest first (the key table's order), under a marker of its own.
      const asked = pageRequest('keyDetails', request);
      const { keys, currentVersions, aliases, more } = await context.store.listKeyDetailsPage(
        asked.start,
        asked.limit,
      );
      // Each key's alias names, in ListAliases' order, from the one read of every alias.
      const aliasNames = new Map<string, string[]>();
      for (const alias of aliases.sort(byAliasName)) {
        const names = aliasNames.get(alias.TargetKeyId);
        if (names) names.push(alias.AliasName);
        else aliasNames.set(alias.TargetKeyId, [alias.AliasName]);
      }
      return {
        response: {
          Keys: keys.map((key, index): KeyDetails => ({
            KeyMetadata: context.describeWith(key, currentVersions[index]),
            // GetKeyRotationStatus's answer; rotation is for symmetric keys only.
            ...(key.KeySpec === 'SYMMETRIC_DEFAULT' && rotationStatus(key)),
            Aliases: aliasNames.get(key.KeyId) ?? [],
          })),
          ...pageInfo('keyDetails', asked, more),
        },
      };
    },
  },

  updateKeyDescription: {
    eventName: 'UpdateKeyDescription',
    mutates: true,
    fields: ['KeyId', 'Description'],
    async run(context, request) {
      const description = requireString('description', request.Description, 8192, 0);
      const key = await context.resolveKey('keyId', request.KeyId, 'manage');
      return { response: EMPTY, write: putKey({ ...key, Description: description }) };
    },
  },

  enableKey: stateChange('EnableKey', 'Enabled'),
  disableKey: stateChange('DisableKey', 'Disabled'),

  scheduleKeyDeletion: {
    eventName: 'ScheduleKeyDeletion',
    mutates: true,
    fields: ['KeyId', 'PendingWindowInDays'],
    async run(context, request) {
      const days =
        checkInteger('pendingWindowInDays', request.PendingWindowInDays, 7, 30) ??
        DEFAULT_DELETION_WINDOW_DAYS;
      const key = await context.resolveKey('keyId', request.KeyId, 'manage');
      const deletionDate = addDays(context.now(), days);
      return {
        response: {
          KeyId: context.arn(key.KeyId),
          DeletionDate: deletionDate,
          KeyState: 'PendingDeletion',
          PendingWindowInDays: days,
        },
        write: putKey({
          ...key,
          KeyState: 'PendingDeletion',
          DeletionDate: deletionDate,
          PendingDeletionWindowInDays: days,
        }),
      };
    },
  },

  cancelKeyDeletion: {
    eventName: 'CancelKeyDeletion',
    mutates: true,
    fields: ['KeyId'],
    async run(context, request) {
      const key = await context.resolveKey('keyId', request.KeyId, 'read');
      if (key.KeyState !== 'PendingDeletion') {
        throw new KmsError(
          'KMSInvalidStateException',
          `${context.arn(key.KeyId)} is not pending deletion.`,
        );
      }
      const { DeletionDate: _date, PendingDeletionWindowInDays: _days, ...rest } = key;
      // As in AWS, a key whose deletion is cancelled comes back Disabled, not Enabled.
      return {
        response: { KeyId: context.arn(key.KeyId) },
        write: putKey({ ...rest, KeyState: 'Disabled' }),
      };
    },
  },
} satisfies OperationGroup;
