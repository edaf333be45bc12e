import { describe, expect, it } from 'vitest';
import type { Status } from '../../src/contracts.ts';
import type { ResolvedCheck } from '../../src/config/load.ts';
import { foldedInto } from '../../src/cli/check-folds.ts';

/** The shipped dependencies: dependents of gateway.port, channels of both gateway checks, gateway.port explained by config. */
const CHECKS = [
  spec('config'),
  spec('gateway.port', [], ['config']),
  spec('gateway.http', ['gateway.port']),
  spec('memory', ['gateway.port']),
  spec('latency', ['gateway.port']),
  spec('channels', ['gateway.port', 'gateway.http']),
  spec('dns', [], ['config']),
];

function spec(id: string, dependsOn: string[] = [], explainedBy: string[] = []): ResolvedCheck {
  return { check: { id }, dependsOn, explainedBy } as unknown as ResolvedCheck;
}

const fold = (ran: Record<string, Status>, checks = CHECKS) => Object.fromEntries(foldedInto(checks, new Map(Object.entries(ran))));

describe('foldedInto (clawmedic check)', () => {
  it('folds every failing dependent of a failing gateway.port into it, and nothing that is OK', () => {
    expect(fold({ config: 'ok', 'gateway.port': 'crit', 'gateway.http': 'crit', memory: 'unknown', latency: 'ok' })).toEqual({
      'gateway.http': 'gateway.port',
      memory: 'gateway.port',
    });
  });

  it('folds into the top of the chain: a CRIT config explains gateway.port and so takes its dependents too', () => {
    expect(fold({ config: 'crit', 'gateway.port': 'crit', 'gateway.http': 'crit', channels: 'warn' })).toEqual({
      'gateway.port': 'config',
      'gateway.http': 'config',
      channels: 'config',
    });
  });

  it('a config WARN explains nothing (as in the agent): gateway.port keeps its own lines', () => {
    expect(fold({ config: 'warn', 'gateway.port': 'crit', 'gateway.http': 'crit', dns: 'crit' })).toEqual({ 'gateway.http': 'gateway.port' });
  });

  it('a dependent whose parent is healthy, or did not run, keeps its own lines', () => {
    expect(fold({ 'gateway.port': 'ok', 'gateway.http': 'crit', channels: 'warn' })).toEqual({ channels: 'gateway.http' });
    expect(fold({ 'gateway.http': 'crit', memory: 'crit' })).toEqual({});
  });

  it('a circle of dependencies (a config can make one) ends at the member that ran first', () => {
    const circle = [spec('a', ['b']), spec('b', ['c']), spec('c', ['a']), spec('d', ['c'])];
    expect(fold({ b: 'crit', a: 'crit', c: 'warn', d: 'crit' }, circle)).toEqual({ a: 'b', c: 'b', d: 'b' });
  });
});
