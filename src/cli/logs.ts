// `clawmedic logs [--since 1h] [--level error] [--follow] [--json] [--output file]`: what the guide's
// `openclaw logs --level --since --output` promised (REFERENCE.md 5.1: those options do not exist), over the real
// files: the gateway's log lines since a time, at or above a level, across daily files and size rotation, then
// the known failures (log-signatures.ts) among them, with counts. Secrets are redacted; control characters
// (terminal escapes a hostile line may carry) are stripped.
import { open, type FileHandle } from 'node:fs/promises';
import { constants } from 'node:fs';
import type { EffectiveConfig } from '../config/load.ts';
import { followLog, readLogSince, type LogCursor } from '../platform/log-follow.ts';
import { formatDuration, parseDuration } from '../util/duration.ts';
import { stripControl } from '../util/text.ts';
import { gatewayLogLocation, LOG_LEVELS, levelRank, parseLogLine, type LogLevel, type LogLine } from '../../checks/gateway-log.ts';
import { matchSignature, type LogSignature } from '../../checks/log-signatures.ts';
import { loadForCommand, type GlobalOptions } from './context.ts';
import { CliError, EXIT } from './errors.ts';

export interface LogsOptions extends GlobalOptions {
  since?: string;
  level?: string;
  follow?: boolean;
  json?: boolean;
  output?: string;
}

/** Per-read limits: a line is cut at 256 KiB; a --follow poll reads at most 16 MiB. */
const MAX_LINE_BYTES = 256 * 1024;
const READ_ALL = Number.MAX_SAFE_INTEGER;
const FOLLOW_POLL_MS = 1_000;

export interface SignatureCount {
  id: string;
  title: string;
  severity: string;
  count: number;
  channels: string[];
  last: string;
}

/** Signature hits counted as lines go by. */
export class SignatureTally {
  private readonly counts = new Map<string, SignatureCount>();

  add(line: LogLine, text: string): LogSignature | undefined {
    const hit = matchSignature(line);
    if (!hit) return undefined;
    const s = hit.signature;
    const c = this.counts.get(s.id) ?? { id: s.id, title: s.title, severity: s.severity, count: 0, channels: [], last: '' };
    c.count++;
    if (hit.channel && !c.channels.includes(hit.channel) && c.channels.length < 20) c.channels.push(hit.channel);
    c.last = text.slice(0, 300);
    this.counts.set(s.id, c);
    return s;
  }

  list(): SignatureCount[] {
    const rank = { crit: 0, warn: 1, info: 2 } as Record<string, number>;
    return [...this.counts.values()].sort((a, b) => (rank[a.severity] ?? 3) - (rank[b.severity] ?? 3) || b.count - a.count);
  }
}

/** The log lines options of the logs check apply to (path, format), from the config. */
export function logSettings(config: EffectiveConfig): { path: string; source: string; format: 'auto' | 'json' | 'text' } {
  const options = config.checks.find((rc) => rc.check.id === 'logs')?.options ?? {};
  const configured = typeof options.path === 'string' ? options.path : undefined;
  const location = gatewayLogLocation(config.target, Date.now(), configured);
  const format = options.format === 'json' || options.format === 'text' ? options.format : 'auto';
  return { ...location, format };
}

/** One line for a person: "2026-11-29T20:18:48.082Z WARN [gateway/ws] text". */
export function renderLine(line: LogLine): string {
  const time = line.at !== undefined ? new Date(line.at).toISOString() : '-';
  return `${time} ${(line.level ?? '-').toUpperCase().padEnd(5)} ${line.subsystem ? `[${line.subsystem}] ` : line.cli ? '[console] ' : ''}${line.message}`;
}

export async function logsCommand(opts: LogsOptions): Promise<number> {
  const { config } = loadForCommand(opts, EXIT.failure);
  const sinceMs = parseDuration(opts.since ?? '1h');
  if (!sinceMs) throw new CliError(`--since "${opts.since}" is not a duration (e.g. 30m, 1h, 24h)`, EXIT.failure);
  const level = (opts.level ?? 'trace').toLowerCase() === 'warning' ? 'warn' : ((opts.level ?? 'trace').toLowerCase() as LogLevel);
  if (!LOG_LEVELS.includes(level)) throw new CliError(`--level "${opts.level}" is not one of ${LOG_LEVELS.join(', ')}`, EXIT.failure);
  const settings = logSettings(config);
  const redact = (text: string) => config.redactor.text(text);
  const since = Date.now() - sinceMs;

  let out: FileHandle | undefined;
  if (opts.output) {
    try {
      // 0600 and never through a symlink or over an existing file: logs hold what the gateway saw.
      out = await open(opts.output, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new CliError(`cannot write ${opts.output}: ${code === 'EEXIST' ? 'it exists already (give a new file name)' : (err as Error).message}`, EXIT.failure);
    }
  }
  const write = async (text: string) => {
    if (out) await out.write(text);
    else if (!process.stdout.write(text)) await new Promise((r) => process.stdout.once('drain', r));
  };

  const tally = new SignatureTally();
  let shown = 0;
  let total = 0;
  let pending: string[] = [];
  const onLine = (raw: string) => {
    if (raw.trim() === '') return;
    const line = parseLogLine(raw, settings.format);
    if (line.at !== undefined && line.at < since) return;
    total++;
    const text = redact(stripControl(line.message).replace(/\n/g, ' '));
    const clean: LogLine = { ...line, message: text };
    const signature = tally.add(line, renderLine(clean));
    if (levelRank(line.level) < levelRank(level) && !(level === 'trace' && line.level === undefined)) return;
    shown++;
    pending.push(
      opts.json
        ? JSON.stringify({ type: 'log', time: line.at !== undefined ? new Date(line.at).toISOString() : null, level: line.level ?? null, subsystem: line.subsystem ?? null, cli: line.cli, message: text, ...(signature ? { signature: signature.id } : {}) })
        : renderLine(clean),
    );
  };
  const flush = async () => {
    if (pending.length === 0) return;
    const chunk = `${pending.join('\n')}\n`;
    pending = [];
    await write(chunk);
  };
  // The reader hands lines over synchronously; batches are written in order while it reads on.
  let flushChain: Promise<void> = Promise.resolve();
  const flushSoon = () => {
    flushChain = flushChain.then(flush);
  };

  try {
    const result = await readLogSince(settings.path, since, { maxBytes: READ_ALL, maxLineBytes: MAX_LINE_BYTES, firstReadBytes: 0 }, (raw) => {
      onLine(raw);
      if (pending.length >= 1000) flushSoon();
    });
    await flushChain;
    await flush();
    if (!result.ok) throw new CliError(`${result.message} (the gateway log, from ${settings.source})`, EXIT.failure);
    const summary = { files: result.files, since: new Date(since).toISOString(), level, lines: total, shown, signatures: tally.list() };
    if (opts.json) await write(`${JSON.stringify({ type: 'summary', ...summary })}\n`);
    else if (!opts.follow || out) await write(renderSummary(summary, sinceMs, settings.path));
    if (opts.follow) await follow(result.cursor, settings.path, onLine, flush);
  } finally {
    await out?.close();
  }
  if (out) process.stderr.write(`wrote ${shown} line(s) to ${opts.output}\n`);
  return EXIT.ok;
}

function renderSummary(s: { files: string[]; lines: number; shown: number; level: string; signatures: SignatureCount[] }, sinceMs: number, path: string): string {
  const out = [
    '',
    `-- ${s.shown} of ${s.lines} line(s) in the last ${formatDuration(sinceMs)}${s.level !== 'trace' ? ` at ${s.level} or above` : ''}, from ${s.files.length ? s.files.join(', ') : `${path} (no file yet)`}`,
  ];
  if (s.signatures.length === 0) out.push('-- no known failure among them');
  else {
    out.push('-- known failures (checks/log-signatures.ts), over every line of the span:');
    for (const c of s.signatures) out.push(`   ${c.severity.toUpperCase().padEnd(4)} ${String(c.count).padStart(5)}x  ${c.title}${c.channels.length ? ` (${c.channels.join(', ')})` : ''}`);
  }
  return `${out.join('\n')}\n`;
}

/** Keeps reading what is appended (across rotation) until SIGINT or SIGTERM. */
async function follow(cursor: LogCursor | undefined, path: string, onLine: (raw: string) => void, flush: () => Promise<void>): Promise<void> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    let at = cursor;
    while (!stop.signal.aborted) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, FOLLOW_POLL_MS);
        stop.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        }, { once: true });
      });
      if (stop.signal.aborted) break;
      const r = await followLog(path, at, { maxBytes: 16 * 1024 * 1024, maxLineBytes: MAX_LINE_BYTES, firstReadBytes: 0, signal: stop.signal }, (raw) => onLine(raw));
      if (r.ok && r.cursor) at = r.cursor;
      else if (!r.ok) process.stderr.write(`clawmedic: ${r.message}\n`);
      await flush();
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

