import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MaintenanceCalendar } from '../../src/alerts/maintenance.ts';
import type { AlertRouter } from '../../src/alerts/router.ts';
import { FakeNotifier, fail, makeRouter, recover } from '../fixtures/router-harness.ts';

const HOUR = 3_600_000;
const at = (iso: string): number => Date.parse(iso);

// Sundays 02:00 in New York (06:00 UTC in June, daylight saving time), for two hours.
const sunday = { cron: '0 2 * * 0', durationMs: 2 * HOUR, timezone: 'America/New_York' };

describe('MaintenanceCalendar', () => {
  it('is in force from a cron occurrence, in its time zone, for its duration', () => {
    const cal = new MaintenanceCalendar([sunday]);
    expect(cal.activeFor('doctor', at('2025-06-01T05:59:59Z'))).toBeUndefined();
    expect(cal.activeFor('doctor', at('2025-06-01T06:00:00Z'))).toEqual({
      type: 'maintenance',
      id: '0 2 * * 0 (America/New_York)',
      until: '2025-06-01T08:00:00.000Z',
    });
    expect(cal.activeFor('doctor', at('2025-06-01T07:59:59Z'))).toBeDefined();
    expect(cal.activeFor('doctor', at('2025-06-01T08:00:00Z'))).toBeUndefined();
    // 02:00 UTC is 22:00 the evening before in New York: not a window.
    expect(cal.activeFor('doctor', at('2025-06-01T02:30:00Z'))).toBeUndefined();
    // A week later, the next one.
    expect(cal.activeFor('doctor', at('2025-06-08T07:00:00Z'))?.until).toBe('2025-06-08T08:00:00.000Z');
  });

  it('covers only the listed checks and reports what is in force', () => {
    const cal = new MaintenanceCalendar([{ ...sunday, checks: ['gateway.http'], reason: 'weekly restart' }]);
    const now = at('2025-06-01T06:30:00Z');
    expect(cal.activeFor('doctor', now)).toBeUndefined();
    expect(cal.activeFor('gateway.http', now)).toMatchObject({ reason: 'weekly restart' });
    expect(cal.active(now)).toEqual([
      { type: 'maintenance', id: '0 2 * * 0 (America/New_York)', until: '2025-06-01T08:00:00.000Z', checks: ['gateway.http'], reason: 'weekly restart' },
    ]);
  });

  it('names the window when its cron expression or time zone is wrong', () => {
    expect(() => new MaintenanceCalendar([sunday, { cron: 'every sunday', durationMs: HOUR }])).toThrow(/^alerting\.maintenance\[1\]: .*every sunday/);
    expect(() => new MaintenanceCalendar([{ ...sunday, timezone: 'Mars/Olympus' }])).toThrow(/^alerting\.maintenance\[0\]: .*Mars\/Olympus/);
    expect(() => new MaintenanceCalendar([{ ...sunday, durationMs: 0 }])).toThrow('alerting.maintenance[0]: durationMs must be positive');
  });
});

describe('maintenance in the router', () => {
  let router: AlertRouter;
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2025-06-01T06:10:00Z') });
  });
  afterEach(async () => {
    await router.stop();
    vi.useRealTimers();
  });

  it('holds alerts during the window and sends them after it if the check still fails', async () => {
    const slack = new FakeNotifier('slack');
    ({ router } = makeRouter({ notifiers: [slack], config: { maintenance: [sunday] } }));
    router.start();
    fail(router, 'gateway.http');
    await vi.advanceTimersByTimeAsync(HOUR);
    expect(slack.sent).toHaveLength(0);
    const snap = await router.snapshot();
    expect(snap.maintenance).toHaveLength(1);
    expect(snap.incidents[0]!.silencedBy).toMatchObject({ type: 'maintenance', until: '2025-06-01T08:00:00.000Z' });

    await vi.advanceTimersByTimeAsync(49 * 60_000 + 59_000); // 07:59:59
    expect(slack.sent).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(slack.alerts()).toMatchObject([{ checkId: 'gateway.http', kind: 'failing' }]);
  });

  it('sends nothing for an incident that ends within the window', async () => {
    const slack = new FakeNotifier('slack');
    ({ router } = makeRouter({ notifiers: [slack], config: { maintenance: [sunday] } }));
    router.start();
    fail(router, 'gateway.http');
    await vi.advanceTimersByTimeAsync(HOUR);
    recover(router, 'gateway.http');
    await vi.advanceTimersByTimeAsync(2 * HOUR);
    expect(slack.sent).toHaveLength(0);
  });
});
