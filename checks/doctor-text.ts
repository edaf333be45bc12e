// Reads the plain-text forms of `openclaw doctor`: what older CLIs and TTY runs print instead of JSON.
// Two dialects appear in the wild:
//   - lint lines, interleaved with clack box drawing (samples/doctor-text.txt):
//       [warning] <checkId> [<path>] - <message>
//         fix: <hint>
//   - the troubleshooting guide's check list (seed/):
//       ✓ Node.js version: v20.11.0
//       ✗ Gateway connection: failed
//       → Error: ECONNREFUSED 127.0.0.1:3000

import { stripControl } from '../src/util/text.ts';

export type DoctorSeverity = 'info' | 'warning' | 'error';

/** One finding, the same shape as an entry of `doctor --lint --json`'s `findings[]`. */
export interface DoctorFinding {
  checkId: string;
  severity: DoctorSeverity;
  message: string;
  path?: string;
  fixHint?: string;
}

/** One line of the guide's check list. */
export interface DoctorTextCheck {
  name: string;
  status: 'pass' | 'warn' | 'fail';
  value: string;
  /** The `→ Error: ...` line(s) that followed it. */
  error?: string;
}

export interface DoctorTextReport {
  findings: DoctorFinding[];
  checks: DoctorTextCheck[];
  /** From `doctor --lint: ran 6 check(s), 1 finding(s)`. */
  lintSummary?: { checks: number; findings: number };
  /** Titles of the clack sections (`◇  State integrity ───╮`). */
  sections: string[];
  /** Saw the clack opening `┌  OpenClaw doctor`. */
  started: boolean;
  /** Saw `└  Doctor complete.` (or another closing line). */
  complete: boolean;
  /** Lines that matched a doctor form; 0 means the text was not doctor output at all. */
  recognized: number;
}

const LINT = /^\[(info|warn|warning|error)\]\s+(\S+)\s+(?:(\S+)\s+)?-\s+(.*)$/i;
const FIX = /^\s+fix:\s*(.*)$/;
const LINT_SUMMARY = /doctor --lint: ran (\d+) check\(s\), (\d+) finding\(s\)/;
const PASS = /^[✓✔]\s*(.*)$/u;
const WARN = /^⚠\uFE0F?\s*(.*)$/u;
const FAIL = /^[✗✘✖×]\s*(.*)$/u;
const ARROW = /^(?:→|->)\s*(?:Error:\s*)?(.*)$/;

export function parseDoctorText(text: string): DoctorTextReport {
  const report: DoctorTextReport = { findings: [], checks: [], sections: [], started: false, complete: false, recognized: 0 };
  let lastFinding: DoctorFinding | undefined;
  let inFix = false;
  let lastCheck: DoctorTextCheck | undefined;

  // TTY runs colour their output; stripControl also drops the other escape and control characters.
  for (const raw of stripControl(text).split('\n')) {
    const line = raw.replace(/\s+$/, '');
    const trimmed = line.trimStart();
    if (trimmed === '') continue;

    // Clack frame: structure, not content.
    if (trimmed.startsWith('┌')) {
      report.started = true;
      report.recognized += 1;
      continue;
    }
    if (trimmed.startsWith('└')) {
      report.complete = true;
      report.recognized += 1;
      continue;
    }
    if (trimmed.startsWith('◇')) {
      const title = trimmed.slice(1).split('─')[0]?.trim();
      if (title) report.sections.push(title);
      report.recognized += 1;
      continue;
    }
    if (trimmed.startsWith('├')) continue;

    // A fix hint may wrap onto deeper-indented lines.
    if (inFix && lastFinding && /^\s{4,}\S/.test(line) && !FIX.test(line) && !LINT.test(trimmed)) {
      lastFinding.fixHint = `${lastFinding.fixHint ?? ''}\n${trimmed}`;
      continue;
    }
    inFix = false;

    const fix = FIX.exec(line);
    if (fix && lastFinding) {
      lastFinding.fixHint = fix[1] ?? '';
      inFix = true;
      report.recognized += 1;
      continue;
    }

    // Body lines of a box keep their content after the bar; the guide's forms may sit inside one.
    const inner = trimmed.replace(/^│\s?/, '').replace(/\s*│$/, '').trim();
    if (inner === '') continue;

    const lint = LINT.exec(inner);
    if (lint) {
      const [, severity = '', checkId = '', findingPath, message = ''] = lint;
      lastFinding = { checkId, severity: normaliseSeverity(severity), message: message.trim() };
      if (findingPath) lastFinding.path = findingPath;
      report.findings.push(lastFinding);
      report.recognized += 1;
      continue;
    }
    const summary = LINT_SUMMARY.exec(inner);
    if (summary) {
      report.lintSummary = { checks: Number(summary[1]), findings: Number(summary[2]) };
      report.recognized += 1;
      continue;
    }

    const arrow = ARROW.exec(inner);
    if (arrow && lastCheck) {
      const detail = (arrow[1] ?? '').trim();
      lastCheck.error = lastCheck.error ? `${lastCheck.error}; ${detail}` : detail;
      report.recognized += 1;
      continue;
    }

    const check = matchCheck(inner);
    if (check) {
      report.checks.push(check);
      lastCheck = check;
      report.recognized += 1;
      continue;
    }
    // Anything else (box prose, banners) is ignored; the structured lines carry the verdict.
  }
  return report;
}

function matchCheck(line: string): DoctorTextCheck | undefined {
  for (const [re, status] of [
    [PASS, 'pass'],
    [WARN, 'warn'],
    [FAIL, 'fail'],
  ] as const) {
    const m = re.exec(line);
    if (!m) continue;
    const body = (m[1] ?? '').trim();
    if (body === '') return undefined;
    const colon = body.indexOf(': ');
    return colon === -1
      ? { name: body, status, value: '' }
      : { name: body.slice(0, colon).trim(), status, value: body.slice(colon + 2).trim() };
  }
  return undefined;
}

/** Maps the severity words doctor uses (and a few it might) onto the three levels. */
export function normaliseSeverity(word: string): DoctorSeverity {
  const w = word.toLowerCase();
  if (w === 'info' || w === 'notice' || w === 'debug') return 'info';
  if (w === 'error' || w === 'err' || w === 'critical' || w === 'fatal') return 'error';
  // "warning", "warn" and anything unfamiliar: unfamiliar must not silently become harmless.
  return 'warning';
}
