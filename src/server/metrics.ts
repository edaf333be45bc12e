// /metrics: the status view, the recorded series and the agent's own process in Prometheus's terms.
// Names follow its conventions (base units in the name: _bytes, _seconds, _ratio; counters end in _total).
import type { SeriesAccess, Status } from '../contracts.ts';
import type { CheckState } from '../evaluate/types.ts';
import type { StatusView } from '../status/view.ts';
import { writeProcessMetrics } from './process-metrics.ts';
import { Histogram, MetricsText } from './prom-text.ts';
import { seriesMetric } from './series-metrics.ts';

export const STATUS_VALUE: Record<Status, number> = { ok: 0, warn: 1, crit: 2, unknown: 3 };
const STATES: readonly CheckState[] = ['ok', 'pending', 'failing', 'recovering', 'flapping'];
const DURATION_BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** A series value older than this is not the gateway's state any more (it stopped being measured). */
export const SERIES_FRESH_MS = 15 * 60_000;

/**
 * What /metrics keeps between scrapes: run durations, and the running totals of counted series and
 * recovery attempts. It lives as long as the agent's process, across config reloads, so counters only
 * reset when the agent restarts.
 */
export class MetricsState {
  private readonly durations = new Map<string, Histogram>();
  private readonly counted = new Map<string, { total: number; lastAt: number }>();
  private recoverySeen: Set<string> | undefined;
  private readonly recoveryTotals = new Map<string, number>();

  observeRun(checkId: string, seconds: number): void {
    let h = this.durations.get(checkId);
    if (!h) {
      h = new Histogram(DURATION_BOUNDS);
      this.durations.set(checkId, h);
    }
    h.observe(seconds);
  }

  runDurations(): ReadonlyMap<string, Histogram> {
    return this.durations;
  }

  /** The sum of a series' samples recorded since the first scrape (earlier history is not counted twice after a restart). */
  countedTotal(series: SeriesAccess, name: string, now: number): number {
    let c = this.counted.get(name);
    if (!c) {
      c = { total: 0, lastAt: series.points(name, now - SERIES_FRESH_MS).at(-1)?.at ?? now };
      this.counted.set(name, c);
      return 0;
    }
    for (const b of series.buckets(name, c.lastAt + 1)) {
      c.total += b.avg * b.n;
      c.lastAt = Math.max(c.lastAt, b.at);
    }
    return c.total;
  }

  /** Finished recovery attempts by outcome, counted once each from the first scrape on. */
  recoveryAttempts(attempts: ReadonlyArray<{ id: string; outcome?: string }>): ReadonlyMap<string, number> {
    const finished = attempts.filter((a) => a.outcome);
    if (!this.recoverySeen) {
      this.recoverySeen = new Set(finished.map((a) => a.id));
      return this.recoveryTotals;
    }
    for (const a of finished) {
      if (this.recoverySeen.has(a.id)) continue;
      this.recoverySeen.add(a.id);
      this.recoveryTotals.set(a.outcome!, (this.recoveryTotals.get(a.outcome!) ?? 0) + 1);
    }
    return this.recoveryTotals;
  }
}

export interface MetricsInput {
  view: StatusView;
  series: SeriesAccess;
  state: MetricsState;
  now: number;
  version: string;
}

const seconds = (iso: string | null | undefined): number | undefined => (iso ? Date.parse(iso) / 1000 : undefined);

export function renderMetrics({ view, series, state, now, version }: MetricsInput): string {
  const m = new MetricsText();
  m.gauge('clawmedic_build_info', 'clawmedic version and the Node.js running it; always 1.', 1, { version, nodejs: process.versions.node });
  m.gauge('clawmedic_up', '1 while the agent answers; absent (no scrape) when it does not.', 1);
  const lastCycle = seconds(view.lastCycle?.at);
  if (lastCycle !== undefined) m.gauge('clawmedic_last_cycle_timestamp_seconds', 'When the agent last finished a check run: its loop was alive then.', lastCycle);
  m.gauge('clawmedic_problems', "Problems with clawmedic's own files (a damaged part of the state file, an unreadable silences file), as status lists them.", view.problems.length);
  checkMetrics(m, view);
  durationMetrics(m, state);
  seriesMetrics(m, series, state, now);
  memoryTrendMetrics(m, view);
  alertMetrics(m, view);
  recoveryMetrics(m, view, state);
  writeProcessMetrics(m);
  return m.text();
}

function checkMetrics(m: MetricsText, view: StatusView): void {
  m.declare('clawmedic_check_status', 'Last result of each check: 0 OK, 1 WARN, 2 CRIT, 3 UNKNOWN.', 'gauge');
  for (const c of view.checks) {
    if (!c.enabled || !c.status) continue;
    const check = { check: c.id };
    m.gauge('clawmedic_check_status', 'Last result of each check: 0 OK, 1 WARN, 2 CRIT, 3 UNKNOWN.', STATUS_VALUE[c.status as Status] ?? 3, check);
    for (const s of STATES) m.gauge('clawmedic_check_state', "Each check's alerting state machine: 1 for the state it is in.", c.state === s ? 1 : 0, { ...check, state: s });
    const since = seconds(c.since);
    if (since !== undefined) m.gauge('clawmedic_check_since_timestamp_seconds', 'Since when the check is in trouble (its open incident), else in its state.', since, check);
    const last = seconds(c.lastRunAt);
    if (last !== undefined) m.gauge('clawmedic_check_last_run_timestamp_seconds', 'When the check last finished a run.', last, check);
  }
}

function durationMetrics(m: MetricsText, state: MetricsState): void {
  for (const [check, h] of state.runDurations()) m.histogram('clawmedic_check_duration_seconds', 'How long check runs take (since the agent started).', h.data(), { check });
}

function seriesMetrics(m: MetricsText, series: SeriesAccess, state: MetricsState, now: number): void {
  for (const name of series.names().sort()) {
    const spec = seriesMetric(name);
    if (spec.kind === 'skip') continue;
    if (spec.kind === 'counter') {
      m.counter(spec.metric, spec.help, state.countedTotal(series, name, now));
      continue;
    }
    const last = series.points(name, now - SERIES_FRESH_MS).at(-1);
    if (last) m.gauge(spec.metric, spec.help, last.value * (spec.scale ?? 1), spec.labels ?? {});
  }
}

/** The memory check's own judgement: its limit, and the Theil-Sen growth that a GC sawtooth does not fool. */
function memoryTrendMetrics(m: MetricsText, view: StatusView): void {
  const memory = view.checks.find((c) => c.id === 'memory' && c.enabled);
  const metrics = memory?.metrics;
  if (!metrics) return;
  if (metrics.limitBytes !== undefined) m.gauge('clawmedic_gateway_memory_limit_bytes', "The nearest memory limit of the gateway (maxMemory, host memory share, its cgroup's memory.max).", metrics.limitBytes);
  if (metrics.growthBytesPerHour !== undefined) m.gauge('clawmedic_gateway_memory_growth_bytes_per_second', "The gateway's memory growth as the memory check measures it (slope of the 5-minute floors).", metrics.growthBytesPerHour / 3600);
  if (metrics.secondsToLimit !== undefined) m.gauge('clawmedic_gateway_memory_seconds_to_limit', 'When the memory growth reaches the limit, from now; absent when it is not growing.', metrics.secondsToLimit);
}

function alertMetrics(m: MetricsText, view: StatusView): void {
  const alerts = view.alerts;
  if (!alerts) return;
  for (const n of alerts.outbox.notifiers) {
    for (const status of ['pending', 'failed', 'sent'] as const) {
      m.gauge('clawmedic_outbox_entries', 'Alert batches in the durable outbox per notifier: pending (being delivered or retried), failed (given up, handed to the fallback), sent (kept a while).', n[status], { notifier: n.name, status });
    }
    if (n.lastSentAt) m.gauge('clawmedic_notifier_last_success_timestamp_seconds', 'When the notifier last delivered a batch.', n.lastSentAt / 1000, { notifier: n.name });
    if (n.lastErrorAt) m.gauge('clawmedic_notifier_last_error_timestamp_seconds', 'When a delivery through the notifier last failed.', n.lastErrorAt / 1000, { notifier: n.name });
  }
  const bySeverity = { crit: 0, warn: 0, info: 0 };
  for (const i of alerts.incidents) bySeverity[i.severity] += 1;
  for (const [severity, n] of Object.entries(bySeverity)) m.gauge('clawmedic_incidents_open', 'Open incidents by severity.', n, { severity });
  m.gauge('clawmedic_silences_active', 'Silences in force (clawmedic silence).', alerts.silences.length);
  m.gauge('clawmedic_maintenance_active', 'Maintenance windows in force.', alerts.maintenance.length);
}

function recoveryMetrics(m: MetricsText, view: StatusView, state: MetricsState): void {
  const r = view.recovery;
  if (!r) return;
  m.gauge('clawmedic_recovery_enabled', '1 when auto-recovery is on.', r.enabled ? 1 : 0);
  m.gauge('clawmedic_recovery_circuit_open', '1 when auto-recovery gave up (its budget is spent) until the gateway is stable or recover --reset.', r.circuit.open ? 1 : 0);
  m.gauge('clawmedic_recovery_budget_used', 'Recovery attempts counted in the current budget window.', r.budget.used);
  m.gauge('clawmedic_recovery_budget_allowed', 'Recovery attempts the budget allows per window.', r.budget.allowed);
  const totals = state.recoveryAttempts(r.attempts);
  m.declare('clawmedic_recovery_attempts_total', 'Finished recovery attempts since the agent started, by outcome (recovered, failed, blocked, aborted).', 'counter');
  for (const [outcome, n] of totals) m.counter('clawmedic_recovery_attempts_total', 'Finished recovery attempts since the agent started, by outcome (recovered, failed, blocked, aborted).', n, { outcome });
  const last = r.attempts.at(-1);
  if (last) m.gauge('clawmedic_recovery_last_attempt_timestamp_seconds', 'When the last recovery attempt started.', last.startedAt / 1000);
}
