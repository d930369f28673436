/**
 * Runs Wycheproof vector files (tests/vectors/wycheproof/, from C2SP/wycheproof — see
 * SOURCE.txt there) through the core's own crypto wrappers and checks every outcome:
 *
 * - "valid" must be accepted and "invalid" rejected, unless the case is in the file's allowlist;
 * - "acceptable" cases must all be in the allowlist, which records what we do with each
 *   (accept or reject) and why — and that recorded outcome is asserted too;
 * - every allowlist entry must name a case that exists and that needs it, so the list can
 *   neither grow silently nor keep stale entries.
 *
 * Failures are reported together, each naming its file, tcId and comment.
 */
import { expect } from 'vitest';
import { fromHex } from '../../../workers/encoding.ts';

/**
 * Time allowed for a test that runs a whole vector file. The largest (ECDH P-521: 655 key
 * imports and derivations) took 18.8 s on this 2-core machine at a load average of 17–19 while
 * other jobs ran — too close to the project-wide 30 s to rely on.
 */
export const WHOLE_FILE_TIMEOUT_MS = 120_000;

export type Result = 'valid' | 'invalid' | 'acceptable';
export type Outcome = 'accepted' | 'rejected';

export interface VectorTest {
  tcId: number;
  comment: string;
  flags: string[];
  result: Result;
}

export interface VectorGroup<T extends VectorTest> {
  type: string;
  tests: T[];
}

export interface VectorFile<G extends VectorGroup<VectorTest>> {
  algorithm: string;
  numberOfTests: number;
  testGroups: G[];
}

/** What we do with a case whose expected result we do not (or cannot) simply match. */
export interface AllowEntry {
  outcome: Outcome;
  reason: string;
}
export type Allowlist = Record<number, AllowEntry>;

export function loadVectors<G extends VectorGroup<VectorTest>>(raw: string): VectorFile<G> {
  return JSON.parse(raw) as VectorFile<G>;
}

/** Hex from a vector file, through the tree's strict codec (workers/encoding.ts). */
export function hex(text: string): Uint8Array<ArrayBuffer> {
  const bytes = fromHex(text);
  if (!bytes) throw new Error(`not hex in a vector: ${text.slice(0, 16)}…`);
  return bytes;
}

export interface Tally {
  valid: number;
  invalid: number;
  acceptable: number;
  allowlisted: number;
}

/**
 * Runs `run` on each case and compares. `run` returns the outcome; if it throws, the case
 * counts as rejected only when `rejects` says the error is a refusal (anything else is a bug
 * in the wrapper and fails the case).
 */
export async function checkCases<T extends VectorTest>(
  file: string,
  cases: T[],
  allowlist: Allowlist,
  run: (test: T) => Promise<Outcome>,
  rejects: (error: unknown) => boolean = () => false,
): Promise<Tally> {
  const failures: string[] = [];
  const tally: Tally = { valid: 0, invalid: 0, acceptable: 0, allowlisted: 0 };
  const seen = new Set<number>();
  // All cases in flight at once: WebCrypto runs them off the page's thread, so this is
  // faster than awaiting one by one, and each case is independent.
  const outcomes = await Promise.all(
    cases.map(async (test): Promise<Outcome | { error: unknown }> => {
      try {
        return await run(test);
      } catch (error) {
        return rejects(error) ? 'rejected' : { error };
      }
    }),
  );
  cases.forEach((test, index) => {
    seen.add(test.tcId);
    tally[test.result]++;
    const outcome = outcomes[index]!;
    if (typeof outcome === 'object') {
      const error = outcome.error as Error;
      failures.push(
        `${file} tcId ${test.tcId} (${test.comment}): threw ${error.name}: ${error.message}`,
      );
      return;
    }
    const allowed = allowlist[test.tcId];
    const expected: Outcome | undefined =
      allowed?.outcome ??
      (test.result === 'valid' ? 'accepted' : test.result === 'invalid' ? 'rejected' : undefined);
    if (allowed) tally.allowlisted++;
    if (expected === undefined) {
      failures.push(
        `${file} tcId ${test.tcId} (${test.comment}): "acceptable" case is not in the allowlist (we ${outcome} it)`,
      );
    } else if (outcome !== expected) {
      failures.push(
        `${file} tcId ${test.tcId} (${test.comment}) [${test.result}${allowed ? ', allowlisted' : ''}]: expected ${expected}, got ${outcome}`,
      );
    } else if (
      allowed &&
      test.result !== 'acceptable' &&
      allowed.outcome === (test.result === 'valid' ? 'accepted' : 'rejected')
    ) {
      failures.push(
        `${file} tcId ${test.tcId}: allowlisted but matches the vector anyway — remove the entry`,
      );
    }
  });
  for (const tcId of Object.keys(allowlist).map(Number)) {
    if (!seen.has(tcId))
      failures.push(`${file}: allowlist names tcId ${tcId}, which this run did not test`);
  }
  expect(failures, `${file}: ${failures.length} case(s) disagree with Wycheproof`).toEqual([]);
  return tally;
}
