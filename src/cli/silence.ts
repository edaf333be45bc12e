import { userInfo } from 'node:os';
import { SilenceFile, type Silence } from '../alerts/silences.ts';
import { MAX_DURATION_MS } from '../config/schema.ts';
import { parseDuration } from '../util/duration.ts';
import { loadForCommand, type GlobalOptions } from './context.ts';
import { CliError, EXIT } from './errors.ts';

export interface SilenceAddOptions extends GlobalOptions {
  for?: string;
  until?: string;
  reason?: string;
  json?: boolean;
}

function fileFor(opts: GlobalOptions): { file: SilenceFile; known: string[] } {
  const { config } = loadForCommand(opts);
  return { file: new SilenceFile(config.silencesPath), known: config.checks.map((rc) => rc.check.id) };
}

/** `clawmedic silence [checks...] --for 2h`: alerts about these checks (or all) are held back until then. */
export async function silenceAddCommand(checks: string[], opts: SilenceAddOptions): Promise<number> {
  const { file, known } = fileFor(opts);
  const unknown = checks.filter((c) => !known.includes(c));
  if (unknown.length) throw new CliError(`unknown check id${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')} (known: ${known.join(', ')})`, EXIT.failure);
  if (!opts.for && !opts.until) throw new CliError('say how long: --for 2h (or --until 2026-12-01T08:00:00Z)', EXIT.failure);
  let until: number;
  if (opts.for) {
    const ms = parseDuration(opts.for);
    if (!ms) throw new CliError(`--for "${opts.for}" is not a duration (e.g. 30m, 2h, 1d)`, EXIT.failure);
    if (ms > MAX_DURATION_MS) throw new CliError(`--for "${opts.for}" is longer than a year; disable the check in the config instead`, EXIT.failure);
    until = Date.now() + ms;
  } else {
    until = Date.parse(opts.until!);
    if (!Number.isFinite(until)) throw new CliError(`--until "${opts.until}" is not a date and time (ISO 8601, e.g. 2026-12-01T08:00:00Z)`, EXIT.failure);
    if (until - Date.now() > MAX_DURATION_MS) throw new CliError(`--until "${opts.until}" is more than a year away; disable the check in the config instead`, EXIT.failure);
  }
  const silence = await fileOp(() => file.add({ checks, until, ...(opts.reason ? { reason: opts.reason } : {}), createdBy: userInfo().username }));
  if (opts.json) process.stdout.write(`${JSON.stringify(silence, null, 2)}\n`);
  else process.stdout.write(`silenced ${describe(silence)} (id ${silence.id}); checks keep running, alerts resume after it ends\n`);
  return EXIT.ok;
}

export async function silenceListCommand(opts: GlobalOptions & { json?: boolean }): Promise<number> {
  const { file } = fileFor(opts);
  const silences = await fileOp(() => file.list());
  if (opts.json) process.stdout.write(`${JSON.stringify(silences, null, 2)}\n`);
  else if (silences.length === 0) process.stdout.write('no active silences\n');
  else for (const s of silences) process.stdout.write(`${s.id}  ${describe(s)}${s.createdBy ? ` by ${s.createdBy}` : ''}\n`);
  return EXIT.ok;
}

/** `clawmedic silence clear [checks...] [--id ID]`: ends silences early (all of them when nothing is named). */
export async function silenceClearCommand(checks: string[], opts: GlobalOptions & { id?: string; json?: boolean }): Promise<number> {
  const { file } = fileFor(opts);
  const removed = await fileOp(() => file.clear({ ...(opts.id ? { id: opts.id } : {}), checks }));
  if (opts.json) process.stdout.write(`${JSON.stringify(removed, null, 2)}\n`);
  else process.stdout.write(removed.length ? removed.map((s) => `cleared ${s.id}  ${describe(s)}\n`).join('') : 'no matching silence\n');
  // An id that matches nothing is a typo (or a silence already over): a script must not take it for done.
  if (opts.id && removed.length === 0) {
    process.stderr.write(`clawmedic: no active silence with id ${opts.id} (see \`clawmedic silence list\`)\n`);
    return EXIT.failure;
  }
  return EXIT.ok;
}

/** The silences file's own errors (damaged, unwritable) are the answer, not a crash: one line, exit 1. */
async function fileOp<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    throw new CliError(err instanceof Error ? err.message : String(err), EXIT.failure);
  }
}

function describe(s: Silence): string {
  return `${s.checks.length ? s.checks.join(', ') : 'all checks'} until ${s.until}${s.reason ? ` (${s.reason})` : ''}`;
}
