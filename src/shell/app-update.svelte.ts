/**
 * The service worker (vite-plugin-pwa, generateSW, registerType 'prompt'): it precaches the
 * built app for offline use. A new version waits until the person chooses to reload, so a
 * vault is never swapped to new code in the middle of their work.
 *
 * In `vite dev` the PWA is disabled and registerSW never calls back; nothing here waits on it.
 */
import { registerSW } from 'virtual:pwa-register';

export class AppUpdate {
  /** A new version is installed and waiting. */
  available = $state(false);
  /** The app is cached and will open without a network. */
  offlineReady = $state(false);

  #update: ((reloadPage?: boolean) => Promise<void>) | undefined;

  start(): void {
    // Already controlled by a service worker: this load came from (or is kept in) the cache.
    if (navigator.serviceWorker?.controller) this.offlineReady = true;
    this.#update = registerSW({
      onNeedRefresh: () => {
        this.available = true;
      },
      onOfflineReady: () => {
        this.offlineReady = true;
      },
    });
  }

  /** Activates the waiting version; the page reloads once it controls the page. */
  reload(): void {
    void this.#update?.(true);
  }
}
