/**
 * Issue 17, acceptance: the air-gapped release archive (docs/RELEASE.md). Built from a fresh
 * `vite build`, signed with a throwaway key made here, unpacked into an empty folder outside the
 * repository; then each local server, started with no node_modules anywhere it could look,
 * serves an app that works, sends the headers, makes no request off loopback, and keeps working
 * from its service worker once the server is gone. A second build, right after the first, must
 * give the same bytes. (The two builds are this spec's own, seconds apart, rather than the
 * end-to-end stage's dist/: that one is minutes old by now, and a tree edited in between would
 * fail the comparison for a reason that is not the build's.)
 */
import { expect, test, type Browser, type BrowserContext } from '@playwright/test';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright';
import { CHROMIUM_ARGS, chromiumPath } from '../chromium.mjs';
import { SECURITY_HEADERS } from '../../server/security-headers.mjs';
import { controlledByServiceWorker, waitForKms } from './support/kms-page.ts';

const repo = resolve(import.meta.dirname, '../..');
const version = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).version as string;
const name = `pocket-kms-${version}`;

/** The verification block of docs/RELEASE.md, as written there (the one after its marker). */
function documentedVerification(): string {
  const doc = readFileSync(join(repo, 'docs/RELEASE.md'), 'utf8');
  const marker = '<!-- tests/e2e/release.spec.ts runs this block -->';
  const block = /```sh\n([\s\S]*?)```/.exec(doc.slice(doc.indexOf(marker)));
  if (!doc.includes(marker) || !block)
    throw new Error('docs/RELEASE.md lost its verification block');
  return block[1]!;
}

let work: string;
let keyFile: string;
/** The unpacked archive folder (from the .tar.gz). */
let folder: string;

/** `vite build` into `distDir`, then the release archives of it into `out`. */
function buildRelease(distDir: string, out: string): void {
  execFileSync(
    process.execPath,
    [
      'node_modules/vite/bin/vite.js',
      'build',
      '--outDir',
      distDir,
      '--emptyOutDir',
      '--logLevel',
      'warn',
    ],
    { cwd: repo, stdio: 'pipe' },
  );
  execFileSync(
    process.execPath,
    ['release/build-release.mjs', '--dist', distDir, '--out', out, '--key', keyFile, '--any-key'],
    { cwd: repo, stdio: 'pipe' },
  );
}

test.describe.configure({ mode: 'serial' });

test.beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'pocket-kms-release-'));
  keyFile = join(work, 'test-release-key.pem');
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  buildRelease(join(work, 'first-dist'), join(work, 'first'));
  // tar is on every Debian machine; unzip may not be, and Python's zipfile is (python3 runs
  // serve.py anyway). zipfile does not restore modes: the tar copy is the one checked for them.
  const first = join(work, 'first');
  execFileSync('mkdir', [join(work, 'from-tar'), join(work, 'from-zip')]);
  execFileSync('tar', ['-xzf', join(first, `${name}.tar.gz`), '-C', join(work, 'from-tar')]);
  execFileSync('python3', [
    '-m',
    'zipfile',
    '-e',
    join(first, `${name}.zip`),
    join(work, 'from-zip'),
  ]);
  folder = join(work, 'from-tar', name);
});

test.afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

test('two builds of the same tree give byte-identical archives', () => {
  buildRelease(join(work, 'second-dist'), join(work, 'second'));
  for (const archive of [`${name}.zip`, `${name}.tar.gz`]) {
    const first = readFileSync(join(work, 'first', archive));
    const second = readFileSync(join(work, 'second', archive));
    // On a difference, name the built files that differ: an edit to the tree between the two
    // builds shows up there too.
    const differing = second.equals(first)
      ? ''
      : spawnSync('diff', ['-rq', join(work, 'first-dist'), join(work, 'second-dist')], {
          encoding: 'utf8',
        }).stdout;
    expect(differing, `${archive} differs between two builds`).toBe('');
    expect(second.equals(first), `${archive} differs between two builds`).toBe(true);
  }
});

test('the archive holds the app, both servers, the sums, the signature, the key and the readme', () => {
  expect(readdirSync(folder).sort()).toEqual([
    'README-OFFLINE.txt',
    'SHA256SUMS',
    'SHA256SUMS.sig',
    'dist',
    'release-public-key.pem',
    'security-headers.json',
    'serve.mjs',
    'serve.py',
  ]);
  // The zip and the tar.gz unpack to the same files, with the same modes.
  execFileSync('diff', ['-r', folder, join(work, 'from-zip', name)]);
  const modes = execFileSync('stat', ['-c', '%a %n', 'serve.py', 'serve.mjs', 'SHA256SUMS'], {
    cwd: folder,
    encoding: 'utf8',
  });
  expect(modes).toBe('755 serve.py\n755 serve.mjs\n644 SHA256SUMS\n');
  expect(JSON.parse(readFileSync(join(folder, 'security-headers.json'), 'utf8'))).toEqual(
    SECURITY_HEADERS,
  );
});

test('SHA256SUMS and its signature verify as documented, and any changed byte of any file fails', () => {
  // The key in the folder: the test key this archive was signed with.
  const verify = (pub: string) =>
    spawnSync('sh', ['-e', '-c', `PUB=${pub}\n${documentedVerification()}`], {
      cwd: folder,
      encoding: 'utf8',
    });
  const check = () => verify('release-public-key.pem');
  const good = check();
  expect(good.status, good.stderr).toBe(0);
  expect(good.stdout).toContain('Verified OK');
  expect(good.stdout).toContain('SHA256SUMS: OK');
  expect(good.stdout).toContain('dist/index.html: OK');

  const files = execFileSync('find', ['.', '-type', 'f'], { cwd: folder, encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((path) => path.slice(2))
    .filter((path) => path !== 'release-public-key.pem');
  expect(files.length).toBeGreaterThan(10);
  for (const file of files) {
    const path = join(folder, file);
    const original = readFileSync(path);
    const changed = Buffer.from(original);
    const at = Math.floor(changed.length / 2);
    // In the .sig, change a byte of the base64 text (still base64, now other bytes).
    changed[at] = changed[at] === 0x41 ? 0x42 : 0x41;
    writeFileSync(path, changed);
    try {
      const result = check();
      expect(result.status, `a changed byte of ${file} still verified`).not.toBe(0);
    } finally {
      writeFileSync(path, original);
    }
  }
  expect(check().status).toBe(0);
  // Another key, as a forger would publish beside a rewritten SHA256SUMS, is refused.
  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
  const otherPem = join(work, 'other.pem');
  writeFileSync(otherPem, other.export({ type: 'spki', format: 'pem' }));
  expect(verify(otherPem).status).not.toBe(0);
});

test('dist/index.html opened from the file system explains how to start the server', async ({
  page,
}) => {
  await page.goto(pathToFileURL(join(folder, 'dist/index.html')).href);
  await expect(
    page.getByRole('heading', { name: 'Pocket KMS needs its local server' }),
  ).toBeVisible();
  await expect(page.getByText('python3 serve.py')).toBeVisible();
});

/** A free loopback port. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

/** Starts `command` from the unpacked folder; resolves once it prints its address. */
async function startServer(command: string, args: string[]): Promise<ChildProcess> {
  // Node looks for packages in node_modules of the folder and every parent, NODE_PATH and the
  // home folder: none of them may have one.
  for (let dir = folder; ; dir = dirname(dir)) {
    expect(existsSync(join(dir, 'node_modules')), `node_modules in ${dir}`).toBe(false);
    if (dirname(dir) === dir) break;
  }
  const child = spawn(command, args, {
    cwd: folder,
    env: { PATH: '/usr/bin:/bin', HOME: folder },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((ready, failed) => {
    const timer = setTimeout(
      () => failed(new Error(`${command} did not start: ${output}`)),
      15_000,
    );
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Pocket KMS: http://')) {
        clearTimeout(timer);
        ready();
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.on('exit', (code) => failed(new Error(`${command} exited with ${code}: ${output}`)));
  });
  return child;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** A Chromium whose every lookup of a non-loopback name fails, and a context that counts. */
async function isolatedContext(): Promise<{
  browser: Browser;
  context: BrowserContext;
  offLoopback: string[];
}> {
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: [
      ...CHROMIUM_ARGS,
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1',
    ],
  });
  const context = await browser.newContext();
  const offLoopback: string[] = [];
  await context.route(
    (url) => !LOOPBACK.has(url.hostname) && url.protocol.startsWith('http'),
    (route) => {
      offLoopback.push(route.request().url());
      return route.abort('internetdisconnected');
    },
  );
  return { browser, context, offLoopback };
}

for (const server of ['serve.py', 'serve.mjs'] as const) {
  test(`${server}: the app loads with the headers, works, leaves no loopback, and runs offline once installed`, async () => {
    test.slow();
    const port = await freePort();
    const python = execFileSync('sh', ['-c', 'command -v python3'], { encoding: 'utf8' }).trim();
    const child = await startServer(server === 'serve.py' ? python : process.execPath, [
      server,
      '--port',
      String(port),
    ]);
    const { browser, context, offLoopback } = await isolatedContext();
    try {
      // The control, in a page of its own: the counter sees a request that tries to leave,
      // and it fails.
      const control = await context.newPage();
      await expect(control.goto('http://example.com/')).rejects.toThrow();
      await control.close();
      expect(offLoopback).toEqual(['http://example.com/']);
      offLoopback.length = 0;

      const page = await context.newPage();

      const origin = `http://127.0.0.1:${port}`;
      const document = await page.goto(`${origin}/`);
      for (const [header, value] of Object.entries(SECURITY_HEADERS)) {
        expect(document!.headers()[header.toLowerCase()], header).toBe(value);
      }
      await waitForKms(page);
      await expect(
        page.getByRole('heading', { name: 'Pocket KMS needs its local server' }),
      ).toBeHidden();

      const release = {
        sums: [...readFileSync(join(folder, 'SHA256SUMS'))],
        sig: [...readFileSync(join(folder, 'SHA256SUMS.sig'))],
        key: readFileSync(join(folder, 'release-public-key.pem'), 'utf8'),
      };
      const results = await page.evaluate(async (release) => {
        const kms = window.kms;
        const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
        const bytes = (value: string) => new TextEncoder().encode(value);
        // Keys
        const symmetric = (await kms.createKey({ Description: 'release' })).KeyMetadata.KeyId;
        const signing = (await kms.createKey({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }))
          .KeyMetadata.KeyId;
        const keys = (await kms.listKeys()).Keys.length;
        // Text
        const { CiphertextBlob } = await kms.encrypt({
          KeyId: symmetric,
          Plaintext: bytes('text'),
        });
        const decrypted = text((await kms.decrypt({ CiphertextBlob })).Plaintext);
        // Files
        const sealed = await kms.encryptFile({
          Input: new File([bytes('file body')], 'note.txt'),
          KeyIds: [symmetric],
        });
        const opened = await kms.decryptFile({ Input: sealed.Output });
        const file = `${opened.Output.name}: ${await opened.Output.text()}`;
        // Signing
        const { Signature } = await kms.sign({
          KeyId: signing,
          Message: bytes('signed'),
          SigningAlgorithm: 'ECDSA_SHA_256',
        });
        const verified = (
          await kms.verify({
            KeyId: signing,
            Message: bytes('signed'),
            Signature,
            SigningAlgorithm: 'ECDSA_SHA_256',
          })
        ).SignatureValid;
        // The release's own signature, checked in the app with only the public key.
        const releaseCheck = await kms.verifyFile({
          Input: new File([new Uint8Array(release.sums)], 'SHA256SUMS'),
          SignatureFile: new File([new Uint8Array(release.sig)], 'SHA256SUMS.sig'),
          PublicKey: release.key,
        });
        return { keys, decrypted, file, verified, release: releaseCheck.Name };
      }, release);
      expect(results).toEqual({
        keys: 2,
        decrypted: 'text',
        file: 'note.txt: file body',
        verified: true,
        release: 'SHA256SUMS',
      });

      // Installed: the service worker controls the page.
      await controlledByServiceWorker(page);

      // The server stops; the app reloads from the cache, with its headers, and still works.
      child.kill('SIGTERM');
      await new Promise((done) => child.once('exit', done));
      await expect(fetch(`${origin}/`)).rejects.toThrow();
      const offline = await page.reload();
      expect(offline!.fromServiceWorker()).toBe(true);
      expect(offline!.headers()['content-security-policy']).toBe(
        SECURITY_HEADERS['Content-Security-Policy'],
      );
      await waitForKms(page);
      const after = await page.evaluate(async () => {
        const { Keys } = await window.kms.listKeys();
        const { CiphertextBlob } = await window.kms.encrypt({
          KeyId: Keys[0]!.KeyId,
          Plaintext: new TextEncoder().encode('offline'),
        });
        return new TextDecoder().decode((await window.kms.decrypt({ CiphertextBlob })).Plaintext);
      });
      expect(after).toBe('offline');
      expect(offLoopback, 'requests that tried to leave loopback').toEqual([]);
    } finally {
      child.kill('SIGTERM');
      await browser.close();
    }
  });
}
