// Auto-recovery in the running agent, on real processes: the fake gateway started through the fake
// `openclaw gateway run` (as the real CLI runs it: retitled openclaw-gateway, holding its state lock), a
// real webhook receiver for the alerts. Killed, hung, wedged, dying at every start, an invalid config and a
// port taken by another program: what is done, what is left alone, and what people are told.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeCliHome, waitFor, type CliHome } from '../fixtures/cli.ts';
import { freePort, startForeignListener, stopAllChildren } from '../fixtures/gateway-harness.ts';
import { startReceiver, webhookAlerts, type HttpReceiver } from '../fixtures/http-receiver.ts';
import { installFakeOpenclaw, isProcessAlive, killIfAlive, type FakeOpenclaw } from '../fixtures/openclaw-cli-harness.ts';
import { findPortOwner } from '../../src/platform/port-owner.ts';

let h: CliHome;
let cli: FakeOpenclaw;
let receiver: HttpReceiver;
let port: number;
/** Every gateway pid seen, to be killed whoever started it. */
const gatewayPids = new Set<number>();

beforeEach(async () => {
  cli = await installFakeOpenclaw();
  h = await makeCliHome({ PATH: cli.env.PATH, FAKE_OPENCLAW_LOG: cli.logFile });
  receiver = await startReceiver();
  port = await freePort();
  await writeFile(join(h.dir, 'openclaw.json'), '{ gateway: { mode: "local" } }\n', { mode: 0o600 });
});
afterEach(async () => {
  const owner = await findPortOwner(port).catch(() => undefined);
  if (owner?.kind === 'found') gatewayPids.add(owner.owner.pid);
  await h.cleanup();
  for (const pid of gatewayPids) {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // gone
    }
    killIfAlive(pid);
  }
  gatewayPids.clear();
  await receiver.close();
  await cli.cleanup();
  await stopAllChildren();
});

/** A gateway of this install, as `openclaw gateway run` starts one in the HOME of the test. */
async function startGateway(): Promise<number> {
  const child = spawn(cli.bin, ['gateway', 'run', '--port', String(port), '--bind', 'loopback'], { env: h.env, stdio: 'ignore', detached: true });
  child.unref();
  gatewayPids.add(child.pid!);
  await waitFor('the gateway listening', async () => (await findPortOwner(port)).kind === 'found', 15_000);
  return child.pid!;
}

function config(extraRecovery = ''): string {
  return `{
    gateway: { port: ${port} },
    checks: {
      'gateway.port': { schedule: '1s', timeout: '800ms', jitter: 0 },
      'gateway.http': { schedule: '1s', timeout: '900ms', jitter: 0, options: { requestTimeoutMs: 300 } },
      config: { schedule: '5m' },
      doctor: { enabled: false }, memory: { enabled: false }, restarts: { enabled: false }, latency: { enabled: false }, disk: { enabled: false },
      'clawmedic.self': { enabled: false },
    },
    defaults: { failureThreshold: 2 },
    notifiers: { hook: { type: 'webhook', url: '${receiver.url}/alerts' } },
    alerting: { batchWindow: '300ms' },
    recovery: { enabled: true, cooldown: '1s', cooldownMax: '2s', stopGrace: '1s', steps: { verify: { timeout: '15s' } } ${extraRecovery} },
  }`;
}

const recoveryAlerts = () => webhookAlerts(receiver).filter((a) => a.kind === 'recovery');
type Attempt = { outcome?: string; failedStep?: string; reason?: string; steps: Array<{ step: string; outcome: string; summary: string; durationMs: number }> };
const attempts = async (): Promise<Attempt[]> => (await h.readState()).sections?.recovery?.attempts ?? [];
const runs = async () => (await cli.calls()).filter((c) => c.argv?.[0] === 'gateway' && c.argv?.[1] === 'run');

async function newListener(old: number): Promise<number> {
  return waitFor('a new gateway on the port', async () => {
    const o = await findPortOwner(port);
    if (o.kind === 'found' && o.owner.pid !== old) {
      gatewayPids.add(o.owner.pid);
      return o.owner.pid;
    }
    return undefined;
  }, 30_000);
}

describe('auto-recovery in the agent', () => {
  it('a killed gateway is started again, verified on a new boot, and the alert says so', async () => {
    const pid = await startGateway();
    await h.writeConfig(config());
    const agent = h.spawnAgent();
    await waitFor('gateway.port OK', async () => (await h.readState()).checks?.['gateway.port']?.machine.state === 'ok');
    const killedAt = Date.now();
    process.kill(pid, 'SIGKILL');
    const recovered = await waitFor('the recovered alert', () => recoveryAlerts().find((a) => /^gateway recovered/.test(a.summary)), 40_000).catch(async (e) => { console.log(JSON.stringify(await attempts(), null, 1), agent.output().slice(-3000), JSON.stringify(webhookAlerts(receiver))); throw e; });
    expect(recovered.severity).toBe('info');
    expect(recovered.summary).toMatch(/^gateway recovered in \d/);
    expect(recovered.diagnosis).toMatch(/verify: ok/);
    const started = recoveryAlerts().find((a) => /^auto-recovery started/.test(a.summary));
    // gateway.port and gateway.http both fail; whichever reaches FAILING first starts it, once.
    expect(started?.summary).toMatch(/^auto-recovery started: gateway\.(port|http) failing \(/);
    expect(recoveryAlerts().filter((a) => /^auto-recovery started/.test(a.summary))).toHaveLength(1);
    const next = await newListener(pid);
    expect(isProcessAlive(next)).toBe(true);
    const [attempt] = await attempts();
    expect(attempt).toMatchObject({ outcome: 'recovered' });
    expect(attempt!.steps.map((s) => s.step)).toEqual(['preflight', 'validate', 'stop', 'clearCache', 'start', 'verify']);
    // The gateway's own down alert resolves: the trigger runs again at once.
    await waitFor('gateway.port OK again', async () => (await h.readState()).checks?.['gateway.port']?.machine.state === 'ok', 15_000);
    expect(Date.now() - killedAt).toBeLessThan(40_000);
    agent.child.kill('SIGTERM');
    expect(await agent.exited).toBe(0);
  }, 90_000);

  it('a hung gateway (SIGSTOP) is killed without waiting for it, and started again', async () => {
    const pid = await startGateway();
    await h.writeConfig(config(", restartFirst: false, stopGrace: '20s'"));
    h.spawnAgent();
    await waitFor('gateway.port OK', async () => (await h.readState()).checks?.['gateway.port']?.machine.state === 'ok');
    process.kill(pid, 'SIGSTOP');
    await waitFor('the recovered alert', () => recoveryAlerts().find((a) => /^gateway recovered/.test(a.summary)), 45_000);
    expect(isProcessAlive(pid)).toBe(false);
    const stop = (await attempts())[0]!.steps.find((s) => s.step === 'stop')!;
    expect(stop.summary).toMatch(/SIGKILL/);
    // A 20 s grace was not waited for: the stopped process got SIGKILL at once.
    expect(stop.durationMs).toBeLessThan(5_000);
    await newListener(pid);
  }, 90_000);

  it('a wedged gateway (alive, its listener closed) is found by its process, stopped and started again', async () => {
    const pid = await startGateway();
    await h.writeConfig(config());
    h.spawnAgent();
    await waitFor('gateway.port OK', async () => (await h.readState()).checks?.['gateway.port']?.machine.state === 'ok');
    process.kill(pid, 'SIGWINCH');
    await waitFor('the recovered alert', () => recoveryAlerts().find((a) => /^gateway recovered/.test(a.summary)), 45_000);
    expect(isProcessAlive(pid)).toBe(false);
    const [attempt] = await attempts();
    expect(attempt!.steps[0]!.summary).toMatch(new RegExp(`pid ${pid}`));
    await newListener(pid);
  }, 90_000);

  it('a gateway that dies at every start: exactly the budgeted attempts, then one gave-up CRIT alert and no more', async () => {
    const pid = await startGateway();
    await h.writeConfig(config(', attempts: 2'));
    h.spawnAgent([], { FAKE_OPENCLAW_RUN: 'exit1' });
    await waitFor('gateway.port OK', async () => (await h.readState()).checks?.['gateway.port']?.machine.state === 'ok');
    process.kill(pid, 'SIGKILL');
    const gaveUp = await waitFor('the gave-up alert', () => recoveryAlerts().find((a) => /gave up/.test(a.summary)), 60_000);
    expect(gaveUp.severity).toBe('crit');
    expect(gaveUp.summary).toBe('auto-recovery gave up: manual action needed');
    expect(gaveUp.diagnosis).toMatch(/2 attempt\(s\) within 15m/);
    expect(gaveUp.remedy).toContain('clawmedic recover --reset');
    // Well past the cooldowns: nothing more is tried, and it is said once.
    await new Promise((r) => setTimeout(r, 5_000));
    expect(await runs()).toHaveLength(2 + 1); // the test's own start, then the two attempts
    expect(recoveryAlerts().filter((a) => /gave up/.test(a.summary))).toHaveLength(1);
    const failed = recoveryAlerts().filter((a) => /failed at start/.test(a.summary));
    expect(failed).toHaveLength(2);
    expect(failed[0]!.summary).toMatch(/exit(ed)? (code )?1/);
    const status = await h.run(['status']);
    expect(status.stdout).toMatch(/GAVE UP/);

    // A person resets it: the agent tries again (and fails again, still within its budget).
    expect((await h.run(['recover', '--reset'])).code).toBe(0);
    await waitFor('a third attempt after the reset', async () => ((await runs()).length >= 4 ? true : undefined), 20_000);
  }, 120_000);

  it('an invalid openclaw.json: nothing is stopped or started, and the one alert carries the issue with line:column', async () => {
    const pid = await startGateway();
    await h.writeConfig(config());
    h.spawnAgent();
    await waitFor('gateway.port OK', async () => (await h.readState()).checks?.['gateway.port']?.machine.state === 'ok');
    await writeFile(join(h.dir, 'openclaw.json'), '{\n  gateway: {\n    mode: "local,\n  },\n}\n');
    process.kill(pid, 'SIGKILL');
    await waitFor('a blocked attempt', async () => ((await attempts()).some((a) => a.outcome === 'blocked') ? true : undefined), 30_000);
    const [attempt] = await attempts();
    expect(attempt).toMatchObject({ outcome: 'blocked', failedStep: 'validate' });
    expect(attempt!.reason).toMatch(/line \d+:\d+/);
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await runs()).toHaveLength(1); // only the test's own start
    const alerts = webhookAlerts(receiver);
    expect(alerts.filter((a) => a.kind !== 'resolved').map((a) => a.checkId)).toEqual(['config']);
    expect(alerts[0]!.summary).toMatch(/line \d+:\d+/);
  }, 90_000);

  it('a port held by another program: that program is not touched, and only the port alert names it', async () => {
    await h.writeConfig(config());
    const foreign = await startForeignListener({ port });
    h.spawnAgent();
    const alert = await waitFor('the port alert', () => webhookAlerts(receiver).find((a) => a.checkId === 'gateway.port'), 20_000);
    expect(alert.summary).toContain(`pid ${foreign.pid}`);
    await waitFor('the block recorded', async () => ((await attempts()).some((a) => a.failedStep === 'preflight') ? true : undefined), 15_000);
    await new Promise((r) => setTimeout(r, 3_000));
    expect(isProcessAlive(foreign.pid)).toBe(true);
    expect(await runs()).toHaveLength(0);
    expect(recoveryAlerts()).toEqual([]);
    expect((await attempts()).filter((a) => a.failedStep === 'preflight')).toHaveLength(1);
  }, 60_000);
});
