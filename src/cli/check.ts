import { hostname } from 'node:os';
import type { CheckResult, Status } from '../contracts.ts';
import type { ResolvedCheck } from '../config/load.ts';
import { STATUS_RANK } from '../evaluate/state-machine.ts';
import { makeContextFactory } from '../probe-context.ts';
import { SELF_CHECK_ID } from '../self/check.ts';
import { checkMemory, inMemoryCheckState } from '../state/series.ts';
import { StateStore } from '../state/store.ts';
import { runCheck, type RunOutcome } from '../runner.ts';
import { foldedInto } from './check-folds.ts';
import { formatDuration } from '../util/duration.ts';
import { oneLine } from '../util/text.ts';
import { loadForCommand, loggerFor, type GlobalOptions } from './context.ts';
import { CliError, EXIT } from './errors.ts';

export interface CheckCommandOptions extends GlobalOptions {
  json?: boolean;
}

const NAGIOS: Record<Status, { code: number; word: string }> = {
  ok: { code: 0, word: 'OK' },
  warn: { code: 1, word: 'WARNING' },
  crit: { code: 2, word: 'CRITICAL' },
  unknown: { code: 3, word: 'UNKNOWN' },
};

/** `clawmedic check [ids...]`: runs checks once, prints them, exits with the Nagios code of the worst. */
export async function checkCommand(ids: string[], opts: CheckCommandOptions): Promise<number> {
  const { config } = loadForCommand(opts, EXIT.unknown);
  const selected = selectChecks(config.checks, ids);
  const log = loggerFor(config, { ...opts, quiet: true });
  const contexts = makeContextFactory(config, log);

  if (!opts.json && process.stderr.isTTY) {
    const slowest = Math.max(...selected.map((rc) => rc.timeoutMs));
    process.stderr.write(`running ${selected.length} check${selected.length > 1 ? 's' : ''} (at most ${formatDuration(slowest)})...\n`);
  }
  // A Nagios plugin timeout sends SIGTERM: cancel the checks, so their openclaw CLI calls are killed too.
  const interrupted = new AbortController();
  const onSignal = () => interrupted.abort();
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  const kept = await keptState(config.statePath, selected);
  let outcomes: Array<{ rc: ResolvedCheck; outcome: RunOutcome }>;
  try {
    outcomes = await Promise.all(
      selected.map(async (rc) => ({
        rc,
        outcome: await runCheck(rc.check, contexts.forCheck(rc, kept(rc.check.id)), rc.timeoutMs, interrupted.signal, config.redactor),
      })),
    );
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
  if (interrupted.signal.aborted) throw new CliError('interrupted: checks cancelled', EXIT.unknown);
  const worst = outcomes.reduce<Status>((w, { outcome }) => (STATUS_RANK[outcome.result.status] > STATUS_RANK[w] ? outcome.result.status : w), 'ok');
  const gateway = `${config.target.host}:${config.target.port}`;
  // Which OpenClaw release this is, and a line when it is outside the supported range (README "Supported OpenClaw releases").
  const openclaw = await contexts.openclawVersions.report(interrupted.signal);
  // As the agent folds alerts: a dependent's failure is told once, in its root's lines.
  const folds = foldedInto(config.checks, new Map(outcomes.map(({ rc, outcome }) => [rc.check.id, outcome.result.status])));

  if (opts.json) {
    const body = {
      status: worst,
      exitCode: NAGIOS[worst].code,
      host: hostname(),
      gateway,
      openclaw,
      checks: outcomes.map(({ rc, outcome }) => ({
        id: rc.check.id,
        ...outcome.result,
        ...(folds.has(rc.check.id) ? { foldedInto: folds.get(rc.check.id) } : {}),
        durationMs: outcome.durationMs,
        at: new Date(outcome.at).toISOString(),
      })),
    };
    process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
  } else {
    process.stdout.write(renderNagios(worst, outcomes, gateway, folds));
    if (openclaw.note) process.stdout.write(`note: ${oneLine(openclaw.note)}\n`);
  }
  return NAGIOS[worst].code;
}

/**
 * What the agent's state file holds for each check, read-only: only when a selected check reads earlier
 * runs (a trend), so a plain `check` does not pay for parsing the file. Samples and memory a run
 * records stay in memory: a one-shot check never writes the file the agent owns.
 */
async function keptState(statePath: string, selected: ResolvedCheck[]) {
  let store: StateStore | undefined;
  if (selected.some((rc) => rc.check.usesState)) store = await StateStore.readOnly(statePath).catch(() => undefined);
  const series = inMemoryCheckState().series;
  return (id: string) =>
    store && !store.corrupt ? { history: store.history(id), series: store.series, memory: store.memoryFor(id) } : { history: [], series, memory: checkMemory({}, id) };
}

function selectChecks(all: ResolvedCheck[], ids: string[]): ResolvedCheck[] {
  if (ids.length === 0) {
    const enabled = all.filter((rc) => rc.enabled);
    if (!enabled.some((rc) => rc.check.id !== SELF_CHECK_ID)) throw new CliError('every check is disabled in the config; name one to run it anyway', EXIT.unknown);
    return enabled;
  }
  const byId = new Map(all.map((rc) => [rc.check.id, rc]));
  const unknown = ids.filter((id) => !byId.has(id));
  if (unknown.length) {
    throw new CliError(`unknown check id${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')} (known: ${[...byId.keys()].join(', ')})`, EXIT.unknown);
  }
  return [...new Set(ids)].map((id) => byId.get(id)!);
}

/** Nagios plugin output: a status line with perfdata, then one line per check with its evidence. */
function renderNagios(worst: Status, outcomes: Array<{ rc: ResolvedCheck; outcome: RunOutcome }>, gateway: string, folds: ReadonlyMap<string, string>): string {
  const failing = outcomes.filter(({ outcome }) => outcome.result.status !== 'ok');
  const headline =
    failing.length === 0
      ? `${outcomes.length} check${outcomes.length > 1 ? 's' : ''} OK on gateway ${gateway}`
      : failing.map(({ rc, outcome }) => `${rc.check.id}: ${outcome.result.summary}`).join('; ');
  const perf = outcomes.flatMap(({ rc, outcome }) => perfdata(rc.check.id, outcome.result)).join(' ');
  const lines = [`${NAGIOS[worst].word} - ${oneLine(headline)}${perf ? ` | ${perf}` : ''}`];
  for (const { rc, outcome } of outcomes) {
    const r = outcome.result;
    lines.push(`[${NAGIOS[r.status].word}] ${rc.check.id}: ${oneLine(r.summary)} (${formatDuration(outcome.durationMs)})`);
    const root = folds.get(rc.check.id);
    if (root) lines.push(`    (folded into ${root}: see its diagnosis and remedy)`);
    else if (r.status !== 'ok') {
      if (r.diagnosis) lines.push(`    diagnosis: ${oneLine(r.diagnosis)}`);
      if (r.remedy) lines.push(`    remedy: ${oneLine(r.remedy)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function perfdata(id: string, result: CheckResult): string[] {
  return Object.entries(result.metrics ?? {}).map(([name, value]) => {
    const unit = /Ms$/.test(name) ? 'ms' : /Bytes$/.test(name) ? 'B' : '';
    return `'${id}.${name}'=${Number(value.toFixed(3))}${unit};;;;`;
  });
}
