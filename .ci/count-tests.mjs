// Sums the Vitest and Playwright JSON reports into the one line CI reads:
// `tests: N passed, M failed`. A report that is missing counts as one failure (the stage that
// should have written it did not run or crashed). Exits non-zero if anything failed.
import { existsSync, readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;

function read(path, stage) {
  if (!existsSync(path)) {
    console.log(`${stage}: no report at ${path} (the stage did not run to the end)`);
    failed += 1;
    return undefined;
  }
  return JSON.parse(readFileSync(path, 'utf8'));
}

const vitest = read('test-results/vitest.json', 'unit tests');
if (vitest) {
  passed += vitest.numPassedTests;
  failed += vitest.numFailedTests;
  if (vitest.numTotalTests === 0) failed += 1;
}

const playwright = read('test-results/playwright.json', 'end-to-end tests');
if (playwright) {
  const { expected = 0, unexpected = 0, flaky = 0 } = playwright.stats ?? {};
  passed += expected + flaky;
  failed += unexpected;
  if (expected + unexpected + flaky === 0) failed += 1;
}

console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
