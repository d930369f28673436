// Sign and verify per second (issue 4) through window.kms for each algorithm, next to the bare
// WebCrypto (or noble, for secp256k1) call in a worker of the same page, and the ratio.
import { openApp } from './support.mjs';

const CASES = [
  {
    label: 'ECDSA P-256 SHA-256',
    KeySpec: 'ECC_NIST_P256',
    algorithm: 'ECDSA_SHA_256',
    bare: 'ECDSA_SHA_256',
  },
  {
    label: 'ECDSA P-384 SHA-384',
    KeySpec: 'ECC_NIST_P384',
    algorithm: 'ECDSA_SHA_384',
    bare: 'ECDSA_SHA_384',
  },
  {
    label: 'ECDSA P-521 SHA-512',
    KeySpec: 'ECC_NIST_P521',
    algorithm: 'ECDSA_SHA_512',
    bare: 'ECDSA_SHA_512',
  },
  {
    label: 'Ed25519',
    KeySpec: 'ECC_NIST_EDWARDS25519',
    algorithm: 'ED25519_SHA_512',
    bare: 'ED25519_SHA_512',
  },
  {
    label: 'secp256k1 (noble)',
    KeySpec: 'ECC_SECG_P256K1',
    algorithm: 'ECDSA_SHA_256',
    bare: 'ECDSA_SHA_256_SECP256K1',
  },
  {
    label: 'RSA-2048 PSS SHA-256',
    KeySpec: 'RSA_2048',
    algorithm: 'RSASSA_PSS_SHA_256',
    bare: 'RSASSA_PSS_SHA_256',
  },
  {
    label: 'RSA-2048 PKCS#1 SHA-256',
    KeySpec: 'RSA_2048',
    algorithm: 'RSASSA_PKCS1_V1_5_SHA_256',
    bare: 'RSASSA_PKCS1_V1_5_SHA_256',
  },
  {
    label: 'HMAC-SHA-256 (MAC)',
    KeySpec: 'HMAC_256',
    algorithm: 'HMAC_SHA_256',
    bare: 'HMAC_SHA_256',
    mac: true,
  },
];

export async function benchSigning(browser, { iterations }) {
  const { page, close } = await openApp(browser);
  const rows = [];
  for (const row of CASES) {
    rows.push({
      ...row,
      ...(await page.evaluate(
        async ({ row, iterations }) => {
          const kms = window.kms;
          const Message = crypto.getRandomValues(new Uint8Array(256));
          const KeyUsage = row.mac ? 'GENERATE_VERIFY_MAC' : 'SIGN_VERIFY';
          const { KeyMetadata } = await kms.createKey({ KeySpec: row.KeySpec, KeyUsage });
          const KeyId = KeyMetadata.KeyId;
          const sign = row.mac
            ? () =>
                kms.generateMac({ KeyId, Message, MacAlgorithm: row.algorithm }).then((r) => r.Mac)
            : () =>
                kms
                  .sign({ KeyId, Message, SigningAlgorithm: row.algorithm })
                  .then((r) => r.Signature);
          const verify = row.mac
            ? (Mac) => kms.verifyMac({ KeyId, Message, Mac, MacAlgorithm: row.algorithm })
            : (Signature) =>
                kms.verify({ KeyId, Message, Signature, SigningAlgorithm: row.algorithm });
          const signature = await sign();
          for (let i = 0; i < 5; i++) await verify(await sign()); // warm-up
          let start = performance.now();
          for (let i = 0; i < iterations; i++) await sign();
          const signPerSecond = iterations / ((performance.now() - start) / 1000);
          start = performance.now();
          for (let i = 0; i < iterations; i++) await verify(signature);
          const verifyPerSecond = iterations / ((performance.now() - start) / 1000);
          const bare = await window.peer('signVerify', {
            algorithm: row.bare,
            message: Message,
            iterations: iterations * 5,
          });
          return { signPerSecond, verifyPerSecond, bare };
        },
        { row, iterations },
      )),
    });
  }
  await close();
  console.log(
    `\n## Sign and verify — operations per second, 256-byte message, ${iterations} calls through window.kms\n`,
  );
  console.log(
    'algorithm                  sign: kms   bare    kms÷bare │ verify: kms   bare    kms÷bare',
  );
  const n = (value) => value.toFixed(0).padStart(7);
  for (const row of rows) {
    console.log(
      `${row.label.padEnd(26)} ${n(row.signPerSecond)} ${n(row.bare.signPerSecond)}   ${(row.signPerSecond / row.bare.signPerSecond).toFixed(3).padStart(6)} │ ${n(row.verifyPerSecond)} ${n(row.bare.verifyPerSecond)}   ${(row.verifyPerSecond / row.bare.verifyPerSecond).toFixed(3).padStart(6)}`,
    );
  }
  console.log(
    'kms: one audited call each (the audit record is written in its own IndexedDB transaction)',
  );
}
