/**
 * Settles with the work, or rejects with the signal's reason as soon as it aborts: a notifier that
 * ignores its signal cannot hold a delivery slot (or a shutdown) hostage.
 */
export function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** An AbortController that aborts itself with a TimeoutError after `ms`; call clear() when done. */
export function timeoutController(ms: number): { controller: AbortController; timeout: Error; clear(): void } {
  const controller = new AbortController();
  const timeout = new Error(`timed out after ${ms} ms`);
  timeout.name = 'TimeoutError';
  const timer = setTimeout(() => controller.abort(timeout), ms);
  timer.unref?.();
  return { controller, timeout, clear: () => clearTimeout(timer) };
}

/**
 * How long past a notifier's own timeoutMs the caller waits before aborting the attempt itself: the
 * notifier's deadline should fire first and report a clean "no answer within ..." error; the caller's
 * abort is the backstop for one that ignores its signal.
 */
export const ATTEMPT_TIMEOUT_MARGIN_MS = 5_000;

/**
 * The abort deadline of one send: the notifier's own timeoutMs plus a margin when it states one (so an
 * email allowed 60 s is not cut at 15 s and then sent again), else `fallbackMs`.
 */
export function attemptTimeoutFor(notifier: { timeoutMs?: number | undefined }, fallbackMs: number): number {
  const own = notifier.timeoutMs;
  return typeof own === 'number' && Number.isFinite(own) && own > 0 ? own + ATTEMPT_TIMEOUT_MARGIN_MS : fallbackMs;
}
