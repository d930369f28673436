/**
 * The one source of time in the core. Housekeeping (due rotations, expired deletion windows)
 * and every date the API returns read it, so tests can move time forward without waiting.
 * The user's real vault always runs on the system clock.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export const DAY_MS = 24 * 60 * 60 * 1000;

export function addDays(date: Date, days: number): Date {
  return new Date(date.getTime() + days * DAY_MS);
}
