/**
 * No retry delay is ever shorter than this, whatever the config says: even a test that sets
 * `minRetryDelayMs` to 0 cannot make a failing notifier spin.
 */
export const HARD_MIN_RETRY_DELAY_MS = 10;

/**
 * "Full jitter" exponential backoff (AWS architecture blog): a uniformly random delay between the floor
 * and the capped exponential, so many agents that lost the same endpoint do not retry in lockstep.
 * `attempt` counts failed attempts so far, from 1. The result is never below `floorMs` (0 by default),
 * even when `initialMs` is 0 or `random()` returns 0.
 */
export function fullJitterDelay(attempt: number, initialMs: number, maxMs: number, random: () => number = Math.random, floorMs = 0): number {
  const floor = Math.max(0, floorMs);
  const ceiling = Math.max(floor, Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1)));
  const r = Math.min(1, Math.max(0, random()));
  return floor + Math.floor(r * (ceiling - floor));
}

export interface RetryPolicy {
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** The floor of every retry delay (raised to HARD_MIN_RETRY_DELAY_MS if lower). */
  minRetryDelayMs: number;
}

/**
 * The delay before the next attempt after `attempt` failed attempts. A receiver's Retry-After sets the
 * earliest retry: it can make the outbox wait longer than its own backoff, never shorter (so
 * `Retry-After: 0` or a date in the past does not make a failing receiver a tight loop), and it is
 * capped at maxBackoffMs (a receiver asking for hours does not park an alert until its deadline; the
 * operator's maxBackoffMs is the longest wait between two attempts). The result always lies between the
 * floor and max(floor, maxBackoffMs).
 */
export function retryDelay(attempt: number, retryAfterMs: number | undefined, policy: RetryPolicy, random?: () => number): number {
  const floor = Math.max(HARD_MIN_RETRY_DELAY_MS, Number.isFinite(policy.minRetryDelayMs) ? policy.minRetryDelayMs : HARD_MIN_RETRY_DELAY_MS);
  const cap = Math.max(floor, policy.maxBackoffMs);
  const backoff = fullJitterDelay(attempt, policy.initialBackoffMs, cap, random, floor);
  const asked = retryAfterMs !== undefined && Number.isFinite(retryAfterMs) ? Math.min(retryAfterMs, cap) : 0;
  return Math.max(backoff, asked);
}
