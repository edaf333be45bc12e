import { describe, expect, it } from 'vitest';
import type { Status } from '../../src/contracts.ts';
import { flapPercent } from '../../src/evaluate/flapping.ts';
import {
  DEFAULT_MACHINE_CONFIG,
  evaluate,
  initialMachineState,
  worseStatus,
} from '../../src/evaluate/state-machine.ts';
import type { MachineConfig, MachineState, Transition } from '../../src/evaluate/types.ts';

const T0 = 1_700_000_000_000;
const STEP = 30_000;

function config(overrides: Partial<MachineConfig> = {}, flapping: Partial<MachineConfig['flapping']> = {}): MachineConfig {
  return {
    ...DEFAULT_MACHINE_CONFIG,
    ...overrides,
    flapping: { ...DEFAULT_MACHINE_CONFIG.flapping, ...flapping },
  };
}

/** Feeds statuses one per STEP from `start`, collecting every transition. */
function feed(statuses: Status[], cfg: MachineConfig, start: MachineState = initialMachineState(T0)) {
  let state = start;
  const transitions: Transition[] = [];
  const states: string[] = [];
  statuses.forEach((status, i) => {
    const at = T0 + (i + 1) * STEP;
    const { next, transition } = evaluate(state, { checkId: 'gateway.http', status, summary: `${status} #${i}`, at }, cfg);
    state = next;
    states.push(next.state);
    if (transition) transitions.push(transition);
  });
  return { state, transitions, states };
}

const noFlap = config({}, { enabled: false });
const repeat = <T>(v: T, n: number): T[] => Array.from({ length: n }, () => v);

describe('thresholds', () => {
  it('needs exactly failureThreshold non-OK results in a row to reach FAILING', () => {
    const { states, transitions } = feed(['crit', 'warn', 'unknown'], noFlap);
    expect(states).toEqual(['pending', 'pending', 'failing']);
    expect(transitions.map((t) => `${t.from}>${t.to}`)).toEqual(['ok>pending', 'pending>failing']);
    expect(transitions[1]).toMatchObject({ at: T0 + 3 * STEP, status: 'unknown', summary: 'unknown #2' });
  });

  it('honours a larger failureThreshold', () => {
    const { states } = feed(repeat<Status>('crit', 5), config({ failureThreshold: 5 }, { enabled: false }));
    expect(states).toEqual(['pending', 'pending', 'pending', 'pending', 'failing']);
  });

  it('treats warn, crit and unknown alike for counting', () => {
    const { state } = feed(['warn', 'unknown', 'crit'], noFlap);
    expect(state.state).toBe('failing');
    expect(state.consecutiveFailures).toBe(3);
  });

  it('emits no transition while the state stays the same', () => {
    const { transitions } = feed([...repeat<Status>('ok', 5), ...repeat<Status>('crit', 10)], noFlap);
    expect(transitions.map((t) => t.to)).toEqual(['pending', 'failing']);
  });

  it('goes straight from OK to FAILING with failureThreshold 1', () => {
    const { states, transitions } = feed(['crit'], config({ failureThreshold: 1 }, { enabled: false }));
    expect(states).toEqual(['failing']);
    expect(transitions).toHaveLength(1);
    expect(transitions[0]).toMatchObject({ from: 'ok', to: 'failing', incidentSince: T0 + STEP });
  });
});

describe('blips and recovery', () => {
  it('drops a blip: PENDING and an OK result go back to OK and the incident is forgotten', () => {
    const { state, transitions } = feed(['crit', 'crit', 'ok'], noFlap);
    expect(state.state).toBe('ok');
    expect(state.incidentSince).toBeUndefined();
    expect(state.worstStatus).toBeUndefined();
    expect(transitions.map((t) => `${t.from}>${t.to}`)).toEqual(['ok>pending', 'pending>ok']);
    // The counter starts over: two more failures are not enough.
    const again = feed(['crit', 'crit'], noFlap, state);
    expect(again.state.state).toBe('pending');
  });

  it('recovers through RECOVERING after successThreshold OKs', () => {
    const { states, transitions } = feed(['crit', 'crit', 'crit', 'ok', 'ok', 'ok'], noFlap);
    expect(states).toEqual(['pending', 'pending', 'failing', 'recovering', 'ok', 'ok']);
    expect(transitions.map((t) => `${t.from}>${t.to}`)).toEqual([
      'ok>pending',
      'pending>failing',
      'failing>recovering',
      'recovering>ok',
    ]);
  });

  it('honours a larger successThreshold', () => {
    const { states } = feed(['crit', 'crit', 'crit', 'ok', 'ok', 'ok', 'ok'], config({ successThreshold: 4 }, { enabled: false }));
    expect(states.slice(3)).toEqual(['recovering', 'recovering', 'recovering', 'ok']);
  });

  it('goes straight from FAILING to OK with successThreshold 1', () => {
    const { states, transitions } = feed(['crit', 'crit', 'crit', 'ok'], config({ successThreshold: 1 }, { enabled: false }));
    expect(states.at(-1)).toBe('ok');
    expect(transitions.at(-1)).toMatchObject({ from: 'failing', to: 'ok' });
  });

  it('relapses from RECOVERING to FAILING in the same incident', () => {
    const { state, states, transitions } = feed(['crit', 'crit', 'crit', 'ok', 'warn', 'ok', 'ok'], noFlap);
    expect(states).toEqual(['pending', 'pending', 'failing', 'recovering', 'failing', 'recovering', 'ok']);
    const relapse = transitions.find((t) => t.from === 'recovering' && t.to === 'failing');
    expect(relapse?.incidentSince).toBe(T0 + STEP);
    // The recovery count started over after the relapse: it took two more OKs.
    expect(state.state).toBe('ok');
  });
});

describe('incident bookkeeping', () => {
  it('opens the incident at the first non-OK result and keeps it until OK', () => {
    const { transitions, state } = feed(['ok', 'warn', 'crit', 'crit', 'ok', 'warn', 'ok', 'ok'], noFlap);
    expect(transitions.map((t) => t.to)).toEqual(['pending', 'failing', 'recovering', 'failing', 'recovering', 'ok']);
    // Every transition of the incident, the closing one included, names the same start.
    for (const t of transitions) expect(t.incidentSince).toBe(T0 + 2 * STEP);
    expect(state.incidentSince).toBeUndefined();
  });

  it('does not count a dropped blip still in the window into the next incident', () => {
    const { state, transitions } = feed(['crit', 'ok', 'warn', 'warn', 'warn'], noFlap);
    expect(state).toMatchObject({ state: 'failing', worstStatus: 'warn', incidentSince: T0 + 3 * STEP });
    expect(transitions.at(-1)).toMatchObject({ to: 'failing', worstStatus: 'warn' });
  });

  it('tracks the worst status of the incident (crit > unknown > warn) and reports it on the closing transition', () => {
    const mid = feed(['warn', 'unknown', 'warn'], noFlap);
    expect(mid.state.worstStatus).toBe('unknown');
    const worse = feed(['crit', 'ok', 'ok'], noFlap, mid.state);
    expect(worse.transitions.map((t) => t.to)).toEqual(['recovering', 'ok']);
    expect(worse.transitions[0]?.worstStatus).toBe('crit');
    expect(worse.transitions[1]).toMatchObject({ to: 'ok', worstStatus: 'crit', incidentSince: T0 + STEP });
    expect(worse.state.worstStatus).toBeUndefined();
  });

  it('ranks statuses crit > unknown > warn > ok', () => {
    expect(worseStatus('warn', 'unknown')).toBe('unknown');
    expect(worseStatus('unknown', 'crit')).toBe('crit');
    expect(worseStatus('crit', 'warn')).toBe('crit');
    expect(worseStatus(undefined, 'warn')).toBe('warn');
  });

  it('records when the current state was entered', () => {
    const { state } = feed(['crit', 'crit', 'crit', 'crit'], noFlap);
    expect(state.since).toBe(T0 + 3 * STEP);
  });
});

describe('flapping', () => {
  const alternating = (n: number, first: Status = 'ok'): Status[] =>
    Array.from({ length: n }, (_, i) => ((i % 2 === 0) === (first === 'ok') ? 'ok' : 'crit'));

  it('computes a weighted percentage: 100 for constant change, 0 for none, recent changes weigh more', () => {
    expect(flapPercent(alternating(21))).toBe(100);
    expect(flapPercent(repeat<Status>('warn', 21))).toBe(0);
    // warn <-> crit is not a change: both are not-OK.
    expect(flapPercent(['warn', 'crit', 'warn', 'unknown'])).toBe(0);
    const oldChange: Status[] = ['crit', ...repeat<Status>('ok', 20)];
    const newChange: Status[] = [...repeat<Status>('ok', 20), 'crit'];
    expect(flapPercent(oldChange)).toBe(4); // 0.8 / 20 pairs
    expect(flapPercent(newChange)).toBe(6); // 1.2 / 20 pairs
  });

  it('enters FLAPPING once in 40 alternating results, then stays quiet', () => {
    const { transitions, state } = feed(alternating(40), DEFAULT_MACHINE_CONFIG);
    const into = transitions.filter((t) => t.to === 'flapping');
    expect(into).toHaveLength(1);
    // Nothing at all after it: no OK/PENDING chatter while flapping.
    expect(transitions.at(-1)?.to).toBe('flapping');
    // Not judged before half the window (11 of 21) is filled.
    expect(into[0]?.at).toBe(T0 + 11 * STEP);
    expect(into[0]?.flapPct).toBeGreaterThanOrEqual(50);
    expect(state.state).toBe('flapping');
    expect(state.recent).toHaveLength(21);
    // Before that, only the blips of the first 10 results.
    expect(transitions.length).toBeLessThanOrEqual(11);
  });

  it('gives the flapping incident a start and the worst status of the window', () => {
    const { state, transitions } = feed(alternating(12), DEFAULT_MACHINE_CONFIG);
    const into = transitions.find((t) => t.to === 'flapping');
    expect(into?.incidentSince).toBeDefined();
    expect(into?.worstStatus).toBe('crit');
    expect(state.incidentSince).toBe(into?.incidentSince);
  });

  it('leaves FLAPPING for OK once the changes leave the window and the results are OK', () => {
    const start = feed(alternating(30), DEFAULT_MACHINE_CONFIG).state;
    const { transitions, states, state } = feed(repeat<Status>('ok', 25), DEFAULT_MACHINE_CONFIG, start);
    expect(transitions).toHaveLength(1);
    expect(transitions[0]).toMatchObject({ from: 'flapping', to: 'ok' });
    expect(transitions[0]?.flapPct).toBeLessThan(25);
    // Hysteresis: it stayed FLAPPING for a while after the last change.
    expect(states.indexOf('ok')).toBeGreaterThan(5);
    expect(state.incidentSince).toBeUndefined();
  });

  it('leaves FLAPPING for FAILING when the results settle on failing', () => {
    const start = feed(alternating(30), DEFAULT_MACHINE_CONFIG).state;
    const incidentSince = start.incidentSince;
    const { transitions, state } = feed(repeat<Status>('crit', 25), DEFAULT_MACHINE_CONFIG, start);
    expect(transitions).toHaveLength(1);
    expect(transitions[0]).toMatchObject({ from: 'flapping', to: 'failing', incidentSince });
    expect(state.state).toBe('failing');
  });

  it('stays FLAPPING below lowPct until the latest results meet a threshold', () => {
    const cfg = config({ failureThreshold: 3, successThreshold: 3 });
    let state: MachineState = {
      ...initialMachineState(T0),
      state: 'flapping',
      incidentSince: T0,
      worstStatus: 'crit',
      recent: repeat<Status>('ok', 21),
      consecutiveSuccesses: 0,
    };
    // Low percentage, but only two OKs in a row so far (threshold 3).
    ({ next: state } = evaluate(state, { checkId: 'c', status: 'ok', summary: 'ok', at: T0 + 1 }, cfg));
    ({ next: state } = evaluate(state, { checkId: 'c', status: 'ok', summary: 'ok', at: T0 + 2 }, cfg));
    expect(state.state).toBe('flapping');
    const third = evaluate(state, { checkId: 'c', status: 'ok', summary: 'ok', at: T0 + 3 }, cfg);
    expect(third.next.state).toBe('ok');
    expect(third.transition).toMatchObject({ from: 'flapping', to: 'ok' });
  });

  it('does nothing about flapping when disabled, and settles a FLAPPING state on the next result', () => {
    const { transitions } = feed(alternating(40), noFlap);
    expect(transitions.some((t) => t.to === 'flapping')).toBe(false);
    const flapping = feed(alternating(30), DEFAULT_MACHINE_CONFIG).state;
    const settled = evaluate(flapping, { checkId: 'c', status: 'crit', summary: 'down', at: T0 }, noFlap);
    expect(settled.next.state).toBe('failing');
  });

  it('does not judge flapping on a short history', () => {
    const { transitions } = feed(alternating(10), DEFAULT_MACHINE_CONFIG);
    expect(transitions.some((t) => t.to === 'flapping')).toBe(false);
  });

  it('keeps the recent window bounded by the configured size', () => {
    const { state } = feed(repeat<Status>('ok', 100), config({}, { window: 7 }));
    expect(state.recent).toHaveLength(7);
  });
});

describe('persistence shape', () => {
  it('keeps the machine state plain JSON', () => {
    const { state } = feed(['crit', 'crit', 'crit', 'ok'], DEFAULT_MACHINE_CONFIG);
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
  });
});

describe('flapping at its exact boundaries', () => {
  // A window of 3 gives exact percentages: a change in the newer pair weighs 1.2 (60 %), in the older
  // pair 0.8 (40 %).
  const small = (flapping: Partial<MachineConfig['flapping']>, overrides: Partial<MachineConfig> = {}) =>
    config(overrides, { window: 3, ...flapping });
  const flappingState = (recent: Status[], overrides: Partial<MachineState> = {}): MachineState => ({
    ...initialMachineState(T0),
    state: 'flapping',
    since: T0,
    incidentSince: T0,
    worstStatus: 'crit',
    recent,
    ...overrides,
  });

  it('computes the weights of a short window exactly', () => {
    expect(flapPercent([])).toBe(0);
    expect(flapPercent(['crit'])).toBe(0);
    expect(flapPercent(['ok', 'crit'])).toBe(100);
    expect(flapPercent(['ok', 'ok', 'crit'])).toBe(60);
    expect(flapPercent(['ok', 'crit', 'crit'])).toBe(40);
    // Three pairs, the middle one changing (weight 1.0): 33.33 %, rounded to two decimals.
    expect(flapPercent(['ok', 'ok', 'crit', 'crit'])).toBe(33.33);
  });

  it('enters FLAPPING when the percentage reaches highPct exactly, not below it', () => {
    const at = feed(['ok', 'ok', 'crit'], small({ highPct: 60 }));
    expect(at.states).toEqual(['ok', 'ok', 'flapping']);
    expect(at.transitions.at(-1)).toMatchObject({ from: 'ok', to: 'flapping', flapPct: 60, incidentSince: T0 + 3 * STEP, worstStatus: 'crit' });
    const above = feed(['ok', 'ok', 'crit'], small({ highPct: 60.01 }));
    expect(above.states).toEqual(['ok', 'ok', 'pending']);
  });

  it('judges flapping from half the window on (rounded up), never on a single pair', () => {
    // Window 5: not before 3 results, although 2 results already change 100 %.
    expect(feed(['ok', 'crit'], config({}, { window: 5 })).states).toEqual(['ok', 'pending']);
    expect(feed(['ok', 'crit', 'ok'], config({}, { window: 5 })).states).toEqual(['ok', 'pending', 'flapping']);
    // Window 2 (and anything smaller, which is raised to 2): judged from the second result.
    expect(feed(['crit', 'ok'], config({}, { window: 2 })).states).toEqual(['pending', 'flapping']);
    expect(feed(['crit', 'ok', 'ok'], config({}, { window: 1 })).state.recent).toEqual(['ok', 'ok']);
  });

  it('stays FLAPPING while the percentage is at lowPct, leaves it below', () => {
    // After one more OK the window is crit, ok, ok: 40 %, and two OKs in a row meet successThreshold 2.
    const start = flappingState(['crit', 'crit', 'ok'], { consecutiveSuccesses: 1 });
    const input = { checkId: 'c', status: 'ok' as const, summary: 'fine', at: T0 + STEP };
    expect(evaluate(start, input, small({ highPct: 90, lowPct: 40 })).next.state).toBe('flapping');
    const left = evaluate(start, input, small({ highPct: 90, lowPct: 40.01 }));
    expect(left.next.state).toBe('ok');
    expect(left.transition).toMatchObject({ from: 'flapping', to: 'ok', flapPct: 40, incidentSince: T0, worstStatus: 'crit' });
  });

  it('leaves FLAPPING for FAILING at exactly failureThreshold non-OK results in a row', () => {
    const cfg = small({ highPct: 90, lowPct: 50 }, { failureThreshold: 2 });
    const input = { checkId: 'c', status: 'crit' as const, summary: 'down', at: T0 + STEP };
    // After it: ok, crit, crit (40 %, below lowPct).
    const one = evaluate(flappingState(['ok', 'ok', 'crit'], { consecutiveFailures: 0 }), input, cfg);
    expect(one.next.state).toBe('flapping');
    const two = evaluate(flappingState(['ok', 'ok', 'crit'], { consecutiveFailures: 1 }), input, cfg);
    expect(two.next.state).toBe('failing');
    expect(two.transition).toMatchObject({ from: 'flapping', to: 'failing', incidentSince: T0 });
  });

  it('leaves FLAPPING for OK at exactly successThreshold OK results in a row', () => {
    const cfg = small({ highPct: 90, lowPct: 50 }, { successThreshold: 2 });
    const input = { checkId: 'c', status: 'ok' as const, summary: 'fine', at: T0 + STEP };
    expect(evaluate(flappingState(['crit', 'crit', 'ok'], { consecutiveSuccesses: 0 }), input, cfg).next.state).toBe('flapping');
    expect(evaluate(flappingState(['crit', 'crit', 'ok'], { consecutiveSuccesses: 1 }), input, cfg).next.state).toBe('ok');
  });

  it('counts the bad results of the window into the incident when FLAPPING is entered on an OK result', () => {
    // Window 8, judged from the 4th result: the first two were a blip, dropped before flapping is judged.
    const { states, transitions, state } = feed(['warn', 'unknown', 'ok', 'ok'], config({}, { window: 8, highPct: 33 }));
    expect(states).toEqual(['pending', 'pending', 'ok', 'flapping']);
    expect(transitions.at(-1)).toMatchObject({ from: 'ok', to: 'flapping', status: 'ok', flapPct: 33.33, worstStatus: 'unknown', incidentSince: T0 + 4 * STEP });
    expect(state.worstStatus).toBe('unknown');
  });

  it('does not let an OK result while FLAPPING lower the worst status', () => {
    const start = flappingState(['crit', 'ok', 'crit'], { worstStatus: 'warn' });
    const { next } = evaluate(start, { checkId: 'c', status: 'ok', summary: 'fine', at: T0 + STEP }, small({ highPct: 50, lowPct: 25 }));
    expect(next).toMatchObject({ state: 'flapping', worstStatus: 'warn', since: T0, incidentSince: T0 });
  });
});

describe('thresholds below 1 and fractions', () => {
  it('treats a failureThreshold below 1 as 1 and rounds fractions down', () => {
    expect(feed(['crit'], config({ failureThreshold: 0 }, { enabled: false })).states).toEqual(['failing']);
    expect(feed(['crit', 'crit'], config({ failureThreshold: 2.9 }, { enabled: false })).states).toEqual(['pending', 'failing']);
  });

  it('treats a successThreshold below 1 as 1 and rounds fractions down', () => {
    const failing = feed(['crit', 'crit', 'crit'], noFlap).state;
    expect(feed(['ok'], config({ successThreshold: 0 }, { enabled: false }), failing).states).toEqual(['ok']);
    expect(feed(['ok', 'ok'], config({ successThreshold: 2.9 }, { enabled: false }), failing).states).toEqual(['recovering', 'ok']);
  });

  it('rounds a fractional window down', () => {
    expect(feed(repeat<Status>('ok', 10), config({}, { window: 4.7 })).state.recent).toHaveLength(4);
  });
});

describe('what a transition carries', () => {
  it('names the state it left, the result that caused it and the flap percentage', () => {
    const { transitions } = feed(['warn'], noFlap);
    expect(transitions).toEqual([
      { checkId: 'gateway.http', from: 'ok', to: 'pending', at: T0 + STEP, status: 'warn', summary: 'warn #0', flapPct: 0, incidentSince: T0 + STEP, worstStatus: 'warn' },
    ]);
  });

  it('leaves out the incident fields of a transition between healthy states', () => {
    const { next, transition } = evaluate(
      { ...initialMachineState(T0), state: 'recovering' },
      { checkId: 'c', status: 'ok', summary: 'fine', at: T0 + STEP },
      config({ successThreshold: 1 }, { enabled: false }),
    );
    // Strict: no incidentSince or worstStatus key at all, not even an undefined one.
    expect(next).toStrictEqual({ state: 'ok', since: T0 + STEP, consecutiveFailures: 0, consecutiveSuccesses: 1, recent: ['ok'], flapPct: 0 });
    expect(transition).toStrictEqual({ checkId: 'c', from: 'recovering', to: 'ok', at: T0 + STEP, status: 'ok', summary: 'fine', flapPct: 0 });
  });

  it('keeps the start of a state that holds', () => {
    const { next, transition } = evaluate(initialMachineState(T0), { checkId: 'c', status: 'ok', summary: 'fine', at: T0 + STEP }, noFlap);
    expect(transition).toBeUndefined();
    expect(next).toEqual({ state: 'ok', since: T0, consecutiveFailures: 0, consecutiveSuccesses: 1, recent: ['ok'], flapPct: 0 });
  });
});
