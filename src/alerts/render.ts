// What every medium says the same way: the headline (the cause, in words), absolute times in the host's
// time zone, the remedy as steps, and the subject line. Each medium escapes the result for itself; the
// texts here come from a SafeBatch (redacted, control characters stripped, truncated).
import type { Alert, AlertBatch, RemedyStep } from '../contracts.ts';
import { formatDuration } from '../util/duration.ts';
import { alertLevel, batchLevel, oneLine, orderAlerts, truncate } from './format.ts';

/** The cause in a few words: the check's headline, else its summary. */
export function headlineOf(alert: Alert): string {
  return oneLine(alert.headline || alert.summary || alert.checkId);
}

/** Date, time and zone name of an instant in a time zone (the host's when none is given). */
export function clockParts(iso: string, timeZone?: string): { date: string; time: string; zone: string } | undefined {
  const at = Date.parse(iso);
  if (!Number.isFinite(at)) return undefined;
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-GB', {
      ...(timeZone ? { timeZone } : {}),
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
    }).formatToParts(at);
  } catch {
    // An unknown zone (validated in the config, but a batch may outlive it): UTC says the truth.
    return clockParts(iso, 'UTC');
  }
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return { date: `${get('year')}-${get('month')}-${get('day')}`, time: `${get('hour')}:${get('minute')}:${get('second')}`, zone: zoneName(at, timeZone, get('timeZoneName')) };
}

/**
 * The zone's short name people know: British English names European zones (CET, BST) and American
 * English the American ones (EST, PDT); where neither has a name, the offset ("GMT+5:30").
 */
function zoneName(at: number, timeZone: string | undefined, british: string): string {
  if (!/^GMT[+-]/.test(british)) return british;
  try {
    const american = new Intl.DateTimeFormat('en-US', { ...(timeZone ? { timeZone } : {}), timeZoneName: 'short' }).formatToParts(at).find((p) => p.type === 'timeZoneName')?.value;
    return american && !/^GMT[+-]/.test(american) ? american : british;
  } catch {
    return british;
  }
}

/** "2026-11-29 03:46:16 CET"; the ISO text itself when it is not a time. */
export function formatWhen(iso: string, timeZone?: string): string {
  const c = clockParts(iso, timeZone);
  return c ? `${c.date} ${c.time} ${c.zone}` : iso;
}

/** "2026-11-29 03:46:16-03:46:30 CET", with the end's date when it is another day. */
export function formatSpan(fromIso: string, toIso: string, timeZone?: string): string {
  const a = clockParts(fromIso, timeZone);
  const b = clockParts(toIso, timeZone);
  if (!a || !b) return `${fromIso} - ${toIso}`;
  if (a.date === b.date && a.zone === b.zone) return `${a.date} ${a.time}-${b.time} ${a.zone}`;
  return `${a.date} ${a.time} ${a.zone} - ${b.date} ${b.time} ${b.zone}`;
}

function endOf(alert: Alert): string | undefined {
  const from = Date.parse(alert.since);
  if (!Number.isFinite(from) || alert.durationMs === undefined) return undefined;
  return new Date(from + alert.durationMs).toISOString();
}

/** When, in absolute times: never a relative age, which is stale by the time it is read. */
export function timingLine(alert: Alert, timeZone?: string): string {
  switch (alert.kind) {
    case 'resolved': {
      const end = endOf(alert);
      return end ? `out ${formatDuration(alert.durationMs!)}: ${formatSpan(alert.since, end, timeZone)}` : `since ${formatWhen(alert.since, timeZone)}`;
    }
    case 'escalated':
    case 'deescalated':
      return `${alertLevel(alert)} since ${formatWhen(alert.since, timeZone)}`;
    case 'recovery':
    case 'test':
      return `at ${formatWhen(alert.since, timeZone)}`;
    default:
      return `since ${formatWhen(alert.since, timeZone)}`;
  }
}

/** What a kind adds to the headline, for a person: "", "still failing", "now WARN"... */
function kindNote(alert: Alert): string {
  switch (alert.kind) {
    case 'reminder':
      return ' (still failing)';
    case 'flapping':
      return ' (flapping)';
    case 'escalated':
      return ' (got worse)';
    case 'deescalated':
      return ' (less severe now)';
    case 'changed':
      return ' (cause changed)';
    default:
      return '';
  }
}

/**
 * The one line an alert is known by: "OpenClaw gateway down (nothing listening on 127.0.0.1:18789)";
 * a resolved one says it is over and for how long it lasted.
 */
export function alertLine(alert: Alert): string {
  const head = headlineOf(alert);
  if (alert.kind === 'resolved') return alert.durationMs !== undefined ? `${head}: over after ${formatDuration(alert.durationMs)}` : `${head}: over`;
  return `${head}${kindNote(alert)}`;
}

/** Longest subject: one line, whatever the cause text or host name. */
export const SUBJECT_MAX = 200;

/**
 * "[clawmedic] CRIT vm: OpenClaw gateway down (nothing listening on 127.0.0.1:18789)", the worst open
 * alert first, "(+2 more)" for the rest; "[clawmedic] RESOLVED vm: ...: over after 14s (03:46:16-03:46:30 CET)".
 */
export function formatSubject(batch: AlertBatch, prefix = '[clawmedic]', maxLength = SUBJECT_MAX): string {
  const host = truncate(oneLine(batch.host), 60);
  const head = oneLine(`${prefix} ${batchLevel(batch)} ${host}:`);
  const ordered = orderAlerts(batch.alerts);
  const first = ordered[0];
  if (!first) return truncate(`${head} no alerts`, maxLength);
  let what = alertLine(first);
  if (first.kind === 'resolved') {
    const end = endOf(first);
    if (end) what += ` (${formatSpan(first.since, end, batch.timeZone).replace(/^\d{4}-\d{2}-\d{2} /, '')})`;
  }
  const more = ordered.length > 1 ? ` (+${ordered.length - 1} more)` : '';
  const room = maxLength - head.length - 1 - more.length;
  return oneLine(`${head} ${truncate(what, Math.max(20, room))}${more}`).slice(0, maxLength);
}

/** The remedy as steps: the check's own, else its remedy text as one step. */
export function stepsOf(alert: Alert): RemedyStep[] {
  if (alert.steps?.length) return alert.steps;
  return alert.remedy ? [{ text: alert.remedy }] : [];
}

/** Words wrapped at `width` (a word longer than the width keeps its own line, never split). */
export function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      if (line && line.length + 1 + word.length > width) {
        out.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    out.push(line);
  }
  return out;
}

/**
 * The steps as plain text: numbered sentences wrapped at `width`, each command on its own indented line,
 * never wrapped (a mail client that wraps at 72 columns must not split `--port 42551` from its command).
 */
export function stepsText(steps: readonly RemedyStep[], width = 72): string[] {
  const lines: string[] = [];
  const numbered = steps.length > 1;
  steps.forEach((step, i) => {
    const lead = numbered ? `${i + 1}. ` : '';
    const pad = ' '.repeat(lead.length);
    wrap(step.text, width - lead.length).forEach((l, j) => lines.push(`${j === 0 ? lead : pad}${l}`));
    if (step.command) lines.push(`${pad}    ${oneLine(step.command)}`);
  });
  return lines;
}

/** Steps as one paragraph, for `remedy` (older renderings, `status`): commands in backticks. */
export function stepsParagraph(steps: readonly RemedyStep[]): string {
  return steps.map((s) => (s.command ? `${s.text.replace(/[.:]?$/, ':')} \`${s.command}\`.` : s.text)).join(' ');
}

/** "host vm · gateway 127.0.0.1:18789 · incident 1a2b3c4d · sent 2026-11-29T03:46:17Z (UTC)". */
export function footerLine(batch: AlertBatch): string {
  const ids = [...new Set(batch.alerts.map((a) => a.incidentId).filter((id): id is string => !!id))];
  const incidents = ids.length === 0 ? '' : ` · incident${ids.length > 1 ? 's' : ''} ${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', ...' : ''}`;
  const sent = Number.isFinite(Date.parse(batch.createdAt)) ? new Date(batch.createdAt).toISOString().replace(/\.\d{3}Z$/, 'Z') : batch.createdAt;
  return `host ${batch.host} · gateway ${batch.gateway}${incidents} · sent ${sent} (UTC)`;
}

/** The whole batch as plain text, for the text part of a mail and other plain readers: wrapped at 72. */
export function renderText(batch: AlertBatch, width = 72): string {
  const tz = batch.timeZone;
  const lines: string[] = [];
  for (const alert of orderAlerts(batch.alerts)) {
    lines.push(...wrap(`${alertLevel(alert)} · ${alertLine(alert)}`, width));
    lines.push(...wrap(`${alert.checkId}${alert.incidentId ? ` · incident ${alert.incidentId}` : ''} · ${timingLine(alert, tz)}`, width));
    const summary = alert.kind === 'resolved' ? `Now: ${alert.summary}` : alert.summary;
    if (summary && oneLine(summary) !== headlineOf(alert)) lines.push('', ...wrap(summary, width));
    if (alert.diagnosis) lines.push('', 'Why:', ...wrap(alert.diagnosis, width - 2).map((l) => `  ${l}`));
    const steps = alert.kind === 'resolved' ? [] : stepsOf(alert);
    if (steps.length) lines.push('', 'What to do:', ...stepsText(steps, width - 2).map((l) => `  ${l}`));
    if (alert.related?.length) {
      lines.push('', alert.kind === 'resolved' ? 'Also back:' : 'Also failing because of it:');
      for (const r of alert.related) lines.push(...wrap(`- ${r.checkId}: ${r.summary}`, width - 2).map((l) => `  ${l}`));
    }
    lines.push('', '');
  }
  lines.push(...wrap(footerLine(batch), width));
  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n')}\n`;
}
