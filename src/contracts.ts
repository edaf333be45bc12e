// The only core types that checks/ and notifiers/ import. Keep this file free of runtime dependencies
// beyond the two error classes, so plugins never pull the core in with it.

export type Status = 'ok' | 'warn' | 'crit' | 'unknown';

/** One thing to do about a failure: a sentence, and the command it runs when there is one. */
export interface RemedyStep {
  /** A sentence ("Start it again the way it was started"). */
  text: string;
  /** A command to run as is: rendered as code, never wrapped. */
  command?: string;
}

export interface CheckResult {
  status: Status;
  /** One line a person reads first. */
  summary: string;
  /**
   * The cause in a few words, for a subject line: "OpenClaw gateway down (nothing listening on
   * 127.0.0.1:18789)". Defaults to the summary.
   */
  headline?: string;
  /** What is wrong, in words (e.g. "port 18789 held by pid 4121 (python3)"). */
  diagnosis?: string;
  /** What to do about it. */
  remedy?: string;
  /** What to do, as ordered steps, the one that fits this host first. When set, `remedy` is its text form. */
  steps?: RemedyStep[];
  /** Numbers that feed trends, perfdata and /metrics (e.g. latencyMs, rssBytes). */
  metrics?: Record<string, number>;
  /** Raw evidence, already redacted. */
  details?: unknown;
  /**
   * A failure that no retry will change (a syntax error in a file, a schema violation): FAILING and
   * alerted at once instead of after failureThreshold results. Never for a probe that can be flaky.
   */
  certain?: boolean;
  /**
   * What kind of failure this is, in one stable word ('gateway', 'conflict'), for checks whose failures
   * call for different hands: a failing incident whose cause changes after it was told is told again
   * ('changed'): the gateway was down, now another program holds its port. Left out where every failure
   * of a check calls for the same action, and never a value that changes from run to run (a pid, a time).
   */
  cause?: string;
}

/** Where the gateway is. The host is always a loopback address. */
export interface GatewayTarget {
  host: string;
  port: number;
  /** How the port was found: 'config', 'env OPENCLAW_GATEWAY_PORT', 'openclaw.json gateway.port', 'default'. */
  portSource: string;
  /** Gateway token (a resolved secret: never log it). */
  token?: string;
  /** The openclaw.json that was (or would be) read. */
  openclawConfigPath: string;
  /** OpenClaw's state directory (~/.openclaw, or OPENCLAW_STATE_DIR, or ~/.openclaw-<profile>). */
  openclawStateDir: string;
}

export interface ExecOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Cap on captured stdout/stderr, each; the rest is dropped. */
  maxOutputBytes?: number;
  /** Told the child's pid as soon as it runs (to watch what it costs). */
  onSpawn?: (pid: number) => void;
  /**
   * At the deadline, also kill the descendants that left the process group (setsid). Only for commands
   * whose descendants are all their own workers (the openclaw CLI): never for a service manager, whose
   * `start` may leave a daemon (pm2's) that runs the user's other programs.
   */
  killTree?: boolean;
}

export interface ExecResult {
  /** Exit code, or null when killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** True when clawmedic killed it for running past its deadline (or the signal aborted it). */
  timedOut: boolean;
  durationMs: number;
  /**
   * Why it was not run at all, when clawmedic held it back (too little memory available, its turn came too
   * late): a check says so, not as a failure of the command.
   */
  skipped?: string;
  /**
   * 'memory': the host is short of memory, worth a WARN. 'turn': another openclaw CLI run held the one slot
   * until this one's deadline (a one-shot `check` runs doctor, secrets, providers and config at once):
   * nothing is wrong, the next run tries again, so a check stays OK and says so.
   */
  skippedFor?: 'memory' | 'turn';
}

/** Runs a program without a shell, in its own process group, killing the group on the deadline. */
export type Exec = (file: string, args: readonly string[], options: ExecOptions) => Promise<ExecResult>;

/** The `openclaw` CLI as found on this host. */
export interface OpenclawCli {
  /** Absolute path of the executable, or null when it was not found. */
  readonly path: string | null;
  /** Why it was not found (searched locations), when path is null. */
  readonly notFoundReason?: string;
  /**
   * Never throws (not found: code null, stderr says so). `options.env` is laid over the environment the
   * CLI was found with, not a replacement for it; `--timeout` is added where the subcommand accepts it.
   */
  run(args: readonly string[], options: ExecOptions): Promise<ExecResult>;
}

export interface Logger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
}

/** One stored result in a check's rolling window (compact on purpose: the state file keeps many). */
export interface HistoryEntry {
  /** Epoch ms when the run finished. */
  at: number;
  status: Status;
  summary: string;
  durationMs: number;
  metrics?: Record<string, number>;
}

export interface CheckContext {
  target: GatewayTarget;
  /** Check-specific options from the config (validated by the check's optionsSchema when it has one). */
  options: Record<string, unknown>;
  /** Aborted when the check's timeout expires or the agent stops. */
  signal: AbortSignal;
  /** The check's timeout, so it can size its own outside calls below it. */
  timeoutMs: number;
  now(): number;
  /** Earlier results, oldest first. */
  history: readonly HistoryEntry[];
  exec: Exec;
  openclaw: OpenclawCli;
  /**
   * What is known about the OpenClaw release (the gateway's version from /startupz, the CLI's, what the
   * gateway answered last time), shared by the checks of one agent. Absent in contexts built by hand.
   */
  openclawVersions?: import('./platform/openclaw-version-cache.ts').OpenclawVersions;
  log: Logger;
  /** clawmedic's own files and the faults the running agent met (what the clawmedic.self check reads). */
  self?: SelfView;
  /** Named numeric series kept in the state file (RSS, restarts, latency...): what trends are computed from. */
  series: SeriesAccess;
  /** The check's private memory between runs (a log cursor, the last bootId), kept in the state file. */
  memory: CheckMemory;
}

/** One sample of a series. */
export interface SeriesPoint {
  /** Epoch ms. */
  at: number;
  value: number;
}

/** A span of a series rolled up: a raw sample is a bucket of one (min = avg = max). */
export interface SeriesBucket {
  /** Epoch ms the bucket starts. */
  at: number;
  /** Samples in it. */
  n: number;
  min: number;
  avg: number;
  max: number;
}

/**
 * Series by name (letters, digits and `._:-`, e.g. "gateway.rss_bytes"), shared by every check. Kept in
 * tiers: raw samples for the last hour, then per-minute min/avg/max for a day, then per-15-minutes for
 * 30 days (configurable with state.series), so the file stays bounded whatever the schedule.
 */
export interface SeriesAccess {
  /** Records a sample (at: epoch ms, default now). Non-finite values and bad names are ignored. */
  record(name: string, value: number, at?: number): void;
  /** Samples since `since`, oldest first, at the finest resolution kept for each span (bucket averages past the raw hour). */
  points(name: string, since: number): SeriesPoint[];
  /** Buckets since `since`, each at least stepMs wide (default: the finest kept), oldest first. */
  buckets(name: string, since: number, stepMs?: number): SeriesBucket[];
  /** Names of the series that have samples. */
  names(): string[];
}

export interface CheckMemory {
  /** What the check stored last time: undefined the first time, or after the state file was reset. */
  get<T = unknown>(): T | undefined;
  /** Replaces it. JSON only, at most 16 KiB once serialised (more throws: a cursor, not a cache). */
  set(value: unknown): void;
}

/** Something that went wrong inside clawmedic itself: a file it cannot write or read, a failed evaluation. */
export interface AgentFault {
  /** What failed, e.g. "state.write", "silences", "alerts", "cycle:gateway.http". */
  key: string;
  severity: 'warn' | 'crit';
  /** One line: what failed and why ("cannot write state file /x: no space left on device (ENOSPC)"). */
  summary: string;
  /** What it means for the person relying on clawmedic ("alerts are kept in memory until ..."). */
  consequence?: string;
  remedy?: string;
  path?: string;
  /** errno code when there is one (ENOSPC, EROFS, EACCES...). */
  code?: string;
  /** Epoch ms of the first failure in this run of failures. */
  since: number;
  /** Failed attempts since then. */
  count: number;
}

export interface SelfView {
  statePath: string;
  silencesPath: string;
  /** True in the running agent; false in a one-shot `check`, which may run as another user (Nagios) and writes nothing. */
  agent: boolean;
  /** Faults in force in the running agent; none in a one-shot `clawmedic check`. */
  faults(): readonly AgentFault[];
}

export interface Check {
  id: string;
  /** A few words for people: "Gateway HTTP health endpoints". */
  title: string;
  defaults: {
    /** A duration ("30s", "5m") for a fixed interval, or a cron expression (seconds allowed). */
    schedule: string;
    timeoutMs: number;
    /** Default check-specific options. */
    options?: Record<string, unknown>;
    /** Thresholds for this check when the config sets none for it (else the config's defaults apply). */
    failureThreshold?: number;
    successThreshold?: number;
  };
  /** Inhibition: while one of these is failing, this check is not alerted on separately. */
  dependsOn?: string[];
  /**
   * Checks that can be the cause of this one's failure (gateway.port: config, since a gateway with an
   * invalid config exits 78 at every start). When this check starts failing they are run at once; while
   * one of them has an open CRIT incident, this check's alert is folded into it. Unlike dependsOn, a cause
   * is never waited for.
   */
  explainedBy?: string[];
  /**
   * Reads what earlier runs recorded (series, its memory): a one-shot `clawmedic check` then loads the
   * agent's state file (read-only) for it; other checks start it without that cost.
   */
  usesState?: boolean;
  /** Schema of `checks.<id>.options`, so `config validate` reports a bad option with its key path. */
  optionsSchema?: import('zod').ZodType<Record<string, unknown>>;
  run(ctx: CheckContext): Promise<CheckResult>;
}

// ---- alerts ---------------------------------------------------------------------------------

export type Severity = 'crit' | 'warn' | 'info';

/**
 * 'recovery': an auto-recovery event (started, recovered, failed, gave up), not a check's transition.
 * 'deescalated': a failing check whose severity went down (CRIT -> WARN), told at its current severity.
 * 'changed': a failing check whose cause changed (CheckResult.cause), told with the new cause.
 */
export type AlertKind = 'failing' | 'resolved' | 'flapping' | 'reminder' | 'escalated' | 'deescalated' | 'changed' | 'test' | 'recovery';

export interface Alert {
  /** Stable identity of the condition: check + condition, e.g. "gateway.http:failing". */
  fingerprint: string;
  /**
   * The incident's id (8 characters), the same in the log, every notifier and `status`, and on every
   * alert about it (failing, reminders, resolved): what threads a resolved mail to its alert.
   */
  incidentId?: string;
  kind: AlertKind;
  checkId: string;
  severity: Severity;
  summary: string;
  /** The cause in a few words (CheckResult.headline); the summary when absent. */
  headline?: string;
  diagnosis?: string;
  remedy?: string;
  steps?: RemedyStep[];
  /** ISO time the condition was first seen (for a severity change: since when it has this severity). */
  since: string;
  /** For resolved alerts: how long the condition lasted. */
  durationMs?: number;
  /** Checks folded into this alert because they depend on this one (inhibition). */
  related?: Array<{ checkId: string; summary: string }>;
}

export interface AlertBatch {
  /** Unique id; notifiers that support it pass it on as an idempotency key. */
  id: string;
  /** ISO time the batch was made. */
  createdAt: string;
  /** Host name of the machine clawmedic runs on. */
  host: string;
  /** The gateway it watches, e.g. "127.0.0.1:18789". */
  gateway: string;
  /** IANA time zone times are shown in (alerting.timezone, else the host's); UTC in footers. */
  timeZone?: string;
  alerts: Alert[];
}

export interface Notifier {
  /** Instance name from the config (e.g. "ops-slack"). */
  name: string;
  /** Type (e.g. "slack"). */
  type: string;
  /**
   * The notifier's own deadline for one send, in ms, when it has one. The outbox (and test-notify)
   * then abort an attempt only a margin after it, instead of at the general attempt timeout: a send
   * cut short while the receiver is still working is retried and can arrive twice.
   */
  timeoutMs?: number;
  /** Delivers the batch or throws TransientError / PermanentError. */
  send(batch: AlertBatch, signal: AbortSignal): Promise<void>;
  /**
   * Work between sends (Alertmanager's re-posting of what fires), started by the agent's alert router
   * with what it watches; a one-shot command (test-notify) never starts it.
   */
  start?(watching: { host: string; gateway: string }): void;
  /** Ends that work: the agent stops, or reloads its config and builds new notifiers. */
  stop?(): void;
}

/** A delivery failure worth retrying (timeout, connection refused, 5xx, 429). */
export class TransientError extends Error {
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options?: { retryAfterMs?: number; cause?: unknown }) {
    super(message, { cause: options?.cause });
    this.name = 'TransientError';
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/** A delivery failure that retrying cannot fix (4xx, bad address, rejected credentials). */
export class PermanentError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { cause: options?.cause });
    this.name = 'PermanentError';
  }
}

export interface NotifierDeps {
  /**
   * Resolves a secret field: "env:NAME" reads the environment, "file:/path" reads the file (trimmed),
   * anything else is the literal value. The value is registered for redaction. Throws a one-line
   * error naming the reference (never the value) when it cannot be resolved.
   */
  resolveSecret(ref: string): string;
  /** Masks every known secret and secret-looking pattern in a text. */
  redact(text: string): string;
  log: Logger;
  now(): number;
}

/** Builds a notifier from its config entry; options have passed optionsSchema already. */
export interface NotifierFactory<Options = Record<string, unknown>> {
  type: string;
  /** A zod schema for the entry's options (everything but name/type/route keys). */
  optionsSchema: import('zod').ZodType<Options>;
  create(name: string, options: Options, deps: NotifierDeps): Notifier;
}
