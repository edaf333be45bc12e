import type { Exec } from '../contracts.ts';
import { formatDuration } from '../util/duration.ts';
import { clip, oneLine, stripControl } from '../util/text.ts';
import type { RecoveryConfig } from './config.ts';
import { outputTail, type StepResult } from './step-result.ts';
import type { AttemptOutcome, AttemptRecord, StepName, StepRecord } from './types.ts';

/** What the runbook saw before acting: who holds the port and which gateway processes there are. */
export interface GatewayView {
  /** Another program holds the port: a person's job, never killed. Its label ("python3 (pid 7017)"). */
  foreignListener?: string;
  /** An OpenClaw gateway process of this install is alive (listening or not). */
  alive: boolean;
  /** One of them is stopped (SIGSTOP, state T): it cannot handle a restart request. */
  stopped: boolean;
  /** The port answers /healthz as OpenClaw right now (alive but unhealthy in some other way). */
  answering: boolean;
  /** The boot before the attempt, to tell a new one from it. */
  before: { pid?: number; bootId?: string; uptimeMs?: number };
  /** One line for the audit ("openclaw-gateway pid 4121 (stopped), nothing answering"). */
  summary: string;
}

/**
 * The built-in steps, each bounded by the signal it gets and never throwing (a StepResult says how it
 * went). Implemented on the real OpenClaw in builtin-steps.ts; tests give their own.
 */
export interface BuiltinSteps {
  look(signal: AbortSignal): Promise<GatewayView>;
  validate(signal: AbortSignal): Promise<StepResult>;
  restart(signal: AbortSignal): Promise<StepResult>;
  stop(view: GatewayView, signal: AbortSignal): Promise<StepResult>;
  /** dryRun: only says what it would remove and refuses what it must (run before anything is stopped). */
  clearCache(dryRun: boolean, signal: AbortSignal): Promise<StepResult>;
  start(signal: AbortSignal): Promise<StepResult>;
  verify(view: GatewayView, startedAt: number, signal: AbortSignal): Promise<StepResult>;
  /** For a dry run: the command or action each built-in step would take now. */
  describe(step: Exclude<StepName, 'preflight'>, view: GatewayView): string;
}

export interface RunbookOptions {
  config: RecoveryConfig;
  steps: BuiltinSteps;
  exec: Exec;
  /** Masks secrets in commands and their output. */
  redact(text: string): string;
  now(): number;
  signal: AbortSignal;
  by: AttemptRecord['by'];
  id: string;
  trigger?: AttemptRecord['trigger'];
  /** Prints each step and the command it would run, and does nothing. */
  dryRun?: boolean;
  /** Told as each step ends (progress for `clawmedic recover`, the audit for the agent). */
  onStep?(record: StepRecord): void;
  /** Told once, just before the first step that acts on the gateway (the restart or the stop). */
  beforeAct?(): void;
}

/** Output kept per step in the state file: the tail, where the reason for an exit usually is. */
const OUTPUT_KEPT = 2_048;
/** What a configured command may print before the rest is dropped. */
const OUTPUT_CAPTURED = 256 * 1024;

/**
 * Runs validate -> (in-place restart) -> stop -> clear cache -> start -> verify, stopping at the first
 * step that fails. Nothing is stopped before the config is known valid and the port is known not to be
 * another program's; the caches are checked before the stop too, so a refused path never leaves the
 * gateway down. Never throws.
 */
export async function runRunbook(opts: RunbookOptions): Promise<AttemptRecord> {
  const attempt: AttemptRecord = { id: opts.id, by: opts.by, startedAt: opts.now(), steps: [], ...(opts.trigger ? { trigger: opts.trigger } : {}) };
  const cfg = opts.config.steps;
  const end = (outcome: AttemptOutcome, reason: string, failedStep?: StepName): AttemptRecord => {
    attempt.finishedAt = opts.now();
    attempt.outcome = outcome;
    attempt.reason = oneLine(opts.redact(reason));
    if (failedStep) attempt.failedStep = failedStep;
    return attempt;
  };
  const record = (step: StepName, startedAt: number, result: StepResult, outcome?: StepRecord['outcome']): StepRecord => {
    const rec: StepRecord = {
      step,
      outcome: outcome ?? (result.ok ? 'ok' : 'failed'),
      startedAt,
      durationMs: Math.max(0, opts.now() - startedAt),
      summary: clip(oneLine(opts.redact(result.summary)), 500),
    };
    if (result.command) rec.command = result.command.map((a) => opts.redact(a));
    const output = result.output && outputTail(stripControl(opts.redact(result.output)), '', OUTPUT_KEPT);
    if (output) rec.output = output;
    attempt.steps.push(rec);
    opts.onStep?.(rec);
    return rec;
  };
  const aborted = () => opts.signal.aborted;

  // preflight: look before touching anything.
  let at = opts.now();
  const view = await opts.steps.look(opts.signal);
  record('preflight', at, { ok: !view.foreignListener, summary: view.summary });
  if (aborted()) return end('aborted', 'clawmedic stopped during the attempt');
  if (view.foreignListener) {
    return end('blocked', `the port is held by ${view.foreignListener}, not OpenClaw: not touched (a person must decide)`, 'preflight');
  }

  if (opts.dryRun) return dryRun(opts, view, record, end);

  let acting = false;
  /** evenIfStopping: the step runs to its own timeout even when clawmedic is stopping (the start after a stop). */
  const run = async (step: Exclude<StepName, 'preflight'>, builtin: (signal: AbortSignal) => Promise<StepResult>, evenIfStopping = false): Promise<StepRecord> => {
    const settings = cfg[step];
    if (!settings.enabled) return record(step, opts.now(), { ok: true, summary: 'turned off in recovery.steps' }, 'skipped');
    if (!acting && (step === 'restart' || step === 'stop')) {
      acting = true;
      opts.beforeAct?.();
    }
    const startedAt = opts.now();
    const stopping = evenIfStopping ? AbortSignal.any([]) : opts.signal;
    const signal = AbortSignal.any([stopping, AbortSignal.timeout(settings.timeout)]);
    const result = settings.command
      ? await runCommand(opts.exec, settings.command, settings.timeout, stopping)
      : await withDeadline(builtin(signal), settings.timeout, signal, step);
    return record(step, startedAt, result);
  };

  const validate = await run('validate', (s) => opts.steps.validate(s));
  if (aborted()) return end('aborted', 'clawmedic stopped during the attempt');
  if (validate.outcome === 'failed') {
    return end('blocked', `openclaw.json does not validate, so a restart would exit 78 at once: ${validate.summary}`, 'validate');
  }

  // A cache path that would be refused is found now, while the gateway still runs.
  if (cfg.clearCache.enabled && !cfg.clearCache.command) {
    at = opts.now();
    const check = await opts.steps.clearCache(true, opts.signal);
    if (!check.ok) {
      record('clearCache', at, check);
      return end('blocked', `a cache path is refused, nothing was stopped: ${check.summary}`, 'clearCache');
    }
  }

  // The cheap rung: an OpenClaw that answers but is unhealthy restarts in place (same pid, new boot).
  if (opts.config.restartFirst && view.alive && view.answering && !view.stopped) {
    const restart = await run('restart', (s) => opts.steps.restart(s));
    if (aborted()) return end('aborted', 'clawmedic stopped during the attempt');
    if (restart.outcome === 'ok') {
      const verify = await run('verify', (s) => opts.steps.verify(view, restart.startedAt, s));
      if (verify.outcome !== 'failed') return end('recovered', `gateway restart in place; ${verify.summary}`);
    }
    if (aborted()) return end('aborted', 'clawmedic stopped during the attempt');
  }

  const stop = await run('stop', (s) => opts.steps.stop(view, s));
  if (stop.outcome === 'failed') return end('failed', `stop failed: ${stop.summary}`, 'stop');
  // From here on the gateway is down: a stop request does not leave it so; the start still runs.
  const clear = aborted()
    ? record('clearCache', opts.now(), { ok: true, summary: 'left for later: clawmedic is stopping' }, 'skipped')
    : await run('clearCache', (s) => opts.steps.clearCache(false, s));
  const start = await run('start', (s) => opts.steps.start(s), true);
  if (start.outcome === 'failed') return end('failed', `start failed: ${start.summary}`, 'start');
  if (aborted()) return end('aborted', 'clawmedic stopped after starting the gateway, before verifying it');
  const verify = await run('verify', (s) => opts.steps.verify(view, stop.startedAt, s));
  if (verify.outcome === 'failed') return end('failed', `not healthy after the start: ${verify.summary}`, 'verify');
  const cacheNote = clear.outcome === 'failed' ? ` (clearing the cache failed: ${clear.summary})` : '';
  return end('recovered', `stop and start; ${verify.summary}${cacheNote}`);
}

async function dryRun(
  opts: RunbookOptions,
  view: GatewayView,
  record: (step: StepName, at: number, result: StepResult, outcome?: StepRecord['outcome']) => StepRecord,
  end: (outcome: AttemptOutcome, reason: string) => AttemptRecord,
): Promise<AttemptRecord> {
  const order: Array<Exclude<StepName, 'preflight'>> = ['validate'];
  if (opts.config.restartFirst && view.alive && view.answering && !view.stopped) order.push('restart');
  order.push('stop', 'clearCache', 'start', 'verify');
  for (const step of order) {
    const settings = opts.config.steps[step];
    const limit = ` (timeout ${formatDuration(settings.timeout)})`;
    let what: string;
    if (!settings.enabled) what = 'turned off in recovery.steps';
    else if (settings.command) what = `would run: ${settings.command.join(' ')}${limit}`;
    // What the cache step would remove, and what it refuses, is known without removing anything.
    else if (step === 'clearCache') what = `${(await opts.steps.clearCache(true, opts.signal)).summary}${limit}`;
    else what = `would ${opts.steps.describe(step, view)}${limit}`;
    const result: StepResult = { ok: true, summary: what };
    if (settings.command) result.command = settings.command;
    record(step, opts.now(), result, 'skipped');
  }
  return end('blocked', 'dry run: nothing was done');
}

/** A configured step: exit 0 is success; its output (tail) is kept. */
async function runCommand(exec: Exec, command: readonly string[], timeoutMs: number, signal: AbortSignal): Promise<StepResult> {
  const [file, ...args] = command as [string, ...string[]];
  const res = await exec(file, args, { timeoutMs, signal, maxOutputBytes: OUTPUT_CAPTURED });
  const output = outputTail(res.stdout, res.stderr) ?? '';
  const base = { command: [...command], ...(output ? { output } : {}) };
  if (res.timedOut) return { ok: false, summary: `${file} did not finish within ${formatDuration(timeoutMs)} (killed)`, ...base };
  if (res.code === null && res.signal === null) return { ok: false, summary: `${file} could not be run: ${oneLine(res.stderr) || 'unknown error'}`, ...base };
  if (res.code !== 0) {
    const why = res.signal ? `was killed by ${res.signal}` : `exited ${res.code}`;
    const last = lastLine(output);
    return { ok: false, summary: `${file} ${why}${last ? `: ${last}` : ''}`, ...base };
  }
  return { ok: true, summary: `${file} exited 0 in ${formatDuration(res.durationMs)}`, ...base };
}

/** A built-in that overstays its timeout is given up on (its own signal was aborted with the same deadline). */
async function withDeadline(work: Promise<StepResult>, timeoutMs: number, signal: AbortSignal, step: string): Promise<StepResult> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<StepResult>((resolve) => {
    // A margin after the signal: the step gets to say why it stopped itself first.
    timer = setTimeout(() => resolve({ ok: false, summary: `${step} did not finish within ${formatDuration(timeoutMs)}` }), timeoutMs + 1_000);
    timer.unref?.();
  });
  try {
    const result = await Promise.race([
      work.catch((err: unknown): StepResult => ({ ok: false, summary: `${step} failed: ${err instanceof Error ? err.message : String(err)}` })),
      late,
    ]);
    if (!result.ok && signal.aborted && !/within|timed out|timeout/i.test(result.summary)) {
      return { ...result, summary: `${result.summary} (cut at the ${formatDuration(timeoutMs)} timeout)` };
    }
    return result;
  } finally {
    clearTimeout(timer);
  }
}

function lastLine(text: string): string {
  const lines = stripControl(text).split('\n').filter((l) => l.trim() !== '');
  return clip(lines.at(-1)?.trim() ?? '', 200);
}
