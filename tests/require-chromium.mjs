// `npm test` runs this first so a missing browser fails at once, with instructions.
import { existsSync } from 'node:fs';
import { chromium } from 'playwright';

const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', chromium.executablePath()];
if (!candidates.some((candidate) => candidate && existsSync(candidate))) {
  console.error(
    'No Chromium found for the tests. Install one (Debian/Ubuntu: `sudo apt-get install chromium`; ' +
      'elsewhere: `npx playwright install chromium`) or set CHROMIUM_PATH to a Chromium or Chrome binary.',
  );
  process.exit(1);
}
