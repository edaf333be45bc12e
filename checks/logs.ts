// logs: the gateway's own words (issue 13, part 1). Each run reads what the gateway appended to its file log since
// the last run (log-scan.ts: an inode + offset cursor in the check's memory, across daily files and size
// rotation), records the gateway's ERROR and FATAL lines per run into `gateway.log.errors` and `gateway.log.fatal`
// (console lines, which every CLI run writes too, are left out), and matches each line against the signature
// library (log-signatures.ts). A signature counts once it has minCount hits within its window; the worst counting
// one sets the status, with its diagnosis and remedy.
import * as z from 'zod';
import type { Check, CheckContext, CheckResult, Status } from '../src/contracts.ts';
import { formatDuration } from '../src/util/duration.ts';
import { formatBytes } from '../src/util/size.ts';
import { fillTemplate, LOG_SIGNATURES, type LogSignature } from './log-signatures.ts';
import { hitsInWindow, logReadOptions, scanGatewayLog, type WindowHit } from './log-scan.ts';
import { parseCheckOptions } from './options.ts';

export const LOG_SERIES = { errors: 'gateway.log.errors', fatal: 'gateway.log.fatal' } as const;

export const logsOptionsSchema = z.strictObject({
  ...logReadOptions,
  /** WARN at this many gateway ERROR lines within the window (0: never). */
  errorsWarn: z.number().int().nonnegative().max(1_000_000).default(20),
  /** CRIT at this many FATAL lines within the window (0: never). */
  fatalCrit: z.number().int().nonnegative().max(1_000_000).default(1),
});
export type LogsOptions = z.output<typeof logsOptionsSchema>;

export const logsCheck: Check = {
  id: 'logs',
  title: 'Gateway log: errors and known failures',
  defaults: { schedule: '1m', timeoutMs: 20_000, options: { window: '30m', errorsWarn: 20, fatalCrit: 1 } },
  optionsSchema: logsOptionsSchema as unknown as z.ZodType<Record<string, unknown>>,
  // A gateway that crashes is gateway.port's alert; its last words in the log are folded into it.
  dependsOn: ['gateway.port'],
  usesState: true,
  run: runLogs,
};

const RANK: Record<Status, number> = { ok: 0, unknown: 1, warn: 2, crit: 3 };

async function runLogs(ctx: CheckContext): Promise<CheckResult> {
  const parsed = parseCheckOptions(logsOptionsSchema, ctx.options);
  if ('result' in parsed) return parsed.result;
  const { options } = parsed;
  const now = ctx.now();
  const stored = ctx.memory.get<{ cursor?: unknown }>();
  const firstLook = stored?.cursor === undefined;
  const scan = await scanGatewayLog(ctx, options, stored);
  const keep = () => {
    try {
      ctx.memory.set(scan.memory);
    } catch (err) {
      ctx.log.warn({ err: (err as Error).message }, 'logs: could not keep the log cursor');
    }
  };
  keep();
  if (!scan.ok) {
    const missing = scan.code === 'ENOENT';
    return {
      status: 'unknown',
      summary: missing ? `no gateway log: ${scan.message}` : scan.message,
      diagnosis: `The gateway log is expected at ${scan.location.path} (${scan.location.source}). ${scan.message}.`,
      remedy: missing
        ? 'If the gateway logs elsewhere, set checks.logs.options.path (or logging.file in openclaw.json); if it never ran on this host, there is nothing to read yet.'
        : "OpenClaw's log directory is 0700 and its files 0600: run clawmedic as the gateway's user (the service does), or point checks.logs.options.path at a copy it may read.",
      details: { path: scan.location.path, source: scan.location.source },
    };
  }

  ctx.series.record(LOG_SERIES.errors, scan.counts.errors, now);
  ctx.series.record(LOG_SERIES.fatal, scan.counts.fatal, now);
  const errors = sumInWindow(ctx, LOG_SERIES.errors, options.window, now);
  const fatal = sumInWindow(ctx, LOG_SERIES.fatal, options.window, now);
  const hits = hitsInWindow(scan.memory, LOG_SIGNATURES, now, options.window).sort((a, b) => severityRank(b.signature) - severityRank(a.signature) || b.count - a.count);
  const counting = hits.filter((h) => h.counts && h.signature.severity !== 'info');

  let status: Status = 'ok';
  for (const h of counting) if (RANK[h.signature.severity as Status] > RANK[status]) status = h.signature.severity as Status;
  if (options.fatalCrit > 0 && fatal >= options.fatalCrit) status = 'crit';
  else if (options.errorsWarn > 0 && errors >= options.errorsWarn && RANK[status] < RANK.warn) status = 'warn';

  const win = formatDuration(options.window);
  const metrics = { errors, fatal, bytesRead: scan.bytesRead, lines: scan.counts.lines, behindBytes: scan.behindBytes };
  const where = scan.files.length > 0 ? scan.files.join(', ') : scan.location.path;
  const read =
    firstLook && scan.bytesRead === 0 ? `first look: ${where} is read from its end on (firstReadBytes looks further back)` : `read ${formatBytes(scan.bytesRead)} (${scan.counts.lines} lines) of ${where}`;
  const notes = [
    ...scan.notes,
    ...(scan.behindBytes > 0 ? [`${formatBytes(scan.behindBytes)} left to read next run (maxBytesPerRun)`] : []),
    ...(scan.counts.unparsed > 0 ? [`${scan.counts.unparsed} line(s) were not OpenClaw's JSON`] : []),
    ...(scan.counts.truncated > 0 ? [`${scan.counts.truncated} line(s) longer than maxLineBytes were cut`] : []),
  ];
  const details = {
    path: scan.location.path,
    source: scan.location.source,
    files: scan.files,
    counts: scan.counts,
    hits: hits.map((h) => ({ id: h.signature.id, severity: h.signature.severity, count: h.count, minCount: h.signature.minCount ?? 1, channel: h.record.ch, account: h.record.acct, last: h.record.last })),
    ...(scan.errorSamples.length ? { errorSamples: scan.errorSamples } : {}),
    notes,
  };
  const listed = hits.filter((h) => h.signature.severity !== 'info');
  const errorsText = `${errors} error(s), ${fatal} fatal in ${win}`;
  if (status === 'ok') {
    const seen = listed.length > 0 ? `; below their thresholds: ${listed.map(describeHit).join(', ')}` : '; no known failure';
    return { status, summary: `${errorsText}${seen} (${read})${notes.length ? `; ${notes.join('; ')}` : ''}`, metrics, details };
  }
  const named = counting.map(describeHit);
  if (options.fatalCrit > 0 && fatal >= options.fatalCrit) named.push(`${fatal} FATAL line(s)`);
  else if (options.errorsWarn > 0 && errors >= options.errorsWarn) named.push(`${errors} ERROR lines (limit ${options.errorsWarn})`);
  return {
    status,
    summary: `gateway log, last ${win}: ${named.join('; ')}`,
    diagnosis: diagnosis(counting, scan.errorSamples, errorsText),
    remedy: remedy(counting, scan.location.path),
    metrics,
    details,
  };
}

function severityRank(s: LogSignature): number {
  return s.severity === 'crit' ? 2 : s.severity === 'warn' ? 1 : 0;
}

/** "health monitor restarting a channel (4 in 1h, discord)". */
export function describeHit(h: WindowHit): string {
  const span = h.signature.windowMs ? ` in ${formatDuration(h.signature.windowMs)}` : '';
  return `${h.signature.title} (${h.count}${span}${h.record.ch ? `, ${h.record.ch}` : ''})`;
}

function diagnosis(hits: WindowHit[], samples: string[], errorsText: string): string {
  const parts = hits.map((h) => fillTemplate(h.signature.diagnosis, { ...(h.record.ch ? { channel: h.record.ch } : {}), ...(h.record.acct ? { account: h.record.acct } : {}) }, `"${h.record.last}"`));
  parts.push(`Gateway lines: ${errorsText}${samples.length ? `; last: ${samples.map((s) => `"${s}"`).join(' ')}` : ''}.`);
  return parts.join(' ');
}

function remedy(hits: WindowHit[], path: string): string {
  const out = [...new Set(hits.map((h) => fillTemplate(h.signature.remedy, { ...(h.record.ch ? { channel: h.record.ch } : {}), ...(h.record.acct ? { account: h.record.acct } : {}) })))];
  out.push(`\`clawmedic logs --since 1h --level warn\` shows the lines (from ${path}).`);
  return out.join(' ');
}

/** The sum of a per-run count series over the window ending now. */
function sumInWindow(ctx: CheckContext, name: string, windowMs: number, now: number): number {
  return Math.round(ctx.series.buckets(name, now - windowMs + 1).reduce((sum, b) => sum + b.n * b.avg, 0));
}
