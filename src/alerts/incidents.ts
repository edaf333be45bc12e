import { randomBytes } from 'node:crypto';
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
    if (open) updateFromResult(open, result, redact, openedAt, false);
    return false;
  }
  const condition: IncidentCondition = t.to;
  if (open && open.condition === condition) {
    // RECOVERING -> FAILING: the same open incident, no new alert (unless its severity changed).
    return updateFromResult(open, result, redact, openedAt, condition === 'failing');
  }
  if (open) {
    // Flapping settled into failing, or failing started to flap: the same incident, told anew.
    open.condition = condition;
    open.fingerprint = fingerprintOf(t.checkId, condition);
    open.announced = false;
    delete open.announcedSeverity;
    delete open.announcedCause;
    delete open.changesTold;
    open.reminderIndex = 0;
    open.openedAt = openedAt;
    updateFromResult(open, result, redact, openedAt);
    return true;
  }
  // The worst status of the incident so far counts too: FLAPPING is often entered on an OK result.
  let severity = severityOf(result.status);
  if (t.worstStatus && worse(severityOf(t.worstStatus), severity)) severity = severityOf(t.worstStatus);
  const incident: Incident = {
    id: newIncidentId(),
    fingerprint: fingerprintOf(t.checkId, condition),
    checkId: t.checkId,
    condition,
    since: t.incidentSince ?? t.at,
    openedAt,
    severity,
    severitySince: t.incidentSince ?? t.at,
    worstSeverity: severity,
    summary: redact(result.summary),
    announced: false,
    notifiedVia: [],
    reminderIndex: 0,
  };
  if (result.status !== 'ok') setText(incident, result, redact);
  section.incidents[t.checkId] = incident;
  return true;
}

/** 8 hex characters: short enough to say on the phone, unique enough among one host's incidents. */
export function newIncidentId(): string {
  return randomBytes(4).toString('hex');
}

/**
 * Keeps an open incident's words current and, when `steady` (the check is FAILING, not flapping), its
 * severity at the current result's: a CRIT that became a WARN is a WARN now, since `at` (the worst stays
 * in worstSeverity). Returns true when the severity changed (an escalated or de-escalated notice may be due).
 */
export function updateFromResult(incident: Incident, result: CheckResult, redact: (s: string) => string, at: number, steady = true): boolean {
  if (result.status === 'ok') return false;
  setText(incident, result, redact);
  const severity = severityOf(result.status);
  if (!steady || severity === incident.severity) return false;
  incident.worstSeverity = worse(severity, incident.worstSeverity ?? incident.severity) ? severity : (incident.worstSeverity ?? incident.severity);
  incident.severity = severity;
  incident.severitySince = at;
  return true;
}

/** Results a new cause must hold for before it is told: a cause that flips at every run is not news. */
export const CAUSE_CONFIRM_RUNS = 2;
/** 'changed' alerts an incident may send; later changes show in its reminders and `status`. */
export const MAX_CHANGES_TOLD = 3;

/**
 * Counts one more result of a FAILING check under its incident's current cause (once per result: the
 * router calls it from onResult only). True when this result confirms a cause other than the one told.
 */
export function countCause(incident: Incident, result: CheckResult): boolean {
  if (result.status === 'ok' || !incident.cause) return false;
  incident.causeRuns = (incident.causeRuns ?? 0) + 1;
  return incident.causeRuns === CAUSE_CONFIRM_RUNS && incident.announcedCause !== undefined && incident.cause !== incident.announcedCause;
}

function setText(incident: Incident, result: CheckResult, redact: (s: string) => string): void {
  incident.summary = redact(result.summary);
  if (result.cause !== incident.cause) incident.causeRuns = 0;
  if (result.cause) incident.cause = result.cause;
  else delete incident.cause;
  setOrDelete(incident, 'headline', result.headline && redact(result.headline));
  setOrDelete(incident, 'diagnosis', result.diagnosis && redact(result.diagnosis));
  setOrDelete(incident, 'remedy', result.remedy && redact(result.remedy));
  if (result.steps?.length) {
    incident.steps = result.steps.map((s) => (s.command ? { text: redact(s.text), command: redact(s.command) } : { text: redact(s.text) }));
  } else delete incident.steps;
}

function setOrDelete(incident: Incident, key: 'headline' | 'diagnosis' | 'remedy', value: string | undefined): void {
  if (value) incident[key] = value;
  else delete incident[key];
}
