/**
 * Wraps a reload so that calls arriving while it runs do not start parallel runs: they share
 * one more run after the current one. Vault-changed notifications come in bursts (one per
 * mutating call, from every tab); this keeps views to at most one reload in flight and one
 * queued, and guarantees a reload that starts after the last change.
 *
 * `task` must not reject: it records its own errors.
 */
export function coalesce(task: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null;
  let queued: Promise<void> | null = null;
  const run = (): Promise<void> => {
    if (!running) {
      running = task().finally(() => {
        running = null;
      });
      return running;
    }
    queued ??= running.then(() => {
      queued = null;
      return run();
    });
    return queued;
  };
  return run;
}
