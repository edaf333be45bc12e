// The gateway's file log: where it is, and what one line says (REFERENCE.md 4, 4.1).
//
// OpenClaw writes tslog JSON lines: the level in _meta.logLevelName, the logger in _meta.name (a JSON string such
// as {"subsystem":"gateway/ws"}, or "openclaw" for console output, which is every CLI run's too), the time in
// _meta.date (UTC) or time, the flattened text in message. The guide's plain-text form (a supervisor's copy of the
// console, `~/.openclaw/logs/gateway.log`) is read as `[time] [LEVEL] [subsystem] text`, each part optional.
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import JSON5 from 'json5';
import type { GatewayTarget } from '../src/contracts.ts';
import { readRegularFile } from '../src/util/read-file.ts';
import { gatewayLogPath } from './gateway-advice.ts';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
export const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];
export const levelRank = (level: LogLevel | undefined): number => (level ? LOG_LEVELS.indexOf(level) : -1);

export interface LogLine {
  /** Epoch ms, when the line has a full date and time. */
  at?: number;
  level?: LogLevel;
  /** "gateway/ws", "gateway/health-monitor"; or a logger's module name. */
  subsystem?: string;
  /** Written by an `openclaw` CLI run (console output, logger name "openclaw"), not by the gateway itself. */
  cli: boolean;
  /** The text, one line. */
  message: string;
  /** The line's own channel field, when it has one. */
  channel?: string;
  /** Read as OpenClaw's JSON (false: plain text, or a JSON line that does not parse). */
  json: boolean;
}

const TSLOG_LEVELS: Record<string, LogLevel> = {
  SILLY: 'trace', TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', WARNING: 'warn', ERROR: 'error', ERR: 'error', FATAL: 'fatal',
};
/** tslog's numeric ids (REFERENCE.md 4.1), for a line without logLevelName. */
const TSLOG_IDS: Record<number, LogLevel> = { 0: 'trace', 1: 'trace', 2: 'debug', 3: 'info', 4: 'warn', 5: 'error', 6: 'fatal' };

/** One line of the log; format 'auto' takes a line that starts with "{" and parses as JSON, else text. */
export function parseLogLine(raw: string, format: 'auto' | 'json' | 'text' = 'auto'): LogLine {
  const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  if (format !== 'text' && line.startsWith('{')) {
    const parsed = parseJsonLine(line);
    if (parsed) return parsed;
  }
  return parseTextLine(line);
}

function parseJsonLine(line: string): LogLine | undefined {
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return undefined;
  const o = obj as Record<string, unknown>;
  const meta = (o._meta !== null && typeof o._meta === 'object' ? o._meta : {}) as Record<string, unknown>;
  const levelName = typeof meta.logLevelName === 'string' ? TSLOG_LEVELS[meta.logLevelName.toUpperCase()] : undefined;
  const level = levelName ?? (typeof meta.logLevelId === 'number' ? TSLOG_IDS[meta.logLevelId] : undefined);
  const rawTime = typeof meta.date === 'string' ? meta.date : typeof o.time === 'string' ? o.time : undefined;
  const at = rawTime ? Date.parse(rawTime) : Number.NaN;
  const name = typeof meta.name === 'string' ? meta.name : undefined;
  const subsystem = subsystemOf(name ?? (typeof o['0'] === 'string' ? o['0'] : undefined));
  let message = typeof o.message === 'string' ? o.message : '';
  if (!message) {
    // Older lines without the flattened message: the numeric keys after the logger's own.
    const parts: string[] = [];
    for (let i = 1; i < 10 && Object.hasOwn(o, String(i)); i++) {
      const v = o[String(i)];
      parts.push(typeof v === 'string' ? v : JSON.stringify(v) ?? '');
    }
    message = parts.join(' ');
  }
  return {
    ...(Number.isFinite(at) ? { at } : {}),
    ...(level ? { level } : {}),
    ...(subsystem ? { subsystem } : {}),
    cli: name === 'openclaw',
    message: message.replace(/[\r\n]+/g, ' '),
    ...(typeof o.channel === 'string' && o.channel ? { channel: o.channel } : {}),
    json: true,
  };
}

function subsystemOf(name: string | undefined): string | undefined {
  if (!name?.startsWith('{')) return undefined;
  try {
    const v = JSON.parse(name) as Record<string, unknown>;
    const s = v.subsystem ?? v.module;
    return typeof s === 'string' ? s : undefined;
  } catch {
    return undefined;
  }
}

const TEXT_TIME = /^\[?(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)\]?\s+/;
const TEXT_LEVEL = /^\[?(TRACE|DEBUG|INFO|WARN(?:ING)?|ERROR|ERR|FATAL)\]?:?\s+/i;
const TEXT_SUBSYSTEM = /^\[([A-Za-z][\w./:-]{0,80})\]\s*/;

/** `2026-11-24T05:02:40.408Z ERROR [gateway/ws] text`, every part but the text optional. */
function parseTextLine(line: string): LogLine {
  let rest = line;
  let at: number | undefined;
  const time = TEXT_TIME.exec(rest);
  if (time) {
    const t = Date.parse(time[1]!.replace(' ', 'T'));
    if (Number.isFinite(t)) at = t;
    rest = rest.slice(time[0].length);
  }
  let level: LogLevel | undefined;
  const lv = TEXT_LEVEL.exec(rest);
  if (lv) {
    level = TSLOG_LEVELS[lv[1]!.toUpperCase()];
    rest = rest.slice(lv[0].length);
  }
  let subsystem: string | undefined;
  const sub = TEXT_SUBSYSTEM.exec(rest);
  // "[discord:default] health-monitor: ..." names an account, not a subsystem: keep it in the text.
  if (sub && !sub[1]!.includes(':')) {
    subsystem = sub[1];
    rest = rest.slice(sub[0].length);
  }
  return { ...(at !== undefined ? { at } : {}), ...(level ? { level } : {}), ...(subsystem ? { subsystem } : {}), cli: false, message: rest, json: false };
}

export interface LogLocation {
  /** The file written now (or the one that would be). */
  path: string;
  /** How it was found: 'option path', 'openclaw.json logging.file', 'default'. */
  source: string;
}

const ROLLING_NAME = /^openclaw(?:-[a-z0-9-]+)?-(?:\d{4}-\d{2}-\d{2}|YYYY-MM-DD)\.log$/;

/**
 * Where the gateway logs to now: the path given, else openclaw.json's logging.file (a dated name keeps rolling
 * daily, as OpenClaw does), else /tmp/openclaw/openclaw[-<profile>]-<today>.log, or OpenClaw's fallback
 * <tmpdir>/openclaw-<uid>/ when /tmp/openclaw is not there.
 */
export function gatewayLogLocation(target: GatewayTarget, now: number, path?: string, exists: (p: string) => boolean = defaultExists): LogLocation {
  if (path) return { path: rolling(expandHome(path), now), source: 'option path' };
  const configured = loggingFile(target.openclawConfigPath);
  if (configured) return { path: rolling(expandHome(configured), now), source: `${target.openclawConfigPath} logging.file` };
  const standard = gatewayLogPath(target, now);
  const uid = process.getuid?.();
  if (!exists(dirname(standard)) && uid !== undefined) {
    const fallback = join(tmpdir(), `openclaw-${uid}`, standard.slice(dirname(standard).length + 1));
    if (exists(dirname(fallback))) return { path: fallback, source: 'default (OpenClaw\'s fallback directory)' };
  }
  return { path: standard, source: 'default' };
}

/** A dated name (OpenClaw's rolling form) moved to today's date; any other name as it is. */
function rolling(path: string, now: number): string {
  const name = path.slice(dirname(path).length + 1);
  if (!ROLLING_NAME.test(name)) return path;
  const d = new Date(now);
  const date = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  return join(dirname(path), name.replace(/(?:\d{4}-\d{2}-\d{2}|YYYY-MM-DD)\.log$/, `${date}.log`));
}

function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? join(process.env.HOME ?? '', path.slice(1)) : path;
}

function loggingFile(configPath: string): string | undefined {
  try {
    const config = JSON5.parse(readRegularFile(configPath, 1024 * 1024)) as { logging?: { file?: unknown } };
    const file = config?.logging?.file;
    return typeof file === 'string' && file.trim() ? file.trim() : undefined;
  } catch {
    // Missing or broken: the config check reports that; the default path stands.
    return undefined;
  }
}

function defaultExists(p: string): boolean {
  return existsSync(p);
}
