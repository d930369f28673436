/**
 * A clock the test moves by hand (workers/clock.ts): housekeeping and every date the core
 * returns read it, so a test can jump past a rotation date or a deletion window at once.
 */
import { DAY_MS, type Clock } from '../../../workers/clock.ts';

/** 2026-01-01T00:00:00Z: a fixed start, so dates in a test are the same on every run. */
export const TEST_EPOCH = Date.UTC(2026, 0, 1);

export class ManualClock implements Clock {
  private time: number;

  constructor(start: number = TEST_EPOCH) {
    this.time = start;
  }

  now(): Date {
    return new Date(this.time);
  }

  advanceMs(ms: number): void {
    this.time += ms;
  }

  advanceDays(days: number): void {
    this.advanceMs(days * DAY_MS);
  }

  set(date: Date): void {
    this.time = date.getTime();
  }
}
