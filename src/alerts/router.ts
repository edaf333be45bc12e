import type { Alert, CheckResult, Logger, Notifier } from '../contracts.ts';
import type { CheckState, Transition } from '../evaluate/types.ts';
import { silencesFault } from '../self/file-faults.ts';
import type { FaultSink } from '../state/store.ts';
import type { PersistentSections } from '../state/types.ts';
import { BatchWindow, batchesFor } from './batcher.ts';
import type { AlertingConfig } from './config.ts';
import { applyTransition, countCause, updateFromResult } from './incidents.ts';
import type { DependencyMap } from './inhibition.ts';
import { MaintenanceCalendar } from './maintenance.ts';
import { Outbox } from './outbox.ts';
import type { OutboxDeps, OutboxSnapshot } from './outbox.ts';
import { planAlerts, type PlannedAlert } from './planner.ts';
import { nextReminderAt } from './reminders.ts';
import { routeTargets } from './routes.ts';
import { sendTestBatch } from './send-test.ts';
import type { TestSendResult } from './send-test.ts';
import { covers, isActive } from './silences.ts';
import type { Silence, SilenceSource } from './silences.ts';
import { ALERTS_SECTION } from './types.ts';
import type { AlertsSection, Incident, RoutedNotifier, SilencedBy } from './types.ts';

export interface AlertRouterDeps {
  sections: PersistentSections;
  notifiers: RoutedNotifier[];
  /** Name of the notifier that gets batches another notifier could not deliver. */
  fallback?: string;
  config: AlertingConfig;
  /** Child check id -> parent check ids (from each check's dependsOn). */
  dependsOn: DependencyMap;
  /** Check id -> checks whose CRIT incident explains it (Check.explainedBy): folded into, never waited for. */
  causes?: DependencyMap;
  host: string;
  /** e.g. "127.0.0.1:18789". */
  gateway: string;
  /** IANA zone alert times are shown in (default: the host's). */
  timeZone?: string;
  now(): number;
  log: Logger;
  redact(text: string): string;
  /** Silences in force (normally a SilenceFile); none when absent. */
  silences?: SilenceSource;
  /** Backoff jitter; Math.random unless a test pins it. */
  random?: () => number;
  /** Told when alert evaluation or the silences file fails (and when it works again). */
  faults?: FaultSink;
}

export interface IncidentView extends Incident {
  /** Epoch ms the next reminder is due, when one is. */
  nextReminderAt?: number;
}

export interface AlertSnapshot {
  incidents: IncidentView[];
  outbox: OutboxSnapshot;
  silences: Silence[];
  maintenance: Array<SilencedBy & { checks: string[] }>;
}

/**
 * Turns state-machine transitions into alerts and hands them to the durable outbox.
 *
 * The agent calls, per check result: onTransition(t, result) when the state machine returned a
 * transition, then onResult(checkId, result, state) for every result (it keeps the incident's text
 * current, escalates warn -> crit while failing, and tells the router which parents are PENDING).
 * Both are synchronous and cheap; alerts go out when the batch window closes. start() once, after the
 * state is loaded; stop() (after an optional drain()) on shutdown.
 */
export class AlertRouter {
  private readonly deps: AlertRouterDeps;
  private readonly outbox: Outbox;
  private readonly maintenance: MaintenanceCalendar;
  private readonly window: BatchWindow;
  private readonly states = new Map<string, CheckState>();
  private tickTimer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private silences: Silence[] = [];
  private silenceError: string | undefined;
  private stopped = false;

  constructor(deps: AlertRouterDeps) {
    const names = deps.notifiers.map((n) => n.notifier.name);
    const duplicate = names.find((n, i) => names.indexOf(n) !== i);
    if (duplicate !== undefined) throw new Error(`two notifiers are named "${duplicate}"`);
    if (deps.fallback !== undefined && !names.includes(deps.fallback)) {
      throw new Error(`alerting.fallback: there is no notifier named "${deps.fallback}"`);
    }
    this.deps = deps;
    this.maintenance = new MaintenanceCalendar(deps.config.maintenance);
    this.window = new BatchWindow(deps.config.batchWindowMs, () => void this.evaluate());
    const outboxDeps: OutboxDeps = {
      sections: deps.sections,
      notifiers: new Map(deps.notifiers.map((n) => [n.notifier.name, n.notifier])),
      delivery: deps.config.delivery,
      now: deps.now,
      log: deps.log,
      redact: deps.redact,
    };
    if (deps.fallback !== undefined) outboxDeps.fallback = deps.fallback;
    if (deps.random) outboxDeps.random = deps.random;
    this.outbox = new Outbox(outboxDeps);
  }

  private get section(): AlertsSection {
    return this.deps.sections.section<AlertsSection>(ALERTS_SECTION, () => ({ version: 1, incidents: {}, resolved: [] }));
  }

  /** Starts the reminder/silence timer and resumes what a previous run left pending. */
  start(): void {
    this.stopped = false;
    this.outbox.start();
    for (const n of this.deps.notifiers) n.notifier.start?.({ host: this.deps.host, gateway: this.deps.gateway });
    if (this.tickTimer) clearInterval(this.tickTimer);
    this.tickTimer = setInterval(() => void this.tick(), this.deps.config.tickIntervalMs);
    this.tickTimer.unref?.();
    // Notices that were waiting for their window when the last run ended go out now, not a tick later.
    const s = this.section;
    if (s.resolved.length > 0 || (s.events?.length ?? 0) > 0 || Object.values(s.incidents).some((i) => !i.announced)) this.window.open();
    // Silences are read at each evaluation; heldBack() needs them before the first one.
    void this.currentSilences(this.deps.now());
  }

  onTransition(t: Transition, result: CheckResult): void {
    this.states.set(t.checkId, t.to);
    const s = this.section;
    const changed = applyTransition(s, t, result, this.deps.redact, this.deps.now());
    this.deps.sections.markDirty();
    // A parent leaving PENDING may release a dependent held for it.
    if (changed || Object.values(s.incidents).some((i) => !i.announced)) this.openWindow();
  }

  /** For every evaluated result, after onTransition when there was one. Idempotent. */
  onResult(checkId: string, result: CheckResult, state: CheckState): void {
    this.states.set(checkId, state);
    const incident = this.section.incidents[checkId];
    if (!incident || result.status === 'ok') return;
    // Only a steady failure changes severity: a flapping check's swings with every other result.
    const changed = updateFromResult(incident, result, this.deps.redact, this.deps.now(), state === 'failing');
    const newCause = state === 'failing' && countCause(incident, result);
    this.deps.sections.markDirty();
    if (changed || newCause) this.openWindow();
  }

  /**
   * An event that is not a check's transition (a recovery attempt): told once, in the next batch, to the
   * notifiers whose route takes its checkId and severity. Persisted until then, so a crash does not lose it;
   * a silence covering its checkId drops it (logged).
   */
  raise(alert: Alert): void {
    const s = this.section;
    const events = (s.events ??= []);
    events.push({ ...structuredClone(alert), summary: this.deps.redact(alert.summary), ...redactedText(alert, this.deps.redact) });
    // A runaway producer must not grow the state file without end: the oldest go first.
    if (events.length > MAX_PENDING_EVENTS) events.splice(0, events.length - MAX_PENDING_EVENTS);
    this.deps.sections.markDirty();
    this.openWindow();
  }

  /** The silence or maintenance window holding a check's alerts back now, if any (from the last silences read). */
  heldBack(checkId: string): SilencedBy | undefined {
    const now = this.deps.now();
    return silencedBy(checkId, this.silences, now) ?? this.maintenance.activeFor(checkId, now);
  }

  /** Looks for due reminders and ended silences; driven by the router's own timer after start(). */
  async tick(): Promise<void> {
    // An open window evaluates when it closes; evaluating now would split its batch.
    if (this.window.isOpen || this.stopped) return;
    await this.evaluate();
  }

  /** Closes the batch window now and waits for the outbox to empty (graceful shutdown). */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = this.deps.now() + timeoutMs;
    if (this.window.cancel()) await this.evaluate();
    else await this.chain;
    return this.outbox.drain(Math.max(0, deadline - this.deps.now()));
  }

  /** Stops timers and aborts deliveries in flight; everything unsent stays persisted for the next run. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.window.cancel();
    if (this.tickTimer) clearInterval(this.tickTimer);
    this.tickTimer = undefined;
    await this.chain;
    await this.outbox.stop();
    for (const n of this.deps.notifiers) n.notifier.stop?.();
  }

  async snapshot(): Promise<AlertSnapshot> {
    const now = this.deps.now();
    const silences = await this.currentSilences(now);
    const reminders = this.deps.config.reminders;
    return {
      incidents: Object.values(this.section.incidents).map((i) => {
        const view: IncidentView = structuredClone(i);
        const due = nextReminderAt(i, reminders);
        if (due !== undefined && !i.inhibitedBy) view.nextReminderAt = due;
        return view;
      }),
      outbox: this.outbox.snapshot(),
      silences,
      maintenance: this.maintenance.active(now),
    };
  }

  /** Sends a 'test' batch straight through one notifier (by name) or all, bypassing the outbox. */
  async sendTest(notifierName?: string): Promise<TestSendResult[]> {
    const all = this.deps.notifiers.map((n) => n.notifier);
    let chosen: Notifier[] = all;
    if (notifierName !== undefined) {
      chosen = all.filter((n) => n.name === notifierName);
      if (chosen.length === 0) {
        throw new Error(`no notifier named "${notifierName}" (configured: ${all.map((n) => n.name).join(', ') || 'none'})`);
      }
    }
    const { host, gateway, now, redact } = this.deps;
    return sendTestBatch(chosen, { host, gateway, now, redact, timeoutMs: this.deps.config.delivery.attemptTimeoutMs });
  }

  /** Drops open incidents of checks that are no longer configured (call after a config reload). */
  forgetChecksExcept(known: Iterable<string>): void {
    const keep = new Set(known);
    const s = this.section;
    for (const id of Object.keys(s.incidents)) if (!keep.has(id)) delete s.incidents[id];
    this.deps.sections.markDirty();
  }

  private openWindow(): void {
    if (!this.stopped) this.window.open();
  }

  /** Evaluations run one at a time: two at once could both announce the same incident. */
  private evaluate(): Promise<void> {
    this.chain = this.chain
      .then(() => this.evaluateNow())
      .then(() => this.deps.faults?.clear('alerts'))
      .catch((err: unknown) => {
        const why = this.deps.redact(err instanceof Error ? err.message : String(err));
        if (this.deps.faults) {
          this.deps.faults.report('alerts', {
            severity: 'crit',
            summary: `alert evaluation failed: ${why}`,
            consequence: 'alerts may not be sent until it works again (state changes are still logged)',
            remedy: 'This is a clawmedic bug or a damaged state file: run `clawmedic status`, and report the log line with --debug.',
          });
        } else this.deps.log.error({ err }, 'alert evaluation failed');
      });
    return this.chain;
  }

  private async evaluateNow(): Promise<void> {
    const silences = await this.currentSilences(this.deps.now());
    const now = this.deps.now();
    const { config, dependsOn, notifiers } = this.deps;
    const planned = planAlerts(this.section, {
      now,
      config,
      dependsOn,
      ...(this.deps.causes ? { causes: this.deps.causes } : {}),
      stateOf: (id) => this.states.get(id),
      silencedBy: (id) => silencedBy(id, silences, now) ?? this.maintenance.activeFor(id, now),
      routesFor: (alert) => routeTargets(alert, notifiers),
    });
    planned.push(...this.takeEvents(silences, now));
    this.deps.sections.markDirty();
    // The incident id in the log is the one in every notifier and in `status`.
    for (const { alert, to } of planned) {
      const id = alert.incidentId ?? alert.fingerprint;
      this.deps.log.info(
        { incident: alert.incidentId, check: alert.checkId, kind: alert.kind, severity: alert.severity, to },
        `alert ${id} ${alert.kind} ${alert.severity.toUpperCase()}: ${this.deps.redact(alert.headline ?? alert.summary)}`,
      );
    }
    const batches = batchesFor(
      planned,
      notifiers.map((n) => n.notifier.name),
      { host: this.deps.host, gateway: this.deps.gateway, now, timeZone: this.deps.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone },
    );
    // Synchronously after planAlerts: any write of the state has both the decision and the outbox entry.
    await this.outbox.enqueue(batches);
  }

  private takeEvents(silences: readonly Silence[], now: number): PlannedAlert[] {
    const s = this.section;
    const events = s.events ?? [];
    delete s.events;
    const out: PlannedAlert[] = [];
    for (const alert of events) {
      const held = silencedBy(alert.checkId, silences, now) ?? this.maintenance.activeFor(alert.checkId, now);
      if (held) {
        this.deps.log.info({ fingerprint: alert.fingerprint, silencedBy: held.id }, `not sent (${held.type} ${held.id}): ${alert.summary}`);
        continue;
      }
      out.push({ alert, to: routeTargets(alert, this.deps.notifiers) });
    }
    return out;
  }

  /** The silences in force; the last good list when the file cannot be read (logged once per error). */
  private async currentSilences(now: number): Promise<Silence[]> {
    if (!this.deps.silences) return [];
    try {
      this.silences = await this.deps.silences.current(now);
      this.silenceError = undefined;
      this.deps.faults?.clear('silences');
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (this.deps.faults) {
        this.deps.faults.report('silences', silencesFault(this.deps.silences.path, err, `the last good silences are kept (${this.silences.length} known)`));
      } else if (message !== this.silenceError) this.deps.log.warn({ err: message }, 'cannot read silences; keeping the last good ones');
      this.silenceError = message;
    }
    return this.silences.filter((s) => isActive(s, now));
  }
}

/** Events waiting for their batch at most; more means something raises them in a loop. */
const MAX_PENDING_EVENTS = 50;

function redactedText(alert: Alert, redact: (text: string) => string): Partial<Alert> {
  const out: Partial<Alert> = {};
  if (alert.diagnosis !== undefined) out.diagnosis = redact(alert.diagnosis);
  if (alert.remedy !== undefined) out.remedy = redact(alert.remedy);
  return out;
}

/** The silence covering a check that lasts longest, as the incident records it. */
function silencedBy(checkId: string, silences: readonly Silence[], now: number): SilencedBy | undefined {
  let best: Silence | undefined;
  for (const s of silences) {
    if (!isActive(s, now) || !covers(s, checkId)) continue;
    if (!best || Date.parse(s.until) > Date.parse(best.until)) best = s;
  }
  if (!best) return undefined;
  const by: SilencedBy = { type: 'silence', id: best.id, until: best.until };
  if (best.reason) by.reason = best.reason;
  return by;
}
