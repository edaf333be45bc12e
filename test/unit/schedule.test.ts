import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { describeSchedule, parseSchedule, Scheduler, shortestPeriodMs, type ScheduledTask, type ScheduleSpec } from '../../src/schedule.ts';

describe('parseSchedule', () => {
  it.each([
    ['30s', 30_000],
    ['1s', 1_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
  ])('reads the duration %j as a fixed interval of %i ms', (text, everyMs) => {
    expect(parseSchedule(text)).toEqual({ kind: 'interval', everyMs, text });
  });

  it('reads a 5-field cron expression', () => {
    expect(parseSchedule('*/30 * * * *')).toEqual({ kind: 'cron', expr: '*/30 * * * *', text: '*/30 * * * *' });
  });

  it('reads a 6-field cron expression (with seconds)', () => {
    expect(parseSchedule('*/15 * * * * *')).toEqual({ kind: 'cron', expr: '*/15 * * * * *', text: '*/15 * * * * *' });
  });

  it('keeps the time zone of a cron schedule', () => {
    expect(parseSchedule('0 3 * * *', 'Europe/Berlin')).toEqual({ kind: 'cron', expr: '0 3 * * *', text: '0 3 * * *', timezone: 'Europe/Berlin' });
  });

  it.each(['every 5 minutes', '61 * * * *', '10', '* * *', '5 minutes'])('rejects %j with an error naming the text', (text) => {
    expect(() => parseSchedule(text)).toThrow(`"${text}" is neither a duration`);
  });

  it.each(['500ms', '999ms', '0s'])('rejects the interval %j as shorter than 1s', (text) => {
    expect(() => parseSchedule(text)).toThrow(`interval "${text}" is shorter than 1s`);
  });

  it('rejects an unknown time zone, naming it', () => {
    expect(() => parseSchedule('*/5 * * * *', 'Mars/Olympus_Mons')).toThrow('Mars/Olympus_Mons');
  });
});

describe('shortestPeriodMs', () => {
  const from = new Date('2026-01-05T00:00:00Z');

  it('is the interval of an interval schedule', () => {
    expect(shortestPeriodMs(parseSchedule('45s'), from)).toBe(45_000);
  });

  it('is 15 s for "*/15 * * * * *"', () => {
    expect(shortestPeriodMs(parseSchedule('*/15 * * * * *'), from)).toBe(15_000);
  });

  it('is 30 min for "*/30 * * * *"', () => {
    expect(shortestPeriodMs(parseSchedule('*/30 * * * *'), from)).toBe(1_800_000);
  });

  it('finds the shortest gap of an irregular schedule', () => {
    // Minutes 0 and 10 of every hour: gaps of 10 and 50 minutes.
    expect(shortestPeriodMs(parseSchedule('0,10 * * * *'), from)).toBe(600_000);
  });
});

describe('describeSchedule', () => {
  it('describes intervals and cron expressions', () => {
    expect(describeSchedule(parseSchedule('90s'))).toBe('every 1m30s');
    expect(describeSchedule(parseSchedule('0 3 * * *', 'UTC'))).toBe('cron "0 3 * * *" (UTC)');
  });
});

describe('Scheduler', () => {
  const T0 = Date.parse('2026-01-05T00:00:00.000Z');

  beforeEach(() => {
    vi.useFakeTimers({ now: T0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const every = (ms: number): ScheduleSpec => ({ kind: 'interval', everyMs: ms, text: `${ms}ms` });

  /** A task that records when each run started (ms since T0) and finishes at once. */
  function recorder(spec: ScheduleSpec, jitterMs = 0) {
    const starts: number[] = [];
    const task: ScheduledTask = {
      id: 't',
      spec,
      jitterMs,
      run: async () => {
        starts.push(Date.now() - T0);
      },
    };
    return { task, starts };
  }

  it('runs an interval task at start and then once every period', async () => {
    const { task, starts } = recorder(every(30_000));
    const s = new Scheduler({ random: () => 0 });
    s.add(task);
    s.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(starts).toEqual([0]);
    await vi.advanceTimersByTimeAsync(29_999);
    expect(starts).toEqual([0]);
    await vi.advanceTimersByTimeAsync(1);
    expect(starts).toEqual([0, 30_000]);
    await vi.advanceTimersByTimeAsync(65_000);
    expect(starts).toEqual([0, 30_000, 60_000, 90_000]);
    await s.stop();
  });

  it('does not run at start when runAtStart is false', async () => {
    const { task, starts } = recorder(every(10_000));
    const s = new Scheduler({ runAtStart: false });
    s.add(task);
    s.start();
    await vi.advanceTimersByTimeAsync(25_000);
    expect(starts).toEqual([10_000, 20_000]);
    await s.stop();
  });

  it('lets a task override runAtStart, either way', async () => {
    const waits = recorder(every(10_000));
    const eager = recorder(every(10_000));
    const s = new Scheduler({ random: () => 0 });
    s.add({ ...waits.task, id: 'waits', runAtStart: false });
    s.add({ ...eager.task, id: 'eager' });
    s.start();
    await vi.advanceTimersByTimeAsync(15_000);
    expect(waits.starts).toEqual([10_000]);
    expect(eager.starts).toEqual([0, 10_000]);
    await s.stop();
  });

  it('delays each firing by a jitter in [0, jitter) drawn from the injected random', async () => {
    const draws = [0, 0.5, 0.999999];
    const { task, starts } = recorder(every(30_000), 10_000);
    const s = new Scheduler({ random: () => draws.shift() ?? 0 });
    s.add(task);
    s.start();
    await vi.advanceTimersByTimeAsync(95_000);
    // Fixed rate: the jitter does not shift later firings.
    expect(starts).toEqual([0, 30_000 + 5_000, 60_000 + 9_999, 90_000]);
    await s.stop();
  });

  it('leaves no listeners behind on the stop signal after jittered runs', async () => {
    let signal: AbortSignal | undefined;
    const s = new Scheduler({ random: () => 0.5 });
    s.add({
      id: 'j',
      spec: every(1_000),
      jitterMs: 500,
      run: async (sig) => {
        signal = sig;
      },
    });
    s.start();
    // 51 firings, each with a 250 ms jitter sleep; at 50.6 s none is pending.
    await vi.advanceTimersByTimeAsync(50_600);
    expect(signal).toBeDefined();
    expect(getEventListeners(signal!, 'abort')).toHaveLength(0);
    await s.stop();
  });

  it('never overlaps a run with itself: a firing during a long run is skipped and reported', async () => {
    const starts: number[] = [];
    const skipped: string[] = [];
    const s = new Scheduler({ onSkip: (id) => skipped.push(id) });
    s.add({
      id: 'slow',
      spec: every(30_000),
      jitterMs: 0,
      run: async () => {
        starts.push(Date.now() - T0);
        // Takes 70 s: longer than two periods.
        if (starts.length === 1) await new Promise((resolve) => setTimeout(resolve, 70_000));
      },
    });
    s.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(s.isRunning('slow')).toBe(true);
    await vi.advanceTimersByTimeAsync(65_000);
    expect(starts).toEqual([0]);
    expect(skipped).toEqual(['slow', 'slow']);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(s.isRunning('slow')).toBe(false);
    await vi.advanceTimersByTimeAsync(15_000);
    expect(starts).toEqual([0, 90_000]);
    expect(skipped).toHaveLength(2);
    await s.stop();
  });

  it('reports a run that throws through onError and keeps firing', async () => {
    const errors: unknown[] = [];
    let n = 0;
    const s = new Scheduler({ onError: (id, err) => errors.push([id, (err as Error).message]) });
    s.add({
      id: 'boom',
      spec: every(10_000),
      jitterMs: 0,
      run: async () => {
        n++;
        throw new Error(`run ${n} failed`);
      },
    });
    s.start();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(errors).toEqual([
      ['boom', 'run 1 failed'],
      ['boom', 'run 2 failed'],
    ]);
    await s.stop();
  });

  it('fires a cron task at its times', async () => {
    const { task, starts } = recorder(parseSchedule('*/15 * * * * *'));
    const s = new Scheduler({ runAtStart: false });
    s.add(task);
    s.start();
    await vi.advanceTimersByTimeAsync(14_000);
    expect(starts).toEqual([]);
    await vi.advanceTimersByTimeAsync(47_000);
    expect(starts).toEqual([15_000, 30_000, 45_000, 60_000]);
    await s.stop();
  });

  it('runs a cron task at start too, then at its times', async () => {
    const { task, starts } = recorder(parseSchedule('*/20 * * * * *'));
    const s = new Scheduler();
    s.add(task);
    s.start();
    await vi.advanceTimersByTimeAsync(41_000);
    expect(starts).toEqual([0, 20_000, 40_000]);
    await s.stop();
  });

  it('refuses new tasks once started', () => {
    const s = new Scheduler();
    s.start();
    expect(() => s.add(recorder(every(1_000)).task)).toThrow('before start()');
  });

  describe('stop()', () => {
    it('aborts the signal given to running tasks and waits for them to finish', async () => {
      let seen: AbortSignal | undefined;
      let finished = false;
      const s = new Scheduler();
      s.add({
        id: 'polite',
        spec: every(60_000),
        jitterMs: 0,
        run: (signal) => {
          seen = signal;
          return new Promise<void>((resolve) => {
            // Takes 2 s to wind down after the abort.
            signal.addEventListener('abort', () => setTimeout(() => ((finished = true), resolve()), 2_000));
          });
        },
      });
      s.start();
      await vi.advanceTimersByTimeAsync(0);
      expect(seen?.aborted).toBe(false);

      let stopped = false;
      const stopping = s.stop(10_000).then(() => (stopped = true));
      expect(seen?.aborted).toBe(true);
      await vi.advanceTimersByTimeAsync(1_999);
      expect(stopped).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      await stopping;
      expect(finished).toBe(true);
      expect(s.isRunning('polite')).toBe(false);
    });

    it('prevents further firings of interval and cron tasks', async () => {
      const a = recorder(every(10_000));
      const b = recorder(parseSchedule('*/5 * * * * *'));
      b.task.id = 'b';
      const s = new Scheduler({ runAtStart: false });
      s.add(a.task);
      s.add(b.task);
      s.start();
      await vi.advanceTimersByTimeAsync(10_000);
      expect(a.starts).toEqual([10_000]);
      expect(b.starts).toEqual([5_000, 10_000]);
      await s.stop();
      await vi.advanceTimersByTimeAsync(120_000);
      expect(a.starts).toEqual([10_000]);
      expect(b.starts).toEqual([5_000, 10_000]);
      expect(vi.getTimerCount()).toBe(0);
    });

    it('waits for a task that ignores the abort only up to the grace period', async () => {
      const s = new Scheduler();
      s.add({ id: 'stubborn', spec: every(60_000), jitterMs: 0, run: () => new Promise<void>(() => {}) });
      s.start();
      await vi.advanceTimersByTimeAsync(0);
      expect(s.isRunning('stubborn')).toBe(true);

      let stopped = false;
      const stopping = s.stop(3_000).then(() => (stopped = true));
      await vi.advanceTimersByTimeAsync(2_999);
      expect(stopped).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      await stopping;
      expect(stopped).toBe(true);
    });

    it('returns at once when nothing is running', async () => {
      const s = new Scheduler({ runAtStart: false });
      s.add(recorder(every(60_000)).task);
      s.start();
      let stopped = false;
      const stopping = s.stop(5_000).then(() => (stopped = true));
      await vi.advanceTimersByTimeAsync(0);
      expect(stopped).toBe(true);
      await stopping;
    });

    it('cancels a firing still waiting out its jitter without waiting for the grace period', async () => {
      const { task, starts } = recorder(every(60_000), 20_000);
      const s = new Scheduler({ random: () => 0.9 });
      s.add(task);
      s.start();
      await vi.advanceTimersByTimeAsync(1_000);
      expect(s.isRunning('t')).toBe(true);

      let stopped = false;
      const stopping = s.stop(5_000).then(() => (stopped = true));
      await vi.advanceTimersByTimeAsync(0);
      expect(stopped).toBe(true);
      await stopping;
      expect(s.isRunning('t')).toBe(false);
      await vi.advanceTimersByTimeAsync(60_000);
      expect(starts).toEqual([]);
    });
  });
});

describe('schedules and time zones', () => {
  it('reads a cron schedule in its own time zone: a daily run is 23 h apart when the clocks go forward', () => {
    // 01:30 in Berlin: on 29 March 2026 the clocks go from 02:00 to 03:00 there.
    const from = new Date('2026-03-20T00:00:00Z');
    expect(shortestPeriodMs(parseSchedule('30 1 * * *', 'Europe/Berlin'), from)).toBe(23 * 3_600_000);
    expect(shortestPeriodMs(parseSchedule('30 1 * * *', 'UTC'), from)).toBe(24 * 3_600_000);
  });

  it('accepts an interval of exactly the longest allowed, 366 days', () => {
    expect(parseSchedule('366d')).toEqual({ kind: 'interval', everyMs: 366 * 86_400_000, text: '366d' });
  });

  it('describes a cron schedule without a time zone', () => {
    expect(describeSchedule(parseSchedule('0 3 * * *'))).toBe('cron "0 3 * * *"');
  });
});

describe('Scheduler housekeeping', () => {
  const T0 = Date.parse('2026-01-05T00:00:00.000Z');
  beforeEach(() => {
    vi.useFakeTimers({ now: T0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  const every = (ms: number): ScheduleSpec => ({ kind: 'interval', everyMs: ms, text: `${ms}ms` });

  it('fires a cron task at its times in its own time zone', async () => {
    // 01:00 in Kolkata (UTC+5:30) is 19:30 UTC the day before.
    const starts: number[] = [];
    const s = new Scheduler({ runAtStart: false });
    s.add({ id: 'tz', spec: parseSchedule('0 1 * * *', 'Asia/Kolkata'), jitterMs: 0, run: async () => void starts.push(Date.now()) });
    s.start();
    await vi.advanceTimersByTimeAsync(24 * 3_600_000);
    expect(starts.map((t) => new Date(t).toISOString())).toEqual(['2026-01-05T19:30:00.000Z']);
    await s.stop();
  });

  it('starts only once, however often start() is called', async () => {
    const starts: number[] = [];
    const s = new Scheduler();
    s.add({ id: 't', spec: every(10_000), jitterMs: 0, run: async () => void starts.push(Date.now() - T0) });
    s.start();
    s.start();
    await vi.advanceTimersByTimeAsync(25_000);
    expect(starts).toEqual([0, 10_000, 20_000]);
    await s.stop();
  });

  it('keeps no timer it no longer needs: none piles up over many firings, none is left after stop()', async () => {
    let release!: () => void;
    const s = new Scheduler({ random: () => 0.5 });
    s.add({ id: 't', spec: every(1_000), jitterMs: 100, run: async () => {} });
    s.add({
      id: 'slow',
      spec: every(60_000),
      jitterMs: 0,
      run: () => new Promise<void>((resolve) => (release = resolve)),
    });
    s.start();
    await vi.advanceTimersByTimeAsync(30_000);
    // The two interval timers (and t's jitter sleep, when one is waiting).
    expect((s as unknown as { timers: Set<unknown> }).timers.size).toBeLessThanOrEqual(3);
    const stopping = s.stop(5_000);
    release();
    await stopping;
    expect(vi.getTimerCount()).toBe(0);
  });

  it('skips an overlapping firing quietly when nobody listens for skips, and goes on', async () => {
    const starts: number[] = [];
    const s = new Scheduler();
    s.add({
      id: 'slow',
      spec: every(10_000),
      jitterMs: 0,
      run: async () => {
        starts.push(Date.now() - T0);
        if (starts.length === 1) await new Promise((resolve) => setTimeout(resolve, 15_000));
      },
    });
    s.start();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(starts).toEqual([0, 20_000]);
    await s.stop();
  });

  it('swallows a failing run when nobody listens for errors, and goes on', async () => {
    let n = 0;
    const s = new Scheduler();
    s.add({
      id: 'boom',
      spec: every(10_000),
      jitterMs: 0,
      run: async () => {
        n++;
        throw new Error('boom');
      },
    });
    s.start();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(n).toBe(3);
    await s.stop();
  });

  it('draws no jitter for a task without one', async () => {
    const random = vi.fn(() => 0.5);
    const s = new Scheduler({ random });
    s.add({ id: 't', spec: every(10_000), jitterMs: 0, run: async () => {} });
    s.start();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(random).not.toHaveBeenCalled();
    await s.stop();
  });
});

describe('Scheduler.retry', () => {
  const T0 = Date.parse('2026-01-05T00:00:00.000Z');
  beforeEach(() => {
    vi.useFakeTimers({ now: T0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  const every = (ms: number): ScheduleSpec => ({ kind: 'interval', everyMs: ms, text: `${ms}ms` });

  it('runs a task once more after the delay, without jitter, and keeps its schedule', async () => {
    const starts: number[] = [];
    const s = new Scheduler({ random: () => 0.9 });
    s.add({ id: 't', spec: every(30_000), jitterMs: 0, run: async () => void starts.push(Date.now() - T0) });
    s.start();
    await vi.advanceTimersByTimeAsync(0);
    s.retry('t', 2_000);
    expect(s.hasRetry('t')).toBe(true);
    await vi.advanceTimersByTimeAsync(1_999);
    expect(starts).toEqual([0]);
    await vi.advanceTimersByTimeAsync(1);
    expect(starts).toEqual([0, 2_000]);
    expect(s.hasRetry('t')).toBe(false);
    // The schedule is not moved by the retry.
    await vi.advanceTimersByTimeAsync(28_000);
    expect(starts).toEqual([0, 2_000, 30_000]);
    await s.stop();
  });

  it('a later retry replaces one still waiting: one extra run, at the later time', async () => {
    const starts: number[] = [];
    const s = new Scheduler({ runAtStart: false });
    s.add({ id: 't', spec: every(60_000), jitterMs: 0, run: async () => void starts.push(Date.now() - T0) });
    s.start();
    s.retry('t', 5_000);
    await vi.advanceTimersByTimeAsync(1_000);
    s.retry('t', 1_000);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(starts).toEqual([2_000]);
    await s.stop();
  });

  it('drops a retry that comes while the task runs, and a regular firing meeting a retry run is not reported as skipped', async () => {
    const starts: number[] = [];
    const skipped: string[] = [];
    const s = new Scheduler({ runAtStart: false, onSkip: (id) => skipped.push(id) });
    s.add({
      id: 't',
      spec: every(10_000),
      jitterMs: 0,
      run: async () => {
        starts.push(Date.now() - T0);
        await new Promise((r) => setTimeout(r, 3_000));
      },
    });
    s.start();
    s.retry('t', 8_000); // runs 8-11 s: the regular firing at 10 s meets it
    await vi.advanceTimersByTimeAsync(10_500);
    s.retry('t', 100); // comes at 10.6 s, while the retry run still goes
    await vi.advanceTimersByTimeAsync(9_499);
    expect(starts).toEqual([8_000]);
    expect(skipped).toEqual([]);
    // The schedule goes on as before.
    await vi.advanceTimersByTimeAsync(1);
    expect(starts).toEqual([8_000, 20_000]);
    await vi.advanceTimersByTimeAsync(3_000);
    await s.stop();
  });

  it('stop() drops a retry still waiting, and a retry asked for after stop() never runs', async () => {
    const starts: number[] = [];
    const s = new Scheduler({ runAtStart: false });
    s.add({ id: 't', spec: every(60_000), jitterMs: 0, run: async () => void starts.push(Date.now() - T0) });
    s.start();
    s.retry('t', 1_000);
    await s.stop();
    s.retry('t', 1_000);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(starts).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('ignores a retry for a task it does not know', async () => {
    const s = new Scheduler({ runAtStart: false });
    s.add({ id: 't', spec: every(60_000), jitterMs: 0, run: async () => {} });
    s.start();
    s.retry('other', 1_000);
    expect(s.hasRetry('other')).toBe(false);
    await s.stop();
  });
});
