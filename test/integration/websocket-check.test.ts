// The websocket, channels and restarts checks against the fake gateway's WebSocket (the real handshake:
// connect.challenge -> connect -> hello-ok, then health), a real child process on a loopback port.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BOOT_ID_SERIES } from '../../checks/boot-id.ts';
import { channelsCheck } from '../../checks/channels.ts';
import { restartsCheck, RESTARTS_SERIES } from '../../checks/restarts.ts';
import { websocketCheck } from '../../checks/websocket.ts';
import type { Check, CheckResult } from '../../src/contracts.ts';
import { connectGateway } from '../../src/platform/gateway-ws.ts';
import { checkMemory, SeriesSet } from '../../src/state/series.ts';
import { expectExplained, freePort, restartInPlace, startFakeGateway, stopAllChildren, testContext, type TestContextOptions } from '../fixtures/gateway-harness.ts';
import { gatewayLine } from '../fixtures/gateway-log-lines.ts';

const TOKEN = 'gw-token-ws-7d1e5a';
let home: string;
let stateDir: string;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'clawmedic-ws-'));
  stateDir = join(home, '.openclaw-cmtest');
  await mkdir(join(stateDir, 'logs'), { recursive: true });
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});
afterEach(stopAllChildren);

/** Checks that share one series set (as in the agent), each with its own memory, on a clock the test moves. */
function agentLike(port: number, base: Partial<TestContextOptions> = {}) {
  let t = Date.now();
  const now = () => t;
  const series = new SeriesSet({}, { now });
  const memories = new Map<string, ReturnType<typeof checkMemory>>();
  return {
    series,
    advance(ms: number) {
      t += ms;
    },
    run(check: Check, opts: Partial<TestContextOptions> = {}): Promise<CheckResult> {
      if (!memories.has(check.id)) memories.set(check.id, checkMemory({}, check.id));
      const ctx = testContext({ port, now, token: TOKEN, target: { openclawStateDir: stateDir }, ...base, ...opts });
      return check.run({ ...ctx, series, memory: memories.get(check.id)! });
    },
  };
}

describe('the gateway WebSocket client', () => {
  it('completes the handshake and asks health', async () => {
    const gw = await startFakeGateway({ token: TOKEN });
    const s = await connectGateway({ host: '127.0.0.1', port: gw.port, token: TOKEN, timeoutMs: 3_000, clientVersion: '0.1.0' });
    expect(s.ok).toBe(true);
    if (!s.ok) return;
    expect(s.hello).toMatchObject({ protocol: 4, version: '2026.9.6', bootId: expect.stringMatching(/^[0-9a-f-]{36}$/), scopes: ['operator.read'] });
    const health = await s.request('health', {}, 3_000);
    expect(health).toMatchObject({ ok: true, payload: { ok: true, plugins: { errors: [] } } });
    s.close();
  });

  it('never connects anywhere but loopback', async () => {
    const r = await connectGateway({ host: '192.0.2.1', port: 18789, timeoutMs: 1_000, clientVersion: '0' });
    expect(r).toMatchObject({ ok: false, kind: 'not-loopback' });
  });
});

describe('websocket check', () => {
  it('OK: handshake time, bootId (into gateway.boot_id), uptime and the health snapshot', async () => {
    const gw = await startFakeGateway({ token: TOKEN, uptimeMs: 600_000 });
    const a = agentLike(gw.port);
    const r = await a.run(websocketCheck);
    expect(r.status).toBe('ok');
    expect(r.summary).toMatch(/^handshake in \d+ ms \(2026\.9\.6, bootId [0-9a-f]{8}…, up 10m\); health: 14 plugins loaded, no plugin errors, model runtime OK, 0 channel\(s\)$/);
    expect(r.metrics).toMatchObject({ connectMs: expect.any(Number), uptimeMs: expect.any(Number), pluginErrors: 0 });
    expect(a.series.points(BOOT_ID_SERIES, 0)).toHaveLength(1);
  });

  it('WARN for plugins that failed to load and a degraded model runtime, named', async () => {
    const gw = await startFakeGateway({
      token: TOKEN,
      healthJson: { plugins: { errors: [{ id: 'memory-lancedb', error: 'invalid config: dbPath must be a string', activated: true }, { id: 'idle-one', error: 'off', activated: false }] }, modelRuntime: { degraded: true, pendingAgents: ['main'] } },
    });
    const r = await agentLike(gw.port).run(websocketCheck);
    expect(r.status).toBe('warn');
    expect(r.summary).toMatch(/^1 plugin\(s\) failed to load: memory-lancedb \(invalid config: dbPath must be a string\); the model runtime is degraded \(agents waiting: main\)/);
    expectExplained(r, TOKEN);
    expect(r.remedy).toMatch(/openclaw doctor --lint --json/);
    expect(r.remedy).toMatch(/openclaw models status --check --json/);
  });

  it('without a token: OK, saying what deep checks need and how to give it', async () => {
    const gw = await startFakeGateway({ token: TOKEN });
    const ctx = testContext({ port: gw.port });
    const r = await websocketCheck.run(ctx);
    expect(r.status).toBe('ok');
    expect(r.summary).toMatch(/^not checked: deep checks .* need the gateway token; set gateway\.token/);
  });

  it('a rejected token: WARN naming the mismatch, and the token never in the result', async () => {
    const gw = await startFakeGateway({ token: 'the-real-gateway-token' });
    const r = await agentLike(gw.port).run(websocketCheck);
    expect(r.status).toBe('warn');
    expect(r.summary).toBe("the gateway rejected clawmedic's connect: unauthorized: gateway token mismatch (provide gateway auth token) (AUTH_TOKEN_MISMATCH)");
    expectExplained(r, TOKEN);
    expect(JSON.stringify(r)).not.toContain('the-real-gateway-token');
  });

  it('a close with 1006 mid-handshake: WARN with the code', async () => {
    const gw = await startFakeGateway({ token: TOKEN, ws: 'close-1006' });
    const r = await agentLike(gw.port).run(websocketCheck);
    expect(r.status).toBe('warn');
    expect(r.summary).toMatch(/closed the WebSocket during the handshake: the gateway closed the socket with code 1006: abnormal close/);
    expect(r.details).toMatchObject({ stage: 'hello', closeCode: 1006 });
    expectExplained(r, TOKEN);
  });

  it('a handshake that never completes: WARN after handshakeTimeoutMs, not a hang', async () => {
    const gw = await startFakeGateway({ token: TOKEN, ws: 'silent' });
    const started = Date.now();
    const r = await agentLike(gw.port).run(websocketCheck, { options: { handshakeTimeoutMs: 600 } });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(r.status).toBe('warn');
    expect(r.summary).toBe('the WebSocket handshake did not complete within 600 ms (no connect.challenge)');
    expectExplained(r, TOKEN);
  });

  it('garbage on the socket, and a port that does not upgrade: named WARNs', async () => {
    const junk = await startFakeGateway({ token: TOKEN, ws: 'garbage' });
    const r = await agentLike(junk.port).run(websocketCheck);
    expect(r.status).toBe('warn');
    expect(r.summary).toMatch(/not OpenClaw's WebSocket .*a frame that is not JSON: "this is not the gateway protocol"/);
    const html = await startFakeGateway({ mode: 'html' });
    const h = await agentLike(html.port).run(websocketCheck);
    expect(h.status).toBe('warn');
    expect(h.summary).toMatch(/accepts connections but did not complete a WebSocket upgrade/);
  });

  it('health refused (a token without read scope): WARN, the handshake still measured', async () => {
    const gw = await startFakeGateway({ token: TOKEN, ws: 'no-health' });
    const r = await agentLike(gw.port).run(websocketCheck);
    expect(r.status).toBe('warn');
    expect(r.summary).toMatch(/^health failed: health failed: FORBIDDEN: missing scope: operator\.read \(handshake in \d+ ms/);
    expect(r.remedy).toMatch(/operator\.read/);
  });

  it('a gateway that is down: OK with a note (gateway.port alerts on it)', async () => {
    const r = await agentLike(await freePort()).run(websocketCheck);
    expect(r.status).toBe('ok');
    expect(r.summary).toMatch(/^gateway not answering: connection refused on 127\.0\.0\.1:\d+ \(nothing listening\) \(gateway\.port reports it\)$/);
  });
});

describe('restarts with the websocket check\'s bootId', () => {
  it('counts an in-place restart once, though both the uptime and the bootId tell of it', async () => {
    const gw = await startFakeGateway({ token: TOKEN, uptimeMs: 3_600_000 });
    const a = agentLike(gw.port);
    expect((await a.run(websocketCheck)).status).toBe('ok');
    expect((await a.run(restartsCheck)).summary).toMatch(/^no restart seen \(first look/);

    // The restart: restarts sees it first (uptime), the websocket check a minute later (new bootId).
    a.advance(30_000);
    await restartInPlace(gw);
    const counted = await a.run(restartsCheck);
    expect(counted.summary).toMatch(/^restart counted \(uptime went back/);
    a.advance(60_000);
    expect((await a.run(websocketCheck)).status).toBe('ok');
    a.advance(30_000);
    const after = await a.run(restartsCheck);
    expect(after.summary).toMatch(/^no restart: /);
    expect(a.series.points(RESTARTS_SERIES, 0).reduce((s, p) => s + p.value, 0)).toBe(1);

    // The next restart, seen by the websocket check first: the evidence names its bootIds.
    a.advance(30_000);
    await restartInPlace(gw);
    a.advance(1_000);
    await a.run(websocketCheck);
    const second = await a.run(restartsCheck);
    expect(second.summary).toBe('2 gateway restarts in 15m (limit 2 in 15m)');
    expect(second.diagnosis).toMatch(/bootId [0-9a-f]{8}… -> [0-9a-f]{8}… \(websocket check\)/);
  });
});

describe('channels check', () => {
  it('names each channel from /readyz, the health snapshot and the log, with its own remedy', async () => {
    const logDir = join(home, 'logs-channels');
    await mkdir(logDir, { recursive: true });
    const logPath = join(logDir, 'gateway.log');
    await writeFile(logPath, '');
    const gw = await startFakeGateway({
      token: TOKEN,
      failing: ['telegram'],
      suppressed: ['discord'],
      healthJson: {
        channelOrder: ['telegram', 'discord', 'slack'],
        channels: {
          telegram: { accounts: { default: { accountId: 'default', enabled: true, configured: true, running: true, connected: true, healthState: 'stale-socket', lastError: 'no transport activity for 31 min' } } },
          discord: { accounts: { default: { accountId: 'default', enabled: true, configured: true, running: false, healthState: 'not-running' } } },
          slack: { accounts: { default: { accountId: 'default', enabled: true, configured: true, running: true, connected: true, healthState: 'healthy' } } },
        },
      },
    });
    const a = agentLike(gw.port, { options: { path: logPath } });
    const first = await a.run(channelsCheck);
    expect(first.status).toBe('crit');
    await writeFile(logPath, `${gatewayLine('gateway/channels/telegram', 'WARN', '[telegram] Polling stall detected (no completed getUpdates for 105.92s); forcing restart.', new Date().toISOString())}\n`, { flag: 'a' });
    const r = await a.run(channelsCheck);
    expect(r.status).toBe('crit');
    expect(r.summary).toMatch(/^channels down or failing: discord: \/readyz names it failing \(an account is unhealthy\); its autostart is suppressed by OpenClaw's crash-loop breaker \(\/readyz suppressed\); account default is not-running \| telegram: \/readyz names it failing \(an account is unhealthy\); account default is stale-socket \(last error: no transport activity for 31 min\); log: Telegram polling stalled, 1x$/);
    expect(r.summary).not.toMatch(/slack/);
    expect(r.diagnosis).toMatch(/Polling stall detected \(no completed getUpdates for 105\.92s\)/);
    expect(r.remedy).toContain(`openclaw gateway call channels.start --params '{"channel":"discord"}'`);
    expect(r.remedy).toContain(`openclaw gateway call channels.start --params '{"channel":"telegram"}'`);
    expect(r.remedy).toMatch(/Telegram: check the bot token/);
    expectExplained(r, TOKEN);
  });

  it('OK naming the healthy channels; without a token it says what it could not read', async () => {
    const gw = await startFakeGateway({ token: TOKEN, healthJson: { channelOrder: ['slack'], channels: { slack: { accounts: { default: { enabled: true, running: true, connected: true, healthState: 'healthy' } } } } } });
    const logPath = join(home, 'empty.log');
    await writeFile(logPath, '');
    const ok = await agentLike(gw.port, { options: { path: logPath } }).run(channelsCheck);
    expect(ok).toMatchObject({ status: 'ok', summary: 'channels slack healthy (from /readyz, health snapshot, gateway log)' });
    const noToken = await agentLike(gw.port, { token: undefined, options: { path: logPath } }).run(channelsCheck, { token: undefined });
    expect(noToken.status).toBe('ok');
    expect(noToken.summary).toMatch(/^no failing channel \(from \/readyz, gateway log\) \(account states not read: the health snapshot needs the gateway token/);
  });
});
