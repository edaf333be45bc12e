/**
 * "Full jitter" exponential backoff (AWS architecture blog): a uniformly random delay between zero and
 * the capped exponential, so many agents that lost the same endpoint do not retry in lockstep.
 * `attempt` counts failed attempts so far, from 1.
 */
export function fullJitterDelay(attempt: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}
