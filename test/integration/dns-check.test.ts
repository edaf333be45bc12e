// The dns check against a real DNS responder on 127.0.0.1 (UDP), the Resolver pointed at it: answering,
// NXDOMAIN, SERVFAIL, no address record, and not answering at all.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dnsCheck } from '../../checks/dns.ts';
import { hostsFileAddresses, resolveHost } from '../../src/platform/dns-lookup.ts';
import { startDnsServer, type DnsServer } from '../fixtures/dns-server.ts';
import { freePort, testContext } from '../fixtures/gateway-harness.ts';

let dir: string;
let dns: DnsServer;

// Hosts this config implies: the custom provider's baseUrl, anthropic's default API, Telegram's bot API.
const OPENCLAW_JSON = `{
  gateway: { mode: "local" },
  models: { providers: { custom: { baseUrl: "https://llm.example.test/v1", apiKey: "\${CUSTOM_KEY}" } } },
  agents: { defaults: { model: { primary: "anthropic/claude-sonnet-4-6" } } },
  channels: { telegram: { enabled: true } },
}`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clawmedic-dns-'));
  await writeFile(join(dir, 'openclaw.json'), OPENCLAW_JSON);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await dns?.close();
});

const everyoneAnswers = () =>
  startDnsServer({
    'llm.example.test': { a: ['192.0.2.10'] },
    'api.anthropic.com': { a: ['192.0.2.20'] },
    'api.telegram.org': { aaaa: ['2001:db8::1'] },
  });

function run(options: Record<string, unknown> = {}, configDir = dir) {
  const ctx = testContext({ port: 18789, timeoutMs: 20_000, options: { servers: [dns.address], timeoutMs: 500, ...options }, target: { openclawConfigPath: join(configDir, 'openclaw.json'), openclawStateDir: configDir } });
  return dnsCheck.run(ctx);
}

describe('dns check', () => {
  it('resolves every host openclaw.json implies and names the resolver', async () => {
    dns = await everyoneAnswers();
    const r = await run();
    expect(r.status).toBe('ok');
    expect(r.summary).toBe(`3 hosts resolve (slowest ${r.metrics!.maxMs} ms); resolver ${dns.address} (checks.dns.options.servers)`);
    expect(r.metrics).toMatchObject({ hosts: 3, failed: 0 });
    // AAAA is asked only where there is no A record.
    expect(dns.queries.filter((q) => q.type === 'AAAA').map((q) => q.name)).toEqual(['api.telegram.org']);
    expect((r.details as { lookups: unknown[] }).lookups).toContainEqual(expect.objectContaining({ host: 'llm.example.test', source: 'models.providers.custom.baseUrl', addresses: ['192.0.2.10'] }));
  });

  it('names the one host that does not exist (NXDOMAIN), where it comes from, and calls it CRIT', async () => {
    dns = await everyoneAnswers();
    dns.set('llm.example.test', { rcode: 'NXDOMAIN' });
    const r = await run();
    expect(r.status).toBe('crit');
    expect(r.summary).toMatch(/^1 of 3 hosts do not resolve: llm\.example\.test does not exist \(NXDOMAIN\) \(models\.providers\.custom\.baseUrl, \d+ ms\); resolver 127\.0\.0\.1:\d+/);
    expect(r.remedy).toContain('models.providers.custom.baseUrl');
    expect(r.diagnosis).toContain('DNS itself works');
  });

  it('SERVFAIL or no address record for one host: SERVFAIL is a WARN, NODATA is named', async () => {
    dns = await everyoneAnswers();
    dns.set('api.telegram.org', { rcode: 'SERVFAIL' });
    const servfail = await run();
    expect(servfail.status).toBe('warn');
    expect(servfail.summary).toContain('api.telegram.org the resolver failed (SERVFAIL)');
    dns.set('api.telegram.org', { a: [] });
    const nodata = await run();
    expect(nodata.status).toBe('crit');
    expect(nodata.summary).toContain('api.telegram.org has no address record (NODATA)');
  });

  it('tells "no DNS at all" when the resolver does not answer, within the lookup timeout', async () => {
    dns = await everyoneAnswers();
    dns.fallback({ silent: true });
    for (const name of ['llm.example.test', 'api.anthropic.com', 'api.telegram.org']) dns.set(name, { silent: true });
    const started = Date.now();
    const r = await run({ timeoutMs: 300 });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(r.status).toBe('crit');
    expect(r.summary).toMatch(/^no DNS: none of 3 hosts resolved \(no answer from the resolver \(timeout\)\); resolver 127\.0\.0\.1:\d+/);
    expect(r.remedy).toContain('getent hosts');
  });

  it('a resolver address where nothing listens is no DNS at all too', async () => {
    dns = await everyoneAnswers();
    const r = await run({ servers: [`127.0.0.1:${await freePort()}`], timeoutMs: 300 });
    expect(r.status).toBe('crit');
    expect(r.summary).toMatch(/^no DNS: none of 3 hosts resolved/);
  });

  it('a slow answer is a WARN naming the host', async () => {
    dns = await everyoneAnswers();
    dns.set('api.anthropic.com', { a: ['192.0.2.20'], delayMs: 250 });
    const r = await run({ slowMs: 100, timeoutMs: 2_000 });
    expect(r.status).toBe('warn');
    expect(r.summary).toMatch(/^DNS is slow: api\.anthropic\.com \d+ ms \(over 100 ms\)/);
  });

  it('an install with no provider or channel has nothing to resolve; extra hosts are resolved', async () => {
    dns = await everyoneAnswers();
    const empty = await mkdtemp(join(tmpdir(), 'clawmedic-dns-empty-'));
    try {
      await writeFile(join(empty, 'openclaw.json'), '{ gateway: { mode: "local", auth: { mode: "token" } } }');
      expect((await run({}, empty)).summary).toMatch(/^no host to resolve: openclaw\.json names no model provider or channel/);
      const extra = await run({ extraHosts: ['llm.example.test'] }, empty);
      expect(extra).toMatchObject({ status: 'ok', metrics: { hosts: 1 } });
      // No openclaw.json at all: OpenClaw's defaults, nothing configured.
      expect((await run({}, join(empty, 'nowhere'))).status).toBe('ok');
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('an openclaw.json that does not parse is UNKNOWN and says so; a bad option is named', async () => {
    dns = await everyoneAnswers();
    const broken = await mkdtemp(join(tmpdir(), 'clawmedic-dns-broken-'));
    try {
      await writeFile(join(broken, 'openclaw.json'), '{ gateway: { mode: "local", ');
      const r = await run({}, broken);
      expect(r.status).toBe('unknown');
      expect(r.summary).toMatch(/^cannot tell which hosts to resolve: .*does not parse as JSON5/);
      expect((await run({ timeoutMs: 'soon' })).summary).toMatch(/^invalid option timeoutMs: /);
      expect(dnsCheck.optionsSchema!.safeParse({ extraHosts: ['not a host!'] }).success).toBe(false);
    } finally {
      await rm(broken, { recursive: true, force: true });
    }
  });
});

describe('resolveHost', () => {
  it('answers an IP literal without a query, and finds a name pinned in a hosts file when DNS fails', async () => {
    dns = await startDnsServer();
    expect(await resolveHost('192.0.2.7', { servers: [dns.address], timeoutMs: 300 })).toMatchObject({ ok: true, via: 'literal' });
    const hosts = join(dir, 'hosts');
    await writeFile(hosts, '127.0.0.1 localhost\n# comment\n192.0.2.55  pinned.example.test other # trailing\n');
    expect(await hostsFileAddresses('PINNED.example.test', hosts)).toEqual(['192.0.2.55']);
    expect(await resolveHost('pinned.example.test', { servers: [dns.address], timeoutMs: 300, hostsFile: hosts })).toMatchObject({ ok: true, addresses: ['192.0.2.55'], via: 'hosts' });
    expect(await resolveHost('nothere.example.test', { servers: [dns.address], timeoutMs: 300, hostsFile: hosts })).toMatchObject({ ok: false, kind: 'nxdomain', code: 'ENOTFOUND' });
    expect(dns.queries.map((q) => q.name)).not.toContain('192.0.2.7');
  });

  it('an abort ends a lookup the resolver never answers', async () => {
    dns = await startDnsServer();
    dns.fallback({ silent: true });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const started = Date.now();
    const r = await resolveHost('hang.example.test', { servers: [dns.address], timeoutMs: 5_000, signal: ac.signal });
    expect(r).toMatchObject({ ok: false, kind: 'aborted' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
