// The retry interval in force for each check: a result that leaves a check PENDING or RECOVERING is followed
// by another run this soon, never sooner than the check's timeout, and not at all when the schedule is as soon.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'clawmedic-retry-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function load(text: string) {
  const path = join(dir, 'clawmedic.json5');
  writeFileSync(path, text, { mode: 0o600 });
  return loadConfig({ configPath: path, env: { HOME: dir, PATH: '' } });
}

const retryOf = (result: ReturnType<typeof load>, id: string) => result.config!.checks.find((rc) => rc.check.id === id)!.retryMs;

describe('retryInterval', () => {
  it('defaults to 2 s, raised to the check timeout: gateway.port (timeout 8 s) retries every 8 s, a 3 s timeout every 3 s', () => {
    const result = load(`{ checks: { 'gateway.http': { timeout: '3s' } } }`);
    expect(result.problems).toEqual([]);
    expect(result.config!.file.defaults.retryInterval).toBe(2_000);
    expect(retryOf(result, 'gateway.port')).toBe(8_000);
    expect(retryOf(result, 'gateway.http')).toBe(3_000);
  });

  it('takes the default from defaults.retryInterval and a check its own, either way around the timeout', () => {
    const result = load(`{ defaults: { retryInterval: '20s' }, checks: { 'gateway.http': { timeout: '1s', retryInterval: '500ms' }, memory: { retryInterval: 15000 } } }`);
    expect(result.problems).toEqual([]);
    expect(retryOf(result, 'gateway.port')).toBe(20_000);
    expect(retryOf(result, 'gateway.http')).toBe(1_000);
    expect(retryOf(result, 'memory')).toBe(15_000);
  });

  it('is off at 0, and when the schedule comes as soon as the retry would', () => {
    const result = load(`{ checks: { 'gateway.port': { retryInterval: 0 }, 'gateway.http': { schedule: '2s', timeout: '1s', retryInterval: '5s' } } }`);
    expect(result.problems).toEqual([]);
    expect(retryOf(result, 'gateway.port')).toBeUndefined();
    expect(retryOf(result, 'gateway.http')).toBeUndefined();
    // A 1 s schedule with its timeout under it: the 2 s default is slower than the schedule.
    expect(retryOf(load(`{ checks: { 'gateway.port': { schedule: '1s', timeout: '800ms' } } }`), 'gateway.port')).toBeUndefined();
  });

  it('names the key of a retry interval that is not a duration or longer than an hour', () => {
    const result = load(`{ defaults: { retryInterval: 'soon' }, checks: { 'gateway.port': { retryInterval: '2h' } } }`);
    expect(result.problems.map((p) => p.path)).toEqual(expect.arrayContaining(['defaults.retryInterval', 'checks.gateway.port.retryInterval']));
    expect(result.problems.find((p) => p.path === 'checks.gateway.port.retryInterval')!.message).toMatch(/longer than the 1h allowed/);
  });
});
