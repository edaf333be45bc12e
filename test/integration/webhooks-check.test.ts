// The webhooks check against HTTPS servers on 127.0.0.1 (certificates from a test CA made by openssl),
// their names resolved by a DNS responder on 127.0.0.1. The servers record every request: the check may
// only ever send a GET or HEAD without a body or the channel's secret header.
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { webhooksCheck } from '../../checks/webhooks.ts';
import { startDnsServer, type DnsServer } from '../fixtures/dns-server.ts';
import { freePort, testContext } from '../fixtures/gateway-harness.ts';
import { makeTempDir } from '../fixtures/openclaw-cli-harness.ts';
import { makeTestPki, type Issued, type TestPki } from '../fixtures/test-pki.ts';

execFileSync('openssl', ['version'], { timeout: 10_000 });

const HOST = 'hook.example.test';
let pki: TestPki;
let dns: DnsServer;
let tmp: { dir: string; cleanup(): Promise<void> };
const servers: Server[] = [];
const certs: Record<string, Issued> = {};
let n = 0;

interface Seen {
  method: string;
  url: string;
  bodyBytes: number;
  secretHeader: boolean;
}

beforeAll(async () => {
  pki = await makeTestPki();
  tmp = await makeTempDir('clawmedic-webhooks-');
  const names = [`DNS:${HOST}`];
  certs.valid = await pki.issue('hook', { names });
  certs.soon = await pki.issue('hook-soon', { names, toDays: 2 });
  certs.expired = await pki.issue('hook-expired', { names, fromDays: -30, toDays: -1 });
  certs.self = await pki.issue('hook-self', { names, signer: 'self' });
  dns = await startDnsServer({ [HOST]: { a: ['127.0.0.1'] } });
}, 60_000);
afterAll(async () => {
  await dns?.close();
  await pki?.cleanup();
  await tmp?.cleanup();
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** OpenClaw's Telegram listener as dist/monitor-webhook.runtime has it: anything but POST to the path is 404, empty. */
const openclawListener = (req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(req.url === '/healthz' ? 200 : 404);
  res.end(req.url === '/healthz' ? 'ok' : undefined);
};

async function serve(cert: Issued, handler: (req: IncomingMessage, res: ServerResponse) => void = openclawListener): Promise<{ port: number; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer({ cert: cert.fullChain, key: cert.key }, (req, res) => {
    let bodyBytes = 0;
    req.on('data', (c: Buffer) => (bodyBytes += c.length));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', bodyBytes, secretHeader: 'x-telegram-bot-api-secret-token' in req.headers });
      handler(req, res);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as { port: number }).port, seen };
}

async function run(openclawJson: string, options: Record<string, unknown> = {}) {
  const dir = join(tmp.dir, `state-${n++}`);
  await mkdir(dir);
  await writeFile(join(dir, 'openclaw.json'), openclawJson);
  const ctx = testContext({ port: 18789, timeoutMs: 30_000, options: { servers: [dns.address], caFile: pki.root.certPath, timeoutMs: 2_000, logFile: join(dir, 'no-log.log'), ...options }, target: { openclawConfigPath: join(dir, 'openclaw.json'), openclawStateDir: dir } });
  return webhooksCheck.run(ctx);
}
const telegram = (url: string, extra = '') => `{ channels: { telegram: { webhookUrl: "${url}", webhookSecret: "s3cret-header-value"${extra} } } }`;

describe('webhooks check', () => {
  it("OpenClaw's listener behind the URL: 404 to a GET is the expected answer; exactly one GET, no body, no secret header", async () => {
    const { port, seen } = await serve(certs.valid!);
    const r = await run(telegram(`https://${HOST}:${port}/telegram-webhook`));
    expect(r.status).toBe('ok');
    expect(r.summary).toMatch(new RegExp(`^telegram webhook https://hook\\.example\\.test:${port}/telegram-webhook answers 404 in \\d+ ms, as expected \\(OpenClaw's Telegram listener answers anything but Telegram's POST with 404 and an empty body\\)$`));
    expect(seen).toEqual([{ method: 'GET', url: '/telegram-webhook', bodyBytes: 0, secretHeader: false }]);
    expect((r.details as { telegramTrap: string }).telegramTrap).toContain('#90254');
    expect(JSON.stringify(r)).not.toContain('s3cret-header-value');
  });

  it('HEAD when asked', async () => {
    const { port, seen } = await serve(certs.valid!);
    await run(telegram(`https://${HOST}:${port}/telegram-webhook`), { method: 'HEAD' });
    expect(seen.map((s) => s.method)).toEqual(['HEAD']);
  });

  it('a proxy answering 502 is CRIT; an HTML 404 (the proxy does not route the path) and a redirect are WARNs', async () => {
    const bad = await serve(certs.valid!, (_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html><body>502 Bad Gateway</body></html>');
    });
    const r502 = await run(telegram(`https://${HOST}:${bad.port}/telegram-webhook`));
    expect(r502.status).toBe('crit');
    expect(r502.summary).toContain("answers 502: the proxy in front cannot reach the gateway's webhook listener");
    expect(r502.remedy).toContain('127.0.0.1:8787');
    const html = await serve(certs.valid!, (_req, res) => {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<!DOCTYPE html><html><body>nginx 404</body></html>');
    });
    expect((await run(telegram(`https://${HOST}:${html.port}/telegram-webhook`))).summary).toContain("answers an HTML 404: the proxy does not route this path to OpenClaw's listener");
    const redirect = await serve(certs.valid!, (_req, res) => {
      res.writeHead(301, { location: `https://${HOST}/elsewhere?token=abc` });
      res.end();
    });
    const r301 = await run(telegram(`https://${HOST}:${redirect.port}/telegram-webhook`));
    expect(r301.status).toBe('warn');
    expect(r301.summary).toContain(`redirects (301 to https://${HOST}/elsewhere): webhook senders do not follow redirects`);
  });

  it('a name that does not resolve, or nothing listening: CRIT, named', async () => {
    const nx = await run(telegram('https://nowhere.example.test/telegram-webhook'));
    expect(nx).toMatchObject({ status: 'crit', summary: 'telegram webhook https://nowhere.example.test/telegram-webhook does not resolve: nowhere.example.test does not exist (NXDOMAIN)' });
    const port = await freePort();
    const refused = await run(telegram(`https://${HOST}:${port}/telegram-webhook`));
    expect(refused.status).toBe('crit');
    expect(refused.summary).toContain(`is not reachable: connection refused (127.0.0.1:${port})`);
    expect(refused.diagnosis).toContain('a private address');
  });

  it('certificates: expired is CRIT, expiring in 2 days is CRIT, self-signed is CRIT unless uploaded (webhookCertPath)', async () => {
    const expired = await serve(certs.expired!);
    expect((await run(telegram(`https://${HOST}:${expired.port}/telegram-webhook`))).summary).toContain('the certificate is refused: the certificate has expired');
    const soon = await serve(certs.soon!);
    expect(await run(telegram(`https://${HOST}:${soon.port}/telegram-webhook`))).toMatchObject({ status: 'crit', summary: expect.stringContaining('the certificate expires in 47 h') });
    const self = await serve(certs.self!);
    const url = `https://${HOST}:${self.port}/telegram-webhook`;
    expect((await run(telegram(url))).summary).toContain('the certificate is refused: the certificate is self-signed');
    const uploaded = await run(telegram(url, `, webhookCertPath: "${certs.self!.certPath}"`));
    expect(uploaded.status).toBe('ok');
    expect(uploaded.diagnosis).toContain('self-signed certificate, uploaded to the channel');
  });

  it('a Telegram webhook over plain http is CRIT', async () => {
    const r = await run(telegram(`http://${HOST}:${await freePort()}/telegram-webhook`));
    expect(r.status).toBe('crit');
    expect(r.summary).toContain('is not HTTPS');
  });

  it("Telegram's trap: a webhook set while the gateway log shows polling is a WARN naming #90254", async () => {
    const { port } = await serve(certs.valid!);
    const log = join(tmp.dir, 'openclaw-trap.log');
    await writeFile(log, `${JSON.stringify({ time: new Date().toISOString(), message: '[telegram] Polling stall detected (no completed getUpdates for 105.92s); forcing restart.' })}\n`);
    const r = await run(telegram(`https://${HOST}:${port}/telegram-webhook`), { logFile: log });
    expect(r.status).toBe('warn');
    expect(r.summary).toContain("but Telegram still polls");
    expect(r.summary).toContain('openclaw/openclaw#90254');
  });

  it('other channels and accounts: any answer is reachable; none configured is OK', async () => {
    const { port } = await serve(certs.valid!, (_req, res) => res.end('hello'));
    const r = await run(`{ channels: { line: { accounts: { shop: { webhookUrl: "https://${HOST}:${port}/line?sig=abc" } } } } }`);
    expect(r.status).toBe('ok');
    expect(r.summary).toMatch(new RegExp(`^line:shop webhook https://hook\\.example\\.test:${port}/line answers 200 in \\d+ ms \\(any HTTP answer`));
    expect(JSON.stringify(r)).not.toContain('sig=abc');
    expect((await run('{ channels: { telegram: { botToken: "x" } } }')).summary).toMatch(/^no channel webhook URL configured/);
  });
});
