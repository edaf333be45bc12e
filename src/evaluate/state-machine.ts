import type { Status } from '../contracts.ts';
import { enoughForFlapping, flapPercent } from './flapping.ts';
import type { CheckState, MachineConfig, MachineState, Transition } from './types.ts';

// The per-check state machine: pure functions over plain JSON, so the state survives a restart by being
// stored as it is, and every rule can be pinned down by a test without clocks or files.
//
//   OK --non-OK--> PENDING --(failureThreshold non-OK in a row)--> FAILING --OK--> RECOVERING
//   PENDING --OK--> OK (a blip: the incident is dropped)
//   RECOVERING --(successThreshold OK in a row)--> OK;  RECOVERING --non-OK--> FAILING (same incident)
//   any state --(flap % >= highPct)--> FLAPPING --(flap % < lowPct and settled)--> OK or FAILING

export const DEFAULT_MACHINE_CONFIG: MachineConfig = {
  failureThreshold: 3,
  successThreshold: 2,
  flapping: { enabled: true, window: 21, highPct: 50, lowPct: 25 },
};

/**
 * How bad a status is, for the worst status of an incident. UNKNOWN ranks above WARN (as in Icinga):
 * it means the check could not tell, which on this gateway mostly means a hung process or a CLI that
 * timed out, and that deserves more attention than a known, bounded warning; it ranks below CRIT,
 * which is a confirmed failure.
 */
export const STATUS_RANK: Readonly<Record<Status, number>> = { ok: 0, warn: 1, unknown: 2, crit: 3 };

export function worseStatus(a: Status | undefined, b: Status): Status {
  // Stryker disable next-line ConditionalExpression,EqualityOperator: ranks are distinct, so >= and > differ only when a === b; an undefined a ranks undefined, and undefined >= n is false
  return a !== undefined && STATUS_RANK[a] >= STATUS_RANK[b] ? a : b;
}

export function initialMachineState(now: number): MachineState {
  return { state: 'ok', since: now, consecutiveFailures: 0, consecutiveSuccesses: 0, recent: [], flapPct: 0 };
}

export interface EvaluateInput {
  checkId: string;
  status: Status;
  summary: string;
  /** Epoch ms of the result. */
  at: number;
  /** A failure no retry will change: it reaches FAILING at once (see CheckResult.certain). */
  certain?: boolean;
}

export function evaluate(
  prev: MachineState,
  input: EvaluateInput,
  config: MachineConfig,
): { next: MachineState; transition?: Transition } {
  // Thresholds below 1 would make a state unreachable or skip the result that caused the change.
  // Stryker disable next-line ConditionalExpression,StringLiteral: an OK result counts no failure, so its failure threshold never matters
  const failureThreshold = input.certain && input.status !== 'ok' ? 1 : Math.max(1, Math.floor(config.failureThreshold));
  const successThreshold = Math.max(1, Math.floor(config.successThreshold));
  const window = Math.max(2, Math.floor(config.flapping.window));

  const ok = input.status === 'ok';
  const recent = [...prev.recent, input.status].slice(-window);
  const flapPct = flapPercent(recent);
  const failures = ok ? 0 : prev.consecutiveFailures + 1;
  const successes = ok ? prev.consecutiveSuccesses + 1 : 0;

  let to: CheckState;
  if (prev.state === 'flapping') {
    to = leaveFlapping(config, flapPct, ok, failures, successes, failureThreshold, successThreshold);
  } else if (
    config.flapping.enabled &&
    enoughForFlapping(recent.length, window) &&
    flapPct >= config.flapping.highPct
  ) {
    to = 'flapping';
  } else {
    to = step(prev.state, ok, failures, successes, failureThreshold, successThreshold);
  }

  const next: MachineState = {
    state: to,
    since: to === prev.state ? prev.since : input.at,
    consecutiveFailures: failures,
    consecutiveSuccesses: successes,
    recent,
    flapPct,
  };
  if (to !== 'ok') {
    // An incident opens on the first result that leaves OK and lasts until OK is reached again.
    next.incidentSince = prev.incidentSince ?? input.at;
    let worst = prev.worstStatus;
    // Stryker disable next-line ConditionalExpression: OK ranks lowest, so it changes only an unset worst, which only entering FLAPPING leaves unset, and the window below then sets it
    if (!ok) worst = worseStatus(worst, input.status);
    // Entering FLAPPING on an OK result: the incident is the bad results in the window.
    if (to === 'flapping' && prev.state !== 'flapping') {
      // Stryker disable next-line ConditionalExpression,StringLiteral: OK ranks lowest, and a window that flaps (highPct >= 1) holds a non-OK result that outranks it
      for (const s of recent) if (s !== 'ok') worst = worseStatus(worst, s);
    }
    // Stryker disable next-line ConditionalExpression: an incident always holds a non-OK result (a flapping window too, as highPct >= 1), so worst is set here
    if (worst !== undefined) next.worstStatus = worst;
  }

  if (to === prev.state) return { next };

  // A transition to OK carries the incident it closes, so the resolved alert can say how long it lasted.
  const incident = to === 'ok' ? prev : next;
  const transition: Transition = {
    checkId: input.checkId,
    from: prev.state,
    to,
    at: input.at,
    status: input.status,
    summary: input.summary,
    flapPct,
  };
  if (incident.incidentSince !== undefined) transition.incidentSince = incident.incidentSince;
  if (incident.worstStatus !== undefined) transition.worstStatus = incident.worstStatus;
  return { next, transition };
}

function step(
  state: Exclude<CheckState, 'flapping'>,
  ok: boolean,
  failures: number,
  successes: number,
  failureThreshold: number,
  successThreshold: number,
): CheckState {
  switch (state) {
    case 'ok':
    case 'pending':
      if (ok) return 'ok';
      return failures >= failureThreshold ? 'failing' : 'pending';
    case 'failing':
    case 'recovering':
      if (!ok) return 'failing';
      return successes >= successThreshold ? 'ok' : 'recovering';
  }
}

function leaveFlapping(
  config: MachineConfig,
  flapPct: number,
  ok: boolean,
  failures: number,
  successes: number,
  failureThreshold: number,
  successThreshold: number,
): CheckState {
  // Detection switched off while flapping: nothing would ever end the state, so settle on the next
  // result as if the check had been failing.
  if (!config.flapping.enabled) return step('failing', ok, failures, successes, failureThreshold, successThreshold);
  // Hysteresis: stay until the changes have mostly left the window and the latest results agree.
  if (flapPct >= config.flapping.lowPct) return 'flapping';
  if (successes >= successThreshold) return 'ok';
  if (failures >= failureThreshold) return 'failing';
  return 'flapping';
}
