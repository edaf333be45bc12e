// How soon the first alert can come, and how old a last cycle may be, from the schedules in force.
import { describe, expect, it } from 'vitest';
import { firstAlertText, staleCycleMs } from '../../src/cadence.ts';
import { loadConfig } from '../../src/config/load.ts';

describe('cadence', () => {
  it('the defaults: a failure is alerted after 3 failed runs, the first within the 30 s schedule, the next two 8 s apart (the retry, no sooner than the timeout)', () => {
    const { config } = loadConfig({ env: { HOME: '/nonexistent-home', PATH: '' } });
    expect(firstAlertText(config!)).toBe("a failure is alerted after 3 failed runs: about 26-56 s at gateway.port's 30 s schedule, retried every 8 s");
    expect(staleCycleMs(config!.checks)).toBe(60_000);
  });

  it('follows the fastest enabled gateway check, its own threshold and the batch window', () => {
    const { config } = loadConfig({ env: { HOME: '/nonexistent-home', PATH: '' } });
    const checks = config!.checks.map((rc) =>
      rc.check.id === 'gateway.http' ? { ...rc, schedule: { kind: 'interval' as const, everyMs: 10_000, text: '10s' }, machine: { ...rc.machine, failureThreshold: 2 }, retryMs: undefined } : rc,
    );
    const file = { ...config!.file, alerting: { ...config!.file.alerting, batchWindow: 5_000 } };
    expect(firstAlertText({ ...config!, checks, file })).toBe("a failure is alerted after 2 failed runs: about 15-25 s at gateway.http's 10 s schedule");
    expect(firstAlertText({ ...config!, checks: checks.map((rc) => ({ ...rc, enabled: false })) })).toBeUndefined();
  });

  it('counts the retries of the fastest check: 2 failures 3 s apart at a 10 s schedule', () => {
    const { config } = loadConfig({ env: { HOME: '/nonexistent-home', PATH: '' } });
    const checks = config!.checks.map((rc) =>
      rc.check.id === 'gateway.http' ? { ...rc, schedule: { kind: 'interval' as const, everyMs: 10_000, text: '10s' }, machine: { ...rc.machine, failureThreshold: 2 }, retryMs: 3_000 } : rc,
    );
    const file = { ...config!.file, alerting: { ...config!.file.alerting, batchWindow: 1_000 } };
    expect(firstAlertText({ ...config!, checks, file })).toBe("a failure is alerted after 2 failed runs: about 4-14 s at gateway.http's 10 s schedule, retried every 3 s");
  });
});
