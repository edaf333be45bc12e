// Older OpenClaw releases, as the fake gateway and the fake CLI answer like them (from the captures in
// test/fixtures/openclaw-samples/versions/): a healthy old gateway is never a false alarm, a failing channel
// is never hidden, and what a release lacks is said plainly once.
import { chmod, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { configCheck } from '../../checks/config.ts';
import { doctorCheck } from '../../checks/doctor.ts';
import { gatewayHttpCheck } from '../../checks/gateway-http.ts';
import { gatewayPortCheck } from '../../checks/gateway-port.ts';
import type { CheckResult, OpenclawCli } from '../../src/contracts.ts';
import { OpenclawVersions } from '../../src/platform/openclaw-version-cache.ts';
import { expectExplained as expectHelpful, startFakeGateway, stopAllChildren, testContext, type FakeGatewayOptions } from '../fixtures/gateway-harness.ts';
import { FAKE_OPENCLAW_SCRIPT, installFakeOpenclaw, makeCheckContext, makeTempDir, type FakeOpenclaw } from '../fixtures/openclaw-cli-harness.ts';

const TOKEN = 'gw-token-5f2c9a7e1b';
const onLinux = process.platform === 'linux';
const expectExplained = (r: CheckResult) => expectHelpful(r, TOKEN);

const fakes: FakeOpenclaw[] = [];
async function cliLike(version: string, layout: 'package' | 'bare' = 'package', vars: Record<string, string> = {}): Promise<{ fake: FakeOpenclaw; cli: OpenclawCli }> {
  const fake = await installFakeOpenclaw({ version, layout });
  fakes.push(fake);
  return { fake, cli: fake.cli(vars) };
}
afterAll(async () => {
  await Promise.all(fakes.map((f) => f.cleanup()));
});
afterEach(stopAllChildren);

async function probe(gw: FakeGatewayOptions, cli?: OpenclawCli, versions?: OpenclawVersions) {
  const g = await startFakeGateway(gw);
  const ctx = testContext({ port: g.port, token: TOKEN, ...(cli ? { openclaw: cli } : {}), ...(versions ? { openclawVersions: versions } : {}) });
  const [http, port] = [await gatewayHttpCheck.run(ctx), await gatewayPortCheck.run(ctx)];
  return { g, http, port };
}

/** Never what the issue saw on healthy old gateways: a CRIT, a port conflict, or advice to kill OpenClaw. */
function expectNoFalseAlarm(...results: CheckResult[]): void {
  for (const r of results) {
    expect(r.status, r.summary).not.toBe('crit');
    expect(JSON.stringify(r)).not.toMatch(/port conflict|kill -(TERM|KILL)/);
  }
}

describe('gateway.http and gateway.port on a gateway like 2026.7.1 (no /startupz)', () => {
  it('is ok when healthy, judged by /readyz alone, with the version from the installed CLI', async () => {
    const { cli } = await cliLike('2026.7.1');
    const { http, port } = await probe({ mode: 'up', version: '2026.7.1', uptimeMs: 60_000 }, cli);

    expect(http.status).toBe('ok');
    expect(http.summary).toMatch(/^gateway live and ready, by \/readyz alone \(v2026\.7\.1 per the installed CLI, up 1m/);
    expect(http.summary).toContain('no /startupz before OpenClaw 2026.8.2');
    expect(http.details).toMatchObject({ probes: 'no-startupz', openclaw: { version: '2026.7.1', source: 'package' } });
    expect(http.metrics?.uptimeMs).toBeGreaterThanOrEqual(60_000);
    expect(port.status).toBe('ok');
  });

  it('warns naming the failing channel: /readyz is never hidden behind the missing /startupz', async () => {
    const { cli } = await cliLike('2026.7.1');
    const { http } = await probe({ mode: 'readyz-failing', failing: ['telegram'], version: '2026.7.1' }, cli);

    expect(http.status).toBe('warn');
    expect(http.summary).toBe('gateway not ready: failing telegram');
    expect(http.diagnosis).toMatch(/^\/healthz is live, but \/readyz answered 503/);
    expect(http.remedy).toContain('openclaw channels logs --channel telegram');
    expectExplained(http);
  });

  it('reads starting and draining off /readyz; stuck starting is still crit, and no --force is offered', async () => {
    const starting = await probe({ mode: 'starting', version: '2026.7.1', uptimeMs: 1_000 });
    expect(starting.http.status).toBe('ok');
    expect(starting.http.summary).toMatch(/^gateway starting/);

    const stuck = await probe({ mode: 'starting', version: '2026.7.1', uptimeMs: 500_000 });
    expect(stuck.http.status).toBe('crit');
    expect(stuck.http.diagnosis).toContain('/readyz (this gateway has no /startupz) says "starting"');

    const draining = await probe({ mode: 'draining', version: '2026.7.1' });
    expect(draining.http.status).toBe('warn');
    expect(draining.http.summary).toMatch(/draining/);
    expect(draining.http.remedy).not.toContain('--force');
  });

  it('advises only commands the release has: no `doctor --lint` on 2026.5.7', async () => {
    const { cli } = await cliLike('2026.5.7');
    const { http } = await probe({ mode: 'readyz-failing', failing: ['state-database'], version: '2026.5.7', title: 'openclaw' }, cli);

    expect(http.status).toBe('warn');
    expect(http.summary).toBe('gateway not ready: failing state-database');
    expect(http.remedy).not.toContain('doctor --lint');
    expect(http.remedy).toContain('`openclaw doctor --non-interactive` (2026.5.7 has no read-only --lint');
  });

  it('says the gateway runs an older release than the installed CLI, without alarm', async () => {
    const { cli } = await cliLike('2026.9.6');
    const { http } = await probe({ mode: 'up', version: '2026.7.1' }, cli);

    expect(http.status).toBe('ok');
    expect(http.summary).toContain("an older release than the installed CLI's v2026.9.6: no /startupz");
  });
});

describe('gateway.http and gateway.port on a gateway like 2026.1.30 (HTML everywhere)', () => {
  it('is alive and never a port conflict; says it is too old for readiness probes and which release brings them', async () => {
    const { cli } = await cliLike('2026.1.30');
    const { g, http, port } = await probe({ mode: 'up', version: '2026.1.30' }, cli);

    expect(http.status).toBe('ok');
    expect(http.summary).toBe(
      `gateway alive (OpenClaw's Control UI answers on 127.0.0.1:${g.port}); readiness not checked: ` +
        'OpenClaw 2026.1.30 lacks the JSON probe endpoints /healthz and /readyz (first in 2026.5.7)',
    );
    expect(http.remedy).toMatch(/Upgrade OpenClaw to 2026\.5\.7 or newer/);
    expect(port.status).toBe('ok');
    if (onLinux) expect(port.summary).toContain(`held by openclaw-gateway (pid ${g.pid})`);
    expectNoFalseAlarm(http, port);
  });

  it('warns, with restart advice, when the installed CLI is new but the gateway still answers like 2026.1.x', async () => {
    const { cli } = await cliLike('2026.9.6');
    const { http, port } = await probe({ mode: 'up', version: '2026.1.30' }, cli);

    expect(http.status).toBe('warn');
    expect(http.summary).toContain('although the installed OpenClaw 2026.9.6 serves JSON probes');
    expect(http.remedy).toContain('openclaw gateway restart --json');
    expectNoFalseAlarm(http, port);
    expectExplained(http);
  });
});

describe('bad input: the version cannot be read', () => {
  it.each([
    ['prints nothing for --version', '', /`openclaw --version` printed nothing \(exit 0\)/],
    ['prints a version that does not parse', 'OpenClaw dev-build (0fa4e00)\n', /printed "OpenClaw dev-build \(0fa4e00\)", which is not a release version/],
  ])('a CLI that %s: a clear note and a warning, never crit', async (_what, output, note) => {
    const { cli } = await cliLike('2026.1.30', 'bare', { FAKE_OPENCLAW_VERSION_OUTPUT: output });
    const { http, port } = await probe({ mode: 'up', version: '2026.1.30' }, cli);

    expect(http.status).toBe('warn');
    expect(http.summary).toMatch(/readiness not checked: no JSON probe endpoints, and the OpenClaw version is unknown$/);
    expect(http.diagnosis).toMatch(note);
    expect(http.details).toMatchObject({ openclaw: { source: 'none', note: expect.stringMatching(note) } });
    expectNoFalseAlarm(http, port);
    expectExplained(http);
  });
});

describe('bad input: the endpoints change between two runs (a release replaced in place)', () => {
  it('warns once when endpoints vanish (9.6 -> 7.1 -> 1.30), notes an upgrade, and is ok again on the next run', async () => {
    const { cli } = await cliLike('2026.9.6');
    const versions = new OpenclawVersions({ cli: () => cli });

    const first = await probe({ mode: 'up', version: '2026.9.6' }, cli, versions);
    expect(first.http.status).toBe('ok');
    const port = first.g.port;
    await first.g.stop();

    const downgraded = await probe({ mode: 'up', version: '2026.7.1', port }, cli, versions);
    expect(downgraded.http.status).toBe('warn');
    expect(downgraded.http.summary).toBe('gateway answers, but probe endpoints changed since the last run');
    expect(downgraded.http.diagnosis).toContain('/healthz, /startupz and /readyz (v2026.9.6) then, /healthz and /readyz without /startupz now');
    expectNoFalseAlarm(downgraded.http, downgraded.port);
    // Known now: the next run judges it as what it is.
    const again = await gatewayHttpCheck.run(testContext({ port, token: TOKEN, openclaw: cli, openclawVersions: versions }));
    expect(again.status).toBe('ok');
    await downgraded.g.stop();

    const html = await probe({ mode: 'up', version: '2026.1.30', port }, cli, versions);
    expect(html.http.status).toBe('warn');
    expect(html.http.summary).toMatch(/probe endpoints changed: \/healthz now answers OpenClaw's Control UI page/);
    expectNoFalseAlarm(html.http, html.port);
    await html.g.stop();

    const upgraded = await probe({ mode: 'up', version: '2026.9.6', port }, cli, versions);
    expect(upgraded.http.status).toBe('ok');
    expect(upgraded.http.summary).toMatch(/^gateway live, started and ready \(v2026\.9\.6, .*\[probe endpoints changed since the last run \(no JSON probe endpoints then\)\]$/);
  });
});

describe('bad input: /startupz answers neither JSON nor the Control UI page', () => {
  it('warns, still judging /readyz, and names a failing channel first', async () => {
    const ok = await probe({ mode: 'up', startupzText: true });
    expect(ok.http.status).toBe('warn');
    expect(ok.http.summary).toBe('gateway answers, but /startupz answers text that is not JSON');
    expect(ok.http.diagnosis).toContain('readiness was judged from /readyz alone');

    const failing = await probe({ mode: 'readyz-failing', failing: ['discord'], startupzText: true });
    expect(failing.http.status).toBe('warn');
    expect(failing.http.summary).toBe('gateway not ready: failing discord [/startupz answers text that is not JSON]');
    expectNoFalseAlarm(ok.http, failing.http);
  });
});

describe('doctor and config on releases without their commands', () => {
  let tmp: { dir: string; cleanup(): Promise<void> };
  beforeAll(async () => {
    tmp = await makeTempDir('clawmedic-versions-');
  });
  afterAll(async () => {
    await tmp.cleanup();
  });

  it('doctor on 2026.5.7: ok, says plainly it lacks --lint and what to do, and never runs it', async () => {
    const { fake, cli } = await cliLike('2026.5.7');
    const r = await doctorCheck.run(makeCheckContext({ openclaw: cli }));

    expect(r.status).toBe('ok');
    expect(r.summary).toBe(
      'doctor skipped: OpenClaw 2026.5.7 lacks `doctor --lint` (first in 2026.6.11); upgrade OpenClaw (`openclaw update`) or set checks.doctor.enabled: false',
    );
    expect(r.remedy).toContain('enabled: false');
    expect(r.remedy).not.toContain('openclaw doctor --lint');
    expect(await fake.calls()).toEqual([]);
  });

  it('doctor with an unreadable version on a CLI without --lint: learns it from the rejection once, then stops spawning it', async () => {
    const { fake, cli } = await cliLike('2026.5.7', 'bare', { FAKE_OPENCLAW_VERSION_OUTPUT: 'OpenClaw custom-build\n' });
    const versions = new OpenclawVersions({ cli: () => cli });
    const ctx = () => ({ ...makeCheckContext({ openclaw: cli }), openclawVersions: versions });

    const first = await doctorCheck.run(ctx());
    const second = await doctorCheck.run(ctx());
    for (const r of [first, second]) {
      expect(r.status).toBe('ok');
      expect(r.summary).toMatch(/^doctor skipped: this OpenClaw lacks `doctor --lint` \(first in 2026\.6\.11\)/);
    }
    const argvs = (await fake.calls()).map((c) => c.argv?.join(' '));
    expect(argvs).toEqual(['--version', 'doctor --lint --json --severity-min error']);
    expect(versions.spawns).toBe(1);
  });

  it('doctor on 2026.7.1 reads its report without schemaVersion', async () => {
    const { cli } = await cliLike('2026.7.1');
    const r = await doctorCheck.run(makeCheckContext({ openclaw: cli, options: { minSeverity: 'warning' } }));
    expect(r.status).toBe('ok');
    expect(r.summary).toMatch(/^doctor --lint: no findings at or above warning/);
    expect(r.details).toMatchObject({ schemaVersion: undefined, openclaw: { version: '2026.7.1', source: 'package' } });
  });

  it('config on 2026.1.30: syntax only, ok, says why; a syntax error is still crit', async () => {
    const { fake, cli } = await cliLike('2026.1.30');
    const file = path.join(tmp.dir, 'openclaw.json');
    await writeFile(file, '{ gateway: { mode: "local" } }\n');
    const r = await configCheck.run(makeCheckContext({ openclaw: cli, configPath: file }));

    expect(r.status).toBe('ok');
    expect(r.summary).toBe('openclaw.json parses as JSON5; schema not validated: OpenClaw 2026.1.30 lacks `config validate --json` (first in 2026.5.7)');
    expect(await fake.calls()).toEqual([]);

    await writeFile(file, '{ gateway: { mode: "local }\n');
    expect((await configCheck.run(makeCheckContext({ openclaw: cli, configPath: file }))).status).toBe('crit');
  });

  it('config with an unreadable version on a CLI without config validate: learns it from "unknown option \'--json\'"', async () => {
    const { cli } = await cliLike('2026.1.30', 'bare', { FAKE_OPENCLAW_VERSION_OUTPUT: '' });
    const file = path.join(tmp.dir, 'openclaw.json');
    await writeFile(file, '{ gateway: { mode: "local" } }\n');
    const r = await configCheck.run(makeCheckContext({ openclaw: cli, configPath: file }));
    expect(r.status).toBe('ok');
    expect(r.summary).toMatch(/schema not validated: this OpenClaw lacks `config validate --json`/);
  });

  it('config on 2026.5.7 reads a result without warnings[]', async () => {
    const { cli } = await cliLike('2026.5.7');
    const file = path.join(tmp.dir, 'openclaw.json');
    await writeFile(file, '{ gateway: { mode: "local" } }\n');
    const r = await configCheck.run(makeCheckContext({ openclaw: cli, configPath: file }));
    expect(r.status).toBe('ok');
    expect(r.summary).toMatch(/^openclaw\.json is valid \(openclaw config validate/);
  });
});

describe('the version cache costs one `openclaw --version` per binary', () => {
  it('spawns once for many asks, and again only when the binary changes', async () => {
    const { fake, cli } = await cliLike('2026.7.1', 'bare');
    const versions = new OpenclawVersions({ cli: () => cli });

    const readings = await Promise.all([versions.cliVersion(), versions.cliVersion(), versions.cliVersion()]);
    for (let i = 0; i < 5; i++) readings.push(await versions.cliVersion());
    expect(readings.map((r) => r.version?.text)).toEqual(Array(8).fill('2026.7.1'));
    expect(readings[0]).toMatchObject({ source: 'cli' });
    expect(versions.spawns).toBe(1);

    // An upgrade in place: npm points the bin at a new file...
    const entry = path.join(fake.dir, 'openclaw-upgraded.mjs');
    await writeFile(entry, `#!/usr/bin/env node\nawait import(${JSON.stringify(pathToFileURL(FAKE_OPENCLAW_SCRIPT).href)});\n`);
    await chmod(entry, 0o755);
    await rm(fake.bin);
    await symlink(entry, fake.bin);
    await versions.cliVersion();
    await versions.cliVersion();
    expect(versions.spawns).toBe(2);
    // ...or rewrites it in place: a new mtime is enough to read it again.
    const later = new Date(Date.now() + 60_000);
    await utimes(entry, later, later);
    await versions.cliVersion();
    expect(versions.spawns).toBe(3);
  });

  it('reads the installed package.json without spawning anything', async () => {
    const { fake, cli } = await cliLike('2026.8.2');
    const versions = new OpenclawVersions({ cli: () => cli });
    expect(await versions.cliVersion()).toEqual({ version: expect.objectContaining({ text: '2026.8.2' }), source: 'package' });
    expect(versions.spawns).toBe(0);
    expect(await fake.calls()).toEqual([]);
  });
});
