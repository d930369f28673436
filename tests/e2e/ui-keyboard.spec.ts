/** Keyboard only: a key can be created without touching the mouse. */
import { expect, test } from '@playwright/test';
import { openApp } from './ui-helpers.ts';

test('a key can be created with the keyboard alone', async ({ page }) => {
  await openApp(page);
  const create = page.getByRole('button', { name: 'Create key' });

  // Tab through the page (skip link, brand, navigation) until the button has focus.
  for (let presses = 0; presses < 15; presses++) {
    if (await create.evaluate((button) => button === document.activeElement)) break;
    await page.keyboard.press('Tab');
  }
  await expect(create).toBeFocused();
  await page.keyboard.press('Enter');

  const dialog = page.getByRole('dialog', { name: 'Create key' });
  await expect(dialog.getByLabel('Description')).toBeFocused();
  await page.keyboard.type('Typed, not clicked');
  await page.keyboard.press('Tab');
  await expect(dialog.getByLabel('Alias (optional)')).toBeFocused();
  await page.keyboard.type('keyboard');
  await page.keyboard.press('Enter');

  await expect(dialog).toBeHidden();
  const link = page.getByRole('link', { name: 'alias/keyboard', exact: true });
  await expect(link).toBeVisible();
  await expect(page.getByRole('row').filter({ has: link })).toContainText('Typed, not clicked');
  // Focus went back to where it was.
  await expect(create).toBeFocused();
});
