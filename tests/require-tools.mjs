// `npm test` runs this first so a missing tool fails at once, with instructions: a Chromium for
// the browser and end-to-end tests, the OpenSSL command-line tool for the interoperability
// tests (tests/browser/openssl.test.ts, tests/browser/byok-interop.test.ts), and the age
// command-line tool and python3 (its pty module types the test passphrase) for the backup tests
// (tests/browser/age-cli.test.ts).
import { spawnSync } from 'node:child_process';
import { findChromium, NO_CHROMIUM_MESSAGE } from './chromium.mjs';

const missing = [];

if (!findChromium()) missing.push(NO_CHROMIUM_MESSAGE);

const openssl = spawnSync('openssl', ['version'], { encoding: 'utf8' });
if (openssl.error || openssl.status !== 0) {
  missing.push(
    'No `openssl` command found: the tests check signatures, keys and encryption against the OpenSSL ' +
      'command-line tool (3.0 or newer). Install it (Debian/Ubuntu: `sudo apt-get install openssl`; ' +
      'macOS: `brew install openssl@3`) and make sure `openssl` is on the PATH.',
  );
} else if (!/^OpenSSL [3-9]\./.test(openssl.stdout)) {
  missing.push(
    `\`openssl version\` says "${openssl.stdout.trim()}"; the tests need OpenSSL 3.0 or newer ` +
      '(Ed25519 verification with `pkeyutl -rawin`). Put a newer `openssl` first on the PATH.',
  );
}

const age = spawnSync('age', ['--version'], { encoding: 'utf8' });
if (age.error || age.status !== 0) {
  missing.push(
    'No `age` command found: the tests open vault backups with the age command-line tool (1.1 or ' +
      'newer), by the commands docs/FORMAT.md §6.4 gives. Install it (Debian/Ubuntu: ' +
      '`sudo apt-get install age`; macOS: `brew install age`) and make sure `age` is on the PATH.',
  );
}

const python = spawnSync('python3', ['-c', 'import pty'], { encoding: 'utf8' });
if (python.error || python.status !== 0) {
  missing.push(
    'No `python3` with the pty module found: the backup tests type a test passphrase into `age` ' +
      'through a pseudo-terminal. Install Python 3 (Debian/Ubuntu: `sudo apt-get install python3`).',
  );
}

if (missing.length > 0) {
  for (const message of missing) console.error(message);
  process.exit(1);
}
