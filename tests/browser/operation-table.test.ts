/**
 * The operation table (workers/kms/operations/) is the core: every operation of the API is in
 * exactly one group module, the Kms exposes exactly the table, and docs/API.md's table of
 * operations says the same — module, event name, and whether the operation changes the vault.
 */
import { describe, expect, it } from 'vitest';
import apiDoc from '../../docs/API.md?raw';
import { KMS_OPERATIONS } from '../../workers/api.ts';
import { OPERATION_GROUPS, OPERATIONS } from '../../workers/kms/operations/index.ts';
import { openVaultForTest } from './support/vault.ts';

interface DocumentedOperation {
  module: string;
  eventName: string;
  mutates: boolean;
}

/** The rows of docs/API.md's "The operations" table. */
function documentedOperations(): Map<string, DocumentedOperation> {
  const section = apiDoc.split('## The operations')[1]?.split('\n## ')[0] ?? '';
  const rows = new Map<string, DocumentedOperation>();
  for (const line of section.split('\n')) {
    const match = /^\| `(\w+)` +\| `([\w-]+)\.ts` +\| (\w+) +\| (yes)? *\|$/.exec(line);
    if (match) {
      rows.set(match[1]!, { module: match[2]!, eventName: match[3]!, mutates: match[4] === 'yes' });
    }
  }
  return rows;
}

const kebab = (name: string): string => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

describe('the operation table', () => {
  it('holds every operation of the API, and nothing else', () => {
    expect(Object.keys(OPERATIONS).sort()).toEqual([...KMS_OPERATIONS].sort());
  });

  it('puts each operation in exactly one group module', () => {
    const seen = Object.values(OPERATION_GROUPS).flatMap((group) => Object.keys(group));
    expect(seen.sort()).toEqual([...KMS_OPERATIONS].sort());
  });

  it('is what an open vault exposes', async () => {
    const { kms } = await openVaultForTest();
    for (const name of KMS_OPERATIONS) expect(typeof kms[name], name).toBe('function');
  });

  it('matches docs/API.md: module, event name, and whether it changes the vault', () => {
    const documented = documentedOperations();
    const fromCode = new Map<string, DocumentedOperation>();
    for (const [group, operations] of Object.entries(OPERATION_GROUPS)) {
      for (const [name, operation] of Object.entries(operations)) {
        fromCode.set(name, {
          module: kebab(group),
          eventName: operation.eventName,
          mutates: operation.mutates,
        });
      }
    }
    expect(Object.fromEntries(documented)).toEqual(Object.fromEntries(fromCode));
  });

  it('names each event as CloudTrail does: the operation name with a capital letter', () => {
    for (const [name, operation] of Object.entries(OPERATIONS)) {
      expect(operation.eventName).toBe(name.charAt(0).toUpperCase() + name.slice(1));
    }
  });
});
