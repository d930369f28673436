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

/**
 * Wraps a task so that it runs at once, or — within `intervalMs` of its last run — once, when
 * that interval is over: a burst of calls (a script making 2,000 keys) costs at most one run per
 * interval. `cancel` drops a run still waiting; call it when the caller stops.
 */
export function throttle(
  task: () => void,
  intervalMs: number,
): { run: () => void; cancel: () => void } {
  let lastRun = -Infinity;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const fire = (): void => {
    timer = undefined;
    lastRun = performance.now();
    task();
  };
  return {
    run() {
      if (timer !== undefined) return;
      const wait = lastRun + intervalMs - performance.now();
      if (wait <= 0) fire();
      else timer = setTimeout(fire, wait);
    },
    cancel() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
