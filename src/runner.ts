import type { Check, CheckContext, CheckResult, RemedyStep, Status } from './contracts.ts';
import { stepsParagraph } from './alerts/render.ts';
import { formatDuration } from './util/duration.ts';
import type { Redactor } from './util/redact.ts';
import { clip, firstLine } from './util/text.ts';

export interface RunOutcome {
  result: CheckResult;
  /** Epoch ms when the run finished. */
  at: number;
  durationMs: number;
}

const STATUSES: readonly Status[] = ['ok', 'warn', 'crit', 'unknown'];
const MAX_SUMMARY = 500;
const MAX_STEPS = 8;
/** A cause is one stable word (CheckResult.cause): anything else would announce a "change" on every run. */
const CAUSE_WORD = /^[a-z][a-z0-9-]{0,31}$/;

/**
 * Runs one check under a deadline. Whatever the check does (throws, hangs past its signal, returns
 * garbage) the outcome is a result: UNKNOWN with the reason, never an exception and never OK.
 */
export async function runCheck(
  check: Check,
  ctx: Omit<CheckContext, 'signal' | 'timeoutMs'>,
  timeoutMs: number,
  parent: AbortSignal | undefined,
  redactor: Redactor,
): Promise<RunOutcome> {
  const controller = new AbortController();
  const onParentAbort = () => controller.abort(new Error('the agent is stopping'));
  if (parent?.aborted) onParentAbort();
  else parent?.addEventListener('abort', onParentAbort, { once: true });
  const started = ctx.now();
  const startedPerf = performance.now();

  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<CheckResult>((resolve) => {
    const expire = (reason: string, diagnosis: string) => resolve({ status: 'unknown', summary: `${check.id} ${reason}`, diagnosis });
    timer = setTimeout(() => {
      controller.abort(new Error(`timed out after ${formatDuration(timeoutMs)}`));
      expire(
        `did not finish within ${formatDuration(timeoutMs)} (timed out)`,
        `The check was stopped after ${formatDuration(timeoutMs)}; its outside calls did not answer in time.`,
      );
    }, timeoutMs);
    const cancel = () =>
      expire('was cancelled: the agent is stopping', 'The agent stopped before the check finished; this result says nothing about the gateway.');
    // The parent may have aborted before this listener exists.
    if (parent?.aborted) cancel();
    else controller.signal.addEventListener('abort', () => parent?.aborted && cancel());
  });

  let result: CheckResult;
  try {
    const running = parent?.aborted ? deadline : Promise.resolve().then(() => check.run({ ...ctx, signal: controller.signal, timeoutMs }));
    result = validate(check.id, await Promise.race([running, deadline]));
  } catch (err) {
    result = {
      status: 'unknown',
      // Redacted before it is cut: a secret cut in half no longer matches the redactor.
      summary: `${check.id} failed to run: ${clip(firstLine(redactor.text(err instanceof Error ? err.message : String(err))), 300)}`,
      diagnosis: 'The check threw an error instead of returning a result; this is a clawmedic bug or an unexpected environment.',
    };
  } finally {
    clearTimeout(timer);
    parent?.removeEventListener('abort', onParentAbort);
    if (!controller.signal.aborted) controller.abort(new Error('finished'));
  }
  return {
    result: redactor.value(result),
    at: Math.max(started, ctx.now()),
    durationMs: Math.round(performance.now() - startedPerf),
  };
}

/** At most MAX_STEPS steps of non-empty text, each command one line. */
function validSteps(value: unknown): RemedyStep[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const steps: RemedyStep[] = [];
  for (const s of value.slice(0, MAX_STEPS)) {
    const step = s as Partial<RemedyStep> | null;
    if (!step || typeof step.text !== 'string' || !step.text.trim()) continue;
    const command = typeof step.command === 'string' ? step.command.replace(/\s*[\r\n]+\s*/g, ' ').trim() : '';
    steps.push(command ? { text: step.text, command } : { text: step.text });
  }
  return steps.length ? steps : undefined;
}

function validate(id: string, value: unknown): CheckResult {
  const r = value as Partial<CheckResult> | null;
  if (!r || typeof r !== 'object' || !STATUSES.includes(r.status as Status) || typeof r.summary !== 'string') {
    return { status: 'unknown', summary: `${id} returned an invalid result`, diagnosis: 'A check must return { status, summary }.' };
  }
  const out: CheckResult = { status: r.status as Status, summary: r.summary.slice(0, MAX_SUMMARY) };
  if (typeof r.headline === 'string' && r.headline.trim()) out.headline = r.headline.slice(0, MAX_SUMMARY);
  if (typeof r.diagnosis === 'string' && r.diagnosis) out.diagnosis = r.diagnosis;
  if (typeof r.remedy === 'string' && r.remedy) out.remedy = r.remedy;
  const steps = validSteps(r.steps);
  if (steps) {
    out.steps = steps;
    // Readers that know no steps (status, Nagios) still get the remedy in words.
    out.remedy ??= stepsParagraph(steps);
  }
  if (r.metrics && typeof r.metrics === 'object') {
    const metrics = Object.fromEntries(Object.entries(r.metrics).filter(([, v]) => typeof v === 'number' && Number.isFinite(v)));
    if (Object.keys(metrics).length) out.metrics = metrics;
  }
  if (r.details !== undefined) out.details = r.details;
  if (r.certain === true && out.status !== 'ok') out.certain = true;
  if (typeof r.cause === 'string' && CAUSE_WORD.test(r.cause) && out.status !== 'ok') out.cause = r.cause;
  return out;
}
