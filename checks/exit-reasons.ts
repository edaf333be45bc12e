// Why the gateway last stopped or restarted, from what this host keeps (REFERENCE.md 4, 5.2, 7): the gateway's
// own file log, its lifecycle audit log, the systemd journal or pm2 when they are there, and an OOM kill in the
// kernel log when it is readable. Each source is bounded (bytes read, lines kept, a deadline per command) and
// optional: a missing or unreadable one is noted, never an error. Commands run without a shell and only when
// the program is found, so a host without systemd or pm2 spawns nothing.
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Exec } from '../src/contracts.ts';
import { readTail } from '../src/platform/file-tail.ts';
import { clip, oneLine } from '../src/util/text.ts';
import { exitKindOf } from './log-signatures.ts';
import { maskToken } from './quote.ts';

export type ExitKind = 'config' | 'port' | 'uncaught' | 'fetch' | 'oom' | 'signal' | 'requested' | 'breaker' | 'memory' | 'exit';

export interface ExitReason {
  source: 'gateway log' | 'gateway-restart.log' | 'journal' | 'pm2' | 'kernel log';
  kind: ExitKind;
  /** Epoch ms of the line, when it has a time. */
  at?: number;
  /** The line, one line, clipped and with the token masked. */
  text: string;
  /** An exit status when the source gives one (78: the config is invalid). */
  exitStatus?: number;
}

export interface ExitReasonQuery {
  /** The gateway's file log of today (and of yesterday, tried when today's has nothing). */
  logPaths: string[];
  /** OpenClaw's state dir: <stateDir>/logs/gateway-restart.log records lifecycle commands. */
  stateDir: string;
  /** Lines before this (epoch ms) are older than the restart being explained. */
  since: number;
  /** Pids the gateway had: an OOM kill of one of them is its exit reason. */
  pids: number[];
  /** Bytes read from the end of each log file. */
  tailBytes: number;
  /** Whether journalctl and pm2 may be run (only when a restart was just counted). */
  runTools: boolean;
  exec: Exec;
  signal: AbortSignal;
  /** Deadline for each command. */
  commandTimeoutMs: number;
  token?: string;
  /** For tests: the PATH searched for journalctl and pm2, the kernel logs tried, pm2's home. */
  path?: string;
  kernelLogPaths?: string[];
  pm2Home?: string;
}

export interface ExitReasonReport {
  /** Most telling first; at most a few. */
  reasons: ExitReason[];
  /** Where it looked and what was not available ("journal: journalctl not found"). */
  looked: string[];
}

const MAX_REASONS = 4;
const LINE_MAX = 240;

/** Looks everywhere it may, cheapest first. Never throws. */
export async function findExitReasons(q: ExitReasonQuery): Promise<ExitReasonReport> {
  const reasons: ExitReason[] = [];
  const looked: string[] = [];
  const add = (r: ExitReason) => reasons.push({ ...r, text: clip(oneLine(maskToken(r.text, q.token)), LINE_MAX) });

  // 1. The gateway's own file log (JSON lines).
  let logFound = false;
  for (const path of q.logPaths) {
    const tail = await readTail(path, q.tailBytes);
    if (!tail.ok) {
      looked.push(`${path}: ${tail.code === 'ENOENT' ? 'not there' : tail.message}`);
      continue;
    }
    logFound = true;
    const found = gatewayLogReasons(tail.text, q.since);
    looked.push(`${path}: ${found.length} line(s) about an exit`);
    found.forEach(add);
    if (found.length > 0) break;
  }
  if (!logFound) looked.push('gateway log: none readable (clawmedic must run as the gateway\'s user: the log is 0600)');

  // 2. Lifecycle commands (`openclaw gateway restart` writes one line here).
  const restartLog = join(q.stateDir, 'logs', 'gateway-restart.log');
  const lifecycle = await readTail(restartLog, 16 * 1024);
  if (lifecycle.ok) restartLogReasons(lifecycle.text, q.since).forEach(add);

  if (q.runTools && !q.signal.aborted) {
    // 3. systemd (user unit first: that is what `openclaw gateway install` writes), then pm2.
    const journalctl = findProgram('journalctl', q.path);
    if (!journalctl) looked.push('journal: journalctl not found');
    else {
      for (const scope of [['--user'], []]) {
        const res = await q.exec(
          journalctl,
          [...scope, '-u', 'openclaw-gateway.service', '--since', `@${Math.floor(q.since / 1000)}`, '-n', '60', '--no-pager', '-q', '-o', 'short-iso'],
          { timeoutMs: q.commandTimeoutMs, signal: q.signal, maxOutputBytes: 64 * 1024 },
        );
        const found = res.code === 0 ? journalReasons(res.stdout) : [];
        looked.push(`journal${scope.length ? ' (user unit)' : ' (system unit)'}: ${res.timedOut ? 'timed out' : res.code === 0 ? `${found.length} line(s)` : `exit ${res.code}`}`);
        found.forEach(add);
        if (found.length > 0) break;
      }
    }
    const pm2Home = q.pm2Home ?? process.env.PM2_HOME ?? join(homedir(), '.pm2');
    const pm2 = findProgram('pm2', q.path);
    // `pm2 jlist` starts a pm2 daemon when none runs: ask only a daemon that is already there.
    if (pm2 && pm2DaemonRuns(pm2Home)) {
      const res = await q.exec(pm2, ['jlist'], { timeoutMs: q.commandTimeoutMs, signal: q.signal, maxOutputBytes: 1024 * 1024, env: { ...process.env, PM2_HOME: pm2Home } });
      const found = res.code === 0 ? pm2Reasons(res.stdout, q.pids) : [];
      looked.push(`pm2: ${res.timedOut ? 'timed out' : res.code === 0 ? `${found.length} entr(ies)` : `exit ${res.code}`}`);
      found.forEach(add);
    }

    // 4. An OOM kill in the kernel log, when this user may read one.
    const oom = await kernelOomReasons(q.kernelLogPaths ?? ['/var/log/kern.log', '/var/log/messages'], q.tailBytes, q.pids);
    looked.push(`kernel log: ${oom.note}`);
    oom.reasons.forEach(add);
  }

  return { reasons: rank(reasons).slice(0, MAX_REASONS), looked };
}

const KIND_RANK: Record<ExitKind, number> = { oom: 0, config: 1, port: 2, uncaught: 3, fetch: 4, breaker: 5, memory: 6, exit: 7, requested: 8, signal: 9 };

/** The most telling kinds first, then the newest; one line per kind and source. */
function rank(reasons: ExitReason[]): ExitReason[] {
  const seen = new Set<string>();
  return [...reasons]
    .sort((a, b) => KIND_RANK[a.kind] - KIND_RANK[b.kind] || (b.at ?? 0) - (a.at ?? 0))
    .filter((r) => {
      const key = `${r.kind}\0${r.source}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}

/** Lines of OpenClaw's JSON file log (REFERENCE.md 4.1) at or after `since` that say why it stopped. */
export function gatewayLogReasons(text: string, since: number): ExitReason[] {
  const out: ExitReason[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    let entry: { message?: unknown; time?: unknown; _meta?: { date?: unknown; logLevelName?: unknown } };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      continue;
    }
    if (typeof entry !== 'object' || entry === null) continue;
    const message = typeof entry.message === 'string' ? entry.message : '';
    if (!message) continue;
    const rawTime = typeof entry._meta?.date === 'string' ? entry._meta.date : typeof entry.time === 'string' ? entry.time : undefined;
    const at = rawTime ? Date.parse(rawTime) : Number.NaN;
    if (Number.isFinite(at) && at < since) continue;
    // The signature library (log-signatures.ts) says which lines tell of an exit, and of what kind.
    const hit = exitKindOf(message);
    if (!hit) continue;
    const level = typeof entry._meta?.logLevelName === 'string' ? `${entry._meta.logLevelName} ` : '';
    out.push({
      source: 'gateway log',
      kind: hit.kind,
      ...(Number.isFinite(at) ? { at } : {}),
      text: `${rawTime ?? ''} ${level}${message}`.trim(),
      ...(hit.exitStatus !== undefined ? { exitStatus: hit.exitStatus } : {}),
    });
  }
  return out;
}

/** `[2026-11-24T05:11:20.168Z] openclaw gateway lifecycle source=cli action=restart mode=rpc pid=6031 interactive=0`. */
export function restartLogReasons(text: string, since: number): ExitReason[] {
  const out: ExitReason[] = [];
  for (const line of text.split('\n')) {
    const m = /^\[([^\]]+)\]\s+(.*\baction=(\w+).*)$/.exec(line.trim());
    if (!m) continue;
    const at = Date.parse(m[1]!);
    if (!Number.isFinite(at) || at < since) continue;
    out.push({ source: 'gateway-restart.log', kind: 'requested', at, text: `${m[1]} ${m[2]}` });
  }
  return out;
}

/** systemd's words for an exit: `Main process exited, code=exited, status=78/CONFIG`, `Failed with result 'oom-kill'`. */
export function journalReasons(text: string): ExitReason[] {
  const out: ExitReason[] = [];
  for (const line of text.split('\n')) {
    const status = /Main process exited, code=(exited|killed|dumped), status=(\d+)(?:\/(\w+))?/.exec(line);
    if (status) {
      const n = Number(status[2]);
      const kind: ExitKind = status[1] === 'exited' && n === 78 ? 'config' : status[1] === 'exited' ? 'exit' : 'signal';
      out.push({ source: 'journal', kind, text: line, ...(status[1] === 'exited' ? { exitStatus: n } : {}), ...journalTime(line) });
      continue;
    }
    if (/Failed with result 'oom-kill'|oom-kill/i.test(line)) out.push({ source: 'journal', kind: 'oom', text: line, ...journalTime(line) });
    else if (/Start request repeated too quickly|restart counter is at \d+/i.test(line)) out.push({ source: 'journal', kind: 'breaker', text: line, ...journalTime(line) });
    else {
      const hit = exitKindOf(line);
      if (hit && hit.kind !== 'signal') out.push({ source: 'journal', kind: hit.kind, text: line, ...(hit.exitStatus !== undefined ? { exitStatus: hit.exitStatus } : {}), ...journalTime(line) });
    }
  }
  return out;
}

function journalTime(line: string): { at?: number } {
  const at = Date.parse(line.split(/\s+/)[0] ?? '');
  return Number.isFinite(at) ? { at } : {};
}

/** pm2 jlist: the entry for the gateway (by pid, else by an openclaw name) with its exit code and restart count. */
export function pm2Reasons(json: string, pids: number[]): ExitReason[] {
  let list: unknown;
  try {
    list = JSON.parse(json.slice(json.indexOf('[')));
  } catch {
    return [];
  }
  if (!Array.isArray(list)) return [];
  const out: ExitReason[] = [];
  for (const p of list as Array<{ name?: unknown; pid?: unknown; pm2_env?: Record<string, unknown> }>) {
    if (!p || typeof p !== 'object') continue;
    const name = typeof p.name === 'string' ? p.name : '';
    if (!(typeof p.pid === 'number' && pids.includes(p.pid)) && !/openclaw/i.test(name)) continue;
    const env = p.pm2_env ?? {};
    const exit = typeof env.exit_code === 'number' ? env.exit_code : undefined;
    const restarts = typeof env.restart_time === 'number' ? env.restart_time : undefined;
    const unstable = typeof env.unstable_restarts === 'number' ? env.unstable_restarts : undefined;
    out.push({
      source: 'pm2',
      kind: exit === 78 ? 'config' : 'exit',
      text: `pm2 app "${clip(name, 60)}": status ${String(env.status ?? '?')}, last exit code ${exit ?? '?'}, ${restarts ?? '?'} restart(s)${unstable ? `, ${unstable} unstable` : ''}`,
      ...(exit !== undefined ? { exitStatus: exit } : {}),
    });
  }
  return out;
}

/** `Out of memory: Killed process 4121 (openclaw-gateway)` / `oom-kill:...,task=openclaw-gateway,pid=4121,...`. */
export function kernelOomLines(text: string, pids: number[]): ExitReason[] {
  const out: ExitReason[] = [];
  for (const line of text.split('\n')) {
    const killed = /Killed process (\d+) \(([^)]*)\)/.exec(line) ?? /oom-kill:.*task=([^,]*),pid=(\d+)/.exec(line);
    if (!killed) continue;
    const [pid, name] = /Killed process/.test(line) ? [Number(killed[1]), killed[2]!] : [Number(killed[2]), killed[1]!];
    if (!pids.includes(pid) && !/openclaw/i.test(name)) continue;
    out.push({ source: 'kernel log', kind: 'oom', text: line.trim() });
  }
  return out;
}

async function kernelOomReasons(paths: string[], tailBytes: number, pids: number[]): Promise<{ reasons: ExitReason[]; note: string }> {
  for (const path of paths) {
    const tail = await readTail(path, tailBytes);
    if (!tail.ok) continue;
    const reasons = kernelOomLines(tail.text, pids);
    // Text kernel logs carry syslog times in the host's own format: the newest kill is the one that counts.
    return { reasons: reasons.slice(-1), note: `${path}: ${reasons.length} OOM kill(s) of the gateway` };
  }
  return { reasons: [], note: `not readable (${paths.join(', ')})` };
}

/** An executable on PATH, found without running anything. */
export function findProgram(name: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

function pm2DaemonRuns(home: string): boolean {
  const pidFile = join(home, 'pm2.pid');
  if (!existsSync(pidFile)) return false;
  try {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    if (!Number.isSafeInteger(pid) || pid <= 0) return false;
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** One line for a person: the most telling reason, with its source, and 78 spelled out. */
export function describeExitReasons(report: ExitReasonReport): string {
  if (report.reasons.length === 0) return 'no exit reason found in the gateway log, the lifecycle log, the journal, pm2 or the kernel log';
  return report.reasons
    .map((r) => `${r.source}: ${r.text}${r.exitStatus === 78 ? ' (exit status 78: the config is invalid; restarting will not help)' : ''}`)
    .join('; ');
}
