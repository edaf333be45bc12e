import { randomUUID } from 'node:crypto';
import { PermanentError, TransientError } from '../contracts.ts';
import type { AlertBatch, Logger, Notifier } from '../contracts.ts';
import type { PersistentSections } from '../state/types.ts';
import { attemptTimeoutFor, raceAbort, timeoutController } from './abort.ts';
import { retryDelay } from './backoff.ts';
import { timerDelay } from '../util/timers.ts';
import type { AlertingConfig } from './config.ts';
import { OUTBOX_SECTION } from './types.ts';
import type { OutboxEntry, OutboxSection } from './types.ts';

export interface OutboxDeps {
  sections: PersistentSections;
  notifiers: ReadonlyMap<string, Notifier>;
  /** Notifier that gets a batch whose delivery failed for good elsewhere. */
  fallback?: string;
  delivery: AlertingConfig['delivery'];
  now(): number;
  log: Logger;
  redact(text: string): string;
  /** For the backoff jitter; Math.random unless a test pins it. */
  random?: () => number;
}

export interface NotifierDeliveryState {
  name: string;
  pending: number;
  failed: number;
  sent: number;
  inFlight: boolean;
  lastError?: string;
  lastErrorAt?: number;
  lastSentAt?: number;
}

export interface OutboxSnapshot {
  notifiers: NotifierDeliveryState[];
  entries: Array<Omit<OutboxEntry, 'batch'> & { batchId: string; alerts: number }>;
}

interface Worker {
  timer?: NodeJS.Timeout;
  inFlight?: { controller: AbortController; done: Promise<void> };
  /** When this notifier last logged "will retry" as a warning. */
  lastRetryWarnAt?: number;
  /** Retries logged at debug level since then. */
  quietRetries?: number;
}

const MAX_ERROR_CHARS = 500;
/**
 * A notifier's "will retry" warnings are at most one per this interval (the first failure of each entry
 * always warns); the rest go to debug. With the default backoff (delays up to 5 min) nearly every retry
 * still warns; this bounds the log only when retryBackoffMax is set low.
 */
export const RETRY_WARN_INTERVAL_MS = 60_000;

/**
 * Durable delivery. A batch is written to the state file (and flushed) before the first attempt, so
 * an agent that dies mid-send delivers it after the restart. Delivery is at-least-once: a crash after
 * a notifier accepted a batch but before "sent" reached the disk sends that batch again after the
 * restart; the flush follows the send immediately to keep that window small, and the batch id goes
 * along as an idempotency key for receivers that can use it.
 *
 * Per notifier one attempt is in flight at a time and entries go out in the order they were made, so a
 * resolved notice never overtakes its failing alert.
 */
export class Outbox {
  private readonly deps: OutboxDeps;
  private readonly workers = new Map<string, Worker>();
  private idleWaiters: Array<() => void> = [];
  private stopped = false;

  constructor(deps: OutboxDeps) {
    this.deps = deps;
  }

  private get section(): OutboxSection {
    return this.deps.sections.section<OutboxSection>(OUTBOX_SECTION, () => ({ version: 1, entries: [] }));
  }

  /** Resumes what a previous run left pending. */
  start(): void {
    this.stopped = false;
    for (const name of new Set(this.section.entries.filter((e) => e.status === 'pending').map((e) => e.notifier))) {
      this.kick(name);
    }
  }

  /** Persists the batches as pending entries, flushes the state, then starts delivering them. */
  async enqueue(items: ReadonlyArray<{ notifier: string; batch: AlertBatch }>): Promise<void> {
    if (items.length === 0) return;
    const now = this.deps.now();
    for (const { notifier, batch } of items) this.section.entries.push(this.newEntry(notifier, batch, now));
    await this.persist();
    for (const name of new Set(items.map((i) => i.notifier))) this.kick(name);
  }

  /** Aborts attempts in flight (their entries stay pending), cancels retries and persists. */
  async stop(): Promise<void> {
    this.stopped = true;
    // Stryker disable next-line ArrayDeclaration: allSettled() of a non-promise settles at once, like the empty list
    const inFlight: Promise<void>[] = [];
    for (const worker of this.workers.values()) {
      clearTimeout(worker.timer);
      worker.timer = undefined;
      if (worker.inFlight) {
        worker.inFlight.controller.abort(new Error('clawmedic is stopping'));
        inFlight.push(worker.inFlight.done);
      }
    }
    // The attempts end at once: they race the aborted signal, whatever the notifier does with it.
    await Promise.allSettled(inFlight);
    this.wakeIdle();
    await this.persist();
  }

  /** Resolves true once nothing is pending, or false after timeoutMs (for a graceful shutdown). */
  drain(timeoutMs: number): Promise<boolean> {
    if (!this.hasPending()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== onIdle);
        resolve(false);
      }, timeoutMs);
      // Stryker disable next-line OptionalChaining: Node's and the fake clock's timers both have unref()
      timer.unref?.();
      const onIdle = (): void => {
        clearTimeout(timer);
        resolve(!this.hasPending());
      };
      this.idleWaiters.push(onIdle);
    });
  }

  entries(): readonly OutboxEntry[] {
    return this.section.entries;
  }

  snapshot(): OutboxSnapshot {
    const byName = new Map<string, NotifierDeliveryState>();
    const stateOf = (name: string): NotifierDeliveryState => {
      let s = byName.get(name);
      if (!s) {
        s = { name, pending: 0, failed: 0, sent: 0, inFlight: Boolean(this.workers.get(name)?.inFlight) };
        byName.set(name, s);
      }
      return s;
    };
    for (const name of this.deps.notifiers.keys()) stateOf(name);
    for (const e of this.section.entries) {
      const s = stateOf(e.notifier);
      s[e.status] += 1;
      if (
        e.lastError !== undefined &&
        // Stryker disable next-line ConditionalExpression: when it is undefined, the comparison below is false as well
        e.lastAttemptAt !== undefined &&
        (s.lastErrorAt ?? -1) <= e.lastAttemptAt
      ) {
        s.lastError = e.lastError;
        s.lastErrorAt = e.lastAttemptAt;
      }
      if (e.status === 'sent' && e.finishedAt !== undefined) s.lastSentAt = Math.max(s.lastSentAt ?? 0, e.finishedAt);
    }
    return {
      notifiers: [...byName.values()],
      entries: this.section.entries.map(({ batch, ...rest }) => ({ ...rest, batchId: batch.id, alerts: batch.alerts.length })),
    };
  }

  private newEntry(notifier: string, batch: AlertBatch, now: number): OutboxEntry {
    return {
      id: randomUUID(),
      notifier,
      batch,
      status: 'pending',
      createdAt: now,
      nextAttemptAt: now,
      deadlineAt: now + this.deps.delivery.deadlineMs,
      attempts: 0,
    };
  }

  private worker(name: string): Worker {
    let w = this.workers.get(name);
    if (!w) {
      w = {};
      this.workers.set(name, w);
    }
    return w;
  }

  private kick(name: string): void {
    if (this.stopped) return;
    const worker = this.worker(name);
    if (worker.inFlight) return; // the attempt kicks again when it ends
    clearTimeout(worker.timer);
    worker.timer = undefined;
    const entry = this.section.entries.find((e) => e.notifier === name && e.status === 'pending');
    if (!entry) {
      if (!this.hasPending()) this.wakeIdle();
      return;
    }
    const wait = entry.nextAttemptAt - this.deps.now();
    if (wait > 0) {
      // kick() re-checks the entry when it fires, so a wait longer than a timer can hold is simply clamped.
      worker.timer = setTimeout(() => {
        worker.timer = undefined;
        this.kick(name);
      }, timerDelay(wait));
      // Stryker disable next-line OptionalChaining: Node's and the fake clock's timers both have unref()
      worker.timer.unref?.();
      return;
    }
    const notifier = this.deps.notifiers.get(name);
    const attempt = timeoutController(notifier ? attemptTimeoutFor(notifier, this.deps.delivery.attemptTimeoutMs) : this.deps.delivery.attemptTimeoutMs);
    const done = this.attempt(entry, attempt.controller, attempt.timeout)
      .catch((err: unknown) => {
        this.deps.log.error({ err: this.describe(err), notifier: name }, 'outbox: delivery bookkeeping failed');
        // The entry may still be due: without a wait here, a fault in the bookkeeping would send it
        // again at once, in a tight loop.
        entry.nextAttemptAt = this.deps.now() + this.deps.delivery.maxBackoffMs;
      })
      .finally(() => {
        attempt.clear();
        worker.inFlight = undefined;
        this.kick(name);
      });
    worker.inFlight = { controller: attempt.controller, done };
  }

  private async attempt(entry: OutboxEntry, controller: AbortController, timeout: Error): Promise<void> {
    const { delivery, log } = this.deps;
    const notifier = this.deps.notifiers.get(entry.notifier);
    if (!notifier) {
      entry.lastError = `notifier "${entry.notifier}" is not configured`;
      await this.fail(entry);
      return;
    }
    const startedAt = this.deps.now();
    try {
      await raceAbort(notifier.send(entry.batch, controller.signal), controller.signal);
    } catch (err) {
      if (this.stopped) return; // aborted by stop(): the entry stays pending for the next run
      const failure = controller.signal.reason === timeout ? timeout : err;
      entry.attempts += 1;
      entry.lastAttemptAt = startedAt;
      entry.lastError = this.errorText(failure);
      if (isPermanent(failure)) {
        await this.fail(entry);
        return;
      }
      const now = this.deps.now();
      if (now >= entry.deadlineAt) {
        entry.lastError = `gave up after ${entry.attempts} attempts: ${entry.lastError}`.slice(0, MAX_ERROR_CHARS);
        await this.fail(entry);
        return;
      }
      // Anything that is not a PermanentError is worth retrying: an unexpected error is more often a
      // network hiccup than a broken configuration. The delay never drops below minRetryDelayMs, so a
      // receiver answering `Retry-After: 0` cannot turn this into a tight loop.
      const delay = retryDelay(entry.attempts, retryAfterOf(failure), delivery, this.deps.random);
      // The last attempt happens at the deadline itself rather than never.
      entry.nextAttemptAt = Math.min(now + delay, entry.deadlineAt);
      this.logRetry(entry, now);
      this.deps.sections.markDirty();
      return;
    }
    entry.attempts += 1;
    entry.lastAttemptAt = startedAt;
    entry.status = 'sent';
    entry.finishedAt = this.deps.now();
    this.prune();
    // Right after the send: the window in which a crash would send this batch twice.
    await this.persist();
    log.info({ notifier: entry.notifier, batch: entry.batch.id, alerts: entry.batch.alerts.length }, 'alert batch delivered');
  }

  private logRetry(entry: OutboxEntry, now: number): void {
    const worker = this.worker(entry.notifier);
    const fields = { notifier: entry.notifier, batch: entry.batch.id, attempts: entry.attempts, retryInMs: entry.nextAttemptAt - now, error: entry.lastError };
    if (
      entry.attempts > 1 &&
      // Stryker disable next-line ConditionalExpression: when it is undefined, the difference below is NaN, never below the interval
      worker.lastRetryWarnAt !== undefined &&
      now - worker.lastRetryWarnAt < RETRY_WARN_INTERVAL_MS
    ) {
      worker.quietRetries = (worker.quietRetries ?? 0) + 1;
      this.deps.log.debug(fields, 'alert delivery failed; will retry');
      return;
    }
    const quiet = worker.quietRetries ?? 0;
    worker.lastRetryWarnAt = now;
    worker.quietRetries = 0;
    this.deps.log.warn(quiet > 0 ? { ...fields, notLoggedSince: quiet } : fields, 'alert delivery failed; will retry');
  }

  private async fail(entry: OutboxEntry): Promise<void> {
    const { fallback, log } = this.deps;
    entry.status = 'failed';
    entry.finishedAt = this.deps.now();
    log.error({ notifier: entry.notifier, batch: entry.batch.id, attempts: entry.attempts, error: entry.lastError }, 'alert delivery failed for good');
    // A fallback's own failure goes nowhere else: one hop, no loops.
    if (fallback && fallback !== entry.notifier && entry.fallbackOf === undefined && this.deps.notifiers.has(fallback)) {
      const copy = this.newEntry(fallback, entry.batch, this.deps.now());
      copy.fallbackOf = entry.id;
      entry.fallbackEntry = copy.id;
      this.section.entries.push(copy);
      log.warn({ from: entry.notifier, to: fallback, batch: entry.batch.id }, 'alert batch handed to the fallback notifier');
    }
    this.prune();
    await this.persist();
    if (entry.fallbackEntry) this.kick(fallback!);
  }

  /** Keeps finished entries within the count and age bounds; pending ones are never dropped. */
  private prune(): void {
    const { retainCount, retainMs } = this.deps.delivery;
    const section = this.section;
    const oldest = this.deps.now() - retainMs;
    const finished = section.entries.filter((e) => e.status !== 'pending');
    const keep = new Set(
      finished
        .filter((e) => (e.finishedAt ?? e.createdAt) >= oldest)
        .sort((a, b) => (b.finishedAt ?? b.createdAt) - (a.finishedAt ?? a.createdAt))
        .slice(0, retainCount),
    );
    if (keep.size === finished.length) return;
    section.entries = section.entries.filter((e) => e.status === 'pending' || keep.has(e));
  }

  private async persist(): Promise<void> {
    this.deps.sections.markDirty();
    try {
      await this.deps.sections.flush();
    } catch (err) {
      // Not a reason to hold an alert back: it goes out, it just would not survive a crash. The store
      // reports the failed write once as a fault; here it is only detail.
      this.deps.log.debug({ err: this.describe(err) }, 'outbox: cannot write the state file');
    }
  }

  private hasPending(): boolean {
    return this.section.entries.some((e) => e.status === 'pending');
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private errorText(err: unknown): string {
    return this.deps.redact(this.describe(err)).slice(0, MAX_ERROR_CHARS);
  }

  private describe(err: unknown): string {
    if (err instanceof Error) return err.message || err.name;
    try {
      return String(err);
    } catch {
      // An object without a prototype (or with a throwing toString) cannot become a string.
      return Object.prototype.toString.call(err);
    }
  }
}

/** A receiver's Retry-After, as the notifier read it; retryDelay ignores one that is negative or not finite. */
function retryAfterOf(err: unknown): number | undefined {
  return err instanceof TransientError ? err.retryAfterMs : undefined;
}

function isPermanent(err: unknown): boolean {
  // By name too: a notifier bundled with its own copy of contracts.ts still classifies correctly.
  return err instanceof PermanentError || (err instanceof Error && err.name === 'PermanentError');
}
