/**
 * The sandbox vault's clock (issue 13 §1): the system clock (or a test's) plus an offset that
 * only grows. AdvanceClock and SetClock move it — each an audited call whose record is written at
 * the time the call was made, with the offset stored in the vault record in the same transaction
 * (VaultRecord.SandboxClockOffset) — and housekeeping then runs at the new time
 * (workers/kms/kms.ts), so rotations, deletions and expiries happen with their AwsServiceEvent
 * records at the simulated time. The person's vault never gets this clock: Kms.open gives it
 * only to a vault opened with `sandbox: true`.
 *
 * The offset lives in the sandbox's own database rather than in the page's localStorage: the
 * clock only moves forward because the vault's dates (audit records, next rotations, deletion
 * dates) were written at it; kept apart, clearing one without the other would take the clock back
 * behind what the vault already holds. Deleting the database (ResetSandbox) resets both at once.
 */
import type { AdvanceClockRequest, DescribeClockResponse, SetClockRequest } from '../api.ts';
import type { Clock } from '../clock.ts';
import { KmsError, validationError } from '../errors.ts';
import { VaultStore } from '../keystore/vault-store.ts';
import type { Operation } from './operation.ts';
import { checkDate, checkInteger } from './validation.ts';

const HOUR_MS = 60 * 60 * 1000;
const MAX_DAYS = 36_500;
const MAX_HOURS = MAX_DAYS * 24;

export class SandboxClock implements Clock {
  constructor(
    private readonly base: Clock,
    /** Milliseconds ahead of `base`; never negative, never decreased but by a reset. */
    public offsetInMilliseconds: number,
  ) {}

  now(): Date {
    return new Date(this.base.now().getTime() + this.offsetInMilliseconds);
  }

  describe(): DescribeClockResponse {
    return { Date: this.now(), OffsetInMilliseconds: this.offsetInMilliseconds };
  }

  /** The offset that makes `date` now. */
  offsetFor(date: Date): number {
    return date.getTime() - this.base.now().getTime();
  }
}

/** What a move answers before housekeeping has run (Kms adds HousekeepingEvents). */
export interface ClockMove extends DescribeClockResponse {
  PreviousDate: Date;
}

/**
 * Moves the clock by `offset`'s change: the offset stored with the call's record, then set in
 * memory. AdvanceClock adds its length to the offset itself rather than aiming at a date: a
 * millisecond of the system clock passing between reading `from` and computing the offset would
 * otherwise make a 400-day move 1 ms short.
 */
function moveTo(clock: SandboxClock, from: Date, to: Date, offset = clock.offsetFor(to)) {
  return {
    response: { Date: to, OffsetInMilliseconds: offset, PreviousDate: from },
    write: VaultStore.sandboxClockWrite(offset),
    afterCommit: () => {
      clock.offsetInMilliseconds = offset;
    },
  };
}

/** The entries of the clock operations, run by the audited call like any table entry. */
export interface SandboxClockEntries {
  advanceClock: Operation<AdvanceClockRequest, ClockMove>;
  setClock: Operation<SetClockRequest, ClockMove>;
  describeClock: Operation<Record<string, never>, DescribeClockResponse>;
}

/** The clock operations of the sandbox vault whose clock is `clock`. */
export function sandboxClockEntries(clock: SandboxClock): SandboxClockEntries {
  return {
    advanceClock: {
      eventName: 'AdvanceClock',
      mutates: true,
      fields: ['Days', 'Hours'],
      async run(_context, request) {
        const days = checkInteger('days', request.Days, 0, MAX_DAYS) ?? 0;
        const hours = checkInteger('hours', request.Hours, 0, MAX_HOURS) ?? 0;
        if (days === 0 && hours === 0) {
          throw new KmsError(
            'ValidationException',
            'Give Days or Hours above 0: the sandbox clock moves forward by at least one hour.',
          );
        }
        const length = (days * 24 + hours) * HOUR_MS;
        const from = clock.now();
        const offset = clock.offsetInMilliseconds + length;
        return moveTo(clock, from, new Date(from.getTime() + length), offset);
      },
    },
    setClock: {
      eventName: 'SetClock',
      mutates: true,
      fields: ['Date'],
      async run(_context, request) {
        const to = checkDate('date', request.Date);
        if (to === undefined) throw validationError('date', undefined, 'Member must not be null');
        const from = clock.now();
        if (to < from) {
          throw validationError(
            'date',
            to.toISOString(),
            `Member must not be earlier than the sandbox's now (${from.toISOString()}): its clock only moves forward`,
          );
        }
        return moveTo(clock, from, to);
      },
    },
    describeClock: {
      eventName: 'DescribeClock',
      mutates: false,
      metadataRead: true,
      fields: [],
      async run() {
        return { response: clock.describe() };
      },
    },
  };
}
