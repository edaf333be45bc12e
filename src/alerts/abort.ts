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
