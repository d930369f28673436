// Regenerates keys.json: key pairs made by the OpenSSL CLI, in the encodings OpenSSL writes
// (SPKI DER and PEM, PKCS #1 "RSA PUBLIC KEY", PKCS #8), plus each public key's JWK as Node's
// crypto (also OpenSSL) exports it. The unit tests compare Pocket KMS's own encoders and parsers
// against these bytes. Run: node tests/vectors/openssl/generate.mjs (needs `openssl` on PATH).
import { execFileSync } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'pkms-openssl-'));
const openssl = (...args) =>
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'] });
const hex = (file) => readFileSync(join(dir, file)).toString('hex');
const text = (file) => readFileSync(join(dir, file), 'utf8');

const KEYS = {
  RSA_2048: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
  ECC_NIST_P256: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
  ECC_NIST_P384: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'],
  ECC_NIST_P521: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-521'],
  ECC_SECG_P256K1: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:secp256k1'],
  ECC_NIST_EDWARDS25519: ['-algorithm', 'ED25519'],
};

const keys = {};
for (const [keySpec, options] of Object.entries(KEYS)) {
  openssl('genpkey', ...options, '-out', 'key.pem');
  openssl('pkcs8', '-topk8', '-nocrypt', '-in', 'key.pem', '-outform', 'DER', '-out', 'key.p8.der');
  openssl('pkey', '-in', 'key.pem', '-pubout', '-outform', 'DER', '-out', 'pub.der');
  openssl('pkey', '-in', 'key.pem', '-pubout', '-out', 'pub.pem');
  const entry = {
    publicKeyDer: hex('pub.der'),
    publicKeyPem: text('pub.pem'),
    publicKeyJwk: createPublicKey(text('pub.pem')).export({ format: 'jwk' }),
    privateKeyPkcs8: hex('key.p8.der'),
  };
  if (keySpec === 'RSA_2048') {
    openssl('rsa', '-in', 'key.pem', '-RSAPublicKey_out', '-out', 'pub.pkcs1.pem');
    entry.rsaPublicKeyPem = text('pub.pkcs1.pem');
  }
  keys[keySpec] = entry;
}
rmSync(dir, { recursive: true });

const version = execFileSync('openssl', ['version']).toString().trim();
writeFileSync(
  new URL('./keys.json', import.meta.url),
  `${JSON.stringify({ source: `${version}, via tests/vectors/openssl/generate.mjs`, keys }, null, 2)}\n`,
);
