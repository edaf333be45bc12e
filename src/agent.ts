import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Alert, CheckResult } from './contracts.ts';
import type { EffectiveConfig, Problem, ResolvedCheck } from './config/load.ts';
import { buildNotifiers } from './build-notifiers.ts';
import { firstAlertText } from './cadence.ts';
import type { RoutedNotifier, SilencedBy } from './alerts/types.ts';
import type { CheckState, Transition } from './evaluate/types.ts';
import type { AppLogger } from './logger.ts';
import { isProcessAlive } from './platform/process.ts';
import { makeContextFactory } from './probe-context.ts';
import { recordCliCost } from './self/cli-costs.ts';
import { cliNotFound } from './platform/openclaw-cli.ts';
import { recordResult } from './evaluate/record.ts';
import { runCheck } from './runner.ts';
import { describeSchedule, Scheduler } from './schedule.ts';
import { AgentFaults } from './self/faults.ts';
import { SELF_CHECK_ID } from './self/check.ts';
import { SECTION_SCHEMAS } from './state-sections.ts';
import { StateFileError, StateStore } from './state/store.ts';
import { oneLine } from './util/text.ts';

export interface AgentOptions {
  config: EffectiveConfig;
  log: AppLogger;
  now?: () => number;
  /** More listeners on the check cycle, after the alerts (recovery, the service watchdog...), in order. */
  listeners?: CycleListenerFactory[];
}

/**
 * One more part fed by the check cycle, as the alerts are: told each transition and each result, in the
 * order the listeners were given. Its calls must be cheap and must not throw (work goes in the background).
 */
export interface CycleListener {
  onTransition?(transition: Transition, result: CheckResult): void;
  onResult?(checkId: string, result: CheckResult, state: CheckState): void;
  /** After every check run (also one whose result changed nothing): the agent's loop is alive. */
  onCycle?(checkId: string, at: number): void;
  start?(): void;
  stop?(): Promise<void>;
}

/** What the agent needs from the alerting side; the router implements it. */
export interface AlertSink extends CycleListener {
  onTransition(transition: Transition, result: CheckResult): void;
  start(): void;
  /** Sends what waits for its batch window now, and gives deliveries up to timeoutMs. */
  drain?(timeoutMs: number): Promise<boolean>;
  stop(): Promise<void>;
  /** Drops open incidents of checks no longer configured. */
  forgetChecksExcept?(known: Iterable<string>): void;
  /** Sends an event that is not a check's transition (a recovery attempt) through the same batches and outbox. */
  raise?(alert: Alert): void;
  /** The silence or maintenance window holding a check's alerts back now, if any. */
  heldBack?(checkId: string): SilencedBy | undefined;
}

export interface PartArgs {
  config: EffectiveConfig;
  store: StateStore;
  log: AppLogger;
  now: () => number;
  host: string;
  /** Where the part reports its own failures (alert evaluation, the silences file). */
  faults?: AgentFaults;
}

export type AlertSinkFactory = (args: PartArgs & { notifiers: RoutedNotifier[] }) => AlertSink;

/** Builds a listener for one config; it is stopped and built again on reload. */
export type CycleListenerFactory = (args: PartArgs & { alerts: AlertSink; runNow(checkId: string): void }) => CycleListener;

export class AgentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AgentError';
  }
}

/** The pid of another live agent that recorded itself in this state file and did not stop. */
function otherAgentOn(store: StateStore): number | undefined {
  const info = store.section<Partial<AgentInfo>>('agent', () => ({}));
  const pid = info.pid;
  if (!pid || pid === process.pid || info.stoppedAt || !isProcessAlive(pid)) return undefined;
  // The pid may have been reused since a crash: only a process that looks like clawmedic counts.
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return /clawmedic|cli[/\\]main\.[jt]s/.test(cmdline) ? pid : undefined;
  } catch {
    return process.platform === 'linux' ? undefined : pid;
  }
}

/** The state file's record of the running agent. */
export interface AgentInfo {
  pid: number;
  startedAt: string;
  gateway: string;
  configPath: string | null;
  notifiers: string[];
  notifierProblems: string[];
  /** Set on a graceful stop; absent while running (or after a crash). */
  stoppedAt?: string;
}

const LEVEL_FOR: Record<CheckState, 'info' | 'warn' | 'error'> = {
  ok: 'info',
  pending: 'warn',
  failing: 'error',
  recovering: 'info',
  flapping: 'warn',
};

/**
 * Wires config, checks, state and alerts, and owns their lifecycle: start, reload (keeping the last
 * good config), and a graceful stop that flushes the state file.
 */
export class Agent {
  readonly store: StateStore;
  /** clawmedic's own faults (files it cannot write or read...), read by the clawmedic.self check. */
  readonly faults: AgentFaults;
  private config: EffectiveConfig;
  private log: AppLogger;
  private readonly now: () => number;
  private readonly alertFactory: AlertSinkFactory;
  private readonly listenerFactories: CycleListenerFactory[];
  private scheduler: Scheduler | undefined;
  private alerts: AlertSink | undefined;
  /** The alerts first, then the other listeners, in order. */
  private listeners: CycleListener[] = [];
  private notifierErrors: Problem[] = [];
  private stopping: Promise<void> | undefined;
  private lifecycle: Promise<void> = Promise.resolve();

  private constructor(config: EffectiveConfig, store: StateStore, faults: AgentFaults, log: AppLogger, now: () => number, alertFactory: AlertSinkFactory, listeners: CycleListenerFactory[]) {
    this.config = config;
    this.store = store;
    this.faults = faults;
    this.log = log;
    this.now = now;
    this.alertFactory = alertFactory;
    this.listenerFactories = listeners;
  }

  static async start(opts: AgentOptions & { alerts: AlertSinkFactory }): Promise<Agent> {
    const now = opts.now ?? Date.now;
    const state = opts.config.file.state;
    // Created first: a state file that cannot be read or written is the first fault the agent may meet.
    const faults = new AgentFaults(opts.log, now);
    // Writes are debounced: a whole-file rewrite per result would wear out an SD card.
    // Only a file from a newer clawmedic stops the start (see StateStore.open): said in one line, exit 1.
    const store = await StateStore.open(opts.config.statePath, {
      now,
      log: opts.log,
      flushDelayMs: 5_000,
      limits: { windowMaxEntries: state.maxResults, windowMaxAgeMs: state.maxAge },
      sections: SECTION_SCHEMAS,
      faults,
      seriesLimits: { rawMs: state.series.raw, rawMax: state.series.rawMax, tiers: state.series.tiers.map((t) => ({ stepMs: t.step, keepMs: t.keep })) },
    }).catch((err: unknown) => {
      throw err instanceof StateFileError ? new AgentError(err.message) : err;
    });
    const other = otherAgentOn(store);
    if (other !== undefined) {
      await store.close();
      throw new AgentError(
        `another clawmedic agent (pid ${other}) is using ${store.path}; two would overwrite each other's state and send every alert twice. Stop it first.`,
      );
    }
    const agent = new Agent(opts.config, store, faults, opts.log, now, opts.alerts, opts.listeners ?? []);
    // The self check runs as soon as a fault appears or clears, not at its next scheduled time; a change
    // during one of its runs may come after that run listed the faults, so it runs again after it.
    faults.onChange(() => agent.scheduler?.runNow(SELF_CHECK_ID, { afterCurrent: true }));
    try {
      agent.startParts();
    } catch (err) {
      // Nothing may keep running after a failed start: the caller reports the error and exits.
      await agent.stopParts({ drain: false }).catch(() => undefined);
      await store.close().catch(() => undefined);
      throw err;
    }
    // Written at once (not after the debounce), so a second agent started now sees this one. A write that
    // fails is a fault (reported, alerted by clawmedic.self, retried); the agent runs on.
    await store.flush().catch(() => undefined);
    return agent;
  }

  /**
   * Swaps in a new config: stops the checks and alerts of the old one, keeps the state file.
   * Reloads and the final stop run one after another; a reload asked for while stopping is dropped.
   */
  reload(config: EffectiveConfig, log?: AppLogger): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return this.serially(async () => {
      if (this.stopping) return;
      if (config.statePath !== this.config.statePath) {
        this.log.warn({ statePath: config.statePath }, 'state.path changed: restart the agent for it to take effect; keeping the current state file');
        config = { ...config, statePath: this.config.statePath };
      }
      // No drain here: the new router resumes the same persisted outbox.
      await this.stopParts({ drain: false });
      const previous = { config: this.config, log: this.log };
      this.config = config;
      if (log) this.log = log;
      try {
        this.startParts({ reloading: true });
      } catch (err) {
        // Never end up watching nothing: go back to the config that was running.
        this.log.error({ err }, `the new config could not be started (${(err as Error).message}); keeping the previous one`);
        await this.stopParts({ drain: false });
        this.config = previous.config;
        this.log = previous.log;
        this.startParts({ reloading: true });
        return;
      }
      this.log.info('config reloaded');
    });
  }

  stop(): Promise<void> {
    this.stopping ??= this.serially(async () => {
      await this.stopParts({ drain: true });
      const info = this.store.section<Partial<AgentInfo>>('agent', () => ({}));
      info.stoppedAt = new Date(this.now()).toISOString();
      this.store.markDirty();
      await this.store.close();
    });
    return this.stopping;
  }

  private serially(task: () => Promise<void>): Promise<void> {
    const run = this.lifecycle.then(task);
    this.lifecycle = run.catch(() => undefined);
    return run;
  }

  private startParts({ reloading = false } = {}): void {
    const { config, log } = this;
    const host = hostname();
    const notifiers = this.buildNotifiers();
    const part: PartArgs = { config, store: this.store, log, now: this.now, host, faults: this.faults };
    const alerts = this.alertFactory({ ...part, notifiers });
    this.alerts = alerts;
    this.listeners = [alerts, ...this.listenerFactories.map((make) => make({ ...part, alerts, runNow: (id) => this.scheduler?.runNow(id) }))];
    const contexts = makeContextFactory(config, log, this.now, () => this.faults.list(), { onCost: (cost) => recordCliCost(this.store, cost) });
    const enabled = config.checks.filter((rc) => rc.enabled);
    this.store.prune(
      enabled.map((rc) => rc.check.id),
      7 * 86_400_000,
    );

    const scheduler = new Scheduler({
      onSkip: (id) => log.warn({ check: id }, `${id}: previous run still going at its next scheduled time; skipped this one`),
      onError: (id, err) =>
        this.faults.report(`cycle:${id}`, {
          severity: 'crit',
          summary: `the ${id} cycle failed: ${config.redactor.text(err instanceof Error ? err.message : String(err))}`,
          consequence: `${id} results are not recorded or alerted until it works again`,
          remedy: 'This is a clawmedic bug or a damaged state: run `clawmedic status`, and report the log line with --debug.',
        }),
    });
    for (const rc of enabled) {
      scheduler.add({
        id: rc.check.id,
        spec: rc.schedule,
        jitterMs: rc.jitterMs,
        // After a reload, a check that already has results waits for its schedule: a SIGHUP must not
        // re-run every check (doctor takes 13-18 s).
        runAtStart: !reloading || this.store.check(rc.check.id)?.last === undefined,
        run: (signal) => this.cycle(rc, contexts, signal),
      });
    }
    this.scheduler = scheduler;
    alerts.forgetChecksExcept?.(enabled.map((rc) => rc.check.id));
    for (const l of this.listeners) l.start?.();
    scheduler.start();
    this.recordAgentInfo(notifiers);

    const t = config.target;
    // Adding a notifier replaces the default console one: say which ones alerts go to, and how soon.
    const alertsTo = notifiers.length ? `alerts to ${notifiers.map((n) => n.notifier.name).join(', ')}` : 'no notifier: transitions are only logged';
    const firstAlert = firstAlertText(config);
    log.info(
      {
        gateway: `${t.host}:${t.port}`,
        portSource: t.portSource,
        config: config.source === 'file' ? config.path : 'embedded default',
        stateFile: this.store.path,
        checks: enabled.map((rc) => `${rc.check.id} (${describeSchedule(rc.schedule)})`),
        notifiers: notifiers.map((n) => n.notifier.name),
        openclawCli: contexts.openclaw.path ?? cliNotFound(contexts.openclaw, log),
      },
      `watching the OpenClaw gateway at ${t.host}:${t.port} (port from ${t.portSource}) with ${enabled.length} checks; ${alertsTo}${firstAlert ? `; ${firstAlert}` : ''}`,
    );
    for (const note of config.discoveryNotes) log.warn(note);
  }

  /** What `status` shows about the agent itself: who writes this file, and which notifiers were left out. */
  private recordAgentInfo(notifiers: RoutedNotifier[]): void {
    const info = this.store.section<AgentInfo>('agent', () => ({}) as AgentInfo);
    delete info.stoppedAt;
    Object.assign(info, {
      pid: process.pid,
      startedAt: new Date(this.now()).toISOString(),
      gateway: `${this.config.target.host}:${this.config.target.port}`,
      configPath: this.config.source === 'file' ? this.config.path : null,
      notifiers: notifiers.map((n) => n.notifier.name),
      notifierProblems: this.notifierErrors.map((p) => `${p.path}: ${p.message}`),
    } satisfies AgentInfo);
    this.store.markDirty();
  }

  private async stopParts({ drain }: { drain: boolean }): Promise<void> {
    await this.scheduler?.stop();
    // Alerts waiting for their batch window are persisted and given a moment to go out; what does not
    // make it stays in the outbox for the next start.
    // The others first: a recovery that ends while stopping still has its alert drained.
    for (const l of this.listeners.slice(1).reverse()) await l.stop?.();
    if (drain) await this.alerts?.drain?.(3_000);
    await this.alerts?.stop();
    this.scheduler = undefined;
    this.alerts = undefined;
    this.listeners = [];
    await this.store.flush();
  }

  /** One check run: result -> state -> transition -> alerts. Never throws (the scheduler would only log it). */
  private async cycle(rc: ResolvedCheck, contexts: ReturnType<typeof makeContextFactory>, signal: AbortSignal): Promise<void> {
    const id = rc.check.id;
    const kept = { history: this.store.history(id), series: this.store.series, memory: this.store.memoryFor(id) };
    const outcome = await runCheck(rc.check, contexts.forCheck(rc, kept), rc.timeoutMs, signal, this.config.redactor);
    if (signal.aborted) return; // Stopping: a cancelled run says nothing about the gateway.
    const { result } = outcome;
    // A check that never ran was never OK: its first state is named NEW, not "OK -> PENDING".
    const firstRun = this.store.check(id)?.last === undefined;
    const transition = recordResult(this.store, id, result, { at: outcome.at, durationMs: outcome.durationMs, machine: rc.machine });
    this.log.debug({ check: id, status: result.status, durationMs: outcome.durationMs, metrics: result.metrics }, `${id}: ${result.status}: ${oneLine(result.summary)}`);
    if (transition) {
      const level = LEVEL_FOR[transition.to];
      // Under `transition`, which a terminal does not show (the line says it): JSON logs keep it for machines.
      this.log[level](
        { check: id, transition: { from: firstRun ? 'new' : transition.from, to: transition.to, status: result.status, diagnosis: result.diagnosis } },
        `${id}: ${firstRun ? 'NEW' : transition.from.toUpperCase()} -> ${transition.to.toUpperCase()}: ${oneLine(result.summary)}`,
      );
      this.tell((l) => l.onTransition?.(transition, result));
      // Starting to fail: look at what may be the cause now (the config every 5 min is too late to
      // explain a gateway that exits 78 at every start), so the first alert can name it.
      if (transition.from === 'ok') for (const cause of rc.explainedBy) this.scheduler?.runNow(cause);
    }
    const state = this.store.check(id)?.machine.state;
    // While the thresholds decide, the next result is wanted sooner than the schedule gives it: a failure is
    // confirmed (or a recovery told) in seconds, then the check goes back to its schedule.
    if (rc.retryMs !== undefined && (state === 'pending' || state === 'recovering')) this.scheduler?.retry(id, Math.max(0, rc.retryMs - outcome.durationMs));
    if (state) this.tell((l) => l.onResult?.(id, result, state));
    this.tell((l) => l.onCycle?.(id, outcome.at));
    this.faults.clear(`cycle:${id}`);
  }

  /**
   * Each listener in turn. One that throws does not keep the others from hearing it; the first error is
   * thrown afterwards, so the cycle fails as a fault the self check reports.
   */
  private tell(call: (listener: CycleListener) => void): void {
    let failure: { err: unknown } | undefined;
    for (const listener of this.listeners) {
      try {
        call(listener);
      } catch (err) {
        failure ??= { err };
      }
    }
    if (failure) throw failure.err;
  }

  private buildNotifiers(): RoutedNotifier[] {
    const { built, problems } = buildNotifiers(this.config, this.log, this.now);
    this.notifierErrors = problems;
    for (const p of problems) this.log.error({ path: p.path }, `notifier left out, running without it: ${p.path}: ${p.message}`);
    if (built.length === 0) this.log.warn('no notifier is working: transitions are only logged');
    return built;
  }

}
