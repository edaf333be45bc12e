import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errorCode } from './net.ts';

// A process's memory as Linux shows it in /proc, and the cgroup v2 memory limit around it. Every read
// is one small file; nothing here throws: a failure comes back as a reason naming the file.

export interface ProcessMemory {
  pid: number;
  /** VmRSS from /proc/<pid>/status. */
  rssBytes: number;
  /** Pss from /proc/<pid>/smaps_rollup (shared pages split between their users), when readable. */
  pssBytes?: number;
  /** Why PSS is missing, when it is. */
  pssMissing?: string;
  /** RssAnon, VmSwap: what a leak grows (anonymous memory), and what went to swap. */
  anonBytes?: number;
  swapBytes?: number;
  /** When the process started (epoch ms, from /proc/<pid>/stat and the boot time), when known. */
  startedAt?: number;
}

export type ReadFailureKind = 'gone' | 'unreadable' | 'malformed';

export interface ReadFailure {
  ok: false;
  kind: ReadFailureKind;
  /** The file concerned. */
  path: string;
  /** One line: what happened ("cannot read /proc/42/status: permission denied (EACCES)"). */
  message: string;
}

export type ProcessMemoryRead = ({ ok: true } & ProcessMemory) | ReadFailure;

/** Kernel USER_HZ: the unit of /proc/<pid>/stat times; 100 on every Linux architecture Node runs on. */
const USER_HZ = 100;

function failure(path: string, err: unknown): ReadFailure {
  const code = errorCode(err) ?? '';
  if (code === 'ENOENT' || code === 'ESRCH') return { ok: false, kind: 'gone', path, message: `${path} is gone (the process exited)` };
  const why = code === 'EACCES' || code === 'EPERM' ? `permission denied (${code})` : `${(err as Error)?.message ?? String(err)}`;
  return { ok: false, kind: 'unreadable', path, message: `cannot read ${path}: ${why}` };
}

/** "VmRSS:   123456 kB" -> bytes; undefined when the key is absent, NaN when its value is not a number. */
export function statusField(text: string, key: string): number | undefined {
  const m = new RegExp(`^${key}:[ \\t]*(\\S*)(?:[ \\t]+(kB))?[ \\t]*$`, 'm').exec(text);
  if (!m) return undefined;
  if (!/^\d+$/.test(m[1] ?? '')) return Number.NaN;
  return Number(m[1]) * (m[2] ? 1024 : 1);
}

/** The boot time (epoch ms) from /proc/stat's btime line; cached: it does not change while the host runs. */
const bootTimes = new Map<string, number | undefined>();
async function bootTime(procRoot: string): Promise<number | undefined> {
  if (bootTimes.has(procRoot)) return bootTimes.get(procRoot);
  const text = await readFile(join(procRoot, 'stat'), 'utf8').catch(() => '');
  const m = /^btime\s+(\d+)$/m.exec(text);
  const value = m ? Number(m[1]) * 1000 : undefined;
  bootTimes.set(procRoot, value);
  return value;
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks after boot), counted after the last ')'. */
export function parseStartTicks(stat: string): number | undefined {
  const fields = stat.slice(stat.lastIndexOf(')') + 1).trim().split(/\s+/);
  // fields[0] is field 3 (state): field 22 is fields[19].
  const ticks = fields[19];
  return ticks !== undefined && /^\d+$/.test(ticks) ? Number(ticks) : undefined;
}

/** When a process started (epoch ms), from /proc; undefined when it cannot be told. */
export async function processStartedAt(pid: number, procRoot = '/proc'): Promise<number | undefined> {
  const [stat, boot] = await Promise.all([readFile(join(procRoot, String(pid), 'stat'), 'utf8').catch(() => undefined), bootTime(procRoot)]);
  const ticks = stat === undefined ? undefined : parseStartTicks(stat);
  return ticks === undefined || boot === undefined ? undefined : boot + (ticks * 1000) / USER_HZ;
}

/** RSS (and PSS, anon, swap, start time) of one process. PSS is optional: its absence is said, not fatal. */
export async function readProcessMemory(pid: number, options: { procRoot?: string; pss?: boolean } = {}): Promise<ProcessMemoryRead> {
  const procRoot = options.procRoot ?? '/proc';
  const statusPath = join(procRoot, String(pid), 'status');
  let status: string;
  try {
    status = await readFile(statusPath, 'utf8');
  } catch (err) {
    return failure(statusPath, err);
  }
  const rss = statusField(status, 'VmRSS');
  if (rss === undefined) {
    // A zombie or a kernel thread has no VmRSS: nothing to measure.
    return { ok: false, kind: 'gone', path: statusPath, message: `${statusPath} has no VmRSS (the process is exiting or a zombie)` };
  }
  if (!Number.isFinite(rss)) return { ok: false, kind: 'malformed', path: statusPath, message: `${statusPath}: VmRSS is not a number` };
  const out: { ok: true } & ProcessMemory = { ok: true, pid, rssBytes: rss };
  const anon = statusField(status, 'RssAnon');
  if (anon !== undefined && Number.isFinite(anon)) out.anonBytes = anon;
  const swap = statusField(status, 'VmSwap');
  if (swap !== undefined && Number.isFinite(swap)) out.swapBytes = swap;
  const startedAt = await processStartedAt(pid, procRoot);
  if (startedAt !== undefined) out.startedAt = startedAt;
  if (options.pss !== false) {
    const rollupPath = join(procRoot, String(pid), 'smaps_rollup');
    try {
      const pss = statusField(await readFile(rollupPath, 'utf8'), 'Pss');
      if (pss === undefined || !Number.isFinite(pss)) out.pssMissing = `${rollupPath}: no numeric Pss line`;
      else out.pssBytes = pss;
    } catch (err) {
      out.pssMissing = failure(rollupPath, err).message;
    }
  }
  return out;
}

export interface CgroupLimit {
  /** The lowest memory.max on the way from the process's cgroup up to the root. */
  limitBytes: number;
  /** The cgroup that sets it, e.g. "/system.slice/openclaw-gateway.service". */
  cgroup: string;
  /** Its memory.current, when readable: what the kernel compares with the limit (the whole unit, page cache included). */
  currentBytes?: number;
}

/** A process's cgroup v2 path ("/user.slice/.../openclaw-gateway.service"), or undefined (gone, cgroup v1, unreadable). */
export async function readCgroupPath(pid: number, procRoot = '/proc'): Promise<string | undefined> {
  const text = await readFile(join(procRoot, String(pid), 'cgroup'), 'utf8').catch(() => '');
  // cgroup v2: the single line "0::/path".
  const path = /^0::(\/.*)$/m.exec(text)?.[1];
  return path === undefined || path.includes('..') ? undefined : path;
}

/**
 * The cgroup v2 memory limit that applies to a process (systemd MemoryMax=, a container's --memory):
 * undefined when there is none ("max" all the way up) or cgroup v2 is not mounted there.
 */
export async function readCgroupLimit(pid: number, options: { procRoot?: string; cgroupRoot?: string } = {}): Promise<CgroupLimit | undefined> {
  const procRoot = options.procRoot ?? '/proc';
  const cgroupRoot = options.cgroupRoot ?? '/sys/fs/cgroup';
  const path = await readCgroupPath(pid, procRoot);
  if (path === undefined) return undefined;
  let best: CgroupLimit | undefined;
  const parts = path.split('/').filter(Boolean);
  for (let depth = parts.length; depth >= 0; depth--) {
    const cgroup = `/${parts.slice(0, depth).join('/')}`;
    const dir = join(cgroupRoot, cgroup);
    const max = (await readFile(join(dir, 'memory.max'), 'utf8').catch(() => '')).trim();
    if (!/^\d+$/.test(max)) continue;
    const limit = Number(max);
    if (!best || limit < best.limitBytes) {
      best = { limitBytes: limit, cgroup };
      const current = (await readFile(join(dir, 'memory.current'), 'utf8').catch(() => '')).trim();
      if (/^\d+$/.test(current)) best.currentBytes = Number(current);
    }
  }
  return best;
}
