import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fastAgentConfig, makeCliHome, waitFor, type CliHome } from '../fixtures/cli.ts';
import { startFakeGateway, stopAllChildren } from '../fixtures/gateway-harness.ts';

let h: CliHome;

beforeEach(async () => {
  h = await makeCliHome();
});
afterEach(async () => {
  await h.cleanup();
  await stopAllChildren();
});

/** No stack traces reach the user unless they ask with --debug. */
function expectNoStack(text: string) {
  expect(text).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
}

describe('clawmedic CLI basics', () => {
  it('prints help for every command and its version', async () => {
    const version = await h.run(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    for (const args of [['--help'], ['run', '--help'], ['check', '--help'], ['status', '--help'], ['config', 'validate', '--help'], ['silence', '--help'], ['test-notify', '--help']]) {
      const r = await h.run(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout).toMatch(/Usage: clawmedic/);
    }
  });

  it('rejects an unknown command with a non-zero exit and a hint', async () => {
    const r = await h.run(['frobnicate']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/unknown command/);
  });
});

describe('config validate', () => {
  it('accepts running with no config file at all', async () => {
    const r = await h.run(['config', 'validate']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/embedded defaults/);
  });

  it('lists every problem with its key path and exits 2', async () => {
    await h.writeConfig(`{
      gatway: {},
      checks: { 'gateway.http': { schedule: 'every now and then', timeout: '5 minutes' }, nosuch: {} },
      notifiers: { team: { type: 'carrier-pigeon' } },
    }`);
    const r = await h.run(['config', 'validate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"gatway"');
    expect(r.stderr).toContain('checks.gateway.http.timeout');
    expect(r.stderr).toContain('notifiers.team.type');
    expectNoStack(r.stderr);
  });

  it('accepts the example config shipped in deploy/', async () => {
    const example = new URL('../../deploy/clawmedic.example.json5', import.meta.url).pathname;
    const r = await h.run(['--config', example, 'config', 'validate'], {
      env: { CLAWMEDIC_SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T0/B0/xyz', CLAWMEDIC_SMTP_PASSWORD: 'pw-123456' },
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('reports a syntax error with file, line and column', async () => {
    const path = await h.writeConfig('{\n  gateway: { port: 18789,\n  log: { level: "info" }\n');
    const r = await h.run(['config', 'validate', '--json']);
    expect(r.code).toBe(2);
    const body = JSON.parse(r.stdout) as { valid: boolean; problems: Array<{ path: string }> };
    expect(body.valid).toBe(false);
    expect(body.problems[0]!.path).toMatch(new RegExp(`^${path.replace(/[.]/g, '\\.')}:\\d+:\\d+$`));
  });

  it('names a missing --config file in one line', async () => {
    const r = await h.run(['--config', join(h.home, 'nope.json5'), 'config', 'validate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nope\.json5: cannot read config: file not found/);
    expectNoStack(r.stderr);
  });

  it('prints the effective config without secret values, and a JSON schema', async () => {
    await h.writeConfig(`{ gateway: { token: 'env:GW_TOKEN' } }`);
    const printed = await h.run(['config', 'print'], { env: { GW_TOKEN: 'super-secret-gateway-token' } });
    expect(printed.code).toBe(0);
    expect(printed.stdout).not.toContain('super-secret-gateway-token');
    const view = JSON.parse(printed.stdout) as { gateway: { token: string; port: number } };
    expect(view.gateway.token).toMatch(/^\*\*\* \(from .*clawmedic\.json5 gateway\.token\)$/);
    expect(view.gateway.port).toBe(18789);

    const schema = await h.run(['config', 'schema']);
    expect(JSON.parse(schema.stdout)).toHaveProperty('properties.checks');
  });
});

describe('check', () => {
  it('exits 3 with one line for an unknown check id', async () => {
    const r = await h.run(['check', 'gateway.htp']);
    expect(r.code).toBe(3);
    expect(r.stderr.trim()).toMatch(/^clawmedic: unknown check id: gateway\.htp \(known: .*gateway\.http/);
  });

  it('exits 3 (UNKNOWN) when the config is invalid', async () => {
    await h.writeConfig('{ checks: { doctor: { schedule: "61 * * * *" } } }');
    const r = await h.run(['check']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('checks.doctor.schedule');
  });

  it('reports OK with perfdata against a healthy gateway, and CRIT naming the refused port once it is gone', async () => {
    const gw = await startFakeGateway({ mode: 'up' });
    const env = { OPENCLAW_GATEWAY_PORT: String(gw.port) };
    const up = await h.run(['check', 'gateway.port', 'gateway.http'], { env });
    expect(up.code).toBe(0);
    expect(up.stdout.split('\n')[0]).toMatch(/^OK - 2 checks OK on gateway 127\.0\.0\.1:\d+ \| .*'gateway\.http\.latencyMs'=[\d.]+ms;;;;/);

    await gw.stop();
    const down = await h.run(['check', '--json', 'gateway.http'], { env });
    expect(down.code).toBe(2);
    const body = JSON.parse(down.stdout) as { status: string; checks: Array<{ summary: string; remedy?: string }> };
    expect(body.status).toBe('crit');
    expect(body.checks[0]!.summary).toMatch(/refused/);
    expect(body.checks[0]!.remedy).toBeTruthy();
  });
});

describe('run and status', () => {
  const fastConfig = (port: number) => fastAgentConfig(port);

  it('says the gateway is down once per transition, flushes state on SIGTERM, and status reads it back', async () => {
    const gw = await startFakeGateway({ mode: 'up' });
    const port = gw.port;
    await gw.stop(); // nothing listens: the agent must say so plainly, not stream errors
    await h.writeConfig(fastConfig(port));
    const agent = h.spawnAgent();
    await waitFor('the failing alert', () => /CRIT · OpenClaw gateway down \(nothing listening on 127\.0\.0\.1:\d+\)\ngateway\.port · incident [0-9a-f]{8} · since /.test(agent.output()) || undefined, 20_000);
    // Let a few more cycles pass: still failing, nothing new must be said about it.
    const before = agent.output();
    await waitFor('more cycles', async () => ((await h.readState()).checks['gateway.port'].window.length >= 5 ? true : undefined), 20_000);
    const during = agent.output().slice(before.length);
    // Nothing about gateway.port itself (a dependent check may mention it while it waits for the gateway).
    expect(during).not.toMatch(/"check":"gateway\.port"|\] gateway\.port |gateway\.port: /);
    agent.child.kill('SIGTERM');
    expect(await agent.exited).toBe(0);
    const log = agent.output();
    expect(log.match(/gateway\.port: NEW -> PENDING/g)).toHaveLength(1);
    expect(log.match(/gateway\.port: PENDING -> FAILING/g)).toHaveLength(1);
    expect(log).not.toMatch(/\n\s+at /);

    const status = await h.run(['status', '--json']);
    expect(status.code).toBe(0);
    const body = JSON.parse(status.stdout) as { checks: Array<{ id: string; state: string; summary: string }>; agent: { running: boolean; stoppedAt?: string } };
    const portCheck = body.checks.find((c) => c.id === 'gateway.port')!;
    expect(portCheck.state).toBe('failing');
    expect(portCheck.summary).toMatch(/nothing listening/);
    expect(body.agent.running).toBe(false);
    expect(body.agent.stoppedAt).toBeTruthy();
    const text = await h.run(['status']);
    expect(text.stdout).toMatch(/gateway\.port\s+FAILING/);
  });

  it('moves a garbage state file aside, says so, and starts fresh', async () => {
    const gw = await startFakeGateway({ mode: 'up' });
    await h.writeConfig(fastConfig(gw.port));
    await writeFile(h.statePath, '{"schemaVersion": 1, "checks": {tru');

    const status = await h.run(['status']);
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(/state file unusable/);

    const agent = h.spawnAgent();
    await waitFor('a fresh state with results', async () => ((await h.readState()).checks['gateway.http']?.window.length >= 1 ? true : undefined));
    agent.child.kill('SIGTERM');
    expect(await agent.exited).toBe(0);
    expect(agent.output()).toMatch(/moved to .*clawmedic\.state\.json\.corrupt-/);
    const files = await readdir(h.dir);
    expect(files.some((f) => f.startsWith('clawmedic.state.json.corrupt-'))).toBe(true);
    const after = await h.run(['status']);
    expect(after.stdout).toMatch(/a corrupt state file was moved to/);
    expect(after.stdout).toMatch(/gateway\.http\s+OK/);
  });

  it('refuses to start on an invalid config, naming the key', async () => {
    await h.writeConfig('{ checks: { doctor: { schedule: "*/5 * * * * *", timeout: "1m" } } }');
    const agent = h.spawnAgent();
    expect(await agent.exited).toBe(2);
    expect(agent.output()).toMatch(/checks\.doctor\.timeout: timeout 1m must be shorter/);
  });

  it('reloads its config on SIGHUP, and keeps the running one when the new one is invalid', async () => {
    const gw = await startFakeGateway({ mode: 'up' });
    await h.writeConfig(fastConfig(gw.port));
    const agent = h.spawnAgent();
    await waitFor('first results', async () => ((await h.readState()).checks['gateway.http']?.window.length >= 1 ? true : undefined));

    await h.writeConfig('{ checks: { doctor: { schedule: "every now and then" } } }');
    agent.child.kill('SIGHUP');
    await waitFor('the rejection', () => (/new config is invalid; keeping the running one/.test(agent.output()) ? true : undefined));
    expect(agent.output()).toContain('checks.doctor.schedule');

    await h.writeConfig(fastConfig(gw.port).replace("'gateway.http': { schedule: '1s'", "'gateway.http': { enabled: false, schedule: '1s'"));
    agent.child.kill('SIGHUP');
    await waitFor('the reload', () => (/config reloaded/.test(agent.output()) ? true : undefined));
    const httpRuns = (await h.readState()).checks['gateway.http'].window.length;
    await waitFor('more gateway.port runs', async () => ((await h.readState()).checks['gateway.port'].window.length >= httpRuns + 3 ? true : undefined));
    // gateway.http is disabled now: it must not have run since (at most one run was in flight at the reload).
    expect((await h.readState()).checks['gateway.http'].window.length).toBeLessThanOrEqual(httpRuns + 1);
    agent.child.kill('SIGTERM');
    expect(await agent.exited).toBe(0);
  });

  it('runs without a notifier that cannot be built, and says so in the log and in status', async () => {
    const gw = await startFakeGateway({ mode: 'up' });
    await h.writeConfig(
      fastConfig(gw.port).replace(/}\s*$/, `  notifiers: { ok: { type: 'console' }, team: { type: 'slack', url: 'env:NO_SUCH_SLACK_URL' } },\n}`),
    );
    const validate = await h.run(['config', 'validate']);
    expect(validate.code).toBe(2);
    expect(validate.stderr).toMatch(/notifiers\.team\.url: environment variable NO_SUCH_SLACK_URL .*is not set/);

    const agent = h.spawnAgent();
    await waitFor('results', async () => ((await h.readState()).checks['gateway.http']?.window.length >= 1 ? true : undefined));
    expect(agent.output()).toMatch(/notifier left out, running without it: notifiers\.team\.url/);
    const status = await h.run(['status']);
    expect(status.stdout).toMatch(/notifier problem: notifiers\.team\.url/);
    agent.child.kill('SIGTERM');
    expect(await agent.exited).toBe(0);
  });
});
