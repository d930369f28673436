/**
 * Rotation: EnableKeyRotation, DisableKeyRotation, GetKeyRotationStatus, RotateKeyOnDemand,
 * ListKeyRotations. Automatic rotation itself runs in housekeeping (workers/kms/housekeeping.ts).
 */
import type { GetKeyRotationStatusResponse } from '../../api.ts';
import { addDays } from '../../clock.ts';
import { KmsError } from '../../errors.ts';
import type { KeyRecord } from '../../keystore/vault-store.ts';
import { requireRotatable } from '../key-checks.ts';
import { newKeyVersion, putKey, rotateWrite } from '../key-versions.ts';
import { EMPTY, type OperationGroup } from '../operation.ts';
import { paginate } from '../pagination.ts';
import { checkInteger } from '../validation.ts';

/** AWS: at most 25 on-demand rotations per key. */
export const MAX_ON_DEMAND_ROTATIONS = 25;
const DEFAULT_ROTATION_PERIOD_DAYS = 365;

/**
 * A key's rotation as GetKeyRotationStatus reports it (ListKeyDetails reports the same). As AWS
 * reports it: a key pending deletion does not rotate, so rotation reads as off (the setting
 * itself is kept and shows again if the deletion is cancelled).
 */
export function rotationStatus(
  key: KeyRecord,
): Pick<
  GetKeyRotationStatusResponse,
  'KeyRotationEnabled' | 'RotationPeriodInDays' | 'NextRotationDate'
> {
  const rotating = key.RotationEnabled && key.KeyState !== 'PendingDeletion';
  return {
    KeyRotationEnabled: rotating,
    ...(rotating && {
      RotationPeriodInDays: key.RotationPeriodInDays!,
      NextRotationDate: key.NextRotationDate!,
    }),
  };
}

export const rotationOperations = {
  enableKeyRotation: {
    eventName: 'EnableKeyRotation',
    mutates: true,
    fields: ['KeyId', 'RotationPeriodInDays'],
    async run(context, request) {
      const period =
        checkInteger('rotationPeriodInDays', request.RotationPeriodInDays, 90, 2560) ??
        DEFAULT_ROTATION_PERIOD_DAYS;
      const key = await context.resolveKey('keyId', request.KeyId, 'use');
      requireRotatable(context.arn(key.KeyId), key);
      const now = context.now();
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
        write: putKey({
          ...key,
          RotationEnabled: true,
          RotationPeriodInDays: period,
          NextRotationDate: next > now ? next : now,
        }),
      };
    },
  },

  disableKeyRotation: {
    eventName: 'DisableKeyRotation',
    mutates: true,
    fields: ['KeyId'],
    async run(context, request) {
      const key = await context.resolveKey('keyId', request.KeyId, 'use');
      requireRotatable(context.arn(key.KeyId), key);
      const { NextRotationDate: _next, RotationPeriodInDays: _period, ...rest } = key;
      return { response: EMPTY, write: putKey({ ...rest, RotationEnabled: false }) };
    },
  },

  getKeyRotationStatus: {
    eventName: 'GetKeyRotationStatus',
    mutates: false,
    metadataRead: true,
    fields: ['KeyId'],
    async run(context, request) {
      const key = await context.resolveKey('keyId', request.KeyId, 'read');
      return { response: { KeyId: context.arn(key.KeyId), ...rotationStatus(key) } };
    },
  },

  rotateKeyOnDemand: {
    eventName: 'RotateKeyOnDemand',
    mutates: true,
    fields: ['KeyId'],
    async run(context, request) {
      const key = await context.resolveKey('keyId', request.KeyId, 'use');
      requireRotatable(context.arn(key.KeyId), key);
      if (key.OnDemandRotationCount >= MAX_ON_DEMAND_ROTATIONS) {
        throw new KmsError(
          'LimitExceededException',
          // AWS's wording (LocalStack snapshot test_key_rotations_limits).
          `The on-demand rotations limit has been reached for the given keyId. No more on-demand rotations can be performed for this key: ${context.arn(key.KeyId)}`,
        );
      }
      const version = await newKeyVersion(
        key.KeyId,
        key.CurrentVersion + 1,
        key.KeySpec,
        key.KeyUsage,
        context.now(),
        await context.custody(),
        'ON_DEMAND',
      );
      return {
        response: { KeyId: context.arn(key.KeyId) },
        write: rotateWrite(
          { ...key, OnDemandRotationCount: key.OnDemandRotationCount + 1 },
          version,
        ),
      };
    },
  },

  listKeyRotations: {
    eventName: 'ListKeyRotations',
    mutates: false,
    metadataRead: true,
    fields: ['KeyId', 'Limit', 'Marker'],
    async run(context, request) {
      const key = await context.resolveKey('keyId', request.KeyId, 'read');
      const rotations = (await context.store.listKeyVersions(key.KeyId)).filter(
        (version) => version.RotationType,
      );
      const { page, ...info } = paginate(`rotations:${key.KeyId}`, rotations, request);
      return {
        response: {
          Rotations: page.map((version) => ({
            KeyId: context.arn(key.KeyId),
            KeyMaterialId: version.KeyMaterialId,
            RotationDate: version.CreationDate,
            RotationType: version.RotationType!,
          })),
          ...info,
        },
      };
    },
  },
} satisfies OperationGroup;
