// `clawmedic bundle [--since 24h] [--output file.tar.gz]`: what a person attaches to a bug report or a support
// question, in one .tar.gz: `status --json`, `config print`, the last result and transitions of each check, the
// recovery audit (the state file's `recovery` section, as it is), the gateway's log lines of the span with the
// known failures among them counted, and the versions (clawmedic, OpenClaw, Node, OS). Every text passes the
// config's redactor (the resolved secrets and the secret shapes it knows) and a few more shapes that only logs
// carry (chat bot tokens); the file is 0600 and never written over an existing one.
import { execFile } from 'node:child_process';
import { arch, hostname, release, type } from 'node:os';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { EffectiveConfig } from '../config/load.ts';
import { execFileGroup } from '../platform/exec.ts';
import { formatHostPort, httpProbe, parseJsonBody } from '../platform/http-probe.ts';
import { readLogSince } from '../platform/log-follow.ts';
import { findOpenclawCli } from '../platform/openclaw-cli.ts';
import { OpenclawVersions, versionLabel } from '../platform/openclaw-version-cache.ts';
import { readRegularFile } from '../util/read-file.ts';
import { formatDuration, parseDuration } from '../util/duration.ts';
import { formatBytes } from '../util/size.ts';
import { writeTarGz, type TarEntry } from '../util/tar.ts';
import { packageVersion } from '../version.ts';
import { parseLogLine } from '../../checks/gateway-log.ts';
import { loadForCommand, type GlobalOptions } from './context.ts';
import { CliError, EXIT } from './errors.ts';
import { logSettings, renderLine, SignatureTally } from './logs.ts';

const execFileAsync = promisify(execFile);

export interface BundleOptions extends GlobalOptions {
  since?: string;
  output?: string;
}

/** The newest log lines kept, at most this many bytes (a day of a busy gateway can be hundreds of MB). */
const MAX_LOG_BYTES = 16 * 1024 * 1024;
const MAX_STATE_BYTES = 64 * 1024 * 1024;
const COMMAND_TIMEOUT_MS = 30_000;

/** Secret shapes a log carries that clawmedic's config never names: chat bots' own tokens. */
const LOG_SECRET_SHAPES: Array<[RegExp, string]> = [
  // Telegram: bot<id>:<35 chars>, in API URLs and errors.
  [/\b(bot)?\d{6,12}:[A-Za-z0-9_-]{30,}/g, '$1***'],
  // Discord: three base64url parts, the first the bot's id.
  [/\b[MNO][A-Za-z\d_-]{23,27}\.[A-Za-z\d_-]{6}\.[A-Za-z\d_-]{27,40}\b/g, '***'],
  // Slack app-level tokens (xapp-) beside the xox* ones the redactor knows.
  [/\bxapp-[A-Za-z0-9-]{10,}/g, 'xapp-***'],
];

export async function bundleCommand(opts: BundleOptions): Promise<number> {
  const { config } = loadForCommand(opts, EXIT.failure);
  const sinceMs = parseDuration(opts.since ?? '24h');
  if (!sinceMs) throw new CliError(`--since "${opts.since}" is not a duration (e.g. 1h, 24h, 7d)`, EXIT.failure);
  const now = Date.now();
  const stamp = new Date(now).toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  const host = hostname().replace(/[^A-Za-z0-9.-]/g, '_').slice(0, 60) || 'host';
  const output = opts.output ?? `clawmedic-bundle-${host}-${stamp}.tar.gz`;
  const dir = `clawmedic-bundle-${stamp}`;
  const redact = (text: string) => redactLogShapes(config.redactor.text(text));
  const notes: string[] = [];

  const [status, printed, versions] = await Promise.all([ownCommand(['status', '--json'], opts), ownCommand(['config', 'print'], opts), readVersions(config)]);
  const state = readState(config.statePath);
  const log = await readLog(config, now - sinceMs, redact);
  notes.push(...state.notes, ...log.notes);

  const entries: TarEntry[] = [
    { name: `${dir}/README.txt`, data: readme(config, sinceMs, now, log, notes) },
    { name: `${dir}/versions.json`, data: json(versions) },
    { name: `${dir}/status.json`, data: status.stdout || json({ error: status.stderr.trim(), exitCode: status.code }) },
    { name: `${dir}/config.json`, data: printed.stdout || json({ error: printed.stderr.trim(), exitCode: printed.code }) },
    { name: `${dir}/checks.json`, data: json(state.checks ?? { error: state.notes.join('; ') }) },
    ...(state.recovery !== undefined ? [{ name: `${dir}/recovery.json`, data: json(state.recovery) }] : []),
    { name: `${dir}/gateway-log.jsonl`, data: log.lines.join('\n') + (log.lines.length ? '\n' : '') },
    { name: `${dir}/log-signatures.json`, data: json({ since: new Date(now - sinceMs).toISOString(), files: log.files, signatures: log.signatures }) },
  ].map((e) => ({ ...e, data: redact(String(e.data)) }));

  let bytes: number;
  try {
    bytes = await writeTarGz(output, entries);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError(`cannot write ${output}: ${code === 'EEXIST' ? 'it exists already (give a new file name with --output)' : (err as Error).message}`, EXIT.failure);
  }
  process.stdout.write(
    `wrote ${output} (${formatBytes(bytes)}): status, config, ${state.checks ? Object.keys(state.checks).length : 0} check(s), ` +
      `${state.recovery !== undefined ? 'the recovery audit, ' : ''}${log.lines.length} log line(s) of the last ${formatDuration(sinceMs)}, versions; secrets redacted\n`,
  );
  return EXIT.ok;
}

export function redactLogShapes(text: string): string {
  let out = text;
  for (const [re, replacement] of LOG_SECRET_SHAPES) out = out.replace(re, replacement);
  return out;
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** This clawmedic's own command (`status --json`, `config print`) as it prints it, run as a child with a deadline. */
async function ownCommand(args: string[], opts: GlobalOptions): Promise<{ code: number; stdout: string; stderr: string }> {
  const entry = fileURLToPath(import.meta.url).replace(/bundle\.(ts|js)$/, 'main.$1');
  const global = opts.config ? ['--config', opts.config] : [];
  try {
    const r = await execFileAsync(process.execPath, [...process.execArgv, entry, ...global, ...args], { timeout: COMMAND_TIMEOUT_MS, maxBuffer: 32 * 1024 * 1024, env: process.env });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string; message: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr || e.message };
  }
}

async function readVersions(config: EffectiveConfig): Promise<Record<string, unknown>> {
  const signal = AbortSignal.timeout(15_000);
  const cli = findOpenclawCli({ ...(config.openclawBin ? { configuredPath: config.openclawBin } : {}), exec: execFileGroup });
  const versions = new OpenclawVersions({ cli: () => cli });
  const [startupz, cliVersion] = await Promise.all([
    httpProbe({ host: config.target.host, port: config.target.port, path: '/startupz', timeoutMs: 2_000, signal, maxBodyBytes: 16 * 1024 }),
    versions.cliVersion(signal).catch(() => undefined),
  ]);
  const body = startupz.ok ? (parseJsonBody(startupz.body) as { version?: unknown } | undefined) : undefined;
  return {
    clawmedic: packageVersion(),
    node: process.version,
    os: `${type()} ${release()} ${arch()}`,
    openclaw: {
      gateway: typeof body?.version === 'string' ? body.version : startupz.ok ? 'answered without a version' : `not answering on ${formatHostPort(config.target.host, config.target.port)}: ${startupz.message}`,
      cli: cliVersion ? versionLabel(cliVersion) : 'unknown',
      cliPath: cli.path,
    },
    gateway: formatHostPort(config.target.host, config.target.port),
  };
}

interface StateExtract {
  checks?: Record<string, unknown>;
  recovery?: unknown;
  notes: string[];
}

/** Each check's machine, last result and transitions, and the `recovery` section as it is, from the state file. */
function readState(path: string): StateExtract {
  let data: { checks?: Record<string, { machine?: unknown; last?: unknown; transitions?: unknown[] }>; sections?: Record<string, unknown> };
  try {
    data = JSON.parse(readRegularFile(path, MAX_STATE_BYTES)) as typeof data;
  } catch (err) {
    return { notes: [`state file ${path}: ${(err as Error).message}`] };
  }
  const checks: Record<string, unknown> = {};
  for (const [id, rec] of Object.entries(data?.checks ?? {})) {
    checks[id] = { machine: rec?.machine, last: rec?.last, transitions: Array.isArray(rec?.transitions) ? rec.transitions.slice(-50) : [] };
  }
  const sections = data?.sections ?? {};
  return { checks, ...(Object.hasOwn(sections, 'recovery') ? { recovery: sections.recovery } : {}), notes: [] };
}

interface LogExtract {
  lines: string[];
  files: string[];
  signatures: ReturnType<SignatureTally['list']>;
  notes: string[];
}

/** The raw lines of the span (the newest MAX_LOG_BYTES of them), each redacted, and the signatures among them. */
async function readLog(config: EffectiveConfig, since: number, redact: (t: string) => string): Promise<LogExtract> {
  const settings = logSettings(config);
  const tally = new SignatureTally();
  const lines: string[] = [];
  let bytes = 0;
  let dropped = 0;
  const result = await readLogSince(settings.path, since, { maxBytes: Number.MAX_SAFE_INTEGER, maxLineBytes: 256 * 1024, firstReadBytes: 0 }, (raw) => {
    if (raw.trim() === '') return;
    const line = parseLogLine(raw, settings.format);
    if (line.at !== undefined && line.at < since) return;
    tally.add(line, redact(renderLine(line)));
    const kept = redact(raw);
    lines.push(kept);
    bytes += kept.length + 1;
    while (bytes > MAX_LOG_BYTES && lines.length > 1) {
      bytes -= lines.shift()!.length + 1;
      dropped++;
    }
  });
  const notes = result.ok ? [] : [`gateway log not read: ${result.message}`];
  if (dropped > 0) notes.push(`the ${dropped} oldest log line(s) of the span were left out (the log part is capped at ${formatBytes(MAX_LOG_BYTES)})`);
  return { lines, files: result.ok ? result.files.map((f) => basename(f)) : [], signatures: tally.list(), notes };
}

function readme(config: EffectiveConfig, sinceMs: number, now: number, log: LogExtract, notes: string[]): string {
  return [
    `clawmedic support bundle, made ${new Date(now).toISOString()} for the gateway at ${formatHostPort(config.target.host, config.target.port)}.`,
    '',
    'versions.json        clawmedic, OpenClaw (the gateway\'s and the CLI\'s), Node and the OS',
    'status.json          `clawmedic status --json`: each check\'s state, open incidents, the outbox',
    'config.json          `clawmedic config print`: the effective config, secrets redacted',
    'checks.json          each check\'s state machine, last result and last transitions (from the state file)',
    'recovery.json        the recovery audit (the state file\'s `recovery` section), when there is one',
    `gateway-log.jsonl    the gateway log's lines of the last ${formatDuration(sinceMs)} (${log.lines.length} lines, from ${log.files.join(', ') || 'no file'})`,
    'log-signatures.json  the known failures among them (checks/log-signatures.ts), with counts',
    '',
    'Secrets are redacted: the gateway token, notifier URLs and passwords, and secret shapes (API keys, bearer',
    'tokens, chat bot tokens) are replaced by ***. Look the files over before you share them all the same.',
    ...(notes.length ? ['', 'Notes:', ...notes.map((n) => `- ${n}`)] : []),
    '',
  ].join('\n');
}
