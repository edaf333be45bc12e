// The fault suite on the real OpenClaw gateway (the pinned release): one gateway boot, one agent with
// auto-recovery on, a real SMTP server, a Slack-compatible receiver and a webhook receiver, and the faults
// people meet, one after another, each asserted on what people receive and what clawmedic records:
//   healthy for 3 minutes (doctor and config running) -> no alert at all;
//   SIGKILL -> one CRIT naming the refused connection, then "recovered" once /readyz answers on a new boot;
//   SIGSTOP -> the alert says hung and names the stopped process; recovery kills it and starts the gateway;
//   a broken openclaw.json, then SIGKILL -> the alert carries line:column, no restart is attempted;
//   another program on the port -> the alert names its pid and command; it is never signalled;
//   a gateway that cannot start (its state dir damaged) -> two failed attempts, one "gave up", no more.
// The tests run in order and share the gateway; every process started here (gateways, the agent, the other
// program) is stopped by its process group in afterAll, whatever failed. Figures are printed as [figures].
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPortOwner } from '../../src/platform/port-owner.ts';
import { waitFor } from '../fixtures/cli.ts';
import { startReceiver, webhookAlerts, type HttpReceiver, type WireAlert } from '../fixtures/http-receiver.ts';
import { startSmtp, type TestSmtp } from '../fixtures/smtp-server.ts';
import { runClawmedic, startAgentOn, startRealGateway, type AgentOnGateway, type RealGateway } from './real-openclaw.ts';

interface StateFile {
  checks: Record<string, { machine: { state: string }; window: Array<{ at: number; status: string; summary: string }> }>;
  sections: {
    recovery?: { appliedResetAt?: number; attempts: Array<{ id: string; outcome?: string; reason?: string; failedStep?: string; startedAt: number; finishedAt?: number; steps: Array<{ step: string; outcome: string; summary: string }> }> };
    openclawCli?: { commands: Record<string, { runs: number; last: { cpuMs?: number; peakRssBytes?: number } }> };
  };
}

let gw: RealGateway;
let agent: AgentOnGateway;
let smtp: TestSmtp;
let slack: HttpReceiver;
let hook: HttpReceiver;
let foreign: ChildProcess | undefined;
/** Every gateway process this suite knows of (the first, and those recovery started), killed by group at the end. */
const gateways = new Set<number>();

const state = () => agent.state<StateFile>();
const attempts = async () => (await state()).sections.recovery?.attempts ?? [];
const stateDir = () => join(gw.home, '.openclaw');

/** SIGKILL (or another signal) to a process group, then to the process itself (a group leader may be gone). */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, signal);
    } catch {
      // Gone already, or not a group leader.
    }
  }
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The OpenClaw process that holds the gateway port now. */
async function gatewayPid(): Promise<number> {
  const owner = await findPortOwner(gw.port);
  if (owner.kind !== 'found') throw new Error(`nothing listens on ${gw.port}`);
  gateways.add(owner.owner.pid);
  return owner.owner.pid;
}

async function readyz(): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${gw.port}/readyz`, { signal: AbortSignal.timeout(5_000) });
  return res.status;
}

let goodConfig = '';

/**
 * Each fault starts from a healthy gateway, whatever the one before left (a failed test must not fail the
 * next ones): a good openclaw.json, the state dir whole, the gateway answering, recovery re-armed.
 */
async function healthyStart(): Promise<void> {
  await writeFile(join(stateDir(), 'openclaw.json'), goodConfig);
  if (existsSync(join(stateDir(), 'tmp')) && !(await stat(join(stateDir(), 'tmp'))).isDirectory()) {
    await rm(join(stateDir(), 'tmp'), { force: true });
    await mkdir(join(stateDir(), 'tmp'), { mode: 0o700 });
  }
  if (foreign?.pid) signalGroup(foreign.pid, 'SIGKILL');
  foreign = undefined;
  if ((await findPortOwner(gw.port)).kind !== 'found') {
    const again = await startRealGateway(gw);
    gateways.add(again.pid);
  }
  await waitFor('the gateway ready', async () => ((await readyz().catch(() => 0)) === 200 ? true : undefined), 120_000);
  await rearm();
  await waitFor('gateway.port OK', async () => ((await state()).checks['gateway.port']?.machine.state === 'ok' ? true : undefined), 90_000);
}

/** `clawmedic recover --reset`, as a person re-arms recovery, once the agent has applied it. */
async function rearm(): Promise<void> {
  const appliedBefore = (await state()).sections.recovery?.appliedResetAt;
  const reset = await runClawmedic(['recover', '--reset'], gw.env, 60_000);
  expect(reset.code, reset.stderr).toBe(0);
  await waitFor('the reset applied', async () => ((await state()).sections.recovery?.appliedResetAt !== appliedBefore ? true : undefined), 90_000);
}

/** What each receiver got from a point on. */
function mark() {
  const at = { hook: hook.requests.length, slack: slack.requests.length, mail: smtp.received.length };
  return {
    alerts: (): WireAlert[] => webhookAlerts({ ...hook, requests: hook.requests.slice(at.hook) }),
    failing: (): WireAlert[] => webhookAlerts({ ...hook, requests: hook.requests.slice(at.hook) }).filter((a) => a.kind === 'failing'),
    recovery: (): WireAlert[] => webhookAlerts({ ...hook, requests: hook.requests.slice(at.hook) }).filter((a) => a.kind === 'recovery'),
    /** Slack messages as people see them: the fallback text and every block. */
    slack: (): string[] => slack.requests.slice(at.slack).map((r) => {
      const body = JSON.parse(r.body) as { text: string; blocks: unknown[] };
      return `${body.text}\n${JSON.stringify(body.blocks)}`;
    }),
    mail: () => smtp.received.slice(at.mail).map((m) => ({ subject: m.mail.subject ?? '', text: m.mail.text ?? '' })),
  };
}

function agentConfig(phase: 'healthy' | 'faults'): string {
  const healthy = phase === 'healthy';
  return `{
    checks: {
      'gateway.port': { schedule: '5s', timeout: '3s', jitter: 0, options: { requestTimeoutMs: 2000 } },
      // A booting gateway can leave /startupz unanswered for 2 s on a busy host: gateway.http gets 2.3 s a request.
      'gateway.http': { schedule: '5s', timeout: '4800ms', jitter: 0 },
      config: { schedule: '30s' },
      ${healthy ? "doctor: { schedule: '1m', timeout: '55s' }," : ''}
      // The fault phases restart the gateway on purpose, several times in a few minutes: the restarts check
      // rightly calls that a loop (CI: its WARN came first in the broken-config phase). It has tests of its own.
      ${healthy ? '' : 'restarts: { enabled: false },'}
    },
    alerting: { batchWindow: '1s' },
    notifiers: {
      slack: { type: 'slack', url: '${slack.url}/services/T0000/B0000/e2e' },
      mail: { type: 'email', host: '127.0.0.1', port: ${smtp.port}, startTls: 'never', from: 'clawmedic <clawmedic@e2e.invalid>', to: 'ops@e2e.invalid', minSeverity: 'crit' },
      hook: { type: 'webhook', url: '${hook.url}/alerts' },
    },
    recovery: { enabled: true, attempts: 2, window: '15m', cooldown: '5s', cooldownMax: '10s', steps: { verify: { timeout: '150s' } } },
  }`;
}

/** The subjects of the CRIT mails since a mark (mail goes to CRIT only; resolved notices follow their alert). */
const crits = (m: ReturnType<typeof mark>) => m.mail().map((x) => x.subject).filter((subject) => /\bCRIT\b/.test(subject));

/** Waits for the next "gateway recovered" alert after a mark, and checks that the gateway is ready on a new boot. */
async function recovered(m: ReturnType<typeof mark>, before: number, timeoutMs = 240_000) {
  const alert = await waitFor(
    'the recovered alert',
    () => m.recovery().find((a) => /^gateway recovered in /.test(a.summary) || /^auto-recovery (failed|gave up)/.test(a.summary)),
    timeoutMs,
  );
  expect(alert.summary, alert.diagnosis).toMatch(/^gateway recovered in \d/);
  expect(alert.diagnosis).toMatch(/verify: ok: gateway healthy .* started and ready, new boot/);
  expect(await readyz()).toBe(200);
  const pid = await gatewayPid();
  expect(pid).not.toBe(before);
  return { alert, pid };
}

beforeAll(async () => {
  gw = await startRealGateway();
  gateways.add(gw.pid);
  goodConfig = await readFile(join(gw.home, '.openclaw', 'openclaw.json'), 'utf8');
  smtp = await startSmtp();
  slack = await startReceiver();
  hook = await startReceiver();
  agent = await startAgentOn(gw, agentConfig('healthy'));
});

afterAll(async () => {
  if (agent && agent.child.exitCode === null && agent.child.signalCode === null) {
    // SIGTERM first: the agent kills the process groups of the CLI runs it started.
    agent.child.kill('SIGTERM');
    await Promise.race([agent.exited, new Promise((r) => setTimeout(r, 10_000))]);
  }
  await agent?.cleanup();
  if (foreign?.pid) signalGroup(foreign.pid, 'SIGKILL');
  // The gateway holding the port now, and the one its state lock names, may be ones the suite never saw.
  if (gw) {
    const owner = await findPortOwner(gw.port).catch(() => undefined);
    if (owner?.kind === 'found') gateways.add(owner.owner.pid);
    const lock = join(stateDir(), 'tmp', `openclaw-${process.getuid?.() ?? 0}`, 'gateway.state.lock');
    try {
      const pid = Number((JSON.parse(readFileSync(lock, 'utf8')) as { pid?: unknown }).pid);
      if (Number.isInteger(pid) && pid > 1) gateways.add(pid);
    } catch {
      // No lock (or no tmp dir): nothing more to find.
    }
    for (const pid of gateways) signalGroup(pid, 'SIGKILL');
    await gw.cleanup();
  }
  await Promise.all([smtp?.close(), slack?.close(), hook?.close()]);
});

describe('faults on the real OpenClaw gateway', () => {
  it('healthy for 3 minutes, doctor and config running: no alert at all', { timeout: 400_000 }, async () => {
    const m = mark();
    const started = Date.now();
    const firstPid = await waitFor('gateway.port OK', async () => ((await state()).checks['gateway.port']?.machine.state === 'ok' ? gatewayPid() : undefined), 60_000);
    await waitFor(
      '3 minutes with at least 3 doctor runs',
      async () => {
        const s = await state();
        return Date.now() - started >= 180_000 && (s.checks.doctor?.window.length ?? 0) >= 3 ? true : undefined;
      },
      330_000,
    );
    const s = await state();
    expect(m.alerts(), JSON.stringify(m.alerts())).toEqual([]);
    expect(m.slack()).toEqual([]);
    expect(m.mail()).toEqual([]);
    expect(Object.entries(s.checks).filter(([, c]) => c.machine.state === 'failing').map(([id]) => id)).toEqual([]);
    expect(s.checks.doctor!.window.every((r) => r.status === 'ok'), JSON.stringify(s.checks.doctor!.window)).toBe(true);
    expect(s.checks.config!.window.filter((r) => r.status === 'ok').length).toBeGreaterThanOrEqual(5);
    expect(await gatewayPid()).toBe(firstPid);
    expect((await attempts()).length).toBe(0);
    // What the CLI checks cost, as status shows it.
    const doctor = s.sections.openclawCli?.commands.doctor;
    expect(doctor?.runs).toBeGreaterThanOrEqual(3);
    const status = await runClawmedic(['status'], gw.env, 60_000);
    expect(status.stdout).toMatch(/^ {2}doctor: \d+ runs, last .* ago: .*s CPU, peak /m);
    console.log(
      `[figures] healthy real gateway for ${Math.round((Date.now() - started) / 1000)} s: ${s.checks['gateway.port']!.window.length} gateway.port results, ` +
        `${s.checks.doctor!.window.length} doctor runs (last ${((doctor?.last.cpuMs ?? 0) / 1000).toFixed(1)} s CPU, peak ${Math.round((doctor?.last.peakRssBytes ?? 0) / 2 ** 20)} MiB), 0 alerts`,
    );

    // The fault phases: doctor back to its default schedule, by a reload.
    await writeFile(join(stateDir(), 'clawmedic.json5'), agentConfig('faults'), { mode: 0o600 });
    agent.child.kill('SIGHUP');
    await waitFor('the reload', () => (agent.output().includes('config reloaded') ? true : undefined), 30_000);
  });

  it('crash: SIGKILL -> one CRIT naming the refused connection, then recovered on a new boot with /readyz 200', { timeout: 400_000 }, async () => {
    await healthyStart();
    const m = mark();
    const before = await gatewayPid();
    const killedAt = Date.now();
    signalGroup(before, 'SIGKILL');
    const failing = await waitFor('the failing alert', () => m.failing()[0], 60_000);
    const detectedMs = Date.now() - killedAt;
    const { alert, pid } = await recovered(m, before);
    const healthyMs = Date.now() - killedAt;
    const resolved = await waitFor('gateway.port resolved', () => m.alerts().find((a) => a.kind === 'resolved' && a.checkId === 'gateway.port'), 60_000);
    expect(resolved.durationMs).toBeGreaterThan(0);

    const crit = m.failing().filter((a) => a.severity === 'crit');
    expect(crit.map((a) => a.checkId), JSON.stringify(m.alerts())).toEqual(['gateway.port']);
    expect(failing.checkId).toBe('gateway.port');
    expect(`${failing.summary} ${failing.diagnosis}`).toMatch(new RegExp(`nothing listening on 127\\.0\\.0\\.1:${gw.port}.*[Cc]onnection refused`));
    expect(failing.related?.map((r) => r.checkId)).toContain('gateway.http');
    expect(`${failing.remedy ?? ''}`).toMatch(/openclaw gateway/);
    expect(m.recovery().map((a) => a.summary.replace(/ in .*| failing.*|:.*/, ''))).toEqual(['auto-recovery started', 'gateway recovered']);
    expect(alert.diagnosis).toMatch(/start: ok: started openclaw gateway run \(pid \d+\)/);
    // People: Slack shows the CRIT with its cause and then the recovery; the mail (CRIT only) is that one alert.
    expect(m.slack().find((t) => t.includes('CRIT'))).toMatch(/refused/);
    expect(m.slack().some((t) => t.includes('gateway recovered in'))).toBe(true);
    await waitFor('the resolved mail', () => (m.mail().some((x) => /RESOLVED/.test(x.subject)) ? true : undefined), 30_000);
    expect(crits(m)).toEqual([expect.stringMatching(/CRIT .*gateway/i)]);
    expect(m.mail().find((x) => /CRIT/.test(x.subject))!.text).toMatch(/refused/);
    const attempt = (await attempts()).at(-1)!;
    expect(attempt).toMatchObject({ outcome: 'recovered' });
    expect(agent.output()).not.toContain(gw.token);
    console.log(`[figures] crash: CRIT alert ${(detectedMs / 1000).toFixed(1)} s after SIGKILL; ready on a new boot (pid ${before} -> ${pid}) ${(healthyMs / 1000).toFixed(1)} s after it`);
  });

  it('hang: SIGSTOP -> the alert says hung and names the stopped process; recovery kills it and starts the gateway', { timeout: 400_000 }, async () => {
    await healthyStart();
    const m = mark();
    const stopped = await gatewayPid();
    const stoppedAt = Date.now();
    process.kill(stopped, 'SIGSTOP');
    const failing = await waitFor('the hung alert', () => m.failing().find((a) => a.checkId === 'gateway.port'), 90_000);
    const detectedMs = Date.now() - stoppedAt;
    expect(failing.severity).toBe('crit');
    expect(failing.summary).toMatch(new RegExp(`^gateway hung \\(pid ${stopped} stopped\\)`));
    expect(failing.diagnosis).toMatch(/stopped/);
    const { alert, pid } = await recovered(m, stopped);
    expect(alert.diagnosis).toMatch(/stop: ok: .*SIGKILL|stop: ok: .*killed/i);
    expect(isAlive(stopped)).toBe(false);
    expect(m.slack().find((t) => t.includes('CRIT'))).toMatch(/hung/);
    await waitFor('gateway.port resolved', () => m.alerts().find((a) => a.kind === 'resolved' && a.checkId === 'gateway.port'), 60_000);
    await waitFor('the resolved mail', () => (m.mail().some((x) => /RESOLVED/.test(x.subject)) ? true : undefined), 30_000);
    expect(crits(m)).toEqual([expect.stringMatching(new RegExp(`CRIT .*hung \\(pid ${stopped} stopped\\)`))]);
    console.log(`[figures] hang: CRIT alert ${(detectedMs / 1000).toFixed(1)} s after SIGSTOP; ready on a new boot (pid ${pid}) ${((Date.now() - stoppedAt) / 1000).toFixed(1)} s after it`);
  });

  it('broken openclaw.json, then SIGKILL -> the alert carries line:column and no restart is attempted', { timeout: 400_000 }, async () => {
    await healthyStart();
    const m = mark();
    // An attempt that stopped, restarted or started something (one blocked at validate, or one still
    // validating when this looks, touched nothing).
    const acted = (a: Awaited<ReturnType<typeof attempts>>[number]) => a.steps.some((s) => ['restart', 'stop', 'clearCache', 'start'].includes(s.step) && s.outcome !== 'skipped');
    const attemptsBefore = (await attempts()).filter(acted).length;
    const openclawJson = join(stateDir(), 'openclaw.json');
    // A quote goes missing in an edit: the gateway would exit 78 at every start.
    await writeFile(openclawJson, '{\n  gateway: {\n    mode: "local,\n    auth: { mode: "token" },\n  },\n}\n');
    const before = await gatewayPid();
    signalGroup(before, 'SIGKILL');
    const first = await waitFor('the config alert', () => m.failing().find((a) => a.checkId === 'config'), 60_000);
    expect(first.severity).toBe('crit');
    // The string left open on line 3 ends at its newline: JSON5 names line 4, column 0.
    expect(first.summary).toMatch(/openclaw\.json has a JSON5 syntax error at line \d+:\d+/);
    expect(first.diagnosis).toMatch(new RegExp(`${openclawJson.replaceAll('.', '\\.')}:\\d+:\\d+`));
    // The gateway stays down, nothing is started, and no recovery is announced (past a cooldown of 5 s).
    await new Promise((r) => setTimeout(r, 15_000));
    // The outage is told once, by its cause: gateway.port and gateway.http fold into the config alert. (The
    // gateway may have logged "config reload skipped (invalid config)" before the kill: a logs WARN is fair.)
    expect(m.failing().filter((a) => a.severity === 'crit').map((a) => a.checkId), JSON.stringify(m.failing())).toEqual(['config']);
    expect(m.failing().filter((a) => a.checkId.startsWith('gateway.'))).toEqual([]);
    expect(m.recovery()).toEqual([]);
    expect((await attempts()).filter(acted).length).toBe(attemptsBefore);
    expect((await findPortOwner(gw.port)).kind).toBe('no-listener');
    expect(crits(m)).toEqual([expect.stringMatching(/CRIT .*openclaw\.json/i)]);
    expect(m.mail().find((x) => /CRIT/.test(x.subject))!.text).toMatch(/line \d+:\d+/);

    // Fixed by a person: auto-recovery starts the gateway by itself, and the config alert resolves.
    await writeFile(openclawJson, goodConfig);
    await Promise.all([recovered(m, before), waitFor('config resolved', () => m.alerts().find((a) => a.kind === 'resolved' && a.checkId === 'config'), 240_000)]);
  });

  it('port conflict: the alert names the other program (pid, command) and it is never signalled', { timeout: 400_000 }, async () => {
    // The gateway the fault before recovered is killed, and another program takes the port before a gateway
    // can. First gateway.port is OK again: an incident still open from the fault before would take the
    // conflict in as its own (no new alert to name the program; seen once on a busy host).
    await writeFile(join(stateDir(), 'openclaw.json'), goodConfig);
    await waitFor('gateway.port OK', async () => ((await state()).checks['gateway.port']?.machine.state === 'ok' ? true : undefined), 90_000);
    const holder = await findPortOwner(gw.port);
    if (holder.kind === 'found') signalGroup(holder.owner.pid, 'SIGKILL');
    await waitFor('the port free', async () => ((await findPortOwner(gw.port)).kind === 'no-listener' ? true : undefined), 10_000);
    const m = mark();
    foreign = spawn('python3', ['-m', 'http.server', String(gw.port), '--bind', '127.0.0.1'], { detached: true, stdio: 'ignore', cwd: gw.home });
    const pythonPid = foreign.pid!;
    const failing = await waitFor('the port conflict alert', () => m.failing().find((a) => a.checkId === 'gateway.port' && a.summary.includes(String(pythonPid))), 60_000);
    expect(failing.severity).toBe('crit');
    expect(`${failing.summary} ${failing.diagnosis}`).toMatch(new RegExp(`pid ${pythonPid}`));
    expect(failing.diagnosis).toMatch(/python3? -m http\.server/);
    await new Promise((r) => setTimeout(r, 15_000));
    expect(isAlive(pythonPid)).toBe(true);
    expect(m.recovery().filter((a) => a.summary.startsWith('auto-recovery started'))).toEqual([]);
    const last = (await attempts()).at(-1)!;
    expect(last.outcome).toBe('blocked');
    expect(last.reason).toMatch(new RegExp(`${pythonPid}`));
    expect(m.slack().find((t) => t.includes('CRIT'))).toMatch(new RegExp(`${pythonPid}`));
    expect(crits(m)).toEqual([expect.stringMatching(new RegExp(`CRIT .*${pythonPid}`))]);
  });

  it('a gateway that cannot start: the recovery budget is spent, then one "gave up" alert and no more attempts', { timeout: 400_000 }, async () => {
    // Its state dir damaged (where the gateway keeps its locks is a file; openclaw.json still validates),
    // then the program that held the port goes: each start the agent makes exits some seconds in.
    await writeFile(join(stateDir(), 'openclaw.json'), goodConfig);
    await rearm();
    await rm(join(stateDir(), 'tmp'), { recursive: true, force: true });
    await writeFile(join(stateDir(), 'tmp'), 'not a directory\n');
    const m = mark();
    const acted = (await attempts()).filter((a) => a.outcome !== 'blocked').length;
    if (foreign?.pid) signalGroup(foreign.pid, 'SIGTERM');
    foreign = undefined;
    const holder = await findPortOwner(gw.port);
    if (holder.kind === 'found') signalGroup(holder.owner.pid, 'SIGKILL');
    const gaveUp = await waitFor('the gave-up alert', () => m.recovery().find((a) => a.summary.startsWith('auto-recovery gave up')), 300_000);
    expect(gaveUp.severity).toBe('crit');
    const failed = m.recovery().filter((a) => a.summary.startsWith('auto-recovery failed'));
    expect(failed).toHaveLength(2);
    // The real 2026.9.6 exits 1 (or 78 on a first start) some seconds in; verify names it instead of waiting 150 s.
    expect(failed[0]!.summary).toMatch(/the gateway started \(pid \d+\) exited [\d.]+s after start with exit code \d+/);
    // No more attempts, and no second gave-up, while the gateway stays down.
    const count = (await attempts()).filter((a) => a.outcome !== 'blocked').length;
    expect(count - acted).toBe(2);
    await new Promise((r) => setTimeout(r, 20_000));
    expect((await attempts()).filter((a) => a.outcome !== 'blocked').length).toBe(count);
    expect(m.recovery().filter((a) => a.summary.startsWith('auto-recovery gave up'))).toHaveLength(1);
    expect(m.mail().some((x) => /gave up/i.test(`${x.subject} ${x.text}`))).toBe(true);
    const status = await runClawmedic(['status'], gw.env, 60_000);
    expect(status.stdout).toMatch(/gave up/);
    // The gateways recovery started and that died are gone; nothing is left listening.
    expect((await findPortOwner(gw.port)).kind).toBe('no-listener');
    await rm(join(stateDir(), 'tmp'), { force: true });
    await mkdir(join(stateDir(), 'tmp'), { mode: 0o700 });
    // Through every fault: a clean stop, and the gateway token never in what the agent printed.
    agent.child.kill('SIGTERM');
    expect(await agent.exited).toBe(0);
    expect(agent.output()).not.toContain(gw.token);
  });
});
