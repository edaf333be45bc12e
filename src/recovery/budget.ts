/**
 * How often auto-recovery may act, as plain data so it survives an agent restart (like cockatiel's
 * breakers, whose state serialises and restores). Pure functions of (state, now, limits): no timers.
 *
 * - budget: at most `attempts` within `windowMs` (2 per 15 min by default: OpenClaw's own crash-loop
 *   breaker trips at 3 unclean boots in 5 min and then starts no channel at all);
 * - cooldown: after each attempt the next waits `cooldownMs`, doubling with each failure in a row up to
 *   `cooldownMaxMs` (a success brings it back to the base);
 * - circuit: a failure wanted while the budget is spent opens it: no attempt at all until the watched
 *   checks have been healthy for `stableMs` or a person resets it. It never closes on its own while failing.
 */

export interface BudgetLimits {
  attempts: number;
  windowMs: number;
  cooldownMs: number;
  cooldownMaxMs: number;
  stableMs: number;
}

export interface BudgetState {
  /** Epoch ms of each attempt still inside the window, oldest first. */
  attempts: number[];
  /** Failed attempts in a row (sets the cooldown). */
  failuresInRow: number;
  /** No attempt before this epoch ms. */
  cooldownUntil?: number;
  circuit: CircuitState;
  /** Epoch ms since which every trigger has been healthy, while the circuit is open. */
  healthySince?: number;
}

export type CircuitState = { open: false } | { open: true; openedAt: number; reason: string };

export type Permission =
  | { allowed: true }
  | { allowed: false; why: 'circuit-open'; since: number; reason: string }
  | { allowed: false; why: 'cooldown'; until: number }
  /** The budget is spent: the caller opens the circuit (and says so once). */
  | { allowed: false; why: 'budget-spent'; used: number; oldest: number };

export function freshBudget(): BudgetState {
  return { attempts: [], failuresInRow: 0, circuit: { open: false } };
}

/** Whether an attempt may start now. */
export function mayAttempt(state: BudgetState, now: number, limits: BudgetLimits): Permission {
  if (state.circuit.open) return { allowed: false, why: 'circuit-open', since: state.circuit.openedAt, reason: state.circuit.reason };
  const used = inWindow(state, now, limits);
  if (used.length >= limits.attempts) return { allowed: false, why: 'budget-spent', used: used.length, oldest: used[0] ?? now };
  if (state.cooldownUntil !== undefined && now < state.cooldownUntil) return { allowed: false, why: 'cooldown', until: state.cooldownUntil };
  return { allowed: true };
}

/** Counts an attempt that starts now (before it runs: an agent killed mid-attempt still spent it). */
export function startAttempt(state: BudgetState, now: number, limits: BudgetLimits): void {
  state.attempts = [...inWindow(state, now, limits), now];
  // Until it ends, the cooldown of a failure: an attempt whose end was never recorded counts as failed.
  state.cooldownUntil = now + cooldownAfter(state.failuresInRow + 1, limits);
}

/** Records how the attempt that started at `startedAt` ended. */
export function finishAttempt(state: BudgetState, now: number, ok: boolean, limits: BudgetLimits): void {
  state.failuresInRow = ok ? 0 : state.failuresInRow + 1;
  state.cooldownUntil = now + cooldownAfter(ok ? 0 : state.failuresInRow, limits);
}

/** Opens the circuit: no attempts until stable or reset. */
export function openCircuit(state: BudgetState, now: number, reason: string): void {
  state.circuit = { open: true, openedAt: now, reason };
  delete state.healthySince;
}

/**
 * Told whether every trigger is healthy now. Returns true when this closed an open circuit (the watched
 * checks were healthy for stableMs): the budget starts afresh.
 */
export function noteHealth(state: BudgetState, now: number, healthy: boolean, limits: BudgetLimits): boolean {
  if (!state.circuit.open) return false;
  if (!healthy) {
    delete state.healthySince;
    return false;
  }
  state.healthySince ??= now;
  if (now - state.healthySince < limits.stableMs) return false;
  resetBudget(state);
  return true;
}

/** `clawmedic recover --reset`, or a stable period: closed circuit, no attempts counted, no cooldown. */
export function resetBudget(state: BudgetState): void {
  state.attempts = [];
  state.failuresInRow = 0;
  delete state.cooldownUntil;
  delete state.healthySince;
  state.circuit = { open: false };
}

/** Attempts still inside the window. */
export function inWindow(state: BudgetState, now: number, limits: BudgetLimits): number[] {
  return state.attempts.filter((at) => at > now - limits.windowMs);
}

/** 0 failures: the base; each failure in a row doubles it, up to the cap. */
function cooldownAfter(failures: number, limits: BudgetLimits): number {
  const factor = 2 ** Math.min(Math.max(failures - 1, 0), 30);
  return Math.min(limits.cooldownMs * factor, Math.max(limits.cooldownMs, limits.cooldownMaxMs));
}
