// The firewall check with stand-ins for ufw, nft and iptables-save (small executables that print the real
// tools' captured outputs, test/fixtures/firewall/), found through checks.firewall.options.toolDirs.
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { firewallCheck } from '../../checks/firewall.ts';
import { freePort, startFakeGateway, stopAllChildren, testContext } from '../fixtures/gateway-harness.ts';
import { makeTempDir } from '../fixtures/openclaw-cli-harness.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/firewall/', import.meta.url));
let tmp: { dir: string; cleanup(): Promise<void> };
let n = 0;

beforeAll(async () => {
  tmp = await makeTempDir('clawmedic-firewall-');
});
afterAll(async () => {
  await tmp?.cleanup();
});
afterEach(async () => {
  await stopAllChildren();
});

type Tool = 'ufw' | 'nft' | 'iptables-save';
/** What a stand-in does: print a fixture (exit 0), print a fixture on stderr with an exit code, or never answer. */
type Fake = { stdout: string } | { stderr: string; code: number } | 'hang' | { text: string };

/** A directory of stand-in tools; each logs its run into ran.log. */
async function tools(spec: Partial<Record<Tool, Fake>>): Promise<{ dir: string; ran: () => Promise<string[]> }> {
  const dir = join(tmp.dir, `tools-${n++}`);
  await mkdir(dir);
  const log = join(dir, 'ran.log');
  for (const [tool, fake] of Object.entries(spec) as Array<[Tool, Fake]>) {
    const body =
      fake === 'hang'
        ? 'setInterval(() => {}, 1e6);'
        : 'stdout' in fake
          ? `process.stdout.write(fs.readFileSync(${JSON.stringify(join(FIXTURES, fake.stdout))}));`
          : 'text' in fake
            ? `process.stdout.write(${JSON.stringify(fake.text)});`
            : `process.stderr.write(fs.readFileSync(${JSON.stringify(join(FIXTURES, fake.stderr))})); process.exitCode = ${fake.code};`;
    const file = join(dir, tool);
    await writeFile(file, `#!/usr/bin/env node\nconst fs = require('node:fs');\nfs.appendFileSync(${JSON.stringify(log)}, ${JSON.stringify(tool)} + ' ' + process.argv.slice(2).join(' ') + '\\n');\n${body}\n`);
    await chmod(file, 0o755);
  }
  return { dir, ran: async () => (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean) };
}

async function run(toolDir: string, openclawJson: string, port?: number, options: Record<string, unknown> = {}) {
  const dir = join(tmp.dir, `cfg-${n++}`);
  await mkdir(dir);
  await writeFile(join(dir, 'openclaw.json'), openclawJson);
  const ctx = testContext({ port: port ?? (await freePort()), timeoutMs: 20_000, options: { toolDirs: [toolDir], timeoutMs: 2_000, ...options }, target: { openclawConfigPath: join(dir, 'openclaw.json'), openclawStateDir: dir } });
  return firewallCheck.run(ctx);
}
const LAN = '{ gateway: { mode: "local", bind: "lan" } }';

describe('firewall check', () => {
  it('a gateway bound to loopback needs no rule: no tool is even run', async () => {
    const t = await tools({ ufw: { stdout: 'ufw-active-ssh-only-verbose.txt' } });
    const r = await run(t.dir, '{ gateway: { mode: "local" } }');
    expect(r).toMatchObject({ status: 'ok', summary: expect.stringMatching(/^the gateway binds loopback only \(gateway\.bind loopback\): no firewall rule is needed for port \d+$/) });
    expect(await t.ran()).toEqual([]);
  });

  it('what the gateway listens on wins over gateway.bind: bind lan but a loopback listener is loopback only', async () => {
    const gw = await startFakeGateway();
    const t = await tools({ ufw: { stdout: 'ufw-active-ssh-only-verbose.txt' } });
    const r = await run(t.dir, LAN, gw.port);
    expect(r.summary).toMatch(/^the gateway binds loopback only \(gateway\.bind lan; listening on 127\.0\.0\.1\)/);
  });

  it('ufw active with a deny default and only ssh allowed: WARN naming ufw and the default, read-only commands only', async () => {
    const t = await tools({ ufw: { stdout: 'ufw-active-ssh-only-verbose.txt' }, nft: { stdout: 'nft-drop-ssh-only.json' } });
    const r = await run(t.dir, LAN, 18789);
    expect(r.status).toBe('warn');
    expect(r.summary).toBe('ufw blocks port 18789/tcp (gateway.bind lan, port 18789): ufw default incoming policy drop');
    expect(r.remedy).toContain('ufw allow from <your network> to any port 18789 proto tcp');
    expect(await t.ran()).toEqual(['ufw status verbose', 'nft -j list ruleset']);
  });

  it('ufw inactive: nft decides (the port in an accept set is OK)', async () => {
    const t = await tools({ ufw: { stdout: 'ufw-inactive.txt' }, nft: { stdout: 'nft-drop-gateway-allowed.json' } });
    const r = await run(t.dir, LAN, 18789);
    expect(r).toMatchObject({ status: 'ok', summary: 'nft lets port 18789/tcp in (gateway.bind lan, port 18789): tcp dport { 8443, 18789 } accept (nft inet filter input)' });
  });

  it('only iptables-save readable: its DROP policy blocks the port', async () => {
    const t = await tools({ 'iptables-save': { stdout: 'iptables-drop-ssh-only.txt' } });
    const r = await run(t.dir, LAN, 18789);
    expect(r).toMatchObject({ status: 'warn', summary: 'iptables-save blocks port 18789/tcp (gateway.bind lan, port 18789): iptables INPUT policy drop' });
  });

  it('ufw allowing the port from a network only is OK, saying so', async () => {
    const t = await tools({ ufw: { stdout: 'ufw-active-gateway-from-lan.txt' } });
    const r = await run(t.dir, LAN, 18789);
    expect(r.status).toBe('ok');
    expect(r.summary).toMatch(/^ufw lets port 18789\/tcp in from some sources only .*18789\/tcp ALLOW 10\.0\.0\.0\/8/);
  });

  it('tools present but filtering nothing: the port is open to the network (OK, said)', async () => {
    const t = await tools({ ufw: { stdout: 'ufw-inactive.txt' }, nft: { stdout: 'nft-empty.json' }, 'iptables-save': { text: '' } });
    expect((await run(t.dir, LAN, 18789)).summary).toMatch(/^no firewall filters incoming traffic \(ufw inactive; nft: no input chain; iptables: no INPUT rules\): port 18789 is open/);
  });

  it('no tool installed: "cannot tell" (UNKNOWN), each one named', async () => {
    const t = await tools({});
    const r = await run(t.dir, LAN, 18789);
    expect(r.status).toBe('unknown');
    expect(r.summary).toBe('cannot tell whether the firewall lets port 18789 in (gateway.bind lan, port 18789): ufw not installed; nft not installed; iptables-save not installed');
  });

  it('every tool denied (not root): UNKNOWN quoting each refusal, remedy says root is needed', async () => {
    const t = await tools({ ufw: { stderr: 'ufw-denied.stderr.txt', code: 1 }, nft: { stderr: 'nft-denied.stderr.txt', code: 1 }, 'iptables-save': { stderr: 'iptables-denied.stderr.txt', code: 4 } });
    const r = await run(t.dir, LAN, 18789);
    expect(r.status).toBe('unknown');
    expect(r.summary).toContain('ufw: permission denied ("ERROR: You need to be root to run this script")');
    expect(r.summary).toContain('nft: permission denied ("Operation not permitted (you must be root)")');
    expect(r.summary).toContain('iptables-save: permission denied');
    expect(r.remedy).toMatch(/needs root/);
  });

  it('a tool that hangs is killed at its deadline; garbage is named', async () => {
    const t = await tools({ ufw: 'hang', nft: { text: '<<not json>>' } });
    const started = Date.now();
    const r = await run(t.dir, LAN, 18789, { timeoutMs: 300 });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(r.status).toBe('unknown');
    expect(r.summary).toContain('ufw: no answer within 300 ms (killed)');
    expect(r.summary).toContain('nft: nft printed something that is not JSON');
  });

  it('options are validated', () => {
    expect(firewallCheck.optionsSchema!.safeParse({ toolDirs: ['relative/dir'] }).success).toBe(false);
    expect(existsSync(FIXTURES)).toBe(true);
  });
});
