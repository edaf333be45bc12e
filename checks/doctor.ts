import * as z from 'zod';
import type { Check, CheckContext, CheckResult, ExecResult } from '../src/contracts.ts';
import { cliCallBudgetMs, cliNotFound } from '../src/platform/openclaw-cli.ts';
import { CAPABILITIES, doctorLintCommand, lacksText, rejectedOption } from '../src/platform/openclaw-capabilities.ts';
import { versionDetails, versionsFor, type VersionReading } from '../src/platform/openclaw-version-cache.ts';
import { formatDuration } from '../src/util/duration.ts';
import { findJsonObject } from '../src/util/json-in-text.ts';
import { redactPatterns } from '../src/util/redact.ts';
import { clip, collapseWhitespace, stripControl } from '../src/util/text.ts';
import { normaliseSeverity, parseDoctorText, type DoctorFinding, type DoctorSeverity } from './doctor-text.ts';
import { maskExecOutput, quoteFirstLine } from './quote.ts';
import { cliSkippedResult } from '../src/platform/cli-gate.ts';

const SEVERITIES: readonly DoctorSeverity[] = ['info', 'warning', 'error'];
const RANK: Record<DoctorSeverity, number> = { info: 0, warning: 1, error: 2 };

/** Caps that keep an alert readable when doctor reports dozens of skills-readiness findings. */
const MAX_DIAGNOSIS_LINES = 10;
const MAX_LINE_CHARS = 300;
const MAX_HINTS = 5;
const MAX_HINT_CHARS = 500;
const MAX_DETAIL_FINDINGS = 50;
const EXCERPT_CHARS = 200;

type Parsed =
  | { kind: 'report'; format: 'json' | 'text'; findings: DoctorFinding[]; extra: Record<string, unknown> }
  | { kind: 'failed'; message: string; extra: Record<string, unknown> };

/**
 * `openclaw doctor --lint --json`: OpenClaw's own read-only diagnosis. Plain `openclaw doctor` is never
 * run: it may apply migrations and rewrite config. It takes 13-18 s, so it runs sparsely.
 */
export const doctorCheck: Check = {
  id: 'doctor',
  title: 'openclaw doctor --lint',
  defaults: { schedule: '*/30 * * * *', timeoutMs: 90_000, options: { minSeverity: 'error' } },
  optionsSchema: z.strictObject({ minSeverity: z.enum(['info', 'warning', 'error']).default('error') }),
  async run(ctx: CheckContext): Promise<CheckResult> {
    const minSeverity = ctx.options.minSeverity ?? 'error';
    if (typeof minSeverity !== 'string' || !SEVERITIES.includes(minSeverity as DoctorSeverity)) {
      return {
        status: 'unknown',
        summary: `doctor option minSeverity must be info, warning or error (got ${JSON.stringify(minSeverity)})`,
        remedy: 'Fix checks.doctor.options.minSeverity in clawmedic\'s config.',
      };
    }
    const threshold = minSeverity as DoctorSeverity;

    if (ctx.openclaw.path === null) {
      return {
        status: 'unknown',
        summary: `doctor cannot run: ${cliNotFound(ctx.openclaw, ctx.log)}`,
        remedy:
          'Install OpenClaw for the user clawmedic runs as (npm install -g openclaw), or set openclaw.bin in ' +
          "clawmedic's config to the full path of the openclaw executable.",
      };
    }

    // A release without --lint is said so plainly (and OK: its gateway is not unwell), never retried on every run.
    const versions = versionsFor(ctx);
    const reading = await versions.cliVersion(ctx.signal);
    const lintArgs = doctorLintCommand(reading.version, threshold);
    if (!lintArgs || (await versions.isMarkedMissing('doctorLint'))) return lacksLint(reading);

    const budgetMs = cliCallBudgetMs(ctx.timeoutMs);
    const args = lintArgs;
    // NO_COLOR keeps escape codes out of the text form, should an older CLI ignore --json.
    // The output is parsed and quoted in pieces: mask the gateway token before either.
    const res = maskExecOutput(
      await ctx.openclaw.run(args, { timeoutMs: budgetMs, signal: ctx.signal, env: { NO_COLOR: '1' } }),
      ctx.target.token,
    );
    const metrics = { durationMs: res.durationMs };

    if (res.skipped) return cliSkippedResult('doctor', { ...res, skipped: res.skipped });
    if (res.timedOut) {
      // An abort from outside (agent stopping) is not a slow doctor; do not blame the timeout.
      const cancelled = ctx.signal.aborted && res.durationMs < budgetMs;
      return {
        status: 'unknown',
        summary: cancelled
          ? 'doctor was cancelled before it finished (killed)'
          : `doctor did not finish within ${formatDuration(budgetMs)} (killed)`,
        diagnosis: `openclaw doctor --lint was stopped after ${formatDuration(res.durationMs)}; its process group was killed.`,
        remedy:
          'doctor --lint normally takes 13-18 s. If the host is not overloaded, raise checks.doctor.timeout; ' +
          'run `openclaw doctor --lint --json` by hand to see where it stalls.',
        metrics,
        details: execDetails(res, args),
      };
    }

    if (res.code === null && res.signal === null) {
      return {
        status: 'unknown',
        summary: `openclaw could not be started: ${quoteFirstLine(res.stderr, EXCERPT_CHARS) || 'no reason given'}`,
        remedy: `Check that ${ctx.openclaw.path} is runnable by the user clawmedic runs as.`,
        metrics,
        details: execDetails(res, args),
      };
    }

    const parsed = parseOutput(res);
    // "error: unknown option '--lint'": a release the table does not place (unknown version) that lacks it.
    if (!parsed && res.code !== 0 && rejectedOption(res, '--lint')) {
      await versions.markMissing('doctorLint');
      return lacksLint(reading, res.durationMs);
    }
    if (!parsed) return unreadable(res, args, metrics);
    if (parsed.kind === 'failed') {
      return {
        status: 'unknown',
        summary: clip(`doctor could not run: ${collapseWhitespace(redactPatterns(parsed.message))}`, MAX_LINE_CHARS),
        remedy: 'Run `openclaw doctor --lint --json` as the gateway\'s user to see the full error.',
        metrics,
        details: { ...execDetails(res, args), ...parsed.extra },
      };
    }
    const result = judge(parsed, threshold, res, args, metrics);
    // The release that produced the findings, for alerts and `clawmedic status`.
    result.details = { ...(result.details as Record<string, unknown>), openclaw: versionDetails(reading) };
    return result;
  },
};

/** The doctor check on a release without `doctor --lint` (2026.5.7 and older): OK, with what to do about it. */
function lacksLint(reading: VersionReading, durationMs?: number): CheckResult {
  return {
    status: 'ok',
    summary:
      `doctor skipped: ${lacksText('doctorLint', reading.version)}; ` +
      'upgrade OpenClaw (`openclaw update`) or set checks.doctor.enabled: false',
    diagnosis:
      `The doctor check runs \`openclaw doctor --lint --json\`, OpenClaw's read-only diagnosis, which this release does not have. ` +
      'Plain `openclaw doctor` is never run for you: it may apply migrations and rewrite the config.',
    remedy:
      `Upgrade OpenClaw to ${CAPABILITIES.doctorLint.since.text} or newer (\`openclaw update\`, or \`npm install -g openclaw@latest\`), ` +
      "or turn the check off in clawmedic's config: checks: { doctor: { enabled: false } }.",
    ...(durationMs !== undefined ? { metrics: { durationMs } } : {}),
    details: { skipped: 'doctor --lint is not available in this release', openclaw: versionDetails(reading) },
  };
}

function parseOutput(res: ExecResult): Parsed | undefined {
  const doc = findJsonObject(res.stdout, (v) => Array.isArray(v.findings) || (v.ok !== undefined && 'checksRun' in v));
  if (doc) return fromJson(doc, res);

  const text = parseDoctorText(res.stdout);
  if (text.recognized === 0) return undefined;
  const findings: DoctorFinding[] = [...text.findings];
  for (const c of text.checks) {
    if (c.status === 'pass') continue;
    findings.push({
      checkId: c.name,
      severity: c.status === 'fail' ? 'error' : 'warning',
      message: c.error ? `${c.value || 'failed'} (Error: ${c.error})` : c.value || 'failed',
    });
  }
  return {
    kind: 'report',
    format: 'text',
    findings,
    extra: {
      passed: text.checks.filter((c) => c.status === 'pass').map((c) => c.name),
      sections: text.sections,
      complete: text.complete,
      ...(text.lintSummary ? { checksRun: text.lintSummary.checks } : {}),
    },
  };
}

function fromJson(doc: Record<string, unknown>, res: ExecResult): Parsed {
  const extra: Record<string, unknown> = {
    schemaVersion: doc.schemaVersion,
    checksRun: doc.checksRun,
    checksSkipped: doc.checksSkipped,
  };
  if (Array.isArray(doc.warnings) && doc.warnings.length > 0) extra.warnings = doc.warnings.slice(0, 20);
  const findings = (Array.isArray(doc.findings) ? doc.findings : []).flatMap(toFinding);

  // Exit 2 / checksRun 0: doctor failed before its checks, so its silence says nothing about health.
  const error = doc.error as { type?: unknown; message?: unknown } | undefined;
  if (res.code === 2 || (doc.ok === false && doc.checksRun === 0)) {
    const message =
      (typeof error?.message === 'string' && error.message) ||
      findings.find((f) => f.severity === 'error')?.message ||
      quoteFirstLine(res.stderr, EXCERPT_CHARS) ||
      `exit ${res.code}`;
    if (typeof error?.type === 'string') extra.errorType = error.type;
    return { kind: 'failed', message, extra };
  }
  return { kind: 'report', format: 'json', findings, extra };
}

function toFinding(raw: unknown): DoctorFinding[] {
  if (!raw || typeof raw !== 'object') return [];
  const r = raw as Record<string, unknown>;
  const finding: DoctorFinding = {
    checkId: typeof r.checkId === 'string' ? r.checkId : 'unknown-check',
    severity: normaliseSeverity(typeof r.severity === 'string' ? r.severity : ''),
    message: typeof r.message === 'string' ? r.message : JSON.stringify(r.message ?? ''),
  };
  if (typeof r.path === 'string' && r.path) finding.path = r.path;
  if (typeof r.fixHint === 'string' && r.fixHint) finding.fixHint = r.fixHint;
  return [finding];
}

function judge(
  parsed: Extract<Parsed, { kind: 'report' }>,
  threshold: DoctorSeverity,
  res: ExecResult,
  args: string[],
  baseMetrics: { durationMs: number },
): CheckResult {
  // Older CLIs may ignore --severity-min; apply the threshold here too so the answer is the same.
  const findings = parsed.findings
    .filter((f) => RANK[f.severity] >= RANK[threshold])
    .sort((a, b) => RANK[b.severity] - RANK[a.severity]);
  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.filter((f) => f.severity === 'warning').length;
  const infos = findings.length - errors - warnings;
  const metrics = { ...baseMetrics, findings: findings.length, errors, warnings };
  const status = errors > 0 ? 'crit' : warnings > 0 ? 'warn' : 'ok';

  const counts = [plural(errors, 'error'), plural(warnings, 'warning'), plural(infos, 'info note')].filter(Boolean);
  const ran = typeof parsed.extra.checksRun === 'number' ? ` (${parsed.extra.checksRun} checks run)` : '';
  const first = findings[0];
  const summary =
    findings.length === 0
      ? `doctor --lint: no findings at or above ${threshold}${ran}`
      : clip(`doctor --lint: ${counts.join(', ')}: ${collapseWhitespace(redactPatterns(first?.message ?? ''))}`, MAX_LINE_CHARS);

  const result: CheckResult = {
    status,
    summary,
    metrics,
    details: {
      ...execDetails(res, args),
      format: parsed.format,
      ...parsed.extra,
      findings: findings.slice(0, MAX_DETAIL_FINDINGS).map((f) => ({
        ...f,
        message: redactPatterns(f.message),
        ...(f.fixHint ? { fixHint: redactPatterns(f.fixHint) } : {}),
      })),
    },
  };
  if (findings.length > 0) result.diagnosis = diagnosis(findings);
  if (status !== 'ok') result.remedy = remedy(findings);
  return result;
}

function diagnosis(findings: DoctorFinding[]): string {
  const lines = findings.slice(0, MAX_DIAGNOSIS_LINES).map((f) => {
    const where = f.path ? ` ${f.path}` : '';
    return clip(`[${f.severity}] ${f.checkId}${where} - ${collapseWhitespace(redactPatterns(f.message))}`, MAX_LINE_CHARS);
  });
  const rest = findings.length - lines.length;
  if (rest > 0) lines.push(`... and ${rest} more (see details or run openclaw doctor --lint --json)`);
  return lines.join('\n');
}

function remedy(findings: DoctorFinding[]): string {
  const seen = new Set<string>();
  const hints: string[] = [];
  for (const f of findings) {
    if (!f.fixHint || seen.has(f.fixHint)) continue;
    seen.add(f.fixHint);
    if (hints.length < MAX_HINTS) hints.push(`- ${f.checkId}: ${clip(redactPatterns(f.fixHint).trim(), MAX_HINT_CHARS)}`);
  }
  const general =
    '`openclaw doctor --fix` applies OpenClaw\'s own repairs, but it writes config and state and may restart a ' +
    'managed gateway: review the findings first.';
  return hints.length > 0 ? `${hints.join('\n')}\n${general}` : general;
}

function unreadable(res: ExecResult, args: string[], metrics: { durationMs: number }): CheckResult {
  const out = collapseWhitespace(redactPatterns(stripControl(res.stdout)));
  const err = quoteFirstLine(res.stderr, EXCERPT_CHARS);
  const how = res.code === null ? `killed by ${res.signal ?? 'a signal'}` : `exit ${res.code}`;
  const summary =
    out === ''
      ? `doctor printed nothing (${how})${err ? `: ${err}` : ''}`
      : `doctor printed output that is neither its JSON report nor doctor text (${how}): "${clip(out, EXCERPT_CHARS)}"`;
  // 127 from `#!/usr/bin/env node`: the npm-installed script could not find node on this PATH.
  const remedy =
    res.code === 127
      ? 'The openclaw script could not start its interpreter: make `node` available on the PATH clawmedic runs with.'
      : 'Run `openclaw doctor --lint --json` by hand: a plugin may print to stdout, or this OpenClaw version ' +
        'may answer in a form clawmedic does not know.';
  return {
    status: 'unknown',
    summary: clip(summary, EXCERPT_CHARS + 120),
    remedy,
    metrics,
    details: { ...execDetails(res, args), stdoutExcerpt: clip(redactPatterns(stripControl(res.stdout)), 1_000) },
  };
}

function execDetails(res: ExecResult, args: string[]): Record<string, unknown> {
  return {
    command: ['openclaw', ...args].join(' '),
    exitCode: res.code,
    signal: res.signal,
    durationMs: res.durationMs,
    ...(res.stderr.trim() ? { stderr: clip(redactPatterns(stripControl(res.stderr)).trim(), 1_000) } : {}),
  };
}

function plural(n: number, word: string): string {
  return n === 0 ? '' : `${n} ${word}${n === 1 ? '' : 's'}`;
}
