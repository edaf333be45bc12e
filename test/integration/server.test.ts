// The agent's HTTP server in a real `clawmedic run` against the fake gateway: /metrics that promtool
// accepts, /status as `status --json` has it, /healthz; the token, the Host check and no secret in any
// answer; a listen address that is taken (named, monitoring goes on, the server comes up once it is free);
// requests that are malformed, too big or too slow.
import { spawn } from 'node:child_process';
import { connect, createServer, type Server } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fastAgentConfig, makeCliHome, waitFor, type AgentProcess, type CliHome } from '../fixtures/cli.ts';
import { requireTool } from '../fixtures/debian-tools.ts';
import { freePort, startFakeGateway, stopAllChildren, type ListenerProcess } from '../fixtures/gateway-harness.ts';

let h: CliHome;
let gw: ListenerProcess;
let blocker: Server | undefined;

beforeEach(async () => {
  h = await makeCliHome();
  gw = await startFakeGateway({ mode: 'up', stateDir: 'none' });
});
afterEach(async () => {
  await h.cleanup();
  await stopAllChildren();
  await new Promise((r) => (blocker ? blocker.close(r) : r(undefined)));
  blocker = undefined;
});

const TOKEN = 'srv-Distinctive-Token-7f3a9c2e51b84d06';
const GATEWAY_TOKEN = 'gw-Distinctive-Token-0c4e8a1f93b7d265';
const HOOK_PATH = '/hooks/Distinctive-Hook-Path-9b1c77e0';

function serverConfig(port: number, server: string, extra = ''): string {
  return fastAgentConfig(gw.port, `defaults: { failureThreshold: 2 }, alerting: { batchWindow: '200ms', retryBackoff: '1s' }, server: ${server}, ${extra}`);
}

async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Headers }> {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(5_000) });
  return { status: res.status, body: await res.text(), headers: res.headers };
}

async function startWithServer(server: string, extra = '', env: NodeJS.ProcessEnv = {}): Promise<{ agent: AgentProcess; base: string; port: number }> {
  const port = await freePort();
  await h.writeConfig(serverConfig(port, server.replace('PORT', String(port)), extra));
  const agent = h.spawnAgent([], env);
  await waitFor('the status page', () => (/status page on http/.test(agent.output()) ? true : undefined));
  return { agent, base: `http://127.0.0.1:${port}`, port };
}

/** `promtool check metrics` reading the exposition from stdin: its complaints, and its exit code. */
function promtoolCheck(text: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(requireTool('promtool'), ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'], timeout: 20_000 });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => resolve({ code, out }));
    child.stdin.end(text);
  });
}

/** Sends raw bytes and returns what comes back before the server closes (or the deadline). */
function raw(port: number, data: string, { waitMs = 8_000 } = {}): Promise<{ text: string; closedAfterMs: number }> {
  return new Promise((resolve) => {
    const started = Date.now();
    let text = '';
    // Written without ending our side: a half-closed client gets no answer to a request still being worked on.
    const socket = connect(port, '127.0.0.1', () => socket.write(data));
    const timer = setTimeout(() => socket.destroy(), waitMs);
    socket.on('data', (d) => (text += d.toString()));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closedAfterMs: Date.now() - started });
    });
    socket.on('error', () => undefined);
  });
}

describe('agent HTTP server', () => {
  it('serves /metrics that promtool accepts, /status as `status --json` has it, /healthz and the page', async () => {
    const { base } = await startWithServer("{ listen: '127.0.0.1:PORT' }");
    const metrics = await waitFor('metrics with results', async () => {
      const r = await get(`${base}/metrics`);
      // Each family appears once its check has run: on a busy host the restarts check can come a cycle later.
      return /clawmedic_check_status\{check="gateway.http"\} 0/.test(r.body) && /clawmedic_gateway_memory_limit_bytes \d/.test(r.body) && /clawmedic_gateway_restarts_total \d/.test(r.body)
        ? r
        : undefined;
    });
    expect(metrics.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const lint = await promtoolCheck(metrics.body);
    expect(lint.out).toBe('');
    expect(lint.code).toBe(0);
    for (const family of [
      'clawmedic_build_info{version="0.1.0"',
      'clawmedic_check_state{check="gateway.port",state="ok"} 1',
      'clawmedic_check_duration_seconds_bucket{check="gateway.port",le="+Inf"}',
      'clawmedic_gateway_memory_limit_bytes ',
      'clawmedic_gateway_restarts_total ',
      'clawmedic_outbox_entries{notifier="console",status="pending"} 0',
      'clawmedic_recovery_enabled 0',
      'clawmedic_last_cycle_timestamp_seconds ',
      'process_resident_memory_bytes ',
      'process_cpu_seconds_total ',
    ]) {
      expect(metrics.body).toContain(family);
    }

    // The CLI reads the state file, which the agent writes every few seconds: wait for a write with the same facts.
    const fromCli = await waitFor('status --json from a written state', async () => {
      const j = JSON.parse((await h.run(['status', '--json'])).stdout);
      return j.openclaw ? j : undefined;
    });
    const status = JSON.parse((await get(`${base}/status`)).body);
    expect(Object.keys(status)).toEqual(Object.keys(fromCli));
    expect(status.checks.map((c: { id: string }) => c.id)).toEqual(fromCli.checks.map((c: { id: string }) => c.id));
    expect(status.agent.pid).toBe(fromCli.agent.pid);
    expect(status.checks.find((c: { id: string }) => c.id === 'gateway.http').since).toMatch(/^\d{4}-\d\d-\d\dT/);

    const health = await get(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ status: 'ok' });

    const page = await get(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.body).toContain('data-check="gateway.http"');
    const head = await fetch(`${base}/`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect((await get(`${base}/nope`)).status).toBe(404);
  });

  it('with a token: 401 without it or with a wrong one, bearer or basic with it; no secret in any answer', async () => {
    const hookUrl = `http://127.0.0.1:9${HOOK_PATH}`;
    const { base } = await startWithServer(
      "{ listen: '127.0.0.1:PORT', token: 'env:SRV_TOKEN' }",
      `notifiers: { hook: { type: 'webhook', url: '${hookUrl}' } },`,
      { SRV_TOKEN: TOKEN, OPENCLAW_GATEWAY_TOKEN: GATEWAY_TOKEN },
    );
    const bearer = { authorization: `Bearer ${TOKEN}` };
    for (const path of ['/', '/status', '/metrics', '/healthz']) {
      const none = await get(`${base}${path}`);
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toMatch(/Bearer realm="clawmedic".*Basic realm="clawmedic"/);
      expect((await get(`${base}${path}`, { authorization: `Bearer ${TOKEN}x` })).status).toBe(401);
      expect((await get(`${base}${path}`, { authorization: 'Bearer' })).status).toBe(401);
      expect((await get(`${base}${path}`, bearer)).status).toBe(200);
      expect((await get(`${base}${path}`, { authorization: `Basic ${Buffer.from(`me:${TOKEN}`).toString('base64')}` })).status).toBe(200);
    }
    // The gateway goes down: an alert, a webhook that cannot be delivered, its error in the outbox.
    await gw.stop();
    await waitFor('an undelivered alert', async () => (JSON.parse((await get(`${base}/status`, bearer)).body).alerts.outbox.notifiers.find((n: { name: string }) => n.name === 'hook')?.lastError ? true : undefined), 20_000);
    const answers = await Promise.all(['/', '/?range=30d', '/status', '/metrics', '/healthz', '/nope'].map((p) => get(`${base}${p}`, bearer)));
    answers.push(await get(`${base}/`), await get(`${base}/`, { authorization: `Bearer ${TOKEN.slice(0, -1)}` }));
    for (const a of answers) {
      const all = `${a.body}\n${[...a.headers].join('\n')}`;
      for (const secret of [TOKEN, GATEWAY_TOKEN, HOOK_PATH.slice(1), 'Distinctive-Hook-Path']) expect(all).not.toContain(secret);
    }
    expect(answers[2]!.body).toContain('"hook"');
  });

  it('refuses a listen address beyond loopback without a token, and a short or missing one, at config validation', async () => {
    const port = await freePort();
    await h.writeConfig(serverConfig(port, `{ listen: '0.0.0.0:${port}' }`));
    const open = await h.run(['config', 'validate']);
    expect(open.code).toBe(2);
    expect(open.stdout + open.stderr).toMatch(/server\.token: is required to listen on 0\.0\.0\.0:\d+, beyond loopback/);
    const refused = await h.run(['run']);
    expect(refused.code).toBe(2);

    await h.writeConfig(serverConfig(port, `{ listen: '0.0.0.0:${port}', token: 'short' }`));
    const short = await h.run(['config', 'validate']);
    expect(short.code).toBe(2);
    expect(short.stdout + short.stderr).toMatch(/server\.token: is 5 characters long; use at least 16/);
    expect(short.stdout + short.stderr).not.toContain("'short'");

    await h.writeConfig(serverConfig(port, `{ listen: '0.0.0.0:${port}', token: 'env:NOT_SET_ANYWHERE' }`));
    const missing = await h.run(['config', 'validate']);
    expect(missing.stdout + missing.stderr).toMatch(/server\.token: environment variable NOT_SET_ANYWHERE/);

    await h.writeConfig(serverConfig(port, `{ listen: 'gateway.example.com:${port}' }`));
    const named = await h.run(['config', 'validate']);
    expect(named.stdout + named.stderr).toMatch(/server\.listen: must be address:port/);
  });

  it('answers only requests addressed to a loopback name when it has no token (DNS rebinding)', async () => {
    const { port } = await startWithServer("{ listen: '127.0.0.1:PORT' }");
    const evil = await raw(port, 'GET /status HTTP/1.1\r\nHost: attacker.example.com\r\nConnection: close\r\n\r\n');
    expect(evil.text).toMatch(/^HTTP\/1\.1 403/);
    expect(evil.text).not.toContain('"checks"');
    const local = await raw(port, `GET /healthz HTTP/1.1\r\nHost: localhost:${port}\r\nConnection: close\r\n\r\n`);
    expect(local.text).toMatch(/^HTTP\/1\.1 200/);
  });

  it('a listen address that is taken: named with its holder, monitoring goes on, and the server comes up once it is free', async () => {
    const port = await freePort();
    blocker = createServer();
    await new Promise<void>((r) => blocker!.listen(port, '127.0.0.1', r));
    await h.writeConfig(serverConfig(port, `{ listen: '127.0.0.1:${port}' }`));
    const agent = h.spawnAgent();
    await waitFor('the error', () => (/HTTP server cannot start/.test(agent.output()) ? true : undefined));
    expect(agent.output()).toContain(`127.0.0.1:${port} is already in use by pid ${process.pid}`);
    // The checks run, and clawmedic.self says it.
    await waitFor('results recorded', async () => ((await h.readState()).checks['gateway.http']?.window.length >= 3 ? true : undefined));
    await waitFor('the self check names it', async () => (/HTTP server cannot start/.test((await h.readState()).checks['clawmedic.self']?.last?.result.summary ?? '') ? true : undefined));
    expect(agent.child.exitCode).toBeNull();

    await new Promise((r) => blocker!.close(r));
    blocker = undefined;
    await waitFor('the server on its retry', async () => ((await get(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.status === 200 ? true : undefined), 25_000);
  }, 45_000);

  it('malformed, oversized and slow requests get an answer and their connection closed; the server goes on', async () => {
    const { port, base } = await startWithServer("{ listen: '127.0.0.1:PORT' }");
    const host = `Host: 127.0.0.1:${port}\r\n`;
    expect((await raw(port, 'NOT HTTP AT ALL\r\n\r\n')).text).toMatch(/^HTTP\/1\.1 400/);
    expect((await raw(port, `POST /status HTTP/1.1\r\n${host}Connection: close\r\nContent-Length: 2\r\n\r\n{}`)).text).toMatch(/^HTTP\/1\.1 405[^]*allow: GET, HEAD/i);
    expect((await raw(port, `GET /status HTTP/1.1\r\n${host}Content-Length: 5\r\n\r\nhello`)).text).toMatch(/^HTTP\/1\.1 413/);
    expect((await raw(port, `GET /status HTTP/1.1\r\n${host}X-Big: ${'a'.repeat(20_000)}\r\n\r\n`)).text).toMatch(/^HTTP\/1\.1 431/);
    expect((await raw(port, `GET /${'a'.repeat(3_000)} HTTP/1.1\r\n${host}Connection: close\r\n\r\n`)).text).toMatch(/^HTTP\/1\.1 414/);
    // Headers that never end: cut off by the headers timeout (5 s), not held forever.
    const slow = await raw(port, `GET /status HTTP/1.1\r\n${host}`, { waitMs: 12_000 });
    expect(slow.closedAfterMs).toBeLessThan(9_000);
    expect(slow.text).toMatch(/^HTTP\/1\.1 408/);
    expect((await get(`${base}/healthz`)).status).toBe(200);
  }, 30_000);
});
