import type { SeriesBucket } from '../contracts.ts';
import { StateFileError, StateStore } from '../state/store.ts';
import { formatDuration, parseDuration } from '../util/duration.ts';
import { loadForCommand, type GlobalOptions } from './context.ts';
import { CliError, EXIT } from './errors.ts';

export interface TrendOptions extends GlobalOptions {
  since?: string;
  buckets?: string;
  json?: boolean;
}

const BARS = '▁▂▃▄▅▆▇█';

/**
 * `clawmedic trend <series> [--since 6h]`: a series from the state file as a sparkline and a table of
 * min/avg/max per bucket; without a name, the series there are. Read-only, like `status`.
 */
export async function trendCommand(name: string | undefined, opts: TrendOptions): Promise<number> {
  const { config } = loadForCommand(opts);
  const sinceMs = parseDuration(opts.since ?? '6h');
  if (!sinceMs) throw new CliError(`--since "${opts.since}" is not a duration (e.g. 30m, 6h, 7d)`, EXIT.failure);
  const count = Number(opts.buckets ?? 24);
  if (!Number.isInteger(count) || count < 1 || count > 500) throw new CliError(`--buckets "${opts.buckets}" must be a whole number from 1 to 500`, EXIT.failure);
  let store: StateStore;
  try {
    store = await StateStore.readOnly(config.statePath);
  } catch (err) {
    if (err instanceof StateFileError) throw new CliError(err.message, EXIT.failure);
    throw err;
  }
  if (store.corrupt) throw new CliError(`state file ${store.path} is unusable: ${store.corrupt.reason}`, EXIT.failure);
  const names = store.series.names().sort();
  if (name === undefined) {
    if (opts.json) process.stdout.write(`${JSON.stringify({ stateFile: store.path, series: names }, null, 2)}\n`);
    else process.stdout.write(names.length ? `${names.join('\n')}\n` : `no series in ${store.path} yet (the agent records them as trend checks run)\n`);
    return EXIT.ok;
  }
  if (!names.includes(name)) {
    throw new CliError(`no series "${name}" in ${store.path}${names.length ? ` (there are: ${names.join(', ')})` : ' (none recorded yet)'}`, EXIT.failure);
  }
  const now = Date.now();
  const since = now - sinceMs;
  // Buckets of at least a minute, so the table stays readable whatever the span.
  const stepMs = Math.max(60_000, Math.ceil(sinceMs / count / 60_000) * 60_000);
  const buckets = store.series.buckets(name, since, stepMs);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ series: name, since: new Date(since).toISOString(), stepMs, buckets: buckets.map((b) => ({ ...b, at: new Date(b.at).toISOString() })) }, null, 2)}\n`);
    return EXIT.ok;
  }
  const last = store.series.points(name, since).at(-1)?.value;
  process.stdout.write(render(name, buckets, sinceMs, stepMs, last));
  return EXIT.ok;
}

function render(name: string, buckets: SeriesBucket[], sinceMs: number, stepMs: number, last: number | undefined): string {
  if (buckets.length === 0) return `${name}: no samples in the last ${formatDuration(sinceMs)}\n`;
  const lo = Math.min(...buckets.map((b) => b.min));
  const hi = Math.max(...buckets.map((b) => b.max));
  const unit = unitOf(name);
  const out = [
    `${name}, last ${formatDuration(sinceMs)} in ${formatDuration(stepMs)} buckets: ${sparkline(buckets.map((b) => b.avg), lo, hi)}`,
    `min ${unit(lo)}  max ${unit(hi)}  last ${unit(last ?? buckets.at(-1)!.avg)}`,
    '',
    `${'bucket (UTC)'.padEnd(17)}  ${'min'.padStart(11)}  ${'avg'.padStart(11)}  ${'max'.padStart(11)}  samples`,
  ];
  for (const b of buckets) {
    out.push(`${new Date(b.at).toISOString().slice(0, 16).replace('T', ' ')}  ${unit(b.min).padStart(11)}  ${unit(b.avg).padStart(11)}  ${unit(b.max).padStart(11)}  ${b.n}`);
  }
  return `${out.join('\n')}\n`;
}

export function sparkline(values: number[], lo = Math.min(...values), hi = Math.max(...values)): string {
  const span = hi - lo;
  return values.map((v) => BARS[span > 0 ? Math.min(BARS.length - 1, Math.floor(((v - lo) / span) * BARS.length)) : 0]).join('');
}

/** Bytes read as MiB/GiB, milliseconds as ms; anything else as a plain number. */
function unitOf(name: string): (v: number) => string {
  if (/bytes$/.test(name)) return (v) => (Math.abs(v) >= 1024 ** 3 ? `${(v / 1024 ** 3).toFixed(2)} GiB` : `${(v / 1024 ** 2).toFixed(1)} MiB`);
  if (/_ms$|Ms$/.test(name)) return (v) => `${v.toFixed(1)} ms`;
  return (v) => String(Number(v.toFixed(3)));
}
