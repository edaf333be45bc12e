import type { Alert, AlertKind } from '../contracts.ts';
import type { CheckState } from '../evaluate/types.ts';
import type { AlertingConfig } from './config.ts';
import { foldTarget, pendingParent } from './inhibition.ts';
import type { DependencyMap } from './inhibition.ts';
import { nextReminderAt } from './reminders.ts';
import { CAUSE_CONFIRM_RUNS, MAX_CHANGES_TOLD, newIncidentId } from './incidents.ts';
import { worse } from './severity.ts';
import type { AlertsSection, Incident, ResolvedIncident, SilencedBy } from './types.ts';

export interface PlanContext {
  now: number;
  config: AlertingConfig;
  dependsOn: DependencyMap;
  /** Check id -> checks whose CRIT incident explains it: folded into like a parent, but never waited for. */
  causes?: DependencyMap;
  /** The check's last known state machine state (undefined after a restart until it reports). */
  stateOf(checkId: string): CheckState | undefined;
  /** The silence or maintenance window covering the check now. */
  silencedBy(checkId: string): SilencedBy | undefined;
  /** Notifier names whose route takes the alert. */
  routesFor(alert: Alert): string[];
}

export interface PlannedAlert {
  alert: Alert;
  /** Notifier names. */
  to: string[];
}

const KIND_ORDER: Record<AlertKind, number> = { failing: 0, flapping: 1, changed: 2, escalated: 3, deescalated: 4, recovery: 5, reminder: 6, resolved: 7, test: 8 };
const SEVERITY_ORDER = { crit: 0, warn: 1, info: 2 } as const;

/**
 * Decides, at the end of a batch window (or on a tick), what to tell about the open and just-resolved
 * incidents, and records on them what was decided. Everything is derived from the incidents as they
 * stand, so an alert held back (inhibited, silenced, waiting for a pending parent) goes out on the
 * first evaluation after the reason ended, and a restart neither forgets nor repeats one.
 */
export function planAlerts(section: AlertsSection, ctx: PlanContext): PlannedAlert[] {
  const { now } = ctx;
  const incidents = Object.values(section.incidents).sort((a, b) => a.since - b.since);
  const isOpen = (id: string): boolean => id in section.incidents;
  // A cause explains a failure only while it is itself a CRIT failure: a config WARN (a missing env
  // var) does not explain a gateway that is down, and must not swallow its alert.
  const causes = ctx.causes ?? {};
  const isCause = (id: string): boolean => section.incidents[id]?.severity === 'crit';
  const folded = (checkId: string): string | undefined =>
    foldTarget(checkId, ctx.dependsOn, isOpen) ?? (causes[checkId]?.length ? foldTarget(checkId, causes, isCause) : undefined);

  for (const incident of incidents) {
    setOptional(incident, 'inhibitedBy', folded(incident.checkId));
    setOptional(incident, 'silencedBy', ctx.silencedBy(incident.checkId));
  }
  // gateway.http folds into gateway.port, which folds into its cause: all of them go into the cause's alert.
  // Folds that go round in a circle (a dependsOn b, b dependsOn a, both failing) end at the circle's
  // oldest incident, which alerts: otherwise each would be folded into the other and nobody told.
  const tops = new Map<string, string | undefined>();
  for (const incident of incidents) {
    // The incidents its folds lead through, until the top (next undefined) or a circle (next seen before).
    const path: string[] = [];
    let next = incident.inhibitedBy;
    while (next !== undefined && !path.includes(next)) {
      path.push(next);
      // Stryker disable next-line OptionalChaining: folded() names open incidents only
      next = section.incidents[next]?.inhibitedBy;
    }
    // Stryker disable next-line ConditionalExpression: without a circle, path.slice(-1) holds just the top, which gives the same top
    const circle = next === undefined ? [] : path.slice(path.indexOf(next));
    const top = circle.length > 0 ? incidents.find((i) => circle.includes(i.checkId))!.checkId : path.at(-1);
    tops.set(incident.checkId, top === incident.checkId ? undefined : top);
  }
  for (const incident of incidents) setOptional(incident, 'inhibitedBy', tops.get(incident.checkId));

  const planned: PlannedAlert[] = [];
  for (const incident of incidents) {
    if (incident.inhibitedBy || incident.silencedBy) continue;
    const kind = raiseKind(incident, ctx);
    if (!kind) continue;
    const related = incidents
      .filter((c) => c.inhibitedBy === incident.checkId)
      .map((c) => ({ checkId: c.checkId, summary: c.summary }));
    const alert = toAlert(incident, kind, related);
    const to = ctx.routesFor(alert);
    if (kind === 'reminder') incident.reminderIndex += 1;
    if (kind === 'changed') incident.changesTold = (incident.changesTold ?? 0) + 1;
    if (kind === 'failing' || kind === 'flapping') {
      incident.announced = true;
      incident.announcedAlone = true;
      incident.reminderIndex = 0;
    }
    incident.announcedSeverity = incident.severity;
    if (incident.cause) incident.announcedCause = incident.cause;
    else delete incident.announcedCause;
    incident.lastNotifiedAt = now;
    incident.notifiedVia = [...new Set([...incident.notifiedVia, ...to])];
    if (to.length > 0) planned.push({ alert, to });
  }

  planned.push(...planResolved(section.resolved, ctx));
  section.resolved = [];

  return planned.sort(
    (a, b) => KIND_ORDER[a.alert.kind] - KIND_ORDER[b.alert.kind] || SEVERITY_ORDER[a.alert.severity] - SEVERITY_ORDER[b.alert.severity],
  );
}

function raiseKind(incident: Incident, ctx: PlanContext): AlertKind | undefined {
  if (!incident.announced) {
    // Released from inhibition or a silence while already getting better: told if it fails again.
    if (ctx.stateOf(incident.checkId) === 'recovering') return undefined;
    // A parent about to fail would explain this one: wait for it, but not for ever.
    const holding = pendingParent(incident.checkId, ctx.dependsOn, (id) => ctx.stateOf(id) === 'pending');
    if (holding && ctx.now - incident.openedAt < ctx.config.inhibitHoldMs) return undefined;
    return incident.condition;
  }
  if (incident.announcedSeverity && worse(incident.severity, incident.announcedSeverity)) return 'escalated';
  // Told at its current severity: a CRIT that became a WARN must not keep paging as a CRIT.
  if (incident.announcedSeverity && worse(incident.announcedSeverity, incident.severity)) return 'deescalated';
  if (causeChanged(incident)) return 'changed';
  const due = nextReminderAt(incident, ctx.config.reminders);
  if (due !== undefined && due <= ctx.now) return 'reminder';
  return undefined;
}

/**
 * What a person must do changed (the gateway was down; now another program holds its port): between two
 * causes the check named, held for CAUSE_CONFIRM_RUNS results, a few times per incident at most. Not
 * while flapping, where causes come and go with the flaps.
 */
function causeChanged(incident: Incident): boolean {
  if (incident.condition !== 'failing' || !incident.announcedCause || !incident.cause || incident.cause === incident.announcedCause) return false;
  return (incident.causeRuns ?? 0) >= CAUSE_CONFIRM_RUNS && (incident.changesTold ?? 0) < MAX_CHANGES_TOLD;
}

/**
 * Resolved notices go to the notifiers that were told about the incident. A dependent that resolves
 * in the same window as the parent it was folded into is folded into the parent's notice.
 */
function planResolved(resolved: readonly ResolvedIncident[], ctx: PlanContext): PlannedAlert[] {
  if (!ctx.config.sendResolved) return [];
  const byCheck = new Map<string, PlannedAlert>();
  const out: PlannedAlert[] = [];
  const notices = resolved.map((r) => ({ r, alert: resolvedAlert(r) }));
  const parentsHere = new Set(resolved.map((r) => r.incident.checkId));
  for (const { r, alert } of notices) {
    const { incident } = r;
    // Folded into its parent's notice, unless people were told about it on its own.
    if (incident.inhibitedBy && parentsHere.has(incident.inhibitedBy) && !incident.announcedAlone) continue;
    // Resolved while silenced: the silence said "do not tell me about this", and nothing new happened.
    if (incident.silencedBy || ctx.silencedBy(incident.checkId)) continue;
    // Nobody heard of it (held back, inhibited, or shorter than the window): nothing to take back.
    if (incident.notifiedVia.length === 0) continue;
    const planned = { alert, to: [...incident.notifiedVia] };
    byCheck.set(incident.checkId, planned);
    out.push(planned);
  }
  for (const { r } of notices) {
    if (r.incident.announcedAlone) continue;
    const parent = r.incident.inhibitedBy && byCheck.get(r.incident.inhibitedBy);
    if (!parent) continue;
    (parent.alert.related ??= []).push({ checkId: r.incident.checkId, summary: r.summary });
  }
  return out;
}

function toAlert(incident: Incident, kind: AlertKind, related: Alert['related']): Alert {
  // A severity change is told from when it changed; the rest from when the incident began.
  const since = kind === 'escalated' || kind === 'deescalated' ? (incident.severitySince ?? incident.since) : incident.since;
  const alert: Alert = {
    fingerprint: incident.fingerprint,
    incidentId: (incident.id ??= newIncidentId()),
    kind,
    checkId: incident.checkId,
    severity: incident.severity,
    summary: incident.summary,
    since: new Date(since).toISOString(),
  };
  if (incident.headline) alert.headline = incident.headline;
  if (incident.diagnosis) alert.diagnosis = incident.diagnosis;
  if (incident.remedy) alert.remedy = incident.remedy;
  if (incident.steps?.length) alert.steps = incident.steps;
  if (related && related.length > 0) alert.related = related;
  return alert;
}

/** What recovered (the incident's own headline) and what is true now (the summary of the OK result). */
function resolvedAlert({ incident, at, summary }: ResolvedIncident): Alert {
  return {
    fingerprint: incident.fingerprint,
    incidentId: (incident.id ??= newIncidentId()),
    kind: 'resolved',
    checkId: incident.checkId,
    severity: incident.severity,
    summary,
    headline: incident.headline ?? incident.summary,
    since: new Date(incident.since).toISOString(),
    durationMs: Math.max(0, at - incident.since),
  };
}

function setOptional<K extends 'inhibitedBy' | 'silencedBy'>(incident: Incident, key: K, value: Incident[K] | undefined): void {
  if (value === undefined) delete incident[key];
  else incident[key] = value;
}
