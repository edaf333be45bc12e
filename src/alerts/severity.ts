import type { Severity, Status } from '../contracts.ts';

const RANK: Readonly<Record<Severity, number>> = { info: 0, warn: 1, crit: 2 };

/**
 * The severity an alert about a status carries. UNKNOWN means the check could not tell; it is alerted
 * as a warning so that a flaky probe does not page like a confirmed outage, and a CRIT result later
 * escalates it. OK maps to a warning too: that is what a flapping incident entered on an OK result is.
 */
export function severityOf(status: Status): Severity {
  return status === 'crit' ? 'crit' : 'warn';
}

export function atLeast(severity: Severity, min: Severity): boolean {
  return RANK[severity] >= RANK[min];
}

export function worse(a: Severity, b: Severity): boolean {
  return RANK[a] > RANK[b];
}
