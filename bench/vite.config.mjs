// Builds the benchmark's reference worker (bench/peers/peer-worker.js) into bench/dist/, and then
// the scale section's seeding helper (bench/peers/scale-seed.js) beside it, as a second build so
// that each is one self-contained file (a shared chunk would be fetched by a worker, outside
// the routes that serve bench/dist on the app's origin).
// Separate from the app's build: the AWS Encryption SDK browser client, `buffer` and the bare
// reference code never ship with Pocket KMS.
import { fileURLToPath } from 'node:url';
import { build, defineConfig } from 'vite';

// npm nests a copy of each 4.x core package under every browser package that needs one (the
// 5.x copies at the top belong to @aws-crypto/client-node). The SDK checks `instanceof` across
// packages, so the bundle must hold exactly one copy of each: the one beside encrypt-browser.
const nested = (name) =>
  fileURLToPath(
    new URL(
      `../node_modules/@aws-crypto/encrypt-browser/node_modules/@aws-crypto/${name}`,
      import.meta.url,
    ),
  );
const CACHE_MATERIAL = fileURLToPath(
  new URL(
    '../node_modules/@aws-crypto/caching-materials-manager-browser/node_modules/@aws-crypto/cache-material',
    import.meta.url,
  ),
);
const RAW_KEYRING = fileURLToPath(
  new URL(
    '../node_modules/@aws-crypto/raw-aes-keyring-browser/node_modules/@aws-crypto/raw-keyring',
    import.meta.url,
  ),
);
const KMS_KEYRING = fileURLToPath(
  new URL(
    '../node_modules/@aws-crypto/kms-keyring-browser/node_modules/@aws-crypto/kms-keyring',
    import.meta.url,
  ),
);

const OUT_DIR = fileURLToPath(new URL('./dist', import.meta.url));

/** After the reference worker: bench/dist/scale-seed.js, an ES module for a page. */
const scaleSeed = {
  name: 'bench-scale-seed',
  apply: 'build',
  async closeBundle() {
    await build({
      configFile: false,
      logLevel: 'warn',
      publicDir: false,
      build: {
        outDir: OUT_DIR,
        emptyOutDir: false,
        target: 'es2022',
        lib: {
          entry: fileURLToPath(new URL('./peers/scale-seed.js', import.meta.url)),
          formats: ['es'],
          fileName: () => 'scale-seed.js',
        },
      },
    });
  },
};

export default defineConfig({
  plugins: [scaleSeed],
  configFile: false,
  logLevel: 'warn',
  publicDir: false,
  build: {
    outDir: OUT_DIR,
    emptyOutDir: true,
    target: 'es2022',
    lib: {
      entry: fileURLToPath(new URL('./peers/peer-worker.js', import.meta.url)),
      formats: ['es'],
      fileName: () => 'peer-worker.js',
    },
  },
  define: { global: 'globalThis' },
  resolve: {
    alias: [
      { find: /^@aws-crypto\/material-management$/, replacement: nested('material-management') },
      { find: /^@aws-crypto\/serialize$/, replacement: nested('serialize') },
      { find: /^@aws-crypto\/cache-material$/, replacement: CACHE_MATERIAL },
      { find: /^@aws-crypto\/raw-keyring$/, replacement: RAW_KEYRING },
      { find: /^@aws-crypto\/kms-keyring$/, replacement: KMS_KEYRING },
    ],
  },
});
