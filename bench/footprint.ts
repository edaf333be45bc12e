// What a process costs the host, read from /proc while it runs: resident memory (RSS; PSS and private
// memory too, since RSS counts shared pages of the node binary that every Node process on the host shares),
// its own CPU and the CPU of the children it waited for (the openclaw CLI runs), and how long one-shot
// commands take from start to exit.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';

const USER_HZ = 100;

function statFields(pid: number): string[] {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return text.slice(text.lastIndexOf(')') + 1).trim().split(/\s+/);
}

/** Own CPU (utime + stime) and waited-for children's CPU (cutime + cstime), in seconds. */
export function cpuSeconds(pid: number): { own: number; children: number } {
  const f = statFields(pid);
  return { own: (Number(f[11]) + Number(f[12])) / USER_HZ, children: (Number(f[13]) + Number(f[14])) / USER_HZ };
}

function kB(text: string, key: string): number | undefined {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
  return m ? Number(m[1]) * 1024 : undefined;
}

export interface MemoryReading {
  rss: number;
  pss?: number;
  /** Private memory (Private_Clean + Private_Dirty): what the process alone holds. */
  private?: number;
}

export function memory(pid: number): MemoryReading {
  const rss = kB(readFileSync(`/proc/${pid}/status`, 'utf8'), 'VmRSS') ?? 0;
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const pss = kB(rollup, 'Pss');
    const priv = (kB(rollup, 'Private_Clean') ?? 0) + (kB(rollup, 'Private_Dirty') ?? 0);
    return { rss, ...(pss !== undefined ? { pss } : {}), private: priv };
  } catch {
    return { rss };
  }
}

export interface Footprint {
  seconds: number;
  rssMedian: number;
  rssMax: number;
  pss?: number;
  private?: number;
  /** Percent of one core over the window. */
  cpuPct: number;
  /** Children's CPU (openclaw CLI runs) over the window, percent of one core. */
  childCpuPct: number;
  /** Seconds of own CPU per hour, extrapolated from the window. */
  cpuSecondsPerHour: number;
  childCpuSecondsPerHour: number;
}

/** Samples a running process every intervalMs for windowMs (after it has settled). */
export async function watchFootprint(pid: number, windowMs: number, intervalMs = 5_000): Promise<Footprint> {
  const start = cpuSeconds(pid);
  const t0 = performance.now();
  const rss: number[] = [];
  let last = memory(pid);
  while (performance.now() - t0 < windowMs) {
    await new Promise((r) => setTimeout(r, Math.min(intervalMs, Math.max(0, windowMs - (performance.now() - t0)))));
    last = memory(pid);
    rss.push(last.rss);
  }
  const seconds = (performance.now() - t0) / 1000;
  const end = cpuSeconds(pid);
  const own = end.own - start.own;
  const children = end.children - start.children;
  return {
    seconds,
    rssMedian: median(rss),
    rssMax: Math.max(...rss),
    ...(last.pss !== undefined ? { pss: last.pss } : {}),
    ...(last.private !== undefined ? { private: last.private } : {}),
    cpuPct: (100 * own) / seconds,
    childCpuPct: (100 * children) / seconds,
    cpuSecondsPerHour: (own * 3600) / seconds,
    childCpuSecondsPerHour: (children * 3600) / seconds,
  };
}

/** Wall time of one run of a command, start to exit, in ms. */
export function timeCommand(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    execFile(file, args, { env, timeout: 60_000 }, () => resolve(performance.now() - t0));
  });
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
