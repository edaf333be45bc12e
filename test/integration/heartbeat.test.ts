// The heartbeat URL against a local HTTP server: pinged after cycles (at most once per `every` while nothing
// changes), its /fail form while a check fails, at once when that changes; its URL is a secret.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import { silentLogger } from '../../src/logger.ts';
import { failUrlOf, heartbeatListener, resolveHeartbeat, type Heartbeat } from '../../src/service/heartbeat.ts';
import { Redactor } from '../../src/util/redact.ts';
import { waitFor } from '../fixtures/cli.ts';
import { startReceiver, type HttpReceiver } from '../fixtures/http-receiver.ts';

let receiver: HttpReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

const ok = { status: 'ok' as const, summary: 'fine' };
const down = { status: 'crit' as const, summary: 'nothing listening on 127.0.0.1:18789 (gateway down)' };

function setup(hb: Partial<Heartbeat> = {}) {
  let now = 1_000_000;
  const listener = heartbeatListener({
    heartbeat: { url: `${receiver!.url}/ping/abc`, failUrl: `${receiver!.url}/ping/abc/fail`, method: 'GET', everyMs: 60_000, timeoutMs: 2_000, ...hb },
    log: silentLogger,
    now: () => now,
    redact: (t) => t,
  });
  return { listener, advance: (ms: number) => (now += ms), paths: () => receiver!.requests.map((r) => r.path) };
}

describe('heartbeat', () => {
  it('pings after the first cycle, then at most once per `every`, and /fail at once while a check fails', async () => {
    receiver = await startReceiver();
    const { listener, advance, paths } = setup();
    listener.onResult!('gateway.port', ok, 'ok');
    listener.onCycle!('gateway.port', 0);
    await waitFor('first ping', () => paths().length === 1 || undefined);
    advance(5_000);
    listener.onCycle!('gateway.http', 0); // within `every`: no ping
    listener.onResult!('gateway.port', down, 'pending');
    listener.onCycle!('gateway.port', 0); // pending is not failing yet
    advance(5_000);
    listener.onResult!('gateway.port', down, 'failing');
    listener.onCycle!('gateway.port', 0); // starts failing: /fail now, not in a minute
    await waitFor('fail ping', () => paths().length === 2 || undefined);
    advance(5_000);
    listener.onResult!('gateway.port', ok, 'ok');
    listener.onCycle!('gateway.port', 0); // resolved: a success ping at once
    await waitFor('recovery ping', () => paths().length === 3 || undefined);
    advance(61_000);
    listener.onCycle!('gateway.port', 0);
    await waitFor('periodic ping', () => paths().length === 4 || undefined);
    expect(paths()).toEqual(['/ping/abc', '/ping/abc/fail', '/ping/abc', '/ping/abc']);
    expect(receiver.requests.every((r) => r.method === 'GET')).toBe(true);
    await listener.stop!();
  });

  it('POST sends the failing checks as the body', async () => {
    receiver = await startReceiver();
    const { listener } = setup({ method: 'POST' });
    listener.onResult!('gateway.port', down, 'failing');
    listener.onCycle!('gateway.port', 0);
    await waitFor('fail ping', () => receiver!.requests[0]);
    expect(receiver.requests[0]).toMatchObject({ method: 'POST', path: '/ping/abc/fail', body: 'gateway.port: nothing listening on 127.0.0.1:18789 (gateway down)' });
    await listener.stop!();
  });

  it('a receiver that fails or hangs never stops the cycle, and only one ping is in flight', async () => {
    receiver = await startReceiver(() => 'hang');
    const { listener, advance } = setup({ timeoutMs: 500 });
    listener.onCycle!('gateway.port', 0);
    advance(120_000);
    listener.onCycle!('gateway.port', 0); // the first is still waiting: no second request
    await new Promise((r) => setTimeout(r, 800));
    expect(receiver.requests).toHaveLength(1);
    receiver.respond(() => ({ status: 500 }));
    advance(120_000);
    listener.onCycle!('gateway.port', 0); // the hung one timed out: a new ping goes
    await waitFor('second ping', () => receiver!.requests[1]);
    await listener.stop!();
  });

  it('the URL is resolved from env:, redacted, https or loopback http only; /fail goes before the query', () => {
    const redactor = new Redactor();
    const env = { HC_URL: 'https://hc-ping.com/6f1c0a9e-1111-2222-3333-444455556666' };
    const { heartbeat, problems } = resolveHeartbeat({ url: 'env:HC_URL', method: 'GET', every: 60_000, timeout: 10_000 }, env, redactor);
    expect(problems).toEqual([]);
    expect(heartbeat?.failUrl).toBe('https://hc-ping.com/6f1c0a9e-1111-2222-3333-444455556666/fail');
    expect(redactor.text(`pinging ${env.HC_URL}`)).toBe('pinging ***');
    expect(failUrlOf('https://push.example/api/push/x?status=up')).toBe('https://push.example/api/push/x/fail?status=up');
    const plainHttp = resolveHeartbeat({ url: 'http://example.com/ping', method: 'GET', every: 60_000, timeout: 10_000 }, {}, new Redactor());
    expect(plainHttp.problems).toEqual([expect.objectContaining({ path: 'heartbeat.url', message: expect.stringContaining('must be https') })]);
    const unset = resolveHeartbeat({ url: 'env:NOPE', method: 'GET', every: 60_000, timeout: 10_000 }, {}, new Redactor());
    expect(unset.problems[0]?.message).toContain('NOPE');
  });

  it('config validate reports a bad heartbeat URL with its key; a good one is in the effective config', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'clawmedic-hb-'));
    try {
      const path = join(dir, 'clawmedic.json5');
      await writeFile(path, "{ heartbeat: { url: 'https://hc-ping.com/x', every: '5s' } }", { mode: 0o600 });
      expect(loadConfig({ configPath: path, env: {} }).problems.map((p) => p.path)).toEqual(['heartbeat.every']);
      await writeFile(path, "{ heartbeat: { url: 'http://example.com/ping' } }", { mode: 0o600 });
      expect(loadConfig({ configPath: path, env: {} }).problems.map((p) => p.path)).toEqual(['heartbeat.url']);
      await writeFile(path, "{ heartbeat: { url: 'env:HC_URL', method: 'POST' } }", { mode: 0o600 });
      const good = loadConfig({ configPath: path, env: { HC_URL: 'https://hc-ping.com/abc-123' } });
      expect(good.problems).toEqual([]);
      expect(good.config?.heartbeat).toMatchObject({ url: 'https://hc-ping.com/abc-123', failUrl: 'https://hc-ping.com/abc-123/fail', method: 'POST', everyMs: 60_000 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
