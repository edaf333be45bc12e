import { describe, expect, it } from 'vitest';
import { withAlertingDefaults } from '../../src/alerts/config.ts';
import type { AlertingConfigInput } from '../../src/alerts/config.ts';
import { planAlerts } from '../../src/alerts/planner.ts';
import type { PlanContext } from '../../src/alerts/planner.ts';
import type { AlertsSection, Incident, ResolvedIncident, SilencedBy } from '../../src/alerts/types.ts';
import type { CheckState } from '../../src/evaluate/types.ts';

// planAlerts is pure over the alerts section: these tests call it directly with a hand-made context,
// one rule at a time. (alert-router.test.ts covers the same rules end to end, through the timers.)

const NOW = Date.parse('2025-06-01T12:00:00Z');
const MIN = 60_000;

function incident(checkId: string, overrides: Partial<Incident> = {}): Incident {
  return {
    fingerprint: `${checkId}:failing`,
    checkId,
    condition: 'failing',
    since: NOW - 10 * MIN,
    openedAt: NOW - 9 * MIN,
    severity: 'crit',
    summary: `${checkId} is down`,
    announced: false,
    notifiedVia: [],
    reminderIndex: 0,
    ...overrides,
  };
}

function section(incidents: Incident[], resolved: ResolvedIncident[] = []): AlertsSection {
  return { version: 1, incidents: Object.fromEntries(incidents.map((i) => [i.checkId, i])), resolved };
}

function context(
  options: {
    now?: number;
    config?: AlertingConfigInput;
    dependsOn?: Record<string, string[]>;
    states?: Record<string, CheckState>;
    silenced?: Record<string, SilencedBy>;
    routes?: string[];
    causes?: Record<string, string[]>;
  } = {},
): PlanContext {
  return {
    ...(options.causes ? { causes: options.causes } : {}),
    now: options.now ?? NOW,
    config: withAlertingDefaults(options.config),
    dependsOn: options.dependsOn ?? {},
    stateOf: (id) => options.states?.[id],
    silencedBy: (id) => options.silenced?.[id],
    routesFor: () => options.routes ?? ['slack'],
  };
}

const SILENCE: SilencedBy = { type: 'silence', id: 's-1', until: '2025-06-01T14:00:00.000Z', reason: 'upgrade' };

describe('first alert of an incident', () => {
  it('announces a new incident with its diagnosis and remedy, and records who was told', () => {
    const inc = incident('gateway.http', { diagnosis: 'nothing listens', remedy: 'start it', notifiedVia: ['mail'] });
    const planned = planAlerts(section([inc]), context({ routes: ['slack', 'mail'] }));
    expect(planned).toEqual([
      {
        alert: {
          fingerprint: 'gateway.http:failing',
          incidentId: expect.stringMatching(/^[0-9a-f]{8}$/),
          kind: 'failing',
          checkId: 'gateway.http',
          severity: 'crit',
          summary: 'gateway.http is down',
          diagnosis: 'nothing listens',
          remedy: 'start it',
          since: new Date(NOW - 10 * MIN).toISOString(),
        },
        to: ['slack', 'mail'],
      },
    ]);
    expect(inc).toMatchObject({ announced: true, announcedSeverity: 'crit', lastNotifiedAt: NOW, reminderIndex: 0, notifiedVia: ['mail', 'slack'] });
  });

  it('leaves out an empty diagnosis, remedy and related list', () => {
    const [p] = planAlerts(section([incident('a', { diagnosis: '', remedy: '' })]), context());
    expect(Object.keys(p!.alert).sort()).toEqual(['checkId', 'fingerprint', 'incidentId', 'kind', 'severity', 'since', 'summary']);
  });

  it('announces a flapping incident as flapping', () => {
    const [p] = planAlerts(section([incident('a', { condition: 'flapping', fingerprint: 'a:flapping' })]), context());
    expect(p!.alert.kind).toBe('flapping');
  });

  it('marks an incident announced even when no route takes it, and plans nothing for it', () => {
    const inc = incident('a');
    expect(planAlerts(section([inc]), context({ routes: [] }))).toEqual([]);
    expect(inc).toMatchObject({ announced: true, lastNotifiedAt: NOW, notifiedVia: [] });
  });

  it('does not announce an incident released while its check is already RECOVERING', () => {
    const inc = incident('a');
    expect(planAlerts(section([inc]), context({ states: { a: 'recovering' } }))).toEqual([]);
    expect(inc.announced).toBe(false);
    expect(inc.lastNotifiedAt).toBeUndefined();
    // It fails again: now it is told.
    expect(planAlerts(section([inc]), context({ states: { a: 'failing' } }))).toHaveLength(1);
  });
});

describe('holding a dependent while its parent is PENDING', () => {
  const deps = { 'gateway.http': ['gateway.port'] };

  it('holds the dependent for inhibitHoldMs after it opened, and not one millisecond longer', () => {
    const openedAt = NOW - 5 * MIN;
    const hold = (now: number): Incident => {
      const inc = incident('gateway.http', { openedAt });
      const planned = planAlerts(section([inc]), context({ now, dependsOn: deps, states: { 'gateway.port': 'pending' } }));
      expect(planned.length === 0).toBe(!inc.announced);
      return inc;
    };
    expect(hold(openedAt + 5 * MIN - 1).announced).toBe(false);
    expect(hold(openedAt + 5 * MIN).announced).toBe(true);
  });

  it('follows a configured inhibitHoldMs', () => {
    const inc = incident('gateway.http', { openedAt: NOW - 2 * MIN });
    const ctx = context({ dependsOn: deps, states: { 'gateway.port': 'pending' }, config: { inhibitHoldMs: 2 * MIN } });
    expect(planAlerts(section([inc]), ctx)).toHaveLength(1);
  });

  it('does not hold when the parent is not PENDING', () => {
    for (const state of ['ok', 'recovering', undefined] as const) {
      const inc = incident('gateway.http', { openedAt: NOW });
      const states: Record<string, CheckState> = state ? { 'gateway.port': state } : {};
      expect(planAlerts(section([inc]), context({ dependsOn: deps, states }))).toHaveLength(1);
    }
  });
});

describe('inhibition', () => {
  it('folds a dependent into the alert of its failing parent and records the fold', () => {
    const parent = incident('gateway.port', { since: NOW - 20 * MIN });
    const child = incident('gateway.http', { summary: 'refused' });
    const planned = planAlerts(section([child, parent]), context({ dependsOn: { 'gateway.http': ['gateway.port'] } }));
    expect(planned).toHaveLength(1);
    expect(planned[0]!.alert).toMatchObject({ checkId: 'gateway.port', related: [{ checkId: 'gateway.http', summary: 'refused' }] });
    expect(child).toMatchObject({ inhibitedBy: 'gateway.port', announced: false });
  });

  it('releases a dependent whose parent closed: the fold is forgotten and it alerts on its own', () => {
    const child = incident('gateway.http', { inhibitedBy: 'gateway.port' });
    const planned = planAlerts(section([child]), context({ dependsOn: { 'gateway.http': ['gateway.port'] } }));
    expect(planned.map((p) => p.alert.checkId)).toEqual(['gateway.http']);
    expect('inhibitedBy' in child).toBe(false);
  });
});

describe('silences', () => {
  it('holds a silenced incident back and records the silence; the alert goes out once it ends', () => {
    const inc = incident('a');
    expect(planAlerts(section([inc]), context({ silenced: { a: SILENCE } }))).toEqual([]);
    expect(inc).toMatchObject({ silencedBy: SILENCE, announced: false });
    expect(planAlerts(section([inc]), context()).map((p) => p.alert.kind)).toEqual(['failing']);
    expect('silencedBy' in inc).toBe(false);
  });
});

describe('after the first alert', () => {
  it('escalates when the severity gets worse than what was announced, and only then', () => {
    const inc = incident('a', { announced: true, announcedSeverity: 'warn', severity: 'crit', lastNotifiedAt: NOW - MIN, notifiedVia: ['slack'] });
    expect(planAlerts(section([inc]), context()).map((p) => p.alert.kind)).toEqual(['escalated']);
    expect(inc).toMatchObject({ announcedSeverity: 'crit', lastNotifiedAt: NOW, reminderIndex: 0 });
    expect(planAlerts(section([inc]), context())).toEqual([]);
  });

  it('tells a CRIT that became a WARN at its current severity, since it changed, once', () => {
    const inc = incident('a', { announced: true, announcedSeverity: 'crit', severity: 'warn', severitySince: NOW - 2 * MIN, lastNotifiedAt: NOW - MIN, notifiedVia: ['slack'] });
    const [p, ...rest] = planAlerts(section([inc]), context());
    expect(rest).toEqual([]);
    expect(p!.alert).toMatchObject({ kind: 'deescalated', severity: 'warn', since: new Date(NOW - 2 * MIN).toISOString() });
    expect(planAlerts(section([inc]), context())).toEqual([]);
  });

  it('tells a failing incident again when its cause changed (down, then another program on the port), once, with the new headline', () => {
    const inc = incident('gateway.port', { announced: true, announcedSeverity: 'crit', announcedCause: 'gateway', cause: 'conflict', causeRuns: 1, headline: 'port 18789 taken by python3 (pid 7017)', lastNotifiedAt: NOW - MIN, notifiedVia: ['slack'] });
    // Seen once, it may be a blip: a cause is told once it held for two results.
    expect(planAlerts(section([inc]), context())).toEqual([]);
    inc.causeRuns = 2;
    const [p, ...rest] = planAlerts(section([inc]), context());
    expect(rest).toEqual([]);
    expect(p!.alert).toMatchObject({ kind: 'changed', headline: 'port 18789 taken by python3 (pid 7017)', since: new Date(inc.since).toISOString() });
    expect(inc).toMatchObject({ announcedCause: 'conflict', changesTold: 1 });
    expect(planAlerts(section([inc]), context())).toEqual([]);
  });

  it('tells at most three cause changes per incident: a cause that keeps flipping shows in reminders, not in a stream of alerts', () => {
    const inc = incident('gateway.port', { announced: true, announcedSeverity: 'crit', announcedCause: 'gateway', lastNotifiedAt: NOW - MIN, notifiedVia: ['slack'] });
    const kinds: string[] = [];
    for (let i = 0; i < 5; i++) {
      Object.assign(inc, { cause: i % 2 === 0 ? 'conflict' : 'gateway', causeRuns: 2 });
      kinds.push(...planAlerts(section([inc]), context()).map((p) => p.alert.kind));
    }
    expect(kinds).toEqual(['changed', 'changed', 'changed']);
  });

  it('says nothing of a cause change while flapping, nor where the check names no cause, nor for one first told before causes were kept', () => {
    const flapping = incident('a', { condition: 'flapping', announced: true, announcedSeverity: 'crit', announcedCause: 'gateway', cause: 'conflict', causeRuns: 5, lastNotifiedAt: NOW - MIN });
    const unnamed = incident('b', { announced: true, announcedSeverity: 'crit', announcedCause: 'gateway', causeRuns: 5, lastNotifiedAt: NOW - MIN });
    const older = incident('c', { announced: true, announcedSeverity: 'crit', cause: 'conflict', causeRuns: 5, lastNotifiedAt: NOW - MIN });
    expect(planAlerts(section([flapping, unnamed, older]), context())).toEqual([]);
  });

  it('records the cause an alert told, so the same cause is not told twice', () => {
    const inc = incident('gateway.port', { cause: 'conflict' });
    expect(planAlerts(section([inc]), context()).map((p) => p.alert.kind)).toEqual(['failing']);
    expect(inc.announcedCause).toBe('conflict');
    expect(planAlerts(section([inc]), context())).toEqual([]);
  });

  it('reminds exactly when the interval is up, then steps to the next interval', () => {
    const inc = incident('a', { announced: true, announcedSeverity: 'crit', lastNotifiedAt: NOW - 30 * MIN + 1, notifiedVia: ['slack'] });
    expect(planAlerts(section([inc]), context())).toEqual([]);
    inc.lastNotifiedAt = NOW - 30 * MIN;
    expect(planAlerts(section([inc]), context()).map((p) => p.alert.kind)).toEqual(['reminder']);
    expect(inc).toMatchObject({ reminderIndex: 1, lastNotifiedAt: NOW });
    // The next one is 2 h later.
    expect(planAlerts(section([inc]), context({ now: NOW + 120 * MIN - 1 }))).toEqual([]);
    expect(planAlerts(section([inc]), context({ now: NOW + 120 * MIN })).map((p) => p.alert.kind)).toEqual(['reminder']);
    expect(inc.reminderIndex).toBe(2);
  });

  it('starts the reminders over when an incident is announced again (e.g. as flapping)', () => {
    const inc = incident('a', { reminderIndex: 3 });
    planAlerts(section([inc]), context());
    expect(inc.reminderIndex).toBe(0);
  });

  it('says nothing about an announced incident with nothing new', () => {
    const inc = incident('a', { announced: true, announcedSeverity: 'crit', lastNotifiedAt: NOW - MIN, notifiedVia: ['slack'] });
    expect(planAlerts(section([inc]), context())).toEqual([]);
    expect(inc.lastNotifiedAt).toBe(NOW - MIN);
  });
});

describe('resolved notices', () => {
  const resolved = (inc: Incident, at = NOW, summary = `${inc.checkId} is fine`): ResolvedIncident => ({ incident: inc, at, summary });

  it('go to the notifiers that were told, with how long it lasted, and empty the list', () => {
    const inc = incident('a', { announced: true, notifiedVia: ['mail', 'slack'] });
    const s = section([], [resolved(inc)]);
    expect(planAlerts(s, context({ routes: ['other'] }))).toEqual([
      {
        alert: {
          fingerprint: 'a:failing',
          incidentId: expect.stringMatching(/^[0-9a-f]{8}$/),
          kind: 'resolved',
          checkId: 'a',
          severity: 'crit',
          summary: 'a is fine',
          headline: 'a is down',
          since: new Date(NOW - 10 * MIN).toISOString(),
          durationMs: 10 * MIN,
        },
        to: ['mail', 'slack'],
      },
    ]);
    expect(s.resolved).toEqual([]);
  });

  it('never report a negative duration (a clock that stepped back)', () => {
    const inc = incident('a', { since: NOW + 5_000, notifiedVia: ['slack'] });
    const [p] = planAlerts(section([], [resolved(inc)]), context());
    expect(p!.alert.durationMs).toBe(0);
  });

  it('are not sent when sendResolved is off, and the list is emptied all the same', () => {
    const s = section([], [resolved(incident('a', { notifiedVia: ['slack'] }))]);
    expect(planAlerts(s, context({ config: { sendResolved: false } }))).toEqual([]);
    expect(s.resolved).toEqual([]);
  });

  it('are not sent for an incident nobody heard of', () => {
    expect(planAlerts(section([], [resolved(incident('a'))]), context())).toEqual([]);
  });

  it('are not sent for an incident that resolved while silenced, or that is silenced now', () => {
    const was = incident('a', { notifiedVia: ['slack'], silencedBy: SILENCE });
    expect(planAlerts(section([], [resolved(was)]), context())).toEqual([]);
    const now = incident('b', { notifiedVia: ['slack'] });
    expect(planAlerts(section([], [resolved(now)]), context({ silenced: { b: SILENCE } }))).toEqual([]);
  });

  it('fold a dependent that resolves with its parent into the parent notice', () => {
    const parent = incident('gateway.port', { notifiedVia: ['slack'] });
    const child = incident('gateway.http', { notifiedVia: ['slack'], inhibitedBy: 'gateway.port' });
    const planned = planAlerts(section([], [resolved(child, NOW, 'http ok'), resolved(parent)]), context());
    expect(planned).toHaveLength(1);
    expect(planned[0]!.alert).toMatchObject({ checkId: 'gateway.port', related: [{ checkId: 'gateway.http', summary: 'http ok' }] });
  });

  it('send a dependent its own notice when its parent is still open', () => {
    const child = incident('gateway.http', { notifiedVia: ['slack'], inhibitedBy: 'gateway.port' });
    const planned = planAlerts(section([], [resolved(child)]), context());
    expect(planned.map((p) => p.alert.checkId)).toEqual(['gateway.http']);
    expect(planned[0]!.alert.related).toBeUndefined();
  });
});

describe('order', () => {
  it('plans by kind (failing, flapping, escalated, reminder, resolved), then crit before warn', () => {
    const incidents = [
      incident('rem', { since: NOW - 50 * MIN, announced: true, announcedSeverity: 'warn', severity: 'warn', lastNotifiedAt: NOW - 31 * MIN }),
      incident('esc', { since: NOW - 40 * MIN, announced: true, announcedSeverity: 'warn', severity: 'crit', lastNotifiedAt: NOW - MIN }),
      incident('flap', { since: NOW - 30 * MIN, condition: 'flapping', severity: 'warn' }),
      incident('warn', { since: NOW - 20 * MIN, severity: 'warn' }),
      incident('crit', { since: NOW - 10 * MIN }),
    ];
    const gone = { incident: incident('gone', { notifiedVia: ['slack'] }), at: NOW, summary: 'fine' };
    const planned = planAlerts(section(incidents, [gone]), context());
    expect(planned.map((p) => `${p.alert.kind}:${p.alert.checkId}`)).toEqual(['failing:crit', 'failing:warn', 'flapping:flap', 'escalated:esc', 'reminder:rem', 'resolved:gone']);
  });

  it('folds into the oldest open ancestor when a chain of checks fails', () => {
    const top = incident('top', { since: NOW - 30 * MIN });
    const mid = incident('mid', { since: NOW - 20 * MIN });
    const leaf = incident('leaf', { since: NOW - 10 * MIN });
    const planned = planAlerts(section([leaf, mid, top]), context({ dependsOn: { leaf: ['mid'], mid: ['top'] } }));
    expect(planned.map((p) => p.alert.checkId)).toEqual(['top']);
    expect(planned[0]!.alert.related?.map((r) => r.checkId).sort()).toEqual(['leaf', 'mid']);
  });
});

describe('folding, in order', () => {
  it('lists the folded checks oldest first, whatever order the incidents are stored in', () => {
    const parent = incident('gateway.port', { since: NOW - 30 * MIN });
    const newer = incident('doctor', { since: NOW - 5 * MIN });
    const older = incident('gateway.http', { since: NOW - 20 * MIN });
    const planned = planAlerts(section([newer, parent, older]), context({ dependsOn: { 'gateway.http': ['gateway.port'], doctor: ['gateway.port'] } }));
    expect(planned[0]!.alert.related?.map((r) => r.checkId)).toEqual(['gateway.http', 'doctor']);
  });

  it('plans alerts of the same kind and severity oldest first', () => {
    const planned = planAlerts(section([incident('b', { since: NOW - MIN }), incident('a', { since: NOW - 2 * MIN }), incident('c', { since: NOW - 3 * MIN })]), context());
    expect(planned.map((p) => p.alert.checkId)).toEqual(['c', 'a', 'b']);
  });

  it('folds a dependent through its parent into the CRIT cause that explains the parent', () => {
    const config = incident('config', { since: NOW - 30 * MIN });
    const port = incident('gateway.port', { since: NOW - 20 * MIN });
    const http = incident('gateway.http', { since: NOW - 10 * MIN });
    const planned = planAlerts(
      section([http, port, config]),
      context({ dependsOn: { 'gateway.http': ['gateway.port'] }, causes: { 'gateway.port': ['config'] } }),
    );
    expect(planned.map((p) => p.alert.checkId)).toEqual(['config']);
    expect(planned[0]!.alert.related?.map((r) => r.checkId)).toEqual(['gateway.port', 'gateway.http']);
    expect([port.inhibitedBy, http.inhibitedBy]).toEqual(['config', 'config']);
  });

  it('does not fold into a cause that is only a warning', () => {
    const config = incident('config', { severity: 'warn' });
    const port = incident('gateway.port');
    const planned = planAlerts(section([port, config]), context({ causes: { 'gateway.port': ['config'] } }));
    expect(planned.map((p) => p.alert.checkId).sort()).toEqual(['config', 'gateway.port']);
  });
});

describe('folds that go round in a circle', () => {
  it('alerts the oldest of two checks that depend on each other, with the other folded in', () => {
    // checks: { 'gateway.port': { dependsOn: ['gateway.http'] } } beside gateway.http's own dependsOn.
    const port = incident('gateway.port', { since: NOW - 20 * MIN });
    const http = incident('gateway.http', { since: NOW - 10 * MIN });
    const planned = planAlerts(section([http, port]), context({ dependsOn: { 'gateway.http': ['gateway.port'], 'gateway.port': ['gateway.http'] } }));
    expect(planned.map((p) => p.alert.checkId)).toEqual(['gateway.port']);
    expect(planned[0]!.alert.related?.map((r) => r.checkId)).toEqual(['gateway.http']);
    expect('inhibitedBy' in port).toBe(false);
  });

  it('alerts once for a circle of three, however the folds point', () => {
    const a = incident('a', { since: NOW - 10 * MIN });
    const b = incident('b', { since: NOW - 30 * MIN });
    const c = incident('c', { since: NOW - 20 * MIN });
    const planned = planAlerts(section([a, b, c]), context({ dependsOn: { a: ['b'], b: ['c'], c: ['a'] } }));
    expect(planned.map((p) => p.alert.checkId)).toEqual(['b']);
    expect(planned[0]!.alert.related?.map((r) => r.checkId)).toEqual(['c', 'a']);
  });

  it('folds a check that depends on a circle into the circle\'s alert', () => {
    const a = incident('a', { since: NOW - 30 * MIN });
    const b = incident('b', { since: NOW - 20 * MIN });
    const leaf = incident('leaf', { since: NOW - 10 * MIN });
    const planned = planAlerts(section([leaf, a, b]), context({ dependsOn: { a: ['b'], b: ['a'], leaf: ['b'] } }));
    expect(planned.map((p) => p.alert.checkId)).toEqual(['a']);
    expect(planned[0]!.alert.related?.map((r) => r.checkId)).toEqual(['b', 'leaf']);
  });

  it('does not let an older check that depends on a circle take the circle\'s alert', () => {
    const leaf = incident('leaf', { since: NOW - 40 * MIN });
    const a = incident('a', { since: NOW - 30 * MIN });
    const b = incident('b', { since: NOW - 20 * MIN });
    const planned = planAlerts(section([leaf, a, b]), context({ dependsOn: { a: ['b'], b: ['a'], leaf: ['b'] } }));
    expect(planned.map((p) => p.alert.checkId)).toEqual(['a']);
    expect(planned[0]!.alert.related?.map((r) => r.checkId)).toEqual(['leaf', 'b']);
  });
});
