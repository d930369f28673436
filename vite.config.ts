import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { VitePWA } from 'vite-plugin-pwa';

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

// The app is served from 127.0.0.1 only: localhost would be a different origin with its own
// IndexedDB, and the vault lives in the origin's storage.
export default defineConfig({
  plugins: [
    svelte(),
    VitePWA({
      strategies: 'generateSW',
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
      workbox: {
        globPatterns: ['**/*.{js,css,html,svg,png,webmanifest}'],
        navigateFallback: 'index.html',
        cleanupOutdatedCaches: true,
      },
      devOptions: { enabled: false },
    }),
  ],
  worker: { format: 'es' },
  build: { target: 'es2023', sourcemap: true },
  server: { host: '127.0.0.1', port: 5173, strictPort: true },
  preview: { host: '127.0.0.1', port: 4173, strictPort: true },
  optimizeDeps: { include: PREBUNDLED_DEPS },
});
