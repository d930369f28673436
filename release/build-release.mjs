#!/usr/bin/env node
/**
 * `npm run release` (after `vite build`): the air-gapped release archive of docs/RELEASE.md —
 * `pocket-kms-<version>.zip` and `.tar.gz` in dist-release/, each holding one folder
 * `pocket-kms-<version>/` with the built app (dist/, without source maps), the two local
 * servers, their headers, SHA256SUMS, its signature SHA256SUMS.sig (docs/FORMAT.md §5), the
 * release public key and README-OFFLINE.txt.
 *
 *   node release/build-release.mjs [--dist dist] [--out dist-release] [--key <pkcs8.pem>] [--any-key]
 *
 * The signing key: `--key <path>`, else the file named by $POCKET_KMS_RELEASE_KEY_FILE, else
 * the PEM in $POCKET_KMS_RELEASE_KEY — a PKCS #8 P-256 private key. Unless --any-key (tests,
 * rehearsals), it must be the key of release/release-public-key.pem.
 *
 * Reproducible: the time of every entry and the statement's signingTime are the commit's time
 * ($SOURCE_DATE_EPOCH, else `git log -1 --format=%ct`); entries are sorted, modes fixed, owners
 * 0; the signature is deterministic ECDSA (RFC 6979, @noble/curves), so two builds of one
 * commit with one key are byte-identical, signature included.
 */
import { execFileSync } from 'node:child_process';
import { createHash, createPrivateKey, createPublicKey, verify } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { p256 } from '@noble/curves/nist.js';
import { SECURITY_HEADERS } from '../server/security-headers.mjs';
import { tarGz, zip } from './archive-formats.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const { values: options } = parseArgs({
  options: {
    dist: { type: 'string', default: join(repo, 'dist') },
    out: { type: 'string', default: join(repo, 'dist-release') },
    key: { type: 'string' },
    'any-key': { type: 'boolean', default: false },
  },
});

function fail(message) {
  console.error(`release: ${message}`);
  process.exit(1);
}

function sha256(bytes) {
  return createHash('sha256').update(bytes).digest('hex');
}

function signingKeyPem() {
  const path = options.key ?? process.env.POCKET_KMS_RELEASE_KEY_FILE;
  if (path) return readFileSync(path, 'utf8');
  if (process.env.POCKET_KMS_RELEASE_KEY) return process.env.POCKET_KMS_RELEASE_KEY;
  return fail(
    'no signing key: give --key <file>, or set POCKET_KMS_RELEASE_KEY_FILE (a path) or ' +
      'POCKET_KMS_RELEASE_KEY (the PEM) to the PKCS #8 P-256 release key (docs/RELEASE.md).',
  );
}

function commitTime() {
  const given = process.env.SOURCE_DATE_EPOCH;
  const text =
    given ?? execFileSync('git', ['log', '-1', '--format=%ct'], { cwd: repo, encoding: 'utf8' });
  const seconds = Number(text.trim());
  if (!Number.isSafeInteger(seconds) || seconds < 315532800) {
    fail(`no usable commit time (${JSON.stringify(text.trim())}); set SOURCE_DATE_EPOCH.`);
  }
  return seconds;
}

/** Files under `dir`, as [path relative to dir with `/`, absolute path], in any order. */
function filesUnder(dir) {
  return readdirSync(dir, { recursive: true })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile())
    .map((path) => [relative(dir, path).split('\\').join('/'), path]);
}

// The key, and the public key every reader will check against.
const privateKey = createPrivateKey(signingKeyPem());
const jwk = privateKey.export({ format: 'jwk' });
if (privateKey.asymmetricKeyType !== 'ec' || jwk.crv !== 'P-256') {
  fail('the release key must be a P-256 (prime256v1) EC private key.');
}
const publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' });
const publicKeyDer = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
const committedPem = readFileSync(join(repo, 'release/release-public-key.pem'), 'utf8');
if (!options['any-key'] && committedPem.trim() !== publicKeyPem.trim()) {
  fail(
    'the signing key is not the key of release/release-public-key.pem (use --any-key to rehearse).',
  );
}
const fingerprint = sha256(publicKeyDer);

const version = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).version;
const name = `pocket-kms-${version}`;
const mtime = commitTime();
const dist = resolve(options.dist);

/** The archive's files: path inside `pocket-kms-<version>/` → bytes and mode. */
const files = new Map();
const add = (path, data, mode = 0o644) => files.set(path, { data: Buffer.from(data), mode });

for (const [path, absolute] of filesUnder(dist)) {
  // Source maps double the size and are not needed to run or audit a reproducible build.
  if (!path.endsWith('.map')) add(`dist/${path}`, readFileSync(absolute));
}
if (!files.has('dist/index.html')) fail(`no index.html in ${dist}: run vite build first.`);
add('serve.py', readFileSync(join(repo, 'server/serve.py')), 0o755);
add('serve.mjs', readFileSync(join(repo, 'server/serve.mjs')), 0o755);
add('security-headers.json', JSON.stringify(SECURITY_HEADERS, null, 2) + '\n');
add('release-public-key.pem', publicKeyPem);
add(
  'README-OFFLINE.txt',
  readFileSync(join(repo, 'release/README-OFFLINE.txt'), 'utf8')
    .replaceAll('{{VERSION}}', version)
    .replaceAll('{{FINGERPRINT}}', fingerprint),
);

const byPath = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

// SHA256SUMS: every other file, sorted, in the two-space form sha256sum and shasum write.
const sums = [...files.keys()]
  .sort(byPath)
  .map((path) => `${sha256(files.get(path).data)}  ${path}\n`)
  .join('');
add('SHA256SUMS', sums);

// SHA256SUMS.sig: docs/FORMAT.md §5, byte for byte what signFile writes
// (workers/formats/signature-file.ts): the canonical statement, signed as a RAW message.
const keyId = `release-key:sha256:${fingerprint}`;
const statement = Buffer.from(
  JSON.stringify({
    format: 'pocket-kms-file-statement',
    version: 1,
    fileName: 'SHA256SUMS',
    fileSize: Buffer.byteLength(sums),
    sha256: sha256(Buffer.from(sums)),
    signingAlgorithm: 'ECDSA_SHA_256',
    keyId,
    signingTime: new Date(mtime * 1000).toISOString(),
  }),
);
const secret = Buffer.from(jwk.d, 'base64url');
const signature = Buffer.from(p256.sign(statement, secret, { prehash: true, format: 'der' }));
secret.fill(0);
if (!verify('sha256', statement, createPublicKey(privateKey), signature)) {
  fail('the signature just made does not verify (this is a bug).');
}
add(
  'SHA256SUMS.sig',
  [
    'Pocket KMS detached signature v1',
    'algorithm: ECDSA_SHA_256',
    `key: ${keyId}`,
    `statement: ${statement.toString('base64')}`,
    `signature: ${signature.toString('base64')}`,
    '',
  ].join('\n'),
);

// The entries: the folder, its subfolders, its files, sorted by path.
const paths = [...files.keys()];
const directories = new Set();
for (const path of paths) {
  for (let cut = path.indexOf('/'); cut >= 0; cut = path.indexOf('/', cut + 1)) {
    directories.add(`${path.slice(0, cut)}/`);
  }
}
const entries = [
  { path: `${name}/`, mode: 0o755 },
  ...[...directories].map((path) => ({ path: `${name}/${path}`, mode: 0o755 })),
  ...paths.map((path) => ({ path: `${name}/${path}`, ...files.get(path) })),
].sort((a, b) => byPath(a.path, b.path));

const out = resolve(options.out);
mkdirSync(out, { recursive: true });
const archives = [
  [`${name}.zip`, zip(entries, mtime)],
  [`${name}.tar.gz`, tarGz(entries, mtime)],
];
for (const [file, bytes] of archives) {
  writeFileSync(join(out, file), bytes);
  console.log(`${join(out, file)}  ${bytes.length} bytes  sha256 ${sha256(bytes)}`);
}
console.log(`signed by release key sha256:${fingerprint}`);
