// `clawmedic check` and `clawmedic status` name the OpenClaw release, and `check` says when it is outside the
// supported range: real processes, the fake gateway and the fake CLI answering like a release.
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fastAgentConfig, makeCliHome, waitFor, type CliHome } from '../fixtures/cli.ts';
import { startFakeGateway, stopAllChildren } from '../fixtures/gateway-harness.ts';
import { installFakeOpenclaw, type FakeOpenclaw } from '../fixtures/openclaw-cli-harness.ts';

let h: CliHome;
let cli71: FakeOpenclaw;
beforeAll(async () => {
  h = await makeCliHome();
  cli71 = await installFakeOpenclaw({ version: '2026.7.1' });
});
afterAll(async () => {
  await h.cleanup();
  await cli71.cleanup();
});
afterEach(stopAllChildren);

/** PATH with only the fake CLI's directory before the system's, or with no openclaw at all. */
const withCli = (fake: FakeOpenclaw | undefined, port: number) => ({
  OPENCLAW_GATEWAY_PORT: String(port),
  PATH: [fake?.binDir, path.dirname(process.execPath), '/usr/bin', '/bin'].filter(Boolean).join(path.delimiter),
});

describe('the OpenClaw release in check and status', () => {
  it('check: an older release is OK with one note line saying what degrades; --json carries the version', async () => {
    const gw = await startFakeGateway({ mode: 'up', version: '2026.7.1' });
    const env = withCli(cli71, gw.port);

    const text = await h.run(['check', 'gateway.http'], { env });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^OK - 1 check OK on gateway/);
    expect(text.stdout).toMatch(/^note: OpenClaw 2026\.7\.1 is older than 2026\.8\.2, the oldest release clawmedic checks fully: no \/startupz: readiness from \/readyz alone; no `gateway stop --force`/m);

    const json = await h.run(['check', '--json', 'gateway.http'], { env });
    expect(JSON.parse(json.stdout)).toMatchObject({
      status: 'ok',
      openclaw: { version: '2026.7.1', source: 'package', support: 'degraded', note: expect.stringContaining('older than 2026.8.2') },
    });
  });

  it('check: the latest release, known from /startupz alone (no CLI), gets no note', async () => {
    const gw = await startFakeGateway({ mode: 'up' });
    const r = await h.run(['check', '--json', 'gateway.http'], { env: withCli(undefined, gw.port) });
    const body = JSON.parse(r.stdout) as { openclaw: Record<string, unknown> };
    expect(body.openclaw).toEqual({ version: '2026.9.6', source: 'gateway', support: 'full' });
    const text = await h.run(['check', 'gateway.http'], { env: withCli(undefined, gw.port) });
    expect(text.stdout).not.toMatch(/^note:/m);
  });

  it('status shows the version the agent last saw', async () => {
    const gw = await startFakeGateway({ mode: 'up', version: '2026.7.1' });
    const env = withCli(cli71, gw.port);
    await h.writeConfig(fastAgentConfig(gw.port));
    const agent = h.spawnAgent([], env);
    await waitFor('a gateway.http result', async () => ((await h.readState()).checks['gateway.http']?.last ? true : undefined));
    agent.child.kill('SIGTERM');
    await agent.exited;

    const status = await h.run(['status'], { env });
    expect(status.stdout).toMatch(/^openclaw 2026\.7\.1 \(installed package, seen .* ago\)$/m);
    const json = JSON.parse((await h.run(['status', '--json'], { env })).stdout) as { openclaw?: Record<string, unknown> };
    expect(json.openclaw).toMatchObject({ version: '2026.7.1', source: 'installed package' });
  });
});
