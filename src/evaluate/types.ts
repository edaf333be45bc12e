import type { Status } from '../contracts.ts';

/** Where a check stands, beyond its last result. */
export type CheckState = 'ok' | 'pending' | 'failing' | 'recovering' | 'flapping';

export interface FlappingConfig {
  enabled: boolean;
  /** How many recent results the state-change percentage is computed over (Nagios uses 21). */
  window: number;
  /** Enter FLAPPING at or above this percentage of state changes. */
  highPct: number;
  /** Leave FLAPPING below this percentage. */
  lowPct: number;
}

export interface MachineConfig {
  /** Consecutive non-OK results that turn PENDING into FAILING (default 3). */
  failureThreshold: number;
  /** Consecutive OK results that turn RECOVERING into OK (default 2). */
  successThreshold: number;
  flapping: FlappingConfig;
}

/** The per-check state machine's memory; persisted in the state file, so plain JSON. */
export interface MachineState {
  state: CheckState;
  /** Epoch ms the current state was entered. */
  since: number;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  /** The last `flapping.window` statuses, oldest first. */
  recent: Status[];
  /** Percentage of state changes over `recent` (0-100). */
  flapPct: number;
  /** Epoch ms of the first failing result of the open incident; absent when healthy. */
  incidentSince?: number;
  /** Worst status seen during the open incident. */
  worstStatus?: Status;
}

export interface Transition {
  checkId: string;
  from: CheckState;
  to: CheckState;
  /** Epoch ms. */
  at: number;
  /** Status of the result that caused it. */
  status: Status;
  summary: string;
  incidentSince?: number;
  flapPct?: number;
  /** Worst status of the incident (for a transition to OK: of the incident it closes). */
  worstStatus?: Status;
}
