import { describe, expect, it } from 'vitest';
import { withAlertingDefaults } from '../../src/alerts/config.ts';
import { planAlerts, type PlanContext } from '../../src/alerts/planner.ts';
import type { AlertsSection, Incident } from '../../src/alerts/types.ts';
import type { CheckState } from '../../src/evaluate/types.ts';
import { DEFAULT_MACHINE_CONFIG, evaluate, initialMachineState } from '../../src/evaluate/state-machine.ts';

// A failure that is certain (openclaw.json does not parse) is alerted at once, and a gateway that is
// down because of it is folded into the config's alert instead of alerting as "gateway down".

const NOW = Date.parse('2026-11-29T12:00:00Z');
const MIN = 60_000;

describe('a certain failure', () => {
  it('reaches FAILING on its first result, whatever the failure threshold', () => {
    const { next, transition } = evaluate(initialMachineState(NOW - MIN), { checkId: 'config', status: 'crit', summary: 'syntax error at 3:5', at: NOW, certain: true }, { ...DEFAULT_MACHINE_CONFIG, failureThreshold: 5 });
    expect(next.state).toBe('failing');
    expect(transition).toMatchObject({ from: 'ok', to: 'failing' });
  });

  it('without the flag, the same result is only PENDING', () => {
    const { next } = evaluate(initialMachineState(NOW - MIN), { checkId: 'config', status: 'crit', summary: 'x', at: NOW }, DEFAULT_MACHINE_CONFIG);
    expect(next.state).toBe('pending');
  });
});

function incident(checkId: string, overrides: Partial<Incident> = {}): Incident {
  return {
    fingerprint: `${checkId}:failing`,
    checkId,
    condition: 'failing',
    since: NOW - 2 * MIN,
    openedAt: NOW - MIN,
    severity: 'crit',
    summary: `${checkId} failing`,
    announced: false,
    notifiedVia: [],
    reminderIndex: 0,
    ...overrides,
  };
}

const section = (incidents: Incident[]): AlertsSection => ({ version: 1, incidents: Object.fromEntries(incidents.map((i) => [i.checkId, i])), resolved: [] });

function context(states: Record<string, CheckState> = {}): PlanContext {
  return {
    now: NOW,
    config: withAlertingDefaults({}),
    dependsOn: { 'gateway.http': ['gateway.port'] },
    causes: { 'gateway.port': ['config'] },
    stateOf: (id) => states[id],
    silencedBy: () => undefined,
    routesFor: () => ['ops'],
  };
}

describe('a cause folds the failures it explains', () => {
  it('the gateway down and its HTTP check go into the config CRIT alert, named as related', () => {
    const planned = planAlerts(
      section([incident('config', { summary: 'openclaw.json has a JSON5 syntax error at line 3:5' }), incident('gateway.port'), incident('gateway.http')]),
      context(),
    );
    expect(planned).toHaveLength(1);
    expect(planned[0]!.alert).toMatchObject({ checkId: 'config', summary: 'openclaw.json has a JSON5 syntax error at line 3:5' });
    expect(planned[0]!.alert.related?.map((r) => r.checkId).sort()).toEqual(['gateway.http', 'gateway.port']);
  });

  it('a config WARN (a missing env var) does not swallow a gateway that is down', () => {
    const planned = planAlerts(section([incident('config', { severity: 'warn' }), incident('gateway.port'), incident('gateway.http')]), context());
    expect(planned.map((p) => p.alert.checkId).sort()).toEqual(['config', 'gateway.port']);
    expect(planned.find((p) => p.alert.checkId === 'gateway.port')!.alert.related?.map((r) => r.checkId)).toEqual(['gateway.http']);
  });

  it('a cause still pending is never waited for: the gateway-down alert goes out at once', () => {
    const planned = planAlerts(section([incident('gateway.port', { openedAt: NOW })]), context({ config: 'pending' }));
    expect(planned.map((p) => p.alert.checkId)).toEqual(['gateway.port']);
  });
});
