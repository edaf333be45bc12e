import { createServer, type Server } from 'node:http';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RESTARTS_SERIES, restartsCheck } from '../../checks/restarts.ts';
import type { CheckResult } from '../../src/contracts.ts';
import { inMemoryCheckState } from '../../src/state/series.ts';
import { freePort, restartInPlace, startFakeGateway, stopAllChildren, testContext, type TestContextOptions } from '../fixtures/gateway-harness.ts';

const TOKEN = 'gw-token-restarts-91c2';
let home: string;
let stateDir: string;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'clawmedic-restarts-'));
  // A profile of its own, so the gateway log looked for (/tmp/openclaw/openclaw-cmtest-<date>.log) is nobody's.
  stateDir = join(home, '.openclaw-cmtest');
  await mkdir(join(stateDir, 'logs'), { recursive: true });
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});
afterEach(stopAllChildren);

/** Runs of the check that share their series and memory, as the agent's do, on a clock the test moves. */
function session(port: number, base: Partial<TestContextOptions> = {}) {
  let t = Date.parse('2026-11-29T12:00:00Z');
  const now = () => t;
  const state = inMemoryCheckState(now);
  return {
    state,
    advance(ms: number) {
      t += ms;
    },
    run(opts: Partial<TestContextOptions> = {}): Promise<CheckResult> {
      const ctx = testContext({ port, now, token: TOKEN, target: { openclawStateDir: stateDir }, ...base, ...opts });
      return restartsCheck.run({ ...ctx, ...state });
    },
    count(): number {
      return state.series.points(RESTARTS_SERIES, 0).reduce((s, p) => s + p.value, 0);
    },
  };
}

describe('restarts', () => {
  it('counts an in-process restart (same pid, uptime reset), WARNs at the second in 15 min, and explains it', async () => {
    // With a bootId too: the second restart comes a moment (of real time) after the first, too soon for the
    // uptime to go back by more than its tolerance; on a real gateway the runs are a schedule apart.
    const gw = await startFakeGateway({ uptimeMs: 3_600_000, bootId: true });
    const s = session(gw.port);

    const first = await s.run();
    expect(first.status).toBe('ok');
    expect(first.summary).toMatch(/^no restart seen \(first look: counting from now\) \(pid \d+, up 1h/);

    s.advance(30_000);
    await restartInPlace(gw);
    const second = await s.run();
    expect(second.status).toBe('ok');
    expect(second.summary).toMatch(/^restart counted \(bootId \S+ -> \S+; uptime went back from 1h\S* to \S+\); 1 in 5m, 1 in 15m/);
    expect(second.summary).toContain(`pid ${gw.pid}`);
    expect(second.metrics).toMatchObject({ restartsWarnWindow: 1, restartsCritWindow: 1 });

    s.advance(30_000);
    const steady = await s.run();
    expect(steady.summary).toMatch(/^no restart: 1 in 5m, 1 in 15m/);

    // A lifecycle line from `openclaw gateway restart`, as the real gateway writes it.
    await writeFile(
      join(stateDir, 'logs', 'gateway-restart.log'),
      `[${new Date(Date.parse('2026-11-29T12:06:00Z')).toISOString()}] openclaw gateway lifecycle source=cli action=restart mode=rpc pid=${gw.pid} interactive=0\n`,
    );
    s.advance(6 * 60_000); // past the 5 min window, inside the 15 min one
    await restartInPlace(gw);
    const warn = await s.run();
    expect(warn.status).toBe('warn');
    expect(warn.summary).toBe('2 gateway restarts in 15m (limit 2 in 15m)');
    expect(warn.diagnosis).toMatch(/uptime went back/);
    expect(warn.diagnosis).toContain('gateway-restart.log: ');
    expect(warn.diagnosis).toContain('action=restart');
    expect(warn.remedy).toMatch(/asked for/);
    expect(JSON.stringify(warn)).not.toContain(TOKEN);
    expect(s.count()).toBe(2);
  });

  it('reads the uptime off /readyz on a release without /startupz (2026.7.1)', async () => {
    const gw = await startFakeGateway({ uptimeMs: 3_600_000, version: '2026.7.1' });
    const s = session(gw.port, { options: { exitReasons: false } });
    expect((await s.run()).summary).toMatch(/^no restart seen \(first look: counting from now\) \(pid \d+, up 1h/);
    s.advance(30_000);
    await restartInPlace(gw);
    expect((await s.run()).summary).toMatch(/^restart counted \(uptime went back from 1h\S* to \S+\)/);
  });

  it('counts a bootId change when the gateway gives one', async () => {
    const gw = await startFakeGateway({ uptimeMs: 3_600_000, bootId: true });
    const s = session(gw.port, { options: { exitReasons: false } });
    await s.run();
    s.advance(30_000);
    await restartInPlace(gw);
    const r = await s.run();
    expect(r.summary).toMatch(/restart counted \(bootId \S+ -> \S+; uptime went back/);
  });

  it('counts a new process (pid changed) once, though the runs in between found the gateway down', async () => {
    const port = await freePort();
    const a = await startFakeGateway({ port, uptimeMs: 3_600_000 });
    const s = session(port, { options: { exitReasons: false } });
    expect((await s.run()).status).toBe('ok');

    await a.stop();
    s.advance(30_000);
    const down = await s.run();
    expect(down.status).toBe('ok');
    expect(down.summary).toMatch(/^gateway not answering \(gateway\.port reports it\); restarts counted: 0 in 5m, 0 in 15m/);
    s.advance(30_000);
    expect((await s.run()).status).toBe('ok');

    const b = await startFakeGateway({ port, uptimeMs: 12_000 });
    s.advance(30_000);
    const back = await s.run();
    expect(back.summary).toContain(`pid ${a.pid} -> ${b.pid}`);
    expect(back.metrics).toMatchObject({ restartsCritWindow: 1 });
    s.advance(30_000);
    expect((await s.run()).summary).toMatch(/^no restart: 1 in 5m/);
    expect(s.count()).toBe(1);
  });

  it('is CRIT for a crash loop (3 new processes in 5 min), naming OpenClaw\'s crash-loop breaker', async () => {
    const port = await freePort();
    const s = session(port, { options: { exitReasons: false } });
    let gw = await startFakeGateway({ port, uptimeMs: 3_600_000 });
    await s.run();
    const pids = [gw.pid];
    const results: CheckResult[] = [];
    for (let i = 0; i < 3; i++) {
      await gw.stop();
      gw = await startFakeGateway({ port, uptimeMs: 11_000 });
      pids.push(gw.pid);
      s.advance(40_000);
      results.push(await s.run());
    }
    expect(results.map((r) => r.status)).toEqual(['ok', 'warn', 'crit']);
    const crit = results[2]!;
    expect(crit.summary).toBe('crash loop: 3 gateway restarts in 5m (limit 3 in 5m)');
    expect(crit.diagnosis).toContain(`pid ${pids[2]} -> ${pids[3]}`);
    expect(crit.remedy).toMatch(/crash-loop breaker trips at 3 unclean boots in 5 minutes/);
    expect(crit.remedy).toContain('channels.start');
    expect(crit.remedy).not.toMatch(/openclaw (start|stop|restart)\b/);

    // The windows come from the series: 5 minutes later only the 15-minute one holds them.
    s.advance(5 * 60_000);
    const later = await s.run();
    expect(later.status).toBe('warn');
    expect(later.metrics).toMatchObject({ restartsCritWindow: 0, restartsWarnWindow: 3 });
  });

  it('judges windows from a pre-filled series: 3 restarts recorded by earlier runs are CRIT at once, and configurable', async () => {
    const gw = await startFakeGateway({ uptimeMs: 3_600_000 });
    const s = session(gw.port, { options: { exitReasons: false } });
    const t0 = Date.parse('2026-11-29T12:00:00Z');
    for (const ago of [240_000, 120_000, 60_000]) s.state.series.record(RESTARTS_SERIES, 1, t0 - ago);
    expect((await s.run()).status).toBe('crit');
    const relaxed = await s.run({ options: { exitReasons: false, critRestarts: 5, warnRestarts: 4 } });
    expect(relaxed.status).toBe('ok');
  });

  it('is not fooled by a clock that jumps (no restart from wall time alone in the same agent)', async () => {
    const gw = await startFakeGateway({ uptimeMs: 3_600_000 });
    const s = session(gw.port, { options: { exitReasons: false } });
    await s.run();
    s.advance(3 * 3_600_000); // the wall clock jumps 3 h; the gateway's uptime moved only by real time
    const r = await s.run();
    expect(r.summary).toMatch(/^no restart/);
  });

  describe('bad input', () => {
    let server: Server | undefined;
    afterEach(async () => {
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      server = undefined;
    });

    async function answering(startupz: unknown): Promise<number> {
      server = createServer((req, res) => {
        const body = req.url === '/startupz' ? JSON.stringify(startupz) : JSON.stringify({ ready: true, failing: [] });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(body);
      });
      await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
      return (server.address() as { port: number }).port;
    }

    it('a non-numeric uptimeMs and no OpenClaw process on the port: UNKNOWN naming the field, never CRIT', async () => {
      const port = await answering({ ok: true, status: 'started', uptimeMs: 'abc' });
      const s = session(port);
      const r = await s.run();
      expect(r.status).toBe('unknown');
      expect(r.summary).toMatch(/^cannot count restarts: \/startupz uptimeMs is not a number of milliseconds: "abc"/);
      expect(s.state.series.names()).toEqual([]);
    });

    it('a series never written and a memory that is not its shape: a first look, not a crash', async () => {
      const gw = await startFakeGateway({ uptimeMs: 3_600_000 });
      const s = session(gw.port, { options: { exitReasons: false } });
      s.state.memory.set({ last: { at: 'yesterday', pid: 'x' }, events: 7 });
      const r = await s.run();
      expect(r.status).toBe('ok');
      expect(r.summary).toMatch(/^no restart seen \(first look/);
      expect(r.summary).toContain('memory kept from earlier runs was unreadable');
    });

    it('an option of the wrong type is UNKNOWN naming the key', async () => {
      const r = await session(1).run({ options: { warnRestarts: 'two' } });
      expect(r.status).toBe('unknown');
      expect(r.summary).toMatch(/^invalid option warnRestarts: /);
    });
  });
});
