/**
 * Key and alias identifiers as AWS shapes them (DESIGN §3):
 *   key ARN    arn:pkms:kms:local:<vault id>:key/<KeyId>
 *   alias ARN  arn:pkms:kms:local:<vault id>:alias/<name>
 * Every KeyId parameter accepts a key id, key ARN, alias name or alias ARN.
 */
export const ARN_PREFIX = 'arn:pkms:kms:local:';

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function keyArn(vaultId: string, keyId: string): string {
  return `${ARN_PREFIX}${vaultId}:key/${keyId}`;
}

export function aliasArn(vaultId: string, aliasName: string): string {
  return `${ARN_PREFIX}${vaultId}:${aliasName}`;
}

export type KeyReference =
  { kind: 'key'; keyId: string } | { kind: 'alias'; aliasName: string } | { kind: 'invalid' };

/** What a KeyId parameter names, without looking anything up. */
export function parseKeyReference(vaultId: string, value: string): KeyReference {
  let rest = value;
  if (value.startsWith('arn:')) {
    const prefix = `${ARN_PREFIX}${vaultId}:`;
    if (!value.startsWith(prefix)) return { kind: 'invalid' };
    rest = value.slice(prefix.length);
    if (rest.startsWith('key/')) {
      const keyId = rest.slice(4);
      return UUID_PATTERN.test(keyId) ? { kind: 'key', keyId } : { kind: 'invalid' };
    }
    return rest.startsWith('alias/') ? { kind: 'alias', aliasName: rest } : { kind: 'invalid' };
  }
  if (rest.startsWith('alias/')) return { kind: 'alias', aliasName: rest };
  return UUID_PATTERN.test(rest) ? { kind: 'key', keyId: rest } : { kind: 'invalid' };
}
