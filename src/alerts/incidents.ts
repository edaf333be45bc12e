import type { CheckResult } from '../contracts.ts';
import type { Transition } from '../evaluate/types.ts';
import { severityOf, worse } from './severity.ts';
import type { AlertsSection, Incident, IncidentCondition } from './types.ts';

// How transitions open, change and close incidents. Deciding what to tell, and whom, is the planner's
// job at the end of the batch window; this only keeps the record straight.

export function fingerprintOf(checkId: string, condition: IncidentCondition): string {
  return `${checkId}:${condition}`;
}

/** Records a transition. Returns true when it may be worth an alert (the batch window should open). */
export function applyTransition(section: AlertsSection, t: Transition, result: CheckResult, redact: (s: string) => string, openedAt: number): boolean {
  const open = section.incidents[t.checkId];
  if (t.to === 'ok') {
    // PENDING -> OK (a blip) never opened an incident: nothing to resolve.
    if (!open) return false;
    delete section.incidents[t.checkId];
    section.resolved.push({ incident: open, at: t.at, summary: redact(result.summary) });
    return true;
  }
  if (t.to !== 'failing' && t.to !== 'flapping') {
    // PENDING and RECOVERING change nothing yet; a non-OK result still refreshes what the incident says.
    if (open) updateFromResult(open, result, redact, false);
    return false;
  }
  const condition: IncidentCondition = t.to;
  if (open && open.condition === condition) {
    // RECOVERING -> FAILING: the same open incident, no new alert (unless it got worse).
    return updateFromResult(open, result, redact, condition === 'failing');
  }
  if (open) {
    // Flapping settled into failing, or failing started to flap: the same incident, told anew.
    open.condition = condition;
    open.fingerprint = fingerprintOf(t.checkId, condition);
    open.announced = false;
    delete open.announcedSeverity;
    open.reminderIndex = 0;
    open.openedAt = openedAt;
    updateFromResult(open, result, redact);
    return true;
  }
  // The worst status of the incident so far counts too: FLAPPING is often entered on an OK result.
  let severity = severityOf(result.status);
  if (t.worstStatus && worse(severityOf(t.worstStatus), severity)) severity = severityOf(t.worstStatus);
  const incident: Incident = {
    fingerprint: fingerprintOf(t.checkId, condition),
    checkId: t.checkId,
    condition,
    since: t.incidentSince ?? t.at,
    openedAt,
    severity,
    summary: redact(result.summary),
    announced: false,
    notifiedVia: [],
    reminderIndex: 0,
  };
  if (result.status !== 'ok') setText(incident, result, redact);
  section.incidents[t.checkId] = incident;
  return true;
}

/**
 * Keeps an open incident's words current and, when `escalate`, its severity at the worst seen.
 * Returns true when the severity got worse (an 'escalated' alert may be due).
 */
export function updateFromResult(incident: Incident, result: CheckResult, redact: (s: string) => string, escalate = true): boolean {
  if (result.status === 'ok') return false;
  setText(incident, result, redact);
  const severity = severityOf(result.status);
  if (!escalate || !worse(severity, incident.severity)) return false;
  incident.severity = severity;
  return true;
}

function setText(incident: Incident, result: CheckResult, redact: (s: string) => string): void {
  incident.summary = redact(result.summary);
  if (result.diagnosis) incident.diagnosis = redact(result.diagnosis);
  else delete incident.diagnosis;
  if (result.remedy) incident.remedy = redact(result.remedy);
  else delete incident.remedy;
}
