import { Cron } from 'croner';
import { formatDuration, parseDuration } from './util/duration.ts';
import { longTimeout, type LongTimer } from './util/timers.ts';

export type ScheduleSpec =
  | { kind: 'interval'; everyMs: number; text: string }
  | { kind: 'cron'; expr: string; timezone?: string; text: string };

/** The longest fixed interval a schedule may have. */
export const MAX_INTERVAL_MS = 366 * 86_400_000;

/** A duration ("30s") is a fixed interval; anything else must be a cron expression (5 or 6 fields). */
export function parseSchedule(text: string, timezone?: string): ScheduleSpec {
  // Stryker disable next-line ConditionalExpression: Intl.DateTimeFormat accepts an undefined timeZone
  if (timezone) {
    // croner only fails on a bad zone when it computes a run, i.e. later, in shortestPeriodMs or the scheduler.
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    } catch {
      throw new Error(`unknown time zone "${timezone}" (use an IANA name such as "Europe/Berlin" or "UTC")`);
    }
  }
  const everyMs = parseDuration(text);
  if (everyMs !== undefined) {
    if (everyMs < 1_000) throw new Error(`interval "${text}" is shorter than 1s`);
    if (everyMs > MAX_INTERVAL_MS) throw new Error(`interval "${text}" is longer than ${formatDuration(MAX_INTERVAL_MS)}; use a cron expression for rarer runs`);
    return { kind: 'interval', everyMs, text };
  }
  try {
    // Only to validate: a paused job starts no timer.
    // Stryker disable next-line BooleanLiteral,ObjectLiteral: a job without a function schedules nothing, and the zone was checked above
    new Cron(text, { paused: true, ...(timezone ? { timezone } : {}) }).stop();
  } catch (err) {
    throw new Error(`"${text}" is neither a duration ("30s", "5m") nor a valid cron expression: ${(err as Error).message}`);
  }
  return { kind: 'cron', expr: text, text, ...(timezone ? { timezone } : {}) };
}

/** The shortest gap between two runs, used to insist that a check's timeout is shorter than its period. */
export function shortestPeriodMs(spec: ScheduleSpec, from = new Date()): number {
  if (spec.kind === 'interval') return spec.everyMs;
  // Stryker disable next-line BooleanLiteral: a job without a function schedules nothing, paused or not
  const job = new Cron(spec.expr, { paused: true, ...(spec.timezone ? { timezone: spec.timezone } : {}) });
  const runs = job.nextRuns(20, from);
  // Stryker disable next-line CallExpression: a job without a function holds no timer to stop
  job.stop();
  let min = Number.POSITIVE_INFINITY;
  for (let i = 1; i < runs.length; i++) min = Math.min(min, runs[i]!.getTime() - runs[i - 1]!.getTime());
  return min;
}

export function describeSchedule(spec: ScheduleSpec): string {
  return spec.kind === 'interval' ? `every ${formatDuration(spec.everyMs)}` : `cron "${spec.expr}"${spec.timezone ? ` (${spec.timezone})` : ''}`;
}

export interface ScheduledTask {
  id: string;
  spec: ScheduleSpec;
  jitterMs: number;
  /** Overrides the scheduler's runAtStart for this task. */
  runAtStart?: boolean;
  /** Runs once per firing; the signal aborts when the scheduler stops. */
  run(signal: AbortSignal): Promise<void>;
}

export interface SchedulerOptions {
  random?: () => number;
  /** Run every task once shortly after start (jittered), not only at its first scheduled time. */
  runAtStart?: boolean;
  onSkip?: (id: string) => void;
  onError?: (id: string, err: unknown) => void;
}

/**
 * Fires each task on its own schedule with jitter, never overlapping a task with itself: a firing that
 * comes while the previous run is still going is skipped, not queued.
 */
export class Scheduler {
  private readonly tasks: ScheduledTask[] = [];
  private readonly running = new Map<string, Promise<void>>();
  /** Tasks whose current run is an extra one (runNow, retry): a regular firing meeting it is expected, not a slow run. */
  private readonly extraRuns = new Set<string>();
  /** Tasks asked to run again once their current run ends (runNow with afterCurrent). */
  private readonly reruns = new Set<string>();
  /** One pending retry per task (see retry()). */
  private readonly retries = new Map<string, LongTimer>();
  private readonly timers = new Set<LongTimer>();
  private readonly crons: Cron[] = [];
  private readonly stopController = new AbortController();
  private readonly random: () => number;
  private readonly options: SchedulerOptions;
  private started = false;

  constructor(options: SchedulerOptions = {}) {
    this.options = options;
    this.random = options.random ?? Math.random;
  }

  add(task: ScheduledTask): void {
    if (this.started) throw new Error('add tasks before start()');
    this.tasks.push(task);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    for (const task of this.tasks) {
      if ((task.runAtStart ?? this.options.runAtStart) !== false) this.later(0, () => this.fire(task));
      if (task.spec.kind === 'interval') this.every(task, task.spec.everyMs);
      else {
        // Overlap is prevented in fire(), which returns at once, so croner's own `protect` would not see the run.
        const opts = task.spec.timezone ? { timezone: task.spec.timezone } : {};
        this.crons.push(new Cron(task.spec.expr, opts, () => this.fire(task)));
      }
    }
  }

  /**
   * Runs a task now, without jitter. If it is already running, that run stands for this one, unless
   * `afterCurrent`: then it runs once more when the current run ends, for a caller whose news the current
   * run may have read too early (a fault reported while the self check was listing the faults).
   */
  runNow(id: string, { afterCurrent = false } = {}): void {
    const task = this.tasks.find((t) => t.id === id);
    if (!task || !this.started || this.stopController.signal.aborted) return;
    if (this.running.has(id)) {
      if (afterCurrent) this.reruns.add(id);
      return;
    }
    this.fire(task, { jitter: false, extra: true });
  }

  /**
   * Runs a task once more after delayMs, without jitter, besides its schedule (a result that changed is
   * confirmed or refuted sooner). A later call replaces a retry still waiting; a retry that comes while the
   * task runs is dropped, that run standing for it.
   */
  retry(id: string, delayMs: number): void {
    const task = this.tasks.find((t) => t.id === id);
    if (!task || !this.started || this.stopController.signal.aborted) return;
    const waiting = this.retries.get(id);
    if (waiting) {
      waiting.clear();
      this.timers.delete(waiting);
    }
    const timer = longTimeout(() => {
      this.retries.delete(id);
      this.timers.delete(timer);
      if (!this.running.has(id)) this.fire(task, { jitter: false, extra: true });
    }, delayMs);
    this.retries.set(id, timer);
    this.timers.add(timer);
  }

  /** Whether a retry of the task is waiting (for tests). */
  hasRetry(id: string): boolean {
    return this.retries.has(id);
  }

  /** Whether a task is mid-run (for status and tests). */
  isRunning(id: string): boolean {
    return this.running.has(id);
  }

  /** Stops firing, aborts running tasks and waits for them up to graceMs. */
  async stop(graceMs = 5_000): Promise<void> {
    for (const cron of this.crons) cron.stop();
    for (const t of this.timers) t.clear();
    // Stryker disable next-line CallExpression: the timers are cleared already and a stopped scheduler adds none
    this.timers.clear();
    this.retries.clear();
    this.stopController.abort();
    const pending = [...this.running.values()];
    // Stryker disable next-line ConditionalExpression: a shortcut; racing allSettled([]) ends at once too, and the grace timer is cleared
    if (pending.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled(pending),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
      }),
    ]);
    clearTimeout(timer);
  }

  private every(task: ScheduledTask, everyMs: number): void {
    // The next firing is scheduled when this one fires (not when the run ends), so a slow run does not
    // push the schedule back; the jitter is added per firing.
    this.later(everyMs, () => {
      this.fire(task);
      this.every(task, everyMs);
    });
  }

  private fire(task: ScheduledTask, { jitter: withJitter = true, extra = false } = {}): void {
    // Stryker disable next-line ConditionalExpression: nothing calls fire() after stop(): the crons are stopped, the timers cleared and runNow() checks
    if (this.stopController.signal.aborted) return;
    if (this.running.has(task.id)) {
      if (!this.extraRuns.has(task.id)) this.options.onSkip?.(task.id);
      return;
    }
    if (extra) this.extraRuns.add(task.id);
    else this.extraRuns.delete(task.id);
    const jitter = withJitter && task.jitterMs > 0 ? Math.floor(this.random() * task.jitterMs) : 0;
    const run = (async () => {
      if (jitter > 0) await this.sleep(jitter);
      if (this.stopController.signal.aborted) return;
      await task.run(this.stopController.signal);
    })()
      .catch((err: unknown) => this.options.onError?.(task.id, err))
      .finally(() => {
        this.running.delete(task.id);
        this.extraRuns.delete(task.id);
        if (this.reruns.delete(task.id)) this.fire(task, { jitter: false, extra: true });
      });
    this.running.set(task.id, run);
  }

  /** Resolves after ms, or as soon as the scheduler stops (stop() clears the timer, which would leave it pending). */
  private sleep(ms: number): Promise<void> {
    const signal = this.stopController.signal;
    return new Promise((resolve) => {
      const done = () => {
        signal.removeEventListener('abort', done);
        resolve();
      };
      signal.addEventListener('abort', done);
      this.later(ms, done);
    });
  }

  /** Any delay, however long: an interval of weeks is waited out in steps, never overflowing a timer. */
  private later(ms: number, fn: () => void): void {
    const t = longTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }
}
