import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { statusField } from './proc-memory.ts';
import { processTree, statFields } from './process-tree.ts';

// What a command clawmedic ran cost the host: CPU seconds (its whole tree) and peak memory (its largest
// process). Linux /proc only; elsewhere both stay unknown. Nothing here throws.

export interface ChildCost {
  /** CPU time (user + system) of the command and every descendant it waited for. */
  cpuMs?: number;
  /** The highest VmHWM seen among the command's processes (like `time -f %M`). */
  peakRssBytes?: number;
}

export interface ChildCostWatch {
  /** Give it the command's pid once spawned (ExecOptions.onSpawn). */
  onSpawn(pid: number): void;
  /** Stops watching (after the command ended) and says what it cost. */
  stop(): ChildCost;
}

/** Kernel USER_HZ, the unit of /proc/<pid>/stat times. */
const USER_HZ = 100;

/**
 * Starts a watch. CPU is the growth of clawmedic's own cutime + cstime (a reaped child's time, and that of
 * the descendants it reaped, lands there when it exits): exact for a command that ran alone, as openclaw CLI
 * runs do, give or take another child reaped meanwhile. Peak memory is sampled every `intervalMs`: its last
 * growth before exit may be missed.
 */
export function watchChildCost(options: { intervalMs?: number; procRoot?: string } = {}): ChildCostWatch {
  const procRoot = options.procRoot ?? '/proc';
  const cpuBefore = childCpuTicks(procRoot);
  let peak: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  let root: number | undefined;
  const sample = () => {
    if (root === undefined) return;
    for (const { pid } of processTree(root, procRoot)) {
      const hwm = readHighWater(pid, procRoot);
      if (hwm !== undefined && (peak === undefined || hwm > peak)) peak = hwm;
    }
  };
  return {
    onSpawn(pid) {
      root = pid;
      sample();
      timer = setInterval(sample, options.intervalMs ?? 250);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      const cpuAfter = childCpuTicks(procRoot);
      return {
        ...(cpuBefore !== undefined && cpuAfter !== undefined ? { cpuMs: ((cpuAfter - cpuBefore) * 1000) / USER_HZ } : {}),
        ...(peak !== undefined ? { peakRssBytes: peak } : {}),
      };
    },
  };
}

/** Fields 16 and 17 of /proc/self/stat: CPU ticks of the children this process has waited for. */
function childCpuTicks(procRoot: string): number | undefined {
  const fields = statFields(join(procRoot, 'self', 'stat'));
  // fields[0] is field 3 (state): cutime (16) and cstime (17) are fields[13] and fields[14].
  const cutime = Number(fields?.[13]);
  const cstime = Number(fields?.[14]);
  return Number.isFinite(cutime) && Number.isFinite(cstime) ? cutime + cstime : undefined;
}

function readHighWater(pid: number, procRoot: string): number | undefined {
  try {
    const value = statusField(readFileSync(join(procRoot, String(pid), 'status'), 'utf8'), 'VmHWM');
    return value !== undefined && Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
