// Node's timers hold at most 2^31-1 ms (24.8 days). A longer delay is not refused: Node warns
// (TimeoutOverflowWarning) and fires after 1 ms, which turns a long schedule into a busy loop.

/** The longest delay one setTimeout can hold. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface LongTimer {
  clear(): void;
}

/**
 * setTimeout for any delay: spans longer than MAX_TIMER_MS are waited out in chained steps toward an
 * absolute deadline, so a 30-day interval fires once after 30 days. Timers are unref'd when asked, so
 * a long wait does not keep a one-shot command alive.
 */
export function longTimeout(fn: () => void, ms: number, options: { unref?: boolean; now?: () => number } = {}): LongTimer {
  // Monotonic by default: a wall clock set back must not stretch the wait.
  const now = options.now ?? (() => performance.now());
  const delay = Number.isFinite(ms) ? Math.max(0, ms) : MAX_TIMER_MS;
  const due = now() + delay;
  let handle: NodeJS.Timeout | undefined;
  let cleared = false;
  const arm = (wait: number) => {
    handle = setTimeout(() => {
      if (cleared) return;
      const left = due - now();
      if (left > 0 && wait === MAX_TIMER_MS) arm(Math.min(left, MAX_TIMER_MS));
      else fn();
    }, wait);
    if (options.unref) handle.unref();
  };
  arm(Math.min(delay, MAX_TIMER_MS));
  return {
    clear() {
      cleared = true;
      if (handle) clearTimeout(handle);
    },
  };
}

/** A delay clamped to what one setTimeout can hold (for timers that re-check their condition when they fire). */
export function timerDelay(ms: number): number {
  if (!Number.isFinite(ms)) return MAX_TIMER_MS;
  return Math.min(Math.max(0, ms), MAX_TIMER_MS);
}
