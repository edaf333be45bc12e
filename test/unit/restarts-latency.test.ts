import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  describeExitReasons,
  findExitReasons,
  gatewayLogReasons,
  journalReasons,
  kernelOomLines,
  pm2Reasons,
  restartLogReasons,
} from '../../checks/exit-reasons.ts';
import { hysteresisLevel, percentile } from '../../checks/latency.ts';
import { restartEvidence, type Observation } from '../../checks/restarts.ts';
import type { Exec } from '../../src/contracts.ts';
import { readTail } from '../../src/platform/file-tail.ts';
import { parseStartTicks, readProcessStart } from '../../src/platform/proc-stat.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clawmedic-restarts-unit-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const STAT = '4121 (openclaw-gateway) S 1 4121 4121 0 -1 4194560 52311 0 12 0 1523 301 0 0 20 0 11 0 987654 1234567890 54321 18446744073709551615';

describe('/proc/<pid>/stat start time', () => {
  it('reads field 22, with a comm that holds spaces and parentheses', () => {
    expect(parseStartTicks(STAT)).toEqual({ ok: true, startTicks: 987654 });
    expect(parseStartTicks(STAT.replace('(openclaw-gateway)', '(a) b (c)'))).toEqual({ ok: true, startTicks: 987654 });
  });

  it('names the field when it is not a number, and the count when the line is short', () => {
    expect(parseStartTicks(STAT.replace(' 987654 ', ' 98x654 '), '/proc/4121/stat')).toEqual({
      ok: false,
      kind: 'malformed',
      message: 'field 22 (starttime) of /proc/4121/stat is not a number: "98x654"',
    });
    expect(parseStartTicks('4121 (x) S 1 2', '/proc/4121/stat')).toMatchObject({ ok: false, kind: 'malformed', message: expect.stringMatching(/has 5 fields, not the 22/) });
    expect(parseStartTicks('garbage')).toMatchObject({ ok: false, kind: 'malformed' });
  });

  it('says "gone" for a pid that vanished and "unreadable" for a file that cannot be read', async () => {
    const proc = join(dir, 'proc');
    await mkdir(join(proc, '77', 'stat'), { recursive: true }); // a directory where the file should be: EISDIR
    await mkdir(join(proc, '78'), { recursive: true });
    await writeFile(join(proc, '78', 'stat'), STAT);
    expect(await readProcessStart(76, proc)).toMatchObject({ ok: false, kind: 'gone', message: expect.stringMatching(/^pid 76 exited/) });
    expect(await readProcessStart(77, proc)).toMatchObject({ ok: false, kind: 'unreadable', message: expect.stringContaining(join(proc, '77', 'stat')) });
    expect(await readProcessStart(78, proc)).toEqual({ ok: true, startTicks: 987654 });
    expect(await readProcessStart(-1, proc)).toMatchObject({ ok: false, kind: 'malformed' });
    // This very process, from the real /proc.
    expect(await readProcessStart(process.pid)).toMatchObject({ ok: true });
  });
});

describe('restart evidence', () => {
  const base: Observation = { at: 1_000_000, uptimeMs: 600_000, pid: 10, startTicks: 500, agent: 'a', mono: 50_000 };

  it('is nothing for the same boot seen 30 s later', () => {
    expect(restartEvidence(base, { ...base, at: base.at + 30_000, uptimeMs: 630_000, mono: 80_000 })).toEqual([]);
  });

  it('names each signal that changed', () => {
    expect(restartEvidence(base, { ...base, at: base.at + 30_000, uptimeMs: 9_000, mono: 80_000 })).toEqual(['uptime went back from 10m to 9s']);
    expect(restartEvidence(base, { ...base, pid: 11, startTicks: 900, at: base.at + 30_000, uptimeMs: 9_000, mono: 80_000 })[0]).toBe('pid 10 -> 11');
    expect(restartEvidence(base, { ...base, startTicks: 900, at: base.at + 30_000, uptimeMs: 630_000, mono: 80_000 })).toEqual([
      'pid 10 is a new process (start time 500 -> 900 ticks)',
    ]);
    expect(restartEvidence({ ...base, bootId: 'aaaa' }, { ...base, bootId: 'bbbb', at: base.at + 30_000, uptimeMs: 630_000, mono: 80_000 })).toEqual(['bootId aaaa -> bbbb']);
  });

  it('sees a restart between two far-apart runs by the uptime falling short, but not a wall clock that jumped', () => {
    // Another agent process (a restart of clawmedic): wall time only. 1 h later the uptime grew by 20 min only.
    const later = { at: base.at + 3_600_000, uptimeMs: 1_200_000, pid: 10, startTicks: 500, agent: 'b', mono: 1 };
    expect(restartEvidence(base, later)[0]).toMatch(/^uptime 20m is 50m short of 10m plus the 1h since/);
    // The same agent: its monotonic clock moved 30 s while the wall clock moved 1 h: a clock jump or a suspend.
    expect(restartEvidence(base, { ...later, agent: 'a', mono: 80_000 })).toEqual([]);
    // Signals only one side has are not compared.
    expect(restartEvidence({ at: 1, uptimeMs: 5 }, { at: 2, pid: 3 })).toEqual([]);
  });
});

describe('exit reasons', () => {
  const line = (date: string, level: string, message: string) =>
    JSON.stringify({ '0': '{"subsystem":"gateway"}', _meta: { date, logLevelName: level, name: '{"subsystem":"gateway"}' }, time: date, message });

  it('finds the telling lines of the gateway log after a time, with 78 for an invalid config', () => {
    const text = [
      line('2026-11-29T11:00:00.000Z', 'ERROR', 'Uncaught exception: old, before the window'),
      line('2026-11-29T12:00:01.000Z', 'INFO', 'http server listening'),
      line('2026-11-29T12:00:02.000Z', 'ERROR', 'Gateway failed to start: another gateway instance is already listening | listen EADDRINUSE 127.0.0.1:18789'),
      line('2026-11-29T12:00:03.000Z', 'ERROR', 'Unhandled promise rejection: TypeError: fetch failed'),
      line('2026-11-29T12:00:04.000Z', 'ERROR', 'Gateway failed to start: Invalid config at openclaw.json:2'),
      '{not json',
      '',
    ].join('\n');
    const found = gatewayLogReasons(text, Date.parse('2026-11-29T12:00:00Z'));
    // An unhandled `fetch failed` is named as such (openclaw issue #54726), not as any uncaught error.
    expect(found.map((r) => r.kind)).toEqual(['port', 'fetch', 'config']);
    expect(found[2]).toMatchObject({ exitStatus: 78 });
    expect(describeExitReasons({ reasons: found.slice(2), looked: [] })).toMatch(/exit status 78: the config is invalid; restarting will not help/);
  });

  it('reads gateway-restart.log, the journal, pm2 and the kernel log', () => {
    expect(restartLogReasons('[2026-11-29T12:00:05.000Z] openclaw gateway lifecycle source=cli action=restart mode=rpc pid=6031 interactive=0\n', 0)).toMatchObject([
      { kind: 'requested', source: 'gateway-restart.log' },
    ]);
    const journal = [
      '2026-11-29T12:00:00+0000 host systemd[812]: openclaw-gateway.service: Main process exited, code=exited, status=78/CONFIG',
      '2026-11-29T12:01:00+0000 host systemd[812]: openclaw-gateway.service: Main process exited, code=killed, status=9/KILL',
      "2026-11-29T12:01:00+0000 host systemd[812]: openclaw-gateway.service: Failed with result 'oom-kill'.",
      '2026-11-29T12:02:00+0000 host systemd[812]: openclaw-gateway.service: Scheduled restart job, restart counter is at 4.',
    ].join('\n');
    expect(journalReasons(journal).map((r) => [r.kind, r.exitStatus])).toEqual([
      ['config', 78],
      ['signal', undefined],
      ['oom', undefined],
      ['breaker', undefined],
    ]);
    const pm2 = JSON.stringify([
      { name: 'web', pid: 1, pm2_env: { exit_code: 0 } },
      { name: 'openclaw-gateway', pid: 4121, pm2_env: { status: 'online', exit_code: 1, restart_time: 7, unstable_restarts: 2 } },
    ]);
    expect(pm2Reasons(`some banner\n${pm2}`, [])).toEqual([
      { source: 'pm2', kind: 'exit', exitStatus: 1, text: 'pm2 app "openclaw-gateway": status online, last exit code 1, 7 restart(s), 2 unstable' },
    ]);
    expect(pm2Reasons('not json', [])).toEqual([]);
    const kern = [
      'Nov 29 12:00:00 host kernel: Out of memory: Killed process 999 (python3) total-vm:1kB',
      'Nov 29 12:00:01 host kernel: Out of memory: Killed process 4121 (openclaw-gatewa) total-vm:9000000kB, anon-rss:4000000kB',
      'Nov 29 12:00:01 host kernel: oom-kill:constraint=CONSTRAINT_NONE,task=node,pid=5000,uid=1000',
    ].join('\n');
    expect(kernelOomLines(kern, [5000]).map((r) => r.text)).toEqual([expect.stringContaining('4121'), expect.stringContaining('pid=5000')]);
  });

  it('looks in files only when tools may not run, and runs journalctl without a shell when it is there', async () => {
    const logs = join(dir, 'state', 'logs');
    await mkdir(logs, { recursive: true });
    const gatewayLog = join(dir, 'openclaw-2026-11-29.log');
    await writeFile(gatewayLog, `${'x'.repeat(5000)}\n${line('2026-11-29T12:00:02.000Z', 'ERROR', 'Uncaught exception: boom token-abcdef')}\n`);
    const bin = join(dir, 'bin');
    await mkdir(bin, { recursive: true });
    await writeFile(join(bin, 'journalctl'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    const calls: Array<[string, readonly string[]]> = [];
    const exec: Exec = async (file, args) => {
      calls.push([file, args]);
      return { code: 0, signal: null, stdout: 'x systemd: Main process exited, code=exited, status=78/CONFIG\n', stderr: '', timedOut: false, durationMs: 1 };
    };
    const q = {
      logPaths: [gatewayLog],
      stateDir: join(dir, 'state'),
      since: Date.parse('2026-11-29T12:00:00Z'),
      pids: [4121],
      tailBytes: 1024,
      exec,
      signal: AbortSignal.timeout(5_000),
      commandTimeoutMs: 1_000,
      token: 'token-abcdef',
      path: bin,
      kernelLogPaths: [join(dir, 'no-kern.log')],
      pm2Home: join(dir, 'no-pm2'),
    };
    const quiet = await findExitReasons({ ...q, runTools: false });
    expect(calls).toEqual([]);
    expect(quiet.reasons.map((r) => r.text)).toEqual(['2026-11-29T12:00:02.000Z ERROR Uncaught exception: boom ***']);
    const full = await findExitReasons({ ...q, runTools: true });
    expect(calls[0]![0]).toBe(join(bin, 'journalctl'));
    expect(calls[0]![1]).toEqual(expect.arrayContaining(['--user', '-u', 'openclaw-gateway.service', '--no-pager']));
    expect(full.reasons.map((r) => r.kind)).toEqual(['config', 'uncaught']);
    expect(full.looked).toContain(`kernel log: not readable (${join(dir, 'no-kern.log')})`);
  });
});

describe('readTail', () => {
  it('keeps the last bytes from a whole line, and refuses a FIFO without waiting for a writer', async () => {
    const f = join(dir, 'tail.txt');
    await writeFile(f, 'first line\nsecond line\nthird\n');
    expect(await readTail(f, 15)).toMatchObject({ ok: true, text: 'third\n', truncated: true });
    expect(await readTail(f, 1_000)).toMatchObject({ ok: true, text: 'first line\nsecond line\nthird\n', truncated: false });
    expect(await readTail(join(dir, 'missing'), 10)).toMatchObject({ ok: false, code: 'ENOENT' });
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    expect(await readTail(fifo, 10)).toMatchObject({ ok: false, message: `${fifo} is not a regular file` });
  });
});

describe('latency helpers', () => {
  it('percentile by nearest rank', () => {
    expect(percentile([], 50)).toBeUndefined();
    expect(percentile([5], 95)).toBe(5);
    expect(percentile([1, 2, 3, 4, 100], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4, 100], 95)).toBe(100);
    expect(percentile(Array.from({ length: 20 }, (_, i) => i + 1), 95)).toBe(19);
  });

  it('hysteresis: rises at a threshold, falls only below clearRatio x it, and no value is ok', () => {
    const t = { warn: 1_000, crit: 2_000, clearRatio: 0.8 };
    expect(hysteresisLevel(undefined, 999, t)).toBe('ok');
    expect(hysteresisLevel(undefined, 1_000, t)).toBe('warn');
    expect(hysteresisLevel('warn', 850, t)).toBe('warn');
    expect(hysteresisLevel('warn', 790, t)).toBe('ok');
    expect(hysteresisLevel('crit', 1_700, t)).toBe('crit');
    expect(hysteresisLevel('crit', 1_500, t)).toBe('warn');
    expect(hysteresisLevel('crit', undefined, t)).toBe('ok');
  });
});
