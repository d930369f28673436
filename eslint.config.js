// ESLint: rules that catch real bugs (promises nobody awaits or handles, awaits of
// non-promises, the recommended sets of typescript-eslint and eslint-plugin-svelte), not style.
// Formatting belongs to Prettier (`npm run lint` runs both).
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';

const TS_FILES = ['**/*.ts', '**/*.mts', '**/*.svelte'];

export default defineConfig(
  globalIgnores([
    '**/dist/',
    '**/node_modules/',
    'dev-dist/',
    'test-results/',
    'playwright-report/',
    'tests/vectors/',
    'bench/results/',
    'dist-release/',
  ]),
  js.configs.recommended,
  ts.configs.recommended,
  svelte.configs.recommended,

  // Type-aware rules, for TypeScript and Svelte files, each checked under the tsconfig.json
  // nearest to it. playwright.config.ts and vitest.config.ts belong to tests/tsconfig.json, not
  // to the root one beside them: they get tests/tsconfig.json's options as a default project.
  {
    files: TS_FILES,
    languageOptions: {
      parserOptions: {
        projectService: {
          allowDefaultProject: ['playwright.config.ts', 'vitest.config.ts'],
          defaultProject: 'tests/tsconfig.json',
        },
        extraFileExtensions: ['.svelte'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: ts.parser } },
  },
  {
    rules: {
      // Control characters in a regular expression are deliberate here: file names and text
      // are cleaned of C0/C1 controls.
      'no-control-regex': 'off',
      // This codebase names a binding it keeps on purpose with a leading underscore (a field
      // left out of a rest object, a callback's unused position).
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
        },
      ],
    },
  },

  // Where the code runs.
  { files: ['src/**'], languageOptions: { globals: globals.browser } },
  { files: ['workers/**', 'bench/peers/**'], languageOptions: { globals: globals.worker } },
  {
    files: ['tests/**', 'bench/**', 'server/**', 'release/**', '*.js', '*.ts', '.ci/**'],
    ignores: ['bench/peers/**', 'tests/browser/**/*.test.ts'],
    languageOptions: { globals: globals.node },
  },
  // Node scripts that drive a page: their page.evaluate callbacks run in the browser. Only these
  // three browser names, so that a stray `close` or `name` is still caught as undefined.
  {
    files: ['bench/*.mjs'],
    languageOptions: {
      globals: { window: 'readonly', document: 'readonly', Worker: 'readonly' },
    },
  },
  { files: ['tests/browser/**/*.test.ts'], languageOptions: { globals: globals.browser } },
);
