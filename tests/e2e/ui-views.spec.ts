/**
 * Every page and dialog, at 1280×800 and 360×740, light and dark (issue 15): no axe violation,
 * no sideways scroll (scrollWidth <= clientWidth), and a screenshot equal to its committed
 * baseline (tests/e2e/ui-views.spec.ts-snapshots/; `npx playwright test ui-views
 * --update-snapshots` after an intended change, then look at every image).
 *
 * Deterministic by construction: one fresh vault per combination, filled through window.kms
 * with fixed descriptions and aliases; the page's clock fixed (setFixedTime: Date only, real
 * timers, so Comlink, IndexedDB and WebCrypto run as ever); what stays random — key ids, ARNs,
 * material and message ids, the header's bytes, times the worker stamps — masked; animations
 * and the caret off; service workers blocked (the "Works offline" note comes and goes with its
 * timing). Fonts are Chromium's defaults on Debian (fonts-dejavu-core, fonts-liberation;
 * .ci/run installs them).
 */
import { fileURLToPath } from 'node:url';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { expectAccessibleLayout, openApp } from './ui-helpers.ts';

const SIZES = [
  { name: 'wide', width: 1280, height: 800 },
  { name: 'narrow', width: 360, height: 740 },
] as const;
const THEMES = ['light', 'dark'] as const;

/** 2026-03-02 09:30 UTC: every date the page computes itself. */
const FIXED_TIME = new Date('2026-03-02T09:30:00Z');

interface Vault {
  notes: string;
  release: string;
}

/** The same keys every time, made through the page's own client. */
async function fillVault(page: Page): Promise<Vault> {
  return page.evaluate(async () => {
    const kms = window.kms;
    const notes = (
      await kms.createKey({
        Description: 'Notes and letters',
        Tags: [
          { TagKey: 'project', TagValue: 'pocket-kms' },
          { TagKey: 'owner', TagValue: 'sam' },
        ],
      })
    ).KeyMetadata.KeyId;
    await kms.createAlias({ AliasName: 'alias/notes', TargetKeyId: notes });
    await kms.enableKeyRotation({ KeyId: notes, RotationPeriodInDays: 90 });
    await kms.rotateKeyOnDemand({ KeyId: notes });
    const release = (
      await kms.createKey({
        Description: 'Release signing',
        KeySpec: 'ECC_NIST_P256',
        KeyUsage: 'SIGN_VERIFY',
      })
    ).KeyMetadata.KeyId;
    await kms.createAlias({ AliasName: 'alias/release', TargetKeyId: release });
    return { notes, release };
  });
}

/** What differs from run to run, whatever the data: ids, ARNs, stamped times, header bytes. */
function masks(page: Page): Locator[] {
  return [
    page.locator('time, .mono, .hex, pre'),
    // The Recovery page lists the unrecoverable keys in no fixed order.
    page.locator('main li').filter({ hasText: /recoverable/ }),
  ];
}

async function go(page: Page, hash: string, heading: string | RegExp): Promise<void> {
  await page.evaluate((to) => (location.hash = to), hash);
  await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
  await expect(page.getByText(/^Loading /)).toHaveCount(0);
}

/**
 * Gives every `<time>` the text of FIXED_TIME in its own style (date, or date and time), in UTC.
 * The times the worker stamps are masked, but their text still sizes the columns around them: a
 * run at 9:55 PM and one at 10:12 PM laid the Keys table out 3 px apart.
 */
async function sameTimeText(page: Page): Promise<void> {
  await page.evaluate((fixed) => {
    const dateTime = new Intl.DateTimeFormat(undefined, {
      dateStyle: 'medium',
      timeStyle: 'short',
      timeZone: 'UTC',
    });
    const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' });
    for (const time of document.querySelectorAll('time')) {
      time.textContent = (/\d:\d\d/.test(time.textContent ?? '') ? dateTime : dateOnly).format(
        fixed,
      );
    }
  }, FIXED_TIME);
}

/** What the browser draws itself, hidden in every screenshot (support/screenshot.css). */
const SCREENSHOT_STYLE = fileURLToPath(new URL('./support/screenshot.css', import.meta.url));

/** The three checks of one view. `name` names its baseline. */
async function check(page: Page, name: string): Promise<void> {
  await expectAccessibleLayout(page, name);
  await sameTimeText(page);
  await expect(page).toHaveScreenshot(`${name}.png`, {
    fullPage: true,
    animations: 'disabled',
    caret: 'hide',
    mask: masks(page),
    stylePath: SCREENSHOT_STYLE,
  });
}

for (const size of SIZES) {
  for (const theme of THEMES) {
    test.describe(`${size.name} ${theme}`, () => {
      test.use({
        viewport: { width: size.width, height: size.height },
        colorScheme: theme,
        serviceWorkers: 'block',
      });

      test(`every page and dialog, ${size.width}×${size.height} ${theme}`, async ({ page }) => {
        test.setTimeout(180_000);
        const at = `${size.name}-${theme}`;
        await page.clock.setFixedTime(FIXED_TIME);
        await openApp(page);
        const vault = await fillVault(page);

        await go(page, '#/keys', 'Keys');
        await expect(page.getByRole('link', { name: 'alias/release' })).toBeVisible();
        // The Recovery column, once the vault has described its recovery (not set up here).
        await expect(page.getByRole('cell', { name: 'Not recoverable' })).toHaveCount(2);
        await check(page, `${at}-keys`);

        await page.getByRole('button', { name: 'Create key' }).click();
        const create = page.getByRole('dialog', { name: 'Create key' });
        await expect(create).toBeVisible();
        await check(page, `${at}-dialog-create-key`);
        await page.keyboard.press('Escape');
        await expect(create).toBeHidden();

        await go(page, `#/keys/${vault.notes}`, 'alias/notes');
        await expect(page.getByRole('cell', { name: 'project', exact: true })).toBeVisible();
        await check(page, `${at}-key-symmetric`);

        await page.getByRole('button', { name: 'Schedule deletion…' }).click();
        const deletion = page.getByRole('dialog', { name: /^Schedule deletion of/ });
        await expect(deletion).toBeVisible();
        await check(page, `${at}-dialog-schedule-deletion`);
        await page.keyboard.press('Escape');
        await expect(deletion).toBeHidden();

        await go(page, `#/keys/${vault.release}`, 'alias/release');
        await expect(page.getByLabel('Public key (PEM)')).toHaveValue(/BEGIN PUBLIC KEY/);
        await check(page, `${at}-key-signing`);

        await go(page, '#/text', 'Encrypt / decrypt text');
        await check(page, `${at}-text`);

        await go(page, '#/sign', /^Sign/);
        await check(page, `${at}-sign`);

        await go(page, '#/recovery', 'Recovery & backup');
        // The page draws its set-up section once the vault has described its recovery.
        await expect(page.getByRole('heading', { name: 'Set up recovery' })).toBeVisible();
        await check(page, `${at}-recovery`);

        await go(page, '#/nowhere', 'Page not found');
        await check(page, `${at}-not-found`);

        await go(page, '#/activity', 'Activity');
        await expect(page.getByText('That is every matching record.')).toBeVisible();
        await check(page, `${at}-activity`);
        // An expanded record: its JSON scrolls, and must be reachable by keyboard.
        await page.locator('details.record summary').first().click();
        await expect(page.locator('details.record[open] pre')).toBeVisible();
        await check(page, `${at}-activity-record`);

        await go(page, '#/files', 'Files');
        await check(page, `${at}-files`);
        // One small file encrypted, then inspected: the queue and the Inspect dialog.
        await page.getByLabel('Choose files').setInputFiles({
          name: 'letter.txt',
          mimeType: 'text/plain',
          buffer: Buffer.from('Dear Sam,\n'.repeat(100)),
        });
        await expect(page.getByRole('link', { name: 'Save letter.txt.encrypted' })).toBeVisible();
        await page.getByRole('button', { name: 'Inspect letter.txt.encrypted' }).click();
        const inspect = page.getByRole('dialog', { name: 'Inspect letter.txt.encrypted' });
        await expect(inspect.getByRole('heading', { name: 'Header bytes' })).toBeVisible();
        await check(page, `${at}-dialog-inspect`);
        await page.keyboard.press('Escape');
        await expect(inspect).toBeHidden();
        await check(page, `${at}-files-queue`);
      });
    });
  }
}
