// `clawmedic check` as a person (or Nagios) runs it against a gateway in trouble: dependents folded into their
// root as the agent folds alerts (one remedy, not the same one twice), and a gateway stopped with SIGSTOP
// called hung, also when only the running agent saw it answer as OpenClaw under another title.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fastAgentConfig, makeCliHome, waitFor, type CliHome } from '../fixtures/cli.ts';
import { FOREIGN_TITLE, startFakeGateway, stopAllChildren } from '../fixtures/gateway-harness.ts';

interface CheckJson {
  status: string;
  exitCode: number;
  checks: Array<{ id: string; status: string; summary: string; diagnosis?: string; remedy?: string; foldedInto?: string }>;
}

let h: CliHome;
beforeEach(async () => {
  // No openclaw CLI on PATH: the config check judges the JSON5 syntax alone, as on a host without it.
  h = await makeCliHome({ PATH: '/usr/bin:/bin' });
});
afterEach(async () => {
  await h.cleanup();
  await stopAllChildren();
});

const onLinux = process.platform === 'linux';

describe('clawmedic check folds dependents into their root', () => {
  it.runIf(onLinux)('a stopped gateway: gateway.port gives the diagnosis and remedy once, its dependents one line each; exit code and first line unchanged', async () => {
    const gw = await startFakeGateway({ mode: 'up' });
    const env = { OPENCLAW_GATEWAY_PORT: String(gw.port) };
    await h.writeConfig(`{ checks: { 'gateway.port': { options: { requestTimeoutMs: 500 } }, 'gateway.http': { options: { requestTimeoutMs: 500 } } } }`);
    await gw.pause();

    const text = await h.run(['check', 'gateway.port', 'gateway.http', 'latency'], { env });
    expect(text.code).toBe(2);
    const lines = text.stdout.split('\n');
    // The Nagios line still names every failing check, worst status first.
    expect(lines[0]).toMatch(new RegExp(`^CRITICAL - gateway\\.port: gateway hung \\(pid ${gw.pid} stopped\\): .*; gateway\\.http: gateway hung`));
    expect(text.stdout.match(/^ {4}remedy: /gm)).toHaveLength(1);
    expect(text.stdout.match(/^ {4}diagnosis: /gm)).toHaveLength(1);
    expect(text.stdout).toMatch(new RegExp(`^ {4}remedy: It is stopped by a signal: resume it[^\`]*\`kill -CONT ${gw.pid}\``, 'm'));
    const httpAt = lines.findIndex((l) => l.startsWith('[CRITICAL] gateway.http: '));
    expect(lines[httpAt + 1]).toBe('    (folded into gateway.port: see its diagnosis and remedy)');

    const json = await h.run(['check', '--json', 'gateway.port', 'gateway.http'], { env });
    expect(json.code).toBe(2);
    const body = JSON.parse(json.stdout) as CheckJson;
    expect(body.status).toBe('crit');
    const byId = Object.fromEntries(body.checks.map((c) => [c.id, c]));
    expect(byId['gateway.http']!.foldedInto).toBe('gateway.port');
    expect(byId['gateway.port']).not.toHaveProperty('foldedInto');
    // JSON is data: a folded check keeps its own diagnosis and remedy there.
    expect(byId['gateway.http']!.remedy).toBeTruthy();
  });

  it('a broken openclaw.json (CRIT) explains a gateway that is down: both gateway checks fold into config', async () => {
    const gw = await startFakeGateway({ mode: 'up' });
    const port = gw.port;
    await gw.stop();
    await writeFile(join(h.dir, 'openclaw.json'), '{\n  gateway: {\n    mode: "local,\n  },\n}\n', { mode: 0o600 });
    const env = { OPENCLAW_GATEWAY_PORT: String(port) };

    const body = JSON.parse((await h.run(['check', '--json', 'config', 'gateway.port', 'gateway.http'], { env })).stdout) as CheckJson;
    expect(body.checks.map((c) => [c.id, c.status, c.foldedInto])).toEqual([
      ['config', 'crit', undefined],
      ['gateway.port', 'crit', 'config'],
      ['gateway.http', 'crit', 'config'],
    ]);
    const text = await h.run(['check', 'config', 'gateway.port', 'gateway.http'], { env });
    expect(text.code).toBe(2);
    expect(text.stdout.match(/^ {4}\(folded into config: see its diagnosis and remedy\)$/gm)).toHaveLength(2);
    expect(text.stdout.match(/^ {4}remedy: /gm)).toHaveLength(1);
  });
});

describe.runIf(onLinux)('a gateway under another title, stopped with SIGSTOP', () => {
  it('`check` (no memory of its own) knows it by the state lock it holds: hung with kill -CONT, not a stranger to kill', async () => {
    const gw = await startFakeGateway({ mode: 'up', title: FOREIGN_TITLE, stateDir: h.dir });
    await gw.pause();

    const r = await h.run(['check', '--json', 'gateway.port'], { env: { OPENCLAW_GATEWAY_PORT: String(gw.port) } });
    expect(r.code).toBe(2);
    const port = (JSON.parse(r.stdout) as CheckJson).checks[0]!;
    expect(port.summary).toMatch(new RegExp(`^gateway hung \\(pid ${gw.pid} stopped\\): `));
    expect(port.remedy).toMatch(new RegExp(`^It is stopped by a signal: resume it[^\`]*\`kill -CONT ${gw.pid}\``));
    expect(r.stdout).not.toMatch(/port conflict/);
  });

  it('the running agent, which saw it answer as OpenClaw, alerts a hung gateway, never a port conflict', async () => {
    const gw = await startFakeGateway({ mode: 'up', title: FOREIGN_TITLE });
    await h.writeConfig(fastAgentConfig(gw.port));
    const agent = h.spawnAgent();
    await waitFor('the agent remembers the process that answered as OpenClaw', async () =>
      (await h.readState()).memory?.['gateway.port']?.openclawOwner?.pid === gw.pid ? true : undefined,
    );
    await gw.pause();

    const port = await waitFor('gateway.port failing', async () => {
      const check = (await h.readState()).checks['gateway.port'];
      return check?.machine.state === 'failing' ? check : undefined;
    }, 20_000);
    expect(port.last.result.summary).toMatch(new RegExp(`^gateway hung \\(pid ${gw.pid} stopped\\): `));
    // The alert's first line: its headline (the summary until the runner carries headlines).
    const alertLine = new RegExp(`CRIT · (OpenClaw )?gateway hung \\(pid ${gw.pid} stopped\\)`);
    await waitFor('the alert', () => (alertLine.test(agent.output()) ? true : undefined));
    expect(agent.output()).not.toMatch(/port conflict|taken by/);
    agent.child.kill('SIGTERM');
    expect(await agent.exited).toBe(0);
  });
});
