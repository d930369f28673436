/**
 * Progress reports for long file operations: `onProgress(bytesDone, totalBytes)`, called at the
 * start, at most every 100 ms while working, and once at the end. Across the worker boundary the
 * callback is a Comlink proxy, so each call is a message: throttling keeps them cheap, and the
 * call is never awaited (a slow UI must not slow the crypto).
 */

export type ProgressCallback = (bytesDone: number, totalBytes: number) => unknown;

const INTERVAL_MS = 100;

export class ProgressReporter {
  private last = -Infinity;

  constructor(
    private readonly callback: ProgressCallback | undefined,
    private readonly total: number,
  ) {}

  report(bytesDone: number, force = false): void {
    if (!this.callback) return;
    const now = performance.now();
    if (!force && now - this.last < INTERVAL_MS) return;
    this.last = now;
    try {
      const returned = this.callback(bytesDone, this.total);
      // A proxied callback returns a promise; a failure there is the UI's, not this operation's.
      if (returned instanceof Promise) returned.catch(() => undefined);
    } catch {
      // Same: a throwing progress callback does not fail the file operation.
    }
  }
}
