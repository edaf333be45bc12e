// locateGateway and gateway.port's wedge finding, on real processes: fake gateways holding a state lock like the
// real one, gateways of other installs on the same host, and a foreign program on the port.
import { spawn, type ChildProcess } from 'node:child_process';
import { chown, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gatewayPortCheck } from '../../checks/gateway-port.ts';
import type { GatewayTarget } from '../../src/contracts.ts';
import { execFileGroup } from '../../src/platform/exec.ts';
import { readProcessStart } from '../../src/platform/proc-stat.ts';
import { locateGateway } from '../../src/recovery/gateway-process.ts';
import { freePort, startFakeGateway, startForeignListener, stopAllChildren, testContext, wedge } from '../fixtures/gateway-harness.ts';
import { killIfAlive, makeTempDir } from '../fixtures/openclaw-cli-harness.ts';

let temp: { dir: string; cleanup(): Promise<void> };
const spawned: ChildProcess[] = [];

beforeEach(async () => {
  temp = await makeTempDir('clawmedic-locate-');
});

afterEach(async () => {
  for (const c of spawned.splice(0)) killIfAlive(c.pid);
  await stopAllChildren();
  await temp.cleanup();
});

function targetFor(stateDir: string, port: number): GatewayTarget {
  return { host: '127.0.0.1', port, portSource: 'config', openclawStateDir: stateDir, openclawConfigPath: join(stateDir, 'openclaw.json') };
}

/** A process whose real argv (NUL-separated, not retitled) is `openclaw gateway run --port <port>`. */
async function gatewayCommandLine(port: number, env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e6)', 'openclaw', 'gateway', 'run', '--port', String(port)], { env, stdio: 'ignore' });
  spawned.push(child);
  await new Promise((r) => child.once('spawn', r));
  return child;
}

describe('locateGateway', () => {
  it('finds the listener and, through its state lock, the same process', async () => {
    const stateDir = join(temp.dir, '.openclaw');
    const gw = await startFakeGateway({ stateDir });
    const lock = JSON.parse(await readFile(join(stateDir, 'tmp', `openclaw-${process.getuid!()}`, 'gateway.state.lock'), 'utf8'));
    expect(lock).toMatchObject({ pid: gw.pid, port: gw.port, stateDir });

    const loc = await locateGateway(targetFor(stateDir, gw.port));
    expect(loc.listener.kind).toBe('openclaw');
    expect(loc.wedged).toBeUndefined();
    expect(loc.processes).toHaveLength(1);
    expect(loc.processes[0]).toMatchObject({ pid: gw.pid, listening: true, state: 'S', cmdline: ['openclaw-gateway'] });
    expect(loc.processes[0]!.foundBy.sort()).toEqual(['listener', 'state-lock']);
    const start = await readProcessStart(gw.pid);
    expect(start.ok && loc.processes[0]!.startTicks === start.startTicks).toBe(true);
  });

  it('finds a wedged gateway (alive, listener closed) by its lock, and ignores another install wedged beside it', async () => {
    const mine = join(temp.dir, 'a', '.openclaw');
    const theirs = join(temp.dir, 'b', '.openclaw');
    const a = await startFakeGateway({ stateDir: mine });
    const b = await startFakeGateway({ stateDir: theirs });
    await Promise.all([wedge(a), wedge(b)]);

    const loc = await locateGateway(targetFor(mine, a.port));
    expect(loc.listener).toEqual({ kind: 'none' });
    expect(loc.wedged).toEqual({ pid: a.pid });
    expect(loc.processes.map((p) => p.pid)).toEqual([a.pid]);
    expect(loc.processes[0]).toMatchObject({ foundBy: ['state-lock'], listening: false });
    // b's own install sees b only.
    expect((await locateGateway(targetFor(theirs, b.port))).processes.map((p) => p.pid)).toEqual([b.pid]);
  });

  it('finds a gateway by an environment naming this state dir, or a command line naming this port, never another install naming it', async () => {
    const home = join(temp.dir, 'home');
    const stateDir = join(home, '.openclaw');
    const port = await freePort();
    const other = join(temp.dir, 'other', '.openclaw');
    // No lock: found by OPENCLAW_STATE_DIR + OPENCLAW_GATEWAY_PORT, and by argv + the HOME that derives this state dir.
    const byEnv = await startFakeGateway({ stateDir: 'none', env: { OPENCLAW_STATE_DIR: stateDir, OPENCLAW_GATEWAY_PORT: '1' } });
    await wedge(byEnv);
    const byArgv = await gatewayCommandLine(port, { ...process.env, HOME: home, OPENCLAW_STATE_DIR: '' });
    // Another install's: its own state dir with our port, its own HOME with our port.
    const otherEnv = await startFakeGateway({ stateDir: 'none', env: { OPENCLAW_STATE_DIR: other, OPENCLAW_GATEWAY_PORT: String(port) } });
    await wedge(otherEnv);
    const otherArgv = await gatewayCommandLine(port, { ...process.env, HOME: join(temp.dir, 'other'), OPENCLAW_STATE_DIR: '' });

    const loc = await locateGateway(targetFor(stateDir, port));
    const found = new Map(loc.processes.map((p) => [p.pid, p]));
    expect([...found.keys()].sort()).toEqual([byEnv.pid, byArgv.pid!].sort());
    expect(found.get(byEnv.pid)).toMatchObject({ foundBy: ['environment'], otherPort: 1 });
    expect(found.get(byArgv.pid!)).toMatchObject({ foundBy: ['command-line'] });
    expect(found.has(otherEnv.pid)).toBe(false);
    expect(found.has(otherArgv.pid!)).toBe(false);
    expect(loc.wedged?.pid).toBeDefined();
  });

  it('a foreign program on the port is the listener, never a gateway process', async () => {
    const stateDir = join(temp.dir, '.openclaw');
    const foreign = await startForeignListener();
    const loc = await locateGateway(targetFor(stateDir, foreign.port));
    expect(loc.listener.kind).toBe('other');
    expect(loc.listener.kind === 'other' && loc.listener.process.pid).toBe(foreign.pid);
    expect(loc.processes).toEqual([]);
    expect(loc.wedged).toBeUndefined();
  });

  it('a stale lock naming a pid that is now another process (another start time, not OpenClaw) finds nothing', async () => {
    const stateDir = join(temp.dir, '.openclaw');
    const elsewhere = await startFakeGateway({ stateDir: join(temp.dir, 'x', '.openclaw') });
    const foreign = await startForeignListener();
    const start = await readProcessStart(elsewhere.pid);
    if (!start.ok) throw new Error(start.message);
    const lockDir = join(stateDir, 'tmp', `openclaw-${process.getuid!()}`);
    await mkdir(lockDir, { recursive: true });
    const port = await freePort();
    const lock = (pid: number, startTime: number) => JSON.stringify({ pid, stateDir, configPath: join(stateDir, 'openclaw.json'), port, startTime });
    await writeFile(join(lockDir, 'gateway.state.lock'), lock(elsewhere.pid, start.startTicks - 1));
    await writeFile(join(lockDir, 'gateway.1234abcd.lock'), lock(foreign.pid, 0));
    const loc = await locateGateway(targetFor(stateDir, port));
    expect(loc.processes).toEqual([]);
    // The listener is found by the port all the same: a bad lock takes nothing away from other evidence.
    const onItsPort = await locateGateway(targetFor(stateDir, elsewhere.port));
    expect(onItsPort.processes).toEqual([expect.objectContaining({ pid: elsewhere.pid, foundBy: ['listener'] })]);
  });

  it('finds a 2026.7.x gateway by its lock in the shared tmp dir naming this config, not by one naming another', async () => {
    const stateDir = join(temp.dir, '.openclaw');
    const tmpDir = join(temp.dir, 'tmp');
    const gw = await startFakeGateway({ stateDir: 'none' });
    await wedge(gw);
    const start = await readProcessStart(gw.pid);
    if (!start.ok) throw new Error(start.message);
    await mkdir(join(tmpDir, 'openclaw-0'), { recursive: true });
    // 2026.7.1's lock, as measured: {pid, createdAt, configPath, port, startTime}, no stateDir.
    const lock = (configPath: string) => JSON.stringify({ pid: gw.pid, createdAt: new Date().toISOString(), configPath, port: gw.port, startTime: start.startTicks });
    await writeFile(join(tmpDir, 'openclaw-0', 'gateway.f3e0fea7.lock'), lock(join(temp.dir, 'elsewhere', 'openclaw.json')));
    expect((await locateGateway(targetFor(stateDir, gw.port), { tmpDir })).processes).toEqual([]);
    await writeFile(join(tmpDir, 'openclaw-0', 'gateway.f3e0fea7.lock'), lock(join(stateDir, 'openclaw.json')));
    const loc = await locateGateway(targetFor(stateDir, gw.port), { tmpDir });
    expect(loc.processes.map((p) => p.pid)).toEqual([gw.pid]);
    expect(loc.wedged).toEqual({ pid: gw.pid });
    // The tmp dir is shared: a lock another user wrote does not name our gateway, whatever it says.
    if (process.getuid!() !== 0) throw new Error('this test chowns a file to another user: it needs root (CI runs as root)');
    await chown(join(tmpDir, 'openclaw-0', 'gateway.f3e0fea7.lock'), 12345, 12345);
    expect((await locateGateway(targetFor(stateDir, gw.port), { tmpDir })).processes).toEqual([]);
  });
});

describe('gateway.port on a wedged gateway', () => {
  // A profile of its own (.openclaw-cmtest): the default profile's log in the shared /tmp/openclaw is written by
  // every real gateway on the host (the e2e ones too), whose exit lines the down result would quote.
  it('says the process is alive while nothing listens, with diagnosis, remedy and details.wedged', async () => {
    const stateDir = join(temp.dir, '.openclaw-cmtest');
    const gw = await startFakeGateway({ stateDir });
    await wedge(gw);
    const result = await gatewayPortCheck.run(testContext({ port: gw.port, target: { openclawStateDir: stateDir, openclawConfigPath: join(stateDir, 'openclaw.json') } }));
    expect(result.status).toBe('crit');
    expect(result.summary).toBe(`openclaw-gateway pid ${gw.pid} is alive but nothing listens on 127.0.0.1:${gw.port} (gateway wedged)`);
    expect(result.diagnosis).toMatch(/state lock .*gateway\.state\.lock/);
    expect(result.diagnosis).toMatch(/does not recover by itself \(seen on 2026\.7\.x\)/);
    expect(result.remedy).toContain(`kill -TERM ${gw.pid}`);
    expect(result.remedy).not.toMatch(/openclaw (start|stop|restart)\b/);
    expect(result.details).toMatchObject({ wedged: { pid: gw.pid } });
  });

  it('a wedged gateway of another install leaves the plain "nothing listening"', async () => {
    const gw = await startFakeGateway({ stateDir: join(temp.dir, 'other', '.openclaw-cmtest') });
    await wedge(gw);
    const stateDir = join(temp.dir, '.openclaw-cmtest');
    const result = await gatewayPortCheck.run(testContext({ port: gw.port, target: { openclawStateDir: stateDir, openclawConfigPath: join(stateDir, 'openclaw.json') } }));
    expect(result.summary).toBe(`nothing listening on 127.0.0.1:${gw.port} (gateway down)`);
    expect(result.details).not.toHaveProperty('wedged');
  });
});

describe("clawmedic's own openclaw CLI runs", () => {
  it("are never taken for a wedged gateway, though their worker retitles itself `openclaw` and carries this install's environment", async () => {
    const stateDir = join(temp.dir, '.openclaw');
    const port = await freePort();
    const target = targetFor(stateDir, port);
    // What the real 2026.9.6 CLI looks like while `openclaw config validate` (or `secrets audit`) runs: its worker
    // retitles itself `openclaw`, in a session of its own, under the CLI process clawmedic started.
    const env = { ...process.env, OPENCLAW_STATE_DIR: stateDir, OPENCLAW_GATEWAY_PORT: String(port) };
    const worker = "process.title = 'openclaw'; setInterval(() => {}, 1e6);";
    const pidFile = join(temp.dir, 'worker.pid');
    const cli =
      `const c = require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(worker)}], { detached: true, stdio: 'ignore' });` +
      `require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, String(c.pid)); setInterval(() => {}, 1e6);`;
    const ac = new AbortController();
    const own = execFileGroup(process.execPath, ['-e', cli], { timeoutMs: 30_000, signal: ac.signal, env });
    const other = spawn(process.execPath, ['-e', worker], { env, stdio: 'ignore' });
    spawned.push(other);
    let workerPid: number | undefined;
    try {
      // Both retitled: the other one (a run nobody in this process started) is found; clawmedic's own is not.
      let loc = await locateGateway(target);
      for (let i = 0; i < 40 && (loc.processes.length === 0 || workerPid === undefined); i++) {
        await new Promise((r) => setTimeout(r, 50));
        workerPid ??= Number(await readFile(pidFile, 'utf8').catch(() => '')) || undefined;
        loc = await locateGateway(target);
      }
      expect(workerPid).toBeDefined();
      expect(loc.processes.map((p) => p.pid)).toEqual([other.pid]);
    } finally {
      ac.abort();
      await own;
      // Its own session: the group kill does not reach it.
      killIfAlive(workerPid);
    }
  });
});
