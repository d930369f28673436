/**
 * Input checks at the door: each returns the checked value or throws a KmsError that names the
 * parameter (in AWS's wording), before any key is touched. Values of secret parameters are
 * never echoed in messages — only their sizes.
 */
import type { EncryptionContext, Tag } from '../api.ts';
import { KmsError, validationError } from '../errors.ts';
import { serializeEncryptionContext } from '../formats/encryption-context.ts';

export function checkInteger(
  parameter: string,
  value: unknown,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw validationError(parameter, undefined, 'Member must be an integer');
  }
  if (value < min) {
    throw validationError(
      parameter,
      value,
      `Member must have value greater than or equal to ${min}`,
    );
  }
  if (value > max) {
    throw validationError(parameter, value, `Member must have value less than or equal to ${max}`);
  }
  return value;
}

export function checkString(
  parameter: string,
  value: unknown,
  { min = 0, max, required = false }: { min?: number; max: number; required?: boolean },
): string | undefined {
  if (value === undefined || value === null) {
    if (required) throw validationError(parameter, undefined, 'Member must not be null');
    return undefined;
  }
  if (typeof value !== 'string') {
    throw validationError(parameter, undefined, 'Member must be a string');
  }
  if (value.length < min) {
    throw validationError(
      parameter,
      value,
      `Member must have length greater than or equal to ${min}`,
    );
  }
  if (value.length > max) {
    throw validationError(
      parameter,
      undefined,
      `Member must have length less than or equal to ${max}`,
    );
  }
  return value;
}

export function requireString(parameter: string, value: unknown, max: number, min = 1): string {
  return checkString(parameter, value, { min, max, required: true })!;
}

export function checkKeyIdParameter(parameter: string, value: unknown): string {
  return requireString(parameter, value, 2048);
}

/** A binary parameter: Uint8Array of min..max bytes. The bytes themselves are never shown. */
export function checkBytes(
  parameter: string,
  value: unknown,
  min: number,
  max: number,
): Uint8Array<ArrayBuffer> {
  if (value === undefined || value === null) {
    throw validationError(parameter, undefined, 'Member must not be null');
  }
  if (!(value instanceof Uint8Array)) {
    throw validationError(parameter, undefined, 'Member must be a Uint8Array');
  }
  if (value.length < min) {
    throw validationError(
      parameter,
      undefined,
      `Member must have length greater than or equal to ${min}`,
    );
  }
  if (value.length > max) {
    throw validationError(
      parameter,
      undefined,
      `Member must have length less than or equal to ${max}`,
    );
  }
  // A copy that owns a plain ArrayBuffer, as crypto.subtle wants.
  return new Uint8Array(value);
}

export function checkEnum<T extends string>(
  parameter: string,
  value: unknown,
  allowed: readonly T[],
): T | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw validationError(
      parameter,
      typeof value === 'string' ? value : undefined,
      `Member must satisfy enum value set: [${allowed.join(', ')}]`,
    );
  }
  return value as T;
}

export function checkBoolean(parameter: string, value: unknown): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean')
    throw validationError(parameter, undefined, 'Member must be a boolean');
  return value;
}

export function checkDate(parameter: string, value: unknown): Date | undefined {
  if (value === undefined || value === null) return undefined;
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw validationError(parameter, undefined, 'Member must be a valid Date');
  }
  return value;
}

/** String-to-string map; keys non-empty; serialized size within the 8192 bytes we allow. */
export function checkEncryptionContext(parameter: string, value: unknown): EncryptionContext {
  if (value === undefined || value === null) return {};
  const prototype: unknown = typeof value === 'object' ? Object.getPrototypeOf(value) : undefined;
  if (typeof value !== 'object' || (prototype !== Object.prototype && prototype !== null)) {
    // A Map, Date or class instance has no own string entries: refuse it rather than
    // silently encrypting under an empty context.
    throw validationError(
      parameter,
      undefined,
      'Member must be a plain object mapping strings to strings',
    );
  }
  const entries = Object.entries(value);
  for (const [key, item] of entries) {
    if (key.length === 0 || typeof item !== 'string') {
      throw validationError(
        parameter,
        undefined,
        'Member must be a map of non-empty string keys to string values',
      );
    }
  }
  // fromEntries defines own properties: `context[key] = item` would drop a "__proto__" key and
  // leave that pair out of the AAD.
  const context: EncryptionContext = Object.fromEntries(entries);
  let size: number;
  try {
    size = serializeEncryptionContext(context).length;
  } catch {
    size = Infinity;
  }
  if (size > 8192) {
    throw validationError(parameter, undefined, 'Member must serialize to at most 8192 bytes');
  }
  return context;
}

const TAG_CHARACTERS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
export const MAX_TAGS_PER_KEY = 50;

/**
 * A tag key or value: a string of min..max characters. Tags are not secret, so a value that is
 * too long is echoed, as AWS echoes it (LocalStack snapshot test_key_with_long_tag_value_raises_error).
 */
function checkTagText(parameter: string, value: unknown, max: number, min: number): string {
  const text = requireString(parameter, value, Number.MAX_SAFE_INTEGER, min);
  if (text.length > max) {
    throw validationError(parameter, text, `Member must have length less than or equal to ${max}`);
  }
  return text;
}

export function checkTagKey(parameter: string, key: unknown): string {
  const tagKey = checkTagText(parameter, key, 128, 1);
  if (!TAG_CHARACTERS.test(tagKey)) {
    throw new KmsError(
      'TagException',
      `Tag key '${tagKey}' contains characters that are not allowed.`,
    );
  }
  // AWS's wording, for any case of the prefix (LocalStack snapshot
  // test_create_key_with_invalid_tag_key[lowercase_prefix, uppercase_prefix]).
  if (tagKey.toLowerCase().startsWith('aws:')) {
    throw new KmsError('TagException', 'Tags beginning with aws: are reserved');
  }
  return tagKey;
}

export function checkTags(parameter: string, value: unknown, required: boolean): Tag[] {
  if (value === undefined || value === null) {
    if (required) throw validationError(parameter, undefined, 'Member must not be null');
    return [];
  }
  if (!Array.isArray(value))
    throw validationError(parameter, undefined, 'Member must be a list of tags');
  // LocalStack snapshot test_create_key_with_too_many_tags_raises_error.
  if (value.length > MAX_TAGS_PER_KEY) throw new KmsError('TagException', 'Too many tags');
  const seen = new Set<string>();
  return value.map((tag: unknown, index) => {
    const { TagKey, TagValue } = (tag ?? {}) as Partial<Tag>;
    const key = checkTagKey(`${parameter}.${index + 1}.member.tagKey`, TagKey);
    const tagValue = checkTagText(`${parameter}.${index + 1}.member.tagValue`, TagValue, 256, 0);
    if (!TAG_CHARACTERS.test(tagValue)) {
      throw new KmsError(
        'TagException',
        `The value of tag '${key}' contains characters that are not allowed.`,
      );
    }
    // LocalStack snapshot test_tag_key_with_duplicate_tag_keys_raises_error.
    if (seen.has(key)) throw new KmsError('TagException', 'Duplicate tag keys');
    seen.add(key);
    return { TagKey: key, TagValue: tagValue };
  });
}

const ALIAS_PATTERN = /^alias\/[a-zA-Z0-9:/_-]+$/;

export function checkAliasName(parameter: string, value: unknown): string {
  const name = requireString(parameter, value, 256);
  // AWS's wording (LocalStack snapshot test_create_alias).
  if (!name.startsWith('alias/')) {
    throw new KmsError(
      'ValidationException',
      'Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html',
    );
  }
  if (!ALIAS_PATTERN.test(name)) {
    throw new KmsError(
      'InvalidAliasNameException',
      `Alias '${name}' must be 'alias/' followed by letters, digits, ':', '/', '_' or '-'.`,
    );
  }
  if (name.startsWith('alias/aws/')) {
    throw new KmsError(
      'InvalidAliasNameException',
      `Aliases beginning with 'alias/aws/' are reserved for AWS.`,
    );
  }
  return name;
}

/** A Blob or File parameter: the file operations' input, a signature file, a backup. */
export function checkInput(parameter: string, value: unknown): Blob {
  if (value === undefined || value === null)
    throw validationError(parameter, undefined, 'Member must not be null');
  if (!(value instanceof Blob))
    throw validationError(parameter, undefined, 'Member must be a Blob or File');
  return value;
}
