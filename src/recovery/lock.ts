import { open, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { isProcessAlive } from '../platform/process.ts';

/** What the lock file holds: who runs a recovery, since when. */
export interface LockOwner {
  pid: number;
  host: string;
  /** Epoch ms. */
  since: number;
  /** "agent" or "cli". */
  by: string;
}

export type LockResult = { acquired: true; release(): Promise<void> } | { acquired: false; owner: LockOwner | undefined; reason: string };

/**
 * One recovery at a time on this host and state directory, across processes: the agent and a
 * `clawmedic recover` run by hand, or two agents by mistake. A file created with O_EXCL holds the
 * owner; a lock left by a process that is gone (or older than maxAgeMs: a hung runbook is killed at its
 * deadline long before) is taken over.
 */
export async function acquireLock(path: string, by: string, opts: { now: number; maxAgeMs: number }): Promise<LockResult> {
  const me: LockOwner = { pid: process.pid, host: hostname(), since: opts.now, by };
  for (let tries = 0; tries < 2; tries += 1) {
    try {
      const handle = await open(path, 'wx', 0o600);
      try {
        await handle.writeFile(`${JSON.stringify(me)}\n`);
      } finally {
        await handle.close();
      }
      return { acquired: true, release: () => releaseIfMine(path, me) };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') return { acquired: false, owner: undefined, reason: `cannot create the recovery lock ${path}: ${(err as Error).message}` };
    }
    const owner = await readOwner(path);
    if (owner && !isStale(owner, opts)) {
      return { acquired: false, owner, reason: `a recovery is already running (${owner.by}, pid ${owner.pid}, since ${new Date(owner.since).toISOString()})` };
    }
    // Gone, too old, or unreadable (a crash mid-write): taken over once.
    await rm(path, { force: true }).catch(() => undefined);
  }
  return { acquired: false, owner: undefined, reason: `the recovery lock ${path} keeps coming back; another process is taking it` };
}

/** Who holds the lock now, or undefined when nobody (or a stale owner) does. */
export async function lockHolder(path: string, opts: { now: number; maxAgeMs: number }): Promise<LockOwner | undefined> {
  const owner = await readOwner(path);
  return owner && !isStale(owner, opts) ? owner : undefined;
}

function isStale(owner: LockOwner, opts: { now: number; maxAgeMs: number }): boolean {
  if (opts.now - owner.since > opts.maxAgeMs) return true;
  if (owner.host !== hostname()) return false; // Another host's pid (a shared state dir) cannot be checked: only its age counts.
  // Our own pid from before this process started: a container's pid 1 that crashed and came back.
  if (owner.pid === process.pid) return owner.since < performance.timeOrigin;
  return !isProcessAlive(owner.pid);
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<LockOwner>;
    if (typeof parsed.pid !== 'number' || typeof parsed.since !== 'number') return undefined;
    return { pid: parsed.pid, host: String(parsed.host ?? ''), since: parsed.since, by: String(parsed.by ?? 'unknown') };
  } catch {
    return undefined;
  }
}

async function releaseIfMine(path: string, me: LockOwner): Promise<void> {
  const owner = await readOwner(path);
  if (owner && owner.pid === me.pid && owner.since === me.since) await rm(path, { force: true }).catch(() => undefined);
}
