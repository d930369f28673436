/**
 * The security headers of every response that serves Pocket KMS — one definition for every
 * server: `vite preview` (vite.config.ts, `preview.headers`), the service worker's answers from
 * its cache (src/service-worker.ts), the release's local servers (server/serve.mjs and
 * server/serve.py read the JSON copy `npm run release` writes), and the `<meta>` policy in
 * index.html (the same policy without the directives a `<meta>` cannot carry).
 *
 * Plain JavaScript (types in security-headers.d.mts) so that Node 20 runs it without a
 * TypeScript loader, and the service worker bundles it.
 *
 * Measured on the built app in Chromium (docs/RELEASE.md, "The security headers"): it needs
 * nothing beyond `'self'` — no inline style (Svelte's templates carry no style attribute), no
 * data: or blob: image (blob: URLs are only downloads) — so styles and images fall to
 * `default-src 'self'`. Trusted Types are not required yet: Svelte 5 builds its templates
 * through its own policy (`svelte-trusted-html`), but `new Worker(url)` (src/kms/client.ts) and
 * the service worker's registration (workbox-window) pass plain strings, which
 * `require-trusted-types-for 'script'` refuses, and the app does not start.
 */

/** The Content-Security-Policy, directive by directive, in the order it is sent. */
export const CSP_DIRECTIVES = Object.freeze({
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'worker-src': ["'self'"],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
});

/** Directives a `<meta http-equiv="Content-Security-Policy">` cannot carry (CSP3 §3.3). */
const HEADER_ONLY_DIRECTIVES = new Set(['frame-ancestors', 'report-uri', 'sandbox']);

function serialize(directives) {
  return Object.entries(directives)
    .map(([name, sources]) => [name, ...sources].join(' '))
    .join('; ');
}

/** The Content-Security-Policy header value. */
export const CONTENT_SECURITY_POLICY = serialize(CSP_DIRECTIVES);

/** The same policy for index.html's `<meta>`: everything a meta policy may hold. */
export const META_CONTENT_SECURITY_POLICY = serialize(
  Object.fromEntries(
    Object.entries(CSP_DIRECTIVES).filter(([name]) => !HEADER_ONLY_DIRECTIVES.has(name)),
  ),
);

/** Every response of every server and of the service worker carries exactly these. */
export const SECURITY_HEADERS = Object.freeze({
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
});
