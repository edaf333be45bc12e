import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ATTEMPT_TIMEOUT_MARGIN_MS } from '../../src/alerts/abort.ts';
import { fullJitterDelay, retryDelay } from '../../src/alerts/backoff.ts';
import { withAlertingDefaults } from '../../src/alerts/config.ts';
import { Outbox, RETRY_WARN_INTERVAL_MS } from '../../src/alerts/outbox.ts';
import type { OutboxDeps } from '../../src/alerts/outbox.ts';
import type { OutboxSection } from '../../src/alerts/types.ts';
import type { AlertBatch, Logger } from '../../src/contracts.ts';
import { PermanentError, TransientError } from '../../src/contracts.ts';
import { FileSections, MemorySections } from '../fixtures/memory-sections.ts';
import { FakeNotifier, SECRET, fail, makeRouter, redact, silentLog } from '../fixtures/router-harness.ts';

let outboxes: Outbox[] = [];

function makeOutbox(
  notifiers: FakeNotifier[],
  options: { fallback?: string; delivery?: Partial<OutboxDeps['delivery']>; sections?: MemorySections; random?: () => number; log?: Logger } = {},
) {
  const sections = options.sections ?? new MemorySections();
  const deps: OutboxDeps = {
    sections,
    notifiers: new Map(notifiers.map((n) => [n.name, n])),
    delivery: { ...withAlertingDefaults().delivery, ...options.delivery },
    now: () => Date.now(),
    log: options.log ?? silentLog,
    redact,
    random: options.random ?? (() => 1),
  };
  if (options.fallback) deps.fallback = options.fallback;
  const outbox = new Outbox(deps);
  outbox.start();
  outboxes.push(outbox);
  return { outbox, sections };
}

let n = 0;
function batch(): AlertBatch {
  n += 1;
  return {
    id: `batch-${n}`,
    createdAt: new Date().toISOString(),
    host: 'gw-01',
    gateway: '127.0.0.1:18789',
    alerts: [{ fingerprint: 'a:failing', kind: 'failing', checkId: 'a', severity: 'crit', summary: `a is down (${n})`, since: new Date().toISOString() }],
  };
}

function persistedEntries(sections: MemorySections): OutboxSection['entries'] {
  return (JSON.parse(sections.persisted) as { outbox: OutboxSection }).outbox.entries;
}

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2025-06-01T12:00:00Z') });
});
afterEach(async () => {
  for (const o of outboxes) await o.stop();
  outboxes = [];
  vi.useRealTimers();
});

describe('durability', () => {
  it('writes the entry to the state file before the first attempt', async () => {
    const slack = new FakeNotifier('slack');
    const { outbox, sections } = makeOutbox([slack]);
    const seen: string[] = [];
    slack.onSend = (b) => {
      const entry = persistedEntries(sections).find((e) => e.batch.id === b.id);
      seen.push(entry?.status ?? 'missing');
    };
    await outbox.enqueue([{ notifier: 'slack', batch: batch() }]);
    await vi.advanceTimersByTimeAsync(0);
    expect(seen).toEqual(['pending']);
    expect(persistedEntries(sections).map((e) => e.status)).toEqual(['sent']);
  });
});

describe('retries', () => {
  it('delivers exactly once after three transient failures, backing off exponentially', async () => {
    const slack = new FakeNotifier('slack').willDo(
      new TransientError('HTTP 503'),
      new Error('socket hang up'), // anything unexpected counts as transient
      new TransientError('HTTP 502'),
    );
    const { outbox } = makeOutbox([slack]);
    await outbox.enqueue([{ notifier: 'slack', batch: batch() }]);
    // With the jitter at its ceiling: 5 s, 10 s, 20 s.
    await vi.advanceTimersByTimeAsync(34_999);
    expect(slack.attempts).toBe(3);
    expect(slack.sent).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(slack.attempts).toBe(4);
    expect(slack.sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(slack.sent).toHaveLength(1);
    expect(outbox.entries()).toMatchObject([{ status: 'sent', attempts: 4, lastError: 'HTTP 502' }]);
  });

  it('honours retryAfterMs', async () => {
    const slack = new FakeNotifier('slack').willDo(new TransientError('HTTP 429', { retryAfterMs: 120_000 }));
    const { outbox } = makeOutbox([slack]);
    await outbox.enqueue([{ notifier: 'slack', batch: batch() }]);
    await vi.advanceTimersByTimeAsync(119_999);
    expect(slack.sent).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(slack.sent).toHaveLength(1);
  });

  it('uses full jitter under a cap', () => {
    expect([1, 2, 3, 10].map((a) => fullJitterDelay(a, 5_000, 300_000, () => 0.999_999))).toEqual([4_999, 9_999, 19_999, 299_999]);
    expect(fullJitterDelay(4, 5_000, 300_000, () => 0)).toBe(0);
    expect(fullJitterDelay(2, 5_000, 300_000, () => 0.5)).toBe(5_000);
  });

  it('keeps the jitter above its floor', () => {
    expect(fullJitterDelay(4, 5_000, 300_000, () => 0, 1_000)).toBe(1_000);
    expect(fullJitterDelay(1, 5_000, 300_000, () => 0.5, 1_000)).toBe(3_000);
    expect(fullJitterDelay(1, 0, 0, () => 0.5, 1_000)).toBe(1_000);
    const policy = { initialBackoffMs: 5_000, maxBackoffMs: 300_000, minRetryDelayMs: 1_000 };
    for (const r of [0, 0.25, 0.999_999, 1]) {
      for (const attempt of [1, 3, 12]) {
        for (const after of [undefined, 0, -5, 500, 86_400_000]) {
          const d = retryDelay(attempt, after, policy, () => r);
          expect(d).toBeGreaterThanOrEqual(1_000);
          expect(d).toBeLessThanOrEqual(300_000);
        }
      }
    }
  });

  it('never retries sooner than minRetryDelayMs: Retry-After 0 (also what a past date parses to), zero jitter, zero backoff', async () => {
    // The worst case: the receiver says "now" every time and the jitter draws 0.
    const now = new FakeNotifier('now').willDo(...Array.from({ length: 100 }, () => new TransientError('HTTP 503', { retryAfterMs: 0 })));
    const { outbox } = makeOutbox([now], { random: () => 0 });
    await outbox.enqueue([{ notifier: 'now', batch: batch() }]);
    await vi.advanceTimersByTimeAsync(9_999);
    expect(now.attempts).toBe(10); // at 0, 1, 2, ... 9 s
    await vi.advanceTimersByTimeAsync(1);
    expect(now.attempts).toBe(11);

    // A backoff of 0 (the schema refuses it, a hand-made config could not) still waits the floor.
    const zero = new FakeNotifier('zero').willDo(...Array.from({ length: 100 }, () => new TransientError('connect ECONNREFUSED')));
    const second = makeOutbox([zero], { delivery: { initialBackoffMs: 0, maxBackoffMs: 0, minRetryDelayMs: 250 } });
    await second.outbox.enqueue([{ notifier: 'zero', batch: batch() }]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(zero.attempts).toBe(5); // at 0, 250, 500, 750, 1000 ms

    // Even a floor configured to 0 keeps a hard minimum.
    const spin = new FakeNotifier('spin').willDo(...Array.from({ length: 1_000 }, () => new TransientError('HTTP 503', { retryAfterMs: 0 })));
    const third = makeOutbox([spin], { delivery: { initialBackoffMs: 0, maxBackoffMs: 0, minRetryDelayMs: 0 }, random: () => 0 });
    await third.outbox.enqueue([{ notifier: 'spin', batch: batch() }]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(spin.attempts).toBeLessThanOrEqual(101);
  });

  it('treats Retry-After as the earliest retry: it never shortens the backoff, and it is capped at maxBackoffMs', async () => {
    const slack = new FakeNotifier('slack').willDo(
      new TransientError('HTTP 503', { retryAfterMs: 0 }),
      new TransientError('HTTP 503', { retryAfterMs: 0 }),
      new TransientError('HTTP 429', { retryAfterMs: 3_600_000 }),
    );
    const { outbox } = makeOutbox([slack]);
    await outbox.enqueue([{ notifier: 'slack', batch: batch() }]);
    // Retry-After 0 changes nothing: 5 s, then 10 s, as without it.
    await vi.advanceTimersByTimeAsync(14_999);
    expect(slack.attempts).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(slack.attempts).toBe(3);
    // An hour asked for, five minutes (maxBackoffMs) waited.
    await vi.advanceTimersByTimeAsync(299_999);
    expect(slack.sent).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(slack.sent).toHaveLength(1);
    expect(retryDelay(1, 3_600_000, { initialBackoffMs: 5_000, maxBackoffMs: 300_000, minRetryDelayMs: 1_000 }, () => 0)).toBe(300_000);
  });

  it('a receiver failing for 24 h with Retry-After 0 gets a bounded number of attempts and warnings', async () => {
    const warnings: object[] = [];
    const log: Logger = { ...silentLog, warn: (obj) => void warnings.push(obj as object) };
    const down = new FakeNotifier('down').willDo(...Array.from({ length: 5_000 }, () => new TransientError('HTTP 503', { retryAfterMs: 0 })));
    const { outbox } = makeOutbox([down], { random: () => 0.5, log });
    await outbox.enqueue([{ notifier: 'down', batch: batch() }]);
    await vi.advanceTimersByTimeAsync(86_400_000);
    // Default backoff (5 s doubling to 5 min, full jitter at its mean): about one attempt every 150 s.
    expect(down.attempts).toBeGreaterThan(500);
    expect(down.attempts).toBeLessThan(600);
    expect(warnings.length).toBeLessThan(600);
    expect(outbox.entries()[0]).toMatchObject({ status: 'failed' });
  });

  it('logs at most one retry warning a minute per notifier when retries are frequent, the rest at debug', async () => {
    const warnings: Array<Record<string, unknown>> = [];
    let debugs = 0;
    const log: Logger = { ...silentLog, warn: (obj) => void warnings.push(obj as Record<string, unknown>), debug: () => void (debugs += 1) };
    const down = new FakeNotifier('down').willDo(...Array.from({ length: 1_000 }, () => new TransientError('HTTP 503')));
    // retryBackoff = retryBackoffMax = 1s, the fastest the config file allows.
    const { outbox } = makeOutbox([down], { delivery: { initialBackoffMs: 1_000, maxBackoffMs: 1_000 }, log });
    await outbox.enqueue([{ notifier: 'down', batch: batch() }]);
    await vi.advanceTimersByTimeAsync(10 * 60_000 - 1);
    expect(down.attempts).toBe(600);
    expect(warnings).toHaveLength(10); // at 0, 60, 120, ... 540 s
    expect(debugs).toBe(590);
    expect(warnings[1]).toMatchObject({ attempts: 61, notLoggedSince: 59 });
    expect(RETRY_WARN_INTERVAL_MS).toBe(60_000);
  });

  it('aborts an attempt that runs past attemptTimeoutMs and retries it', async () => {
    const slack = new FakeNotifier('slack').willDo('hang');
    const { outbox } = makeOutbox([slack]);
    await outbox.enqueue([{ notifier: 'slack', batch: batch() }]);
    await vi.advanceTimersByTimeAsync(15_000);
    expect(outbox.entries()[0]).toMatchObject({ status: 'pending', attempts: 1, lastError: 'timed out after 15000 ms' });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(slack.sent).toHaveLength(1);
  });

  it("waits for a notifier's own longer timeoutMs instead of cutting it at attemptTimeoutMs (no duplicate)", async () => {
    const mail = new FakeNotifier('mail');
    mail.timeoutMs = 60_000;
    const send = mail.send.bind(mail);
    // A slow SMTP server: the message is accepted after 40 s.
    mail.send = async (b, signal) => {
      await new Promise((resolve) => setTimeout(resolve, 40_000));
      await send(b, signal);
    };
    const { outbox } = makeOutbox([mail]);
    await outbox.enqueue([{ notifier: 'mail', batch: batch() }]);
    await vi.advanceTimersByTimeAsync(40_000);
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(mail.sent).toHaveLength(1);
    expect(outbox.entries()[0]).toMatchObject({ status: 'sent', attempts: 1 });
    expect(outbox.entries()[0]!.lastError).toBeUndefined();
  });

  it('aborts a notifier that ignores its own timeoutMs a margin after it', async () => {
    const mail = new FakeNotifier('mail').willDo('hang');
    mail.timeoutMs = 60_000;
    const { outbox } = makeOutbox([mail]);
    await outbox.enqueue([{ notifier: 'mail', batch: batch() }]);
    await vi.advanceTimersByTimeAsync(60_000 + ATTEMPT_TIMEOUT_MARGIN_MS - 1);
    expect(outbox.entries()[0]).toMatchObject({ attempts: 0 });
    await vi.advanceTimersByTimeAsync(1);
    expect(outbox.entries()[0]).toMatchObject({ status: 'pending', attempts: 1, lastError: `timed out after ${60_000 + ATTEMPT_TIMEOUT_MARGIN_MS} ms` });
  });

  it('keeps one attempt in flight per notifier and delivers entries in order', async () => {
    const slack = new FakeNotifier('slack').willDo(new TransientError('503'));
    const mail = new FakeNotifier('mail');
    const { outbox } = makeOutbox([slack, mail]);
    let inFlight = 0;
    let most = 0;
    const send = slack.send.bind(slack);
    slack.send = async (b, signal) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      try {
        await send(b, signal);
      } finally {
        inFlight -= 1;
      }
    };
    const batches = [batch(), batch(), batch()];
    await outbox.enqueue(batches.map((b) => ({ notifier: 'slack', batch: b })));
    await outbox.enqueue([{ notifier: 'mail', batch: batch() }]);
    await vi.advanceTimersByTimeAsync(0);
    // The head of slack's queue is backing off; mail's queue is not held up by it.
    expect(mail.sent).toHaveLength(1);
    expect(slack.sent).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(slack.sent.map((b) => b.id)).toEqual(batches.map((b) => b.id));
    expect(most).toBe(1);
  });
});

describe('failures and the fallback', () => {
  it('hands a permanently failed batch to the fallback and shows the failure in the snapshot', async () => {
    const slack = new FakeNotifier('slack').willDo(new PermanentError('HTTP 404: no_service'));
    const mail = new FakeNotifier('mail');
    const { outbox } = makeOutbox([slack, mail], { fallback: 'mail' });
    const b = batch();
    await outbox.enqueue([{ notifier: 'slack', batch: b }]);
    await vi.advanceTimersByTimeAsync(0);

    expect(slack.attempts).toBe(1);
    expect(mail.sent.map((x) => x.id)).toEqual([b.id]);
    const snap = outbox.snapshot();
    expect(snap.notifiers.find((s) => s.name === 'slack')).toMatchObject({ failed: 1, pending: 0, lastError: 'HTTP 404: no_service' });
    expect(snap.notifiers.find((s) => s.name === 'mail')).toMatchObject({ sent: 1, failed: 0 });
    const [failed, copy] = snap.entries;
    expect(failed).toMatchObject({ notifier: 'slack', status: 'failed', batchId: b.id, alerts: 1 });
    expect(copy).toMatchObject({ notifier: 'mail', status: 'sent', fallbackOf: failed!.id });
    expect(failed!.fallbackEntry).toBe(copy!.id);
  });

  it('gives up at the deadline and hands the batch to the fallback', async () => {
    const slack = new FakeNotifier('slack').willDo(...Array.from({ length: 50 }, () => new TransientError('connect ECONNREFUSED')));
    const mail = new FakeNotifier('mail');
    const { outbox } = makeOutbox([slack, mail], { fallback: 'mail', delivery: { deadlineMs: 60_000 } });
    await outbox.enqueue([{ notifier: 'slack', batch: batch() }]);
    // Attempts at 0, 5, 15, 35 s and a last one at the 60 s deadline.
    await vi.advanceTimersByTimeAsync(59_999);
    expect(mail.sent).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(slack.attempts).toBe(5);
    expect(mail.sent).toHaveLength(1);
    expect(outbox.entries()[0]).toMatchObject({ status: 'failed', lastError: 'gave up after 5 attempts: connect ECONNREFUSED' });
  });

  it('does not chain fallbacks, and fails entries of notifiers that are gone', async () => {
    const mail = new FakeNotifier('mail').willDo(new PermanentError('550 mailbox unavailable'));
    const { outbox } = makeOutbox([mail], { fallback: 'mail' });
    await outbox.enqueue([{ notifier: 'old-slack', batch: batch() }]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(outbox.entries().map((e) => `${e.notifier}:${e.status}`)).toEqual(['old-slack:failed', 'mail:failed']);
    expect(outbox.entries()[0]!.lastError).toBe('notifier "old-slack" is not configured');
    expect(mail.attempts).toBe(1);
  });

  it('keeps secrets out of the errors it stores', async () => {
    const slack = new FakeNotifier('slack').willDo(
      new TransientError(`POST https://hooks.example/${SECRET}: 503`),
      new PermanentError(`401: bad token ${SECRET}`),
    );
    const { outbox, sections } = makeOutbox([slack]);
    await outbox.enqueue([{ notifier: 'slack', batch: batch() }]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(outbox.entries()[0]).toMatchObject({ status: 'failed', lastError: '401: bad token ***' });
    expect(sections.persisted).not.toContain(SECRET);
    expect(JSON.stringify(outbox.snapshot())).not.toContain(SECRET);
  });
});

describe('housekeeping', () => {
  it('prunes finished entries by count and by age, never pending ones', async () => {
    const slack = new FakeNotifier('slack');
    const stuck = new FakeNotifier('stuck').willDo(...Array.from({ length: 100 }, () => new TransientError('503')));
    const { outbox } = makeOutbox([slack, stuck], { delivery: { retainCount: 3, retainMs: 3_600_000 } });
    await outbox.enqueue([{ notifier: 'stuck', batch: batch() }]);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const b = batch();
      ids.push(b.id);
      await outbox.enqueue([{ notifier: 'slack', batch: b }]);
      await vi.advanceTimersByTimeAsync(1_000);
    }
    expect(outbox.entries().filter((e) => e.status === 'sent').map((e) => e.batch.id)).toEqual(ids.slice(2));
    await vi.advanceTimersByTimeAsync(2 * 3_600_000);
    await outbox.enqueue([{ notifier: 'slack', batch: batch() }]);
    await vi.advanceTimersByTimeAsync(0);
    expect(outbox.entries().map((e) => `${e.notifier}:${e.status}`)).toEqual(['stuck:pending', 'slack:sent']);
  });

  it('drains: true once everything is delivered, false when time runs out', async () => {
    const slack = new FakeNotifier('slack').willDo(new TransientError('503'));
    const { outbox } = makeOutbox([slack]);
    await outbox.enqueue([{ notifier: 'slack', batch: batch() }]);
    const quick = outbox.drain(1_000);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await quick).toBe(false);
    const patient = outbox.drain(10_000);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(await patient).toBe(true);
  });

  it('stop() aborts the attempt in flight and leaves the entry pending', async () => {
    const slack = new FakeNotifier('slack').willDo('hang');
    const { outbox, sections } = makeOutbox([slack]);
    await outbox.enqueue([{ notifier: 'slack', batch: batch() }]);
    await vi.advanceTimersByTimeAsync(1_000);
    await outbox.stop();
    await vi.advanceTimersByTimeAsync(600_000);
    expect(slack.attempts).toBe(1);
    expect(persistedEntries(sections)).toMatchObject([{ status: 'pending', attempts: 0 }]);
  });
});

describe('restart (file-backed state)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'clawmedic-outbox-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('resumes pending deliveries after a restart and does not resend sent ones', async () => {
    const path = join(dir, 'state.json');
    const slack = new FakeNotifier('slack');
    const first = makeRouter({ notifiers: [slack], sections: new FileSections(path) });
    first.router.start();
    fail(first.router, 'gateway.http');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(slack.sent).toHaveLength(1);

    slack.willDo('hang');
    fail(first.router, 'doctor');
    await vi.advanceTimersByTimeAsync(11_000);
    expect(slack.attempts).toBe(2);
    await first.router.stop(); // the agent goes down mid-send
    const onDisk = JSON.parse(readFileSync(path, 'utf8')) as { outbox: OutboxSection };
    expect(onDisk.outbox.entries.map((e) => e.status)).toEqual(['sent', 'pending']);
    const pendingId = onDisk.outbox.entries[1]!.batch.id;

    const second = makeRouter({ notifiers: [slack], sections: new FileSections(path) });
    second.router.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(slack.sent.map((b) => b.alerts.map((a) => a.checkId))).toEqual([['gateway.http'], ['doctor']]);
    // The same batch id: a receiver that deduplicates on it sees one message.
    expect(slack.sent[1]!.id).toBe(pendingId);
    await vi.advanceTimersByTimeAsync(20 * 60_000);
    expect(slack.sent).toHaveLength(2);
    const snap = await second.router.snapshot();
    expect(snap.incidents.map((i) => i.checkId).sort()).toEqual(['doctor', 'gateway.http']);
    expect(snap.outbox.notifiers).toEqual([expect.objectContaining({ name: 'slack', sent: 2, pending: 0 })]);
    await second.router.stop();
  });
});

describe('one send per batch', () => {
  it('does not start a second attempt when a batch is added while a send is in flight', async () => {
    const slack = new FakeNotifier('slack');
    const send = slack.send.bind(slack);
    // Each send takes a second.
    slack.send = async (b, signal) => {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await send(b, signal);
    };
    const { outbox } = makeOutbox([slack]);
    const first = batch();
    const second = batch();
    await outbox.enqueue([{ notifier: 'slack', batch: first }]);
    await vi.advanceTimersByTimeAsync(500);
    expect(outbox.snapshot().notifiers[0]).toMatchObject({ name: 'slack', inFlight: true, pending: 1 });
    await outbox.enqueue([{ notifier: 'slack', batch: second }]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(slack.sent.map((b) => b.id)).toEqual([first.id, second.id]);
    expect(slack.attempts).toBe(2);
    expect(outbox.snapshot().notifiers[0]).toMatchObject({ inFlight: false, pending: 0, sent: 2 });
  });

  it('waits for the backoff of the head entry when a batch is added behind it', async () => {
    const slack = new FakeNotifier('slack').willDo(new TransientError('503'));
    const { outbox } = makeOutbox([slack]);
    await outbox.enqueue([{ notifier: 'slack', batch: batch() }]);
    await vi.advanceTimersByTimeAsync(1_000);
    await outbox.enqueue([{ notifier: 'slack', batch: batch() }]);
    await vi.advanceTimersByTimeAsync(0);
    expect(slack.attempts).toBe(1);
    await vi.advanceTimersByTimeAsync(3_999);
    expect(slack.attempts).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(slack.sent).toHaveLength(2);
  });
});

/** Sections like the real store's: a flush writes only what was marked dirty. */
class DirtyOnlySections extends MemorySections {
  override async flush(): Promise<void> {
    if (!this.dirty) return;
    await super.flush();
  }
}

describe('what reaches the state file', () => {
  it('writes a new entry, and its delivery, to a store that writes only when marked dirty', async () => {
    const slack = new FakeNotifier('slack');
    const sections = new DirtyOnlySections();
    const { outbox } = makeOutbox([slack], { sections });
    const seen: string[] = [];
    slack.onSend = (b) => void seen.push(persistedEntries(sections).find((e) => e.batch.id === b.id)?.status ?? 'missing');
    await outbox.enqueue([{ notifier: 'slack', batch: batch() }]);
    await vi.advanceTimersByTimeAsync(0);
    expect(seen).toEqual(['pending']);
    expect(persistedEntries(sections)).toMatchObject([{ status: 'sent', attempts: 1 }]);
  });

  it('writes a failure for good and the fallback copy to such a store', async () => {
    const slack = new FakeNotifier('slack').willDo(new PermanentError('HTTP 404'));
    const mail = new FakeNotifier('mail').willDo('hang');
    const sections = new DirtyOnlySections();
    const { outbox } = makeOutbox([slack, mail], { sections, fallback: 'mail' });
    await outbox.enqueue([{ notifier: 'slack', batch: batch() }]);
    await vi.advanceTimersByTimeAsync(0);
    expect(persistedEntries(sections).map((e) => `${e.notifier}:${e.status}`)).toEqual(['slack:failed', 'mail:pending']);
    await outbox.stop();
    expect(persistedEntries(sections).map((e) => `${e.notifier}:${e.status}`)).toEqual(['slack:failed', 'mail:pending']);
  });

  it('marks the state dirty when it schedules a retry (written with the next flush)', async () => {
    const slack = new FakeNotifier('slack').willDo(new TransientError('503'));
    const sections = new DirtyOnlySections();
    const { outbox } = makeOutbox([slack], { sections });
    await outbox.enqueue([{ notifier: 'slack', batch: batch() }]);
    await vi.advanceTimersByTimeAsync(0);
    expect(sections.dirty).toBe(true);
    await outbox.stop();
    expect(persistedEntries(sections)).toMatchObject([{ status: 'pending', attempts: 1, lastError: '503', nextAttemptAt: Date.now() + 5_000 }]);
  });

  it('keeps delivering when the state file cannot be written, and says so', async () => {
    const slack = new FakeNotifier('slack');
    const sections = new MemorySections();
    sections.flush = () => Promise.reject(new Error('ENOSPC: no space left on device'));
    const logged: unknown[] = [];
    const { outbox } = makeOutbox([slack], { sections, log: { ...silentLog, debug: (obj) => void logged.push(obj) } });
    await outbox.enqueue([{ notifier: 'slack', batch: batch() }]);
    await vi.advanceTimersByTimeAsync(0);
    expect(slack.sent).toHaveLength(1);
    expect(logged).toContainEqual({ err: 'ENOSPC: no space left on device' });
  });
});

describe('whatever a notifier throws', () => {
  it('retries after the backoff when a notifier throws a string, and stores it as the error', async () => {
    const hook = new FakeNotifier('hook');
    hook.send = async () => {
      hook.attempts += 1;
      // Bounded, so that a spinning outbox fails this test instead of hanging it.
      if (hook.attempts > 100) return;
      throw 'connection reset'; // eslint-disable-line no-throw-literal
    };
    const { outbox } = makeOutbox([hook]);
    await outbox.enqueue([{ notifier: 'hook', batch: batch() }]);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(hook.attempts).toBe(1);
    expect(outbox.entries()[0]).toMatchObject({ status: 'pending', attempts: 1, lastError: 'connection reset' });
    await vi.advanceTimersByTimeAsync(1);
    expect(hook.attempts).toBe(2);
  });

  it('does not spin on a thrown value that cannot become a string', async () => {
    const hook = new FakeNotifier('hook');
    hook.send = async () => {
      hook.attempts += 1;
      if (hook.attempts > 100) return;
      throw Object.create(null) as object;
    };
    const { outbox } = makeOutbox([hook]);
    await outbox.enqueue([{ notifier: 'hook', batch: batch() }]);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(hook.attempts).toBe(1);
    expect(outbox.entries()[0]).toMatchObject({ status: 'pending', attempts: 1, lastError: '[object Object]' });
  });

  it('names an Error without a message by its name, and fails one named PermanentError for good', async () => {
    const foreign = new Error('');
    foreign.name = 'PermanentError'; // a plugin bundling its own copy of contracts.ts
    const hook = new FakeNotifier('hook').willDo(foreign);
    const { outbox } = makeOutbox([hook]);
    await outbox.enqueue([{ notifier: 'hook', batch: batch() }]);
    await vi.advanceTimersByTimeAsync(0);
    expect(outbox.entries()[0]).toMatchObject({ status: 'failed', attempts: 1, lastError: 'PermanentError' });
  });

  it('does not resend at once when its own bookkeeping fails: it waits retryBackoffMax', async () => {
    const hook = new FakeNotifier('hook').willDo(...Array.from({ length: 10 }, () => new TransientError('HTTP 503')));
    const errors: Array<string | undefined> = [];
    // A redactor that throws: the failure cannot be recorded.
    const outbox = new Outbox({
      sections: new MemorySections(),
      notifiers: new Map([['hook', hook]]),
      delivery: withAlertingDefaults().delivery,
      now: () => Date.now(),
      log: { ...silentLog, error: (_obj, msg) => void errors.push(msg) },
      redact: () => {
        throw new Error('redactor broke');
      },
    });
    outboxes.push(outbox);
    outbox.start();
    await outbox.enqueue([{ notifier: 'hook', batch: batch() }]);
    await vi.advanceTimersByTimeAsync(300_000 - 1);
    expect(hook.attempts).toBe(1);
    expect(errors).toEqual(['outbox: delivery bookkeeping failed']);
    await vi.advanceTimersByTimeAsync(1);
    expect(hook.attempts).toBe(2);
  });

  it('ignores a Retry-After that is negative or not a number', async () => {
    const slack = new FakeNotifier('slack').willDo(
      new TransientError('HTTP 429', { retryAfterMs: -60_000 }),
      new TransientError('HTTP 429', { retryAfterMs: Number.NaN }),
    );
    const { outbox } = makeOutbox([slack]);
    await outbox.enqueue([{ notifier: 'slack', batch: batch() }]);
    // The plain backoff: 5 s, then 10 s.
    await vi.advanceTimersByTimeAsync(14_999);
    expect(slack.attempts).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(slack.sent).toHaveLength(1);
  });
});

describe('shutdown', () => {
  it('drain() answers true at once when nothing is pending', async () => {
    const { outbox } = makeOutbox([new FakeNotifier('slack')]);
    let answer: boolean | undefined;
    void outbox.drain(1_000).then((v) => (answer = v));
    await Promise.resolve();
    expect(answer).toBe(true);
  });

  it('drain() answers true as soon as the last entry is delivered, not at its timeout', async () => {
    const slack = new FakeNotifier('slack').willDo(new TransientError('503'));
    const { outbox } = makeOutbox([slack]);
    await outbox.enqueue([{ notifier: 'slack', batch: batch() }]);
    let answer: boolean | undefined;
    void outbox.drain(60_000).then((v) => (answer = v));
    await vi.advanceTimersByTimeAsync(4_999);
    expect(answer).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(answer).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('drain() answers true when the last entry failed for good (nothing left to wait for)', async () => {
    const slack = new FakeNotifier('slack').willDo(new TransientError('503'), new PermanentError('HTTP 410'));
    const { outbox } = makeOutbox([slack]);
    await outbox.enqueue([{ notifier: 'slack', batch: batch() }]);
    const drained = outbox.drain(60_000);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(await drained).toBe(true);
  });

  it('drain() answers false when the outbox stops with entries pending, and after a timeout a later delivery changes nothing', async () => {
    const slack = new FakeNotifier('slack').willDo('hang');
    const { outbox } = makeOutbox([slack]);
    await outbox.enqueue([{ notifier: 'slack', batch: batch() }]);
    let answer: boolean | undefined;
    void outbox.drain(60_000).then((v) => (answer = v));
    await vi.advanceTimersByTimeAsync(1_000);
    await outbox.stop();
    await vi.advanceTimersByTimeAsync(0);
    expect(answer).toBe(false);

    // Timed out: the waiter is gone, so the delivery later does not answer it again.
    const mail = new FakeNotifier('mail').willDo(new TransientError('503'));
    const second = makeOutbox([mail]);
    await second.outbox.enqueue([{ notifier: 'mail', batch: batch() }]);
    const answers: boolean[] = [];
    void second.outbox.drain(1_000).then((v) => answers.push(v));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(answers).toEqual([false]);
    expect((second.outbox as unknown as { idleWaiters: unknown[] }).idleWaiters).toEqual([]);
  });

  it('stop() aborts the send in flight at once, telling the notifier why, and keeps the entry', async () => {
    const slack = new FakeNotifier('slack');
    let signal: AbortSignal | undefined;
    // A notifier that ignores its signal: stop() must not wait for it.
    slack.send = (_b, s) => {
      signal = s;
      slack.attempts += 1;
      return new Promise<void>(() => {});
    };
    const { outbox, sections } = makeOutbox([slack]);
    await outbox.enqueue([{ notifier: 'slack', batch: batch() }]);
    await vi.advanceTimersByTimeAsync(1_000);
    let stopped = false;
    void outbox.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(true);
    expect(signal?.aborted).toBe(true);
    expect((signal?.reason as Error).message).toBe('clawmedic is stopping');
    expect(outbox.snapshot().notifiers[0]).toMatchObject({ inFlight: false, pending: 1 });
    expect(persistedEntries(sections)).toMatchObject([{ status: 'pending', attempts: 0 }]);
    expect(outbox.entries()[0]!.lastError).toBeUndefined();
  });

  it('stop() cancels a scheduled retry, and start() resumes it', async () => {
    const slack = new FakeNotifier('slack').willDo(new TransientError('503'));
    const { outbox } = makeOutbox([slack]);
    await outbox.enqueue([{ notifier: 'slack', batch: batch() }]);
    await vi.advanceTimersByTimeAsync(0);
    await outbox.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(slack.attempts).toBe(1);
    // A new batch while stopped is recorded, not sent.
    await outbox.enqueue([{ notifier: 'slack', batch: batch() }]);
    await vi.advanceTimersByTimeAsync(0);
    expect(slack.attempts).toBe(1);
    outbox.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(slack.sent).toHaveLength(2);
  });

  it('start() resumes only the notifiers with pending entries', async () => {
    const entry = (notifier: string, status: OutboxSection['entries'][number]['status']) => ({
      id: `${notifier}-1`,
      notifier,
      batch: batch(),
      status,
      createdAt: Date.now(),
      nextAttemptAt: Date.now(),
      deadlineAt: Date.now() + 60_000,
      attempts: 0,
    });
    // What a previous run left: one pending entry for slack, a finished one for mail.
    const sections = new MemorySections({ outbox: { version: 1, entries: [entry('slack', 'pending'), entry('mail', 'failed')] } });
    const slack = new FakeNotifier('slack');
    const mail = new FakeNotifier('mail');
    makeOutbox([slack, mail], { sections });
    await vi.advanceTimersByTimeAsync(0);
    expect([slack.attempts, mail.attempts]).toEqual([1, 0]);
  });
});

describe('the fallback, one hop only', () => {
  it('does not hand a batch for the fallback notifier itself back to it', async () => {
    const mail = new FakeNotifier('mail').willDo(new PermanentError('550 mailbox unavailable'));
    const { outbox } = makeOutbox([mail], { fallback: 'mail' });
    await outbox.enqueue([{ notifier: 'mail', batch: batch() }]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(outbox.entries().map((e) => `${e.notifier}:${e.status}`)).toEqual(['mail:failed']);
    expect(mail.attempts).toBe(1);
  });

  it('does not pass a failed fallback copy on to a fallback configured since', async () => {
    const sections = new MemorySections();
    const mail = new FakeNotifier('mail').willDo(new PermanentError('550'));
    const pager = new FakeNotifier('pager');
    // The copy was made under the old config, whose fallback was mail.
    sections.section<OutboxSection>('outbox', () => ({ version: 1, entries: [] })).entries.push({
      id: 'copy-1',
      notifier: 'mail',
      batch: batch(),
      status: 'pending',
      createdAt: Date.now(),
      nextAttemptAt: Date.now(),
      deadlineAt: Date.now() + 60_000,
      attempts: 0,
      fallbackOf: 'original-1',
    });
    const { outbox } = makeOutbox([mail, pager], { sections, fallback: 'pager' });
    await vi.advanceTimersByTimeAsync(0);
    expect(outbox.entries().map((e) => `${e.notifier}:${e.status}`)).toEqual(['mail:failed']);
    expect(pager.attempts).toBe(0);
  });

  it('does not hand over to a fallback that is not configured', async () => {
    const slack = new FakeNotifier('slack').willDo(new PermanentError('HTTP 404'));
    const { outbox } = makeOutbox([slack], { fallback: 'mail' });
    await outbox.enqueue([{ notifier: 'slack', batch: batch() }]);
    await vi.advanceTimersByTimeAsync(0);
    expect(outbox.entries()).toHaveLength(1);
    expect(outbox.entries()[0]!.fallbackEntry).toBeUndefined();
  });

  it('gives up exactly at the deadline, with the last attempt made at it', async () => {
    const slack = new FakeNotifier('slack').willDo(...Array.from({ length: 10 }, () => new TransientError('503')));
    const { outbox } = makeOutbox([slack], { delivery: { deadlineMs: 5_000 } });
    await outbox.enqueue([{ notifier: 'slack', batch: batch() }]);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(outbox.entries()[0]).toMatchObject({ status: 'pending', attempts: 1 });
    await vi.advanceTimersByTimeAsync(1);
    expect(outbox.entries()[0]).toMatchObject({ status: 'failed', attempts: 2, finishedAt: Date.now(), lastError: 'gave up after 2 attempts: 503' });
  });
});

describe('the snapshot', () => {
  it('shows per notifier its newest error and last delivery', async () => {
    const slack = new FakeNotifier('slack').willDo(new TransientError('first'), new PermanentError('second'));
    const { outbox } = makeOutbox([slack]);
    await outbox.enqueue([{ notifier: 'slack', batch: batch() }]);
    await vi.advanceTimersByTimeAsync(5_000);
    const failedAt = Date.now();
    await vi.advanceTimersByTimeAsync(1_000);
    await outbox.enqueue([{ notifier: 'slack', batch: batch() }]);
    await vi.advanceTimersByTimeAsync(1_000);
    await outbox.enqueue([{ notifier: 'slack', batch: batch() }]);
    await vi.advanceTimersByTimeAsync(0);
    const snap = outbox.snapshot();
    expect(snap.notifiers).toEqual([{ name: 'slack', pending: 0, failed: 1, sent: 2, inFlight: false, lastError: 'second', lastErrorAt: failedAt, lastSentAt: Date.now() }]);
  });

  it('keeps the newest of two errors whichever order the entries are in', () => {
    const sections = new MemorySections();
    const entry = (id: string, lastAttemptAt: number, lastError: string) => ({
      id,
      notifier: 'slack',
      batch: batch(),
      status: 'failed' as const,
      createdAt: 0,
      nextAttemptAt: 0,
      deadlineAt: 0,
      attempts: 1,
      lastAttemptAt,
      lastError,
      finishedAt: lastAttemptAt,
    });
    sections.data.outbox = { version: 1, entries: [entry('a', 2_000, 'same time, earlier entry'), entry('b', 2_000, 'newest'), entry('c', 1_000, 'older')] };
    const { outbox } = makeOutbox([], { sections });
    expect(outbox.snapshot().notifiers).toEqual([{ name: 'slack', pending: 0, failed: 3, sent: 0, inFlight: false, lastError: 'newest', lastErrorAt: 2_000 }]);
  });
});

describe('pruning at its bounds', () => {
  it('keeps exactly retainCount finished entries, and one exactly retainMs old', async () => {
    const slack = new FakeNotifier('slack');
    const { outbox } = makeOutbox([slack], { delivery: { retainCount: 2, retainMs: 10_000 } });
    for (let i = 0; i < 2; i++) {
      await outbox.enqueue([{ notifier: 'slack', batch: batch() }]);
      await vi.advanceTimersByTimeAsync(5_000);
    }
    expect(outbox.entries()).toHaveLength(2);
    // The first finished 10 s ago: still kept with the third, which makes three, one too many.
    await outbox.enqueue([{ notifier: 'slack', batch: batch() }]);
    await vi.advanceTimersByTimeAsync(0);
    expect(outbox.entries().map((e) => e.finishedAt)).toEqual([Date.now() - 5_000, Date.now()]);
    const { outbox: aged } = makeOutbox([slack], { delivery: { retainCount: 10, retainMs: 10_000 } });
    await aged.enqueue([{ notifier: 'slack', batch: batch() }]);
    await vi.advanceTimersByTimeAsync(10_000);
    await aged.enqueue([{ notifier: 'slack', batch: batch() }]);
    await vi.advanceTimersByTimeAsync(0);
    expect(aged.entries()).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    await aged.enqueue([{ notifier: 'slack', batch: batch() }]);
    await vi.advanceTimersByTimeAsync(0);
    expect(aged.entries().map((e) => e.finishedAt)).toEqual([Date.now() - 1, Date.now()]);
  });
});

describe('bookkeeping details', () => {
  it('delivers what is enqueued on a new outbox; start() is only needed to resume', async () => {
    const slack = new FakeNotifier('slack');
    const outbox = new Outbox({
      sections: new MemorySections(),
      notifiers: new Map([['slack', slack]]),
      delivery: withAlertingDefaults().delivery,
      now: () => Date.now(),
      log: silentLog,
      redact,
    });
    outboxes.push(outbox);
    await outbox.enqueue([{ notifier: 'slack', batch: batch() }]);
    await vi.advanceTimersByTimeAsync(0);
    expect(slack.sent).toHaveLength(1);
  });

  it('writes nothing for an empty enqueue', async () => {
    const { outbox, sections } = makeOutbox([new FakeNotifier('slack')]);
    const before = sections.flushes;
    await outbox.enqueue([]);
    expect(sections.flushes).toBe(before);
  });

  it('leaves no timer behind after stop(), also when a batch was added during a backoff', async () => {
    const slack = new FakeNotifier('slack').willDo(new TransientError('503'));
    const { outbox } = makeOutbox([slack]);
    await outbox.enqueue([{ notifier: 'slack', batch: batch() }]);
    await vi.advanceTimersByTimeAsync(1_000);
    await outbox.enqueue([{ notifier: 'slack', batch: batch() }]);
    expect(vi.getTimerCount()).toBe(1);
    await outbox.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stop() returns once the aborted attempt has ended', async () => {
    const slack = new FakeNotifier('slack').willDo('hang');
    const { outbox } = makeOutbox([slack]);
    await outbox.enqueue([{ notifier: 'slack', batch: batch() }]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(outbox.snapshot().notifiers[0]!.inFlight).toBe(true);
    await outbox.stop();
    expect(outbox.snapshot().notifiers[0]!.inFlight).toBe(false);
  });

  it('drain() keeps waiting while another notifier still has work, and each drain gets its own answer', async () => {
    const slack = new FakeNotifier('slack');
    const mail = new FakeNotifier('mail').willDo(new TransientError('503'));
    const { outbox } = makeOutbox([slack, mail]);
    await outbox.enqueue([{ notifier: 'mail', batch: batch() }]);
    const answers: string[] = [];
    void outbox.drain(1_000).then((v) => answers.push(`short:${v}`));
    void outbox.drain(60_000).then((v) => answers.push(`long:${v}`));
    // slack runs dry while mail backs off: not a reason to answer.
    await outbox.enqueue([{ notifier: 'slack', batch: batch() }]);
    await vi.advanceTimersByTimeAsync(0);
    expect(slack.sent).toHaveLength(1);
    expect(answers).toEqual([]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(answers).toEqual(['short:false']);
    await vi.advanceTimersByTimeAsync(4_000);
    expect(answers).toEqual(['short:false', 'long:true']);
  });

  it('lists every configured notifier in the snapshot, also one without entries', () => {
    const { outbox } = makeOutbox([new FakeNotifier('slack'), new FakeNotifier('mail')]);
    expect(outbox.snapshot()).toEqual({
      notifiers: [
        { name: 'slack', pending: 0, failed: 0, sent: 0, inFlight: false },
        { name: 'mail', pending: 0, failed: 0, sent: 0, inFlight: false },
      ],
      entries: [],
    });
  });

  it('shows the error of an attempt at time 0 (a clock that starts at 0), and takes the last delivery from sent entries only', () => {
    const sections = new MemorySections();
    const entry = (id: string, status: 'sent' | 'failed', lastAttemptAt: number, lastError?: string) => ({
      id,
      notifier: 'slack',
      batch: batch(),
      status,
      createdAt: 0,
      nextAttemptAt: 0,
      deadlineAt: 0,
      attempts: 1,
      lastAttemptAt,
      finishedAt: lastAttemptAt,
      ...(lastError === undefined ? {} : { lastError }),
    });
    sections.data.outbox = { version: 1, entries: [entry('a', 'failed', 0, 'refused'), entry('b', 'sent', 1_000), entry('c', 'failed', 500, 'older error, later entry')] };
    const { outbox } = makeOutbox([], { sections });
    expect(outbox.snapshot().notifiers).toEqual([{ name: 'slack', pending: 0, failed: 2, sent: 1, inFlight: false, lastError: 'older error, later entry', lastErrorAt: 500, lastSentAt: 1_000 }]);
    sections.data.outbox = { version: 1, entries: [entry('a', 'failed', 0, 'refused'), entry('b', 'sent', 1_000)] };
    expect(outbox.snapshot().notifiers[0]).toMatchObject({ lastError: 'refused', lastErrorAt: 0 });
    sections.data.outbox = { version: 1, entries: [entry('b', 'sent', 1_000), entry('c', 'failed', 2_000, 'refused')] };
    expect(outbox.snapshot().notifiers[0]).toMatchObject({ lastSentAt: 1_000 });
  });

  it('cuts a long error to 500 characters, the "gave up" note included', async () => {
    const long = 'x'.repeat(600);
    const slack = new FakeNotifier('slack').willDo(new TransientError(long), new TransientError(long));
    const { outbox } = makeOutbox([slack], { delivery: { deadlineMs: 5_000 } });
    await outbox.enqueue([{ notifier: 'slack', batch: batch() }]);
    await vi.advanceTimersByTimeAsync(0);
    expect(outbox.entries()[0]!.lastError).toBe('x'.repeat(500));
    await vi.advanceTimersByTimeAsync(5_000);
    expect(outbox.entries()[0]!.lastError).toBe(`gave up after 2 attempts: ${'x'.repeat(474)}`);
    expect(outbox.entries()[0]!.lastError).toHaveLength(500);
  });

  it('prunes after a failure too', async () => {
    const slack = new FakeNotifier('slack').willDo('ok', new PermanentError('HTTP 404'));
    const { outbox } = makeOutbox([slack], { delivery: { retainCount: 1 } });
    await outbox.enqueue([{ notifier: 'slack', batch: batch() }]);
    await vi.advanceTimersByTimeAsync(1_000);
    await outbox.enqueue([{ notifier: 'slack', batch: batch() }]);
    await vi.advanceTimersByTimeAsync(0);
    expect(outbox.entries().map((e) => e.status)).toEqual(['failed']);
  });

  it('counts only finished entries against retainCount, newest finished first', async () => {
    const slack = new FakeNotifier('slack');
    const stuck = new FakeNotifier('stuck').willDo(...Array.from({ length: 20 }, () => new TransientError('503')));
    const slow = new FakeNotifier('slow').willDo(new TransientError('503'));
    const { outbox } = makeOutbox([slack, stuck, slow], { delivery: { retainCount: 2 } });
    // Made first, delivered last (after a 5 s backoff).
    await outbox.enqueue([{ notifier: 'slow', batch: batch() }]);
    await vi.advanceTimersByTimeAsync(1_000);
    await outbox.enqueue([{ notifier: 'slack', batch: batch() }]);
    await vi.advanceTimersByTimeAsync(1_000);
    // A pending entry newer than every finished one.
    await outbox.enqueue([{ notifier: 'stuck', batch: batch() }]);
    await vi.advanceTimersByTimeAsync(1_000);
    await outbox.enqueue([{ notifier: 'slack', batch: batch() }]);
    await vi.advanceTimersByTimeAsync(0);
    expect(outbox.entries().map((e) => `${e.notifier}:${e.status}`)).toEqual(['slow:pending', 'slack:sent', 'stuck:pending', 'slack:sent']);
    await vi.advanceTimersByTimeAsync(2_000);
    // slow finished last: it stays with the newer slack entry; the older slack entry goes.
    expect(outbox.entries().map((e) => `${e.notifier}:${e.status}`)).toEqual(['slow:sent', 'stuck:pending', 'slack:sent']);
  });

  it('keeps a finished entry by when it finished, not when it was made', async () => {
    const slow = new FakeNotifier('slow').willDo(...Array.from({ length: 3 }, () => new TransientError('503')));
    const slack = new FakeNotifier('slack');
    const { outbox } = makeOutbox([slow, slack], { delivery: { retainMs: 30_000 } });
    await outbox.enqueue([{ notifier: 'slow', batch: batch() }]);
    // Retries at 5, 15 and 35 s; delivered at 35 s, made 35 s ago.
    await vi.advanceTimersByTimeAsync(35_000);
    await outbox.enqueue([{ notifier: 'slack', batch: batch() }]);
    await vi.advanceTimersByTimeAsync(0);
    expect(outbox.entries().map((e) => `${e.notifier}:${e.status}`)).toEqual(['slow:sent', 'slack:sent']);
  });
});

describe('what the outbox logs', () => {
  function recordingLog() {
    const lines: Array<[string, unknown, string | undefined]> = [];
    const at = (level: string) => (obj: object | string, msg?: string) => void lines.push([level, obj, msg]);
    const log: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
    return { log, lines };
  }

  it('logs a delivery, a retry, a failure for good and the hand-over to the fallback, with their fields', async () => {
    const { log, lines } = recordingLog();
    const slack = new FakeNotifier('slack').willDo(new TransientError('HTTP 503'), new PermanentError('HTTP 404'));
    const mail = new FakeNotifier('mail');
    const { outbox } = makeOutbox([slack, mail], { fallback: 'mail', log });
    const b = batch();
    await outbox.enqueue([{ notifier: 'slack', batch: b }]);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(lines).toEqual([
      ['warn', { notifier: 'slack', batch: b.id, attempts: 1, retryInMs: 5_000, error: 'HTTP 503' }, 'alert delivery failed; will retry'],
      ['error', { notifier: 'slack', batch: b.id, attempts: 2, error: 'HTTP 404' }, 'alert delivery failed for good'],
      ['warn', { from: 'slack', to: 'mail', batch: b.id }, 'alert batch handed to the fallback notifier'],
      ['info', { notifier: 'mail', batch: b.id, alerts: 1 }, 'alert batch delivered'],
    ]);
  });

  it('warns about the first failure of each entry, even within a minute of the last warning', async () => {
    const { log, lines } = recordingLog();
    const slack = new FakeNotifier('slack').willDo(new TransientError('503'), 'ok', new TransientError('502'), new TransientError('500'));
    const { outbox } = makeOutbox([slack], { log });
    await outbox.enqueue([
      { notifier: 'slack', batch: batch() },
      { notifier: 'slack', batch: batch() },
    ]);
    // First entry: fails at 0, delivered at 5 s; the second fails at 5 s (its first failure) and at 10 s.
    await vi.advanceTimersByTimeAsync(10_000);
    const retries = lines.filter(([, , msg]) => msg === 'alert delivery failed; will retry').map(([level, obj]) => [level, (obj as { error: string }).error]);
    expect(retries).toEqual([
      ['warn', '503'],
      ['warn', '502'],
      ['debug', '500'],
    ]);
    expect(lines.find(([, obj]) => (obj as { error?: string }).error === '502')?.[1]).not.toHaveProperty('notLoggedSince');
  });

  it('logs a state file it cannot write as detail, and a failed bookkeeping with the notifier', async () => {
    const { log, lines } = recordingLog();
    const sections = new MemorySections();
    sections.flush = () => Promise.reject(new Error('EROFS'));
    const { outbox } = makeOutbox([new FakeNotifier('slack')], { sections, log });
    await outbox.enqueue([{ notifier: 'slack', batch: batch() }]);
    expect(lines).toContainEqual(['debug', { err: 'EROFS' }, 'outbox: cannot write the state file']);

    const hook = new FakeNotifier('hook').willDo(new TransientError('503'));
    const broken = new Outbox({
      sections: new MemorySections(),
      notifiers: new Map([['hook', hook]]),
      delivery: withAlertingDefaults().delivery,
      now: () => Date.now(),
      log,
      redact: () => {
        throw new Error('redactor broke');
      },
    });
    outboxes.push(broken);
    await broken.enqueue([{ notifier: 'hook', batch: batch() }]);
    await vi.advanceTimersByTimeAsync(0);
    expect(lines).toContainEqual(['error', { err: 'redactor broke', notifier: 'hook' }, 'outbox: delivery bookkeeping failed']);
  });
});
