import type { CheckResult } from '../contracts.ts';
import type { StateStore } from '../state/store.ts';
import { evaluate, initialMachineState } from './state-machine.ts';
import type { MachineConfig, Transition } from './types.ts';

/**
 * One result through the store and the state machine: the store keeps it, the evaluator judges it,
 * the store keeps the verdict. Returns the transition it caused, if any (a copy, which the caller may
 * annotate without touching what is stored).
 */
export function recordResult(
  store: StateStore,
  checkId: string,
  result: CheckResult,
  meta: { at: number; durationMs: number; machine: MachineConfig },
): Transition | undefined {
  const { stored, at } = store.append(checkId, result, { at: meta.at, durationMs: meta.durationMs, initialMachine: initialMachineState });
  const prev = store.check(checkId)!.machine;
  const { next, transition } = evaluate(prev, { checkId, status: stored.status, summary: stored.summary, at, ...(stored.certain ? { certain: true } : {}) }, meta.machine);
  store.setMachine(checkId, next, transition);
  return transition ? { ...transition } : undefined;
}
