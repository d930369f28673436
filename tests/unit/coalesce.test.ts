/**
 * src/ui/coalesce.ts: the two ways views keep bursts of vault changes from becoming bursts of
 * reads. Driven with fake timers (performance.now included), so every wait is exact.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { coalesce, throttle } from '../../src/ui/coalesce.ts';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
});
afterEach(() => {
  vi.useRealTimers();
});

/** A task that takes `milliseconds` of (fake) time and records when each run started. */
function timedTask(milliseconds: number): { task: () => Promise<void>; starts: number[] } {
  const starts: number[] = [];
  return {
    starts,
    task: () => {
      starts.push(performance.now());
      return new Promise((resolve) => setTimeout(resolve, milliseconds));
    },
  };
}

describe('throttle', () => {
  it('runs at once, then at most once per interval however many calls come', async () => {
    const { task, starts } = timedTask(0);
    const throttled = throttle(task, 1000);
    const origin = performance.now();
    for (let i = 0; i < 50; i++) {
      throttled.run();
      await vi.advanceTimersByTimeAsync(100);
    }
    // 5 s of calls every 100 ms: runs at 0, 1000, …, 5000 (the last one catching the tail).
    expect(starts.map((start) => start - origin)).toEqual([0, 1000, 2000, 3000, 4000, 5000]);
  });

  it('with an idle factor, waits that many times the last run after it, so a slow task takes a bounded share', async () => {
    const { task, starts } = timedTask(300);
    const throttled = throttle(task, 1000, 19);
    const origin = performance.now();
    throttled.run();
    // Called on and on while it runs and after: the next run waits 19 × 300 ms after the end.
    for (let i = 0; i < 120; i++) {
      throttled.run();
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(starts.map((start) => start - origin)).toEqual([0, 6000, 12000]);
    // 3 runs of 300 ms in 12 s: the task's share of the time stays at 1/20.
  });

  it('without an idle factor, a slow task is not run twice at once and runs again after it ends', async () => {
    const { task, starts } = timedTask(1500);
    const throttled = throttle(task, 1000);
    const origin = performance.now();
    throttled.run();
    await vi.advanceTimersByTimeAsync(500);
    throttled.run();
    await vi.advanceTimersByTimeAsync(5000);
    expect(starts.map((start) => start - origin)).toEqual([0, 1500]);
  });

  it('cancel drops the run still waiting', async () => {
    const { task, starts } = timedTask(0);
    const throttled = throttle(task, 1000);
    throttled.run();
    throttled.run();
    throttled.cancel();
    await vi.advanceTimersByTimeAsync(5000);
    expect(starts).toHaveLength(1);
  });
});

describe('coalesce', () => {
  it('keeps one run in flight and one queued, and the queued one starts after the last call', async () => {
    const { task, starts } = timedTask(100);
    const reload = coalesce(task);
    const origin = performance.now();
    const calls = [reload(), reload(), reload()];
    await vi.advanceTimersByTimeAsync(50);
    calls.push(reload());
    await vi.advanceTimersByTimeAsync(500);
    await Promise.all(calls);
    expect(starts.map((start) => start - origin)).toEqual([0, 100]);
  });
});
