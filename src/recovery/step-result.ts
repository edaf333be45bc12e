// What every recovery building block returns: it never throws, it says what it did in one line.

export interface StepResult {
  ok: boolean;
  /** One line a person reads: "stopped openclaw-gateway (pid 4121) with SIGTERM in 1.2 s". */
  summary: string;
  /** The exact command run, when one was (argument array). */
  command?: string[];
  /** Captured output, bounded (a few KiB: tail kept) — the caller redacts it. */
  output?: string;
  details?: Record<string, unknown>;
}

/** How much captured output a step keeps: the tail, where a failing program says why. */
export const STEP_OUTPUT_BYTES = 4 * 1024;

/** The last `max` characters of a program's stdout and stderr, for StepResult.output. */
export function outputTail(stdout: string, stderr = '', max = STEP_OUTPUT_BYTES): string | undefined {
  const text = [stdout.trimEnd(), stderr.trimEnd()].filter((s) => s !== '').join('\n');
  if (text === '') return undefined;
  return text.length > max ? `…${text.slice(text.length - max + 1)}` : text;
}

/** A promise that resolves after `ms`, or at once when the signal aborts (never rejects). */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener('abort', done, { once: true });
  });
}
