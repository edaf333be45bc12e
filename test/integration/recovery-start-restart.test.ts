// startGateway and restartInPlace with the fake `openclaw` CLI: a detached `gateway run` that outlives its
// starter with its output in a 0600 log, a gateway that dies at start (exit code and log tail), and
// `gateway restart --json` answered the way the real one answers.
import { readFileSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { GatewayTarget } from '../../src/contracts.ts';
import { execFileGroup } from '../../src/platform/exec.ts';
import { httpProbe } from '../../src/platform/http-probe.ts';
import { locateGateway } from '../../src/recovery/gateway-process.ts';
import { restartInPlace } from '../../src/recovery/restart.ts';
import { startGateway, type StartOptions } from '../../src/recovery/start.ts';
import { freePort, missingOpenclaw, startFakeGateway, stopAllChildren } from '../fixtures/gateway-harness.ts';
import { installFakeOpenclaw, isProcessAlive, makeTempDir, type FakeOpenclaw } from '../fixtures/openclaw-cli-harness.ts';

let fake: FakeOpenclaw;
let temp: { dir: string; cleanup(): Promise<void> };
const groups: number[] = [];

beforeAll(async () => {
  fake = await installFakeOpenclaw();
});
afterAll(async () => {
  await fake.cleanup();
});
beforeEach(async () => {
  temp = await makeTempDir('clawmedic-start-');
});
afterEach(async () => {
  // Each started gateway leads its own process group.
  for (const pgid of groups.splice(0)) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  await stopAllChildren();
  await temp.cleanup();
});

function targetFor(stateDir: string, port: number): GatewayTarget {
  return { host: '127.0.0.1', port, portSource: 'config', openclawStateDir: stateDir, openclawConfigPath: join(stateDir, 'openclaw.json') };
}

async function start(more: Partial<StartOptions> & { vars?: Record<string, string> } = {}) {
  const stateDir = join(temp.dir, '.openclaw');
  const target = more.target ?? targetFor(stateDir, await freePort());
  const logFile = more.logFile ?? join(temp.dir, 'logs', 'gateway.log');
  const result = await startGateway({
    target,
    service: { manager: 'none' },
    openclaw: fake.cli(),
    exec: execFileGroup,
    logFile,
    earlyExitMs: 1_500,
    env: { ...fake.env, OPENCLAW_STATE_DIR: stateDir, ...more.vars },
    ...more,
  });
  if (result.pid !== undefined && result.pid > 0) groups.push(result.pid);
  return { result, target, logFile, stateDir };
}

async function waitForHealthz(port: number, withinMs = 5_000): Promise<boolean> {
  const end = Date.now() + withinMs;
  while (Date.now() < end) {
    const r = await httpProbe({ host: '127.0.0.1', port, path: '/healthz', timeoutMs: 500 });
    if (r.ok && r.statusCode === 200) return true;
    await new Promise((res) => setTimeout(res, 50));
  }
  return false;
}

describe('startGateway', () => {
  it('starts a detached `openclaw gateway run --port P --bind loopback` in its own process group, output in a 0600 log', async () => {
    const { result, target, logFile, stateDir } = await start();
    expect(result.ok).toBe(true);
    expect(result.command).toEqual(['openclaw', 'gateway', 'run', '--port', String(target.port), '--bind', 'loopback']);
    const pid = result.pid!;
    expect(await waitForHealthz(target.port)).toBe(true);
    const statFields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    expect(Number(statFields[2])).toBe(pid); // process group
    expect(Number(statFields[3])).toBe(pid); // session: no terminal, no parent's signals
    expect((await stat(logFile)).mode & 0o777).toBe(0o600);
    expect(await readFile(logFile, 'utf8')).toContain(`LISTENING ${target.port}`);
    const loc = await locateGateway(target);
    expect(loc.processes).toEqual([expect.objectContaining({ pid, listening: true, foundBy: expect.arrayContaining(['listener', 'state-lock']) })]);
    expect(loc.processes[0]!.lockFile).toContain(stateDir);
  });

  it('a gateway that exits at start with 78 (invalid config) is not ok: exit code and the log tail', async () => {
    const { result } = await start({ vars: { FAKE_OPENCLAW_RUN: 'exit78' } });
    expect(result.ok).toBe(false);
    expect(result.exitCode).toBe(78);
    expect(result.summary).toMatch(/exited .* with exit code 78 \(78: invalid config/);
    expect(result.output).toContain('Gateway failed to start: Invalid config');
    const again = await start({ vars: { FAKE_OPENCLAW_RUN: 'exit1' } });
    expect(again.result).toMatchObject({ ok: false, exitCode: 1 });
    expect(again.result.output).toContain('EADDRINUSE');
    // The log keeps both runs; each result shows only its own.
    expect(again.result.output).not.toContain('Invalid config');
  });

  it('uses gateway.bind from openclaw.json, never a wider bind of its own', async () => {
    const stateDir = join(temp.dir, '.openclaw');
    await writeFile(join(temp.dir, 'openclaw.json'), '{ gateway: { bind: "lan", mode: "local" } }');
    const target = { ...targetFor(stateDir, await freePort()), openclawConfigPath: join(temp.dir, 'openclaw.json') };
    const { result } = await start({ target });
    expect(result.command).toContain('lan');
    // The fake, like a real gateway without auth, refuses a non-loopback bind with 78.
    expect(result.exitCode).toBe(78);
  });

  it('the openclaw CLI not found is a clear failure', async () => {
    const { result } = await start({ openclaw: missingOpenclaw });
    expect(result).toMatchObject({ ok: false, summary: 'cannot start the gateway: the openclaw CLI is not found (not installed in this test)' });
  });

  it('rotates a log past its limit to <log>.1 before appending', async () => {
    const logFile = join(temp.dir, 'gateway.log');
    await writeFile(logFile, 'x'.repeat(5_000));
    const { result } = await start({ logFile, maxLogBytes: 1_000, vars: { FAKE_OPENCLAW_RUN: 'exit1' } });
    expect(result.ok).toBe(false);
    expect((await stat(`${logFile}.1`)).size).toBe(5_000);
    expect((await stat(logFile)).size).toBeLessThan(1_000);
  });

  it('passes --profile before the command and refuses a profile that is not a plain name', async () => {
    const { result } = await start({ profile: 'work', vars: { FAKE_OPENCLAW_RUN: 'exit1' } });
    expect(result.command?.slice(0, 4)).toEqual(['openclaw', '--profile', 'work', 'gateway']);
    const bad = await start({ profile: '--dev' });
    expect(bad.result).toMatchObject({ ok: false, summary: expect.stringContaining('not a plain profile name') });
  });
});

describe('restartInPlace', () => {
  it('restarts the gateway in place (same pid, a new boot): result "restarted"', async () => {
    const gw = await startFakeGateway({ uptimeMs: 3_600_000 });
    let out = '';
    gw.child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    const result = await restartInPlace({ openclaw: fake.cli({ FAKE_OPENCLAW_BANNER: '1' }), port: gw.port, timeoutMs: 15_000 });
    expect(result.ok).toBe(true);
    expect(result.summary).toMatch(new RegExp(`^restarted in place with openclaw gateway restart in .*: Gateway restart request sent to foreground process on port ${gw.port}: ${gw.pid}\\.`));
    expect(result.command).toEqual(['openclaw', 'gateway', 'restart', '--json']);
    expect(out).toContain('RESTARTED 1');
    expect(isProcessAlive(gw.pid)).toBe(true);
  });

  it('"restart-health-failed" is not ok, and says so', async () => {
    const gw = await startFakeGateway();
    const result = await restartInPlace({ openclaw: fake.cli({ FAKE_OPENCLAW_RESTART: 'health-failed' }), port: gw.port, timeoutMs: 15_000 });
    expect(result.ok).toBe(false);
    expect(result.summary).toMatch(/^openclaw gateway restart answered "restart-health-failed" \(exit 1\)/);
  });

  it('nothing to restart, a hang, no JSON, no CLI: each not ok with the reason', async () => {
    const port = await freePort();
    const none = await restartInPlace({ openclaw: fake.cli(), port, timeoutMs: 15_000 });
    expect(none).toMatchObject({ ok: false, summary: expect.stringContaining(`no gateway is listening on port ${port}`) });
    const slow = await restartInPlace({ openclaw: fake.cli({ FAKE_OPENCLAW_DELAY_MS: '10000' }), port, timeoutMs: 800 });
    expect(slow).toMatchObject({ ok: false, summary: 'openclaw gateway restart did not finish within 800ms' });
    const missing = await restartInPlace({ openclaw: missingOpenclaw });
    expect(missing).toMatchObject({ ok: false, summary: expect.stringContaining('openclaw CLI is not found') });
  });
});
