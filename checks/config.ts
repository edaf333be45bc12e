import * as z from 'zod';
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import JSON5 from 'json5';
import type { Check, CheckContext, CheckResult } from '../src/contracts.ts';
import { cliSkipWords } from '../src/platform/cli-gate.ts';
import { cliCallBudgetMs, cliNotFound } from '../src/platform/openclaw-cli.ts';
import { CAPABILITIES, configValidateCommand, lacksText, rejectedCommand, rejectedOption } from '../src/platform/openclaw-capabilities.ts';
import { versionDetails, versionsFor, type VersionReading } from '../src/platform/openclaw-version-cache.ts';
import { formatDuration } from '../src/util/duration.ts';
import { findJsonObject } from '../src/util/json-in-text.ts';
import { recoveryPaths } from '../src/recovery/files.ts';
import { redactPatterns } from '../src/util/redact.ts';
import { clip, collapseWhitespace } from '../src/util/text.ts';
import { json5SyntaxError } from '../src/util/json5-position.ts';
import { maskExecOutput, quoteFirstLine } from './quote.ts';

const MAX_LISTED = 10;
const MAX_LINE_CHARS = 300;

const EXIT_78 =
  'A gateway (re)started with this file exits 78 and stays down (systemd does not retry 78); a running gateway ' +
  'keeps its previous config and logs "config reload skipped (invalid config)".';

interface Issue {
  path: string;
  message: string;
}

/** What `openclaw config validate --json` established, or why it could not. */
type Validation =
  | { ran: true; valid: boolean; issues: Issue[]; warnings: Issue[]; ms: number; reportedPath?: string; reading: VersionReading; validatedAt?: number }
  | { ran: false; why: string; ms?: number; cliMissing?: boolean; waited?: boolean; unsupported?: VersionReading };

/**
 * openclaw.json: first a local JSON5 parse (instant, pinpoints line and column), then OpenClaw's own
 * schema validation. Never echoes lines of the file: they may hold tokens.
 */
export const configCheck: Check = {
  id: 'config',
  title: 'OpenClaw config (openclaw.json)',
  defaults: { schedule: '5m', timeoutMs: 20_000 },
  optionsSchema: z.strictObject({}),
  async run(ctx: CheckContext): Promise<CheckResult> {
    const file = ctx.target.openclawConfigPath;

    let text: string;
    try {
      text = await readFile(file, { encoding: 'utf8', signal: ctx.signal });
    } catch (err) {
      return readFailure(file, err as NodeJS.ErrnoException);
    }

    const syntax = parseJson5(text);
    const result = syntax ? syntaxFailure(file, syntax, await backupHint(file)) : judge(file, await validate(ctx, file, text));
    return result.status === 'crit' ? withLastGood(result, ctx) : result;
  },
};

/** The copy of openclaw.json auto-recovery took while all was healthy, offered when there is one. */
async function withLastGood(result: CheckResult, ctx: CheckContext): Promise<CheckResult> {
  if (!ctx.self) return result;
  const copy = recoveryPaths(ctx.self.statePath).lastGood;
  const taken = await stat(copy).then((st) => st.mtime.toISOString(), () => undefined);
  if (!taken) return result;
  const offer = `Or put back the copy clawmedic took while all was healthy (${taken}): \`clawmedic recover --restore-config\` (the current file is backed up first).`;
  return { ...result, remedy: result.remedy ? `${result.remedy} ${offer}` : offer };
}

/** The result for an openclaw.json that could not be read (exported for tests: root reads anything). */
export function readFailure(file: string, err: NodeJS.ErrnoException): CheckResult {
  if (err.code === 'ENOENT') {
    return { status: 'ok', summary: `no openclaw.json at ${file} (nothing to validate)` };
  }
  if (err.name === 'AbortError') {
    return { status: 'unknown', summary: `reading ${file} was cancelled (check timeout or agent stopping)` };
  }
  const why =
    err.code === 'EACCES' || err.code === 'EPERM'
      ? 'permission denied'
      : err.code === 'EISDIR'
        ? 'it is a directory'
        : err.message;
  return {
    status: 'warn',
    summary: `cannot read ${file}: ${why}${err.code ? ` (${err.code})` : ''}`,
    remedy:
      err.code === 'EACCES' || err.code === 'EPERM'
        ? 'Run clawmedic as the same user as the gateway (openclaw.json should stay mode 600), or point clawmedic at the right file.'
        : `Check ${file}: clawmedic expects OpenClaw's JSON5 config file there.`,
    details: { code: err.code },
  };
}

interface SyntaxProblem {
  line: number;
  column: number;
  /** The parser's message without the "JSON5: " prefix and the position suffix. */
  message: string;
  empty: boolean;
}

function parseJson5(text: string): SyntaxProblem | undefined {
  if (text.trim() === '') return { line: 1, column: 1, message: 'the file is empty', empty: true };
  try {
    const value: unknown = JSON5.parse(text);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return { line: 1, column: 1, message: 'the top level is not an object ({ ... })', empty: false };
    }
    return undefined;
  } catch (err) {
    const { message, at } = json5SyntaxError(err, text);
    return { ...(at ?? { line: 1, column: 1 }), message, empty: false };
  }
}

/** The guide's common mistakes, matched to what the parser says. */
function syntaxHint(p: SyntaxProblem): string {
  if (p.empty) return 'An empty file is not a config: the gateway treats it as missing gateway.mode.';
  if (p.message.startsWith('invalid character')) {
    return (
      'A string value may be missing its quotes (an opening or closing "), or a comma is missing between two ' +
      'entries; the real mistake is usually at this position or just before it.'
    );
  }
  if (p.message.startsWith('invalid end of input')) {
    return 'The nesting is broken: a brace { or bracket [ is not closed (or a string is never closed).';
  }
  return 'Look at this position and just before it.';
}

function syntaxFailure(file: string, p: SyntaxProblem, backup: string): CheckResult {
  const where = `${p.line}:${p.column}`;
  const message = redactPatterns(p.message);
  return {
    status: 'crit',
    summary: `openclaw.json has a JSON5 syntax error at line ${where}: ${message}`,
    headline: `openclaw.json broken: syntax error at line ${where} (the gateway cannot start)`,
    diagnosis:
      `${file}:${where}: ${message}. ${syntaxHint(p)} Trailing commas are fine in JSON5, so they are not the cause. ` +
      EXIT_78,
    remedy:
      `Fix ${file} at line ${p.line}, column ${p.column}, or ${backup}; then run \`openclaw config validate\` ` +
      'before restarting the gateway.',
    details: { path: file, line: p.line, column: p.column, parser: message },
    // The file will not parse on the next run either: no reason to wait for three.
    certain: true,
  };
}

/** Names the adjacent backup only when it exists and parses: restoring a broken backup helps nobody. */
async function backupHint(file: string): Promise<string> {
  const bak = `${file}.bak`;
  try {
    const text = await readFile(bak, 'utf8');
    return parseJson5(text)
      ? `restore an older backup (${bak} has a syntax error too)`
      : `restore the adjacent backup (cp ${bak} ${file}; it parses)`;
  } catch {
    return 'restore the adjacent .bak backup if there is one';
  }
}

/**
 * A clean `config validate` of the same bytes, by the same CLI and release, stands for an hour: the command
 * costs 3-7 s of CPU and a 200-320 MiB process, and at the 5-minute schedule it was most of what the checks
 * cost the host (82 s of CPU an hour, `npm run bench`). A file that changed, a new release, a result that was
 * not clean, or an hour gone: validated again. (A one-shot `check` and recovery's validate always run it.)
 */
const REVALIDATE_MS = 3_600_000;

interface CleanValidation {
  digest: string;
  cli: string;
  version: string;
  /** Epoch ms of the run. */
  at: number;
  ms: number;
}

async function validate(ctx: CheckContext, file: string, text: string): Promise<Validation> {
  if (ctx.openclaw.path === null) {
    return { ran: false, cliMissing: true, why: cliNotFound(ctx.openclaw, ctx.log) };
  }
  // A release without `config validate --json` (2026.1.x) is said so once per binary, not run on every cycle.
  const versions = versionsFor(ctx);
  const reading = await versions.cliVersion(ctx.signal);
  const validateArgs = configValidateCommand(reading.version);
  const unsupported = { ran: false as const, unsupported: reading, why: lacksText('configValidateJson', reading.version) };
  if (!validateArgs || (await versions.isMarkedMissing('configValidateJson'))) return unsupported;

  const digest = createHash('sha256').update(text).digest('hex');
  const release = JSON.stringify(reading.version ?? null);
  const clean = ctx.memory.get<CleanValidation>();
  if (clean && clean.digest === digest && clean.cli === ctx.openclaw.path && clean.version === release && ctx.now() - clean.at < REVALIDATE_MS && ctx.now() >= clean.at) {
    return { ran: true, valid: true, issues: [], warnings: [], ms: clean.ms, reading, validatedAt: clean.at };
  }

  const budgetMs = cliCallBudgetMs(ctx.timeoutMs);
  const raw = await ctx.openclaw.run(validateArgs, {
    timeoutMs: budgetMs,
    signal: ctx.signal,
    // Validate the file this check read, wherever the CLI's own defaults would point.
    env: { OPENCLAW_CONFIG_PATH: file, OPENCLAW_STATE_DIR: ctx.target.openclawStateDir },
  });
  // The output is searched for JSON and quoted in pieces: mask the gateway token before either.
  const res = maskExecOutput(raw, ctx.target.token);
  if (res.skipped) return { ran: false, why: `openclaw config validate ${cliSkipWords(res)}: ${res.skipped}`, waited: res.skippedFor === 'turn' };
  if (res.timedOut) {
    return { ran: false, ms: res.durationMs, why: `openclaw config validate did not finish within ${formatDuration(budgetMs)} (killed)` };
  }
  const doc = findJsonObject(res.stdout, (v) => typeof v.valid === 'boolean');
  // 2026.1.30: "error: unknown option '--json'" (it has no `config validate` at all).
  if (!doc && res.code !== 0 && (rejectedOption(res, '--json') || rejectedCommand(res, 'validate'))) {
    await versions.markMissing('configValidateJson');
    return { ...unsupported, ms: res.durationMs };
  }
  if (!doc) {
    const said = quoteFirstLine(res.stdout) || quoteFirstLine(res.stderr);
    const how = res.code === null ? (res.signal ? `killed by ${res.signal}` : 'did not start') : `exit ${res.code}`;
    return { ran: false, ms: res.durationMs, why: `openclaw config validate gave no JSON result (${how})${said ? `: ${said}` : ''}` };
  }
  const issues = toIssues(doc.issues);
  if (doc.valid === false && issues.length === 0) {
    // e.g. {"error":{"message":"file not found"}}: the CLI failed, the file was not judged.
    const error = doc.error as { message?: unknown } | undefined;
    const message = typeof error?.message === 'string' ? error.message : `exit ${res.code}`;
    return { ran: false, ms: res.durationMs, why: `openclaw config validate failed: ${clip(redactPatterns(message), MAX_LINE_CHARS)}` };
  }
  const warnings = toIssues(doc.warnings);
  const cleanNow = doc.valid === true && issues.length === 0 && warnings.length === 0;
  ctx.memory.set(cleanNow ? ({ digest, cli: ctx.openclaw.path ?? '', version: release, at: ctx.now(), ms: res.durationMs } satisfies CleanValidation) : null);
  return {
    ran: true,
    valid: doc.valid === true,
    issues,
    warnings,
    ms: res.durationMs,
    ...(typeof doc.path === 'string' ? { reportedPath: doc.path } : {}),
    reading,
  };
}

function judge(file: string, v: Validation): CheckResult {
  const metrics: Record<string, number> = {};
  if (v.ms !== undefined) metrics.validateMs = v.ms;

  if (!v.ran && v.unsupported) {
    // Not a problem with the file nor with the gateway: this release cannot validate. Said plainly, and OK.
    return {
      status: 'ok',
      summary: clip(`openclaw.json parses as JSON5; schema not validated: ${v.why}`, MAX_LINE_CHARS),
      diagnosis: 'Only the JSON5 syntax was checked: this OpenClaw release cannot validate keys and types.',
      remedy: `Upgrade OpenClaw to ${CAPABILITIES.configValidateJson.since.text} or newer (\`openclaw update\`) for schema validation.`,
      metrics,
      details: { path: file, validation: v.why, openclaw: versionDetails(v.unsupported) },
    };
  }
  if (!v.ran) {
    // The local parse succeeded, so something is known; say what could not be checked.
    return {
      status: v.cliMissing || v.waited ? 'ok' : 'warn',
      summary: clip(`openclaw.json parses as JSON5; schema not validated${v.waited ? ' this time' : ''}: ${v.why}`, MAX_LINE_CHARS),
      ...(v.cliMissing
        ? {
            diagnosis: 'Only the JSON5 syntax was checked; install the openclaw CLI (or set openclaw.bin) to validate keys and types.',
          }
        : { remedy: 'Run `openclaw config validate --json` by hand to see why it fails.' }),
      metrics,
      details: { path: file, validation: v.why },
    };
  }

  metrics.issues = v.issues.length;
  metrics.warnings = v.warnings.length;
  const details = { path: file, reportedPath: v.reportedPath, issues: v.issues, warnings: v.warnings, openclaw: versionDetails(v.reading) };

  if (!v.valid) {
    return {
      status: 'crit',
      summary: clip(`openclaw.json is invalid: ${listHead(v.issues)}`, MAX_LINE_CHARS),
      headline: clip(`openclaw.json invalid: ${listHead(v.issues)} (the gateway cannot start)`, 150),
      diagnosis: `${listLines(v.issues)}\n${EXIT_78}`,
      remedy:
        `Fix these keys in ${file} (\`openclaw config schema\` prints what is allowed), or restore the adjacent .bak ` +
        'backup; run `openclaw config validate` and only restart the gateway once it passes.',
      metrics,
      details,
      certain: true,
    };
  }
  if (v.warnings.length > 0) {
    const missingEnv = v.warnings.some((w) => /missing env var/i.test(w.message));
    return {
      status: 'warn',
      summary: clip(`openclaw.json is valid with ${v.warnings.length} warning${v.warnings.length === 1 ? '' : 's'}: ${listHead(v.warnings)}`, MAX_LINE_CHARS),
      diagnosis: listLines(v.warnings),
      remedy: missingEnv
        ? "Set the missing variables in the gateway's environment or in OpenClaw's .env (in its state directory); " +
          'the features that use them stay unavailable until then.'
        : 'Review the warnings with `openclaw config validate`.',
      metrics,
      details,
    };
  }
  return {
    status: 'ok',
    summary:
      v.validatedAt === undefined
        ? `openclaw.json is valid (openclaw config validate, ${formatDuration(v.ms)})`
        : `openclaw.json is valid (unchanged since openclaw config validate passed at ${new Date(v.validatedAt).toISOString()})`,
    metrics,
    details,
  };
}

function toIssues(raw: unknown): Issue[] {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((r: unknown) => {
    if (!r || typeof r !== 'object') return [];
    const o = r as Record<string, unknown>;
    return [
      {
        path: typeof o.path === 'string' ? o.path : '<root>',
        message: redactPatterns(typeof o.message === 'string' ? o.message : JSON.stringify(o.message ?? '')),
      },
    ];
  });
}

function listHead(items: Issue[]): string {
  const first = items[0];
  const head = first ? `${first.path}: ${collapseWhitespace(first.message)}` : '';
  return items.length > 1 ? `${head} (+${items.length - 1} more)` : head;
}

function listLines(items: Issue[]): string {
  const lines = items.slice(0, MAX_LISTED).map((i) => clip(`${i.path}: ${collapseWhitespace(i.message)}`, MAX_LINE_CHARS));
  if (items.length > MAX_LISTED) lines.push(`... and ${items.length - MAX_LISTED} more`);
  return lines.join('\n');
}
