// stopGateway on real processes: SIGTERM, SIGKILL at once for a stopped (SIGSTOP) gateway, SIGKILL after the
// grace for one that ignores SIGTERM, a foreign program never signalled, a reused pid never hit.
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Exec, ExecResult, GatewayTarget } from '../../src/contracts.ts';
import { execFileGroup } from '../../src/platform/exec.ts';
import { openclawVersion } from '../../src/platform/openclaw-version.ts';
import { readProcessInfo } from '../../src/platform/port-owner.ts';
import { readProcessStart } from '../../src/platform/proc-stat.ts';
import { locateGateway, type GatewayLocation, type GatewayProcess } from '../../src/recovery/gateway-process.ts';
import { stopGateway, type StopOptions } from '../../src/recovery/stop.ts';
import { freePort, missingOpenclaw, startFakeGateway, startForeignListener, stopAllChildren, wedge } from '../fixtures/gateway-harness.ts';
import { installFakeOpenclaw, isProcessAlive, makeTempDir, type FakeOpenclaw } from '../fixtures/openclaw-cli-harness.ts';

let temp: { dir: string; cleanup(): Promise<void> };
let fake: FakeOpenclaw;

beforeAll(async () => {
  fake = await installFakeOpenclaw();
});
afterAll(async () => {
  await fake.cleanup();
});
beforeEach(async () => {
  temp = await makeTempDir('clawmedic-stop-');
});
afterEach(async () => {
  await stopAllChildren();
  await temp.cleanup();
});

function targetFor(stateDir: string, port: number): GatewayTarget {
  return { host: '127.0.0.1', port, portSource: 'config', openclawStateDir: stateDir, openclawConfigPath: join(stateDir, 'openclaw.json') };
}

function options(target: GatewayTarget, more: Partial<StopOptions> = {}): StopOptions {
  return { target, service: { manager: 'none' }, openclaw: missingOpenclaw, exec: execFileGroup, graceMs: 3_000, timeoutMs: 8_000, ...more };
}

async function gatewayProcess(pid: number, startTicks?: number): Promise<GatewayProcess> {
  const info = await readProcessInfo(pid);
  const start = await readProcessStart(pid);
  if (!info || !start.ok) throw new Error(`pid ${pid} is gone`);
  return { ...info, startTicks: startTicks ?? start.startTicks, foundBy: ['state-lock'], listening: false };
}

describe('stopGateway', () => {
  it('stops the gateway with SIGTERM, leaves no process and frees the port', async () => {
    const stateDir = join(temp.dir, '.openclaw');
    const gw = await startFakeGateway({ stateDir });
    const result = await stopGateway(options(targetFor(stateDir, gw.port)));
    expect(result.ok).toBe(true);
    expect(result.summary).toMatch(new RegExp(`^stopped pid ${gw.pid} \\(openclaw-gateway\\) with SIGTERM in \\d`));
    expect(isProcessAlive(gw.pid)).toBe(false);
    expect((await locateGateway(targetFor(stateDir, gw.port))).processes).toEqual([]);
  });

  it('kills a SIGSTOPped gateway with SIGKILL at once, without waiting the grace', async () => {
    const stateDir = join(temp.dir, '.openclaw');
    const gw = await startFakeGateway({ stateDir });
    await gw.pause();
    const t0 = performance.now();
    const result = await stopGateway(options(targetFor(stateDir, gw.port), { graceMs: 10_000, timeoutMs: 15_000 }));
    expect(result.ok).toBe(true);
    expect(performance.now() - t0).toBeLessThan(3_000);
    expect(result.summary).toContain(`killed pid ${gw.pid} (openclaw-gateway) with SIGKILL (stopped (state T))`);
    expect(result.details?.signals).toEqual([{ pid: gw.pid, signal: 'SIGKILL', why: 'stopped (state T)' }]);
    expect(isProcessAlive(gw.pid)).toBe(false);
  });

  it('sends SIGKILL after the grace to a gateway that ignores SIGTERM', async () => {
    const stateDir = join(temp.dir, '.openclaw');
    const gw = await startFakeGateway({ stateDir, ignoreSigterm: true });
    const result = await stopGateway(options(targetFor(stateDir, gw.port), { graceMs: 400 }));
    expect(result.ok).toBe(true);
    expect(result.summary).toContain('with SIGTERM, then SIGKILL (after 400ms grace)');
    expect(isProcessAlive(gw.pid)).toBe(false);
  });

  it('stops a wedged gateway found by its lock (nothing listening)', async () => {
    const stateDir = join(temp.dir, '.openclaw');
    const gw = await startFakeGateway({ stateDir });
    await wedge(gw);
    const result = await stopGateway(options(targetFor(stateDir, gw.port)));
    expect(result.ok).toBe(true);
    expect(isProcessAlive(gw.pid)).toBe(false);
  });

  it('never signals a foreign program on the port: not ok, it is named', async () => {
    const foreign = await startForeignListener();
    const result = await stopGateway(options(targetFor(join(temp.dir, '.openclaw'), foreign.port)));
    expect(result.ok).toBe(false);
    expect(result.summary).toBe(`127.0.0.1:${foreign.port} is held by pid ${foreign.pid} (python3-http-server-lookalike), another program, not OpenClaw: left alone`);
    expect(isProcessAlive(foreign.pid)).toBe(true);
  });

  it('never hits a pid that now belongs to another process: not OpenClaw, or another start time', async () => {
    const foreign = await startForeignListener();
    const other = await startFakeGateway({ stateDir: join(temp.dir, 'other', '.openclaw') });
    // What an earlier look found under these pids: an OpenClaw gateway that has since gone and whose pid was reused.
    const reusedByForeign = { ...(await gatewayProcess(foreign.pid)), cmdline: ['openclaw-gateway'], comm: 'openclaw-gatewa' };
    const reusedByGateway = await gatewayProcess(other.pid, (await gatewayProcess(other.pid)).startTicks! - 1);
    const location: GatewayLocation = { listener: { kind: 'none' }, processes: [reusedByForeign, reusedByGateway], notes: [] };
    const result = await stopGateway(options(targetFor(join(temp.dir, '.openclaw'), await freePort()), { location, graceMs: 200 }));
    expect(result.ok).toBe(true);
    expect(result.details?.signals).toEqual([]);
    expect(isProcessAlive(foreign.pid)).toBe(true);
    expect(isProcessAlive(other.pid)).toBe(true);
  });

  it('nothing to stop is ok', async () => {
    const result = await stopGateway(options(targetFor(join(temp.dir, '.openclaw'), await freePort())));
    expect(result).toMatchObject({ ok: true, summary: expect.stringMatching(/^nothing to stop/) });
  });

  it('a listener whose owner is hidden (another user\'s) is stopped with `openclaw gateway stop --force --json` where the release has it', async () => {
    const location: GatewayLocation = { listener: { kind: 'unknown', lookup: 'owner-unknown', reason: 'another user' }, processes: [], notes: [] };
    const target = targetFor(join(temp.dir, '.openclaw'), await freePort());
    const result = await stopGateway(options(target, { location, openclaw: fake.cli(), version: openclawVersion('2026.9.6') }));
    expect(result).toMatchObject({ ok: true, command: ['openclaw', 'gateway', 'stop', '--json', '--force'] });
    const old = await stopGateway(options(target, { location, openclaw: fake.cli({ FAKE_OPENCLAW_VERSION: '2026.7.1' }), version: openclawVersion('2026.7.1') }));
    expect(old.command).toEqual(['openclaw', 'gateway', 'stop', '--json']);
  });

  it('asks the service manager first, then signals the gateway it left running', async () => {
    const stateDir = join(temp.dir, '.openclaw');
    const gw = await startFakeGateway({ stateDir });
    const ran: string[][] = [];
    const exec: Exec = async (file, args): Promise<ExecResult> => {
      ran.push([file, ...args]);
      return { code: 0, signal: null, stdout: '[PM2] Applying action stopProcessId on app [openclaw]\n', stderr: '', timedOut: false, durationMs: 5 };
    };
    const result = await stopGateway(options(targetFor(stateDir, gw.port), { service: { manager: 'pm2', app: 'openclaw' }, exec, graceMs: 300 }));
    expect(ran).toEqual([['pm2', 'stop', 'openclaw']]);
    expect(result.ok).toBe(true);
    expect(result.summary).toContain('with SIGTERM');
    expect(isProcessAlive(gw.pid)).toBe(false);
    const refused = await stopGateway(options(targetFor(stateDir, await freePort()), { service: { manager: 'pm2', app: '--help' }, exec }));
    expect(ran).toHaveLength(1);
    expect(refused.details?.steps).toEqual(['the pm2 name "--help" is not a plain service name: not passed to a command']);
  });

  it('a gateway started by hand beside a systemd unit file is not stopped through systemd (it is not in the unit\'s cgroup)', async () => {
    const stateDir = join(temp.dir, '.openclaw');
    const gw = await startFakeGateway({ stateDir });
    const ran: string[][] = [];
    const exec: Exec = async (file, args) => {
      ran.push([file, ...args]);
      return { code: 0, signal: null, stdout: '', stderr: '', timedOut: false, durationMs: 1 };
    };
    const service = { manager: 'systemd-user' as const, unit: 'openclaw-gateway.service', path: '/home/x/.config/systemd/user/openclaw-gateway.service' };
    const result = await stopGateway(options(targetFor(stateDir, gw.port), { service, exec, graceMs: 5_000 }));
    expect(ran).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.details?.steps).toEqual([`pid ${gw.pid} not in openclaw-gateway.service's cgroup (started outside systemd): not stopped through it`]);
  });
});
