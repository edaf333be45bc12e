// How often the agent runs its checks, and so how soon it alerts and how old its last cycle may be.
import type { EffectiveConfig, ResolvedCheck } from './config/load.ts';
import { shortestPeriodMs } from './schedule.ts';
import { SELF_CHECK_ID } from './self/check.ts';
import { formatDuration } from './util/duration.ts';

/** The enabled check that runs most often (the self check too, unless `gatewayOnly`). */
export function fastestCheck(checks: readonly ResolvedCheck[], gatewayOnly = false): { rc: ResolvedCheck; periodMs: number } | undefined {
  let best: { rc: ResolvedCheck; periodMs: number } | undefined;
  for (const rc of checks) {
    if (!rc.enabled || (gatewayOnly && rc.check.id === SELF_CHECK_ID)) continue;
    const periodMs = shortestPeriodMs(rc.schedule);
    if (!best || periodMs < best.periodMs) best = { rc, periodMs };
  }
  return best;
}

/** A last cycle older than this means the agent's loop stopped: twice the shortest schedule. */
export function staleCycleMs(checks: readonly ResolvedCheck[]): number | undefined {
  const fastest = fastestCheck(checks);
  return fastest ? 2 * fastest.periodMs : undefined;
}

/**
 * When the first alert can come, for the check that runs most often: its failureThreshold-th failed run
 * comes (threshold - 1) to threshold periods after the failure starts, then the batch window passes.
 * "a failure is alerted after 3 failed runs: about 70-100 s at gateway.port's 30 s schedule".
 */
export function firstAlertText(config: EffectiveConfig): string | undefined {
  const fastest = fastestCheck(config.checks, true);
  if (!fastest) return undefined;
  const n = fastest.rc.machine.failureThreshold;
  const batch = config.file.alerting.batchWindow;
  const min = (n - 1) * fastest.periodMs + batch;
  const max = n * fastest.periodMs + batch;
  const range = max < 600_000 ? `${Math.round(min / 1000)}-${Math.round(max / 1000)} s` : `${formatDuration(min)}-${formatDuration(max)}`;
  const every = fastest.periodMs < 600_000 ? `${Math.round(fastest.periodMs / 1000)} s` : formatDuration(fastest.periodMs);
  return `a failure is alerted after ${n} failed run${n > 1 ? 's' : ''}: about ${range} at ${fastest.rc.check.id}'s ${every} schedule`;
}
