/**
 * Input checks at the door (workers/kms/validation.ts), the identifiers every KeyId parameter
 * accepts (workers/kms/identifiers.ts), and the error helpers (workers/errors.ts). Every refusal
 * asserts the exact AWS exception name.
 */
import { describe, expect, it } from 'vitest';
import { KmsError, isKmsErrorName, toKmsError, validationError } from '../../workers/errors.ts';
import { aliasArn, keyArn, parseKeyReference } from '../../workers/kms/identifiers.ts';
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
  requireString,
} from '../../workers/kms/validation.ts';

function thrownBy(run: () => unknown): KmsError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(KmsError);
    return error as KmsError;
  }
  throw new Error('expected a KmsError, but nothing was thrown');
}

/** A ValidationException whose message names the parameter, in AWS's wording. */
function expectValidation(run: () => unknown, parameter: string): KmsError {
  const error = thrownBy(run);
  expect(error.name).toBe('ValidationException');
  expect(error.message).toContain(`at '${parameter}'`);
  expect(error.message).toMatch(/^1 validation error detected: /);
  return error;
}

describe('checkInteger', () => {
  it('returns integers within the range, including both ends, and undefined for absent', () => {
    expect(checkInteger('n', 1, 1, 1024)).toBe(1);
    expect(checkInteger('n', 1024, 1, 1024)).toBe(1024);
    expect(checkInteger('n', undefined, 1, 1024)).toBeUndefined();
    expect(checkInteger('n', null, 1, 1024)).toBeUndefined();
  });

  it('refuses values below and above the range with ValidationException naming the parameter', () => {
    expect(
      expectValidation(() => checkInteger('numberOfBytes', 0, 1, 1024), 'numberOfBytes').message,
    ).toContain('greater than or equal to 1');
    expect(
      expectValidation(() => checkInteger('numberOfBytes', 1025, 1, 1024), 'numberOfBytes').message,
    ).toContain('less than or equal to 1024');
  });

  it.each([1.5, Number.NaN, Infinity, '5', true])(
    'refuses the non-integer %s with ValidationException',
    (value) => {
      expectValidation(() => checkInteger('limit', value, 1, 1000), 'limit');
    },
  );
});

describe('checkString and requireString', () => {
  it('accepts lengths from min to max', () => {
    expect(checkString('description', '', { max: 3 })).toBe('');
    expect(checkString('description', 'abc', { max: 3 })).toBe('abc');
    expect(checkString('description', undefined, { max: 3 })).toBeUndefined();
  });

  it('refuses a string that is too long without echoing it', () => {
    const error = expectValidation(
      () => checkString('description', 'secret!', { max: 3 }),
      'description',
    );
    expect(error.message).not.toContain('secret!');
  });

  it('refuses a string that is too short, a non-string, and a missing required value', () => {
    expectValidation(() => checkString('aliasName', '', { min: 1, max: 3 }), 'aliasName');
    expectValidation(() => checkString('description', 42, { max: 3 }), 'description');
    expectValidation(() => requireString('description', undefined, 3), 'description');
    expectValidation(() => checkKeyIdParameter('keyId', ''), 'keyId');
    expectValidation(() => checkKeyIdParameter('keyId', 'k'.repeat(2049)), 'keyId');
  });
});

describe('checkBytes', () => {
  it('returns a copy that owns a plain ArrayBuffer, even for a view into a larger buffer', () => {
    const backing = Uint8Array.from([9, 1, 2, 3, 9]);
    const checked = checkBytes('plaintext', backing.subarray(1, 4), 1, 4096);
    expect([...checked]).toEqual([1, 2, 3]);
    expect(checked.byteOffset).toBe(0);
    expect(checked.buffer.byteLength).toBe(3);
    backing.fill(0);
    expect([...checked]).toEqual([1, 2, 3]);
  });

  it('refuses 0 and 4097 bytes of plaintext, naming the size but no byte', () => {
    expectValidation(() => checkBytes('plaintext', new Uint8Array(0), 1, 4096), 'plaintext');
    const error = expectValidation(
      () => checkBytes('plaintext', new Uint8Array(4097).fill(0x41), 1, 4096),
      'plaintext',
    );
    expect(error.message).toContain('less than or equal to 4096');
    expect(error.message).not.toContain('AAAA');
    expect(error.message).not.toContain('65,65');
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a number array', [1, 2, 3]],
    ['a string', 'abc'],
    ['an ArrayBuffer', new ArrayBuffer(3)],
  ])('refuses %s with ValidationException', (_what, value) => {
    expectValidation(() => checkBytes('plaintext', value, 1, 4096), 'plaintext');
  });
});

describe('checkEnum, checkBoolean, checkDate', () => {
  it('accepts allowed values and absent ones', () => {
    expect(checkEnum('keySpec', 'AES_128', ['AES_256', 'AES_128'])).toBe('AES_128');
    expect(checkEnum('keySpec', undefined, ['AES_256'])).toBeUndefined();
    expect(checkBoolean('errorsOnly', false)).toBe(false);
    const date = new Date(0);
    expect(checkDate('startTime', date)).toBe(date);
  });

  it('refuses values outside the enum, listing the allowed set', () => {
    const error = expectValidation(
      () => checkEnum('keySpec', 'AES_512', ['AES_256', 'AES_128']),
      'keySpec',
    );
    expect(error.message).toContain('[AES_256, AES_128]');
    expectValidation(() => checkEnum('keySpec', 256, ['AES_256']), 'keySpec');
  });

  it('refuses non-booleans and invalid dates', () => {
    expectValidation(() => checkBoolean('errorsOnly', 'true'), 'errorsOnly');
    expectValidation(() => checkDate('startTime', new Date(Number.NaN)), 'startTime');
    expectValidation(() => checkDate('startTime', '2026-01-01'), 'startTime');
  });
});

describe('checkEncryptionContext', () => {
  it('returns {} for an absent context and the same pairs for a valid one', () => {
    expect(checkEncryptionContext('encryptionContext', undefined)).toEqual({});
    expect(checkEncryptionContext('encryptionContext', { a: '1', é: '' })).toEqual({
      a: '1',
      é: '',
    });
  });

  it('keeps a "__proto__" key as an ordinary context entry', () => {
    const context = JSON.parse('{"__proto__":"bound","a":"1"}') as Record<string, string>;
    const checked = checkEncryptionContext('encryptionContext', context);
    expect(Object.entries(checked)).toEqual([
      ['__proto__', 'bound'],
      ['a', '1'],
    ]);
    expect(Object.getPrototypeOf(checked)).toBe(Object.prototype);
  });

  it.each([
    ['an array', [['a', '1']]],
    ['a Map', new Map([['a', '1']])],
    ['a Date', new Date(0)],
    ['a string', 'a=1'],
    ['a non-string value', { a: 1 }],
    ['an empty key', { '': 'v' }],
  ])('refuses %s with ValidationException', (_what, value) => {
    expectValidation(() => checkEncryptionContext('encryptionContext', value), 'encryptionContext');
  });

  it('accepts a context that serializes to 8192 bytes and refuses 8193', () => {
    // 2 (count) + 2 + 1 (key "k") + 2 + value: value of 8185 bytes gives exactly 8192.
    expect(() =>
      checkEncryptionContext('encryptionContext', { k: 'v'.repeat(8185) }),
    ).not.toThrow();
    expectValidation(
      () => checkEncryptionContext('encryptionContext', { k: 'v'.repeat(8186) }),
      'encryptionContext',
    );
  });

  it('refuses a context too large for the u16 fields with ValidationException, not RangeError', () => {
    expectValidation(
      () => checkEncryptionContext('encryptionContext', { k: 'v'.repeat(70_000) }),
      'encryptionContext',
    );
  });
});

describe('tags', () => {
  it('accepts a 128-character key and a 256-character (or empty) value', () => {
    expect(
      checkTags('tags', [{ TagKey: 'k'.repeat(128), TagValue: 'v'.repeat(256) }], false),
    ).toHaveLength(1);
    expect(checkTags('tags', [{ TagKey: 'k', TagValue: '' }], false)).toEqual([
      { TagKey: 'k', TagValue: '' },
    ]);
  });

  it('refuses a 129-character key and a 257-character value with ValidationException', () => {
    expectValidation(
      () => checkTags('tags', [{ TagKey: 'k'.repeat(129), TagValue: '' }], false),
      'tags.1.member.tagKey',
    );
    expectValidation(
      () => checkTags('tags', [{ TagKey: 'k', TagValue: 'v'.repeat(257) }], false),
      'tags.1.member.tagValue',
    );
    expectValidation(() => checkTagKey('tagKeys.1.member', ''), 'tagKeys.1.member');
  });

  it.each(['aws:owner', 'AWS:owner', 'Aws:x'])(
    'refuses the reserved key %s with TagException',
    (key) => {
      expect(thrownBy(() => checkTagKey('tagKey', key)).name).toBe('TagException');
      expect(thrownBy(() => checkTags('tags', [{ TagKey: key, TagValue: 'v' }], false)).name).toBe(
        'TagException',
      );
    },
  );

  it('refuses characters outside the allowed set with TagException', () => {
    expect(thrownBy(() => checkTagKey('tagKey', 'semi;colon')).name).toBe('TagException');
    expect(thrownBy(() => checkTags('tags', [{ TagKey: 'k', TagValue: 'a<b' }], false)).name).toBe(
      'TagException',
    );
  });

  it('refuses a key given twice with TagException', () => {
    const tags = [
      { TagKey: 'k', TagValue: '1' },
      { TagKey: 'k', TagValue: '2' },
    ];
    expect(thrownBy(() => checkTags('tags', tags, false)).name).toBe('TagException');
  });

  // LocalStack snapshot test_create_key_with_too_many_tags_raises_error.
  it('accepts 50 tags and refuses 51 with TagException', () => {
    const tags = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ TagKey: `k${i}`, TagValue: 'v' }));
    expect(checkTags('tags', tags(50), false)).toHaveLength(50);
    expect(thrownBy(() => checkTags('tags', tags(51), false)).name).toBe('TagException');
  });

  it('refuses a missing list when tags are required, and a non-list', () => {
    expectValidation(() => checkTags('tags', undefined, true), 'tags');
    expectValidation(() => checkTags('tags', { TagKey: 'k' }, false), 'tags');
    expect(checkTags('tags', undefined, false)).toEqual([]);
  });
});

describe('checkAliasName', () => {
  it('accepts alias/ followed by 1 or more of [a-zA-Z0-9:/_-], up to 256 characters in all', () => {
    expect(checkAliasName('aliasName', 'alias/My_key-1:a/b')).toBe('alias/My_key-1:a/b');
    const longest = `alias/${'a'.repeat(250)}`;
    expect(checkAliasName('aliasName', longest)).toBe(longest);
  });

  it.each([
    ['the prefix alone', 'alias/'],
    ['a space', 'alias/my key'],
    ['a dot', 'alias/my.key'],
    ['a non-ASCII letter', 'alias/clé'],
  ])('refuses %s with InvalidAliasNameException', (_what, name) => {
    expect(thrownBy(() => checkAliasName('aliasName', name)).name).toBe(
      'InvalidAliasNameException',
    );
  });

  // AWS's own ValidationException for a name without the prefix (LocalStack snapshot
  // test_create_alias), whatever follows.
  it.each([
    ['no alias/ prefix', 'my-key'],
    ['an upper-case prefix', 'Alias/key'],
  ])('refuses %s with ValidationException', (_what, name) => {
    expect(thrownBy(() => checkAliasName('aliasName', name)).name).toBe('ValidationException');
  });

  it('refuses the reserved alias/aws/ prefix with InvalidAliasNameException', () => {
    expect(thrownBy(() => checkAliasName('aliasName', 'alias/aws/kms')).name).toBe(
      'InvalidAliasNameException',
    );
  });

  it('refuses a name over 256 characters, and an empty one, with ValidationException', () => {
    expectValidation(() => checkAliasName('aliasName', `alias/${'a'.repeat(251)}`), 'aliasName');
    expectValidation(() => checkAliasName('aliasName', ''), 'aliasName');
  });
});

describe('identifiers', () => {
  const VAULT = '123456789012';
  const KEY_ID = '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9';

  it('shapes key and alias ARNs as DESIGN §3 says', () => {
    expect(keyArn(VAULT, KEY_ID)).toBe(`arn:pkms:kms:local:${VAULT}:key/${KEY_ID}`);
    expect(aliasArn(VAULT, 'alias/app')).toBe(`arn:pkms:kms:local:${VAULT}:alias/app`);
  });

  it('reads a key id, key ARN, alias name and alias ARN', () => {
    expect(parseKeyReference(VAULT, KEY_ID)).toEqual({ kind: 'key', keyId: KEY_ID });
    expect(parseKeyReference(VAULT, keyArn(VAULT, KEY_ID))).toEqual({ kind: 'key', keyId: KEY_ID });
    expect(parseKeyReference(VAULT, 'alias/app')).toEqual({
      kind: 'alias',
      aliasName: 'alias/app',
    });
    expect(parseKeyReference(VAULT, aliasArn(VAULT, 'alias/app'))).toEqual({
      kind: 'alias',
      aliasName: 'alias/app',
    });
  });

  it('refuses ARNs of another vault, upper-case ids and other resource types', () => {
    for (const value of [
      keyArn('999999999999', KEY_ID),
      KEY_ID.toUpperCase(),
      `arn:pkms:kms:local:${VAULT}:grant/${KEY_ID}`,
      `arn:aws:kms:us-east-1:${VAULT}:key/${KEY_ID}`,
      'not-a-key',
    ]) {
      expect(parseKeyReference(VAULT, value), value).toEqual({ kind: 'invalid' });
    }
  });
});

describe('errors', () => {
  it('gives a KmsError the AWS exception name as its name', () => {
    const error = new KmsError('DisabledException', 'k is disabled.');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('DisabledException');
    expect(isKmsErrorName('DisabledException')).toBe(true);
    expect(isKmsErrorName('TypeError')).toBe(false);
  });

  it('turns any other thrown value into KMSInternalException without its message', () => {
    const error = toKmsError(new TypeError('secret detail'));
    expect(error.name).toBe('KMSInternalException');
    expect(error.message).not.toContain('secret detail');
    expect(toKmsError('a string').name).toBe('KMSInternalException');
  });

  it('says a storage quota error is a quota error, still as KMSInternalException', () => {
    const quota = new DOMException('full', 'QuotaExceededError');
    const error = toKmsError(quota);
    expect(error.name).toBe('KMSInternalException');
    expect(error.message).toMatch(/quota/);
  });

  it('says an unreadable input file is one (changed or moved while read), still as KMSInternalException', () => {
    const error = toKmsError(new DOMException('gone', 'NotReadableError'));
    expect(error.name).toBe('KMSInternalException');
    expect(error.message).toMatch(/input file could not be read: it was changed, moved or deleted/);
  });

  it('passes a KmsError through unchanged', () => {
    const original = new KmsError('NotFoundException', 'gone');
    expect(toKmsError(original)).toBe(original);
  });

  it('words validation errors as AWS does', () => {
    expect(
      validationError('limit', 0, 'Member must have value greater than or equal to 1').message,
    ).toBe(
      "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
  });
});
