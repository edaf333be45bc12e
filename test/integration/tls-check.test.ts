// The tls check with certificates made by openssl in the test (root CA, intermediate, leaves with any
// validity) served by HTTPS servers on 127.0.0.1, and as the gateway's own certificate files.
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tlsCheck } from '../../checks/tls.ts';
import { makeTestPki, type Issued, type TestPki } from '../fixtures/test-pki.ts';
import { freePort, startFakeGateway, stopAllChildren, testContext } from '../fixtures/gateway-harness.ts';
import { makeTempDir } from '../fixtures/openclaw-cli-harness.ts';

// openssl makes the certificates: CI installs it (.ci/run); a machine without it fails here, saying so.
execFileSync('openssl', ['version'], { timeout: 10_000 });

let pki: TestPki;
let tmp: { dir: string; cleanup(): Promise<void> };
const servers: Server[] = [];
const certs: Record<string, Issued> = {};

beforeAll(async () => {
  pki = await makeTestPki();
  tmp = await makeTempDir('clawmedic-tls-');
  certs.valid = await pki.issue('valid');
  certs.soon = await pki.issue('soon', { toDays: 2 });
  certs.expired = await pki.issue('expired', { fromDays: -60, toDays: -1 });
  certs.future = await pki.issue('future', { fromDays: 2, toDays: 90 });
  certs.self = await pki.issue('self', { signer: 'self' });
  certs.other = await pki.issue('other', { names: ['DNS:other.example'] });
}, 60_000);
afterAll(async () => {
  await pki?.cleanup();
  await tmp?.cleanup();
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  await stopAllChildren();
});

/** An HTTPS server on 127.0.0.1 sending `chain` (leaf first). */
async function serve(cert: Issued, chain = cert.fullChain): Promise<string> {
  const server = createServer({ cert: chain, key: cert.key }, (_req, res) => res.end('ok'));
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `https://127.0.0.1:${(server.address() as { port: number }).port}/`;
}

async function run(openclawJson: string, options: Record<string, unknown> = {}, port = 18789) {
  const dir = join(tmp.dir, String(Math.random()).slice(2));
  await mkdir(dir);
  await writeFile(join(dir, 'openclaw.json'), openclawJson);
  const ctx = testContext({ port, timeoutMs: 30_000, options: { caFile: pki.root.certPath, timeoutMs: 3_000, ...options }, target: { openclawConfigPath: join(dir, 'openclaw.json'), openclawStateDir: dir } });
  return tlsCheck.run(ctx);
}
const endpoint = async (cert: Issued, chain?: string) => run('{ gateway: { mode: "local" } }', { endpoints: [await serve(cert, chain)] });

describe('tls check: HTTPS endpoints, judged the way Node verifies them', () => {
  it('a valid chain from the test CA is OK with the days left', async () => {
    const r = await endpoint(certs.valid!);
    expect(r.status).toBe('ok');
    expect(r.summary).toMatch(/^TLS fine for 127\.0\.0\.1:\d+; the soonest expires in (89|90) days$/);
  });

  it('expiring in 2 days is CRIT (under critDays 3), and a WARN with critDays 1', async () => {
    const r = await endpoint(certs.soon!);
    expect(r.status).toBe('crit');
    expect(r.summary).toMatch(/127\.0\.0\.1:\d+ \(checks\.tls\.options\.endpoints\): the certificate expires in 47 h \(\d{4}-\d\d-\d\d\)/);
    expect((await run('{}', { critDays: 1, endpoints: [await serve(certs.soon!)] })).status).toBe('warn');
  });

  it('expired, self-signed, wrong host, missing intermediate: each CRIT in its own words', async () => {
    expect((await endpoint(certs.expired!)).summary).toMatch(/the certificate expired on \d{4}-\d\d-\d\d \(24 h ago\)/);
    const self = await endpoint(certs.self!);
    expect(self.status).toBe('crit');
    expect(self.summary).toContain('Node rejects the certificate: the certificate is self-signed');
    expect(self.remedy).toContain('NODE_EXTRA_CA_CERTS');
    const wrongHost = await endpoint(certs.other!);
    expect(wrongHost.status).toBe('crit');
    expect(wrongHost.summary).toContain('the certificate is for another host (DNS:other.example)');
    const noIntermediate = await endpoint(certs.valid!, certs.valid!.cert);
    expect(noIntermediate.status).toBe('crit');
    expect(noIntermediate.summary).toContain('the chain is incomplete: the intermediate certificate is missing');
  });

  it('not valid yet is a clock question', async () => {
    const r = await endpoint(certs.future!);
    expect(r.status).toBe('crit');
    expect(r.summary).toMatch(/the certificate is not valid until .* \(this host's clock says .*: is the clock right\?\)/);
    expect(r.remedy).toContain('timedatectl');
  });

  it('an HTTPS baseUrl of a provider in openclaw.json is checked without any request sent', async () => {
    let requests = 0;
    const url = await serve(certs.valid!);
    servers[0]!.on('request', () => requests++);
    const r = await run(`{ models: { providers: { local: { baseUrl: "${url}v1" } } } }`);
    expect(r.status).toBe('ok');
    expect((r.details as { endpoints: Array<{ source: string }> }).endpoints[0]!.source).toBe('models.providers.local.baseUrl');
    expect(requests).toBe(0);
  });

  it('an endpoint where nothing listens is a WARN, not a certificate verdict', async () => {
    const r = await run('{}', { endpoints: [`https://127.0.0.1:${await freePort()}/`] });
    expect(r.status).toBe('warn');
    expect(r.summary).toMatch(/cannot reach it for a TLS handshake \(refused ECONNREFUSED\)/);
  });

  it('nothing configured: nothing to check', async () => {
    expect((await run('{ gateway: { mode: "local" } }')).summary).toBe('no TLS to check: the gateway serves no TLS and openclaw.json names no HTTPS endpoint');
  });
});

describe("tls check: the gateway's own certificate files", () => {
  const gatewayTls = (cert: string, key: string, extra = '') => `{ gateway: { tls: { enabled: true, certPath: "${cert}", keyPath: "${key}"${extra} } } }`;
  const chainFile = async (name: string, text: string) => {
    const path = join(tmp.dir, name);
    await writeFile(path, text);
    return path;
  };

  it('a full chain with its key is OK; without the intermediate it is a WARN naming the issuer', async () => {
    const full = await chainFile('full.pem', certs.valid!.fullChain);
    expect((await run(gatewayTls(full, certs.valid!.keyPath), { caFile: pki.root.certPath })).status).toBe('ok');
    const r = await run(gatewayTls(certs.valid!.certPath, certs.valid!.keyPath));
    expect(r.status).toBe('warn');
    expect(r.summary).toContain('the chain is incomplete: the issuer CN=intermediate is neither in the file nor trusted (missing intermediate)');
  });

  it('a key that does not belong to the certificate is CRIT', async () => {
    const r = await run(gatewayTls(certs.valid!.certPath, certs.expired!.keyPath));
    expect(r.status).toBe('crit');
    expect(r.summary).toContain('the private key does not belong to the certificate (key values mismatch)');
  });

  it('expired, expiring and not yet valid files', async () => {
    expect(await run(gatewayTls(await chainFile('exp.pem', certs.expired!.fullChain), certs.expired!.keyPath))).toMatchObject({ status: 'crit', summary: expect.stringContaining('the certificate expired on') });
    expect(await run(gatewayTls(await chainFile('soon.pem', certs.soon!.fullChain), certs.soon!.keyPath), { warnDays: 14, critDays: 1 })).toMatchObject({ status: 'warn', summary: expect.stringMatching(/expires in 47 h/) });
    expect((await run(gatewayTls(await chainFile('fut.pem', certs.future!.fullChain), certs.future!.keyPath))).summary).toContain('is the clock right?');
  });

  it('a self-signed gateway certificate is OK with a note; a file that is not PEM is a named WARN', async () => {
    const self = await run(gatewayTls(certs.self!.certPath, certs.self!.keyPath));
    expect(self.status).toBe('ok');
    expect(self.summary).toContain('the gateway certificate is self-signed');
    const der = await chainFile('cert.der', '');
    execFileSync('openssl', ['x509', '-in', certs.valid!.certPath, '-outform', 'der', '-out', der], { timeout: 10_000 });
    const r = await run(gatewayTls(der, certs.valid!.keyPath));
    expect(r.status).toBe('warn');
    expect(r.summary).toMatch(/cert\.der is not PEM \(no "-----BEGIN CERTIFICATE-----" block; it looks like DER/);
    const junk = await chainFile('junk.pem', 'hello\n');
    expect((await run(gatewayTls(junk, certs.valid!.keyPath))).summary).toMatch(/junk\.pem is not PEM/);
  });

  it('TLS on with no files yet: they are generated at the next start; only one of the pair: CRIT', async () => {
    const none = await run('{ gateway: { tls: { enabled: true } } }');
    expect(none).toMatchObject({ status: 'ok', summary: expect.stringContaining('does not exist yet: the gateway generates a self-signed pair at its next start') });
    const half = await run(gatewayTls(join(tmp.dir, 'absent.pem'), certs.valid!.keyPath));
    expect(half.status).toBe('crit');
    expect(half.summary).toMatch(/cannot read the gateway's certificate .*absent\.pem: no such file or directory \(ENOENT\)/);
  });
});

describe("tls check: the gateway's environment", () => {
  it('NODE_TLS_REJECT_UNAUTHORIZED=0 in the environment of the process on the gateway port is a WARN (the value is a setting, shown)', async () => {
    const gw = await startFakeGateway({ env: { NODE_TLS_REJECT_UNAUTHORIZED: '0', CM_H4_SECRET_VALUE: 'do-not-print-me-4242' } });
    const r = await run('{ gateway: { mode: "local" } }', {}, gw.port);
    expect(r.status).toBe('warn');
    expect(r.summary).toMatch(new RegExp(`^NODE_TLS_REJECT_UNAUTHORIZED=0 is set in the gateway's environment \\(pid ${gw.pid} \\(openclaw-gateway\\)\\)`));
    expect(JSON.stringify(r)).not.toContain('do-not-print-me-4242');
    const clean = await startFakeGateway();
    expect((await run('{ gateway: { mode: "local" } }', {}, clean.port)).status).toBe('ok');
  });
});
