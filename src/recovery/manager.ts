import { createHash, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { AlertSink, CycleListener, CycleListenerFactory } from '../agent.ts';
import type { Alert, CheckResult, Exec, Severity } from '../contracts.ts';
import type { EffectiveConfig } from '../config/load.ts';
import type { CheckState } from '../evaluate/types.ts';
import type { AppLogger } from '../logger.ts';
import { execFileGroup } from '../platform/exec.ts';
import type { StateStore } from '../state/store.ts';
import { formatDuration } from '../util/duration.ts';
import { writePrivateFile } from '../util/write-private.ts';
import { finishAttempt, freshBudget, inWindow, mayAttempt, noteHealth, openCircuit, resetBudget, startAttempt, type BudgetLimits } from './budget.ts';
import type { RecoveryConfig } from './config.ts';
import { readRequests, recoveryPaths, type RecoveryPaths } from './files.ts';
import { acquireLock } from './lock.ts';
import { runRunbook, type BuiltinSteps } from './runbook.ts';
import { MAX_ATTEMPTS_KEPT, RECOVERY_SECTION, type AttemptRecord, type RecoverySection } from './types.ts';

export interface RecoveryManagerDeps {
  config: EffectiveConfig;
  store: StateStore;
  alerts: AlertSink;
  log: AppLogger;
  now: () => number;
  /** Runs a check now (the trigger, once an attempt ended, so its state follows the gateway at once). */
  runNow(checkId: string): void;
  /** The built-in steps on this gateway; tests give their own. */
  steps: BuiltinSteps;
  exec?: Exec;
}

/** A runbook still running this long after the agent was asked to stop is aborted (a start is left to finish first). */
const STOP_GRACE_MS = 15_000;
/** The requests file (`recover --reset`, attempts run by hand) is looked at no more often than this. */
const REQUESTS_POLL_MS = 5_000;

export function limitsOf(cfg: RecoveryConfig): BudgetLimits {
  return { attempts: cfg.attempts, windowMs: cfg.window, cooldownMs: cfg.cooldown, cooldownMaxMs: cfg.cooldownMax, stableMs: cfg.stablePeriod };
}

/** The longest a runbook can take with these settings: the lock is stale after it. */
export function runbookMaxMs(cfg: RecoveryConfig): number {
  return Object.values(cfg.steps).reduce((sum, s) => sum + s.timeout + 1_000, 0) + 60_000;
}

/** The recovery section of the state file, created when missing. */
export function recoverySection(store: Pick<StateStore, 'section'>): RecoverySection {
  return store.section<RecoverySection>(RECOVERY_SECTION, () => ({ version: 1, budget: freshBudget(), attempts: [] }));
}

/**
 * Auto-recovery as one more listener on the check cycle: a trigger check that is FAILING (at its failure
 * threshold, with a triggering status) starts the runbook, within the budget, one at a time, never while
 * the check's alerts are silenced or in a maintenance window. Every attempt and each of its steps goes
 * to the state file and out as an alert through the same router and outbox as the checks'.
 */
export class RecoveryManager implements CycleListener {
  private readonly deps: RecoveryManagerDeps;
  private readonly cfg: RecoveryConfig;
  private readonly limits: BudgetLimits;
  private readonly paths: RecoveryPaths;
  private readonly triggers: Map<string, ReadonlySet<string>>;
  /** The last state of each trigger check, for the circuit's stable period. */
  private readonly triggerStates = new Map<string, CheckState>();
  private running: Promise<void> | undefined;
  private abort = new AbortController();
  private stopped = false;
  private lastRequestsLook = Number.NEGATIVE_INFINITY;
  private lastGoodWrite: Promise<void> = Promise.resolve();

  constructor(deps: RecoveryManagerDeps) {
    this.deps = deps;
    this.cfg = deps.config.file.recovery;
    this.limits = limitsOf(this.cfg);
    this.paths = recoveryPaths(deps.config.statePath);
    this.triggers = new Map(this.cfg.triggers.map((t) => [t.check, new Set<string>(t.statuses)]));
  }

  private get section(): RecoverySection {
    return recoverySection(this.deps.store);
  }

  start(): void {
    this.stopped = false;
    this.abort = new AbortController();
    // A recovery section that was damaged lost its budget: acting on a fresh one could restart past the
    // limits, so recovery waits for a person (or the stable period), and says why.
    const damaged = this.deps.store.damaged.find((d) => d.part === `sections.${RECOVERY_SECTION}`);
    const s = this.section;
    if (damaged && !s.budget.circuit.open) {
      openCircuit(s.budget, this.deps.now(), `the recovery part of the state file was damaged (${damaged.reason}): its budget is unknown`);
      this.deps.store.markDirty();
      this.raise('held', 'warn', 'auto-recovery held: its record in the state file was damaged', {
        diagnosis: `The recovery section of ${this.deps.store.path} failed its check (${damaged.reason}) and was reset; how many attempts were made recently is unknown.`,
        remedy: 'Run `clawmedic recover --reset` to re-arm it now; it re-arms by itself after the watched checks stay healthy for recovery.stablePeriod.',
      });
    }
    const unfinished = s.attempts.at(-1);
    if (unfinished && unfinished.outcome === undefined) {
      // The agent died in the middle of it: the attempt counted, its end was never written.
      unfinished.outcome = 'aborted';
      unfinished.reason = 'clawmedic stopped in the middle of this attempt (killed or crashed)';
      unfinished.finishedAt = this.deps.now();
      this.deps.store.markDirty();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const running = this.running;
    if (!running) return;
    const timer = setTimeout(() => this.abort.abort(), STOP_GRACE_MS);
    timer.unref?.();
    await running;
    clearTimeout(timer);
    await this.lastGoodWrite;
  }

  onResult(checkId: string, result: CheckResult, state: CheckState): void {
    if (!this.cfg.enabled) return;
    if (checkId === 'config' && result.status === 'ok' && this.cfg.lastKnownGood) this.keepLastGood();
    const statuses = this.triggers.get(checkId);
    if (!statuses) return;
    this.triggerStates.set(checkId, state);
    void this.applyRequests();
    const s = this.section;
    const healthy = [...this.triggers.keys()].every((id) => (this.triggerStates.get(id) ?? 'ok') === 'ok');
    if (noteHealth(s.budget, this.deps.now(), healthy, this.limits)) {
      this.deps.store.markDirty();
      this.raise('rearmed', 'info', `auto-recovery re-armed: the gateway was healthy for ${formatDuration(this.cfg.stablePeriod)}`);
    }
    if (state === 'failing' && statuses.has(result.status)) this.consider(checkId, result);
  }

  /** Whether an attempt may start for this failure now; starts it when it may. */
  private consider(checkId: string, result: CheckResult): void {
    if (this.running || this.stopped) return;
    const now = this.deps.now();
    const s = this.section;
    const held = this.deps.alerts.heldBack?.(checkId);
    if (held) return this.hold(`${checkId} is ${held.type === 'silence' ? `silenced (${held.id})` : 'in a maintenance window'} until ${held.until}`);
    const may = mayAttempt(s.budget, now, this.limits);
    if (!may.allowed) {
      if (may.why === 'cooldown') return this.hold(`cooling down until ${new Date(may.until).toISOString()}`);
      if (may.why === 'circuit-open') return this.hold(`gave up at ${new Date(may.since).toISOString()}: ${may.reason}`);
      return this.giveUp(checkId, result, may.used);
    }
    const trigger = { checkId, status: result.status, summary: this.deps.config.redactor.text(result.summary) };
    this.running = this.attempt(trigger).finally(() => {
      this.running = undefined;
    });
  }

  private async attempt(trigger: NonNullable<AttemptRecord['trigger']>): Promise<void> {
    const { now, store, log } = this.deps;
    const lock = await acquireLock(this.paths.lock, 'agent', { now: now(), maxAgeMs: runbookMaxMs(this.cfg) });
    if (!lock.acquired) return this.hold(lock.reason);
    const s = this.section;
    const id = randomUUID().slice(0, 8);
    let acted = false;
    const record: AttemptRecord = { id, by: 'agent', trigger, startedAt: now(), steps: [] };
    try {
      log.warn({ attempt: id, trigger: trigger.checkId }, `auto-recovery ${id} started: ${trigger.checkId} is failing (${trigger.summary})`);
      const done = await runRunbook({
        config: this.cfg,
        steps: this.deps.steps,
        exec: this.deps.exec ?? execFileGroup,
        redact: (t) => this.deps.config.redactor.text(t),
        now,
        signal: this.abort.signal,
        by: 'agent',
        id,
        trigger,
        // Counted the moment it first acts on the gateway, and written at once: an agent killed
        // mid-attempt has still spent it.
        beforeAct: () => {
          acted = true;
          startAttempt(s.budget, now(), this.limits);
          s.attempts = [...s.attempts, record].slice(-MAX_ATTEMPTS_KEPT);
          this.raise(`${id}:started`, 'info', `auto-recovery started: ${trigger.checkId} failing (${trigger.summary})`, {
            diagnosis: `Checked first: ${record.steps.map((r) => `${r.step} ${r.outcome}: ${r.summary}`).join('; ')}.`,
          });
          store.markDirty();
          void store.flush().catch(() => undefined);
        },
        onStep: (step) => {
          record.steps.push(step);
          store.markDirty();
          if (acted) void store.flush().catch(() => undefined);
          log.info({ attempt: id, step: step.step, outcome: step.outcome, durationMs: step.durationMs }, `auto-recovery ${id}: ${step.step} ${step.outcome}: ${step.summary}`);
        },
      });
      Object.assign(record, { ...done, steps: record.steps });
      if (acted) finishAttempt(s.budget, now(), done.outcome === 'recovered', this.limits);
      else this.afterBlocked(record);
      store.markDirty();
      this.announce(record, acted);
    } finally {
      await lock.release();
      // The trigger runs now: a recovered gateway resolves its alert without waiting for the schedule.
      if (acted) this.deps.runNow(trigger.checkId);
    }
  }

  /** Nothing was stopped or started: no budget spent, but the same block is not retried for a cooldown. */
  private afterBlocked(record: AttemptRecord): void {
    const s = this.section;
    const before = s.attempts.at(-1);
    s.budget.cooldownUntil = this.deps.now() + this.cfg.cooldown;
    // The same reason again is not worth a new line in the audit (or a new alert).
    if (before?.outcome === 'blocked' && before.reason === record.reason) {
      before.finishedAt = record.finishedAt ?? this.deps.now();
      this.hold(`blocked: ${record.reason}`);
      return;
    }
    s.attempts = [...s.attempts, record].slice(-MAX_ATTEMPTS_KEPT);
  }

  /** Says how the attempt ended, through the router. */
  private announce(record: AttemptRecord, acted: boolean): void {
    const took = formatDuration(Math.max(0, (record.finishedAt ?? this.deps.now()) - record.startedAt));
    const steps = record.steps.map((r) => `- ${r.step}: ${r.outcome}: ${r.summary}`).join('\n');
    if (record.outcome === 'recovered') {
      this.raise(`${record.id}:recovered`, 'info', `gateway recovered in ${took} (${record.reason})`, { diagnosis: `Steps:\n${steps}` });
      return;
    }
    if (record.outcome === 'aborted') {
      this.raise(`${record.id}:aborted`, 'warn', `auto-recovery ${record.id} was cut short: ${record.reason}`, { diagnosis: `Steps:\n${steps}` });
      return;
    }
    if (!acted) {
      // A block already told by the check's own alert (the config incident carries the issues; the port
      // conflict alert names the program) is not told twice.
      const s = this.section;
      if (s.attempts.at(-1) !== record) return;
      if (record.failedStep === 'validate' && this.deps.store.check('config')?.machine.state === 'failing') return;
      if (record.failedStep === 'preflight') return;
      this.raise(`${record.id}:blocked`, 'warn', `auto-recovery did not act: ${record.reason}`, {
        diagnosis: `Steps:\n${steps}`,
        remedy: this.blockRemedy(record),
      });
      return;
    }
    const left = this.cfg.attempts - inWindow(this.section.budget, this.deps.now(), this.limits).length;
    this.raise(`${record.id}:failed`, 'warn', `auto-recovery failed at ${record.failedStep ?? 'an unknown step'}: ${record.reason}`, {
      diagnosis: `Steps:\n${steps}`,
      remedy:
        left > 0
          ? `clawmedic tries again after the cooldown (${left} attempt(s) left in this ${formatDuration(this.cfg.window)} window). To look yourself: \`clawmedic status\` and the gateway's log.`
          : 'The recovery budget is spent: the next failure makes clawmedic give up until a person looks. `clawmedic status` shows each step.',
    });
  }

  private blockRemedy(record: AttemptRecord): string {
    if (record.failedStep === 'validate') {
      const restore = this.section.lastGood
        ? ` A copy taken while all was healthy (${new Date(this.section.lastGood.at).toISOString()}) can be put back with \`clawmedic recover --restore-config\` (the current file is backed up first).`
        : '';
      return `Fix openclaw.json (\`openclaw config validate\` lists the issues with their positions), then \`clawmedic recover --yes\` or wait for the next check.${restore}`;
    }
    return 'See `clawmedic status` for each step; fix what it names, then `clawmedic recover --yes`.';
  }

  /** The budget is spent while the failure goes on: the circuit opens, one CRIT alert, no more attempts. */
  private giveUp(checkId: string, result: CheckResult, used: number): void {
    const s = this.section;
    const reason = `${used} attempt(s) within ${formatDuration(this.cfg.window)} did not keep the gateway healthy`;
    openCircuit(s.budget, this.deps.now(), reason);
    this.deps.store.markDirty();
    const last = s.attempts.filter((a) => a.outcome !== 'blocked').slice(-used);
    this.raise('gave-up', 'crit', 'auto-recovery gave up: manual action needed', {
      diagnosis:
        `${checkId} is still failing (${this.deps.config.redactor.text(result.summary)}) after ${reason}. ` +
        `Last attempts: ${last.map((a) => `${new Date(a.startedAt).toISOString()} ${a.outcome ?? 'unfinished'}${a.reason ? ` (${a.reason})` : ''}`).join('; ')}.`,
      remedy:
        `Look at the gateway yourself (\`clawmedic status\`, \`openclaw gateway status --json\`, its log). clawmedic makes no more attempts until the watched checks stay healthy for ${formatDuration(this.cfg.stablePeriod)} or \`clawmedic recover --reset\`.`,
    });
    this.deps.log.error({ checkId }, `auto-recovery gave up: ${reason}`);
  }

  private hold(reason: string): void {
    const s = this.section;
    if (s.held?.reason === reason) return;
    s.held = { at: this.deps.now(), reason };
    this.deps.store.markDirty();
    this.deps.log.info(`auto-recovery not started: ${reason}`);
  }

  private raise(key: string, severity: Severity, summary: string, text: Pick<Alert, 'diagnosis' | 'remedy'> = {}): void {
    const now = this.deps.now();
    const alert: Alert = {
      fingerprint: `recovery:${key}`,
      kind: 'recovery',
      checkId: 'recovery',
      severity,
      summary,
      since: new Date(now).toISOString(),
      ...(text.diagnosis ? { diagnosis: text.diagnosis } : {}),
      ...(text.remedy ? { remedy: text.remedy } : {}),
    };
    this.deps.alerts.raise?.(alert);
  }

  /** `clawmedic recover --reset` and attempts run by hand, from the requests file the CLI writes. */
  private async applyRequests(): Promise<void> {
    const now = this.deps.now();
    if (now - this.lastRequestsLook < REQUESTS_POLL_MS) return;
    this.lastRequestsLook = now;
    const requests = await readRequests(this.paths.requests).catch((err: unknown) => {
      this.hold(err instanceof Error ? err.message : String(err));
      return undefined;
    });
    if (!requests) return;
    const s = this.section;
    if (requests.resetAt !== undefined && requests.resetAt !== s.appliedResetAt) {
      s.appliedResetAt = requests.resetAt;
      resetBudget(s.budget);
      delete s.held;
      this.deps.log.warn('auto-recovery reset by `clawmedic recover --reset`: budget and circuit cleared');
    }
    const known = new Set(s.attempts.map((a) => a.id));
    const fresh = requests.manual.filter((a) => !known.has(a.id)) as AttemptRecord[];
    if (fresh.length) s.attempts = [...s.attempts, ...fresh].sort((a, b) => a.startedAt - b.startedAt).slice(-MAX_ATTEMPTS_KEPT);
    this.deps.store.markDirty();
  }

  /** Keeps a copy of openclaw.json while it validates and the gateway is up, for `recover --restore-config`. */
  private keepLastGood(): void {
    const up = this.deps.store.check('gateway.port')?.machine.state;
    if (up !== undefined && up !== 'ok') return;
    this.lastGoodWrite = this.lastGoodWrite.then(async () => {
      const source = this.deps.config.target.openclawConfigPath;
      try {
        const body = await readFile(source);
        if (body.length > 1024 * 1024) return;
        const sha256 = createHash('sha256').update(body).digest('hex');
        const s = this.section;
        if (s.lastGood?.sha256 === sha256) return;
        await writePrivateFile(this.paths.lastGood, body);
        s.lastGood = { at: this.deps.now(), sha256, path: source };
        this.deps.store.markDirty();
      } catch (err) {
        this.deps.log.debug({ err }, `last-known-good copy of ${source} not taken`);
      }
    });
  }
}

/** The factory the agent is given (src/cli/run.ts): a manager only when recovery is enabled. */
export function recoveryListener(makeSteps: (config: EffectiveConfig, log: AppLogger) => BuiltinSteps): CycleListenerFactory {
  return ({ config, store, alerts, log, now, runNow }) =>
    config.file.recovery.enabled
      ? new RecoveryManager({ config, store, alerts, log: log.child({ part: 'recovery' }), now, runNow, steps: makeSteps(config, log) })
      : {};
}
