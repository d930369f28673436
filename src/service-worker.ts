/// <reference lib="webworker" />
/**
 * The service worker: the offline cache, and nothing else — it never sees a key.
 *
 * It does what vite-plugin-pwa's generated worker did (precache the built app, answer every
 * navigation with index.html, drop caches of older versions, wait for the person's "reload" to
 * take over: src/shell/app-update.svelte.ts) and one thing a generated worker cannot: every
 * response it serves carries the security headers of server/security-headers.mjs. A response
 * from the cache has the headers it was stored with, which are those of whatever server the app
 * was installed from; re-wrapping it makes the offline app — its document, its core worker
 * script — run under the same Content-Security-Policy as the served one, whatever that server
 * sent.
 */
import {
  addPlugins,
  cleanupOutdatedCaches,
  createHandlerBoundToURL,
  precacheAndRoute,
} from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { SECURITY_HEADERS } from '../server/security-headers.mjs';

declare const self: ServiceWorkerGlobalScope;

/** The response with the security headers set over its own. */
function withSecurityHeaders(response: Response): Response {
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) headers.set(name, value);
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}

// Before the routes: the plugin applies to every response of the precache strategy, which
// serves both the precache route and the navigation fallback below.
addPlugins([
  { handlerWillRespond: ({ response }) => Promise.resolve(withSecurityHeaders(response)) },
]);

cleanupOutdatedCaches();
precacheAndRoute(self.__WB_MANIFEST);
registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html')));

// registerType 'prompt': a new version waits until the page asks it to take over
// (workbox-window's messageSkipWaiting, called by registerSW's updateSW).
self.addEventListener('message', (event: ExtendableMessageEvent) => {
  if ((event.data as { type?: unknown } | null)?.type === 'SKIP_WAITING') void self.skipWaiting();
});
