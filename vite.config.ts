import { defineConfig, type Plugin } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { VitePWA } from 'vite-plugin-pwa';
import { META_CONTENT_SECURITY_POLICY, SECURITY_HEADERS } from './server/security-headers.mjs';

// Dependencies imported only by the core worker, pre-bundled up front. Found late, they make
// Vite reload the page: in dev (a reload mid-session) and in Vitest browser mode ("Vite
// unexpectedly reloaded a test"). One list for both: vitest.config.ts imports it.
export const PREBUNDLED_DEPS: string[] = [
  'idb',
  'comlink',
  '@noble/hashes/sha2.js',
  '@noble/hashes/utils.js',
  '@noble/curves/nist.js',
  '@noble/curves/secp256k1.js',
  '@noble/curves/ed25519.js',
];

/**
 * index.html's `<meta>` policy, written from server/security-headers.mjs so that the two never
 * differ: `__CONTENT_SECURITY_POLICY__` becomes the policy minus what a meta cannot carry. The
 * header is the real policy (it also reaches the core worker and the service worker); the meta
 * keeps the document under the same policy when a copy of dist/ is served without headers.
 */
function metaContentSecurityPolicy(): Plugin {
  return {
    name: 'pocket-kms:meta-content-security-policy',
    transformIndexHtml: (html) =>
      html.replace('__CONTENT_SECURITY_POLICY__', META_CONTENT_SECURITY_POLICY),
  };
}

// The app is served from 127.0.0.1 only: localhost would be a different origin with its own
// IndexedDB, and the vault lives in the origin's storage.
export default defineConfig({
  plugins: [
    svelte(),
    metaContentSecurityPolicy(),
    VitePWA({
      // A hand-written service worker (src/service-worker.ts): a generated one cannot add the
      // security headers to the responses it serves from its cache.
      strategies: 'injectManifest',
      srcDir: 'src',
      filename: 'service-worker.ts',
      injectRegister: false,
      registerType: 'prompt',
      includeManifestIcons: false,
      manifest: {
        name: 'Pocket KMS',
        short_name: 'Pocket KMS',
        description: 'A key management service that lives in your browser. Works offline.',
        theme_color: '#1f3a5f',
        background_color: '#f7f8fa',
        display: 'standalone',
        start_url: '.',
        scope: '.',
        icons: [
          { src: 'icons/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png' },
          {
            src: 'icons/icon-maskable-512.png',
            sizes: '512x512',
            type: 'image/png',
            purpose: 'maskable',
          },
          { src: 'icons/icon.svg', sizes: 'any', type: 'image/svg+xml' },
        ],
      },
      injectManifest: {
        // manifest.webmanifest is not globbed: the plugin adds it to the precache itself.
        globPatterns: ['**/*.{js,css,html,svg,png}'],
      },
      devOptions: { enabled: false },
    }),
  ],
  worker: { format: 'es' },
  build: { target: 'es2023', sourcemap: true },
  server: { host: '127.0.0.1', port: 5173, strictPort: true },
  // `vite preview` (npm start, the end-to-end tests) sends the headers on every response. The
  // dev server does not (its client and hot updates are not built for them): in dev only
  // index.html's meta policy applies, to the document alone.
  preview: { host: '127.0.0.1', port: 4173, strictPort: true, headers: { ...SECURITY_HEADERS } },
  optimizeDeps: { include: PREBUNDLED_DEPS },
});
