/**
 * Whether the browser keeps the vault's storage when it runs short of space (DESIGN §7).
 * Asked once per page load. A "no" is normal — headless Chromium and many browsers answer no
 * until the site is installed or bookmarked — so the UI states it plainly and does not nag.
 */
export type Persistence = 'asking' | 'persistent' | 'not-persistent' | 'unknown';

export class StoragePersistence {
  state = $state<Persistence>('asking');

  async ask(): Promise<void> {
    const storage = navigator.storage;
    if (!storage?.persist) {
      this.state = 'unknown';
      return;
    }
    try {
      const granted = (await storage.persisted()) || (await storage.persist());
      this.state = granted ? 'persistent' : 'not-persistent';
    } catch {
      this.state = 'unknown';
    }
  }
}
