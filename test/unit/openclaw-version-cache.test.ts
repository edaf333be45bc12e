// The shared version knowledge with a scripted CLI: what is cached, for how long, and what a bad answer says.
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ExecOptions, ExecResult, OpenclawCli } from '../../src/contracts.ts';
import { OpenclawVersions, versionLabel } from '../../src/platform/openclaw-version-cache.ts';

let dir: string;
let bin: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'clawmedic-versions-'));
  bin = path.join(dir, 'openclaw');
  writeFileSync(bin, '#!/bin/false\n', { mode: 0o755 });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** An OpenclawCli at `bin` whose `--version` answers from a script; counts its runs. */
function scripted(answers: Array<Partial<ExecResult> | ((o: ExecOptions) => Partial<ExecResult>)>) {
  const calls: string[][] = [];
  const cli: OpenclawCli = {
    path: bin,
    run: async (args, options) => {
      calls.push([...args]);
      const a = answers[Math.min(calls.length - 1, answers.length - 1)]!;
      const r = typeof a === 'function' ? a(options) : a;
      return { code: 0, signal: null, stdout: '', stderr: '', timedOut: false, durationMs: 5, ...r };
    },
  };
  return { cli, calls };
}

describe('OpenclawVersions', () => {
  it('runs `openclaw --version` once per binary and reads it again when the binary changes', async () => {
    const { cli, calls } = scripted([{ stdout: 'OpenClaw 2026.7.1 (2d2ddc4)\n' }, { stdout: 'OpenClaw 2026.9.6 (0fa4e00)\n' }]);
    const v = new OpenclawVersions({ cli: () => cli });
    for (let i = 0; i < 3; i++) expect((await v.cliVersion()).version?.text).toBe('2026.7.1');
    expect(calls).toEqual([['--version']]);

    utimesSync(bin, new Date(Date.now() + 120_000), new Date(Date.now() + 120_000));
    expect(await v.cliVersion()).toMatchObject({ version: { text: '2026.9.6' }, source: 'cli' });
    expect(calls).toHaveLength(2);
  });

  it('says why the version is unknown, and does not ask again for the same binary', async () => {
    const { cli, calls } = scripted([{ stdout: '', code: 0 }]);
    const v = new OpenclawVersions({ cli: () => cli });
    expect(await v.cliVersion()).toEqual({ source: 'none', note: '`openclaw --version` printed nothing (exit 0)' });
    await v.cliVersion();
    expect(calls).toHaveLength(1);
    expect(versionLabel(await v.cliVersion())).toBe('version unknown');

    const garbled = scripted([{ stdout: '\u001b[31mOpenClaw nightly\u001b[0m\n', code: 0 }]);
    const w = new OpenclawVersions({ cli: () => garbled.cli });
    expect((await w.cliVersion()).note).toBe('`openclaw --version` printed "OpenClaw nightly", which is not a release version (exit 0)');
  });

  it('asks again after a timeout, but only ten minutes later (fake clock), and never caches a cancelled run', async () => {
    let now = 1_000_000;
    const { cli, calls } = scripted([{ timedOut: true, code: null, signal: 'SIGKILL' }, { stdout: '2026.8.2' }]);
    const v = new OpenclawVersions({ cli: () => cli, now: () => now });
    expect((await v.cliVersion()).note).toBe('`openclaw --version` did not answer in time');
    now += 9 * 60_000;
    await v.cliVersion();
    expect(calls).toHaveLength(1);
    now += 60_000;
    expect((await v.cliVersion()).version?.text).toBe('2026.8.2');

    const aborted = new AbortController();
    aborted.abort();
    const c = scripted([{ timedOut: true, code: null }, { stdout: '2026.9.6' }]);
    const x = new OpenclawVersions({ cli: () => c.cli });
    expect((await x.cliVersion(aborted.signal)).note).toBe('`openclaw --version` was cancelled');
    expect((await x.cliVersion()).version?.text).toBe('2026.9.6');
  });

  it('shares one run between callers that ask at the same time', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const calls: string[][] = [];
    const cli: OpenclawCli = {
      path: bin,
      run: async (args) => {
        calls.push([...args]);
        await gate;
        return { code: 0, signal: null, stdout: 'OpenClaw 2026.9.6', stderr: '', timedOut: false, durationMs: 1 };
      },
    };
    const v = new OpenclawVersions({ cli: () => cli });
    const all = Promise.all([v.cliVersion(), v.cliVersion(), v.cliVersion()]);
    release();
    expect((await all).map((r) => r.version?.text)).toEqual(['2026.9.6', '2026.9.6', '2026.9.6']);
    expect(calls).toHaveLength(1);
  });

  it('prefers the version the gateway reported, and reports where the release stands', async () => {
    const { cli } = scripted([{ stdout: 'OpenClaw 2026.9.6' }]);
    const v = new OpenclawVersions({ cli: () => cli });
    expect(await v.report()).toEqual({ version: '2026.9.6', source: 'cli', support: 'full' });
    v.recordGateway({ surface: 'full', version: '2026.8.2', at: 1 });
    expect(await v.report()).toEqual({ version: '2026.8.2', source: 'gateway', support: 'full' });
    v.recordGateway({ surface: 'no-startupz', at: 2 });
    expect((await v.report()).version).toBe('2026.9.6');

    const old = new OpenclawVersions({ cli: () => scripted([{ stdout: 'OpenClaw 2026.5.7' }]).cli });
    expect(await old.report()).toMatchObject({ support: 'degraded', note: expect.stringContaining('the doctor check is skipped') });
    const none = new OpenclawVersions({ cli: () => ({ path: null, notFoundReason: 'x', run: async () => ({ code: null, signal: null, stdout: '', stderr: '', timedOut: false, durationMs: 0 }) }) });
    expect(await none.report()).toMatchObject({ source: 'none', support: 'unknown', note: expect.stringContaining('the openclaw CLI was not found') });
  });

  it('remembers a capability the binary rejected, until the binary changes', async () => {
    const { cli } = scripted([{ stdout: '' }]);
    const v = new OpenclawVersions({ cli: () => cli });
    expect(await v.isMarkedMissing('doctorLint')).toBe(false);
    await v.markMissing('doctorLint');
    expect(await v.isMarkedMissing('doctorLint')).toBe(true);
    expect(await v.isMarkedMissing('configValidateJson')).toBe(false);
    utimesSync(bin, new Date(Date.now() + 120_000), new Date(Date.now() + 120_000));
    expect(await v.isMarkedMissing('doctorLint')).toBe(false);
  });
});
