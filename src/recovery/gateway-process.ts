// Which processes are the OpenClaw gateway of THIS install (its state dir and port), found even when nothing
// listens: a wedged gateway keeps its process and its state lock after its listener is gone.
//
// Measured on the real gateway (2026.9.6): it holds <stateDir>/tmp/openclaw-<uid>/gateway.state.lock and
// gateway.<hash>.lock open, each a JSON object {pid, ownerId, createdAt, configPath, stateDir, port, startTime}
// (startTime is /proc/<pid>/stat field 22), padded with whitespace, removed on a clean exit and left behind by
// SIGKILL. 2026.7.1 keeps one such lock, without stateDir, in <os.tmpdir()>/openclaw-<uid>/gateway.<hash>.lock,
// shared by every install of the host. The retitled process's command line is just "openclaw-gateway": the
// port it was given with --port is not in it.
//
// A process counts only with evidence that it is this install's and none that it is another's: many gateways
// run on one host (test suites, profiles), and recovery signals what this returns.
import { lstat, readFile, readdir, realpath, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { GatewayTarget } from '../contracts.ts';
import { locateOpenclaw } from '../config/discover.ts';
import { isGatewayProcess, looksLikeOpenclaw, ownerRole } from '../platform/openclaw-process.ts';
import { findPortOwner, readProcessInfo, type ListenSocket, type PortOwnerLookup, type ProcessInfo } from '../platform/port-owner.ts';
import { isOwnProcessGroup } from '../platform/exec.ts';
import { readProcessParentage, readProcessStart } from '../platform/proc-stat.ts';

/** How a gateway process was found. */
export type FoundBy = 'listener' | 'state-lock' | 'command-line' | 'environment';

export interface GatewayProcess extends ProcessInfo {
  /** /proc/<pid>/stat starttime: with the pid it names this process; a reused pid has another. */
  startTicks?: number;
  foundBy: FoundBy[];
  /** It holds the listening socket on the target's port. */
  listening: boolean;
  /** The lock file that named it. */
  lockFile?: string;
  /** The port its lock, command line or environment names, when that is not the target's. */
  otherPort?: number;
}

export type GatewayListener =
  | { kind: 'none' }
  | { kind: 'openclaw' | 'forwarder' | 'other'; process: ProcessInfo; sockets: ListenSocket[] }
  /** A listener whose owner we may not see (another user's), or no /proc to look in. */
  | { kind: 'unknown'; lookup: 'owner-unknown' | 'unsupported'; reason: string };

export interface GatewayLocation {
  listener: GatewayListener;
  /** The gateway processes of this install, alive (zombies left out); the listener's first when it is one. */
  processes: GatewayProcess[];
  /** A gateway process of this install is alive while nothing listens on the port. */
  wedged?: { pid: number };
  /** What could not be looked at, in words (an unreadable lock, another user's environment). */
  notes: string[];
}

export interface LocateOptions {
  signal?: AbortSignal;
  /** For tests: a directory shaped like /proc. */
  procRoot?: string;
  /** Where 2026.7.x keeps its lock (default os.tmpdir()). */
  tmpDir?: string;
  /** Scan every process's command line and environment too (default true; the locks alone cost less). */
  scan?: boolean;
  /** A port owner lookup the caller just made, to avoid a second one. */
  lookup?: PortOwnerLookup;
}

interface Evidence {
  foundBy: Set<FoundBy>;
  lockFile?: string;
  otherPort?: number;
}

/** Finds who listens on the target's port and the gateway processes of this install. Never throws. */
export async function locateGateway(target: GatewayTarget, opts: LocateOptions = {}): Promise<GatewayLocation> {
  const procRoot = opts.procRoot ?? '/proc';
  const notes: string[] = [];
  const lookup = opts.lookup ?? await findPortOwner(target.port, {
    host: target.host,
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.procRoot ? { procRoot: opts.procRoot } : {}),
  }).catch((err: unknown): PortOwnerLookup => ({ kind: 'unsupported', reason: `listener lookup failed: ${(err as Error).message}` }));
  const listener = listenerOf(lookup);

  const found = new Map<number, Evidence>();
  const add = (pid: number, by: FoundBy, more: Partial<Omit<Evidence, 'foundBy'>> = {}) => {
    const e = found.get(pid) ?? { foundBy: new Set<FoundBy>() };
    e.foundBy.add(by);
    Object.assign(e, more);
    found.set(pid, e);
  };
  if (listener.kind === 'openclaw') add(listener.process.pid, 'listener');

  for (const lock of await readLocks(target, opts.tmpDir ?? tmpdir(), notes)) {
    if (!(await lockHolds(lock, procRoot))) continue;
    add(lock.pid, 'state-lock', { lockFile: lock.file, ...(lock.port !== undefined && lock.port !== target.port ? { otherPort: lock.port } : {}) });
  }
  if (opts.scan !== false && !opts.signal?.aborted) await scanProcesses(target, procRoot, found, add, notes, opts.signal);

  const processes: GatewayProcess[] = [];
  for (const [pid, evidence] of found) {
    const p = await verified(pid, procRoot);
    if (!p) continue;
    const listening = listener.kind === 'openclaw' && listener.process.pid === pid;
    processes.push({
      ...p.info,
      ...(p.startTicks !== undefined ? { startTicks: p.startTicks } : {}),
      foundBy: [...evidence.foundBy],
      listening,
      ...(evidence.lockFile ? { lockFile: evidence.lockFile } : {}),
      ...(evidence.otherPort !== undefined ? { otherPort: evidence.otherPort } : {}),
    });
  }
  processes.sort((a, b) => Number(b.listening) - Number(a.listening) || a.pid - b.pid);
  const wedged = listener.kind === 'none' && processes[0] ? { pid: processes[0].pid } : undefined;
  return { listener, processes, ...(wedged ? { wedged } : {}), notes };
}

/**
 * The lock file of this install that names `pid` and holds (written by that very process: same start time,
 * same user), whatever the process is called now: a gateway under a title that does not say OpenClaw is still
 * known by the lock it keeps. Undefined when none does. Never throws.
 */
export async function lockNaming(target: GatewayTarget, pid: number, opts: Pick<LocateOptions, 'procRoot' | 'tmpDir'> = {}): Promise<string | undefined> {
  for (const lock of await readLocks(target, opts.tmpDir ?? tmpdir(), [])) {
    if (lock.pid === pid && (await lockHolds(lock, opts.procRoot ?? '/proc'))) return lock.file;
  }
  return undefined;
}

function listenerOf(lookup: PortOwnerLookup): GatewayListener {
  switch (lookup.kind) {
    case 'no-listener':
      return { kind: 'none' };
    case 'found':
      return { kind: ownerRole(lookup.owner), process: lookup.owner, sockets: lookup.sockets };
    default:
      return { kind: 'unknown', lookup: lookup.kind, reason: lookup.reason };
  }
}

/** The process under a pid when it is alive (not a zombie) and OpenClaw's. */
async function verified(pid: number, procRoot: string): Promise<{ info: ProcessInfo; startTicks?: number } | undefined> {
  if (pid === process.pid) return undefined;
  const [info, start] = await Promise.all([readProcessInfo(pid, procRoot), readProcessStart(pid, procRoot)]);
  if (!info || info.state === 'Z' || info.state === 'X' || !looksLikeOpenclaw(info)) return undefined;
  if (await runByClawmedic(pid, procRoot)) return undefined;
  return { info, ...(start.ok ? { startTicks: start.startTicks } : {}) };
}

/**
 * Whether a process belongs to a command clawmedic's own checks run (`openclaw config validate`, `secrets
 * audit`...): the real CLI's worker retitles itself `openclaw`, carries this install's environment and sits
 * in a session of its own, under the CLI process clawmedic started in one of its process groups.
 */
async function runByClawmedic(pid: number, procRoot: string): Promise<boolean> {
  let p: number = pid;
  for (let depth = 0; depth < 4 && p > 1; depth++) {
    const ids = await readProcessParentage(p, procRoot);
    if (!ids) return false;
    if (isOwnProcessGroup(ids.pgrp)) return true;
    p = ids.ppid;
  }
  return false;
}

/**
 * Whether the process a lock names is the one that wrote it: started when the lock says (a lock left by a
 * SIGKILLed gateway names a pid the kernel may have given to another process since), and run by the user
 * who owns the lock file (a lock in the shared tmp dir is no proof alone).
 */
async function lockHolds(lock: GatewayLock, procRoot: string): Promise<boolean> {
  const [start, proc] = await Promise.all([readProcessStart(lock.pid, procRoot), stat(join(procRoot, String(lock.pid))).catch(() => undefined)]);
  if (!proc || proc.uid !== lock.uid) return false;
  return lock.startTime === undefined || (start.ok && start.startTicks === lock.startTime);
}

// ---- lock files -------------------------------------------------------------------------------------------

interface GatewayLock {
  file: string;
  /** The lock file's owner. */
  uid: number;
  pid: number;
  port?: number;
  startTime?: number;
}

/** A lock is a few hundred bytes; anything larger is not one. */
const MAX_LOCK_BYTES = 64 * 1024;
const LOCK_DIR = /^openclaw-\d+$/;
const LOCK_FILE = /^gateway\..+\.lock$/;

/** The gateway locks of this install: in its state dir (2026.9.x), and in the host's tmp dir naming its config (2026.7.x). */
async function readLocks(target: GatewayTarget, tmpDir: string, notes: string[]): Promise<GatewayLock[]> {
  const stateDirs = await spellings(target.openclawStateDir);
  const configPaths = await spellings(target.openclawConfigPath);
  const out: GatewayLock[] = [];
  for (const [root, inStateDir] of [[join(resolve(target.openclawStateDir), 'tmp'), true], [tmpDir, false]] as const) {
    for (const file of await lockFiles(root)) {
      const lock = await readLock(file, notes);
      if (!lock) continue;
      const namesState = typeof lock.stateDir === 'string' ? stateDirs.has(resolve(lock.stateDir)) : undefined;
      const namesConfig = typeof lock.configPath === 'string' ? configPaths.has(resolve(lock.configPath)) : undefined;
      // A state dir copied while its gateway ran holds a lock naming the original: that gateway is another install's.
      const ours = inStateDir ? namesState ?? namesConfig ?? true : namesState ?? namesConfig ?? false;
      if (ours) out.push({ file, uid: lock.uid, pid: lock.pid, ...(lock.port !== undefined ? { port: lock.port } : {}), ...(lock.startTime !== undefined ? { startTime: lock.startTime } : {}) });
    }
  }
  return out;
}

/** A path as given and as the filesystem resolves it (a lock records whichever the gateway was given). */
async function spellings(path: string): Promise<Set<string>> {
  const real = await realpath(path).catch(() => undefined);
  return new Set([resolve(path), ...(real ? [real] : [])]);
}

async function lockFiles(root: string): Promise<string[]> {
  const dirs = (await readdir(root).catch(() => [] as string[])).filter((d) => LOCK_DIR.test(d));
  const files: string[] = [];
  for (const d of dirs) {
    for (const f of await readdir(join(root, d)).catch(() => [] as string[])) if (LOCK_FILE.test(f)) files.push(join(root, d, f));
  }
  return files;
}

async function readLock(file: string, notes: string[]): Promise<(Omit<GatewayLock, 'file'> & { stateDir?: unknown; configPath?: unknown }) | undefined> {
  try {
    const st = await lstat(file);
    if (!st.isFile() || st.size > MAX_LOCK_BYTES) return undefined;
    const value = JSON.parse((await readFile(file, 'utf8')).trim()) as Record<string, unknown>;
    const pid = value.pid;
    if (typeof pid !== 'number' || !Number.isSafeInteger(pid) || pid <= 0) return undefined;
    const num = (v: unknown) => (typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined);
    const port = num(value.port);
    const startTime = num(value.startTime);
    return { pid, uid: st.uid, ...(port !== undefined ? { port } : {}), ...(startTime !== undefined ? { startTime } : {}), stateDir: value.stateDir, configPath: value.configPath };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') notes.push(`cannot read the gateway lock ${file} (${code}): another user's gateway is not seen by it`);
    return undefined;
  }
}

// ---- command lines and environments -------------------------------------------------------------------------

/** The variables that say which install a gateway belongs to; nothing else from an environment is kept. */
const INSTALL_VARS = ['HOME', 'OPENCLAW_HOME', 'OPENCLAW_PROFILE', 'OPENCLAW_STATE_DIR', 'OPENCLAW_CONFIG_PATH', 'OPENCLAW_GATEWAY_PORT'] as const;
type InstallEnv = Partial<Record<(typeof INSTALL_VARS)[number], string>>;

/**
 * Gateway processes that name this install: a port (`gateway run --port N`, OPENCLAW_GATEWAY_PORT) with no
 * other state dir, or this state dir itself (OPENCLAW_STATE_DIR, OPENCLAW_CONFIG_PATH). A HOME that merely
 * derives this state dir is not enough without the port: every test gateway on a host shares the runner's HOME.
 */
async function scanProcesses(
  target: GatewayTarget,
  procRoot: string,
  found: Map<number, Evidence>,
  add: (pid: number, by: FoundBy, more?: Partial<Omit<Evidence, 'foundBy'>>) => void,
  notes: string[],
  signal: AbortSignal | undefined,
): Promise<void> {
  let pids: number[];
  try {
    pids = (await readdir(procRoot)).filter((n) => /^\d+$/.test(n)).map(Number);
  } catch {
    return;
  }
  const stateDirs = await spellings(target.openclawStateDir);
  const configPaths = await spellings(target.openclawConfigPath);
  let hidden = 0;
  for (const pid of pids) {
    if (signal?.aborted) return;
    if (pid === process.pid || found.has(pid)) continue;
    // One read per process; only OpenClaw's get the rest.
    const cmdline = await readFile(join(procRoot, String(pid), 'cmdline'), 'utf8').catch(() => '');
    if (!/openclaw/i.test(cmdline)) continue;
    const argv = cmdline.split('\0').filter((a) => a !== '');
    const comm = (await readFile(join(procRoot, String(pid), 'comm'), 'utf8').catch(() => '')).trim();
    if (!isGatewayProcess({ cmdline: argv, comm })) continue;

    const env = await readInstallEnv(procRoot, pid);
    if (env === undefined) hidden++;
    const argPort = portArg(argv);
    const envPort = env?.OPENCLAW_GATEWAY_PORT !== undefined ? Number(env.OPENCLAW_GATEWAY_PORT) : undefined;
    const port = argPort ?? (envPort !== undefined && Number.isInteger(envPort) ? envPort : undefined);
    const explicitDir = !!env?.OPENCLAW_STATE_DIR || !!env?.OPENCLAW_CONFIG_PATH;
    const where = env?.HOME !== undefined || env?.OPENCLAW_HOME !== undefined || explicitDir ? locateOpenclaw(env as NodeJS.ProcessEnv) : undefined;
    const dirMismatch = where !== undefined && !stateDirs.has(resolve(where.stateDir)) && !configPaths.has(resolve(where.configPath));
    if (dirMismatch) continue;
    const by: FoundBy = argPort !== undefined ? 'command-line' : 'environment';
    if (port === target.port) add(pid, by);
    else if (explicitDir && where) add(pid, 'environment', port !== undefined ? { otherPort: port } : {});
  }
  if (hidden > 0) notes.push(`${hidden} OpenClaw gateway process(es) whose environment could not be read (another user's): judged by their command line only`);
}

/** `--port N` or `--port=N` in a command line. */
function portArg(argv: string[]): number | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const text = a === '--port' ? argv[i + 1] : a.startsWith('--port=') ? a.slice('--port='.length) : undefined;
    if (text === undefined) continue;
    const n = Number(text);
    if (Number.isInteger(n) && n > 0 && n < 65536) return n;
  }
  return undefined;
}

/** The install variables of a process's environment; undefined when it may not be read. */
async function readInstallEnv(procRoot: string, pid: number): Promise<InstallEnv | undefined> {
  let text: string;
  try {
    text = await readFile(join(procRoot, String(pid), 'environ'), 'utf8');
  } catch {
    return undefined;
  }
  const env: InstallEnv = {};
  for (const entry of text.split('\0')) {
    const eq = entry.indexOf('=');
    if (eq <= 0) continue;
    const key = entry.slice(0, eq) as (typeof INSTALL_VARS)[number];
    if ((INSTALL_VARS as readonly string[]).includes(key)) env[key] = entry.slice(eq + 1);
  }
  return env;
}
