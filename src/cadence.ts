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
 * When the first alert can come, for the check that runs most often: its first failed run comes within
 * one period of the failure, the next ones a retry interval apart (a period apart without retries), then
 * the batch window passes. "a failure is alerted after 3 failed runs: about 26-56 s at gateway.port's 30 s
 * schedule, retried every 8 s".
 */
export function firstAlertText(config: EffectiveConfig): string | undefined {
  const fastest = fastestCheck(config.checks, true);
  if (!fastest) return undefined;
  const n = fastest.rc.machine.failureThreshold;
  const batch = config.file.alerting.batchWindow;
  const retryMs = n > 1 ? fastest.rc.retryMs : undefined;
  const step = retryMs ?? fastest.periodMs;
  const min = (n - 1) * step + batch;
  const max = fastest.periodMs + (n - 1) * step + batch;
  const range = max < 600_000 ? `${Math.round(min / 1000)}-${Math.round(max / 1000)} s` : `${formatDuration(min)}-${formatDuration(max)}`;
  const every = fastest.periodMs < 600_000 ? `${Math.round(fastest.periodMs / 1000)} s` : formatDuration(fastest.periodMs);
  const retried = retryMs !== undefined ? `, retried every ${retryMs < 600_000 ? `${Math.round(retryMs / 1000)} s` : formatDuration(retryMs)}` : '';
  return `a failure is alerted after ${n} failed run${n > 1 ? 's' : ''}: about ${range} at ${fastest.rc.check.id}'s ${every} schedule${retried}`;
}
