import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CheckContext, CheckResult } from '../../src/contracts.ts';
import { diskCheck, diskOptionsSchema, measureDisks, mountPointOf } from '../../checks/disk.ts';
import { inMemoryCheckState } from '../../src/state/series.ts';
import { testContext } from '../fixtures/gateway-harness.ts';

const GiB = 1024 ** 3;
const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.UTC(2026, 10, 29, 8, 0, 0);
const BSIZE = 4096;
const TOTAL = 100 * GiB;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'clawmedic-disk-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** One filesystem of 100 GiB whose free space (and free inodes) the test sets before each run. */
function agentLike(options: Record<string, unknown> = {}) {
  let now = T0;
  let free = 50 * GiB;
  let ffree = 1_000_000;
  const state = inMemoryCheckState(() => now);
  const statfs = async () => ({ bsize: BSIZE, blocks: TOTAL / BSIZE, bfree: free / BSIZE, bavail: free / BSIZE, files: 2_000_000, ffree });
  const ctx = (): CheckContext => ({
    ...testContext({ port: 1, now: () => now, options: { logDir: join(dir, 'logs-not-made-yet'), ...options }, target: { openclawStateDir: join(dir, 'state') } }),
    series: state.series,
    memory: state.memory,
  });
  return {
    setFree: (bytes: number) => (free = bytes),
    setFreeInodes: (n: number) => (ffree = n),
    run: (at: number): Promise<CheckResult> => {
      now = at;
      return measureDisks(ctx(), { statfs, mountinfo: `22 1 254:0 / / rw - ext4 /dev/vda rw\n` });
    },
  };
}

async function drive(agent: ReturnType<typeof agentLike>, from: number, to: number, stepMs: number, free: (t: number) => number) {
  const out: Array<{ at: number; result: CheckResult }> = [];
  for (let at = from; at <= to; at += stepMs) {
    agent.setFree(Math.round(free(at - from) / BSIZE) * BSIZE);
    out.push({ at, result: await agent.run(at) });
  }
  return out;
}
const statuses = (runs: Array<{ result: CheckResult }>) => new Set(runs.map((r) => r.result.status));

describe('disk check on synthetic series (fake statfs, fake clock)', () => {
  it('flat at 50 % used: OK, one filesystem for the three directories, free bytes and inodes recorded', async () => {
    const agent = agentLike();
    const runs = await drive(agent, T0, T0 + 2 * HOUR, MIN, () => 50 * GiB);
    expect(statuses(runs)).toEqual(new Set(['ok']));
    const last = runs.at(-1)!.result;
    expect(last.summary).toMatch(/^\/ 50 % used, 50\.0 GiB free \(.*\/state, OpenClaw's logs .*logs-not-made-yet\)$/);
    expect(last.metrics).toMatchObject({ 'openclaw_state.freeBytes': 50 * GiB, 'openclaw_state.usedPct': 50, 'openclaw_state.freeInodes': 1_000_000, 'openclaw_state.fillBytesPerHour': 0 });
  });

  it('a steady fill: rate and time to full within 5 %, WARN within 6 h, CRIT within 1 h', async () => {
    const agent = agentLike();
    const rate = 1.2 * GiB;
    const free = (t: number) => 12 * GiB - (rate * t) / HOUR;
    const runs = await drive(agent, T0, T0 + 9 * HOUR, MIN, free);
    const at2h = runs.find((r) => r.at === T0 + 2 * HOUR)!.result;
    // 9.6 GiB free at 1.2 GiB/h: 8 h to full: a used-space WARN (90 %) only.
    expect(at2h.status).toBe('warn');
    expect(Math.abs(at2h.metrics!['openclaw_state.fillBytesPerHour']! - rate) / rate).toBeLessThan(0.05);
    const at7h = runs.find((r) => r.at === T0 + 7 * HOUR)!.result;
    const truth = (free(7 * HOUR) / rate) * 3600;
    expect(Math.abs(at7h.metrics!['openclaw_state.secondsToFull']! - truth) / truth).toBeLessThan(0.05);
    expect(at7h.summary).toMatch(/^the filesystem of .*\/state, OpenClaw's logs .* \(\/\) is 96 % full \(3\.60 GiB free\), filling 1\.20 GiB\/h: full in about 3 h$/);
    expect(at7h.status).toBe('crit'); // 96 % >= 95 %
    expect(at7h.remedy).toMatch(/du -xh/);
    expect(at7h.remedy).toMatch(/Do not delete state\/\*\.sqlite/);
    const last = runs.at(-1)!.result; // 1.2 GiB left: about an hour
    expect(last.status).toBe('crit');
    expect(last.summary).toMatch(/full in about 1 h$/);
  });

  it('time to full alone raises WARN and CRIT on a roomy disk that fills fast', async () => {
    const agent = agentLike({ warnPct: 99, critPct: 100 });
    const runs = await drive(agent, T0, T0 + 3.5 * HOUR, MIN, (t) => 80 * GiB - (10 * GiB * t) / HOUR);
    const statusAt = (h: number) => runs.find((r) => r.at === T0 + h * HOUR)!.result.status;
    expect(statusAt(0.25)).toBe('ok'); // 77.5 GiB at 10 GiB/h: 7.75 h
    expect(statusAt(2.25)).toBe('warn'); // 57.5 GiB: 5.75 h
    expect(statusAt(3.5)).toBe('warn'); // 45 GiB: 4.5 h
    const fast = agentLike({ warnPct: 99, critPct: 100 });
    const runs2 = await drive(fast, T0, T0 + HOUR + 6 * MIN, MIN, (t) => 20 * GiB - (20 * GiB * t) / HOUR / 2);
    expect(runs2.at(-1)!.result.status).toBe('crit'); // 9 GiB at 10 GiB/h: 54 min
    expect(runs2.at(-1)!.result.summary).toMatch(/filling 10\.0 GiB\/h: full in about 54 min$/);
  });

  it('temporary files written and removed (a sawtooth) and one burst do not alert', async () => {
    const agent = agentLike();
    const runs = await drive(agent, T0, T0 + 3 * HOUR, MIN, (t) => 20 * GiB - ((t % (10 * MIN)) / (10 * MIN)) * 4 * GiB - (t === 90 * MIN ? 6 * GiB : 0));
    expect(statuses(runs)).toEqual(new Set(['ok']));
  });

  it('a clean-up mid-window and an agent stopped for 40 min: no false alert', async () => {
    const agent = agentLike();
    const before = await drive(agent, T0, T0 + HOUR, MIN, (t) => 30 * GiB - (0.5 * GiB * t) / HOUR);
    const after = await drive(agent, T0 + HOUR + 40 * MIN, T0 + 3 * HOUR, MIN, (t) => 45 * GiB - (0.5 * GiB * t) / HOUR);
    expect(statuses([...before, ...after])).toEqual(new Set(['ok']));
  });

  it('a clock jump back and forward: no false alert, no crash', async () => {
    const agent = agentLike();
    const a = await drive(agent, T0, T0 + HOUR, MIN, () => 30 * GiB);
    const b = await drive(agent, T0 + 20 * MIN, T0 + 40 * MIN, MIN, () => 30 * GiB);
    const c = await drive(agent, T0 + 6 * HOUR, T0 + 6 * HOUR + 30 * MIN, MIN, () => 30 * GiB);
    expect(statuses([...a, ...b, ...c])).toEqual(new Set(['ok']));
  });

  it('inodes running out: WARN at 90 % used, cleared with hysteresis', async () => {
    const agent = agentLike();
    agent.setFreeInodes(150_000); // 92.5 % used
    const r = await agent.run(T0);
    expect(r.status).toBe('warn');
    expect(r.summary).toMatch(/inodes 93 % used \(150000 free\)/);
    agent.setFreeInodes(250_000); // 87.5 %: not cleared yet
    expect((await agent.run(T0 + MIN)).status).toBe('warn');
    agent.setFreeInodes(320_000); // 84 %
    expect((await agent.run(T0 + 2 * MIN)).status).toBe('ok');
  });
});

describe('disk check on bad input', () => {
  it('statfs failing or giving nonsense for every path: UNKNOWN, not CRIT', async () => {
    const ctx = testContext({ port: 1, target: { openclawStateDir: dir }, options: { logDir: dir } });
    const failing = await measureDisks(ctx, { statfs: async () => Promise.reject(Object.assign(new Error('EIO: i/o error, statfs'), { code: 'EIO' })), mountinfo: '' });
    expect(failing.status).toBe('unknown');
    expect(failing.summary).toMatch(/^cannot read any filesystem: .*EIO/);
    const nonsense = await measureDisks(ctx, { statfs: async () => ({ bsize: 4096, blocks: Number.NaN, bfree: 1, bavail: 1, files: 0, ffree: 0 }), mountinfo: '' });
    expect(nonsense.status).toBe('unknown');
    expect(nonsense.summary).toMatch(/not a number/);
  });

  it('a bad option names its key; defaults parse and re-parse', () => {
    expect(diskOptionsSchema.safeParse({ ...diskCheck.defaults.options, warnPct: 99, critPct: 90 }).error?.issues[0]?.path).toEqual(['warnPct']);
    expect(diskOptionsSchema.safeParse({ minFillPerHour: 'lots' }).error?.issues[0]?.message).toMatch(/"lots" is not a size/);
    const d = diskOptionsSchema.parse(diskCheck.defaults.options);
    expect(diskOptionsSchema.parse(d)).toEqual(d);
  });

  it('mountPointOf takes the longest mount that holds the path, with escaped spaces', () => {
    const info = '22 1 254:0 / / rw - ext4 /dev/vda rw\n30 22 0:25 / /tmp rw - tmpfs tmpfs rw\n31 22 0:26 / /mnt/my\\040disk rw - ext4 /dev/vdb rw\n';
    expect(mountPointOf('/tmp/openclaw', info)).toBe('/tmp');
    expect(mountPointOf('/tmpx', info)).toBe('/');
    expect(mountPointOf('/mnt/my disk/a', info)).toBe('/mnt/my disk');
  });
});
