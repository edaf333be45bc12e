import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AlertRouter } from '../../src/alerts/router.ts';
import { FakeNotifier, SECRET, fail, makeRouter, recover, result, transition } from '../fixtures/router-harness.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;

let routers: AlertRouter[] = [];
function track<T extends { router: AlertRouter }>(h: T): T {
  routers.push(h.router);
  h.router.start();
  return h;
}

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2025-06-01T12:00:00Z') });
});
afterEach(async () => {
  for (const r of routers) await r.stop();
  routers = [];
  vi.useRealTimers();
});

describe('batching', () => {
  it('sends five checks that fail within one window as one message per notifier', async () => {
    const slack = new FakeNotifier('slack');
    const mail = new FakeNotifier('mail');
    const { router } = track(makeRouter({ notifiers: [slack, mail] }));

    for (const id of ['a', 'b', 'c', 'd', 'e']) {
      fail(router, id);
      await vi.advanceTimersByTimeAsync(1_000);
    }
    expect(slack.sent).toHaveLength(0); // still inside the window

    await vi.advanceTimersByTimeAsync(10_000);
    for (const n of [slack, mail]) {
      expect(n.sent).toHaveLength(1);
      expect(n.sent[0]!.alerts.map((a) => a.checkId).sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
      expect(n.sent[0]!.alerts.every((a) => a.kind === 'failing')).toBe(true);
      expect(n.sent[0]).toMatchObject({ host: 'gw-01', gateway: '127.0.0.1:18789' });
    }
    expect(slack.sent[0]!.id).not.toBe(mail.sent[0]!.id);
  });

  it('builds the alert from the transition and the result', async () => {
    const slack = new FakeNotifier('slack');
    const { router } = track(makeRouter({ notifiers: [slack] }));
    const since = Date.now() - 90_000;
    router.onTransition(transition('gateway.http', 'pending', 'failing', 'crit', since), {
      status: 'crit',
      summary: 'GET /healthz: connection refused',
      diagnosis: 'nothing listens on 18789',
      remedy: 'restart the gateway',
    });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(slack.alerts()).toEqual([
      {
        fingerprint: 'gateway.http:failing',
        incidentId: expect.stringMatching(/^[0-9a-f]{8}$/),
        kind: 'failing',
        checkId: 'gateway.http',
        severity: 'crit',
        summary: 'GET /healthz: connection refused',
        diagnosis: 'nothing listens on 18789',
        remedy: 'restart the gateway',
        since: new Date(since).toISOString(),
      },
    ]);
  });

  it('alerts UNKNOWN as a warning', async () => {
    const slack = new FakeNotifier('slack');
    const { router } = track(makeRouter({ notifiers: [slack] }));
    fail(router, 'doctor', 'unknown');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(slack.alerts()[0]!.severity).toBe('warn');
  });
});

describe('what transitions alert', () => {
  it('ignores OK -> PENDING, PENDING -> OK and RECOVERING -> FAILING of an open incident', async () => {
    const slack = new FakeNotifier('slack');
    const { router } = track(makeRouter({ notifiers: [slack] }));
    router.onTransition(transition('a', 'ok', 'pending', 'crit'), result('crit'));
    router.onTransition(transition('a', 'pending', 'ok', 'ok'), result('ok'));
    await vi.advanceTimersByTimeAsync(20_000);
    expect(slack.sent).toHaveLength(0);

    fail(router, 'b');
    await vi.advanceTimersByTimeAsync(10_000);
    router.onTransition(transition('b', 'failing', 'recovering', 'ok'), result('ok'));
    router.onTransition(transition('b', 'recovering', 'failing', 'crit'), result('crit'));
    await vi.advanceTimersByTimeAsync(20_000);
    expect(slack.alerts().map((a) => `${a.checkId}:${a.kind}`)).toEqual(['b:failing']);
  });

  it('sends a resolved notice with how long the incident lasted', async () => {
    const slack = new FakeNotifier('slack');
    const { router } = track(makeRouter({ notifiers: [slack] }));
    const since = Date.now() - 2 * MIN;
    fail(router, 'gateway.http', 'crit', since);
    await vi.advanceTimersByTimeAsync(5 * MIN);
    recover(router, 'gateway.http', since);
    await vi.advanceTimersByTimeAsync(10_000);

    expect(slack.sent).toHaveLength(2);
    const resolved = slack.sent[1]!.alerts[0]!;
    expect(resolved).toMatchObject({
      kind: 'resolved',
      fingerprint: 'gateway.http:failing',
      summary: 'gateway.http is fine',
      since: new Date(since).toISOString(),
      durationMs: 7 * MIN,
    });
    // What recovered is the incident's own headline (its summary when it had none); the failing alert's id threads it.
    expect(resolved.headline).toBe('gateway.http is down');
    expect(resolved.incidentId).toBe(slack.sent[0]!.alerts[0]!.incidentId);
    expect((await router.snapshot()).incidents).toEqual([]);
  });

  it('sends no resolved notice when sendResolved is off', async () => {
    const slack = new FakeNotifier('slack');
    const { router } = track(makeRouter({ notifiers: [slack], config: { sendResolved: false } }));
    fail(router, 'a');
    await vi.advanceTimersByTimeAsync(10_000);
    recover(router, 'a');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(slack.alerts().map((a) => a.kind)).toEqual(['failing']);
  });

  it('says nothing about an incident that failed and resolved within one window', async () => {
    const slack = new FakeNotifier('slack');
    const { router } = track(makeRouter({ notifiers: [slack] }));
    fail(router, 'a');
    await vi.advanceTimersByTimeAsync(3_000);
    recover(router, 'a');
    await vi.advanceTimersByTimeAsync(20_000);
    expect(slack.sent).toHaveLength(0);
  });

  it('sends one alert for a flapping check, and one resolved notice when it settles', async () => {
    const slack = new FakeNotifier('slack');
    const { router } = track(makeRouter({ notifiers: [slack] }));
    const since = Date.now();
    // Blips never reach FAILING; then the machine notices the flapping.
    for (let i = 0; i < 4; i++) {
      router.onTransition(transition('gateway.http', 'ok', 'pending', 'crit', since), result('crit'));
      router.onResult('gateway.http', result('crit'), 'pending');
      await vi.advanceTimersByTimeAsync(30_000);
      router.onTransition(transition('gateway.http', 'pending', 'ok', 'ok'), result('ok'));
      router.onResult('gateway.http', result('ok'), 'ok');
      await vi.advanceTimersByTimeAsync(30_000);
    }
    const t = transition('gateway.http', 'ok', 'flapping', 'ok', since);
    t.worstStatus = 'crit';
    router.onTransition(t, result('ok'));
    for (let i = 0; i < 10; i++) {
      const status = i % 2 ? 'ok' : 'crit';
      router.onResult('gateway.http', result(status), 'flapping');
      await vi.advanceTimersByTimeAsync(30_000);
    }
    expect(slack.alerts().map((a) => `${a.fingerprint}/${a.kind}/${a.severity}`)).toEqual(['gateway.http:flapping/flapping/crit']);

    router.onTransition(transition('gateway.http', 'flapping', 'ok', 'ok', since), result('ok'));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(slack.alerts().map((a) => a.kind)).toEqual(['flapping', 'resolved']);
  });

  it('tells when a flapping check settles into failing', async () => {
    const slack = new FakeNotifier('slack');
    const { router } = track(makeRouter({ notifiers: [slack] }));
    router.onTransition(transition('a', 'pending', 'flapping', 'crit'), result('crit'));
    await vi.advanceTimersByTimeAsync(10_000);
    router.onTransition(transition('a', 'flapping', 'failing', 'crit'), result('crit'));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(slack.alerts().map((a) => a.fingerprint)).toEqual(['a:flapping', 'a:failing']);
  });

  it('escalates warn -> crit while failing, reaching notifiers that only take crit', async () => {
    const chat = new FakeNotifier('chat');
    const pager = new FakeNotifier('pager');
    const { router } = track(
      makeRouter({ notifiers: [{ notifier: chat, route: { minSeverity: 'warn' } }, { notifier: pager, route: { minSeverity: 'crit' } }] }),
    );
    fail(router, 'memory', 'warn');
    await vi.advanceTimersByTimeAsync(10_000);
    router.onResult('memory', result('warn'), 'failing');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(pager.sent).toHaveLength(0);

    router.onResult('memory', result('crit', 'RSS 3.9 GB'), 'failing');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(chat.alerts().map((a) => `${a.kind}/${a.severity}`)).toEqual(['failing/warn', 'escalated/crit']);
    expect(pager.alerts()).toMatchObject([{ kind: 'escalated', severity: 'crit', summary: 'RSS 3.9 GB' }]);

    // Back to warn and crit again: no second escalation.
    router.onResult('memory', result('warn'), 'failing');
    router.onResult('memory', result('crit'), 'failing');
    await vi.advanceTimersByTimeAsync(20_000);
    expect(chat.sent).toHaveLength(2);

    // The pager heard of it, so it hears of the end too.
    recover(router, 'memory');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(pager.alerts().map((a) => a.kind)).toEqual(['escalated', 'resolved']);
  });

  it('tells a steady failure again when its cause changes for two results (the gateway was down, then another program took its port), not when the words alone change', async () => {
    const slack = new FakeNotifier('slack');
    const { router } = track(makeRouter({ notifiers: [slack] }));
    const down = { ...result('crit', 'nothing listening on 127.0.0.1:18789'), headline: 'OpenClaw gateway down', cause: 'gateway' };
    router.onTransition(transition('gateway.port', 'pending', 'failing', 'crit'), down);
    router.onResult('gateway.port', down, 'failing');
    await vi.advanceTimersByTimeAsync(10_000);
    // Same cause, other words (a hang after the outage): nothing new to tell.
    router.onResult('gateway.port', { ...down, headline: 'OpenClaw gateway hung' }, 'failing');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(slack.alerts().map((a) => a.kind)).toEqual(['failing']);

    const taken = { ...result('crit', 'port conflict: held by python3 (pid 7017)'), headline: 'port 18789 taken by python3 (pid 7017)', cause: 'conflict' };
    // One result of another cause, then back: a blip, nothing told.
    router.onResult('gateway.port', taken, 'failing');
    router.onResult('gateway.port', down, 'failing');
    await vi.advanceTimersByTimeAsync(40_000);
    expect(slack.alerts()).toHaveLength(1);

    router.onResult('gateway.port', taken, 'failing');
    router.onResult('gateway.port', taken, 'failing');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(slack.alerts().map((a) => `${a.kind}: ${a.headline}`)).toEqual(['failing: OpenClaw gateway down', 'changed: port 18789 taken by python3 (pid 7017)']);
    expect(new Set(slack.alerts().map((a) => a.incidentId)).size).toBe(1);
  });

  it('keeps secrets out of alert text even when a result carries one', async () => {
    const slack = new FakeNotifier('slack');
    const { router, sections } = track(makeRouter({ notifiers: [slack] }));
    const r = { status: 'crit' as const, summary: `401 with token ${SECRET}`, diagnosis: `header ${SECRET}` };
    router.onTransition(transition('a', 'pending', 'failing', 'crit'), r);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(JSON.stringify(slack.sent)).not.toContain(SECRET);
    expect(JSON.stringify(sections.data)).not.toContain(SECRET);
    expect(slack.alerts()[0]!.summary).toBe('401 with token ***');
  });
});

describe('inhibition', () => {
  const dependsOn = { 'gateway.http': ['gateway.port'], doctor: ['gateway.http'] };

  it('folds dependents that fail in the same window into the parent alert', async () => {
    const slack = new FakeNotifier('slack');
    const { router } = track(makeRouter({ notifiers: [slack], dependsOn }));
    fail(router, 'gateway.http');
    fail(router, 'doctor', 'warn');
    await vi.advanceTimersByTimeAsync(4_000);
    fail(router, 'gateway.port');
    await vi.advanceTimersByTimeAsync(10_000);

    expect(slack.sent).toHaveLength(1);
    expect(slack.alerts()).toHaveLength(1);
    const alert = slack.alerts()[0]!;
    expect(alert.checkId).toBe('gateway.port');
    expect(alert.related).toEqual([
      { checkId: 'gateway.http', summary: 'gateway.http is down' },
      { checkId: 'doctor', summary: 'doctor is down' },
    ]);
    const snap = await router.snapshot();
    expect(snap.incidents.find((i) => i.checkId === 'doctor')).toMatchObject({ inhibitedBy: 'gateway.port', announced: false });
  });

  it('folds a dependent that fails while the parent incident is open, and lists it in reminders', async () => {
    const slack = new FakeNotifier('slack');
    const { router } = track(makeRouter({ notifiers: [slack], dependsOn }));
    fail(router, 'gateway.port');
    await vi.advanceTimersByTimeAsync(10_000);
    fail(router, 'gateway.http');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(slack.alerts().map((a) => a.checkId)).toEqual(['gateway.port']);

    await vi.advanceTimersByTimeAsync(31 * MIN);
    const reminder = slack.alerts()[1]!;
    expect(reminder).toMatchObject({ kind: 'reminder', checkId: 'gateway.port', related: [{ checkId: 'gateway.http' }] });
    expect(slack.alerts()).toHaveLength(2);
  });

  it('folds dependents resolved with the parent into its resolved notice', async () => {
    const slack = new FakeNotifier('slack');
    const { router } = track(makeRouter({ notifiers: [slack], dependsOn }));
    fail(router, 'gateway.port');
    fail(router, 'gateway.http');
    await vi.advanceTimersByTimeAsync(10 * MIN);
    recover(router, 'gateway.port');
    await vi.advanceTimersByTimeAsync(3_000);
    recover(router, 'gateway.http');
    await vi.advanceTimersByTimeAsync(10_000);

    expect(slack.sent).toHaveLength(2);
    expect(slack.sent[1]!.alerts).toHaveLength(1);
    expect(slack.sent[1]!.alerts[0]).toMatchObject({
      kind: 'resolved',
      checkId: 'gateway.port',
      related: [{ checkId: 'gateway.http', summary: 'gateway.http is fine' }],
    });
  });

  it('folds a dependent that had alerted on its own once its parent fails; each still gets its own resolved line', async () => {
    const slack = new FakeNotifier('slack');
    const { router } = track(makeRouter({ notifiers: [slack], dependsOn }));
    fail(router, 'gateway.http');
    await vi.advanceTimersByTimeAsync(10_000);
    fail(router, 'gateway.port');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(slack.sent[1]!.alerts).toMatchObject([{ checkId: 'gateway.port', related: [{ checkId: 'gateway.http' }] }]);
    recover(router, 'gateway.port');
    recover(router, 'gateway.http');
    await vi.advanceTimersByTimeAsync(10_000);
    // One message, a line for each incident people were told about on its own.
    const notices = slack.sent[2]!.alerts;
    expect(notices.map((a) => `${a.kind} ${a.checkId}`).sort()).toEqual(['resolved gateway.http', 'resolved gateway.port']);
    expect(notices.find((a) => a.checkId === 'gateway.port')!.related).toBeUndefined();
    expect(slack.sent).toHaveLength(3);
  });

  it('still tells the end of a dependent that had alerted on its own when it resolves before its parent', async () => {
    const slack = new FakeNotifier('slack');
    const { router } = track(makeRouter({ notifiers: [slack], dependsOn }));
    fail(router, 'gateway.http');
    await vi.advanceTimersByTimeAsync(10_000);
    fail(router, 'gateway.port');
    await vi.advanceTimersByTimeAsync(10_000);
    recover(router, 'gateway.http');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(slack.sent[2]!.alerts).toMatchObject([{ kind: 'resolved', checkId: 'gateway.http' }]);
  });

  it('lets a dependent alert on its own once the parent is healthy and it is still failing', async () => {
    const slack = new FakeNotifier('slack');
    const { router } = track(makeRouter({ notifiers: [slack], dependsOn }));
    fail(router, 'gateway.port');
    fail(router, 'gateway.http');
    await vi.advanceTimersByTimeAsync(10_000);
    recover(router, 'gateway.port');
    router.onResult('gateway.http', result('crit', 'still 500'), 'failing');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(slack.sent[1]!.alerts.map((a) => `${a.checkId}:${a.kind}`)).toEqual(['gateway.http:failing', 'gateway.port:resolved']);
  });

  it('alerts normally for a dependent whose parent is healthy', async () => {
    const slack = new FakeNotifier('slack');
    const { router } = track(makeRouter({ notifiers: [slack], dependsOn }));
    fail(router, 'doctor');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(slack.alerts()).toMatchObject([{ checkId: 'doctor', kind: 'failing' }]);
    expect(slack.alerts()[0]!.related).toBeUndefined();
  });

  it('holds a dependent while its parent is PENDING, then folds it when the parent fails', async () => {
    const slack = new FakeNotifier('slack');
    const { router } = track(makeRouter({ notifiers: [slack], dependsOn }));
    router.onTransition(transition('gateway.port', 'ok', 'pending', 'crit'), result('crit'));
    fail(router, 'gateway.http');
    await vi.advanceTimersByTimeAsync(40_000); // past the window: held, not sent
    expect(slack.sent).toHaveLength(0);
    fail(router, 'gateway.port');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(slack.alerts()).toMatchObject([{ checkId: 'gateway.port', related: [{ checkId: 'gateway.http' }] }]);
  });

  it('stops holding a dependent when the pending parent turns out fine', async () => {
    const slack = new FakeNotifier('slack');
    const { router } = track(makeRouter({ notifiers: [slack], dependsOn }));
    router.onTransition(transition('gateway.port', 'ok', 'pending', 'crit'), result('crit'));
    fail(router, 'gateway.http');
    await vi.advanceTimersByTimeAsync(30_000);
    router.onTransition(transition('gateway.port', 'pending', 'ok', 'ok'), result('ok'));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(slack.alerts()).toMatchObject([{ checkId: 'gateway.http', kind: 'failing' }]);
  });
});

describe('reminders', () => {
  it('reminds after 30 min, 2 h and 8 h, then every 8 h', async () => {
    const slack = new FakeNotifier('slack');
    const { router } = track(makeRouter({ notifiers: [slack] }));
    const start = Date.now();
    fail(router, 'a');
    const reminderTimes = (): number[] =>
      slack.sent.filter((b) => b.alerts[0]!.kind === 'reminder').map((b) => Date.parse(b.createdAt) - start);

    await vi.advanceTimersByTimeAsync(29 * MIN);
    expect(reminderTimes()).toEqual([]);
    await vi.advanceTimersByTimeAsync(20 * HOUR); // to 20h29m: reminders at about 0h30, 2h30, 10h30, 18h30
    // Each is due one interval after the previous notification (failing at 10 s); the 30 s tick finds it.
    const times = reminderTimes();
    const gaps = times.map((t, i) => t - (i === 0 ? 10_000 : times[i - 1]!));
    expect(gaps).toHaveLength(4);
    const expected = [30 * MIN, 2 * HOUR, 8 * HOUR, 8 * HOUR];
    gaps.forEach((gap, i) => {
      expect(gap).toBeGreaterThanOrEqual(expected[i]!);
      expect(gap).toBeLessThan(expected[i]! + 30_000);
    });
    expect(slack.alerts().filter((a) => a.kind === 'reminder').every((a) => a.checkId === 'a' && a.summary === 'a is down')).toBe(true);
  });

  it('sends no reminders when they are off', async () => {
    const slack = new FakeNotifier('slack');
    const { router } = track(makeRouter({ notifiers: [slack], config: { reminders: { enabled: false } } }));
    fail(router, 'a');
    await vi.advanceTimersByTimeAsync(24 * HOUR);
    expect(slack.sent).toHaveLength(1);
  });
});

describe('routes', () => {
  it('sends each notifier only the severities and checks it asked for', async () => {
    const all = new FakeNotifier('all');
    const pager = new FakeNotifier('pager');
    const doctorOnly = new FakeNotifier('doctor-only');
    const { router } = track(
      makeRouter({
        notifiers: [
          { notifier: all, route: { minSeverity: 'info' } },
          { notifier: pager, route: { minSeverity: 'crit' } },
          { notifier: doctorOnly, route: { minSeverity: 'warn', checks: ['doctor'] } },
        ],
      }),
    );
    fail(router, 'gateway.http', 'crit');
    fail(router, 'doctor', 'warn');
    fail(router, 'memory', 'warn');
    await vi.advanceTimersByTimeAsync(10_000);
    const ids = (n: FakeNotifier): string[] => n.alerts().map((a) => a.checkId).sort();
    expect(ids(all)).toEqual(['doctor', 'gateway.http', 'memory']);
    expect(ids(pager)).toEqual(['gateway.http']);
    expect(ids(doctorOnly)).toEqual(['doctor']);

    // Resolved notices follow the failing alerts, not the routes.
    recover(router, 'doctor');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(pager.sent).toHaveLength(1);
    expect(doctorOnly.alerts().map((a) => a.kind)).toEqual(['failing', 'resolved']);
    expect(all.sent).toHaveLength(2);
  });
});

describe('restart', () => {
  it('keeps open incidents open without re-alerting, and reminds on the old schedule', async () => {
    const slack = new FakeNotifier('slack');
    const first = makeRouter({ notifiers: [slack] });
    first.router.start();
    fail(first.router, 'a');
    await vi.advanceTimersByTimeAsync(10 * MIN);
    await first.router.stop();
    expect(slack.sent).toHaveLength(1);

    const { router } = track(makeRouter({ notifiers: [slack], sections: first.sections.restarted() }));
    router.onResult('a', result('crit'), 'failing');
    await vi.advanceTimersByTimeAsync(19 * MIN);
    expect(slack.sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(2 * MIN);
    expect(slack.alerts().map((a) => a.kind)).toEqual(['failing', 'reminder']);
  });

  it('sends a resolved notice that was waiting for its window when the agent stopped', async () => {
    const slack = new FakeNotifier('slack');
    const first = makeRouter({ notifiers: [slack] });
    first.router.start();
    fail(first.router, 'a');
    await vi.advanceTimersByTimeAsync(10_000);
    recover(first.router, 'a');
    await first.sections.flush(); // the store's debounced write
    await first.router.stop();

    const { router } = track(makeRouter({ notifiers: [slack], sections: first.sections.restarted() }));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(slack.alerts().map((a) => a.kind)).toEqual(['failing', 'resolved']);
    expect((await router.snapshot()).incidents).toEqual([]);
  });
});

describe('sendTest', () => {
  it('sends a test batch through every notifier directly and reports each', async () => {
    const good = new FakeNotifier('good');
    const bad = new FakeNotifier('bad').willDo(new Error(`401 for token ${SECRET}`));
    const { router, sections } = track(makeRouter({ notifiers: [good, bad] }));
    const results = await router.sendTest();
    expect(results).toEqual([
      { name: 'good', ok: true, durationMs: 0 },
      { name: 'bad', ok: false, error: '401 for token ***', durationMs: 0 },
    ]);
    expect(good.alerts()).toMatchObject([{ kind: 'test', severity: 'info', checkId: 'clawmedic' }]);
    expect(good.sent[0]!.host).toBe('gw-01');
    expect((await router.snapshot()).outbox.entries).toEqual([]);
    expect(sections.flushes).toBe(0);
  });

  it('sends to one notifier by name, times out a hung one, and rejects an unknown name', async () => {
    const a = new FakeNotifier('a');
    const b = new FakeNotifier('b').willDo('hang');
    const { router } = track(makeRouter({ notifiers: [a, b] }));
    expect(await router.sendTest('a')).toMatchObject([{ name: 'a', ok: true }]);
    const pending = router.sendTest('b');
    await vi.advanceTimersByTimeAsync(15_000);
    expect(await pending).toEqual([{ name: 'b', ok: false, error: 'timed out after 15000 ms', durationMs: 15_000 }]);
    await expect(router.sendTest('nope')).rejects.toThrow('no notifier named "nope" (configured: a, b)');
  });
});

describe('construction', () => {
  it('rejects a fallback that names no notifier, and duplicate names', () => {
    expect(() => makeRouter({ notifiers: [new FakeNotifier('a')], fallback: 'b' })).toThrow('no notifier named "b"');
    expect(() => makeRouter({ notifiers: [new FakeNotifier('a'), new FakeNotifier('a')] })).toThrow('two notifiers are named "a"');
  });
});
