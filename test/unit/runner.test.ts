import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Check, CheckContext, CheckResult } from '../../src/contracts.ts';
import { runCheck } from '../../src/runner.ts';
import { inMemoryCheckState } from '../../src/state/series.ts';
import { Redactor } from '../../src/util/redact.ts';

type Ctx = Omit<CheckContext, 'signal' | 'timeoutMs'>;

const T0 = Date.parse('2026-01-05T00:00:00.000Z');

function ctx(): Ctx {
  const noop = () => {};
  return {
    target: { host: '127.0.0.1', port: 18789, portSource: 'default', openclawConfigPath: '/nowhere/openclaw.json', openclawStateDir: '/nowhere' },
    options: {},
    now: () => Date.now(),
    history: [],
    ...inMemoryCheckState(),
    exec: () => Promise.reject(new Error('exec is not used in these tests')),
    openclaw: { path: null, notFoundReason: 'not needed', run: () => Promise.reject(new Error('not used')) },
    log: { debug: noop, info: noop, warn: noop, error: noop },
  };
}

function check(run: (c: CheckContext) => Promise<unknown>, id = 'test.check'): Check {
  return { id, title: 'Test', defaults: { schedule: '30s', timeoutMs: 5_000 }, run: run as Check['run'] };
}

/** Settles a promise under fake timers, failing the test if it is still pending after `ms`. */
async function settle<T>(p: Promise<T>, ms = 0): Promise<T> {
  let done = false;
  void p.then(() => (done = true));
  await vi.advanceTimersByTimeAsync(ms);
  expect(done, 'the run should have finished').toBe(true);
  return p;
}

/** Never resolves and ignores its signal: the worst kind of check. */
const hang = () => new Promise<never>(() => {});

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('runCheck', () => {
  it('passes an ok result through, with the time it finished', async () => {
    const result: CheckResult = {
      status: 'ok',
      summary: 'gateway answers',
      diagnosis: 'all good',
      remedy: 'nothing to do',
      metrics: { latencyMs: 12, rssBytes: 900_000_000 },
      details: { readyz: { ready: true } },
    };
    const outcome = await settle(runCheck(check(async () => result), ctx(), 5_000, undefined, new Redactor()));
    expect(outcome.result).toEqual(result);
    expect(outcome.at).toBe(T0);
  });

  it('gives the check its timeout and a live signal', async () => {
    let seen: { timeoutMs: number; aborted: boolean } | undefined;
    await settle(
      runCheck(
        check(async (c) => {
          seen = { timeoutMs: c.timeoutMs, aborted: c.signal.aborted };
          return { status: 'ok', summary: 'x' };
        }),
        ctx(),
        7_000,
        undefined,
        new Redactor(),
      ),
    );
    expect(seen).toEqual({ timeoutMs: 7_000, aborted: false });
  });

  it('aborts the signal once the check has finished, so leftover work stops', async () => {
    let signal: AbortSignal | undefined;
    await settle(
      runCheck(
        check(async (c) => {
          signal = c.signal;
          return { status: 'ok', summary: 'x' };
        }),
        ctx(),
        5_000,
        undefined,
        new Redactor(),
      ),
    );
    expect(signal?.aborted).toBe(true);
  });

  it('turns a check that throws into UNKNOWN with the reason on one line', async () => {
    const outcome = await settle(
      runCheck(
        check(async () => {
          throw new Error('ECONNRESET while reading /readyz\n    at Socket.onread (node:net:1:1)');
        }, 'gateway.http'),
        ctx(),
        5_000,
        undefined,
        new Redactor(),
      ),
    );
    expect(outcome.result.status).toBe('unknown');
    expect(outcome.result.summary).toBe('gateway.http failed to run: ECONNRESET while reading /readyz');
    expect(outcome.result.diagnosis).toMatch(/threw/);
  });

  it('turns a synchronous throw and a thrown non-Error into UNKNOWN too', async () => {
    const sync: Check = {
      id: 'sync',
      title: 'sync',
      defaults: { schedule: '30s', timeoutMs: 1_000 },
      run: () => {
        throw new TypeError('cannot read properties of undefined');
      },
    };
    const a = await settle(runCheck(sync, ctx(), 5_000, undefined, new Redactor()));
    expect(a.result).toMatchObject({ status: 'unknown', summary: 'sync failed to run: cannot read properties of undefined' });

    const b = await settle(runCheck(check(() => Promise.reject('just a string')), ctx(), 5_000, undefined, new Redactor()));
    expect(b.result).toMatchObject({ status: 'unknown', summary: 'test.check failed to run: just a string' });
  });

  it('gives up on a check that hangs past its timeout after exactly the timeout: UNKNOWN "timed out"', async () => {
    const running = runCheck(check(hang, 'doctor'), ctx(), 5_000, undefined, new Redactor());
    let done = false;
    void running.then(() => (done = true));
    await vi.advanceTimersByTimeAsync(4_999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(done).toBe(true);
    const outcome = await running;
    expect(outcome.result.status).toBe('unknown');
    expect(outcome.result.summary).toBe('doctor did not finish within 5s (timed out)');
    expect(outcome.at).toBe(T0 + 5_000);
  });

  it('aborts the signal given to the check at the timeout', async () => {
    let signal: AbortSignal | undefined;
    const running = runCheck(
      check((c) => {
        signal = c.signal;
        return hang();
      }),
      ctx(),
      2_000,
      undefined,
      new Redactor(),
    );
    await vi.advanceTimersByTimeAsync(1_999);
    expect(signal?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(signal?.aborted).toBe(true);
    expect((signal?.reason as Error).message).toBe('timed out after 2s');
    await running;
  });

  it('reports the timeout, not the abort error, for a check that honours its signal', async () => {
    const outcome = await settle(
      runCheck(
        check(
          (c) =>
            new Promise((_, reject) => {
              c.signal.addEventListener('abort', () => reject(c.signal.reason));
            }),
        ),
        ctx(),
        3_000,
        undefined,
        new Redactor(),
      ),
      3_000,
    );
    expect(outcome.result.status).toBe('unknown');
    expect(outcome.result.summary).toContain('timed out');
  });

  it.each<[string, unknown]>([
    ['undefined', undefined],
    ['null', null],
    ['a string', 'ok'],
    ['no status', { summary: 'fine' }],
    ["status 'bad'", { status: 'bad', summary: 'fine' }],
    ['a summary that is not a string', { status: 'ok', summary: 42 }],
    ['no summary', { status: 'crit' }],
  ])('turns a result with %s into UNKNOWN "invalid result"', async (_, value) => {
    const outcome = await settle(runCheck(check(async () => value), ctx(), 5_000, undefined, new Redactor()));
    expect(outcome.result.status).toBe('unknown');
    expect(outcome.result.summary).toBe('test.check returned an invalid result');
  });

  it('drops metrics that are not finite numbers', async () => {
    const outcome = await settle(
      runCheck(
        check(async () => ({ status: 'warn', summary: 'slow', metrics: { latencyMs: 850, nan: Number.NaN, inf: Number.POSITIVE_INFINITY, str: '5', nil: null } })),
        ctx(),
        5_000,
        undefined,
        new Redactor(),
      ),
    );
    expect(outcome.result).toEqual({ status: 'warn', summary: 'slow', metrics: { latencyMs: 850 } });
  });

  it('leaves metrics out when none is usable', async () => {
    const outcome = await settle(
      runCheck(check(async () => ({ status: 'ok', summary: 'x', metrics: { a: Number.NaN } })), ctx(), 5_000, undefined, new Redactor()),
    );
    expect(outcome.result).not.toHaveProperty('metrics');
  });

  it('keeps the cause of a failure when it is one stable word, and drops anything else (or on OK)', async () => {
    const run = (r: object) => settle(runCheck(check(async () => r as never), ctx(), 5_000, undefined, new Redactor()));
    expect((await run({ status: 'crit', summary: 'x', cause: 'conflict' })).result.cause).toBe('conflict');
    for (const cause of ['pid 4121', 'Conflict', '', 'x'.repeat(40), 42]) {
      expect((await run({ status: 'crit', summary: 'x', cause })).result, String(cause)).not.toHaveProperty('cause');
    }
    expect((await run({ status: 'ok', summary: 'x', cause: 'gateway' })).result).not.toHaveProperty('cause');
  });

  it('caps a very long summary', async () => {
    const outcome = await settle(runCheck(check(async () => ({ status: 'ok', summary: 'x'.repeat(5_000) })), ctx(), 5_000, undefined, new Redactor()));
    expect(outcome.result.summary.length).toBe(500);
  });

  it('returns UNKNOWN "cancelled" as soon as the parent signal aborts, and aborts the check', async () => {
    const parent = new AbortController();
    let signal: AbortSignal | undefined;
    const running = runCheck(
      check((c) => {
        signal = c.signal;
        return hang();
      }, 'gateway.port'),
      ctx(),
      10_000,
      parent.signal,
      new Redactor(),
    );
    await vi.advanceTimersByTimeAsync(1_000);
    parent.abort();
    const outcome = await settle(running);
    expect(signal?.aborted).toBe(true);
    expect(outcome.result.status).toBe('unknown');
    expect(outcome.result.summary).toBe('gateway.port was cancelled: the agent is stopping');
    expect(outcome.result.diagnosis).not.toMatch(/did not answer in time/);
    expect(outcome.at).toBe(T0 + 1_000);
  });

  it('returns UNKNOWN "cancelled" when the parent signal is already aborted', async () => {
    const parent = new AbortController();
    parent.abort();
    const run = vi.fn(hang);
    const outcome = await settle(runCheck(check(run), ctx(), 10_000, parent.signal, new Redactor()));
    expect(outcome.result.status).toBe('unknown');
    expect(outcome.result.summary).toBe('test.check was cancelled: the agent is stopping');
    // Nothing is started for an agent that is already stopping.
    expect(run).not.toHaveBeenCalled();
  });

  it('does not leave a listener on the parent signal', async () => {
    const parent = new AbortController();
    await settle(runCheck(check(async () => ({ status: 'ok', summary: 'x' })), ctx(), 5_000, parent.signal, new Redactor()));
    await settle(runCheck(check(hang), ctx(), 1_000, parent.signal, new Redactor()), 1_000);
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
  });

  it('masks registered secrets in summary, diagnosis, remedy and details', async () => {
    const redactor = new Redactor();
    redactor.add('gw-token-4f9a2c');
    const outcome = await settle(
      runCheck(
        check(async () => ({
          status: 'crit',
          summary: 'auth failed with gw-token-4f9a2c',
          diagnosis: 'the gateway rejected token gw-token-4f9a2c',
          remedy: 'rotate gw-token-4f9a2c',
          details: { request: { headers: { authorization: 'gw-token-4f9a2c' } }, log: ['sent gw-token-4f9a2c'] },
        })),
        ctx(),
        5_000,
        undefined,
        redactor,
      ),
    );
    expect(JSON.stringify(outcome.result)).not.toContain('gw-token-4f9a2c');
    expect(outcome.result.summary).toBe('auth failed with ***');
    expect(outcome.result.details).toEqual({ request: { headers: { authorization: '***' } }, log: ['sent ***'] });
  });

  it('masks a registered secret in the message of a thrown error', async () => {
    const redactor = new Redactor();
    redactor.add('gw-token-4f9a2c');
    const outcome = await settle(
      runCheck(
        check(async () => {
          throw new Error('request with gw-token-4f9a2c refused');
        }),
        ctx(),
        5_000,
        undefined,
        redactor,
      ),
    );
    expect(outcome.result.summary).toBe('test.check failed to run: request with *** refused');
  });

  it('redacts a thrown message before cutting it, so a secret across the cut leaves no piece behind', async () => {
    const redactor = new Redactor();
    redactor.add('gw-token-4f9a2c');
    const outcome = await settle(
      runCheck(
        check(async () => {
          throw new Error(`\n${'x'.repeat(290)} gw-token-4f9a2c\nat stack`);
        }),
        ctx(),
        5_000,
        undefined,
        redactor,
      ),
    );
    // The first line that says something, at most 300 characters. Cut first, the token (from 291) would be cut at 299.
    expect(outcome.result.summary).toBe(`test.check failed to run: ${'x'.repeat(290)} ***`);
    expect(outcome.result.summary).not.toContain('gw-tok');
  });
});
