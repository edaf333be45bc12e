import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseSchedule, Scheduler } from '../../src/schedule.ts';
import { longTimeout, MAX_TIMER_MS, timerDelay } from '../../src/util/timers.ts';

const DAY = 86_400_000;

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('longTimeout', () => {
  it('fires once after a delay longer than one timer can hold, never early', () => {
    const fn = vi.fn();
    const warn = vi.spyOn(process, 'emitWarning');
    longTimeout(fn, 30 * DAY);
    vi.advanceTimersByTime(30 * DAY - 1);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fn).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(60 * DAY);
    expect(fn).toHaveBeenCalledTimes(1);
    // Node's TimeoutOverflowWarning is what a plain setTimeout of 30 days gives.
    expect(warn).not.toHaveBeenCalled();
  });

  it('fires a short delay like setTimeout, and not at all once cleared', () => {
    const fn = vi.fn();
    longTimeout(fn, 500);
    const cleared = vi.fn();
    longTimeout(cleared, 40 * DAY).clear();
    vi.advanceTimersByTime(500);
    expect(fn).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(41 * DAY);
    expect(cleared).not.toHaveBeenCalled();
  });

  it('clamps what a single timer is given', () => {
    expect(timerDelay(50 * DAY)).toBe(MAX_TIMER_MS);
    expect(timerDelay(Number.POSITIVE_INFINITY)).toBe(MAX_TIMER_MS);
    expect(timerDelay(-5)).toBe(0);
    expect(timerDelay(1234)).toBe(1234);
  });
});

describe('a schedule longer than 24.8 days', () => {
  it('runs every 25 days, not every millisecond', async () => {
    const scheduler = new Scheduler({ runAtStart: false });
    const run = vi.fn(async () => {});
    scheduler.add({ id: 'rare', spec: parseSchedule('25d'), jitterMs: 0, run });
    scheduler.start();
    await vi.advanceTimersByTimeAsync(25 * DAY - 1);
    expect(run).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(run).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(25 * DAY);
    expect(run).toHaveBeenCalledTimes(2);
    await scheduler.stop();
  });

  it('is refused past a year, pointing at cron for rarer runs', () => {
    expect(() => parseSchedule('400d')).toThrow(/longer than 366d; use a cron expression/);
  });
});

describe('runNow', () => {
  it('runs a task at once, and not a second time while it is still running', async () => {
    const scheduler = new Scheduler({ runAtStart: false });
    let release!: () => void;
    const run = vi.fn(() => new Promise<void>((resolve) => (release = resolve)));
    scheduler.add({ id: 'self', spec: parseSchedule('1h'), jitterMs: 60_000, run });
    scheduler.runNow('self');
    expect(run).not.toHaveBeenCalled(); // not started yet
    scheduler.start();
    scheduler.runNow('self');
    await vi.advanceTimersByTimeAsync(0);
    expect(run).toHaveBeenCalledTimes(1); // no jitter wait
    scheduler.runNow('self');
    await vi.advanceTimersByTimeAsync(0);
    expect(run).toHaveBeenCalledTimes(1);
    release();
    await vi.advanceTimersByTimeAsync(0);
    scheduler.runNow('nope');
    await scheduler.stop();
    scheduler.runNow('self');
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('with afterCurrent, runs once more after a run that was going (its news may have come too late for it), once however often asked', async () => {
    const scheduler = new Scheduler({ runAtStart: false });
    const releases: Array<() => void> = [];
    const run = vi.fn(() => new Promise<void>((resolve) => releases.push(resolve)));
    scheduler.add({ id: 'self', spec: parseSchedule('1h'), jitterMs: 0, run });
    scheduler.start();
    scheduler.runNow('self');
    await vi.advanceTimersByTimeAsync(0);
    scheduler.runNow('self', { afterCurrent: true });
    scheduler.runNow('self', { afterCurrent: true });
    await vi.advanceTimersByTimeAsync(0);
    expect(run).toHaveBeenCalledTimes(1);
    releases[0]!();
    await vi.advanceTimersByTimeAsync(0);
    expect(run).toHaveBeenCalledTimes(2);
    releases[1]!();
    await vi.advanceTimersByTimeAsync(0);
    expect(run).toHaveBeenCalledTimes(2);
    // Asked during a run that ends with the scheduler stopping: nothing runs after stop().
    scheduler.runNow('self');
    await vi.advanceTimersByTimeAsync(0);
    scheduler.runNow('self', { afterCurrent: true });
    const stopped = scheduler.stop();
    releases[2]!();
    await stopped;
    expect(run).toHaveBeenCalledTimes(3);
  });
});
