/**
 * Names of the files the file operations return (`<input>.encrypted`, `<input>.sig`, the name
 * before encryption). The input's name is the caller's data: it may hold path separators,
 * control characters, lone surrogates, or be empty, ".", ".." or very long, and the browser's
 * file system (OPFS `getFileHandle`) refuses several of these. The output name keeps the input
 * readable and is always one safe file name.
 */

/** Longest output name, in UTF-8 bytes (common file systems allow 255). */
export const MAX_OUTPUT_NAME_BYTES = 255;

/** What a path separator, control character or other unsafe character becomes. */
const REPLACEMENT = '_';

// C0 and C1 controls, DEL, / and \, and characters that make names misread or unopenable
// (bidirectional overrides and isolates, line and paragraph separators).
const UNSAFE = /[\u0000-\u001f\u007f-\u009f/\\\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;

/**
 * A safe output file name: `name` with every path separator (`/`, `\`) and control character
 * replaced by `_`, lone surrogates by U+FFFD, surrounding spaces trimmed, followed by `suffix`
 * (which is sanitized the same way). The name part is shortened, at a character boundary, so
 * that the whole name is at most MAX_OUTPUT_NAME_BYTES bytes of UTF-8 and the suffix is kept.
 * An empty name, or one made only of dots (".", ".."), becomes `fallback`.
 *
 *   safeOutputName('report.pdf', '.encrypted')  → 'report.pdf.encrypted'
 *   safeOutputName('../etc/passwd', '.sig')     → '.._etc_passwd.sig'
 *   safeOutputName('', '.encrypted')            → 'data.encrypted'
 */
export function safeOutputName(name: string | undefined, suffix = '', fallback = 'data'): string {
  const cleanSuffix = clean(suffix);
  let base = clean(name ?? '').trim();
  if (/^\.*$/.test(base)) base = clean(fallback).trim() || 'data';
  const room = Math.max(0, MAX_OUTPUT_NAME_BYTES - utf8Length(cleanSuffix));
  base = truncateUtf8(base, room);
  if (/^\.*$/.test(base)) base = 'data';
  return `${base}${cleanSuffix}`;
}

function clean(text: string): string {
  return toWellFormed(text).replace(UNSAFE, REPLACEMENT);
}

function toWellFormed(text: string): string {
  const native = (text as unknown as { toWellFormed?: () => string }).toWellFormed;
  if (typeof native === 'function') return native.call(text);
  return text.replace(/\p{Surrogate}/gu, '\uFFFD');
}

function utf8Length(text: string): number {
  let bytes = 0;
  for (const character of text) {
    const point = character.codePointAt(0)!;
    bytes += point < 0x80 ? 1 : point < 0x800 ? 2 : point < 0x10000 ? 3 : 4;
  }
  return bytes;
}

/** The longest prefix of `text`, whole code points only, that fits in `limit` UTF-8 bytes. */
function truncateUtf8(text: string, limit: number): string {
  let bytes = 0;
  let end = 0;
  for (const character of text) {
    const point = character.codePointAt(0)!;
    const size = point < 0x80 ? 1 : point < 0x800 ? 2 : point < 0x10000 ? 3 : 4;
    if (bytes + size > limit) break;
    bytes += size;
    end += character.length;
  }
  return text.slice(0, end).trimEnd();
}
