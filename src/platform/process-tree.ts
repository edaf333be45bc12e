import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// A command's process tree from /proc, by parent pid: it reaches the processes that left the command's
// process group (the openclaw CLI's worker calls setsid), which a signal to the group misses. Linux only;
// elsewhere (or with /proc unreadable) the tree is the root alone. Nothing here throws.

export interface TreeProcess {
  pid: number;
  /** Field 22 of /proc/<pid>/stat: with the pid, one process for the life of the host. */
  startTicks?: number;
}

/** The fields after the command name of a /proc stat file (the name may hold spaces and parentheses). */
export function statFields(path: string): string[] | undefined {
  try {
    const text = readFileSync(path, 'utf8');
    return text.slice(text.lastIndexOf(')') + 1).trim().split(/\s+/);
  } catch {
    return undefined;
  }
}

/** The process and every live descendant, breadth first, at most `limit` of them. */
export function processTree(root: number, procRoot = '/proc', limit = 256): TreeProcess[] {
  const children = new Map<number, TreeProcess[]>();
  let entries: string[];
  try {
    entries = readdirSync(procRoot);
  } catch {
    return [{ pid: root }];
  }
  let rootStart: number | undefined;
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    const fields = statFields(join(procRoot, name, 'stat'));
    // fields[0] is field 3 (state): ppid (4) is fields[1], starttime (22) fields[19].
    const ppid = Number(fields?.[1]);
    if (!Number.isFinite(ppid)) continue;
    const start = Number(fields?.[19]);
    const proc = { pid: Number(name), ...(Number.isSafeInteger(start) ? { startTicks: start } : {}) };
    if (proc.pid === root) rootStart = proc.startTicks;
    const list = children.get(ppid);
    if (list) list.push(proc);
    else children.set(ppid, [proc]);
  }
  const out: TreeProcess[] = [];
  const queue: TreeProcess[] = [{ pid: root, ...(rootStart !== undefined ? { startTicks: rootStart } : {}) }];
  while (queue.length && out.length < limit) {
    const proc = queue.shift()!;
    out.push(proc);
    queue.push(...(children.get(proc.pid) ?? []));
  }
  return out;
}

/**
 * Signals a process found earlier, only while it is still that process (same start time): a pid freed and
 * reused meanwhile belongs to someone else. False when it is gone, reused, or may not be signalled.
 */
export function signalIfSame(proc: TreeProcess, signal: NodeJS.Signals, procRoot = '/proc'): boolean {
  if (proc.startTicks !== undefined) {
    const now = Number(statFields(join(procRoot, String(proc.pid), 'stat'))?.[19]);
    if (now !== proc.startTicks) return false;
  }
  try {
    process.kill(proc.pid, signal);
    return true;
  } catch {
    return false;
  }
}
