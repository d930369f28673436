/**
 * AWS-style paging: Limit (1–1000), an opaque Marker from the previous page's NextMarker, and
 * Truncated. Markers here encode the position of the next item; a marker this code did not
 * make is refused with InvalidMarkerException.
 */
import type { PageInfo } from '../api.ts';
import { fromBase64, toBase64 } from '../encoding.ts';
import { KmsError } from '../errors.ts';
import { checkInteger } from './validation.ts';

const MARKER_PREFIX = 'pkms1:';

/** A marker names the list it belongs to (`scope`), so one list's marker is refused by another. */
export function encodeMarker(scope: string, position: number): string {
  return toBase64(new TextEncoder().encode(`${MARKER_PREFIX}${scope}:${position}`));
}

export function decodeMarker(scope: string, marker: string | undefined): number | undefined {
  if (marker === undefined) return undefined;
  const bytes = typeof marker === 'string' ? fromBase64(marker) : undefined;
  const decoded = bytes ? new TextDecoder().decode(bytes) : '';
  const prefix = `${MARKER_PREFIX}${scope}:`;
  // Only the decimal digits encodeMarker writes: Number() alone would also take '', ' 5', '0x10'.
  const digits = decoded.slice(prefix.length);
  const position = Number(digits);
  if (!decoded.startsWith(prefix) || !/^\d+$/.test(digits) || !Number.isSafeInteger(position)) {
    throw new KmsError(
      'InvalidMarkerException',
      'The request contains a marker that is not valid.',
    );
  }
  return position;
}

/** AWS's Limit: 1..max (1000 for most lists, 100 for aliases, 50 for tags), default `fallback`. */
export function checkLimit(limit: number | undefined, fallback: number, max = 1000): number {
  return checkInteger('limit', limit, 1, max) ?? fallback;
}

type PageRequest = { Limit?: number | undefined; Marker?: string | undefined };

/**
 * The page a request asks for: its size (Limit, checked first) and the position it starts at
 * (Marker, refused unless it is this list's).
 */
export function pageRequest(
  scope: string,
  request: PageRequest,
  { fallback = 100, max = 1000 }: { fallback?: number; max?: number } = {},
): { start: number; limit: number } {
  const limit = checkLimit(request.Limit, fallback, max);
  return { limit, start: decodeMarker(scope, request.Marker) ?? 0 };
}

/** Truncated and NextMarker of the page `pageRequest` asked for; `more`: items follow it. */
export function pageInfo(
  scope: string,
  { start, limit }: { start: number; limit: number },
  more: boolean,
): PageInfo {
  return more
    ? { Truncated: true, NextMarker: encodeMarker(scope, start + limit) }
    : { Truncated: false };
}

/** One page of an already ordered list. */
export function paginate<T>(
  scope: string,
  items: T[],
  request: PageRequest,
  options?: { fallback?: number; max?: number },
): { page: T[] } & PageInfo {
  const asked = pageRequest(scope, request, options);
  const end = asked.start + asked.limit;
  return { page: items.slice(asked.start, end), ...pageInfo(scope, asked, end < items.length) };
}
