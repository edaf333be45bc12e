// The checks' openclaw CLI runs one at a time (the shortest deadline next), at low priority, never started
// without the memory it needs, and each run's cost told.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Exec, ExecOptions, ExecResult } from '../../src/contracts.ts';
import { cliCommandName, cliMemoryNeed, gatedCliExec, type CliRunCost } from '../../src/platform/cli-gate.ts';

const MiB = 1024 ** 2;
const done = (over: Partial<ExecResult> = {}): ExecResult => ({ code: 0, signal: null, stdout: '{}', stderr: '', timedOut: false, durationMs: 5, ...over });

/** An inner exec whose runs end when the test says so; it records what it was asked to run, in order. */
function controlledExec() {
  const calls: Array<{ file: string; args: readonly string[]; options: ExecOptions; finish: (r?: Partial<ExecResult>) => void }> = [];
  const exec: Exec = (file, args, options) =>
    new Promise((resolve) => {
      calls.push({ file, args, options, finish: (r) => resolve(done(r)) });
    });
  return { exec, calls };
}

const plenty = async () => 8 * 1024 * MiB;
const opts = (timeoutMs = 60_000, signal?: AbortSignal): ExecOptions => ({ timeoutMs, ...(signal ? { signal } : {}) });

afterEach(() => {
  vi.useRealTimers();
});

describe('cliCommandName and cliMemoryNeed', () => {
  it.each([
    [['doctor', '--lint', '--json'], 'doctor'],
    [['config', 'validate', '--json'], 'config validate'],
    [['secrets', 'audit', '--check', '--json'], 'secrets audit'],
    [['models', 'status', '--check', '--json', '--agent', 'main'], 'models status'],
    [['--version'], '--version'],
  ])('names %j as %j', (args, name) => {
    expect(cliCommandName(args)).toBe(name);
  });

  it('asks the most memory for doctor, little for --version', () => {
    expect(cliMemoryNeed(['doctor', '--lint'])).toBe(800 * MiB);
    expect(cliMemoryNeed(['config', 'validate'])).toBe(280 * MiB);
    expect(cliMemoryNeed(['--version'])).toBe(96 * MiB);
    expect(cliMemoryNeed(['gateway', 'health'])).toBe(400 * MiB);
  });
});

describe('gatedCliExec', () => {
  it('runs one command at a time; when one ends, the waiter with the nearest deadline goes next', async () => {
    const { exec, calls } = controlledExec();
    const gated = gatedCliExec(exec, { lowPriority: false, memAvailable: plenty });
    const doctor = gated('openclaw', ['doctor', '--lint'], opts(88_000));
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    const secrets = gated('openclaw', ['secrets', 'audit'], opts(58_000));
    const validate = gated('openclaw', ['config', 'validate'], opts(18_000));
    await Promise.resolve();
    expect(calls).toHaveLength(1);
    calls[0]!.finish();
    await doctor;
    await vi.waitFor(() => expect(calls).toHaveLength(2));
    expect(calls[1]!.args).toEqual(['config', 'validate']);
    calls[1]!.finish();
    await validate;
    await vi.waitFor(() => expect(calls).toHaveLength(3));
    expect(calls[2]!.args).toEqual(['secrets', 'audit']);
    calls[2]!.finish();
    expect((await secrets).code).toBe(0);
  });

  it('the time spent waiting comes off the command deadline', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const { exec, calls } = controlledExec();
    const gated = gatedCliExec(exec, { lowPriority: false, memAvailable: plenty });
    const first = gated('openclaw', ['doctor'], opts(60_000));
    await vi.advanceTimersByTimeAsync(0);
    const second = gated('openclaw', ['config', 'validate'], opts(10_000));
    await vi.advanceTimersByTimeAsync(3_000);
    calls[0]!.finish();
    await first;
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.options.timeoutMs).toBe(7_000);
    calls[1]!.finish();
    await second;
  });

  it('does not start a command whose turn came too late, nor one cancelled while it waited, and says why', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const { exec, calls } = controlledExec();
    const costs: CliRunCost[] = [];
    const gated = gatedCliExec(exec, { lowPriority: false, memAvailable: plenty, onCost: (c) => costs.push(c) });
    const doctor = gated('openclaw', ['doctor'], opts(90_000));
    await vi.advanceTimersByTimeAsync(0);
    const late = gated('openclaw', ['config', 'validate'], opts(18_000));
    const cancel = new AbortController();
    const cancelled = gated('openclaw', ['secrets', 'audit'], opts(58_000, cancel.signal));
    await vi.advanceTimersByTimeAsync(18_000);
    const lateResult = await late;
    expect(lateResult).toMatchObject({ code: null, timedOut: false, skipped: 'its turn did not come within 18 s (another openclaw CLI run took it)' });
    cancel.abort();
    expect((await cancelled).skipped).toBe('cancelled while waiting for another openclaw CLI run to finish');
    calls[0]!.finish();
    await doctor;
    expect(calls.map((c) => c.args[0])).toEqual(['doctor']);
    expect(costs.map((c) => [c.command, c.skipped !== undefined])).toEqual([
      ['config validate', true],
      ['secrets audit', true],
      ['doctor', false],
    ]);
  });

  it('hands back a turn that comes with less time left than the command takes at the least, as a wait (not a memory shortage)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const { exec, calls } = controlledExec();
    const gated = gatedCliExec(exec, { lowPriority: false, memAvailable: plenty });
    const doctor = gated('openclaw', ['doctor'], opts(90_000));
    await vi.advanceTimersByTimeAsync(0);
    const validate = gated('openclaw', ['config', 'validate'], opts(18_000));
    await vi.advanceTimersByTimeAsync(16_000);
    calls[0]!.finish();
    await doctor;
    // 2 s left: config validate takes 1.6-2.5 s on a healthy host, so it would be killed at the deadline.
    expect(await validate).toMatchObject({ skipped: expect.stringMatching(/^another openclaw CLI run left it \d+ ms of its 18 s$/), skippedFor: 'turn' });
    expect(calls).toHaveLength(1);
  });

  it('a run its wait left less than half its budget, killed at the deadline, is a wait (OK with a note); one that had more is a timeout', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const { exec, calls } = controlledExec();
    const gated = gatedCliExec(exec, { lowPriority: false, memAvailable: plenty });
    const doctor = gated('openclaw', ['doctor'], opts(90_000));
    await vi.advanceTimersByTimeAsync(0);
    const starved = gated('openclaw', ['config', 'validate'], opts(18_000));
    await vi.advanceTimersByTimeAsync(14_700);
    calls[0]!.finish();
    await doctor;
    await vi.advanceTimersByTimeAsync(0);
    // Started with 3.3 s of its 18 s (more than its least, 2.5 s), and killed at the deadline, as on CI.
    expect(calls[1]!.options.timeoutMs).toBe(3_300);
    calls[1]!.finish({ code: null, signal: 'SIGKILL', timedOut: true, durationMs: 3_300 });
    expect(await starved).toMatchObject({ timedOut: true, skippedFor: 'turn', skipped: 'it waited 15 s for another openclaw CLI run and the 3.3s left of its 18 s were not enough (killed)' });

    const alone = gated('openclaw', ['config', 'validate'], opts(18_000));
    await vi.advanceTimersByTimeAsync(0);
    expect(calls[2]!.options.timeoutMs).toBe(18_000);
    calls[2]!.finish({ code: null, signal: 'SIGKILL', timedOut: true, durationMs: 18_000 });
    const res = await alone;
    expect(res.timedOut).toBe(true);
    expect(res.skipped).toBeUndefined();
    expect(res.skippedFor).toBeUndefined();
  });

  it('holds a command back when the host has less memory available than it needs, and not one that needs less', async () => {
    const { exec, calls } = controlledExec();
    const costs: CliRunCost[] = [];
    const gated = gatedCliExec(exec, { lowPriority: false, memAvailable: async () => 300 * MiB, onCost: (c) => costs.push(c) });
    const doctor = await gated('openclaw', ['doctor', '--lint', '--json'], opts());
    expect(doctor.skipped).toBe(
      'only 300 MiB of memory available and openclaw doctor needs about 800 MiB: not started, so that it cannot push the host (and the gateway) into swap or the OOM killer',
    );
    expect(calls).toEqual([]);
    const validate = gated('openclaw', ['config', 'validate', '--json'], opts());
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    calls[0]!.finish();
    expect((await validate).skipped).toBeUndefined();
    expect(costs[0]).toMatchObject({ command: 'doctor', skipped: expect.stringMatching(/^only 300 MiB/), durationMs: 0 });
  });

  it('minAvailableBytes replaces the needs; 0 never holds a run back', async () => {
    const { exec, calls } = controlledExec();
    const strict = gatedCliExec(exec, { lowPriority: false, minAvailableBytes: 4 * 1024 * MiB, memAvailable: async () => 1024 * MiB });
    expect((await strict('openclaw', ['--version'], opts())).skipped).toMatch(/openclaw --version needs about 4\.00 GiB/);
    const never = gatedCliExec(exec, { lowPriority: false, minAvailableBytes: 0, memAvailable: async () => 1 });
    const run = never('openclaw', ['doctor'], opts());
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    calls[0]!.finish();
    expect((await run).skipped).toBeUndefined();
  });

  it('runs the command under ionice (best effort, level 7) and nice 10 when asked, the same program and arguments after them', async () => {
    const { exec, calls } = controlledExec();
    const low = gatedCliExec(exec, { memAvailable: plenty, tools: { nice: '/usr/bin/nice', ionice: '/usr/bin/ionice' } });
    const run = low('/opt/openclaw/bin/openclaw', ['doctor', '--lint'], opts());
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    expect([calls[0]!.file, ...calls[0]!.args]).toEqual(['/usr/bin/ionice', '-c', '2', '-n', '7', '/usr/bin/nice', '-n', '10', '/opt/openclaw/bin/openclaw', 'doctor', '--lint']);
    calls[0]!.finish();
    await run;
    const normal = gatedCliExec(exec, { lowPriority: false, memAvailable: plenty, tools: { nice: '/usr/bin/nice' } });
    const plain = normal('/opt/openclaw/bin/openclaw', ['--version'], opts());
    await vi.waitFor(() => expect(calls).toHaveLength(2));
    expect([calls[1]!.file, ...calls[1]!.args]).toEqual(['/opt/openclaw/bin/openclaw', '--version']);
    calls[1]!.finish();
    await plain;
  });

  it('a cost recorder that throws does not cost the result, and the turn passes on', async () => {
    const { exec, calls } = controlledExec();
    const gated = gatedCliExec(exec, {
      lowPriority: false,
      memAvailable: plenty,
      onCost: () => {
        throw new Error('recorder bug');
      },
    });
    const one = gated('openclaw', ['config', 'validate'], opts());
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    calls[0]!.finish({ code: 1 });
    expect((await one).code).toBe(1);
    const two = gated('openclaw', ['doctor'], opts());
    await vi.waitFor(() => expect(calls).toHaveLength(2));
    calls[1]!.finish();
    expect((await two).code).toBe(0);
  });
});
