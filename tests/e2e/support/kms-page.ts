/**
 * The built app as end-to-end tests drive it: through `window.kms`, the same client the UI
 * uses (DESIGN §2), never through UI elements — those are the UI tests' business.
 */
import { expect, type Page } from '@playwright/test';
import type { KmsApi, SandboxApi } from '../../../workers/api.ts';
import { parseBlob } from '../../../workers/formats/ciphertext-blob.ts';

declare global {
  interface Window {
    kms: KmsApi;
    /** The sandbox vault (issue 13 §1). */
    kmsSandbox: SandboxApi;
  }
}

/** The IndexedDB database of the app's real vault (workers/keystore/vault-store.ts). */
export const APP_VAULT = 'pocket-kms';

/** The IndexedDB database of the sandbox vault (workers/api.ts SANDBOX_VAULT_NAME). */
export const SANDBOX_VAULT = 'pocket-kms-sandbox';

/** Waits until the page has set `window.kms` and the core answers a call. */
export async function waitForKms(page: Page): Promise<void> {
  await page.waitForFunction(() => typeof window.kms === 'object' && window.kms !== null);
  await page.evaluate(() => window.kms.listKeys({ Limit: 1 }));
}

export async function openApp(page: Page, path = '/'): Promise<void> {
  await page.goto(path);
  await waitForKms(page);
}

/** The key version a ciphertext blob names (FORMAT.md §2), read by the format's own parser. */
export function blobKeyVersion(blob: number[]): number {
  const parsed = parseBlob(Uint8Array.from(blob));
  if (!parsed) throw new Error('not a ciphertext blob');
  return parsed.keyVersion;
}

/**
 * Waits until the service worker controls `page`: active, then controlling (a first visit is
 * controlled only after a reload, unless the worker claims clients). After this, the app loads
 * with the network off.
 */
export async function controlledByServiceWorker(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  if (!(await page.evaluate(() => navigator.serviceWorker.controller !== null))) {
    await page.reload();
    await waitForKms(page);
  }
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
}

/**
 * The control of an offline test: a request for a URL the service worker did not precache fails
 * (a TypeError), so the network really is off. `navigator.onLine` is no proof either way: in
 * Chromium 150 it answers true again after a reload under Playwright's `setOffline(true)`.
 */
export async function expectNetworkOff(page: Page): Promise<void> {
  const network = await page.evaluate(() =>
    fetch(`/not-precached-${crypto.randomUUID()}.json`, {
      cache: 'no-store',
      signal: AbortSignal.timeout(20_000),
    }).then(
      () => 'reached',
      (error: Error) => `failed: ${error.name}`,
    ),
  );
  expect(network).toBe('failed: TypeError');
}
