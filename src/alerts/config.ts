export interface MaintenanceWindowConfig {
  /** Cron expression (croner syntax, seconds allowed) for the start of each window. */
  cron: string;
  /** How long each window lasts from its start. */
  durationMs: number;
  /** IANA time zone the cron expression is read in; the host's zone when absent. */
  timezone?: string;
  /** Checks the window covers; all checks when absent or empty. */
  checks?: string[];
  /** Shown by `status` while the window is in force. */
  reason?: string;
}

export interface AlertingConfig {
  /** Alerts raised within this window of the first one go out as one batch per notifier. */
  batchWindowMs: number;
  /** Reminders while an incident stays open: after each interval in turn, then repeating the last. */
  reminders: { enabled: boolean; intervalsMs: number[] };
  /** Send a notice when an incident that was alerted on resolves. */
  sendResolved: boolean;
  delivery: {
    /** Ceiling of the first retry delay (full jitter); it doubles per failed attempt up to maxBackoffMs. */
    initialBackoffMs: number;
    /** Ceiling of every retry delay, a receiver's Retry-After included. */
    maxBackoffMs: number;
    /**
     * Floor of every retry delay: jitter, a Retry-After of 0 or in the past, or an initialBackoffMs of 0
     * never retry sooner. Not in the config file (retryBackoff has a minimum of 1s there); tests lower it.
     */
    minRetryDelayMs: number;
    /** After this long without a successful send, the entry fails and goes to the fallback notifier. */
    deadlineMs: number;
    /**
     * Abort of one attempt of a notifier that does not state its own timeoutMs; one that does is aborted
     * ATTEMPT_TIMEOUT_MARGIN_MS after its own timeout instead (see attemptTimeoutFor).
     */
    attemptTimeoutMs: number;
    /** Finished (sent or failed) outbox entries kept for `status`: at most this many... */
    retainCount: number;
    /** ...and none older than this. */
    retainMs: number;
  };
  maintenance: MaintenanceWindowConfig[];
  /** How often the router looks for due reminders, ended silences and changed silence files. */
  tickIntervalMs: number;
  /**
   * How long a dependent check's alert waits while one of its parents is PENDING: the parent usually
   * crosses its failure threshold a cycle later, and the dependent is then folded into its alert.
   */
  inhibitHoldMs: number;
}

export const DEFAULT_ALERTING_CONFIG: AlertingConfig = {
  batchWindowMs: 10_000,
  reminders: { enabled: true, intervalsMs: [30 * 60_000, 2 * 3_600_000, 8 * 3_600_000] },
  sendResolved: true,
  delivery: {
    initialBackoffMs: 5_000,
    maxBackoffMs: 300_000,
    minRetryDelayMs: 1_000,
    deadlineMs: 86_400_000,
    attemptTimeoutMs: 15_000,
    retainCount: 50,
    retainMs: 7 * 86_400_000,
  },
  maintenance: [],
  tickIntervalMs: 30_000,
  inhibitHoldMs: 5 * 60_000,
};

export interface AlertingConfigInput {
  batchWindowMs?: number;
  reminders?: Partial<AlertingConfig['reminders']>;
  sendResolved?: boolean;
  delivery?: Partial<AlertingConfig['delivery']>;
  maintenance?: MaintenanceWindowConfig[];
  tickIntervalMs?: number;
  inhibitHoldMs?: number;
}

/** Fills what the user left out with the defaults (one level deep, which is all the shape has). */
export function withAlertingDefaults(input: AlertingConfigInput = {}): AlertingConfig {
  const d = DEFAULT_ALERTING_CONFIG;
  return {
    batchWindowMs: input.batchWindowMs ?? d.batchWindowMs,
    reminders: {
      enabled: input.reminders?.enabled ?? d.reminders.enabled,
      intervalsMs: [...(input.reminders?.intervalsMs ?? d.reminders.intervalsMs)],
    },
    sendResolved: input.sendResolved ?? d.sendResolved,
    delivery: { ...d.delivery, ...stripUndefined(input.delivery ?? {}) },
    maintenance: [...(input.maintenance ?? d.maintenance)],
    tickIntervalMs: input.tickIntervalMs ?? d.tickIntervalMs,
    inhibitHoldMs: input.inhibitHoldMs ?? d.inhibitHoldMs,
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
