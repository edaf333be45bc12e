import { describe, expect, it } from 'vitest';
import { finishAttempt, freshBudget, mayAttempt, noteHealth, openCircuit, resetBudget, startAttempt, type BudgetLimits } from '../../src/recovery/budget.ts';

const MIN = 60_000;
const limits: BudgetLimits = { attempts: 2, windowMs: 15 * MIN, cooldownMs: 2 * MIN, cooldownMaxMs: 30 * MIN, stableMs: 30 * MIN };

/** Serialises and restores, as the state file does between two agent runs. */
const roundTrip = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describe('recovery budget', () => {
  it('allows the budgeted attempts per window, then says it is spent', () => {
    const b = freshBudget();
    expect(mayAttempt(b, 0, limits)).toEqual({ allowed: true });
    startAttempt(b, 0, limits);
    finishAttempt(b, 30_000, false, limits);
    expect(mayAttempt(b, 3 * MIN, limits)).toEqual({ allowed: true });
    startAttempt(b, 3 * MIN, limits);
    finishAttempt(b, 3 * MIN + 30_000, false, limits);
    expect(mayAttempt(b, 14 * MIN, limits)).toMatchObject({ allowed: false, why: 'budget-spent', used: 2, oldest: 0 });
  });

  it('frees an attempt once it leaves the window', () => {
    const b = freshBudget();
    startAttempt(b, 0, limits);
    finishAttempt(b, 1_000, true, limits);
    startAttempt(b, 5 * MIN, limits);
    finishAttempt(b, 5 * MIN + 1_000, true, limits);
    expect(mayAttempt(b, 15 * MIN - 1, limits).allowed).toBe(false);
    expect(mayAttempt(b, 15 * MIN, limits)).toEqual({ allowed: true });
  });

  it('doubles the cooldown with each failure in a row, up to the cap, and a success brings it back', () => {
    const b = freshBudget();
    const wide = { ...limits, attempts: 10, windowMs: 1 };
    const cooldowns: number[] = [];
    let t = 0;
    for (let i = 0; i < 6; i += 1) {
      startAttempt(b, t, wide);
      finishAttempt(b, t, false, wide);
      cooldowns.push(b.cooldownUntil! - t);
      t = b.cooldownUntil!;
    }
    expect(cooldowns).toEqual([2, 4, 8, 16, 30, 30].map((m) => m * MIN));
    expect(mayAttempt(b, t - 1, wide)).toMatchObject({ allowed: false, why: 'cooldown', until: t });
    startAttempt(b, t, wide);
    finishAttempt(b, t, true, wide);
    expect(b.cooldownUntil! - t).toBe(2 * MIN);
    expect(b.failuresInRow).toBe(0);
  });

  it('counts an attempt whose end was never recorded (the agent was killed) as a failure for the cooldown', () => {
    const b = freshBudget();
    startAttempt(b, 0, limits);
    const restored = roundTrip(b);
    expect(mayAttempt(restored, 1_000, limits)).toMatchObject({ allowed: false, why: 'cooldown' });
    expect(restored.attempts).toEqual([0]);
  });

  it('keeps an open circuit across a restart of the agent until the checks are healthy for the stable period', () => {
    const b = freshBudget();
    startAttempt(b, 0, limits);
    openCircuit(b, 10 * MIN, 'two attempts did not help');
    const restored = roundTrip(b);
    expect(mayAttempt(restored, 60 * MIN, limits)).toMatchObject({ allowed: false, why: 'circuit-open', since: 10 * MIN, reason: 'two attempts did not help' });
    expect(noteHealth(restored, 61 * MIN, true, limits)).toBe(false);
    // A failure in between starts the stable period again.
    expect(noteHealth(restored, 80 * MIN, false, limits)).toBe(false);
    expect(noteHealth(restored, 81 * MIN, true, limits)).toBe(false);
    expect(noteHealth(restored, 81 * MIN + 30 * MIN - 1, true, limits)).toBe(false);
    expect(noteHealth(restored, 111 * MIN, true, limits)).toBe(true);
    expect(mayAttempt(restored, 111 * MIN, limits)).toEqual({ allowed: true });
    expect(restored.attempts).toEqual([]);
  });

  it('never closes a circuit while failing, and health means nothing while it is closed', () => {
    const b = freshBudget();
    expect(noteHealth(b, 0, true, limits)).toBe(false);
    openCircuit(b, 0, 'x');
    for (let t = 0; t < 24 * 60; t += 5) expect(noteHealth(b, t * MIN, false, limits)).toBe(false);
    expect(b.circuit.open).toBe(true);
  });

  it('a reset closes the circuit and forgets attempts and cooldown', () => {
    const b = freshBudget();
    startAttempt(b, 0, limits);
    finishAttempt(b, 0, false, limits);
    openCircuit(b, 1, 'x');
    resetBudget(b);
    expect(mayAttempt(b, 2, limits)).toEqual({ allowed: true });
    expect(b).toEqual(freshBudget());
  });

  it('a clock that went back does not refill the budget', () => {
    const b = freshBudget();
    startAttempt(b, 10 * MIN, limits);
    finishAttempt(b, 10 * MIN, true, limits);
    startAttempt(b, 13 * MIN, limits);
    finishAttempt(b, 13 * MIN, true, limits);
    expect(mayAttempt(b, 5 * MIN, limits)).toMatchObject({ allowed: false, why: 'budget-spent' });
  });
});
