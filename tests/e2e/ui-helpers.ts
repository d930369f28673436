/**
 * Shared steps of the UI end-to-end tests (tests/e2e/ui-*.spec.ts): they drive the built app
 * as a person would, through roles and labels. Each test has a fresh browser context, so the
 * vault starts empty.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, type Locator, type Page } from '@playwright/test';

/**
 * Opens the app at `hash` and waits until the vault has answered its first page of keys. The
 * first answer waits for the module worker to start and open IndexedDB: on a busy two-core
 * machine that has taken longer than the default 10 s, so this one wait is longer.
 */
export async function openApp(page: Page, hash = '#/keys'): Promise<void> {
  await page.goto(`/${hash}`);
  await expect(page.locator('html')).toHaveAttribute('data-ready', 'true', { timeout: 30_000 });
}

export function nav(
  page: Page,
  name: 'Keys' | 'Encrypt / decrypt' | 'Files' | 'Sign & verify' | 'Activity',
): Locator {
  return page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });
}

/** Creates a key through the "Create key" dialog, with the given alias (without "alias/"). */
export async function createKeyWithAlias(
  page: Page,
  alias: string,
  description = '',
): Promise<void> {
  await nav(page, 'Keys').click();
  await page.getByRole('button', { name: 'Create key' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create key' });
  await dialog.getByLabel('Description').fill(description);
  await dialog.getByLabel('Alias (optional)').fill(alias);
  await dialog.getByRole('button', { name: 'Create key' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('link', { name: `alias/${alias}`, exact: true })).toBeVisible();
}

/** Opens the page of the key with this alias from the key table. */
export async function openKey(page: Page, alias: string): Promise<void> {
  await nav(page, 'Keys').click();
  await page.getByRole('link', { name: `alias/${alias}`, exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: `alias/${alias}` })).toBeVisible();
}

export function encryptSection(page: Page): Locator {
  return page.getByRole('region', { name: 'Encrypt', exact: true });
}

export function decryptSection(page: Page): Locator {
  return page.getByRole('region', { name: 'Decrypt', exact: true });
}

/**
 * Encrypts `text` on the text page under the key with this alias, with one context pair when
 * given, and returns the base64 ciphertext shown.
 */
export async function encryptText(
  page: Page,
  keyOption: string,
  text: string,
  context?: [string, string],
): Promise<string> {
  await nav(page, 'Encrypt / decrypt').click();
  const encrypt = encryptSection(page);
  await encrypt.getByLabel('Key', { exact: true }).selectOption({ label: keyOption });
  await encrypt.getByLabel('Text to encrypt').fill(text);
  if (context) {
    await encrypt.getByLabel('Context key 1', { exact: true }).fill(context[0]);
    await encrypt.getByLabel('Context value 1', { exact: true }).fill(context[1]);
  }
  await encrypt.getByRole('button', { name: 'Encrypt', exact: true }).click();
  const output = encrypt.getByLabel(/^Ciphertext \(base64, \d+ bytes\)$/);
  await expect(output).toHaveValue(/^[A-Za-z0-9+/]+=*$/);
  return output.inputValue();
}

/** Fills the decrypt form (one context pair when given) and presses Decrypt. */
export async function decryptText(
  page: Page,
  ciphertext: string,
  context?: [string, string],
): Promise<void> {
  const decrypt = decryptSection(page);
  await decrypt.getByLabel('Ciphertext (base64)').fill(ciphertext);
  await decrypt.getByLabel('Context key 1', { exact: true }).fill(context?.[0] ?? '');
  await decrypt.getByLabel('Context value 1', { exact: true }).fill(context?.[1] ?? '');
  await decrypt.getByRole('button', { name: 'Decrypt', exact: true }).click();
}

/**
 * The page as it is now: axe finds no violation (each listed by rule and element when it does),
 * and nothing scrolls sideways. `name` says which view, in the failure message.
 */
export async function expectAccessibleLayout(page: Page, name: string): Promise<void> {
  const axe = await new AxeBuilder({ page }).analyze();
  expect(
    axe.violations.map((violation) => ({
      id: violation.id,
      nodes: violation.nodes.map((node) => node.target.join(' ')),
    })),
    `${name}: axe violations`,
  ).toEqual([]);
  const overflow = await page.evaluate(() => {
    const root = document.scrollingElement ?? document.documentElement;
    return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth };
  });
  expect(overflow.scrollWidth, `${name}: scrolls sideways`).toBeLessThanOrEqual(
    overflow.clientWidth,
  );
}
