// The alertmanager notifier against the real Alertmanager (Debian's prometheus-alertmanager) on a loopback
// port, fed by the real alert router and outbox: a failing check fires there (labels, annotations) and
// resolves; an Alertmanager that is down, then up, gets the alert once; one that answers 4xx/5xx is named;
// what fires is posted again, and taken back after a restart instead of lapsing.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { withAlertingDefaults } from '../../src/alerts/config.ts';
import { AlertRouter } from '../../src/alerts/router.ts';
import type { OutboxSection } from '../../src/alerts/types.ts';
import { PermanentError, TransientError, type CheckResult, type Notifier } from '../../src/contracts.ts';
import { alertmanagerNotifier, alertmanagerOptionsSchema } from '../../notifiers/alertmanager.ts';
import { startAlertmanager, stopAllAlertmanagers, type RunningAlertmanager } from '../fixtures/alertmanager.ts';
import { makeBatch, makeDeps, caught } from '../fixtures/alerts.ts';
import { waitFor } from '../fixtures/cli.ts';
import { freePort } from '../fixtures/gateway-harness.ts';
import { startReceiver, type HttpReceiver } from '../fixtures/http-receiver.ts';
import { MemorySections } from '../fixtures/memory-sections.ts';

let receiver: HttpReceiver | undefined;
let am: RunningAlertmanager | undefined;
const routers: AlertRouter[] = [];

afterEach(async () => {
  for (const r of routers.splice(0)) await r.stop();
  await am?.stop();
  am = undefined;
  await receiver?.close();
  receiver = undefined;
});
afterAll(stopAllAlertmanagers);

const down: CheckResult = { status: 'crit', summary: 'nothing listening on 127.0.0.1:18789 (gateway down)', diagnosis: 'Connection refused on 127.0.0.1:18789.', remedy: 'Start the gateway: `openclaw gateway start`.' };
const fine: CheckResult = { status: 'ok', summary: 'gateway answers' };

function notifierFor(urls: string[], extra: Record<string, unknown> = {}): Notifier {
  const options = alertmanagerOptionsSchema.parse({ urls, resendInterval: '5s', timeoutMs: 2_000, labels: { cluster: 'lab' }, ...extra });
  return alertmanagerNotifier.create('am', options, makeDeps({}, Date.now).deps);
}

function routerWith(notifier: Notifier, sections = new MemorySections()): { router: AlertRouter; sections: MemorySections } {
  const router = new AlertRouter({
    sections,
    notifiers: [{ notifier, route: { minSeverity: 'info' } }],
    config: withAlertingDefaults({ batchWindowMs: 100, delivery: { initialBackoffMs: 1_000, maxBackoffMs: 1_000, minRetryDelayMs: 500 } as never }),
    dependsOn: {},
    host: 'gw-01',
    gateway: '127.0.0.1:18789',
    now: () => Date.now(),
    log: { debug() {}, info() {}, warn() {}, error() {} },
    redact: (t) => t,
  });
  router.start();
  routers.push(router);
  return { router, sections };
}

function failGateway(router: AlertRouter, at = Date.now()): void {
  router.onTransition({ checkId: 'gateway.port', from: 'pending', to: 'failing', at, status: 'crit', summary: down.summary, incidentSince: at - 60_000 }, down);
  router.onResult('gateway.port', down, 'failing');
}

function recoverGateway(router: AlertRouter): void {
  router.onTransition({ checkId: 'gateway.port', from: 'recovering', to: 'ok', at: Date.now(), status: 'ok', summary: fine.summary }, fine);
  router.onResult('gateway.port', fine, 'ok');
}

/** Notifications Alertmanager sent its webhook receiver: status and alert names. */
function notifications(): Array<{ status: string; alerts: Array<{ status: string; labels: Record<string, string> }> }> {
  return receiver!.requests.map((r) => JSON.parse(r.body));
}

describe('alertmanager notifier, real Alertmanager', () => {
  it('a failing check fires with its labels and annotations, then resolves', async () => {
    receiver = await startReceiver(() => ({ status: 200 }));
    am = await startAlertmanager({ port: await freePort(), webhookUrl: `${receiver.url}/am` });
    const { router } = routerWith(notifierFor([am.url]));

    failGateway(router);
    const alert = await waitFor('the alert in Alertmanager', async () => (await am!.alerts()).find((a) => a.labels.check === 'gateway.port'));
    expect(alert!.labels).toEqual({
      alertname: 'ClawmedicCheckFailing',
      check: 'gateway.port',
      severity: 'critical',
      host: 'gw-01',
      gateway: '127.0.0.1:18789',
      cluster: 'lab',
    });
    expect(alert!.annotations).toMatchObject({ summary: down.summary, diagnosis: down.diagnosis, remedy: down.remedy });
    expect(alert!.status.state).toBe('active');
    // Held for 4 resend intervals (5 s), not forever: a clawmedic that stops lets it lapse.
    expect(Date.parse(alert!.endsAt) - Date.now()).toBeLessThanOrEqual(20_500);
    await waitFor('the firing notification', () => notifications().some((n) => n.status === 'firing') || undefined);

    recoverGateway(router);
    await waitFor('resolved in Alertmanager', async () => ((await am!.alerts()).length === 0 ? true : undefined));
    await waitFor('the resolved notification', () => notifications().some((n) => n.status === 'resolved') || undefined);
  });

  it('Alertmanager down, then up: the outbox retries and the alert arrives once', async () => {
    receiver = await startReceiver(() => ({ status: 200 }));
    const port = await freePort();
    const { router, sections } = routerWith(notifierFor([`http://127.0.0.1:${port}`]));

    failGateway(router);
    const entries = () => sections.section<OutboxSection>('outbox', () => ({ version: 1, entries: [] })).entries;
    await waitFor('a failed attempt (connection refused)', () => entries()[0]?.lastError?.includes('ECONNREFUSED') || undefined);
    expect(entries()[0]!.status).toBe('pending');

    am = await startAlertmanager({ port, webhookUrl: `${receiver.url}/am` });
    await waitFor('delivered after the retry', () => (entries()[0]?.status === 'sent' ? true : undefined), 20_000);
    expect(await am.alerts()).toHaveLength(1);
    await waitFor('the firing notification', () => notifications().length || undefined);
    await new Promise((r) => setTimeout(r, 2_500)); // a group_interval and more: nothing else comes
    expect(entries().filter((e) => e.status === 'sent')).toHaveLength(1);
    expect(notifications().filter((n) => n.status === 'firing')).toHaveLength(1);
  });

  it('posts what fires again before it lapses, and after a restart takes it back from Alertmanager', async () => {
    receiver = await startReceiver(() => ({ status: 200 }));
    am = await startAlertmanager({ port: await freePort(), webhookUrl: `${receiver.url}/am` });
    const first = routerWith(notifierFor([am.url]));
    failGateway(first.router);
    const endsAt = async () => Date.parse((await am!.alerts())[0]?.endsAt ?? '');
    await waitFor('fired', async () => (Number.isFinite(await endsAt()) ? true : undefined));
    const before = await endsAt();
    await waitFor('re-posted with a later endsAt', async () => ((await endsAt()) > before ? true : undefined), 12_000);

    // The agent restarts: a new router and notifier over the same persisted state, nothing new to send.
    await first.router.stop();
    routers.splice(0);
    const afterStop = await endsAt();
    routerWith(notifierFor([am.url]), first.sections);
    await waitFor('taken back and re-posted', async () => ((await endsAt()) > afterStop ? true : undefined), 12_000);
    expect(await am.alerts()).toHaveLength(1);
  });

  it('escalation ends the WARN label set and fires the CRIT one', async () => {
    receiver = await startReceiver(() => ({ status: 200 }));
    am = await startAlertmanager({ port: await freePort(), webhookUrl: `${receiver.url}/am` });
    const notifier = notifierFor([am.url]);
    const since = new Date(Date.now() - 60_000).toISOString();
    const alert = { fingerprint: 'memory:failing', kind: 'failing' as const, checkId: 'memory', severity: 'warn' as const, summary: 'RSS 1.3 GiB, growing', since };
    await notifier.send(makeBatch({ alerts: [alert] }), new AbortController().signal);
    await notifier.send(makeBatch({ alerts: [{ ...alert, kind: 'escalated', severity: 'crit', summary: 'over its limit' }] }), new AbortController().signal);
    const active = await am.alerts();
    expect(active.map((a) => a.labels.severity)).toEqual(['critical']);
    expect(active[0]!.annotations.summary).toBe('over its limit');
  });
});

describe('alertmanager notifier, answers that are not 2xx', () => {
  it('4xx is permanent, 5xx transient, each named; one Alertmanager of two is enough', async () => {
    receiver = await startReceiver((req) => (req.path.startsWith('/bad') ? { status: 400, body: 'bad request: invalid label set' } : req.path.startsWith('/busy') ? { status: 503, body: 'busy' } : { status: 200 }));
    const batch = makeBatch();
    const signal = new AbortController().signal;

    const bad = await caught(() => notifierFor([`${receiver!.url}/bad`]).send(batch, signal));
    expect(bad).toBeInstanceOf(PermanentError);
    expect(bad.message).toContain('Alertmanager answered HTTP 400 (bad request: invalid label set)');

    const busy = await caught(() => notifierFor([`${receiver!.url}/busy`]).send(batch, signal));
    expect(busy).toBeInstanceOf(TransientError);
    expect(busy.message).toContain('HTTP 503');

    // An HA pair: one answers, so the batch is delivered (the cluster shares it).
    await notifierFor([`${receiver.url}/busy`, `${receiver.url}/ok`]).send(batch, signal);
    // Both down: retried, and both named.
    const both = await caught(() => notifierFor([`${receiver!.url}/busy`, 'http://127.0.0.1:9']).send(batch, signal));
    expect(both).toBeInstanceOf(TransientError);
    expect(both.message).toMatch(/Alertmanager 1 answered HTTP 503.*Alertmanager 2: request failed \(ECONNREFUSED\)/);
  });

  it('credentials in the URL become a Basic header and never appear in an error', async () => {
    receiver = await startReceiver(() => ({ status: 502, body: 'upstream says user:s3cret-pass-4242 failed' }));
    const url = receiver.url.replace('http://', 'http://user:s3cret-pass-4242@');
    const err = await caught(() => notifierFor([url]).send(makeBatch(), new AbortController().signal));
    expect(receiver.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from('user:s3cret-pass-4242').toString('base64')}`);
    expect(receiver.requests[0]!.path).toBe('/api/v2/alerts');
    expect(err.message).not.toContain('s3cret-pass-4242');
  });

  it('recovery events: "gave up" fires until re-armed ends it; others and a test alert only show a while', async () => {
    receiver = await startReceiver(() => ({ status: 200 }));
    let now = Date.parse('2026-01-01T03:00:00.000Z');
    const options = alertmanagerOptionsSchema.parse({ urls: [receiver.url] });
    const notifier = alertmanagerNotifier.create('am', options, makeDeps({}, () => now).deps);
    const event = (key: string, severity: 'crit' | 'info' | 'warn', summary: string) => ({ fingerprint: `recovery:${key}`, kind: 'recovery' as const, checkId: 'recovery', severity, summary, since: new Date(now).toISOString() });
    const posted = () => JSON.parse(receiver!.requests.at(-1)!.body) as Array<{ labels: Record<string, string>; endsAt: string }>;
    const signal = new AbortController().signal;

    await notifier.send(makeBatch({ alerts: [event('ra-1:failed', 'warn', 'auto-recovery failed at start'), event('gave-up', 'crit', 'auto-recovery gave up')] }), signal);
    expect(posted().map((a) => [a.labels.alertname, a.labels.event, a.labels.severity, Date.parse(a.endsAt) - now])).toEqual([
      ['ClawmedicRecovery', 'failed', 'warning', 15 * 60_000],
      ['ClawmedicRecovery', 'gave-up', 'critical', 4 * 60_000],
    ]);
    now += 60_000;
    await notifier.send(makeBatch({ alerts: [event('rearmed', 'info', 'auto-recovery re-armed')] }), signal);
    expect(posted().map((a) => [a.labels.event, Date.parse(a.endsAt) - now])).toEqual([
      ['gave-up', 0],
      ['rearmed', 15 * 60_000],
    ]);
    await notifier.send(makeBatch({ alerts: [{ ...event('x', 'info', 'Test notification'), fingerprint: 'clawmedic:test', kind: 'test', checkId: 'clawmedic' }] }), signal);
    expect(posted().map((a) => [a.labels.alertname, Date.parse(a.endsAt) - now])).toEqual([['ClawmedicTest', 5 * 60_000]]);
  });
});
