import * as z from 'zod';
import type { CliRunCost } from '../platform/cli-gate.ts';
import type { StateStore } from '../state/store.ts';
import { formatDuration } from '../util/duration.ts';
import { formatBytes } from '../util/size.ts';

// What the checks' openclaw CLI runs cost the host (the last run of each command, and the largest), kept in
// the state file by the agent and shown by `status`: a doctor run is seconds of CPU and hundreds of MiB.

export const CLI_COSTS_SECTION = 'openclawCli';

const costSchema = z.object({
  command: z.string(),
  at: z.number(),
  durationMs: z.number(),
  waitedMs: z.number(),
  cpuMs: z.number().optional(),
  peakRssBytes: z.number().optional(),
  code: z.number().nullable(),
  timedOut: z.boolean(),
  skipped: z.string().optional(),
  lowPriority: z.boolean(),
});

const commandSchema = z.object({
  last: costSchema,
  runs: z.number().int().nonnegative(),
  skips: z.number().int().nonnegative(),
  /** Over the runs recorded: the most CPU and the highest peak memory. */
  maxCpuMs: z.number().optional(),
  maxPeakRssBytes: z.number().optional(),
  /** The last run that was held back, and why. */
  lastSkip: z.object({ at: z.number(), reason: z.string() }).optional(),
});

export const cliCostsSectionSchema = z.looseObject({ commands: z.record(z.string(), commandSchema) });

export type CliCostsSection = z.infer<typeof cliCostsSectionSchema>;
type CommandCosts = z.infer<typeof commandSchema>;

/** At most this many commands are kept (there are about five); a CLI that grows more does not grow the file. */
const MAX_COMMANDS = 16;

export function cliCostsSection(store: StateStore): CliCostsSection {
  return store.section<CliCostsSection>(CLI_COSTS_SECTION, () => ({ commands: {} }));
}

/** Adds one run (or skip) to the agent's record. */
export function recordCliCost(store: StateStore, cost: CliRunCost): void {
  const section = cliCostsSection(store);
  const known = section.commands[cost.command];
  if (!known && Object.keys(section.commands).length >= MAX_COMMANDS) return;
  const entry: CommandCosts = known ?? { last: cost, runs: 0, skips: 0 };
  if (cost.skipped) {
    entry.skips++;
    entry.lastSkip = { at: cost.at, reason: cost.skipped };
    // The last run that ran stays the one shown for its cost.
    if (!known) entry.last = cost;
  } else {
    entry.runs++;
    entry.last = cost;
    if (cost.cpuMs !== undefined) entry.maxCpuMs = Math.max(entry.maxCpuMs ?? 0, cost.cpuMs);
    if (cost.peakRssBytes !== undefined) entry.maxPeakRssBytes = Math.max(entry.maxPeakRssBytes ?? 0, cost.peakRssBytes);
  }
  section.commands[cost.command] = entry;
  store.markDirty();
}

/** `status` lines: one per command, the latest run first. */
export function renderCliCosts(section: CliCostsSection, ago: (ms: number) => string): string[] {
  const entries = Object.entries(section.commands).sort((a, b) => b[1].last.at - a[1].last.at);
  if (entries.length === 0) return [];
  const out = ['', 'openclaw CLI runs (by the checks; one at a time, low priority):'];
  for (const [command, e] of entries) {
    const last = e.last;
    const ran = e.runs
      ? `last ${ago(last.at)}: ${formatDuration(last.durationMs)}${last.cpuMs !== undefined ? `, ${(last.cpuMs / 1000).toFixed(1)} s CPU` : ''}${last.peakRssBytes !== undefined ? `, peak ${formatBytes(last.peakRssBytes)}` : ''}${last.timedOut ? ', killed at its deadline' : ''}`
      : 'never ran';
    const most = e.maxPeakRssBytes !== undefined ? `; at most ${formatBytes(e.maxPeakRssBytes)}` : '';
    const skips = e.skips ? `; ${e.skips} held back, last ${ago(e.lastSkip!.at)}: ${e.lastSkip!.reason}` : '';
    out.push(`  ${command}: ${e.runs} run${e.runs === 1 ? '' : 's'}, ${ran}${most}${skips}`);
  }
  return out;
}
