/**
 * One user-triggered call to the key service, as the UI shows it: whether it is running, the
 * error it ended with, or a short sentence saying what it did. Each button or form that calls
 * the service owns one, so its error appears next to it.
 */
export class Operation {
  pending = $state(false);
  error = $state.raw<unknown>(null);
  done = $state('');

  /**
   * Runs `call` unless this operation is already running. On success, `done` becomes the
   * sentence `success` returns (if any); on failure, `error` holds what was thrown.
   * Returns the call's result, or undefined when it failed.
   */
  async run<T>(call: () => Promise<T>, success?: (result: T) => string): Promise<T | undefined> {
    if (this.pending) return undefined;
    this.pending = true;
    this.error = null;
    this.done = '';
    try {
      const result = await call();
      this.done = success?.(result) ?? '';
      return result;
    } catch (error) {
      this.error = error;
      return undefined;
    } finally {
      this.pending = false;
    }
  }

  /** Forgets the last outcome (e.g. when a dialog is opened again). */
  reset(): void {
    this.error = null;
    this.done = '';
  }
}
