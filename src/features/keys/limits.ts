/** AWS's bounds for RotationPeriodInDays (EnableKeyRotation) and PendingWindowInDays. */
export const ROTATION_PERIOD = { min: 90, max: 2560, default: 365 } as const;
export const DELETION_WINDOW = { min: 7, max: 30, default: 30 } as const;
/** RotateKeyOnDemand may run at most this many times per key. */
export const MAX_ON_DEMAND_ROTATIONS = 25;

/** What a person types in an alias field, as an AliasName: "alias/" is added when missing. */
export function toAliasName(typed: string): string {
  const name = typed.trim();
  return name.startsWith('alias/') ? name : `alias/${name}`;
}
