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
 * Wraps a task so that it runs at once, or — within the wait after its last run — once, when
 * that wait is over: a burst of calls (a script making 2,000 keys) costs at most one run per
 * wait. The wait is `intervalMs` from the last run's start and, when `idleFactor` is given,
 * also `idleFactor` times the last run's duration from its end: a task whose cost grows with
 * the vault (DescribeRecovery reads the id of every key and version) then takes at most
 * 1 / (1 + idleFactor) of the time, at 10 keys or at 10,000. A call while the task runs is kept
 * for after it.
 * `cancel` drops a run still waiting; call it when the caller stops.
 */
export function throttle(
  task: () => Promise<void> | void,
  intervalMs: number,
  idleFactor = 0,
): { run: () => void; cancel: () => void } {
  let lastStart = -Infinity;
  let lastEnd = -Infinity;
  let lastDuration = 0;
  let running = false;
  /** A call came while the task ran: schedule once it ends. */
  let calledWhileRunning = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const schedule = (): void => {
    const wait =
      Math.max(lastStart + intervalMs, lastEnd + idleFactor * lastDuration) - performance.now();
    if (wait <= 0) void fire();
    else timer = setTimeout(() => void fire(), wait);
  };
  const fire = async (): Promise<void> => {
    timer = undefined;
    running = true;
    lastStart = performance.now();
    try {
      await task();
    } finally {
      running = false;
      lastEnd = performance.now();
      lastDuration = lastEnd - lastStart;
      if (calledWhileRunning) {
        calledWhileRunning = false;
        schedule();
      }
    }
  };
  return {
    run() {
      if (timer !== undefined) return;
      if (running) calledWhileRunning = true;
      else schedule();
    },
    cancel() {
      clearTimeout(timer);
      timer = undefined;
      calledWhileRunning = false;
    },
  };
}
