/**
 * Which Chromium the tests and the benchmark drive: $CHROMIUM_PATH, else Debian's
 * /usr/bin/chromium, else Playwright's own download (if one was installed). Plain JavaScript
 * (types in chromium.d.mts) so that the configs, tests/require-tools.mjs and bench/ — which
 * Node 20 runs without a TypeScript loader — share this one lookup.
 */
import { existsSync } from 'node:fs';
import { chromium } from 'playwright';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const NO_CHROMIUM_MESSAGE =
  'No Chromium found for the tests. Install one (Debian/Ubuntu: `sudo apt-get install chromium`; ' +
  'elsewhere: `npx playwright install chromium`) or set CHROMIUM_PATH to a Chromium or Chrome binary.';

/** The first Chromium found, or undefined. */
export function findChromium() {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', chromium.executablePath()];
  return candidates.find((candidate) => candidate && existsSync(candidate));
}

/** The Chromium to launch; throws NO_CHROMIUM_MESSAGE when there is none. */
export function chromiumPath() {
  const found = findChromium();
  if (!found) throw new Error(NO_CHROMIUM_MESSAGE);
  return found;
}
