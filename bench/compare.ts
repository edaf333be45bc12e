// clawmedic beside Monit against the same real OpenClaw gateway, at equal settings, in one run: detection of a
// kill and of a hang, time to the resolved notice, time to healthy with each one's restart, what each costs
// the host (RSS, CPU per hour), what each openclaw CLI check costs, and how long a one-shot `check` takes
// beside `curl` and `node -e 0`. Prints the figures and writes BENCHMARKS.md.
//
// Run: npm run bench   (Monit is used when installed: `apt-get install monit`; nothing is installed here.
// The real gateway comes from the tests' cache, .cache/openclaw-<version>, installed there on first use.)
// Settings: BENCH_RUNS (kill and hang runs each, default 5), BENCH_RECOVERY_RUNS (3), BENCH_FOOTPRINT_MIN
// (minutes each footprint is watched, default 5). About 30 minutes with the defaults on a 2-core machine.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPortOwner } from '../src/platform/port-owner.ts';
import { OPENCLAW_VERSION, cacheDir, startRealGateway, type RealGateway } from '../test/e2e/real-openclaw.ts';
import { median, memory, timeCommand, watchFootprint, type Footprint } from './footprint.ts';
import { monitPath, monitVersion, startMonit, type MonitSettings, type RunningMonit } from './monit.ts';
import { firstAfter, startHookSink, startMailSink, type Receiver } from './receivers.ts';
import { renderReport, type Report } from './report.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'clawmedic.cjs');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const RECOVERY_RUNS = Number(process.env.BENCH_RECOVERY_RUNS ?? 3);
const FOOTPRINT_MS = Number(process.env.BENCH_FOOTPRINT_MIN ?? 5) * 60_000;
/** Equal settings for both: probe every 5 s, 2 s timeout, 3 failures to alert, 2 successes to resolve. */
const EQUAL = { intervalS: 5, timeoutS: 2, failCycles: 3, successCycles: 2 };

const say = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- processes this benchmark started, stopped by process group whatever happens ----------------------

const gateways = new Set<number>();
const children = new Set<ChildProcess>();
let monit: RunningMonit | undefined;

function killGroup(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, signal);
    } catch {
      // Gone, or not a group leader.
    }
  }
}

async function cleanup(): Promise<void> {
  await monit?.stop().catch(() => undefined);
  for (const c of children) if (c.pid && c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
  await sleep(1_000);
  for (const c of children) if (c.pid && c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const pid of gateways) killGroup(pid);
}
process.on('SIGINT', () => void cleanup().finally(() => process.exit(130)));

// ---- the gateway ------------------------------------------------------------------------------------

let gw: RealGateway;

async function ownerPid(): Promise<number | undefined> {
  const o = await findPortOwner(gw.port);
  if (o.kind !== 'found') return undefined;
  gateways.add(o.owner.pid);
  return o.owner.pid;
}

async function answers(path: string): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${gw.port}${path}`, { signal: AbortSignal.timeout(1_000) });
    await res.arrayBuffer();
    return path === '/readyz' ? res.status === 200 : res.ok;
  } catch {
    return false;
  }
}

/** Polls every 100 ms until the gateway answers the path (and, when given, on another pid); the time it did. */
async function until(path: string, timeoutMs: number, notPid?: number): Promise<number> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await answers(path)) {
      const pid = await ownerPid();
      if (notPid === undefined || (pid !== undefined && pid !== notPid)) return Date.now();
    }
    await sleep(100);
  }
  throw new Error(`the gateway did not answer ${path} within ${timeoutMs / 1000} s`);
}

async function restartGateway(): Promise<void> {
  const again = await startRealGateway(gw);
  gateways.add(again.pid);
}

// ---- clawmedic --------------------------------------------------------------------------------------

interface Agent {
  child: ChildProcess;
  dir: string;
  state(): Promise<any>;
  stop(): Promise<void>;
}

async function startAgent(config: string): Promise<Agent> {
  const dir = await mkdtemp(join(tmpdir(), 'clawmedic-bench-agent-'));
  const path = join(dir, 'clawmedic.json5');
  await writeFile(path, config, { mode: 0o600 });
  const child = spawn(process.execPath, [BIN, 'run'], { env: { ...gw.env, CLAWMEDIC_CONFIG: path }, stdio: 'ignore' });
  children.add(child);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    child,
    dir,
    state: async () => JSON.parse(await readFile(join(dir, 'clawmedic.state.json'), 'utf8')),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await Promise.race([exited, sleep(15_000)]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function agentOk(agent: Agent, timeoutMs = 90_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const s = await agent.state().catch(() => undefined);
    if (s?.checks?.['gateway.port']?.machine?.state === 'ok' && s?.checks?.['gateway.http']?.machine?.state === 'ok') return;
    await sleep(250);
  }
  throw new Error('clawmedic did not see the gateway OK');
}

/** The gateway checks at the equal settings; the other checks off, so both watchers do the same work. */
function detectionConfig(hookPort: number, recovery = false): string {
  const probe = `schedule: '${EQUAL.intervalS}s', timeout: '${EQUAL.timeoutS}s', jitter: 0`;
  const others = ['config', 'doctor', 'memory', 'restarts', 'latency', 'disk', 'dns', 'tls', 'firewall', 'secrets', 'providers', 'webhooks', 'logs', 'websocket', 'channels'];
  return `{
    checks: { 'gateway.port': { ${probe} }, 'gateway.http': { ${probe} }, ${others.map((id) => `${id}: { enabled: false }`).join(', ')} },
    defaults: { failureThreshold: ${EQUAL.failCycles}, successThreshold: ${EQUAL.successCycles} },
    alerting: { batchWindow: 0 },
    notifiers: { hook: { type: 'webhook', url: 'http://127.0.0.1:${hookPort}/alerts' } },
    ${recovery ? "recovery: { enabled: true, attempts: 10, cooldown: '5s', cooldownMax: '10s', steps: { verify: { timeout: '150s' } } }," : ''}
  }`;
}

// ---- the runs ---------------------------------------------------------------------------------------

interface Sample {
  clawmedic?: number;
  monit?: number;
}

const failingOf = (a: { kind?: string; checkId?: string; text: string }) => (a.kind ? a.kind === 'failing' && a.checkId === 'gateway.port' : /failed/i.test(a.text));
const resolvedOf = (a: { kind?: string; checkId?: string; text: string }) => (a.kind ? a.kind === 'resolved' && a.checkId === 'gateway.port' : /succeeded/i.test(a.text));

async function detectionRuns(kind: 'kill' | 'hang', hook: Receiver, mail: Receiver | undefined): Promise<{ detect: Sample[]; resolved: Sample[] }> {
  const detect: Sample[] = [];
  const resolved: Sample[] = [];
  for (let i = 1; i <= RUNS; i++) {
    const pid = (await ownerPid())!;
    // A random moment in the watchers' cycle, so neither is always caught just before (or after) its probe.
    await sleep(Math.random() * EQUAL.intervalS * 1000);
    const t0 = Date.now();
    if (kind === 'kill') killGroup(pid);
    else process.kill(pid, 'SIGSTOP');
    const [c, m] = await Promise.all([firstAfter(hook, t0, failingOf, 120_000), mail ? firstAfter(mail, t0, failingOf, 120_000) : undefined]);
    detect.push({ ...(c ? { clawmedic: c.at - t0 } : {}), ...(m ? { monit: m.at - t0 } : {}) });
    // Back: a new boot after a kill, SIGCONT after a hang; resolved is timed from the gateway answering again.
    let back: number;
    if (kind === 'kill') {
      const watching = until('/healthz', 180_000, pid);
      await restartGateway();
      back = await watching;
    } else {
      process.kill(pid, 'SIGCONT');
      back = Date.now();
    }
    const [cr, mr] = await Promise.all([firstAfter(hook, back - 1, resolvedOf, 120_000), mail ? firstAfter(mail, back - 1, resolvedOf, 120_000) : undefined]);
    resolved.push({ ...(cr ? { clawmedic: cr.at - back } : {}), ...(mr ? { monit: mr.at - back } : {}) });
    say(
      `  ${kind} ${i}/${RUNS}: alert clawmedic ${secs(c && c.at - t0)}, Monit ${secs(m && m.at - t0)}; resolved after it answered again: clawmedic ${secs(cr && cr.at - back)}, Monit ${secs(mr && mr.at - back)}`,
    );
    await sleep(6_000);
  }
  return { detect, resolved };
}

/** Kill -> ready again (/readyz 200 on a new pid), the watcher restarting it. */
async function recoveryRuns(who: string): Promise<number[]> {
  const out: number[] = [];
  for (let i = 1; i <= RECOVERY_RUNS; i++) {
    await until('/readyz', 240_000);
    await sleep(10_000);
    const pid = (await ownerPid())!;
    const t0 = Date.now();
    killGroup(pid);
    const t = await until('/readyz', 300_000, pid);
    out.push(t - t0);
    say(`  ${who} restart ${i}/${RECOVERY_RUNS}: ready on a new boot ${secs(t - t0)} after the kill`);
  }
  return out;
}

const secs = (ms: number | undefined) => (ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(1)} s`);

// ---- main -------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  if (process.platform !== 'linux') throw new Error('the benchmark reads /proc: Linux only');
  const monitBin = monitPath();
  say(monitBin ? `Monit ${monitVersion(monitBin)} at ${monitBin}` : 'Monit is not installed (`apt-get install monit`): clawmedic is measured alone');
  // The command measured is the one installed: bin/clawmedic.cjs and the bundle of the current sources.
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'bundle.mjs')], { stdio: 'inherit' });

  const report: Report = {
    date: new Date().toISOString(),
    machine: `${cpus().length} x ${cpus()[0]?.model.trim() ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Linux ${release()}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')} at start`,
    versions: {
      clawmedic: JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')).version,
      node: process.version,
      openclaw: OPENCLAW_VERSION,
      ...(monitBin ? { monit: monitVersion(monitBin) } : {}),
    },
    settings: EQUAL,
    runs: RUNS,
  };

  say(`starting the real gateway (openclaw ${OPENCLAW_VERSION} from ${cacheDir()})`);
  gw = await startRealGateway();
  gateways.add(gw.pid);
  const hook = await startHookSink();
  const mail = monitBin ? await startMailSink() : undefined;
  const dir = await mkdtemp(join(tmpdir(), 'clawmedic-bench-'));
  const monitSettings: MonitSettings = { dir, smtpPort: mail?.port ?? 0, gatewayPort: gw.port, mode: 'alert', ...EQUAL };
  try {
    // 1. Detection: both watch the same gateway, alerting only; the benchmark breaks and mends it.
    say(`detection: ${RUNS} kills and ${RUNS} hangs (SIGSTOP), both watchers every ${EQUAL.intervalS} s, ${EQUAL.failCycles} failures to alert, ${EQUAL.successCycles} successes to resolve`);
    if (monitBin) monit = startMonit(monitBin, monitSettings, 'alert');
    let agent = await startAgent(detectionConfig(hook.port));
    await agentOk(agent);
    await sleep(3 * EQUAL.intervalS * 1000);
    const kill = await detectionRuns('kill', hook, mail);
    const hang = await detectionRuns('hang', hook, mail);
    report.kill = kill;
    report.hang = hang;
    await agent.stop();
    await monit?.stop();
    monit = undefined;

    // 2. Footprint at rest, side by side: clawmedic with its defaults (every check, the console notifier), Monit
    // with its one check; then clawmedic with every gateway-facing check every 10 s.
    say(`footprint: ${FOOTPRINT_MS / 60_000} min each, after a 90 s warm-up`);
    await until('/readyz', 240_000);
    agent = await startAgent('{}');
    if (monitBin) monit = startMonit(monitBin, monitSettings, 'idle');
    await sleep(90_000);
    const [defaults, monitIdle] = await Promise.all([watchFootprint(agent.child.pid!, FOOTPRINT_MS), monit?.child.pid ? watchFootprint(monit.child.pid, FOOTPRINT_MS) : undefined]);
    report.footprint = { defaults, ...(monitIdle ? { monit: monitIdle } : {}), gatewayRss: memory((await ownerPid())!).rss };
    report.cliCosts = ((await agent.state()).sections?.openclawCli?.commands ?? {}) as Report['cliCosts'];
    await agent.stop();
    await monit?.stop();
    monit = undefined;
    // The openclaw CLI checks keep their schedules: a doctor run alone takes 13-18 s.
    const ids = ['gateway.port', 'gateway.http', 'memory', 'restarts', 'latency', 'disk', 'dns', 'tls', 'firewall', 'webhooks', 'logs', 'websocket', 'channels', 'clawmedic.self'];
    agent = await startAgent(`{ checks: { ${ids.map((id) => `'${id}': { schedule: '10s', timeout: '8s', jitter: '1s' }`).join(', ')} } }`);
    await sleep(90_000);
    report.footprint.every10s = await watchFootprint(agent.child.pid!, FOOTPRINT_MS);
    await agent.stop();

    // 3. One-shot commands against the healthy gateway.
    say('one-shot: check gateway.port gateway.http, --help, curl, node -e 0 (10 runs each)');
    const oneShot = async (file: string, args: string[]) => {
      const times: number[] = [];
      for (let i = 0; i < 10; i++) times.push(await timeCommand(file, args, gw.env));
      return median(times);
    };
    await oneShot(process.execPath, [BIN, 'check', 'gateway.port', 'gateway.http']); // fills the compile cache
    report.oneShot = {
      check: await oneShot(process.execPath, [BIN, 'check', 'gateway.port', 'gateway.http']),
      help: await oneShot(process.execPath, [BIN, '--help']),
      curl: await oneShot('curl', ['-s', '-o', '/dev/null', '-m', '2', `http://127.0.0.1:${gw.port}/healthz`]),
      node: await oneShot(process.execPath, ['-e', '0']),
    };

    // 4. Time to healthy after a kill, each restarting the gateway its own way.
    say(`restart after a kill: ${RECOVERY_RUNS} runs each`);
    agent = await startAgent(detectionConfig(hook.port, true));
    await agentOk(agent);
    report.recovery = { clawmedic: await recoveryRuns('clawmedic') };
    await agent.stop();
    if (monitBin) {
      // Monit restarts what it started: the gateway now runs from its start program, with a pid file.
      const pid = await ownerPid();
      if (pid !== undefined) killGroup(pid);
      const tokenFile = join(dir, 'token');
      await writeFile(tokenFile, gw.token, { mode: 0o600 });
      const binDir = join(cacheDir(), 'node_modules', '.bin');
      const ctl = (action: string) => `${process.execPath} ${join(ROOT, 'bench', 'gateway-ctl.mjs')} ${action} ${gw.home} ${gw.port} ${binDir} ${tokenFile} ${join(dir, 'gateway.pid')} ${join(dir, 'gateway.log')}`;
      monit = startMonit(monitBin, { ...monitSettings, mode: 'restart', startProgram: ctl('start'), stopProgram: ctl('stop'), pidFile: join(dir, 'gateway.pid') }, 'restart');
      report.recovery.monit = await recoveryRuns('Monit');
      await monit.stop();
      monit = undefined;
    }
  } finally {
    await cleanup();
    await hook.close();
    await mail?.close();
    await gw.cleanup().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
  const markdown = renderReport(report);
  await writeFile(join(ROOT, 'BENCHMARKS.md'), markdown);
  say(`\n${markdown}`);
  say(`written to ${join(ROOT, 'BENCHMARKS.md')}`);
}

await main().catch(async (err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  await cleanup();
  process.exitCode = 1;
});
