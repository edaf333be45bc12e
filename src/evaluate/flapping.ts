import type { Status } from '../contracts.ts';

// Nagios-style flap detection. Statuses are reduced to ok / not-ok first: a check that moves between
// warn and crit is unhealthy the whole time, and counting that as flapping would hide a real incident.
//
// Like Nagios, a change between two recent entries weighs more than one between two old entries: the
// weight rises linearly from 0.8 (oldest pair) to 1.2 (newest pair), so a check that has just started
// flapping crosses the threshold sooner and one that has settled leaves it sooner. The weighted count
// is divided by the number of pairs, so a window that changes on every entry scores about 100.

const LOW_WEIGHT = 0.8;
const HIGH_WEIGHT = 1.2;

/** Percentage (0-100) of weighted ok/not-ok changes between consecutive entries, oldest first. */
export function flapPercent(recent: readonly Status[]): number {
  const pairs = recent.length - 1;
  if (pairs < 1) return 0;
  let weighted = 0;
  for (let i = 1; i < recent.length; i++) {
    if ((recent[i] === 'ok') === (recent[i - 1] === 'ok')) continue;
    // i runs from 1 (oldest pair) to `pairs` (newest pair).
    const weight = pairs === 1 ? 1 : LOW_WEIGHT + ((i - 1) * (HIGH_WEIGHT - LOW_WEIGHT)) / (pairs - 1);
    weighted += weight;
  }
  // Rounded so the stored value is readable and stable across runs; thresholds compare the same number.
  return Math.round(((weighted * 100) / pairs) * 100) / 100;
}

/** Too few entries make a percentage that swings on every result: wait for half the window. */
export function enoughForFlapping(entries: number, window: number): boolean {
  return entries >= Math.max(2, Math.ceil(window / 2));
}
