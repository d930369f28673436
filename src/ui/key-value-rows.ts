/**
 * The rows of a key/value editor (tags, encryption context) and how they become the API's
 * shapes. A row whose key and value are both empty is ignored; everything else is passed on as
 * typed, so the key service's own checks (and error names) apply.
 */
import type { EncryptionContext, Tag } from '../../workers/api.ts';

export interface KeyValueRow {
  /** Stable identity for keyed {#each} blocks. */
  id: number;
  key: string;
  value: string;
}

let nextRowId = 1;

export function emptyRow(): KeyValueRow {
  return { id: nextRowId++, key: '', value: '' };
}

function filled(rows: readonly KeyValueRow[]): KeyValueRow[] {
  return rows.filter((row) => row.key !== '' || row.value !== '');
}

export function rowsToTags(rows: readonly KeyValueRow[]): Tag[] {
  return filled(rows).map((row) => ({ TagKey: row.key, TagValue: row.value }));
}

/**
 * An encryption context from the rows, or the sentence that explains why it cannot be one.
 * A map cannot hold one key twice, so a repeated key is refused here instead of silently
 * keeping only the last value.
 */
export function rowsToContext(
  rows: readonly KeyValueRow[],
): { context: EncryptionContext } | { problem: string } {
  const context: EncryptionContext = {};
  for (const row of filled(rows)) {
    if (Object.hasOwn(context, row.key)) {
      return {
        problem: `The encryption context names “${row.key}” twice. Each key may appear only once.`,
      };
    }
    context[row.key] = row.value;
  }
  return { context };
}
