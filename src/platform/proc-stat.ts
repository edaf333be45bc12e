import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * When a process started, from field 22 (starttime, clock ticks after boot) of /proc/<pid>/stat. With the
 * pid it identifies one process for the life of the host: a pid reused by a new process has another start
 * time. Never throws: a process that is gone, a file that may not be read and a field that is not a number
 * are each said so, with the path.
 */
export type ProcessStartReading =
  | { ok: true; startTicks: number }
  | { ok: false; kind: 'gone' | 'unreadable' | 'malformed'; message: string };

export async function readProcessStart(pid: number, procRoot = '/proc'): Promise<ProcessStartReading> {
  const path = join(procRoot, String(pid), 'stat');
  if (!Number.isSafeInteger(pid) || pid <= 0) return { ok: false, kind: 'malformed', message: `pid ${String(pid)} is not a process id` };
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') return { ok: false, kind: 'gone', message: `pid ${pid} exited (${path} is gone)` };
    return { ok: false, kind: 'unreadable', message: `cannot read ${path}: ${(err as Error).message}` };
  }
  return parseStartTicks(text, path);
}

/** Field 22 of a /proc/<pid>/stat text. The comm field (2) may hold spaces and ')', so fields are counted after the last ')'. */
export function parseStartTicks(text: string, path = 'stat'): ProcessStartReading {
  const close = text.lastIndexOf(')');
  if (close < 0) return { ok: false, kind: 'malformed', message: `${path} has no "(comm)" field` };
  // After ") " come field 3 (state), 4 (ppid)... field 22 is the 20th of them.
  const fields = text.slice(close + 1).trim().split(/\s+/);
  const raw = fields[19];
  if (raw === undefined) return { ok: false, kind: 'malformed', message: `${path} has ${fields.length + 2} fields, not the 22 that hold starttime` };
  if (!/^\d+$/.test(raw)) return { ok: false, kind: 'malformed', message: `field 22 (starttime) of ${path} is not a number: "${raw.slice(0, 40)}"` };
  const startTicks = Number(raw);
  if (!Number.isSafeInteger(startTicks)) return { ok: false, kind: 'malformed', message: `field 22 (starttime) of ${path} is out of range: ${raw.slice(0, 40)}` };
  return { ok: true, startTicks };
}

/** Parent pid and process group (fields 4 and 5 of /proc/<pid>/stat); undefined when the process is gone or the file unreadable. */
export async function readProcessParentage(pid: number, procRoot = '/proc'): Promise<{ ppid: number; pgrp: number } | undefined> {
  const text = await readFile(join(procRoot, String(pid), 'stat'), 'utf8').catch(() => undefined);
  const [, ppid, pgrp] = text?.slice(text.lastIndexOf(')') + 1).trim().split(/\s+/) ?? [];
  return ppid !== undefined && pgrp !== undefined && /^\d+$/.test(ppid) && /^\d+$/.test(pgrp) ? { ppid: Number(ppid), pgrp: Number(pgrp) } : undefined;
}
