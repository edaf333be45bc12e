import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LOG_SERIES, logsCheck } from '../../checks/logs.ts';
import type { CheckResult } from '../../src/contracts.ts';
import { checkMemory, SeriesSet } from '../../src/state/series.ts';
import { gatewayLine } from '../fixtures/gateway-log-lines.ts';
import { testContext } from '../fixtures/gateway-harness.ts';

const TOKEN = 'gw-token-logs-5f0a9c1e';
let dir: string;
let log: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clawmedic-logs-'));
  log = join(dir, 'openclaw-2026-11-29.log');
  await writeFile(log, `${gatewayLine('gateway', 'INFO', 'gateway ready', iso(0))}\n`);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const T0 = Date.parse('2026-11-29T12:00:00Z');
const iso = (offsetMs: number) => new Date(T0 + offsetMs).toISOString();

/** Runs of the check on a clock the test moves, sharing series and memory as the agent's runs do. */
function runs(options: Record<string, unknown> = {}) {
  let t = T0;
  const now = () => t;
  const store: Record<string, unknown> = {};
  const series = new SeriesSet({}, { now });
  return {
    store,
    series,
    at(ms: number) {
      t = T0 + ms;
    },
    run(extra: Record<string, unknown> = {}): Promise<CheckResult> {
      const ctx = testContext({ port: 1, now, token: TOKEN, options: { path: log, ...options, ...extra } });
      return logsCheck.run({ ...ctx, series, memory: checkMemory(store, 'logs') });
    },
  };
}

const add = (...lines: string[]) => appendFile(log, `${lines.join('\n')}\n`);

describe('logs check', () => {
  it('OK on a healthy log, counting only the gateway\'s own errors in the lines appended since the last run', async () => {
    const r = runs();
    const first = await r.run();
    expect(first.status).toBe('ok');
    // Counting starts when clawmedic starts watching: the line already there is not read.
    expect(first.summary).toMatch(/^0 error\(s\), 0 fatal in 30m; no known failure \(first look: .*openclaw-2026-11-29\.log is read from its end on \(firstReadBytes looks further back\)\)$/);
    r.at(60_000);
    // A CLI run's errors (logger "openclaw") are console lines, not the gateway's.
    await add(gatewayLine('openclaw', 'ERROR', 'gateway connect failed: GatewayClientRequestError: unauthorized: gateway token mismatch', iso(50_000)), gatewayLine('gateway/ws', 'ERROR', 'handler crashed', iso(55_000)));
    const second = await r.run();
    expect(second).toMatchObject({ status: 'ok', metrics: { errors: 1, fatal: 0, lines: 2 } });
    expect(r.series.points(LOG_SERIES.errors, 0).map((p) => p.value)).toEqual([0, 1]);
    r.at(120_000);
    expect((await r.run()).metrics).toMatchObject({ errors: 1, lines: 0, bytesRead: 0 });
  });

  it('CRIT for the crash-loop breaker, naming the channel and quoting the manual start for the shell', async () => {
    const r = runs();
    await r.run();
    await add(gatewayLine('gateway/channels/telegram', 'WARN', 'channel autostart suppressed by crash-loop breaker; refusing automatic start for telegram.', iso(1_000)));
    r.at(30_000);
    const res = await r.run();
    expect(res.status).toBe('crit');
    expect(res.summary).toBe("gateway log, last 30m: OpenClaw's crash-loop breaker stopped channel autostart (1, telegram)");
    expect(res.diagnosis).toMatch(/refusing automatic start for telegram/);
    expect(res.remedy).toContain(`openclaw gateway call channels.start --params '{"channel":"telegram"}'`);
    expect(res.remedy).toMatch(/clawmedic logs --since 1h/);
    // The hit ages out of the window.
    r.at(31 * 60_000 + 2_000);
    expect((await r.run()).status).toBe('ok');
  });

  it('counts health-monitor restarts per hour: listed below three, WARN at three', async () => {
    const r = runs();
    await r.run();
    const restart = (m: number) => gatewayLine('gateway/health-monitor', 'INFO', '[discord:default] health-monitor: restarting (reason: stale-socket)', iso(m * 60_000));
    await add(restart(1), restart(20));
    r.at(21 * 60_000);
    const two = await r.run();
    expect(two.status).toBe('ok');
    expect(two.summary).toMatch(/below their thresholds: health monitor restarting a channel \(2 in 1h, discord\)/);
    await add(restart(40));
    r.at(41 * 60_000);
    const three = await r.run();
    expect(three.status).toBe('warn');
    expect(three.summary).toBe('gateway log, last 30m: health monitor restarting a channel (3 in 1h, discord)');
    expect(three.diagnosis).toMatch(/keeps restarting the discord channel \(account default\)/);
  });

  it('WARN at errorsWarn gateway errors, CRIT at a FATAL line', async () => {
    const r = runs({ errorsWarn: 5 });
    await r.run();
    await add(...Array.from({ length: 5 }, (_, i) => gatewayLine('gateway', 'ERROR', `request ${i} failed: boom`, iso(1_000 + i))));
    r.at(10_000);
    const warn = await r.run();
    expect(warn.status).toBe('warn');
    expect(warn.summary).toBe('gateway log, last 30m: 5 ERROR lines (limit 5)');
    expect(warn.diagnosis).toMatch(/last: ".*ERROR \[gateway\] request 4 failed: boom"/);
    await add(gatewayLine('gateway', 'FATAL', 'state database corrupt', iso(11_000)));
    r.at(20_000);
    const crit = await r.run();
    expect(crit.status).toBe('crit');
    expect(crit.summary).toMatch(/1 FATAL line/);
  });

  it('resumes from the cursor it kept: an agent restart reads on where it stopped', async () => {
    const r = runs();
    await r.run();
    await add(gatewayLine('gateway/ws', 'WARN', 'closed before connect code=1008 reason=device identity required', iso(1_000)));
    r.at(5_000);
    expect((await r.run()).metrics).toMatchObject({ lines: 1 });
    // A new process: only the state (memory, series) carries over.
    const again = await r.run();
    expect(again.metrics).toMatchObject({ lines: 0, bytesRead: 0 });
    expect((r.store.logs as { cursor: { offset: number } }).cursor.offset).toBeGreaterThan(0);
  });

  it('a 1006 storm WARNs at ten; memory stays bounded whatever the flood', async () => {
    const r = runs();
    await r.run();
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) lines.push(gatewayLine(`gateway/channels/ch${i % 40}`, 'WARN', `[ch${i % 40}] gateway: WebSocket connection closed with code 1006`, iso(1_000 + i)));
    await add(...lines);
    r.at(60_000);
    const res = await r.run();
    expect(res.status).toBe('warn');
    expect(res.summary).toMatch(/websocket 1006 \(abnormal close\) storm/);
    expect(JSON.stringify(r.store.logs).length).toBeLessThan(16 * 1024);
  });

  it('masks the token in quoted lines', async () => {
    const r = runs();
    await r.run();
    await add(gatewayLine('openclaw', 'ERROR', `[openclaw] Uncaught exception: Error: bad header Authorization: Bearer ${TOKEN}`, iso(1_000)));
    r.at(5_000);
    const res = await r.run();
    expect(res.status).toBe('crit');
    expect(JSON.stringify(res)).not.toContain(TOKEN);
  });

  it('reads the guide\'s plain-text log, and says which lines of a JSON log were not JSON', async () => {
    const text = join(dir, 'gateway.log');
    await writeFile(text, '');
    const r = runs({ path: text, format: 'auto' });
    await r.run();
    await appendFile(text, '2026-11-29T12:00:01Z ERROR [telegram] Polling stall detected (no completed getUpdates for 105.92s); forcing restart.\nnot json at all\n');
    r.at(10_000);
    const res = await r.run();
    expect(res.status).toBe('warn');
    expect(res.summary).toMatch(/Telegram polling stalled \(1, telegram\)/);
    const strict = runs({ format: 'json' });
    await strict.run();
    await add('a line that is not JSON', '{"half": ');
    strict.at(10_000);
    expect((await strict.run()).summary).toMatch(/2 line\(s\) were not OpenClaw's JSON/);
  });

  it('UNKNOWN naming the path and where it came from when the log directory is missing', async () => {
    const r = runs({ path: join(dir, 'missing', 'openclaw-2026-11-29.log') });
    const res = await r.run();
    expect(res.status).toBe('unknown');
    expect(res.summary).toMatch(/^no gateway log: cannot list the log directory .*missing: no such file or directory \(ENOENT\)$/);
    expect(res.diagnosis).toMatch(/\(option path\)/);
    expect(res.remedy).toMatch(/checks\.logs\.options\.path/);
  });

  it('rejects a bad option by name', async () => {
    const res = await runs({ window: 'soon' }).run();
    expect(res).toMatchObject({ status: 'unknown', summary: expect.stringMatching(/^invalid option window: "soon" is not a duration/) });
  });
});
