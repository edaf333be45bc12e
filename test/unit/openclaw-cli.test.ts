import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Exec, ExecOptions, ExecResult } from '../../src/contracts.ts';
import {
  acceptsTimeoutFlag,
  cliCallBudgetMs,
  findOpenclawCli,
  openclawTimeoutMs,
  withOpenclawTimeout,
} from '../../src/platform/openclaw-cli.ts';
import { makeTempDir } from '../fixtures/openclaw-cli-harness.ts';

let tmp: { dir: string; cleanup(): Promise<void> };
beforeEach(async () => {
  tmp = await makeTempDir('clawmedic-locator-');
});
afterEach(async () => {
  await tmp.cleanup();
});

async function script(dir: string, mode = 0o755): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, 'openclaw');
  await writeFile(file, '#!/bin/sh\necho hi\n');
  await chmod(file, mode);
  return file;
}

/** Records what the CLI wrapper hands to exec (a unit test of the wrapper, not of exec). */
function recordingExec(): { exec: Exec; calls: Array<{ file: string; args: readonly string[]; options: ExecOptions }> } {
  const calls: Array<{ file: string; args: readonly string[]; options: ExecOptions }> = [];
  const exec: Exec = async (file, args, options) => {
    calls.push({ file, args, options });
    const result: ExecResult = { code: 0, signal: null, stdout: '', stderr: '', timedOut: false, durationMs: 1 };
    return result;
  };
  return { exec, calls };
}

describe('findOpenclawCli: configured path', () => {
  it('uses an executable configured path', async () => {
    const file = await script(path.join(tmp.dir, 'opt'));
    const cli = findOpenclawCli({ configuredPath: file, env: { PATH: '' } });
    expect(cli.path).toBe(file);
    expect(cli.notFoundReason).toBeUndefined();
  });

  it('reports a configured path that does not exist, naming it, and does not fall back to PATH', async () => {
    const onPath = await script(path.join(tmp.dir, 'bin'));
    const missing = path.join(tmp.dir, 'nope', 'openclaw');
    const cli = findOpenclawCli({ configuredPath: missing, env: { PATH: path.dirname(onPath) } });
    expect(cli.path).toBeNull();
    expect(cli.notFoundReason).toBe(`configured path ${missing} does not exist`);
  });

  it('reports a configured path that is not executable', async () => {
    const file = await script(path.join(tmp.dir, 'opt'), 0o644);
    const cli = findOpenclawCli({ configuredPath: file, env: { PATH: '' } });
    expect(cli.path).toBeNull();
    expect(cli.notFoundReason).toBe(`configured path ${file} is not executable`);
  });

  it('reports a configured path that is a directory', async () => {
    const cli = findOpenclawCli({ configuredPath: tmp.dir, env: {} });
    expect(cli.path).toBeNull();
    expect(cli.notFoundReason).toContain('is not a file');
  });

  it('expands ~/ against HOME', async () => {
    const file = await script(path.join(tmp.dir, '.npm-global', 'bin'));
    const cli = findOpenclawCli({ configuredPath: '~/.npm-global/bin/openclaw', env: { HOME: tmp.dir } });
    expect(cli.path).toBe(file);
  });
});

describe('findOpenclawCli: PATH', () => {
  it('takes the first executable openclaw on PATH, skipping non-executable files and directories', async () => {
    const a = path.join(tmp.dir, 'a');
    const b = path.join(tmp.dir, 'b');
    const c = path.join(tmp.dir, 'c');
    await script(a, 0o644);
    await mkdir(path.join(b, 'openclaw'), { recursive: true });
    const good = await script(c);
    const cli = findOpenclawCli({ env: { PATH: [a, b, c].join(path.delimiter) } });
    expect(cli.path).toBe(good);
  });

  it('ignores empty and relative PATH entries, which would depend on the working directory', async () => {
    await script(path.join(tmp.dir, 'rel'));
    const cli = findOpenclawCli({ env: { PATH: ['', 'rel', '.'].join(path.delimiter) } });
    expect(cli.path).toBeNull();
    expect(cli.notFoundReason).toBe('searched PATH: it is empty');
  });

  it('names the directories it searched when nothing is found', async () => {
    const dirs = [path.join(tmp.dir, 'x'), path.join(tmp.dir, 'y')];
    const cli = findOpenclawCli({ env: { PATH: dirs.join(path.delimiter) } });
    expect(cli.path).toBeNull();
    expect(cli.notFoundReason).toBe(`searched PATH: ${dirs.join(path.delimiter)}`);
  });

  it('keeps the reason short when PATH is long', () => {
    const dirs = Array.from({ length: 20 }, (_, i) => path.join(tmp.dir, `d${i}`));
    const cli = findOpenclawCli({ env: { PATH: dirs.join(path.delimiter) } });
    expect(cli.notFoundReason).toMatch(/ and 12 more$/);
  });
});

describe('OpenclawCli.run', () => {
  it('resolves (never throws) with code null and a not-installed stderr when nothing was found', async () => {
    const { exec, calls } = recordingExec();
    const cli = findOpenclawCli({ env: { PATH: '' }, exec });
    const res = await cli.run(['doctor', '--lint'], { timeoutMs: 1_000 });
    expect(res.code).toBeNull();
    expect(res.timedOut).toBe(false);
    expect(res.stderr).toContain('openclaw CLI not installed');
    expect(calls).toHaveLength(0);
  });

  it('runs the found file with the arguments, the deadline and the signal, layering env over the lookup env', async () => {
    const file = await script(path.join(tmp.dir, 'bin'));
    const { exec, calls } = recordingExec();
    const cli = findOpenclawCli({ env: { PATH: path.dirname(file), HOME: '/home/op' }, exec });
    const signal = new AbortController().signal;
    await cli.run(['config', 'validate', '--json'], { timeoutMs: 18_000, signal, env: { OPENCLAW_CONFIG_PATH: '/x.json' } });
    expect(calls).toHaveLength(1);
    const call = calls[0]!;
    expect(call.file).toBe(file);
    expect(call.args).toEqual(['config', 'validate', '--json']);
    expect(call.options.timeoutMs).toBe(18_000);
    expect(call.options.signal).toBe(signal);
    expect(call.options.env).toEqual({ PATH: path.dirname(file), HOME: '/home/op', OPENCLAW_CONFIG_PATH: '/x.json' });
  });

  it('adds --timeout below the deadline for subcommands that accept it', async () => {
    const file = await script(path.join(tmp.dir, 'bin'));
    const { exec, calls } = recordingExec();
    const cli = findOpenclawCli({ configuredPath: file, exec });
    await cli.run(['gateway', 'status', '--json', '--require-rpc'], { timeoutMs: 10_000 });
    expect(calls[0]!.args).toEqual(['gateway', 'status', '--json', '--require-rpc', '--timeout', '8000']);
  });
});

describe('--timeout helper', () => {
  it('knows which subcommands take --timeout (REFERENCE.md 1.3, 4.2)', () => {
    expect(acceptsTimeoutFlag(['health', '--json'])).toBe(true);
    expect(acceptsTimeoutFlag(['logs', '--json'])).toBe(true);
    for (const sub of ['health', 'status', 'call', 'probe']) expect(acceptsTimeoutFlag(['gateway', sub])).toBe(true);
    expect(acceptsTimeoutFlag(['doctor', '--lint', '--json'])).toBe(false);
    expect(acceptsTimeoutFlag(['config', 'validate', '--json'])).toBe(false);
    expect(acceptsTimeoutFlag(['gateway', 'restart'])).toBe(false);
    expect(acceptsTimeoutFlag(['status', '--json'])).toBe(false);
  });

  it('adds it once, and keeps a timeout the caller chose', () => {
    expect(withOpenclawTimeout(['health', '--json'], 5_000)).toEqual(['health', '--json', '--timeout', '4000']);
    expect(withOpenclawTimeout(['health', '--timeout', '1234'], 5_000)).toEqual(['health', '--timeout', '1234']);
    expect(withOpenclawTimeout(['health', '--timeout=99'], 5_000)).toEqual(['health', '--timeout=99']);
    expect(withOpenclawTimeout(['doctor', '--lint'], 5_000)).toEqual(['doctor', '--lint']);
  });

  it("keeps OpenClaw's timeout below clawmedic's deadline, with room to spare at every size", () => {
    for (const deadline of [300, 1_000, 3_000, 10_000, 60_000, 600_000]) {
      const t = openclawTimeoutMs(deadline);
      expect(t).toBeGreaterThan(0);
      expect(t).toBeLessThan(deadline);
      expect(deadline - t).toBeGreaterThanOrEqual(Math.min(500, deadline - 100));
    }
    expect(openclawTimeoutMs(60_000)).toBe(55_000);
  });

  it('sizes a CLI call inside a check below the check timeout', () => {
    expect(cliCallBudgetMs(90_000)).toBe(88_000);
    expect(cliCallBudgetMs(20_000)).toBe(18_000);
    expect(cliCallBudgetMs(1_500)).toBe(1_300);
  });
});
