/**
 * The release public key is printed in three places besides its file — README.md,
 * docs/RELEASE.md and (by fingerprint) every README-OFFLINE.txt — and the verification commands
 * in two: these must never drift apart (docs/RELEASE.md, "Rotating the release signing key").
 */
import { createHash, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const pem = read('release/release-public-key.pem');
const fingerprint = createHash('sha256')
  .update(createPublicKey(pem).export({ type: 'spki', format: 'der' }))
  .digest('hex');

describe('the release public key', () => {
  it('is a P-256 public key', () => {
    expect(createPublicKey(pem).asymmetricKeyDetails).toEqual({ namedCurve: 'prime256v1' });
  });

  it.each(['README.md', 'docs/RELEASE.md'])('%s prints it and its fingerprint', (doc) => {
    const text = read(doc);
    expect(text).toContain(pem.trim());
    expect(text).toContain(fingerprint);
  });
});

describe('README-OFFLINE.txt', () => {
  it('runs the same verification commands as docs/RELEASE.md', () => {
    const doc = read('docs/RELEASE.md');
    const marker = doc.indexOf('<!-- tests/e2e/release.spec.ts runs this block -->');
    const block = /```sh\n([\s\S]*?)```/.exec(doc.slice(marker))![1]!;
    const offline = read('release/README-OFFLINE.txt');
    for (const line of block.trim().split('\n')) expect(offline).toContain(`    ${line}\n`);
  });
});
