// Stops the gateway of this install: through its service manager when it has one, else by signalling its
// verified processes (SIGTERM, SIGKILL after a grace; a stopped process gets SIGKILL at once), else, for a
// listener we may not see, `openclaw gateway stop --force`. A program that is not OpenClaw is never signalled.
import type { Exec, GatewayTarget, OpenclawCli } from '../contracts.ts';
import { formatHostPort, httpProbe } from '../platform/http-probe.ts';
import { stopCommand } from '../platform/openclaw-capabilities.ts';
import { looksLikeOpenclaw } from '../platform/openclaw-process.ts';
import type { OpenclawVersion } from '../platform/openclaw-version.ts';
import { serviceCommands, type GatewayService } from '../platform/gateway-service.ts';
import { findPortOwner, processLabel, readProcessInfo, type ProcessInfo } from '../platform/port-owner.ts';
import { readCgroupPath } from '../platform/proc-memory.ts';
import { readProcessStart } from '../platform/proc-stat.ts';
import { formatDuration } from '../util/duration.ts';
import { findJsonObject } from '../util/json-in-text.ts';
import { locateGateway, type GatewayLocation, type GatewayProcess } from './gateway-process.ts';
import { outputTail, pause, type StepResult } from './step-result.ts';

export interface StopOptions {
  target: GatewayTarget;
  /** What locateGateway found; looked up again when absent. */
  location?: GatewayLocation;
  service: GatewayService;
  openclaw: OpenclawCli;
  exec: Exec;
  /** After SIGTERM, how long before SIGKILL (default 10 s; the real gateway exits 1-2 s after SIGTERM). */
  graceMs?: number;
  /** The whole stop, the final check included (default 30 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** The release, for `gateway stop --force` (2026.8.2 and newer; unknown: the form without it). */
  version?: OpenclawVersion;
  /** For tests: a directory shaped like /proc. */
  procRoot?: string;
}

const POLL_MS = 100;

/** Stops the gateway; ok when no process of this install is left and the port is free, checked. Never throws. */
export async function stopGateway(opts: StopOptions): Promise<StepResult> {
  const started = performance.now();
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const signal = AbortSignal.any([AbortSignal.timeout(timeoutMs), ...(opts.signal ? [opts.signal] : [])]);
  const left = () => timeoutMs - (performance.now() - started);
  const took = () => formatDuration(performance.now() - started);
  const where = formatHostPort(opts.target.host, opts.target.port);
  const procRoot = opts.procRoot ?? '/proc';
  try {
    const location = opts.location ?? (await locateGateway(opts.target, { signal, procRoot }));
    const { listener } = location;
    if (listener.kind === 'other' || listener.kind === 'forwarder') {
      const what = listener.kind === 'other' ? 'another program, not OpenClaw' : 'a port forwarder (the gateway behind it runs elsewhere, e.g. in a container)';
      return {
        ok: false,
        summary: `${where} is held by ${processLabel(listener.process)}, ${what}: left alone`,
        details: { listener: { pid: listener.process.pid, comm: listener.process.comm, role: listener.kind } },
      };
    }

    const log: string[] = [];
    let command: string[] | undefined;
    let output: string | undefined;
    let via = '';

    const outside = await outsideUnit(location.processes, opts.service, procRoot);
    if (outside) log.push(outside);
    if (opts.service.manager !== 'none' && !outside) {
      const cmds = serviceCommands(opts.service, 'stop');
      if ('reason' in cmds) log.push(cmds.reason);
      else {
        for (const cmd of cmds) {
          command = cmd;
          const res = await opts.exec(cmd[0]!, cmd.slice(1), { timeoutMs: Math.max(1, Math.min(left(), 30_000)), signal });
          output = outputTail(res.stdout, res.stderr);
          log.push(`${cmd.join(' ')}: ${res.code === 0 ? 'done' : res.timedOut ? 'timed out' : `exit ${res.code ?? res.signal ?? 'not run'}`}`);
          if (res.code === 0) via = ` with ${cmd.slice(0, cmd.length - 1).join(' ')}`;
        }
      }
      if (via && (await settled(location.processes, opts.target, procRoot, Math.min(left(), opts.graceMs ?? 10_000), signal))) {
        return { ok: true, summary: `stopped ${opts.service.manager} service ${serviceName(opts.service)}${via} in ${took()}`, ...(command ? { command } : {}), ...(output ? { output } : {}) };
      }
    }

    const processes = location.processes;
    if (processes.length === 0) {
      if (listener.kind === 'unknown' && listener.lookup === 'owner-unknown') return await cliStop(opts, signal, left, took, log);
      if (listener.kind === 'none') {
        return {
          ok: true,
          summary: `nothing to stop: no gateway process of this install, nothing listens on ${where}`,
          ...(command ? { command, output } : {}),
          ...(log.length > 0 ? { details: { steps: log } } : {}),
        };
      }
      return { ok: false, summary: `cannot stop the gateway on ${where}: ${listener.kind === 'unknown' ? listener.reason : 'no process found'}` };
    }

    const signalled = await signalAll(processes, procRoot, opts.graceMs ?? 10_000, left, signal);
    log.push(...signalled.log);
    const done = await settled(processes, opts.target, procRoot, left(), signal);
    const details = { pids: processes.map((p) => p.pid), signals: signalled.sent, steps: log };
    if (!done) {
      const still = await survivors(processes, procRoot);
      const why = still.length > 0 ? `${still.map(processLabel).join(', ')} still alive` : `${where} still has a listener`;
      return { ok: false, summary: `stop failed after ${took()}: ${why}`, details, ...(command ? { command, output } : {}) };
    }
    return { ok: true, summary: `${describeSignals(processes, signalled.sent)} in ${took()}`, details };
  } catch (err) {
    return { ok: false, summary: `stop failed: ${(err as Error).message}` };
  }
}

interface Sent {
  pid: number;
  signal: 'SIGTERM' | 'SIGKILL';
  /** Why, when not plain: "stopped (state T)", "after 10s grace". */
  why?: string;
}

/**
 * SIGTERM to each process still the one that was found (SIGKILL to one in state T: it cannot run its
 * handler), then SIGKILL to whoever is left after the grace. Every signal is preceded by a fresh look at
 * /proc, so a pid that now belongs to another process is never hit.
 */
async function signalAll(processes: GatewayProcess[], procRoot: string, graceMs: number, left: () => number, signal: AbortSignal) {
  const sent: Sent[] = [];
  const log: string[] = [];
  const send = async (p: GatewayProcess, sig: Sent['signal'], why?: string): Promise<void> => {
    const now = await sameProcess(p, procRoot);
    if (!now) return;
    const kill = now.state === 'T' || now.state === 't' ? 'SIGKILL' : sig;
    const reason = kill !== sig ? `${now.stateName} (state ${now.state})` : why;
    try {
      process.kill(p.pid, kill);
      sent.push({ pid: p.pid, signal: kill, ...(reason ? { why: reason } : {}) });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ESRCH') log.push(`${kill} to pid ${p.pid} failed: ${code ?? (err as Error).message}`);
    }
  };
  for (const p of processes) await send(p, 'SIGTERM');
  const graceEnd = performance.now() + Math.min(graceMs, Math.max(0, left() - 1_000));
  while (performance.now() < graceEnd && !signal.aborted && (await survivors(processes, procRoot)).length > 0) await pause(POLL_MS, signal);
  for (const p of await survivors(processes, procRoot)) {
    if (sent.some((s) => s.pid === p.pid && s.signal === 'SIGKILL')) continue;
    await send(p, 'SIGKILL', `after ${formatDuration(graceMs)} grace`);
  }
  return { sent, log };
}

/** The process under p.pid now, if it is still p: alive, not a zombie, OpenClaw's, started when p did. */
async function sameProcess(p: GatewayProcess, procRoot: string): Promise<ProcessInfo | undefined> {
  const [info, start] = await Promise.all([readProcessInfo(p.pid, procRoot), readProcessStart(p.pid, procRoot)]);
  if (!info || info.state === 'Z' || info.state === 'X' || !looksLikeOpenclaw(info)) return undefined;
  if (p.startTicks !== undefined && (!start.ok || start.startTicks !== p.startTicks)) return undefined;
  return info;
}

async function survivors(processes: GatewayProcess[], procRoot: string): Promise<GatewayProcess[]> {
  const alive = await Promise.all(processes.map((p) => sameProcess(p, procRoot)));
  return processes.filter((_, i) => alive[i] !== undefined);
}

/** Waits until none of the processes is left and the port is free; false when the time ran out first. */
async function settled(processes: GatewayProcess[], target: GatewayTarget, procRoot: string, withinMs: number, signal: AbortSignal): Promise<boolean> {
  const end = performance.now() + Math.max(0, withinMs);
  for (;;) {
    if ((await survivors(processes, procRoot)).length === 0 && (await portFree(target, procRoot, signal))) return true;
    if (performance.now() >= end || signal.aborted) return false;
    await pause(POLL_MS, signal);
  }
}

/** No listener on the port: /proc says so, or where /proc cannot tell, a connection is refused. */
export async function portFree(target: GatewayTarget, procRoot: string, signal: AbortSignal): Promise<boolean> {
  const lookup = await findPortOwner(target.port, { host: target.host, signal, ...(procRoot !== '/proc' ? { procRoot } : {}) });
  if (lookup.kind === 'no-listener') return true;
  if (lookup.kind !== 'unsupported') return false;
  const probe = await httpProbe({ host: target.host, port: target.port, path: '/healthz', timeoutMs: 1_000, signal });
  return !probe.ok && probe.kind === 'refused';
}

/** The listener is there but its owner is hidden from us (another user's): OpenClaw's own stop verifies and signals it. */
async function cliStop(opts: StopOptions, signal: AbortSignal, left: () => number, took: () => string, log: string[]): Promise<StepResult> {
  const args = stopCommand(opts.version);
  const command = ['openclaw', ...args];
  if (opts.openclaw.path === null) {
    return { ok: false, summary: `the listener's owner is not visible and the openclaw CLI is not found (${opts.openclaw.notFoundReason ?? 'not installed'})`, details: { steps: log } };
  }
  const res = await opts.openclaw.run(args, { timeoutMs: Math.max(1, left() - 500), signal });
  const output = outputTail(res.stdout, res.stderr);
  const json = findJsonObject(res.stdout, (o) => o.action === 'stop' || 'ok' in o);
  const said = typeof json?.message === 'string' ? json.message : typeof json?.error === 'string' ? json.error : undefined;
  if (res.code !== 0 || json?.ok === false) {
    const why = res.timedOut ? `timed out after ${took()}` : said ?? `exit ${res.code ?? res.signal ?? 'not run'}`;
    return { ok: false, summary: `openclaw gateway stop failed: ${why}`, command, ...(output ? { output } : {}), details: { steps: log } };
  }
  const free = await settled([], opts.target, opts.procRoot ?? '/proc', left(), signal);
  return {
    ok: free,
    summary: free ? `stopped with openclaw gateway stop in ${took()}` : `openclaw gateway stop answered, but ${formatHostPort(opts.target.host, opts.target.port)} still has a listener`,
    command,
    ...(output ? { output } : {}),
  };
}

/**
 * Why the systemd unit is not the way to stop these processes: none of them runs in its cgroup (a unit file
 * exists, but the gateway was started by hand). Stopping the idle unit would only cost the grace period.
 */
async function outsideUnit(processes: GatewayProcess[], service: GatewayService, procRoot: string): Promise<string | undefined> {
  if ((service.manager !== 'systemd-user' && service.manager !== 'systemd-system') || processes.length === 0) return undefined;
  const paths = await Promise.all(processes.map((p) => readCgroupPath(p.pid, procRoot)));
  if (paths.some((p) => p === undefined || p.split('/').includes(service.unit))) return undefined;
  return `${processes.map((p) => `pid ${p.pid}`).join(', ')} not in ${service.unit}'s cgroup (started outside systemd): not stopped through it`;
}

function serviceName(service: GatewayService): string {
  switch (service.manager) {
    case 'launchd':
      return service.label;
    case 'pm2':
      return service.app;
    case 'none':
      return '';
    default:
      return service.unit;
  }
}

/** "stopped openclaw-gateway (pid 4121) with SIGTERM", "killed pid 4121 (openclaw-gateway) with SIGKILL (stopped (state T))". */
function describeSignals(processes: GatewayProcess[], sent: Sent[]): string {
  if (sent.length === 0) return `gateway process(es) ${processes.map((p) => p.pid).join(', ')} already gone`;
  const parts = processes.map((p) => {
    const mine = sent.filter((s) => s.pid === p.pid);
    if (mine.length === 0) return `${processLabel(p)} already gone`;
    const last = mine[mine.length - 1]!;
    const how = mine.map((s) => `${s.signal}${s.why ? ` (${s.why})` : ''}`).join(', then ');
    return `${last.signal === 'SIGKILL' ? 'killed' : 'stopped'} ${processLabel(p)} with ${how}`;
  });
  return parts.join('; ');
}
