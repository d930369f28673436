/**
 * Issue 12 §2: the Content-Security-Policy and the other security headers reach every context —
 * the document, the core worker and the service worker — from `vite preview` and, offline, from
 * the service worker's cache; inside the core worker the policy refuses a data: module and a
 * request to another port; and no other origin can frame the app.
 */
import { expect, test, type Page, type Response, type Worker } from '@playwright/test';
import { CONTENT_SECURITY_POLICY, SECURITY_HEADERS } from '../../server/security-headers.mjs';
import { startOtherOrigin } from './support/other-origin.ts';
import { controlledByServiceWorker, openApp, waitForKms } from './support/kms-page.ts';

/** Every header of SECURITY_HEADERS, with its exact value. */
function expectSecurityHeaders(headers: Record<string, string>, what: string): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
    expect(headers[name.toLowerCase()], `${name} on ${what}`).toBe(value);
  }
}

/** The core worker (src/kms/client.ts starts exactly one per page). */
async function coreWorker(page: Page): Promise<Worker> {
  await waitForKms(page);
  const worker = page.workers().find((candidate) => candidate.url().includes('kms.worker'));
  if (!worker) throw new Error(`no core worker among ${page.workers().map((w) => w.url())}`);
  return worker;
}

test('vite preview sends the headers on the document, the core worker and the service worker', async ({
  page,
  request,
}) => {
  const responses: Response[] = [];
  page.on('response', (response) => responses.push(response));
  const document = await page.goto('/');
  expectSecurityHeaders(document!.headers(), 'the document');
  const worker = await coreWorker(page);
  const workerScript = responses.find((response) => response.url() === worker.url());
  expect(workerScript, 'the core worker script was loaded by this page').toBeDefined();
  expectSecurityHeaders(workerScript!.headers(), 'the core worker script');

  const registration = await page.evaluate(async () => {
    const ready = await navigator.serviceWorker.ready;
    return ready.active!.scriptURL;
  });
  expectSecurityHeaders((await request.get(registration)).headers(), 'the service worker script');
  // The page's meta policy is the same policy, minus what a meta cannot carry.
  const meta = await page
    .locator('meta[http-equiv="Content-Security-Policy"]')
    .getAttribute('content');
  expect(CONTENT_SECURITY_POLICY).toBe(`${meta}; frame-ancestors 'none'`);
});

test('offline, the document and the core worker script from the service worker carry the headers', async ({
  page,
  context,
}) => {
  test.slow(); // a service-worker install and two reloads
  await openApp(page);
  await controlledByServiceWorker(page);

  await context.setOffline(true);
  try {
    const responses: Response[] = [];
    page.on('response', (response) => responses.push(response));
    const document = await page.reload();
    expect(document!.fromServiceWorker()).toBe(true);
    expectSecurityHeaders(document!.headers(), 'the document from the cache');
    const worker = await coreWorker(page);
    const workerScript = responses.find((response) => response.url() === worker.url());
    expect(workerScript!.fromServiceWorker()).toBe(true);
    expectSecurityHeaders(workerScript!.headers(), 'the core worker script from the cache');
    // Still the policy in force, not only a header: a data: module is refused in the worker.
    expect(await dataModuleImport(worker)).toMatch(/^refused: TypeError/);
  } finally {
    await context.setOffline(false);
  }
});

/** What importing a data: module inside `worker` does. */
function dataModuleImport(worker: Worker): Promise<string> {
  return worker.evaluate(
    (specifier) =>
      import(specifier).then(
        (module: { default: string }) => module.default,
        (error: Error) => `refused: ${error.name}`,
      ),
    'data:text/javascript,export default "ran"',
  );
}

test('inside the core worker a data: module and a request to another local port are refused', async ({
  page,
}) => {
  const other = await startOtherOrigin('about:blank');
  try {
    await openApp(page);
    const worker = await coreWorker(page);
    expect(await dataModuleImport(worker)).toMatch(/^refused: TypeError/);
    const fetched = await worker.evaluate(
      (url) =>
        fetch(url).then(
          (response) => `reached: ${response.status}`,
          (error: Error) => `refused: ${error.name}`,
        ),
      `${other.origin}/probe.js`,
    );
    expect(fetched).toBe('refused: TypeError');
    // The control: the other origin answers, and the refused request never reached it.
    expect((await fetch(`${other.origin}/probe.js`)).status).toBe(200);
    expect(other.requests()).toBe(1);
  } finally {
    await other.close();
  }
});

test('a page of another origin that frames the app does not render it', async ({
  page,
  baseURL,
}) => {
  const other = await startOtherOrigin(`${baseURL}/`);
  try {
    const refusals: string[] = [];
    page.on('console', (message) => {
      if (message.text().includes('frame-ancestors')) refusals.push(message.text());
    });
    await page.goto(`${other.origin}/frame.html`);
    const frame = page.frames().find((candidate) => candidate !== page.mainFrame());
    expect(frame).toBeDefined();
    await expect.poll(() => refusals.length).toBeGreaterThan(0);
    expect(frame!.url()).not.toContain(baseURL!);
    expect(await frame!.locator('#app').count()).toBe(0);
  } finally {
    await other.close();
  }
});
