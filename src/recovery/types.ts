import type { BudgetState } from './budget.ts';

export type StepName = 'preflight' | 'validate' | 'restart' | 'stop' | 'clearCache' | 'start' | 'verify';

/** How one step of an attempt went, as kept in the state file and shown by `status`. */
export interface StepRecord {
  step: StepName;
  outcome: 'ok' | 'failed' | 'skipped';
  /** Epoch ms. */
  startedAt: number;
  durationMs: number;
  /** One line. */
  summary: string;
  /** The command run, when one was (argument array; secrets redacted). */
  command?: string[];
  /** Its output, bounded and redacted. */
  output?: string;
}

/**
 * recovered: the gateway was verified healthy at the end. failed: a step failed (failedStep says which).
 * blocked: nothing was stopped or started (an invalid config, the port held by another program, no
 * gateway found to act on). aborted: clawmedic stopped in the middle.
 */
export type AttemptOutcome = 'recovered' | 'failed' | 'blocked' | 'aborted';

export interface AttemptRecord {
  id: string;
  /** "agent" (a trigger) or "cli" (`clawmedic recover`). */
  by: 'agent' | 'cli';
  /** The check and result that started it. */
  trigger?: { checkId: string; status: string; summary: string };
  startedAt: number;
  finishedAt?: number;
  outcome?: AttemptOutcome;
  failedStep?: StepName;
  /** One line: why it failed or was blocked, or how it recovered ("gateway restart", "stop/start"). */
  reason?: string;
  steps: StepRecord[];
}

/** The `recovery` section of the state file. */
export interface RecoverySection {
  version: 1;
  budget: BudgetState;
  /** Latest last, at most MAX_ATTEMPTS_KEPT. */
  attempts: AttemptRecord[];
  /** Why the last trigger did not start an attempt (silenced, cooldown...), for `status`. */
  held?: { at: number; reason: string };
  /** The reset request of `clawmedic recover --reset` last applied (epoch ms), so it is applied once. */
  appliedResetAt?: number;
  /** The last-known-good copy of openclaw.json: when it was taken and its sha256. */
  lastGood?: { at: number; sha256: string; path: string };
}

export const RECOVERY_SECTION = 'recovery';
export const MAX_ATTEMPTS_KEPT = 20;
