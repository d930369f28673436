/**
 * AWS-style paging: Limit (1–1000), an opaque Marker from the previous page's NextMarker, and
 * Truncated. Markers here encode the position of the next item; a marker this code did not
 * make is refused with InvalidMarkerException.
 */
import type { PageInfo } from '../api.ts';
import { KmsError } from '../errors.ts';
import { checkInteger } from './validation.ts';

const MARKER_PREFIX = 'pkms1:';

export function encodeMarker(position: number): string {
  return btoa(`${MARKER_PREFIX}${position}`);
}

export function decodeMarker(marker: string | undefined): number | undefined {
  if (marker === undefined) return undefined;
  let decoded: string;
  try {
    decoded = atob(marker);
  } catch {
    decoded = '';
  }
  const position = Number(decoded.slice(MARKER_PREFIX.length));
  if (!decoded.startsWith(MARKER_PREFIX) || !Number.isSafeInteger(position) || position < 0) {
    throw new KmsError('InvalidMarkerException', 'The request contains a marker that is not valid.');
  }
  return position;
}

export function checkLimit(limit: number | undefined, fallback: number): number {
  return checkInteger('limit', limit, 1, 1000) ?? fallback;
}

/** One page of an already ordered list. */
export function paginate<T>(
  items: T[],
  request: { Limit?: number | undefined; Marker?: string | undefined },
  fallbackLimit = 100,
): { page: T[] } & PageInfo {
  const limit = checkLimit(request.Limit, fallbackLimit);
  const start = decodeMarker(request.Marker) ?? 0;
  const page = items.slice(start, start + limit);
  const next = start + limit;
  return next < items.length
    ? { page, Truncated: true, NextMarker: encodeMarker(next) }
    : { page, Truncated: false };
}
