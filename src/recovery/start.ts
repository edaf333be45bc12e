// Starts the gateway: through its service manager when it has one, else as a detached
// `openclaw gateway run --port <port> --bind <bind>` under clawmedic's own user, HOME and environment, its
// output appended to a log file. A gateway that dies within its first seconds is reported with its exit code
// and the log's tail (78: an invalid config, which no restart fixes).
import { spawn } from 'node:child_process';
import { closeSync, constants, fstatSync, fchmodSync, openSync, readSync } from 'node:fs';
import { lstat, mkdir, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Exec, GatewayTarget, OpenclawCli } from '../contracts.ts';
import { discoverGateway } from '../config/discover.ts';
import { serviceCommands, type GatewayService } from '../platform/gateway-service.ts';
import { formatDuration } from '../util/duration.ts';
import { outputTail, STEP_OUTPUT_BYTES, type StepResult } from './step-result.ts';

/** OpenClaw's bind modes (REFERENCE 1.1). */
export const GATEWAY_BINDS = ['loopback', 'lan', 'tailnet', 'auto', 'custom'] as const;
export type GatewayBind = (typeof GATEWAY_BINDS)[number];

export interface StartOptions {
  target: GatewayTarget;
  service: GatewayService;
  openclaw: OpenclawCli;
  /** For the service manager's commands. */
  exec: Exec;
  /** Default: openclaw.json's gateway.bind, else loopback. */
  bind?: GatewayBind;
  /** `openclaw --profile <name>`. */
  profile?: string;
  /** Where a gateway started here writes its stdout and stderr (appended; created 0600; rotated past maxLogBytes). */
  logFile: string;
  signal?: AbortSignal;
  /** The service manager's commands, or the wait for an early exit (default 30 s). */
  timeoutMs?: number;
  /** Laid over clawmedic's own environment for the gateway. */
  env?: NodeJS.ProcessEnv;
  /** A gateway that exits within this long failed to start (default 2 s). */
  earlyExitMs?: number;
  /** The log file is moved to <logFile>.1 once larger than this (default 4 MiB). */
  maxLogBytes?: number;
}

export interface StartResult extends StepResult {
  /** The spawned gateway's pid (not set for a service manager start). */
  pid?: number;
  /** Its exit code when it died at start (78: invalid config). */
  exitCode?: number | null;
}

const DEFAULT_MAX_LOG_BYTES = 4 * 1024 * 1024;
const PROFILE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Starts the gateway. Never throws. */
export async function startGateway(opts: StartOptions): Promise<StartResult> {
  const started = performance.now();
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const signal = AbortSignal.any([AbortSignal.timeout(timeoutMs), ...(opts.signal ? [opts.signal] : [])]);
  try {
    if (opts.service.manager !== 'none') return await startService(opts, signal, timeoutMs, started);

    if (opts.openclaw.path === null) {
      return { ok: false, summary: `cannot start the gateway: the openclaw CLI is not found (${opts.openclaw.notFoundReason ?? 'not installed'})` };
    }
    const bind = opts.bind ?? configuredBind(opts.target, opts.env);
    if (!(GATEWAY_BINDS as readonly string[]).includes(bind)) return { ok: false, summary: `cannot start the gateway: bind "${bind.slice(0, 40)}" is not one of OpenClaw's modes` };
    if (opts.profile !== undefined && !PROFILE.test(opts.profile)) {
      return { ok: false, summary: `cannot start the gateway: profile "${opts.profile.slice(0, 40)}" is not a plain profile name` };
    }
    const args = [...(opts.profile ? ['--profile', opts.profile] : []), 'gateway', 'run', '--port', String(opts.target.port), '--bind', bind];
    const command = ['openclaw', ...args];

    let fd: number;
    try {
      fd = await openLog(opts.logFile, opts.maxLogBytes ?? DEFAULT_MAX_LOG_BYTES);
    } catch (err) {
      return { ok: false, summary: `cannot start the gateway: cannot open its log ${opts.logFile}: ${(err as Error).message}`, command };
    }
    const logStart = fstatSync(fd).size;
    const outcome = await spawnDetached(opts.openclaw.path, args, fd, { ...process.env, ...opts.env }, Math.min(opts.earlyExitMs ?? 2_000, timeoutMs), signal);
    closeSync(fd);
    const tail = readFrom(opts.logFile, logStart);
    const took = formatDuration(performance.now() - started);
    if (outcome.kind === 'error') return { ok: false, summary: `cannot start the gateway: ${outcome.message}`, command };
    if (outcome.kind === 'exited') {
      const why = outcome.code === 78 ? ' (78: invalid config or refused settings; restarting will not help until it is fixed)' : '';
      const how = outcome.code !== null ? `exit code ${outcome.code}` : `signal ${outcome.signal}`;
      return {
        ok: false,
        summary: `the gateway exited ${formatDuration(outcome.afterMs)} after start with ${how}${why}`,
        command,
        ...(tail ? { output: tail } : {}),
        exitCode: outcome.code,
        pid: outcome.pid,
        details: { pid: outcome.pid, exitCode: outcome.code, signal: outcome.signal, logFile: opts.logFile },
      };
    }
    return {
      ok: true,
      summary: `started openclaw gateway run (pid ${outcome.pid}) on port ${opts.target.port}, bind ${bind}; still running after ${took}; output in ${opts.logFile}`,
      command,
      pid: outcome.pid,
      ...(tail ? { output: tail } : {}),
      details: { pid: outcome.pid, logFile: opts.logFile, bind },
    };
  } catch (err) {
    return { ok: false, summary: `start failed: ${(err as Error).message}` };
  }
}

async function startService(opts: StartOptions, signal: AbortSignal, timeoutMs: number, started: number): Promise<StartResult> {
  const cmds = serviceCommands(opts.service, 'start');
  if ('reason' in cmds) return { ok: false, summary: `cannot start the gateway: ${cmds.reason}` };
  const outputs: string[] = [];
  let last: { command: string[]; code: number | null; timedOut: boolean } | undefined;
  for (const cmd of cmds) {
    const left = Math.max(1, timeoutMs - (performance.now() - started));
    const res = await opts.exec(cmd[0]!, cmd.slice(1), { timeoutMs: left, signal });
    const out = outputTail(res.stdout, res.stderr);
    if (out) outputs.push(`$ ${cmd.join(' ')}\n${out}`);
    // launchd's bootstrap fails when the job is still loaded; the kickstart after it is what counts.
    last = { command: cmd, code: res.code, timedOut: res.timedOut };
  }
  const output = outputTail(outputs.join('\n'));
  const took = formatDuration(performance.now() - started);
  const ok = last?.code === 0;
  return {
    ok,
    summary: ok
      ? `started the gateway with ${last!.command.join(' ')} in ${took}`
      : `${last!.command.join(' ')} failed: ${last!.timedOut ? `timed out after ${took}` : `exit ${last!.code ?? 'not run (not installed?)'}`}`,
    command: last!.command,
    ...(output ? { output } : {}),
  };
}

/** openclaw.json's gateway.bind when it is one of OpenClaw's modes, else loopback (never a wider bind of our own). */
function configuredBind(target: GatewayTarget, env: NodeJS.ProcessEnv | undefined): GatewayBind {
  const bind = discoverGateway({ ...process.env, ...env }, target.openclawConfigPath).bind;
  return (GATEWAY_BINDS as readonly string[]).includes(bind ?? '') ? (bind as GatewayBind) : 'loopback';
}

/**
 * Opens the log for appending: created 0600 in a 0700 directory, never through a symlink, moved to
 * <file>.1 first once it is past maxBytes (one old generation kept, so it stays bounded).
 */
async function openLog(file: string, maxBytes: number): Promise<number> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const st = await lstat(file).catch(() => undefined);
  if (st?.isSymbolicLink()) throw new Error('it is a symbolic link');
  if (st && st.size > maxBytes) await rename(file, `${file}.1`);
  const fd = openSync(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  fchmodSync(fd, 0o600);
  return fd;
}

/** The log's text written since `offset`, bounded to its tail. */
function readFrom(file: string, offset: number): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
    const size = fstatSync(fd).size;
    const from = Math.max(offset, size - STEP_OUTPUT_BYTES);
    const buf = Buffer.alloc(Math.max(0, size - from));
    readSync(fd, buf, 0, buf.length, from);
    return outputTail(buf.toString('utf8'));
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Gateways started here that exited after their first seconds, by pid (a handful at most: one per attempt). */
const lateExits = new Map<number, { code: number | null; signal: NodeJS.Signals | null; afterMs: number }>();

/** When a gateway this process started (pid from startGateway) has exited since, how, in words; else undefined. */
export function startedGatewayExit(pid: number, logFile?: string): string | undefined {
  const exit = lateExits.get(pid);
  if (!exit) return undefined;
  const how = exit.code !== null ? `exit code ${exit.code}${exit.code === 78 ? ' (78: invalid config or refused settings; restarting will not help until it is fixed)' : ''}` : `signal ${exit.signal}`;
  return `the gateway started (pid ${pid}) exited ${formatDuration(exit.afterMs)} after start with ${how}${logFile ? `; its output is in ${logFile}` : ''}`;
}

type SpawnOutcome =
  | { kind: 'running'; pid: number }
  | { kind: 'exited'; pid: number; code: number | null; signal: NodeJS.Signals | null; afterMs: number }
  | { kind: 'error'; message: string };

/**
 * Spawns the gateway in its own session (detached: its own process group, so clawmedic's signals and exit
 * do not reach it), stdin closed, stdout and stderr on the log, unref'd; then watches it for `watchMs`.
 */
function spawnDetached(file: string, args: string[], logFd: number, env: NodeJS.ProcessEnv, watchMs: number, signal: AbortSignal): Promise<SpawnOutcome> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(file, args, { detached: true, shell: false, stdio: ['ignore', logFd, logFd], env });
    } catch (err) {
      resolve({ kind: 'error', message: (err as Error).message });
      return;
    }
    const finish = (o: SpawnOutcome) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      child.off('exit', onExit);
      child.off('error', onError);
      // Swallow a late error event (nothing listens once we are done).
      child.on('error', () => {});
      child.unref();
      resolve(o);
    };
    const onExit = (code: number | null, sig: NodeJS.Signals | null) =>
      finish({ kind: 'exited', pid: child.pid ?? -1, code, signal: sig, afterMs: performance.now() - t0 });
    const onError = (err: Error) => finish({ kind: 'error', message: err.message });
    const onAbort = () => finish(child.pid !== undefined ? { kind: 'running', pid: child.pid } : { kind: 'error', message: 'aborted' });
    const timer = setTimeout(() => {
      if (child.pid === undefined) return finish({ kind: 'error', message: 'no pid' });
      // Still running: its death later (a real gateway that refuses to start takes 3-15 s to say so) is kept
      // for verify, which then stops waiting for a gateway that is gone.
      const pid = child.pid;
      child.once('exit', (code, sig) => lateExits.set(pid, { code, signal: sig, afterMs: performance.now() - t0 }));
      finish({ kind: 'running', pid });
    }, watchMs);
    child.once('exit', onExit);
    child.once('error', onError);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
