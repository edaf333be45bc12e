import { accessSync, constants, readFileSync } from 'node:fs';
import type { CheckResult, Exec, ExecOptions, ExecResult } from '../contracts.ts';
import { formatDuration } from '../util/duration.ts';
import { formatBytes } from '../util/size.ts';
import { watchChildCost } from './child-cost.ts';
import { readCgroupLimit, statusField } from './proc-memory.ts';

// The openclaw CLI as the checks run it, so that it cannot hurt the host it watches: one run at a time
// (a doctor run peaks near 650 MiB beside a gateway of 600-900 MiB), at the lowest CPU and I/O priority,
// not started at all when the host has less memory available than the command needs, and each run's cost
// (duration, CPU, peak memory) told to whoever records it. Recovery's own CLI calls do not come through
// here: a restart is never queued behind a doctor or held back.

/** What one CLI run of a check cost, or why it was not run. */
export interface CliRunCost {
  /** "doctor", "config validate", "secrets audit", "--version"... */
  command: string;
  /** Epoch ms it ended (or was skipped). */
  at: number;
  durationMs: number;
  /** How long it waited for another CLI run to finish. */
  waitedMs: number;
  cpuMs?: number;
  peakRssBytes?: number;
  code: number | null;
  timedOut: boolean;
  /** Why it was not run. */
  skipped?: string;
  /** Whether it ran at lowered priority (nice 10, best-effort I/O class level 7). */
  lowPriority: boolean;
}

/**
 * Memory a command needs, from its peak RSS measured on openclaw 2026.9.6 with some margin (`bench`): doctor
 * --lint 644 MiB, secrets audit 314 MiB, models status 296 MiB, config validate 210 MiB, --version 68 MiB.
 */
const NEEDS_MIB: Record<string, number> = { doctor: 800, secrets: 400, models: 400, config: 280, '--version': 96 };
const DEFAULT_NEED_MIB = 400;
/** A turn that comes with less time than this left is not worth starting: the command would be killed. */
const MIN_RUN_MS = 500;
/**
 * What a command takes at the least on a healthy host (openclaw 2026.9.6 measured on 2 busy cores: config
 * validate 1.6-2.5 s, models status 3.5-10 s, secrets audit 5-11 s, doctor --lint 13-18 s): a turn that comes
 * with less time left than this is handed back rather than started and killed at the deadline.
 */
const MIN_RUN_MS_BY_COMMAND: Record<string, number> = { doctor: 12_000, secrets: 4_000, models: 3_000, config: 2_500 };

export interface CliGateOptions {
  /** nice 10 and ionice best-effort 7 (default true). */
  lowPriority?: boolean;
  /** Overrides the per-command need; 0 never holds a run back for memory. */
  minAvailableBytes?: number;
  onCost?: (cost: CliRunCost) => void;
  /** Bytes the host (and clawmedic's cgroup) can still give, or undefined when it cannot be told. */
  memAvailable?: () => Promise<number | undefined>;
  now?: () => number;
  /** Where nice and ionice are (default: found in /usr/bin, /bin). */
  tools?: { nice?: string; ionice?: string };
  procRoot?: string;
}

/** The command's name for people and for the cost record: its words up to the first option. */
export function cliCommandName(args: readonly string[]): string {
  if (args[0]?.startsWith('-')) return args[0];
  const words: string[] = [];
  for (const a of args) {
    if (a.startsWith('-') || words.length === 2) break;
    words.push(a);
  }
  return words.join(' ') || 'openclaw';
}

/** Bytes a command needs free before it is started. */
export function cliMemoryNeed(args: readonly string[]): number {
  const first = args[0] ?? '';
  return (NEEDS_MIB[first] ?? DEFAULT_NEED_MIB) * 1024 ** 2;
}

/** Wraps an Exec (the one that runs the openclaw CLI for checks) with the queue, the memory gate and the priority. */
export function gatedCliExec(inner: Exec, options: CliGateOptions = {}): Exec {
  const now = options.now ?? Date.now;
  const lowPriority = options.lowPriority ?? true;
  const tools = lowPriority ? (options.tools ?? priorityTools()) : {};
  const memAvailable = options.memAvailable ?? (() => availableMemory(options.procRoot));
  const turns = new OneAtATime();

  return async (file, args, execOptions) => {
    const command = cliCommandName(args);
    const queued = performance.now();
    const record = (res: ExecResult, extra: Partial<CliRunCost> = {}): ExecResult => {
      const cost: CliRunCost = {
        command,
        at: now(),
        durationMs: res.durationMs,
        waitedMs: Math.round(performance.now() - queued - res.durationMs),
        code: res.code,
        timedOut: res.timedOut,
        lowPriority: lowPriority && tools.nice !== undefined,
        ...(res.skipped ? { skipped: res.skipped } : {}),
        ...extra,
      };
      try {
        options.onCost?.(cost);
      } catch {
        // Recording a cost never costs the result.
      }
      return res;
    };

    const deadline = performance.now() + execOptions.timeoutMs;
    if (!(await turns.acquire(deadline, execOptions.signal))) {
      return record(skippedResult(execOptions.signal?.aborted ? 'cancelled while waiting for another openclaw CLI run to finish' : `its turn did not come within ${Math.round(execOptions.timeoutMs / 1000)} s (another openclaw CLI run took it)`, 'turn'));
    }
    try {
      const left = Math.round(deadline - performance.now());
      // Never more than half the budget: a check given a short timeout on purpose still runs its command.
      const least = Math.max(MIN_RUN_MS, Math.min(MIN_RUN_MS_BY_COMMAND[args[0] ?? ''] ?? MIN_RUN_MS, execOptions.timeoutMs / 2));
      if (left < least) return record(skippedResult(`another openclaw CLI run left it ${Math.max(0, left)} ms of its ${Math.round(execOptions.timeoutMs / 1000)} s`, 'turn'));
      const need = options.minAvailableBytes ?? cliMemoryNeed(args);
      const available = need > 0 ? await memAvailable() : undefined;
      if (available !== undefined && available < need) {
        return record(
          skippedResult(`only ${formatBytes(available)} of memory available and openclaw ${command} needs about ${formatBytes(need)}: not started, so that it cannot push the host (and the gateway) into swap or the OOM killer`, 'memory'),
        );
      }
      const watch = watchChildCost(options.procRoot ? { procRoot: options.procRoot } : {});
      const runOptions: ExecOptions = { ...execOptions, timeoutMs: left, onSpawn: (pid) => (watch.onSpawn(pid), execOptions.onSpawn?.(pid)) };
      const res = await inner(...withPriority(file, args, tools), runOptions);
      // Killed at a deadline that the wait for its turn had brought forward to less than half its budget:
      // the command did not fail, it was not given the time (CI: config validate started with 3.3 s of its
      // 18 s, on a host where it takes 5-7 s). Said as a wait, like a turn handed back; a run that had at
      // least half its budget and still did not finish is a timeout.
      if (res.timedOut && !execOptions.signal?.aborted && left < execOptions.timeoutMs / 2) {
        const waitedS = Math.round((execOptions.timeoutMs - left) / 1000);
        return record(
          { ...res, skipped: `it waited ${waitedS} s for another openclaw CLI run and the ${formatDuration(left)} left of its ${Math.round(execOptions.timeoutMs / 1000)} s were not enough (killed)`, skippedFor: 'turn' },
          watch.stop(),
        );
      }
      return record(res, watch.stop());
    } finally {
      turns.release();
    }
  };
}

function skippedResult(why: string, skippedFor: 'memory' | 'turn'): ExecResult {
  return { code: null, signal: null, stdout: '', stderr: '', timedOut: false, durationMs: 0, skipped: why, skippedFor };
}

/** The command behind `ionice -c 2 -n 7` and `nice -n 10` when they are there (they exec it: same pid, same group). */
function withPriority(file: string, args: readonly string[], tools: { nice?: string; ionice?: string }): [string, string[]] {
  let cmd = [file, ...args];
  if (tools.nice) cmd = [tools.nice, '-n', '10', ...cmd];
  if (tools.ionice) cmd = [tools.ionice, '-c', '2', '-n', '7', ...cmd];
  return [cmd[0]!, cmd.slice(1)];
}

function priorityTools(): { nice?: string; ionice?: string } {
  if (process.platform !== 'linux') return {};
  const find = (name: string) =>
    ['/usr/bin', '/bin'].map((d) => `${d}/${name}`).find((p) => {
      try {
        accessSync(p, constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
  const nice = find('nice');
  const ionice = find('ionice');
  return { ...(nice ? { nice } : {}), ...(ionice ? { ionice } : {}) };
}

/** MemAvailable of the host, or less when clawmedic's own cgroup (its service's MemoryMax=) leaves less. */
export async function availableMemory(procRoot = '/proc'): Promise<number | undefined> {
  let host: number | undefined;
  try {
    const value = statusField(readFileSync(`${procRoot}/meminfo`, 'utf8'), 'MemAvailable');
    if (value !== undefined && Number.isFinite(value)) host = value;
  } catch {
    // Not Linux, or /proc not mounted: the host's memory cannot be told.
  }
  const cgroup = await readCgroupLimit(process.pid, { procRoot }).catch(() => undefined);
  const inCgroup = cgroup?.currentBytes !== undefined ? cgroup.limitBytes - cgroup.currentBytes : undefined;
  if (host === undefined) return inCgroup;
  return inCgroup === undefined ? host : Math.min(host, inCgroup);
}

/**
 * One holder at a time; when it lets go, the waiter whose deadline comes first goes next (a config validate
 * with 18 s left goes before a doctor with 88 s), so short deadlines are not eaten by long runs.
 */
class OneAtATime {
  private busy = false;
  private readonly waiters: Array<{ deadline: number; go: () => void }> = [];

  /** True once it holds the turn; false when the deadline passed or the signal aborted first. */
  acquire(deadline: number, signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    if (!this.busy) {
      this.busy = true;
      return Promise.resolve(true);
    }
    return new Promise<boolean>((resolve) => {
      const waiter = {
        deadline,
        go: () => {
          cleanup();
          resolve(true);
        },
      };
      const giveUp = () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        cleanup();
        resolve(false);
      };
      const timer = setTimeout(giveUp, Math.max(0, deadline - performance.now()));
      const cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', giveUp);
      };
      signal?.addEventListener('abort', giveUp, { once: true });
      this.waiters.push(waiter);
    });
  }

  release(): void {
    if (this.waiters.length === 0) {
      this.busy = false;
      return;
    }
    let next = 0;
    for (let i = 1; i < this.waiters.length; i++) if (this.waiters[i]!.deadline < this.waiters[next]!.deadline) next = i;
    this.waiters.splice(next, 1)[0]!.go();
  }
}

/** How a check words a run the gate held back: not run, or (killed once its wait left it too little time) no result. */
export function cliSkipWords(res: ExecResult): string {
  return res.timedOut ? 'gave no result' : 'not run';
}

/**
 * A check's result for a run the gate held back (ExecResult.skipped): waiting for another openclaw CLI run
 * is nothing wrong with the host or the gateway (OK, the next run tries again); too little memory is a WARN
 * with what to do.
 */
export function cliSkippedResult(command: string, res: ExecResult & { skipped: string }): CheckResult {
  if (res.skippedFor === 'turn') return { status: 'ok', summary: `${command} ${cliSkipWords(res)} this time: ${res.skipped}; the next run tries again` };
  return {
    status: 'warn',
    summary: `${command} not run: ${res.skipped}`,
    remedy: "Free memory on the host (the gateway itself may be growing: see the memory check); if the host can afford the run anyway, lower openclaw.minAvailableMemory in clawmedic's config (0 never holds a run back).",
  };
}
