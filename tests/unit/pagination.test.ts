/**
 * workers/kms/pagination.ts: AWS-style Limit / Marker / NextMarker / Truncated paging, and the
 * refusal of markers this code did not make — or made for another list.
 */
import { describe, expect, it } from 'vitest';
import { KmsError } from '../../workers/errors.ts';
import { checkLimit, decodeMarker, encodeMarker, paginate } from '../../workers/kms/pagination.ts';

function thrownBy(run: () => unknown): KmsError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(KmsError);
    return error as KmsError;
  }
  throw new Error('expected a KmsError, but nothing was thrown');
}

const ITEMS = Array.from({ length: 7 }, (_, i) => `item-${i}`);

describe('markers', () => {
  it('round-trip every position they encode', () => {
    for (const position of [0, 1, 99, 1000, Number.MAX_SAFE_INTEGER]) {
      expect(decodeMarker('keys', encodeMarker('keys', position))).toBe(position);
    }
  });

  it('treat an absent marker as the start', () => {
    expect(decodeMarker('keys', undefined)).toBeUndefined();
  });

  it('refuse a marker made for another list with InvalidMarkerException', () => {
    expect(thrownBy(() => decodeMarker('aliases', encodeMarker('keys', 3))).name).toBe(
      'InvalidMarkerException',
    );
    expect(thrownBy(() => decodeMarker('tags:a', encodeMarker('tags:b', 3))).name).toBe(
      'InvalidMarkerException',
    );
  });

  it.each([
    ['an empty string', ''],
    ['text that is not base64', '!!!not base64!!!'],
    ['base64 of another prefix', btoa('other:keys:3')],
    ['a negative position', btoa('pkms1:keys:-1')],
    ['a fractional position', btoa('pkms1:keys:1.5')],
    ['a position beyond the safe integers', btoa('pkms1:keys:9007199254740993')],
    ['the prefix with no position', btoa('pkms1:keys:')],
    ['a hexadecimal position', btoa('pkms1:keys:0x10')],
    ['an exponent', btoa('pkms1:keys:1e3')],
    ['a position with spaces', btoa('pkms1:keys: 5')],
    ['a position with trailing text', btoa('pkms1:keys:5abc')],
  ])('refuse %s with InvalidMarkerException', (_what, marker) => {
    expect(thrownBy(() => decodeMarker('keys', marker)).name).toBe('InvalidMarkerException');
  });
});

describe('paginate', () => {
  it('returns every item exactly once across pages of Limit items, in order', () => {
    const seen: string[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const result = paginate('keys', ITEMS, { Limit: 3, Marker: marker });
      expect(result.page.length).toBeLessThanOrEqual(3);
      seen.push(...result.page);
      marker = result.NextMarker;
      expect(result.Truncated).toBe(marker !== undefined);
      pages++;
    } while (marker !== undefined);
    expect(seen).toEqual(ITEMS);
    expect(pages).toBe(3);
  });

  it('says Truncated false and gives no NextMarker when the page reaches the end exactly', () => {
    expect(paginate('keys', ITEMS, { Limit: 7 })).toEqual({ page: ITEMS, Truncated: false });
  });

  it('uses the fallback limit when Limit is absent', () => {
    const many = Array.from({ length: 120 }, (_, i) => i);
    const result = paginate('keys', many, {});
    expect(result.page.length).toBe(100);
    expect(result.Truncated).toBe(true);
    expect(paginate('keys', many, {}, { fallback: 50 }).page.length).toBe(50);
  });

  it("refuses a bad marker, and another list's marker, with InvalidMarkerException", () => {
    expect(thrownBy(() => paginate('keys', ITEMS, { Marker: 'garbage' })).name).toBe(
      'InvalidMarkerException',
    );
    const { NextMarker } = paginate('aliases', ITEMS, { Limit: 1 });
    expect(thrownBy(() => paginate('keys', ITEMS, { Marker: NextMarker })).name).toBe(
      'InvalidMarkerException',
    );
  });

  it.each([0, 1001, -1, 1.5])('refuses Limit %s with ValidationException naming limit', (limit) => {
    const error = thrownBy(() => paginate('keys', ITEMS, { Limit: limit }));
    expect(error.name).toBe('ValidationException');
    expect(error.message).toContain("'limit'");
  });

  it("refuses a Limit above a list's own maximum (AWS: 100 for aliases, 50 for tags)", () => {
    expect(thrownBy(() => paginate('aliases', ITEMS, { Limit: 101 }, { max: 100 })).name).toBe(
      'ValidationException',
    );
    expect(paginate('aliases', ITEMS, { Limit: 100 }, { max: 100 }).page).toEqual(ITEMS);
  });

  it('accepts Limit 1 and 1000, the ends of the range', () => {
    expect(checkLimit(1, 100)).toBe(1);
    expect(checkLimit(1000, 100)).toBe(1000);
    expect(checkLimit(undefined, 42)).toBe(42);
  });
});
