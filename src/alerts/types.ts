import type { Alert, AlertBatch, Notifier, RemedyStep, Severity } from '../contracts.ts';

/** Why an incident is not being alerted on right now; shown by `status`. */
export interface SilencedBy {
  type: 'silence' | 'maintenance';
  /** Silence id, or the maintenance window's cron expression. */
  id: string;
  /** ISO time the silence or window ends. */
  until: string;
  reason?: string;
}

export type IncidentCondition = 'failing' | 'flapping';

/** An open incident of one check, persisted so a restart neither forgets nor re-announces it. */
export interface Incident {
  /** Short random id (8 hex characters): the same in the log, every notifier and `status`. */
  id?: string;
  fingerprint: string;
  checkId: string;
  condition: IncidentCondition;
  /** Epoch ms the incident began (the first non-OK result). */
  since: number;
  /** Epoch ms it reached its current condition (FAILING or FLAPPING). */
  openedAt: number;
  /** The current severity (a CRIT that became WARN is WARN now). */
  severity: Severity;
  /** Epoch ms it has had its current severity. */
  severitySince?: number;
  /** The worst severity it reached, for its history. */
  worstSeverity?: Severity;
  summary: string;
  headline?: string;
  diagnosis?: string;
  remedy?: string;
  steps?: RemedyStep[];
  /** It was alerted on its own (not folded into another): its resolved notice is its own too. */
  announcedAlone?: boolean;
  /** The failing/flapping alert went out (or was routed nowhere); false while held back. */
  announced: boolean;
  /** Severity of the last alert sent, so a worse one is worth an 'escalated' alert. */
  announcedSeverity?: Severity;
  /** The current result's cause (CheckResult.cause), when the check gives one. */
  cause?: string;
  /** The cause the last alert told, so another one is worth a 'changed' alert. */
  announcedCause?: string;
  /** Consecutive results with the current cause: a change is told once it held for CAUSE_CONFIRM_RUNS. */
  causeRuns?: number;
  /** 'changed' alerts sent (at most MAX_CHANGES_TOLD). */
  changesTold?: number;
  /** Notifiers that received any alert about it: its resolved notice goes to them. */
  notifiedVia: string[];
  lastNotifiedAt?: number;
  /** How many reminders went out; picks the next interval. */
  reminderIndex: number;
  /** The open parent incident this one is folded into (inhibition). */
  inhibitedBy?: string;
  silencedBy?: SilencedBy;
}

/** An incident that closed and waits for the batch window to decide whether and where it is told. */
export interface ResolvedIncident {
  incident: Incident;
  /** Epoch ms it resolved. */
  at: number;
  /** The summary of the OK result that resolved it. */
  summary: string;
}

/** Names of the state-file sections the router and the outbox keep (for `status` reading them offline). */
export const ALERTS_SECTION = 'alerts';
export const OUTBOX_SECTION = 'outbox';

export interface AlertsSection {
  version: 1;
  incidents: Record<string, Incident>;
  resolved: ResolvedIncident[];
  /** Events raised (recovery attempts) waiting for the batch window; persisted so a crash does not lose them. */
  events?: Alert[];
}

export type OutboxStatus = 'pending' | 'sent' | 'failed';

export interface OutboxEntry {
  id: string;
  notifier: string;
  batch: AlertBatch;
  status: OutboxStatus;
  createdAt: number;
  /** No attempt before this (backoff). */
  nextAttemptAt: number;
  /** Gives up (and falls back) once an attempt fails at or after this. */
  deadlineAt: number;
  attempts: number;
  lastAttemptAt?: number;
  /** Redacted. */
  lastError?: string;
  finishedAt?: number;
  /** Id of the failed entry this one is the fallback delivery of. */
  fallbackOf?: string;
  /** Id of the entry that carries this one's batch to the fallback notifier. */
  fallbackEntry?: string;
}

export interface OutboxSection {
  version: 1;
  entries: OutboxEntry[];
}

export interface NotifierRoute {
  /** Alerts below this severity do not go to the notifier (crit > warn > info). */
  minSeverity: Severity;
  /** Only these checks, when given. */
  checks?: string[];
}

export interface RoutedNotifier {
  notifier: Notifier;
  route: NotifierRoute;
}
