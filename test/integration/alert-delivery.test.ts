// Fault tests of alert delivery with real parts: the real router and outbox over the real state file,
// the real Slack / email / webhook notifiers, a local HTTP receiver and a real SMTP server.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withAlertingDefaults, type AlertingConfig } from '../../src/alerts/config.ts';
import { AlertRouter } from '../../src/alerts/router.ts';
import type { CheckResult, Notifier, NotifierDeps } from '../../src/contracts.ts';
import type { Transition } from '../../src/evaluate/types.ts';
import { StateStore } from '../../src/state/store.ts';
import { Redactor } from '../../src/util/redact.ts';
import { emailNotifier } from '../../notifiers/email.ts';
import { slackNotifier } from '../../notifiers/slack.ts';
import { webhookNotifier } from '../../notifiers/webhook.ts';
import { waitFor } from '../fixtures/cli.ts';
import { startReceiver, type HttpReceiver } from '../fixtures/http-receiver.ts';

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const deps: NotifierDeps = { resolveSecret: (r) => r, redact: (t) => t, log: silent, now: Date.now };

let dir: string;
let store: StateStore;
let routers: AlertRouter[] = [];
let receivers: HttpReceiver[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clawmedic-delivery-'));
  store = await StateStore.open(join(dir, 'state.json'), { flushDelayMs: 10 });
});
afterEach(async () => {
  for (const r of routers) await r.stop();
  for (const r of receivers) await r.close();
  routers = [];
  receivers = [];
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

function router(notifiers: Notifier[], fallback?: string, delivery: Partial<AlertingConfig['delivery']> = {}): AlertRouter {
  const r = new AlertRouter({
    sections: store,
    notifiers: notifiers.map((notifier) => ({ notifier, route: { minSeverity: 'info' } })),
    ...(fallback ? { fallback } : {}),
    // Real clock, short waits: these tests exercise real sockets, which fake timers would not drive.
    config: withAlertingDefaults({ batchWindowMs: 50, delivery: { initialBackoffMs: 100, maxBackoffMs: 200, minRetryDelayMs: 50, attemptTimeoutMs: 2_000, ...delivery } }),
    dependsOn: {},
    host: 'gw-01',
    gateway: '127.0.0.1:18789',
    now: Date.now,
    log: silent,
    redact: (t) => new Redactor().text(t),
    random: () => 1,
  });
  routers.push(r);
  r.start();
  return r;
}

function fail(r: AlertRouter, checkId = 'gateway.http'): void {
  const at = Date.now();
  const t: Transition = { checkId, from: 'pending', to: 'failing', at, status: 'crit', summary: 'gateway down: connection refused', incidentSince: at - 60_000 };
  const result: CheckResult = { status: 'crit', summary: t.summary, diagnosis: 'Nothing listens on 127.0.0.1:18789.', remedy: 'openclaw gateway restart' };
  r.onTransition(t, result);
  r.onResult(checkId, result, 'failing');
}

async function receiver(): Promise<HttpReceiver> {
  const r = await startReceiver();
  receivers.push(r);
  return r;
}

describe('durable delivery through real notifiers', () => {
  it('Slack answering 500 for a while, then 200: the alert arrives exactly once', async () => {
    const slack = await receiver();
    let calls = 0;
    slack.respond(() => (++calls <= 3 ? { status: 500, body: 'internal_error' } : { status: 200, body: 'ok' }));
    const r = router([slackNotifier.create('ops', slackNotifier.optionsSchema.parse({ url: `${slack.url}/services/T0/B0/x` }), deps)]);
    fail(r);
    await waitFor('a 200 from the Slack stand-in', () => (calls >= 4 ? true : undefined));
    const snapshot = await waitFor('the entry marked sent', async () => {
      const s = await r.snapshot();
      return s.outbox.notifiers[0]?.sent === 1 ? s : undefined;
    });
    expect(slack.requests).toHaveLength(4);
    expect(new Set(slack.requests.map((q) => q.body)).size).toBe(1); // the same message each time
    expect(JSON.parse(slack.requests[3]!.body).text).toMatch(/gateway down/);
    expect(snapshot.outbox.notifiers[0]).toMatchObject({ pending: 0, failed: 0, sent: 1 });
  });

  it('SMTP server down, then back: the email arrives', async () => {
    // Take a free port, leave it closed (refused), start the server on it later.
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const received: string[] = [];
    const smtp = new SMTPServer({
      disabledCommands: ['STARTTLS', 'AUTH'],
      onData(stream, _session, done) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          received.push(Buffer.concat(chunks).toString('utf8'));
          done();
        });
      },
    });
    const email = emailNotifier.create(
      'mail',
      emailNotifier.optionsSchema.parse({ host: '127.0.0.1', port, secure: false, startTls: 'never', from: 'clawmedic@gw-01.example', to: 'ops@example.com', timeoutMs: 2_000 }),
      deps,
    );
    const r = router([email]);
    fail(r);
    await waitFor('a failed attempt', async () => ((await r.snapshot()).outbox.notifiers[0]?.lastError ? true : undefined));
    expect(received).toHaveLength(0);
    await new Promise<void>((resolve) => smtp.listen(port, '127.0.0.1', () => resolve()));
    try {
      await waitFor('the email', () => (received.length > 0 ? true : undefined));
      const mail = await simpleParser(received[0]!);
      expect(mail.subject).toMatch(/CRIT.*gw-01.*gateway down/);
      expect(mail.text).toContain('openclaw gateway restart');
      await waitFor('sent recorded', async () => ((await r.snapshot()).outbox.notifiers[0]?.sent === 1 ? true : undefined));
      expect(received).toHaveLength(1);
    } finally {
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
    }
  });

  it('a receiver answering 503 with Retry-After: 0 is retried after the backoff, not at once', async () => {
    const hook = await receiver();
    const at: number[] = [];
    hook.respond(() => {
      at.push(Date.now());
      return at.length <= 3 ? { status: 503, headers: { 'retry-after': '0' }, body: 'later' } : { status: 200, body: 'ok' };
    });
    const r = router([webhookNotifier.create('hook', webhookNotifier.optionsSchema.parse({ url: `${hook.url}/alerts` }), deps)]);
    fail(r);
    await waitFor('the entry marked sent', async () => ((await r.snapshot()).outbox.notifiers[0]?.sent === 1 ? true : undefined));
    expect(hook.requests).toHaveLength(4);
    // Jitter pinned at its ceiling: 100, 200, 200 ms (before the fix: back to back).
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    expect(gaps[0]).toBeGreaterThanOrEqual(95);
    expect(gaps[1]).toBeGreaterThanOrEqual(195);
    expect(gaps[2]).toBeGreaterThanOrEqual(195);
  });

  it("a webhook whose own timeoutMs is above the outbox's attempt timeout is not cut short and sent twice", async () => {
    let requests = 0;
    // Answers after 600 ms: past the 300 ms attempt timeout, within the notifier's 2 s.
    const slowServer = createHttpServer((req, res) => {
      requests += 1;
      req.resume();
      req.on('end', () => setTimeout(() => res.end('ok'), 600));
    });
    await new Promise<void>((resolve) => slowServer.listen(0, '127.0.0.1', () => resolve()));
    try {
      const { port } = slowServer.address() as AddressInfo;
      const hook = webhookNotifier.create('hook', webhookNotifier.optionsSchema.parse({ url: `http://127.0.0.1:${port}/alerts`, timeoutMs: 2_000 }), deps);
      const r = router([hook], undefined, { attemptTimeoutMs: 300 });
      fail(r);
      const snap = await waitFor('the entry marked sent', async () => {
        const s = await r.snapshot();
        return s.outbox.notifiers[0]?.sent === 1 ? s : undefined;
      });
      expect(requests).toBe(1);
      expect(snap.outbox.entries[0]).toMatchObject({ status: 'sent', attempts: 1 });
    } finally {
      slowServer.closeAllConnections();
      await new Promise<void>((resolve) => slowServer.close(() => resolve()));
    }
  });

  it('a 400 is permanent: no retry, the fallback notifier gets the batch, status shows the failure', async () => {
    const bad = await receiver();
    bad.respond(() => ({ status: 400, body: 'invalid_payload' }));
    const good = await receiver();
    const r = router(
      [
        slackNotifier.create('ops', slackNotifier.optionsSchema.parse({ url: `${bad.url}/services/T0/B0/x` }), deps),
        webhookNotifier.create('backup', webhookNotifier.optionsSchema.parse({ url: `${good.url}/hook` }), deps),
      ],
      'backup',
    );
    fail(r);
    // The fallback gets its own copy and the batch meant for ops: two deliveries.
    await waitFor('the fallback delivery', () => (good.requests.length >= 2 ? true : undefined));
    const snap = await waitFor('ops marked failed', async () => {
      const s = await r.snapshot();
      return s.outbox.notifiers.find((n) => n.name === 'ops')?.failed === 1 ? s : undefined;
    });
    expect(bad.requests).toHaveLength(1);
    const ops = snap.outbox.notifiers.find((n) => n.name === 'ops')!;
    expect(ops.lastError).toMatch(/400/);
    expect(ops.lastError).not.toContain(bad.url);
    const bodies = good.requests.map((q) => JSON.parse(q.body) as { alerts: Array<{ checkId: string }> });
    expect(bodies.every((b) => b.alerts[0]!.checkId === 'gateway.http')).toBe(true);
  });
});
