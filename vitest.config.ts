import { defineConfig } from 'vitest/config';
import { playwright } from '@vitest/browser-playwright';
import { CHROMIUM_ARGS, chromiumPath } from './tests/chromium.mjs';
import {
  age,
  decryptBlobAsDocumented,
  documentedBackupReadme,
  openBackupAsDocumented,
  validateBackupSchema,
} from './tests/browser/commands/age.ts';
import { esdkDecrypt, esdkEncrypt, opensslWrapAsReadme } from './tests/browser/commands/esdk.ts';
import { openssl, verifyAsDocumented } from './tests/browser/commands/openssl.ts';
import { PREBUNDLED_DEPS } from './vite.config.ts';

// Two projects: pure code (formats, serializers) in Node, and the core against the real
// IndexedDB and WebCrypto of Chromium (Vitest browser mode). No fake IndexedDB anywhere.
export default defineConfig({
  // The core's dependencies, pre-bundled up front: found late, they make Vite reload the
  // browser page mid-run ("Vite unexpectedly reloaded a test"). The list is vite.config.ts's.
  optimizeDeps: { include: PREBUNDLED_DEPS },
  test: {
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
    projects: [
      {
        test: {
          name: 'node',
          environment: 'node',
          include: ['tests/unit/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'chromium',
          include: ['tests/browser/**/*.test.ts'],
          testTimeout: 30_000,
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            instances: [{ browser: 'chromium' }],
            // Node-side helpers the browser tests call through `commands` (vitest/browser).
            commands: {
              esdkEncrypt,
              esdkDecrypt,
              opensslWrapAsReadme,
              openssl,
              verifyAsDocumented,
              age,
              openBackupAsDocumented,
              decryptBlobAsDocumented,
              documentedBackupReadme,
              validateBackupSchema,
            },
            provider: playwright({
              launchOptions: { executablePath: chromiumPath(), args: CHROMIUM_ARGS },
            }),
          },
        },
      },
    ],
  },
});
