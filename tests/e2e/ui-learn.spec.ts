/**
 * Issue 13, the Learn section as a person uses it: the Sandbox clock panel moved forward and the
 * sandbox started over by keyboard, the person's vault untouched; and axe finds no violation on
 * any Learn page, in light and dark, at 360 px and at desktop width, with nothing scrolling
 * sideways.
 */
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import './support/kms-page.ts';
import { createKeyWithAlias, expectAccessibleLayout, openApp, openKey } from './ui-helpers.ts';

/** Every Learn page (issue 13 §2): the section's front page and each lesson built so far. */
const LEARN_PAGES = [
  '#/learn',
  '#/learn/envelope',
  '#/learn/tamper',
  '#/learn/rotation',
  '#/learn/deletion',
  '#/learn/asymmetric',
  '#/learn/data-keys',
  '#/learn/glossary',
] as const;

const SIZES = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: '360px', width: 360, height: 740 },
] as const;
const THEMES = ['light', 'dark'] as const;

test('the Sandbox clock moves forward and starts over by keyboard; the real vault keeps its clock', async ({
  page,
}) => {
  await openApp(page, '#/learn');
  await expect(page.getByRole('heading', { level: 1, name: 'Learn' })).toBeVisible();
  const panel = page.getByRole('region', { name: 'Sandbox Sandbox clock' });
  await expect(panel).toBeVisible();
  const now = panel.getByTestId('sandbox-now');
  await expect(now).not.toHaveText('…');
  const before = await page.evaluate(() => window.kmsSandbox.describeClock());

  // Keyboard only: focus "+30 days" and press Enter.
  await panel.getByRole('button', { name: '+30 days' }).focus();
  await page.keyboard.press('Enter');
  await expect(panel.getByRole('status')).toContainText('Sandbox clock moved to');
  await expect(panel).toContainText('30 days ahead of today');
  const after = await page.evaluate(() => window.kmsSandbox.describeClock());
  expect(after.OffsetInMilliseconds - before.OffsetInMilliseconds).toBe(30 * 24 * 3_600_000);

  // The person's vault runs on today's clock.
  const created = await page.evaluate(async () => {
    const { KeyMetadata } = await window.kms.createKey();
    return KeyMetadata.CreationDate.getTime() - Date.now();
  });
  expect(Math.abs(created)).toBeLessThan(60_000);

  // The panel's log shows what the vault did at the sandbox's time: a rotation fires on schedule.
  await page.evaluate(async () => {
    const { KeyMetadata } = await window.kmsSandbox.createKey({ Description: 'rotates' });
    await window.kmsSandbox.enableKeyRotation({
      KeyId: KeyMetadata.KeyId,
      RotationPeriodInDays: 90,
    });
  });
  await panel.getByRole('button', { name: '+1 year' }).focus();
  await page.keyboard.press('Enter');
  const log = panel.getByRole('list', { name: 'Sandbox log, newest first' });
  await expect(log.getByRole('listitem').filter({ hasText: 'RotateKey' })).toContainText(
    'service event',
  );
  await expect(log).toContainText('AdvanceClock');

  await panel.getByRole('button', { name: 'Reset sandbox' }).focus();
  await page.keyboard.press('Enter');
  await panel.getByRole('button', { name: 'Yes, reset the sandbox' }).focus();
  await page.keyboard.press('Enter');
  await expect(panel.getByRole('status')).toContainText('The sandbox was started over');
  await expect(panel).not.toContainText('days ahead of today');
  expect((await page.evaluate(() => window.kmsSandbox.describeClock())).OffsetInMilliseconds).toBe(
    0,
  );
  expect((await page.evaluate(() => window.kms.listKeys())).Keys).toHaveLength(1);
});

test('axe: no violation on any Learn page, light and dark, at 360 px and desktop width', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await openApp(page, '#/learn');
  for (const theme of THEMES) {
    await page.emulateMedia({ colorScheme: theme });
    for (const size of SIZES) {
      await page.setViewportSize({ width: size.width, height: size.height });
      for (const hash of LEARN_PAGES) {
        await page.goto(`/${hash}`);
        await expect(page.locator('main h1')).toBeVisible();
        await expectAccessibleLayout(page, `${hash} ${theme} ${size.name}`);
      }
      // Lesson 1 with its steps shown: a call step (records, commands) and the header's hex view.
      await page.goto('/#/learn/envelope');
      await page.getByRole('button', { name: 'Encrypt and take apart' }).click();
      const stepTitle = page.locator('#envelope-step-title');
      await expect(stepTitle).toBeFocused();
      await expectAccessibleLayout(page, `lesson 1, first step ${theme} ${size.name}`);
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('ArrowRight');
      await expect(stepTitle).toHaveText('The header, field by field');
      await expectAccessibleLayout(page, `lesson 1, header ${theme} ${size.name}`);
      // The tamper lab with a message, a change and its refusal shown.
      await page.goto('/#/learn/tamper');
      await page.getByRole('button', { name: /^Encrypt a sample/ }).click();
      await page.getByRole('button', { name: 'Tamper and decrypt' }).click();
      await expect(page.getByTestId('tamper-check')).toContainText('Refused by');
      await expectAccessibleLayout(page, `lesson 2, a refusal ${theme} ${size.name}`);
      // The console panel, opened from the header.
      await page.getByRole('button', { name: 'Use it from the console' }).click();
      await expect(page.getByRole('dialog', { name: 'Use it from the console' })).toBeVisible();
      await expectAccessibleLayout(page, `console panel ${theme} ${size.name}`);
      await page.keyboard.press('Escape');
      // An action lesson after its first step: facts, the call in three forms, its record.
      await page.goto('/#/learn/rotation');
      await page.getByRole('button', { name: 'Create a key and encrypt' }).click();
      await expect(page.getByTestId('lesson-facts')).toBeVisible();
      await page.getByText(/^The audit record: Encrypt/).click();
      await expectAccessibleLayout(page, `lesson 3, a step done ${theme} ${size.name}`);
    }
  }
});

/** The bytes a lesson step shows under `name`, with the offset it names (hex pairs parsed). */
async function shownBytes(page: Page, name: string): Promise<{ hex: string; offset?: number }> {
  const term = page.locator('dl.lesson-bytes dt', { hasText: name }).first();
  const label = await term.innerText();
  const hex = (await term.locator('xpath=following-sibling::dd[1]').innerText()).replace(/ /g, '');
  const offset = /at offset (\d+)/.exec(label)?.[1];
  return { hex, ...(offset !== undefined && { offset: Number(offset) }) };
}

test('lesson 1 by keyboard: every step, the bytes shown are the saved message bytes, as inspectCiphertext reads it', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await openApp(page, '#/learn');
  const link = page.getByRole('link', { name: 'Envelope encryption, step by step' });
  await link.focus();
  await page.keyboard.press('Enter');
  await expect(
    page.getByRole('heading', { level: 1, name: 'Lesson 1: Envelope encryption, step by step' }),
  ).toBeVisible();
  await page
    .getByLabel(/^Text to encrypt/)
    .fill('Sixty-four bytes of secret text, to make a few frames, plus a tail.');
  await page.getByRole('button', { name: 'Encrypt and take apart' }).focus();
  await page.keyboard.press('Enter');

  const stepTitle = page.locator('#envelope-step-title');
  await expect(stepTitle).toHaveText('GenerateDataKey: a data key and its encrypted copy');
  await expect(stepTitle).toBeFocused();
  const counter = page.getByText(/^Step \d+ of \d+/);
  const total = Number(/of (\d+)/.exec(await counter.innerText())![1]);
  const blob = await shownBytes(page, 'CiphertextBlob (the encrypted data key)');
  await expect(page.getByText('The audit record: GenerateDataKey (AwsApiCall)')).toBeVisible();
  await expect(page.locator('pre', { hasText: 'aws kms generate-data-key' })).toBeVisible();

  // Save the message: the file the steps take apart.
  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: /Save the message/ }).click();
  const message = readFileSync(await (await download).path());
  const inspected = await page.evaluate(
    (bytes) => window.kmsSandbox.inspectCiphertext({ Input: new Blob([new Uint8Array(bytes)]) }),
    Array.from(message),
  );
  const field = (name: string) => inspected.Fields.find((f) => f.Name === name)!;
  const slice = (offset: number, length: number) =>
    message.subarray(offset, offset + length).toString('hex');

  const seen: string[] = [];
  for (let step = 1; step <= total; step++) {
    const title = await stepTitle.innerText();
    seen.push(title);
    if (title === 'The encrypted data key, in the header') {
      const edk = await shownBytes(page, 'EDK 1 Encrypted Data Key');
      expect(edk.hex).toBe(blob.hex);
      expect(edk.offset).toBe(field('EDK 1 Encrypted Data Key').Offset);
      expect(slice(edk.offset!, edk.hex.length / 2)).toBe(edk.hex);
    }
    if (title === 'Frame 1') {
      for (const [shown, name] of [
        ['IV', 'Frame 1 IV'],
        ['Ciphertext', 'Frame 1 Encrypted Content'],
        ['Authentication tag', 'Frame 1 Authentication Tag'],
      ] as const) {
        const bytes = await shownBytes(page, shown);
        expect({ offset: bytes.offset, length: bytes.hex.length / 2 }).toEqual({
          offset: field(name).Offset,
          length: field(name).Length,
        });
        expect(slice(bytes.offset!, bytes.hex.length / 2)).toBe(bytes.hex);
      }
    }
    if (title.startsWith('The final frame')) {
      const tag = await shownBytes(page, 'Authentication tag');
      expect(tag.offset).toBe(field('Final Frame Authentication Tag').Offset);
      expect(slice(tag.offset!, 16)).toBe(tag.hex);
      expect(tag.offset! + 16).toBe(message.length);
    }
    if (title === 'The header, field by field') {
      // Tab into the field table: the focused row's bytes are highlighted in the hex view.
      await page.locator('tr[tabindex="0"]').first().focus();
      await expect(page.locator('.hex-byte.highlight').first()).toBeVisible();
      await stepTitle.focus();
    }
    if (step < total) await page.keyboard.press('ArrowRight');
  }
  expect(seen).toContain('HKDF-SHA-512: the content key and the commitment');
  expect(seen.at(-1)).toBe('Decrypting the message');
  await expect(page.getByText(/Lesson finished/)).toBeVisible();
  // Back, by keyboard.
  await page.keyboard.press('ArrowLeft');
  await expect(stepTitle).toHaveText('Decrypt: the encrypted data key, back to the data key');

  // Progress is remembered: the section's page says the lesson is finished, after a reload too.
  await page.goto('/#/learn');
  await page.reload();
  await expect(page.getByRole('listitem').filter({ hasText: 'Envelope encryption' })).toContainText(
    'Finished',
  );
  // The person's vault made no call for any of this.
  const realLog = await page.evaluate(() =>
    window.kms.listAuditEvents({ IncludeBackgroundReads: false }),
  );
  expect(realLog.Events.map((e) => e.eventName)).toEqual([]);
});

/** Runs every step of the action lesson at `hash` by keyboard; returns the last step's facts. */
async function walkActionLesson(page: Page, linkName: string, steps: number): Promise<string> {
  await openApp(page, '#/learn');
  await page
    .getByRole('region', { name: 'Lessons' })
    .getByRole('link', { name: linkName, exact: true })
    .focus();
  await page.keyboard.press('Enter');
  const facts = page.getByTestId('lesson-facts');
  for (let step = 1; step <= steps; step++) {
    await expect(page.getByText(`Step ${step} of ${steps}`)).toBeVisible();
    await page.locator('section.card button.primary').focus();
    await page.keyboard.press('Enter');
    await expect(facts).toBeVisible();
    if (step < steps) {
      await page.keyboard.press('ArrowRight');
      await expect(facts).toBeHidden();
    }
  }
  await expect(page.getByText('Lesson finished.')).toBeVisible();
  return facts.innerText();
}

test('lesson 3 by keyboard: versions, re-encryption, and an automatic rotation on the Sandbox clock', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const last = await walkActionLesson(page, 'Rotation', 7);
  expect(last).toMatch(/Events housekeeping wrote\s+1/);
  expect(last).toMatch(/Automatic rotations\s+\S/);
  await expect(page.getByText('The audit record: RotateKey (AwsServiceEvent)')).toBeVisible();
  // Back through the steps already done: each still shows what it did.
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await expect(page.locator('#rotation-step-title')).toHaveText('Re-encrypt to the newest version');
  await expect(page.getByTestId('lesson-facts')).toContainText('version 2');
  expect(
    (await page.evaluate(() => window.kms.listAuditEvents({ IncludeBackgroundReads: false })))
      .Events,
  ).toEqual([]);
});

test('lesson 4 by keyboard: disable and enable, then a deletion window passing on the Sandbox clock', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const last = await walkActionLesson(page, 'Deletion and disabling', 5);
  expect(last).toMatch(/DescribeKey\s+NotFoundException/);
  expect(last).toMatch(/Decrypt now\s+InvalidCiphertextException/);
  await expect(page.getByText('The audit record: DeleteKey (AwsServiceEvent)')).toBeVisible();
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await expect(page.getByTestId('lesson-facts')).toContainText('DisabledException');
  expect((await page.evaluate(() => window.kms.listKeys())).Keys).toEqual([]);
});

test('lesson 2 by keyboard: each change is refused by the check the vault names, with the byte that decided', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await openApp(page, '#/learn');
  await page.getByRole('link', { name: 'Tamper lab' }).focus();
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: /^Encrypt a sample/ }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('tamper-message')).toContainText('3 frames');

  const check = page.getByTestId('tamper-check');
  const answered = page
    .locator('dt', { hasText: 'The vault answered' })
    .locator('xpath=following-sibling::dd[1]');
  const tamper = async (label: string, expected: string, part: string) => {
    await page.getByLabel('Change', { exact: true }).selectOption({ label });
    await page.getByRole('button', { name: 'Tamper and decrypt' }).focus();
    await page.keyboard.press('Enter');
    await expect(check).toHaveText(`Refused by: ${expected}`);
    // What the page says refused it is what the vault's own answer names.
    await expect(answered).toContainText(`InvalidCiphertextException: ${part}`);
  };
  // Bit 0 of byte 10: inside the message id, which salts the key derivation.
  await tamper('Flip a bit at a byte offset', 'Key commitment', 'Decryption failed: commitment:');
  await expect(
    page
      .locator('dt', { hasText: 'The byte that decided' })
      .locator('xpath=following-sibling::dd[1]'),
  ).toHaveText('offset 10');
  await expect(
    page.locator('[aria-labelledby="tamper-decided-heading"] .hex-byte.highlight'),
  ).toHaveAttribute('data-offset', '10');
  await tamper(
    'Swap frames 1 and 2',
    'The order of frames (frame 1’s sequence number)',
    'Decryption failed: frame 1:',
  );
  await tamper(
    'Drop frame 2',
    'The final frame’s place (sequence numbers)',
    'Decryption failed: frame 2 (the final frame):',
  );
  await tamper(
    'Truncate it',
    'The message ends too soon (truncation)',
    'Decryption failed: truncated:',
  );
  await tamper(
    'Decrypt with another encryption context',
    'The expected encryption context',
    'Decryption failed: encryption context:',
  );
  // A click on a byte of the header's hex view chooses it: the change becomes a bit flip there.
  await page.locator('[aria-labelledby="tamper-hex-heading"] [data-offset="20"]').click();
  await expect(page.getByLabel('Change', { exact: true })).toHaveValue('flip');
  await expect(page.locator('#tamper-offset')).toHaveValue('20');
  await expect(
    page.locator('[aria-labelledby="tamper-hex-heading"] [data-offset="20"]'),
  ).toHaveClass(/highlight/);
  await page.getByLabel('Change', { exact: true }).selectOption({ label: 'Change a header field' });
  await page.getByLabel('Header field').selectOption({ label: 'Frame Length' });
  await page.getByRole('button', { name: 'Tamper and decrypt' }).focus();
  await page.keyboard.press('Enter');
  await expect(check).toHaveText('Refused by: Header authentication');
  await page.getByText(/^docs\/FORMAT.md §4.4/).click();
  await expect(page.locator('pre.section').first()).toContainText('4.4 Header authentication tag');

  // A text ciphertext: Decrypt's answer is one vague name; the check is told by the byte changed.
  await page.getByRole('button', { name: 'Encrypt a short text' }).focus();
  await page.keyboard.press('Enter');
  await page.getByLabel('Byte offset (0–', { exact: false }).last().fill('3');
  await page.getByRole('button', { name: 'Tamper and decrypt the blob' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('blob-answer')).toContainText('InvalidCiphertextException');
  await expect(page.getByTestId('blob-check')).toHaveText('The key it names (vault id and KeyId)');
  await expect(
    page.locator('[aria-labelledby="blob-hex-heading"] .hex-byte.highlight').first(),
  ).toHaveAttribute('data-offset', '1');
  await expectAccessibleLayout(page, 'lesson 2, a blob refused');
});

test('the glossary: linked from each lesson, a term opened and focused by keyboard', async ({
  page,
}) => {
  await openApp(page, '#/learn/envelope');
  const link = page.getByRole('link', { name: 'Key commitment' });
  await link.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: 'Glossary' })).toBeVisible();
  const term = page.locator('#term-key-commitment');
  await expect(term).toBeFocused();
  await expect(term.locator('xpath=following-sibling::dd[1]')).toContainText(
    'exactly one data key',
  );
  for (const lesson of ['tamper', 'rotation', 'deletion']) {
    await page.goto(`/#/learn/${lesson}`);
    await expect(page.getByText('Terms on this page:')).toBeVisible();
  }
});

test('"Use it from the console" opens from the header by keyboard and shows window.kms and window.kmsSandbox', async ({
  page,
}) => {
  await openApp(page, '#/keys');
  await page.getByRole('button', { name: 'Use it from the console' }).focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Use it from the console' });
  await expect(dialog).toContainText('window.kms');
  await expect(dialog).toContainText('window.kmsSandbox');
  await expect(dialog.locator('pre', { hasText: 'await kms.createKey' })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('button', { name: 'Use it from the console' })).toBeFocused();
});

test('lesson 5 by keyboard: sign a file, verify with the public key alone, refuse a changed copy, OpenSSL', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const last = await walkActionLesson(page, 'Asymmetric keys', 6);
  expect(last).toContain('openssl dgst -sha256 -verify');
  await page.keyboard.press('ArrowLeft');
  await expect(page.getByTestId('lesson-facts')).toContainText('KMSInvalidSignatureException');
  await page.keyboard.press('ArrowLeft');
  await expect(page.getByTestId('lesson-facts')).toContainText('no vault key');
});

test('lesson 6 by keyboard: 100 messages, the GenerateDataKey calls saved by reusing a data key, counted in the log', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await openApp(page, '#/learn');
  await page
    .getByRole('region', { name: 'Lessons' })
    .getByRole('link', { name: 'Data keys and caching' })
    .focus();
  await page.keyboard.press('Enter');
  await page.getByLabel('Reuse a data key for at most … messages').selectOption('25');
  await page.getByRole('button', { name: 'Encrypt 100 messages both ways' }).focus();
  await page.keyboard.press('Enter');
  const table = page.getByTestId('data-keys-table');
  await expect(table.getByRole('row', { name: /GenerateDataKey calls/ })).toHaveText(
    /GenerateDataKey calls \(in the audit log\)\s*100\s*4/,
  );
  await expect(table.getByRole('row', { name: /Most messages under one data key/ })).toHaveText(
    /Most messages under one data key\s*1\s*25/,
  );
  await expect(
    page.getByText('Saved: 96 calls to the key service.', { exact: false }),
  ).toBeVisible();
  // The sandbox's own log has them all; the person's vault none.
  const counted = await page.evaluate(async () => {
    let count = 0;
    let marker: string | undefined;
    do {
      const listed = await window.kmsSandbox.listAuditEvents({
        EventName: 'GenerateDataKey',
        Limit: 1000,
        ...(marker && { Marker: marker }),
      });
      count += listed.Events.length;
      marker = listed.Truncated ? listed.NextMarker : undefined;
    } while (marker);
    return count;
  });
  expect(counted).toBe(104);
  expect(
    (await page.evaluate(() => window.kms.listAuditEvents({ EventName: 'GenerateDataKey' })))
      .Events,
  ).toEqual([]);
  await expectAccessibleLayout(page, 'lesson 6, results');
});

test('Activity shows the window.kms call behind a record, copyable', async ({ page }) => {
  await openApp(page, '#/keys');
  await page.evaluate(() => window.kms.createKey({ Description: 'from the console' }));
  await page.goto('/#/activity');
  const record = page.locator('details.record', { hasText: 'CreateKey' }).first();
  await record.locator('summary').click();
  await expect(record.locator('code')).toHaveText(
    'await kms.createKey({"Description":"from the console"})',
  );
  await expect(record.getByRole('button', { name: 'Copy the call' })).toBeVisible();
  await expectAccessibleLayout(page, 'activity with a call shown');
});

test('each key page shows the window.kms calls behind what happened to the key, copyable', async ({
  page,
}) => {
  await openApp(page, '#/keys');
  await createKeyWithAlias(page, 'calls', 'made in the UI');
  await openKey(page, 'calls');
  const section = page.getByRole('region', { name: 'The calls behind it' });
  await expect(section.locator('code', { hasText: 'await kms.createAlias(' })).toHaveText(
    /"AliasName":"alias\/calls"/,
  );
  await expect(section.locator('code', { hasText: 'await kms.createKey(' })).toHaveText(
    /"Description":"made in the UI"/,
  );
  await expect(section.getByRole('button', { name: 'Copy the call' }).first()).toBeVisible();
  await expectAccessibleLayout(page, 'key page with its calls');
});

test('lesson 1 takes a dropped file as well as a chosen one', async ({ page }) => {
  await openApp(page, '#/learn/envelope');
  const dataTransfer = await page.evaluateHandle(() => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([new Uint8Array(300).fill(9)], 'dropped.bin'));
    return transfer;
  });
  await page
    .getByRole('group')
    .filter({ has: page.getByLabel(/^Or a file instead/) })
    .dispatchEvent('drop', { dataTransfer });
  await expect(page.getByText('Encrypting the file dropped.bin (300 bytes).')).toBeVisible();
  await page.getByRole('button', { name: 'Use the text instead' }).click();
  await expect(page.getByText('Encrypting the file dropped.bin')).toBeHidden();
});

test('lesson 1 with a file instead of text: frames sized to show it all, decrypted to the same bytes', async ({
  page,
}) => {
  await openApp(page, '#/learn/envelope');
  await page.getByLabel(/^Or a file instead/).setInputFiles({
    name: 'data.bin',
    mimeType: 'application/octet-stream',
    buffer: Buffer.alloc(1000, 7),
  });
  await expect(page.getByText('Encrypting the file data.bin (1000 bytes).')).toBeVisible();
  await page.getByRole('button', { name: 'Encrypt and take apart' }).click();
  const stepTitle = page.locator('#envelope-step-title');
  await expect(stepTitle).toBeFocused();
  // 1000 bytes in 128-byte frames: seven full frames and a final one, among 14 steps.
  await expect(page.getByText(/^Step 1 of 14/)).toBeVisible();
  for (let step = 1; step < 14; step++) await page.keyboard.press('ArrowRight');
  await expect(
    page.getByText('Decrypted: 1000 bytes, the same as data.bin. Lesson finished.'),
  ).toBeVisible();
});
