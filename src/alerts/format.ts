import type { Alert, AlertBatch, Severity } from '../contracts.ts';
import { collapseWhitespace, stripControl } from '../util/text.ts';

export { stripControl };

// Alert text comes from checks that quote gateway output, logs and config: treat every field as hostile.
// The pipeline for each field is redact -> stripControl -> (redact) -> truncate, done once by sanitizeBatch;
// each medium then applies its own escape (escapeSlackMrkdwn, escapeHtml) on the result.

/** Longest text kept per field, in UTF-16 units, before any medium escape. */
export const TEXT_LIMITS = {
  summary: 300,
  /** A headline is what a subject line is made of. */
  headline: 160,
  diagnosis: 2000,
  remedy: 2000,
  /** Remedy steps: how many, each sentence, each command. */
  steps: 8,
  stepText: 400,
  stepCommand: 400,
  /** Identifiers and single-line fields: check ids, host, gateway, times. */
  short: 120,
  /** Related checks folded into an alert: how many, and each one's summary. */
  relatedItems: 20,
  relatedSummary: 200,
} as const;

// redactPatterns has patterns that scan quadratically on some inputs (a 64 KB line of "a.a.a." takes
// seconds), so a field is cut to this size before it is redacted. A secret cut in half at this boundary
// cannot leak: it sits far past every TEXT_LIMITS value and the final truncate drops it.
const PRE_REDACT_CAP = 8192;

declare const sanitized: unique symbol;
/** A batch whose texts went through redact, stripControl and truncate: safe to escape and send. */
export type SafeBatch = AlertBatch & { readonly [sanitized]: true };

const SEVERITY_RANK: Record<Severity, number> = { crit: 0, warn: 1, info: 2 };

/** Collapses all whitespace (newlines included) into single spaces: for subjects, titles and ids. */
export const oneLine = collapseWhitespace;

/**
 * Cuts text to at most `max` UTF-16 units, ending with a visible marker that says how long it was
 * (`totalLength`, when the text is already a cut of something longer). Never splits a surrogate pair.
 */
export function truncate(text: string, max: number, totalLength = text.length): string {
  if (text.length <= max) return text;
  const marker = `… [truncated, ${Math.max(totalLength, text.length)} chars]`;
  if (max <= marker.length) return cutAt(text, Math.max(0, max - 1)) + (max > 0 ? '…' : '');
  return cutAt(text, max - marker.length).trimEnd() + marker;
}

function cutAt(text: string, n: number): string {
  const code = text.charCodeAt(n - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? n - 1 : n);
}

/**
 * Escapes then truncates so the escaped result fits in `max`: escaping can grow a text several times
 * (`<` becomes `&lt;`), and cutting escaped text could leave half an entity.
 */
export function escapeAndFit(text: string, max: number, escape: (s: string) => string): string {
  const whole = escape(text);
  if (whole.length <= max) return whole;
  let lo = 0;
  let hi = text.length - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (escape(truncate(text, mid)).length <= max) lo = mid;
    else hi = mid - 1;
  }
  return escape(truncate(text, lo));
}

/**
 * Makes text inert in Slack mrkdwn.
 *
 * &, < and > become entities, as Slack requires: that alone stops `<!channel>`, `<@U123>` and
 * `<http://x|y>` from pinging or hiding a link. Slack has no escape for the formatting characters, so
 * `*`, `~` and `` ` `` become look-alikes (∗ ∼ ˋ) that never format. `_` is kept between two letters or
 * digits, where Slack does not read it as italics, so OPENCLAW_GATEWAY_PORT and snake_case names stay
 * copyable; elsewhere it becomes ˍ. A bare @here/@channel/@everyone gets a word joiner after the @,
 * in case a workspace resolves them in plain text. A line starting with > gets a soft hyphen so it
 * does not become a quote.
 */
export function escapeSlackMrkdwn(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\*/g, '\u2217')
    .replace(/~/g, '\u223c')
    .replace(/`/g, '\u02cb')
    .replace(/(?<![\p{L}\p{N}])_|_(?![\p{L}\p{N}])/gu, '\u02cd')
    .replace(/@(here|channel|everyone)\b/gi, '@\u2060$1')
    .replace(/^&gt;/gm, '\u00ad&gt;');
}

/**
 * escapeSlackMrkdwn for a diagnosis or remedy, whose `code spans` are commands to run (clawmedic's and
 * OpenClaw's own): a span stays code, where Slack formats nothing, so only &, < and > (and a bare @here)
 * are made inert inside it; the text around it is escaped as untrusted. A backtick without its pair is
 * escaped like any other.
 */
export function escapeSlackMrkdwnKeepingCode(text: string): string {
  let out = '';
  let last = 0;
  for (const m of text.matchAll(/`([^`\n]+)`/g)) {
    const code = m[1]!.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/@(here|channel|everyone)\b/gi, '@\u2060$1');
    out += `${escapeSlackMrkdwn(text.slice(last, m.index))}\`${code}\``;
    last = m.index + m[0].length;
  }
  return out + escapeSlackMrkdwn(text.slice(last));
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** One field through the pipeline: redact -> stripControl -> truncate. */
export function cleanText(text: string, max: number, redact: (s: string) => string): string {
  const capped = text.length > PRE_REDACT_CAP ? text.slice(0, PRE_REDACT_CAP) : text;
  // Redacting again after stripping catches a secret that a control sequence had split in two.
  const clean = redact(stripControl(redact(capped)));
  return truncate(clean, max, capped === text ? clean.length : text.length);
}

/** Returns a copy of the batch with every text redacted, stripped of control characters and truncated. */
export function sanitizeBatch(batch: AlertBatch, redact: (s: string) => string): SafeBatch {
  const short = (s: string) => oneLine(cleanText(String(s), TEXT_LIMITS.short, redact));
  const optional = (s: string | undefined, max: number) =>
    s == null ? undefined : cleanText(String(s), max, redact).trim() || undefined;
  const alerts = batch.alerts.map((a): Alert => {
    const alert: Alert = {
      fingerprint: short(a.fingerprint),
      kind: a.kind,
      checkId: short(a.checkId),
      severity: a.severity,
      summary: oneLine(cleanText(String(a.summary ?? ''), TEXT_LIMITS.summary, redact)),
      since: short(a.since),
    };
    const diagnosis = optional(a.diagnosis, TEXT_LIMITS.diagnosis);
    const remedy = optional(a.remedy, TEXT_LIMITS.remedy);
    const headline = a.headline == null ? undefined : oneLine(cleanText(String(a.headline), TEXT_LIMITS.headline, redact)) || undefined;
    if (a.incidentId != null) alert.incidentId = short(a.incidentId);
    if (headline !== undefined) alert.headline = headline;
    if (diagnosis !== undefined) alert.diagnosis = diagnosis;
    if (remedy !== undefined) alert.remedy = remedy;
    if (Array.isArray(a.steps) && a.steps.length) {
      alert.steps = a.steps.slice(0, TEXT_LIMITS.steps).map((s) => {
        const text = cleanText(String(s.text ?? ''), TEXT_LIMITS.stepText, redact).trim();
        // A command is one line: a newline in it would run as a second command when pasted.
        const command = s.command == null ? '' : oneLine(cleanText(String(s.command), TEXT_LIMITS.stepCommand, redact));
        return command ? { text, command } : { text };
      });
    }
    if (typeof a.durationMs === 'number' && Number.isFinite(a.durationMs)) alert.durationMs = a.durationMs;
    if (a.related?.length) {
      alert.related = a.related.slice(0, TEXT_LIMITS.relatedItems).map((r) => ({
        checkId: short(r.checkId),
        summary: oneLine(cleanText(String(r.summary ?? ''), TEXT_LIMITS.relatedSummary, redact)),
      }));
    }
    return alert;
  });
  return {
    id: short(batch.id),
    createdAt: short(batch.createdAt),
    host: short(batch.host),
    gateway: short(batch.gateway),
    ...(batch.timeZone ? { timeZone: short(batch.timeZone) } : {}),
    alerts,
  } as SafeBatch;
}

// ---- titles --------------------------------------------------------------------------------------

export type BatchLevel = 'CRIT' | 'WARN' | 'INFO' | 'RESOLVED' | 'TEST';

const SEVERITY_LABEL: Record<Severity, BatchLevel> = { crit: 'CRIT', warn: 'WARN', info: 'INFO' };

function isOpen(alert: Alert): boolean {
  return alert.kind !== 'resolved' && alert.kind !== 'test';
}

/** The label of one alert: RESOLVED and TEST for those kinds, else its severity. */
export function alertLevel(alert: Alert): BatchLevel {
  if (alert.kind === 'resolved') return 'RESOLVED';
  if (alert.kind === 'test') return 'TEST';
  return SEVERITY_LABEL[alert.severity] ?? 'INFO';
}

/** The worst open severity in the batch; RESOLVED when nothing is open any more, TEST for a test batch. */
export function batchLevel(batch: AlertBatch): BatchLevel {
  const open = batch.alerts.filter(isOpen);
  if (open.length > 0) return alertLevel(orderAlerts(open)[0]!);
  if (batch.alerts.length > 0 && batch.alerts.every((a) => a.kind === 'test')) return 'TEST';
  return 'RESOLVED';
}

/** Open alerts first, worst severity first; the original order otherwise. */
export function orderAlerts(alerts: readonly Alert[]): Alert[] {
  const rank = (a: Alert) => (isOpen(a) ? 0 : 3) + (SEVERITY_RANK[a.severity] ?? 2);
  return alerts
    .map((a, i) => ({ a, i }))
    .sort((x, y) => rank(x.a) - rank(y.a) || x.i - y.i)
    .map((x) => x.a);
}

/** "gateway.ready: readyz failing; channels: 2 down" */
export function formatRelated(alert: Alert): string | undefined {
  if (!alert.related?.length) return undefined;
  return alert.related.map((r) => (r.summary ? `${r.checkId}: ${r.summary}` : r.checkId)).join('; ');
}
