import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CheckContext, CheckResult } from '../../src/contracts.ts';
import { measureMemory, memoryCheck, memoryOptionsSchema, RSS_SERIES } from '../../checks/memory.ts';
import { clearPortOwnerCache } from '../../src/platform/port-owner.ts';
import { parseStartTicks, statusField } from '../../src/platform/proc-memory.ts';
import { inMemoryCheckState } from '../../src/state/series.ts';
import { fakeProc, type FakeProc } from '../fixtures/fake-proc.ts';
import { testContext } from '../fixtures/gateway-harness.ts';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const MIN = 60_000;
const HOUR = 60 * MIN;
const PORT = 18789;
const HOST_24G = 24 * GiB;
const T0 = Date.UTC(2026, 10, 29, 8, 0, 0);

let proc: FakeProc;
beforeEach(() => {
  clearPortOwnerCache();
  proc = fakeProc(PORT);
});
afterEach(() => proc.cleanup());

interface Run {
  at: number;
  result: CheckResult;
}

/** A clock and state shared by successive runs, like the agent's. */
function agentLike(options: Record<string, unknown> = {}) {
  let now = T0;
  const state = inMemoryCheckState(() => now);
  const ctx = (): CheckContext => ({ ...testContext({ port: PORT, now: () => now, options }), series: state.series, memory: state.memory });
  return {
    state,
    setNow: (t: number) => (now = t),
    run: async (at: number): Promise<CheckResult> => {
      now = at;
      return measureMemory(ctx(), { procRoot: proc.procRoot, cgroupRoot: proc.cgroupRoot, hostMemoryBytes: HOST_24G });
    },
  };
}

/** Runs every stepMs from `from` to `to` with RSS f(t) (t: ms since from) of the process started at `started`. */
async function drive(agent: ReturnType<typeof agentLike>, from: number, to: number, stepMs: number, f: (t: number) => number): Promise<Run[]> {
  const runs: Run[] = [];
  for (let at = from; at <= to; at += stepMs) {
    proc.setRss(f(at - from));
    runs.push({ at, result: await agent.run(at) });
  }
  return runs;
}

const statuses = (runs: Run[]) => new Set(runs.map((r) => r.result.status));

describe('memory check on synthetic series (fake /proc, fake clock)', () => {
  it('flat at 850 MiB on a 24 GiB host: OK throughout, with the RSS in the summary and metrics', async () => {
    proc.setProcess(4242, T0 - HOUR);
    const agent = agentLike();
    const runs = await drive(agent, T0, T0 + 2 * HOUR, 30_000, () => 850 * MiB);
    expect(statuses(runs)).toEqual(new Set(['ok']));
    const last = runs.at(-1)!.result;
    expect(last.summary).toMatch(/^RSS 850 MiB \(PSS 808 MiB\), flat; 55 % of the 1\.50 GiB limit \(maxMemory\)$/);
    expect(last.metrics).toMatchObject({ rssBytes: 850 * MiB, limitBytes: 1.5 * GiB, growthBytesPerHour: 0 });
    expect(last.details).toMatchObject({ pid: 4242 });
    expect(agent.state.series.points(RSS_SERIES, T0).length).toBeGreaterThan(100);
  });

  it('a linear leak: slope and time to the limit within 5 %, WARN inside the 6 h horizon, CRIT inside 1 h', async () => {
    proc.setProcess(4242, T0 - 2 * HOUR);
    const agent = agentLike({ maxMemory: '2GiB' });
    const rate = 210 * MiB;
    const rss = (t: number) => 900 * MiB + (rate * t) / HOUR;
    const runs = await drive(agent, T0, T0 + 5 * HOUR, 30_000, rss);
    // At 1 h in: 1110 MiB, (2048 - 1110) / 210 h = 4.47 h to go.
    const at1h = runs.find((r) => r.at === T0 + HOUR)!.result;
    expect(at1h.status).toBe('warn');
    expect(at1h.summary).toMatch(/^RSS 1\.08 GiB, growing 210 MiB\/h: reaches the 2\.00 GiB limit \(maxMemory\) in about 4 h 30 min$/);
    const slope = at1h.metrics!.growthBytesPerHour!;
    expect(Math.abs(slope - rate) / rate).toBeLessThan(0.05);
    const truth = ((2048 * MiB - rss(HOUR)) / rate) * 3600;
    expect(Math.abs(at1h.metrics!.secondsToLimit! - truth) / truth).toBeLessThan(0.05);
    expect(at1h.diagnosis).toMatch(/grew 210 MiB\/h/);
    expect(at1h.remedy).toMatch(/openclaw gateway restart --json --safe/);
    expect(at1h.remedy).toMatch(/messages\.groupChat\.historyLimit/);
    expect(at1h.remedy).toMatch(/session\.reset/);
    expect(at1h.remedy).not.toMatch(/openclaw (start|stop|restart|cache clear)\b/);
    // Before it had enough samples (a quarter of the window) nothing was projected.
    expect(runs.find((r) => r.at === T0 + 10 * MIN)!.result.status).toBe('ok');
    // Within an hour of the limit: CRIT; over it: CRIT saying so.
    const crit = runs.find((r) => r.result.status === 'crit')!;
    expect((2048 * MiB - rss(crit.at - T0)) / rate).toBeLessThanOrEqual(1.05);
    expect(runs.at(-1)!.result.summary).toMatch(/^RSS 1\.90 GiB, growing 210 MiB\/h: reaches .* in about 28 min$/);
    proc.setRss(2100 * MiB);
    const over = await agent.run(T0 + 5 * HOUR + 30_000);
    expect(over.status).toBe('crit');
    expect(over.summary).toMatch(/^RSS 2\.05 GiB is over the 2\.00 GiB limit \(maxMemory\), growing/);
  });

  it('a GC sawtooth (300 MiB swings every 4 min) on a flat baseline never alerts', async () => {
    proc.setProcess(4242, T0 - HOUR);
    const agent = agentLike();
    const runs = await drive(agent, T0, T0 + 3 * HOUR, 30_000, (t) => 700 * MiB + ((t % (4 * MIN)) / (4 * MIN)) * 300 * MiB);
    expect(statuses(runs)).toEqual(new Set(['ok']));
    expect(Math.abs(runs.at(-1)!.result.metrics!.growthBytesPerHour!)).toBeLessThan(16 * MiB);
  });

  it('a slow sawtooth (10 min) and a leak under it: the leak is measured, not the swings', async () => {
    proc.setProcess(4242, T0 - HOUR);
    const agent = agentLike();
    const saw = (t: number) => ((t % (10 * MIN)) / (10 * MIN)) * 250 * MiB;
    const flat = await drive(agent, T0, T0 + 2 * HOUR, 30_000, (t) => 700 * MiB + saw(t));
    expect(statuses(flat)).toEqual(new Set(['ok']));
    proc.setProcess(5000, T0 + 2 * HOUR);
    const leak = await drive(agent, T0 + 2 * HOUR + 10 * MIN, T0 + 4 * HOUR, 30_000, (t) => 700 * MiB + saw(t) + (150 * MiB * t) / HOUR);
    const slope = leak.at(-1)!.result.metrics!.growthBytesPerHour!;
    expect(Math.abs(slope - 150 * MiB) / (150 * MiB)).toBeLessThan(0.05);
  });

  it('a start-up climb and spike to 1.3 GiB inside the warm-up does not alert', async () => {
    proc.setProcess(4242, T0);
    const agent = agentLike();
    // 200 MiB at start, a spike to 1.3 GiB at 3 min, settled at 850 MiB after 6 min.
    const rss = (t: number) => (t < 3 * MIN ? 200 * MiB + (t / (3 * MIN)) * 1100 * MiB : t < 6 * MIN ? 1300 * MiB - ((t - 3 * MIN) / (3 * MIN)) * 450 * MiB : 850 * MiB);
    const runs = await drive(agent, T0, T0 + 90 * MIN, 30_000, rss);
    expect(statuses(runs)).toEqual(new Set(['ok']));
    expect(runs[2]!.result.summary).toMatch(/gateway up 1m, trend after its 10m warm-up/);
  });

  it('a restart mid-window (new pid) starts a new segment: the old leak is not projected onto the new process', async () => {
    proc.setProcess(4242, T0 - HOUR);
    const agent = agentLike({ maxMemory: '2g' });
    const before = await drive(agent, T0, T0 + 2 * HOUR, 30_000, (t) => 1000 * MiB + (300 * MiB * t) / HOUR);
    expect(before.at(-1)!.result.status).not.toBe('ok');
    const restart = T0 + 2 * HOUR + 30_000;
    proc.setProcess(5151, restart);
    const after = await drive(agent, restart, restart + 40 * MIN, 30_000, () => 700 * MiB);
    expect(statuses(after)).toEqual(new Set(['ok']));
    expect(after[0]!.result.details).toMatchObject({ restartedFrom: 4242, pid: 5151 });
    expect(after.at(-1)!.result.metrics).toMatchObject({ growthBytesPerHour: 0 });
    expect(after.at(-1)!.result.details).toMatchObject({ pid: 5151 });
  });

  it('a restart in place (same pid, later start time) also starts a new segment', async () => {
    proc.setProcess(4242, T0 - HOUR);
    const agent = agentLike({ maxMemory: '2g' });
    await drive(agent, T0, T0 + HOUR, 30_000, (t) => 1000 * MiB + (300 * MiB * t) / HOUR);
    proc.setProcess(4242, T0 + HOUR + 10_000);
    const after = await drive(agent, T0 + HOUR + 30_000, T0 + HOUR + 30 * MIN, 30_000, () => 600 * MiB);
    expect(statuses(after)).toEqual(new Set(['ok']));
  });

  it('an in-place restart (same pid and start time) seen by the restarts check also starts a new segment', async () => {
    proc.setProcess(4242, T0 - HOUR);
    const agent = agentLike({ maxMemory: '2g' });
    const before = await drive(agent, T0, T0 + 2 * HOUR, 30_000, (t) => 1000 * MiB + (300 * MiB * t) / HOUR);
    expect(before.at(-1)!.result.status).not.toBe('ok');
    // The restarts check's series: 0 each run, 1 for the run that saw the restart.
    for (let t = T0; t <= T0 + 2 * HOUR; t += 30_000) agent.state.series.record('gateway.restarts', 0, t);
    agent.state.series.record('gateway.restarts', 1, T0 + 2 * HOUR + 30_000);
    const after = await drive(agent, T0 + 2 * HOUR + 30_000, T0 + 2 * HOUR + 40 * MIN, 30_000, () => 650 * MiB);
    expect(statuses(after)).toEqual(new Set(['ok']));
    expect(after[0]!.result.summary).toMatch(/gateway up 0ms, trend after its 10m warm-up/);
  });

  it('a clock jump back and forward: no false alert, no crash', async () => {
    proc.setProcess(4242, T0 - 2 * HOUR);
    const agent = agentLike();
    const a = await drive(agent, T0, T0 + HOUR, 30_000, () => 900 * MiB);
    const b = await drive(agent, T0 + 30 * MIN, T0 + 50 * MIN, 30_000, () => 900 * MiB); // back 30 min
    const c = await drive(agent, T0 + 5 * HOUR, T0 + 5 * HOUR + 20 * MIN, 30_000, () => 900 * MiB); // forward 4 h
    expect(statuses([...a, ...b, ...c])).toEqual(new Set(['ok']));
  });
});

describe('memory check limits', () => {
  it('the cgroup memory.max of the gateway unit (systemd MemoryMax=) is a limit, the lowest on the way up counts', async () => {
    proc.setProcess(4242, T0 - HOUR, '/system.slice/openclaw-gateway.service');
    proc.setCgroupMax('/system.slice', '4294967296');
    proc.setCgroupMax('/system.slice/openclaw-gateway.service', String(1024 * MiB));
    proc.setRss(950 * MiB);
    const r = await agentLike().run(T0);
    expect(r.status).toBe('warn');
    expect(r.summary).toBe('RSS 950 MiB is 93 % of the 1.00 GiB limit (cgroup memory.max of /system.slice/openclaw-gateway.service)');
  });

  it('a small host: 80 % of its memory is the nearest limit; hysteresis clears 5 points lower', async () => {
    proc.setProcess(4242, T0 - HOUR);
    const agent = agentLike({ maxMemory: '8g' });
    const run = (rss: number, at: number) => {
      proc.setRss(rss);
      return measureMemory(testContextAt(agent, at), { procRoot: proc.procRoot, cgroupRoot: proc.cgroupRoot, hostMemoryBytes: 2 * GiB });
    };
    expect((await run(1400 * MiB, T0)).status).toBe('ok'); // 85 %
    expect((await run(1480 * MiB, T0 + MIN)).status).toBe('warn'); // 90.3 %
    expect((await run(1420 * MiB, T0 + 2 * MIN)).status).toBe('warn'); // 86.7 %: not cleared yet
    expect((await run(1390 * MiB, T0 + 3 * MIN)).status).toBe('ok'); // 84.8 %
    expect((await run(1700 * MiB, T0 + 4 * MIN)).summary).toMatch(/is over the 1\.60 GiB limit \(80 % of the host's 2\.00 GiB\)/);
  });
});

function testContextAt(agent: ReturnType<typeof agentLike>, at: number): CheckContext {
  agent.setNow(at);
  return { ...testContext({ port: PORT, now: () => at, options: { maxMemory: '8g' } }), series: agent.state.series, memory: agent.state.memory };
}

describe('memory check evidence', () => {
  it("names OpenClaw's own memory pressure lines from the log tail when it alerts", async () => {
    const { writeFileSync } = await import('node:fs');
    const log = `${proc.procRoot}/openclaw-2026-11-29.log`;
    const pressure = {
      time: '2026-11-29T07:55:00.000+00:00',
      message: 'memory pressure: level=warning reason=rss_growth rss=1.4GiB heap=300MiB threshold=512MiB nextStep=inspect',
      _meta: { logLevelName: 'WARN', name: '{"subsystem":"gateway/diagnostics/memory"}' },
    };
    writeFileSync(log, `${'x'.repeat(100)}\n{"message":"ready"}\n${JSON.stringify(pressure)}\nnot json memory pressure: level=critical\n`);
    proc.setProcess(4242, T0 - HOUR);
    proc.setRss(1450 * MiB);
    const r = await measureMemory(testContext({ port: PORT, now: () => T0 }), { procRoot: proc.procRoot, cgroupRoot: proc.cgroupRoot, hostMemoryBytes: HOST_24G, logPath: log });
    expect(r.status).toBe('warn');
    expect(r.diagnosis).toContain('OpenClaw logged memory pressure: "2026-11-29T07:55:00.000+00:00 memory pressure: level=warning reason=rss_growth');
    expect(r.diagnosis).toContain('"not json memory pressure: level=critical"');
    expect(r.remedy).toContain(`the "memory pressure" lines in ${log}`);
    expect(r.details).toHaveProperty('memoryPressure');
  });

  it('a port held by something that is not OpenClaw (a forwarder): not measured, OK with a note', async () => {
    const { writeFileSync } = await import('node:fs');
    proc.setProcess(777, T0 - HOUR);
    writeFileSync(`${proc.procRoot}/777/cmdline`, '/usr/bin/docker-proxy\0-proto\0tcp\0');
    writeFileSync(`${proc.procRoot}/777/comm`, 'docker-proxy\n');
    proc.setRss(20 * MiB);
    const r = await agentLike().run(T0);
    expect(r.status).toBe('ok');
    expect(r.summary).toMatch(/^not measured: 127\.0\.0\.1:18789 is held by pid 777 \(docker-proxy\), not OpenClaw's process/);
  });
});

describe('tailLines', () => {
  it('reads only the tail, drops the cut first line, keeps the last matches', async () => {
    const { writeFileSync } = await import('node:fs');
    const { tailLines } = await import('../../checks/log-tail.ts');
    const file = `${proc.procRoot}/tail.log`;
    writeFileSync(file, Array.from({ length: 100 }, (_, i) => `line ${i} ${i % 10 === 0 ? 'memory pressure:' : ''}`).join('\n'));
    expect(await tailLines(file, { maxBytes: 1_000_000, match: /memory pressure:/, max: 2 })).toEqual(['line 80 memory pressure:', 'line 90 memory pressure:']);
    const tail = await tailLines(file, { maxBytes: 40, match: /./, max: 10 });
    expect(tail.every((l) => /^line \d+ /.test(l))).toBe(true);
    expect(await tailLines(`${proc.procRoot}/missing.log`, { maxBytes: 100, match: /./, max: 1 })).toEqual([]);
    expect(await tailLines(proc.procRoot, { maxBytes: 100, match: /./, max: 1 })).toEqual([]);
  });
});

describe('memory check on bad input', () => {
  it('a pid that vanished between the lookup and the read: UNKNOWN, not CRIT', async () => {
    proc.setProcess(4242, T0);
    proc.breakStatus('gone');
    const r = await agentLike().run(T0);
    expect(r.status).toBe('unknown');
    expect(r.summary).toMatch(/^gateway pid 4242 \(openclaw-gateway\) vanished while its memory was read/);
  });

  it('a /proc file that cannot be read: UNKNOWN naming the file, with what to do', async () => {
    proc.setProcess(4242, T0);
    proc.breakStatus('unreadable');
    const r = await agentLike().run(T0);
    expect(r.status).toBe('unknown');
    expect(r.summary).toMatch(/cannot measure gateway pid 4242 .*cannot read .*\/4242\/status/);
    expect(r.remedy).toMatch(/as the user that runs the gateway/);
  });

  it('a non-numeric VmRSS: UNKNOWN', async () => {
    proc.setProcess(4242, T0);
    proc.setStatusText('Name:\topenclaw\nVmRSS:\t  lots kB\n');
    const r = await agentLike().run(T0);
    expect(r).toMatchObject({ status: 'unknown' });
    expect(r.summary).toMatch(/VmRSS is not a number/);
  });

  it('PSS (smaps_rollup, the costly read) is read at most every pssInterval; in between the last reading is shown', async () => {
    proc.setProcess(4242, T0 - HOUR);
    const agent = agentLike();
    proc.setRss(800 * MiB, 700 * MiB);
    expect((await agent.run(T0)).summary).toMatch(/^RSS 800 MiB \(PSS 700 MiB\)/);
    proc.setRss(800 * MiB, 710 * MiB);
    const between = await agent.run(T0 + 4 * MIN);
    expect(between.summary).toMatch(/\(PSS 700 MiB\)/);
    expect(between.metrics!.pssBytes).toBe(700 * MiB);
    expect((await agent.run(T0 + 5 * MIN)).summary).toMatch(/\(PSS 710 MiB\)/);
    expect(agent.state.series.points('gateway.pss_bytes', 0).map((p) => p.value)).toEqual([700 * MiB, 710 * MiB]);
    // A new process is read at once, not shown with the old one's PSS.
    proc.setProcess(5151, T0 + 6 * MIN);
    proc.setRss(300 * MiB, 250 * MiB);
    expect((await agent.run(T0 + 6 * MIN)).summary).toMatch(/^RSS 300 MiB \(PSS 250 MiB\)/);
  });

  it('an unreadable smaps_rollup only loses PSS', async () => {
    proc.setProcess(4242, T0 - HOUR);
    proc.setRss(800 * MiB);
    const { rmSync, mkdirSync } = await import('node:fs');
    rmSync(`${proc.procRoot}/4242/smaps_rollup`);
    mkdirSync(`${proc.procRoot}/4242/smaps_rollup`);
    const r = await agentLike().run(T0);
    expect(r.status).toBe('ok');
    expect(r.metrics!.pssBytes).toBeUndefined();
    expect(r.details).toHaveProperty('pssMissing');
  });

  it('nothing listening: OK with a note that points at gateway.port (the down gateway is its alert), never CRIT', async () => {
    const r = await measureMemory(testContext({ port: 1 }), { procRoot: proc.procRoot });
    expect(r.status).toBe('ok');
    expect(r.summary).toBe('not measured: nothing listens on 127.0.0.1:1 (gateway down; gateway.port alerts on that)');
    expect(memoryCheck.dependsOn).toEqual(['gateway.port']);
  });

  it('a bad option: UNKNOWN naming it; the schema names maxMemory for config validate', async () => {
    const r = await measureMemory(testContext({ port: PORT, options: { maxMemory: 'lots' } }), { procRoot: proc.procRoot });
    expect(r).toEqual({ status: 'unknown', summary: 'invalid option maxMemory: "lots" is not a size (use e.g. "1.5g", "800m", "2GiB", or bytes as a number)' });
    const parsed = memoryOptionsSchema.safeParse({ ...memoryCheck.defaults.options, critHorizon: '8h' });
    expect(parsed.error?.issues[0]?.path).toEqual(['critHorizon']);
    // The schema's own output parses again (the runner hands checks parsed options).
    const defaults = memoryOptionsSchema.parse(memoryCheck.defaults.options);
    expect(memoryOptionsSchema.parse(defaults)).toEqual(defaults);
    expect(defaults).toMatchObject({ maxMemory: 1.5 * GiB, window: HOUR, horizon: 6 * HOUR, critHorizon: HOUR, warmup: 10 * MIN });
  });

  it('/proc parsers: status fields and the start time after a comm with spaces and parentheses', () => {
    expect(statusField('VmRSS:\t  1024 kB\n', 'VmRSS')).toBe(1024 * 1024);
    expect(statusField('VmRSS:\t  x kB\n', 'VmRSS')).toBeNaN();
    expect(statusField('Name: a\n', 'VmRSS')).toBeUndefined();
    expect(parseStartTicks('12 (a) b) c) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 777 9')).toBe(777);
    expect(parseStartTicks('12 (x) S 1')).toBeUndefined();
  });
});
