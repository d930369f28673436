/** Aliases: CreateAlias, UpdateAlias, DeleteAlias, ListAliases. */
import { isHmacKeySpec } from '../../key-specs.ts';
import { KmsError, validationError } from '../../errors.ts';
import type { AliasRecord, KeyRecord } from '../../keystore/vault-store.ts';
import { parseKeyReference } from '../identifiers.ts';
import { EMPTY, type OperationGroup } from '../operation.ts';
import type { OperationContext } from '../operation-context.ts';
import { paginate } from '../pagination.ts';
import { checkAliasName, checkKeyIdParameter } from '../validation.ts';

/** ListAliases' order, by AliasName (ListKeyDetails lists each key's aliases in it too). */
export function byAliasName(a: AliasRecord, b: AliasRecord): number {
  return a.AliasName.localeCompare(b.AliasName);
}

/** The key types UpdateAlias keeps an alias within. */
function keyType(key: KeyRecord): 'symmetric' | 'asymmetric' | 'HMAC' {
  if (isHmacKeySpec(key.KeySpec)) return 'HMAC';
  return key.KeySpec === 'SYMMETRIC_DEFAULT' ? 'symmetric' : 'asymmetric';
}

/** TargetKeyId must name a key by id or ARN, not by alias (AWS's rule). */
async function resolveAliasTarget(context: OperationContext, value: unknown): Promise<KeyRecord> {
  const given = checkKeyIdParameter('targetKeyId', value);
  if (parseKeyReference(context.vaultId, given).kind === 'alias') {
    throw validationError('targetKeyId', given, 'Member must be a key ID or key ARN, not an alias');
  }
  return context.resolveKey('targetKeyId', given, 'manage');
}

export const aliasOperations = {
  createAlias: {
    eventName: 'CreateAlias',
    mutates: true,
    fields: ['AliasName', 'TargetKeyId'],
    async run(context, request) {
      const aliasName = checkAliasName('aliasName', request.AliasName);
      const key = await resolveAliasTarget(context, request.TargetKeyId);
      if (await context.store.getAlias(aliasName)) {
        throw new KmsError(
          'AlreadyExistsException',
          `An alias with the name ${context.aliasArn(aliasName)} already exists`,
        );
      }
      const now = context.now();
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
    },
  },

  updateAlias: {
    eventName: 'UpdateAlias',
    mutates: true,
    fields: ['AliasName', 'TargetKeyId'],
    async run(context, request) {
      const aliasName = checkAliasName('aliasName', request.AliasName);
      const alias = await context.store.getAlias(aliasName);
      if (!alias) throw context.aliasNotFound(aliasName);
      const current = await context.store.getKey(alias.TargetKeyId);
      const key = await resolveAliasTarget(context, request.TargetKeyId);
      // AWS API reference, UpdateAlias: the new key must be of the same type (symmetric,
      // asymmetric or HMAC) and have the same key usage; its spec may differ.
      if (current && (keyType(current) !== keyType(key) || current.KeyUsage !== key.KeyUsage)) {
        throw new KmsError(
          'ValidationException',
          `An alias can only move to a key of the same type (${keyType(current)}) and key usage (${current.KeyUsage}).`,
        );
      }
      const updated = { ...alias, TargetKeyId: key.KeyId, LastUpdatedDate: context.now() };
      return {
        response: EMPTY,
        write: async (tx) => {
          await tx.objectStore('aliases').put(updated);
        },
      };
    },
  },

  deleteAlias: {
    eventName: 'DeleteAlias',
    mutates: true,
    fields: ['AliasName'],
    async run(context, request) {
      const aliasName = checkAliasName('aliasName', request.AliasName);
      const alias = await context.store.getAlias(aliasName);
      if (!alias) throw context.aliasNotFound(aliasName);
      context.touch(alias.TargetKeyId);
      return {
        response: EMPTY,
        write: async (tx) => {
          await tx.objectStore('aliases').delete(aliasName);
        },
      };
    },
  },

  listAliases: {
    eventName: 'ListAliases',
    mutates: false,
    metadataRead: true,
    fields: ['KeyId', 'Limit', 'Marker'],
    async run(context, request) {
      const target =
        request.KeyId === undefined
          ? undefined
          : (await context.resolveKey('keyId', request.KeyId, 'read')).KeyId;
      const aliases = (await context.store.listAliases(target)).sort(byAliasName);
      const { page, ...info } = paginate('aliases', aliases, request, { fallback: 50, max: 100 });
      return {
        response: {
          Aliases: page.map((alias) => ({
            AliasName: alias.AliasName,
            AliasArn: context.aliasArn(alias.AliasName),
            TargetKeyId: alias.TargetKeyId,
            CreationDate: alias.CreationDate,
            LastUpdatedDate: alias.LastUpdatedDate,
          })),
          ...info,
        },
      };
    },
  },
} satisfies OperationGroup;
