import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PermanentError, TransientError, type Notifier } from '../../src/contracts.ts';
import { webhookNotifier, webhookOptionsSchema, type WebhookOptions, type WebhookPayloadV1 } from '../../notifiers/webhook.ts';
import { HOSTILE, SECRET, caught, hostileBatch, makeBatch, makeDeps, makeResolvedBatch } from '../fixtures/alerts.ts';
import { startReceiver, type HttpReceiver } from '../fixtures/http-receiver.ts';

const NOW = Date.parse('2025-01-01T03:00:00.000Z');
const HMAC_KEY = 'whk-9f8e7d6c5b4a-signing-key';
const AUTH = 'Bearer hook-auth-0123456789';
const ENV = { HOOK_KEY: HMAC_KEY, HOOK_AUTH: AUTH };

let receiver: HttpReceiver;
beforeEach(async () => {
  receiver = await startReceiver(() => ({ status: 204 }));
});
afterEach(async () => {
  await receiver.close();
});

function make(options: Partial<WebhookOptions> & Record<string, unknown> = {}) {
  const made = makeDeps({ HOOK_URL: `${receiver.url}/hooks/clawmedic?token=url-secret-42`, ...ENV }, () => NOW);
  const parsed = webhookOptionsSchema.parse({ url: 'env:HOOK_URL', ...options });
  return { notifier: webhookNotifier.create('ops-hook', parsed, made.deps) as Notifier, ...made };
}
const notifier = (options: Partial<WebhookOptions> & Record<string, unknown> = {}) => make(options).notifier;
const signal = () => new AbortController().signal;

/** Signature check exactly as docs/webhook.md tells receivers to do it (with the clock passed in). */
function verify(rawBody: string, headers: IncomingHttpHeaders, secret: string, nowMs: number): boolean {
  const timestamp = headers['x-clawmedic-timestamp'];
  const signature = headers['x-clawmedic-signature'];
  if (typeof timestamp !== 'string' || typeof signature !== 'string') return false;
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > 300) return false;
  const expected = 'sha256=' + createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex');
  const a = Buffer.from(signature);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function expectNoSecrets(err: Error) {
  for (const s of ['url-secret-42', HMAC_KEY, AUTH, 'hook-auth-0123456789']) expect(err.message).not.toContain(s);
}

describe('webhook notifier: what it sends', () => {
  it('posts the versioned JSON body with Idempotency-Key, custom headers and a valid signature', async () => {
    await notifier({ hmacSecret: 'env:HOOK_KEY', headers: { Authorization: 'env:HOOK_AUTH', 'X-Team': 'ops' } }).send(makeBatch(), signal());

    expect(receiver.requests).toHaveLength(1);
    const req = receiver.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/hooks/clawmedic?token=url-secret-42');
    expect(req.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(req.headers['idempotency-key']).toBe('b-0001');
    expect(req.headers['authorization']).toBe(AUTH);
    expect(req.headers['x-team']).toBe('ops');
    expect(req.headers['x-clawmedic-timestamp']).toBe(String(NOW / 1000));

    expect(verify(req.body, req.headers, HMAC_KEY, NOW)).toBe(true);
    // The check really depends on the body, the key and the clock.
    expect(verify(req.body.replace('gw-01', 'gw-02'), req.headers, HMAC_KEY, NOW)).toBe(false);
    expect(verify(req.body, req.headers, 'another-key', NOW)).toBe(false);
    expect(verify(req.body, req.headers, HMAC_KEY, NOW + 301_000)).toBe(false);

    const body = JSON.parse(req.body) as WebhookPayloadV1;
    expect(body).toEqual({
      schema: 'clawmedic.alert.v1',
      batchId: 'b-0001',
      createdAt: '2025-01-01T03:00:00.000Z',
      host: 'gw-01',
      gateway: '127.0.0.1:18789',
      timeZone: null,
      alerts: [
        {
          fingerprint: 'gateway.http:failing',
          incidentId: '1a2b3c4d',
          kind: 'failing',
          checkId: 'gateway.http',
          severity: 'crit',
          headline: 'OpenClaw gateway down (connection refused on 127.0.0.1:18789)',
          summary: 'GET /healthz: connection refused on 127.0.0.1:18789',
          diagnosis: 'Nothing listens on port 18789; the gateway process is not running.',
          remedy: 'Run `openclaw gateway status`, then restart the service.',
          steps: [],
          since: '2025-01-01T02:58:00.000Z',
          durationMs: null,
          related: [],
        },
        {
          fingerprint: 'gateway.port:failing',
          incidentId: '5e6f7a8b',
          kind: 'failing',
          checkId: 'gateway.port',
          severity: 'crit',
          headline: 'nothing listening on 127.0.0.1:18789',
          summary: 'port 18789 is closed',
          diagnosis: 'connect() was refused',
          remedy: 'Start the gateway: `openclaw gateway start`.',
          steps: [],
          since: '2025-01-01T02:58:00.000Z',
          durationMs: null,
          related: [{ checkId: 'gateway.ready', summary: 'readyz not reachable' }],
        },
      ],
    });
  });

  it('sends no signature headers without hmacSecret, and uses PUT when asked', async () => {
    await notifier({ method: 'PUT' }).send(makeResolvedBatch(), signal());
    const req = receiver.requests[0]!;
    expect(req.method).toBe('PUT');
    expect(req.headers['x-clawmedic-signature']).toBeUndefined();
    expect(req.headers['x-clawmedic-timestamp']).toBeUndefined();
    const body = JSON.parse(req.body) as WebhookPayloadV1;
    expect(body.alerts[0]).toMatchObject({ kind: 'resolved', durationMs: 300_000 });
  });

  it('sends hostile text redacted, stripped and truncated, but not escaped', async () => {
    await notifier().send(hostileBatch(), signal());
    const raw = receiver.requests[0]!.body;
    expect(raw).not.toContain(SECRET);
    expect(raw).not.toMatch(/\\u001b|\u001b/);
    expect(raw.length).toBeLessThan(10_000);

    const alert = (JSON.parse(raw) as WebhookPayloadV1).alerts[0]!;
    expect(alert.summary.length).toBeLessThanOrEqual(300);
    expect(alert.summary).toMatch(/… \[truncated, 10\d{5} chars\]$/);
    // JSON receivers get the characters themselves; escaping is for whoever renders them.
    expect(alert.summary).toContain(`${HOSTILE.mention} ${HOSTILE.userMention} ${HOSTILE.bold} ${HOSTILE.link} ${HOSTILE.script} red token ***`);
    expect(alert.diagnosis).toBe(`diag ${HOSTILE.script} *** ${HOSTILE.mention}`);
    expect(alert.related).toEqual([{ checkId: 'gateway.ready', summary: `${HOSTILE.mention} ***` }]);
  });

  it('registers referenced and credential-like header values as secrets, not ordinary ones', () => {
    const made = makeDeps({ HOOK_URL: `${receiver.url}/x`, HOOK_ROUTE: 'route-zz-998877' }, () => NOW);
    const options = webhookOptionsSchema.parse({
      url: 'env:HOOK_URL',
      headers: { 'X-Route': 'env:HOOK_ROUTE', 'X-Api-Key': 'literal-kk-5566', 'X-Team': 'platform-ops' },
    });
    webhookNotifier.create('ops-hook', options, made.deps);
    expect(made.deps.redact('route-zz-998877 literal-kk-5566 platform-ops')).toBe('*** *** platform-ops');
  });
});

describe('webhook notifier: failures', () => {
  it('turns 503 into a TransientError whose message quotes the receiver without secrets', async () => {
    // A receiver that echoes what it got, secrets included.
    receiver.respond((req) => ({ status: 503, body: `unavailable; you sent ${req.path} with ${req.headers['authorization']}` }));
    const err = await caught(() => notifier({ hmacSecret: 'env:HOOK_KEY', headers: { Authorization: 'env:HOOK_AUTH' } }).send(makeBatch(), signal()));
    expect(err).toBeInstanceOf(TransientError);
    expect(err.message).toContain('HTTP 503 (unavailable; you sent');
    expectNoSecrets(err);
  });

  it('honours Retry-After in seconds', async () => {
    receiver.respond(() => ({ status: 429, headers: { 'retry-after': '7' } }));
    const err = await caught(() => notifier().send(makeBatch(), signal()));
    expect(err).toBeInstanceOf(TransientError);
    expect((err as TransientError).retryAfterMs).toBe(7000);
  });

  it('honours Retry-After as an HTTP date, measured on the injected clock', async () => {
    receiver.respond(() => ({ status: 503, headers: { 'retry-after': new Date(NOW + 30_000).toUTCString() } }));
    const err = await caught(() => notifier().send(makeBatch(), signal()));
    expect(err).toBeInstanceOf(TransientError);
    expect((err as TransientError).retryAfterMs).toBe(30_000);
  });

  it.each([404, 400, 301])('turns HTTP %i into a PermanentError', async (status) => {
    const headers: Record<string, string> = status === 301 ? { location: 'http://127.0.0.1:1/' } : {};
    receiver.respond(() => ({ status, headers }));
    const err = await caught(() => notifier().send(makeBatch(), signal()));
    expect(err).toBeInstanceOf(PermanentError);
    expect(err.message).toContain(`HTTP ${status}`);
    expectNoSecrets(err);
  });

  it('turns 408 into a TransientError', async () => {
    receiver.respond(() => ({ status: 408 }));
    expect(await caught(() => notifier().send(makeBatch(), signal()))).toBeInstanceOf(TransientError);
  });

  it('gives up after timeoutMs when the receiver never answers', async () => {
    receiver.respond(() => 'hang');
    const started = Date.now();
    const err = await caught(() => notifier({ timeoutMs: 200 }).send(makeBatch(), signal()));
    expect(err).toBeInstanceOf(TransientError);
    expect(err.message).toContain('no answer within 200 ms');
    expect(Date.now() - started).toBeLessThan(5000);
    expectNoSecrets(err);
  });

  it('turns a refused connection into a TransientError without the URL', async () => {
    const n = notifier();
    await receiver.close();
    const err = await caught(() => n.send(makeBatch(), signal()));
    expect(err).toBeInstanceOf(TransientError);
    expect(err.message).toContain('ECONNREFUSED');
    expectNoSecrets(err);
    receiver = await startReceiver(); // for afterEach
  });
});

describe('webhook notifier: options', () => {
  const paths = (input: unknown) => webhookOptionsSchema.safeParse(input).error?.issues.map((i) => i.path.join('.'));

  it('fills in defaults', () => {
    expect(webhookOptionsSchema.parse({ url: 'https://hooks.example.com/x' })).toEqual({ url: 'https://hooks.example.com/x', method: 'POST', headers: {}, timeoutMs: 10_000 });
  });

  it('rejects a missing or malformed URL, plain http off loopback, and other methods', () => {
    expect(paths({})).toEqual(['url']);
    expect(paths({ url: 'hooks.example.com/x' })).toEqual(['url']);
    expect(paths({ url: 'http://hooks.example.com/x' })).toEqual(['url']);
    expect(paths({ url: 'ftp://127.0.0.1/x' })).toEqual(['url']);
    expect(paths({ url: 'env:HOOK_URL', method: 'GET' })).toEqual(['method']);
    expect(paths({ url: 'env:HOOK_URL', timeoutMs: 0 })).toEqual(['timeoutMs']);
  });

  it('rejects reserved or malformed headers by name', () => {
    expect(paths({ url: 'env:HOOK_URL', headers: { 'Idempotency-Key': 'x' } })).toEqual(['headers.Idempotency-Key']);
    expect(paths({ url: 'env:HOOK_URL', headers: { 'X-Clawmedic-Signature': 'x' } })).toEqual(['headers.X-Clawmedic-Signature']);
    expect(paths({ url: 'env:HOOK_URL', headers: { 'Bad Name': 'x' } })?.[0]).toMatch(/^headers/);
    expect(paths({ url: 'env:HOOK_URL', headers: { 'X-Ok': 'a\r\nX-Evil: 1' } })).toEqual(['headers.X-Ok']);
  });
});
