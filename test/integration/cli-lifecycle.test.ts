// The agent's and the CLI's lifecycle under signals and misuse: reloads racing each other and the stop,
// a second agent on the same state file, a Nagios timeout killing `check` mid-doctor.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { builtinChecks } from '../../checks/index.ts';
import { fastAgentConfig, makeCliHome, waitFor, type CliHome } from '../fixtures/cli.ts';
import { startFakeGateway, stopAllChildren } from '../fixtures/gateway-harness.ts';
import { installFakeOpenclaw, isProcessAlive, type FakeOpenclaw } from '../fixtures/openclaw-cli-harness.ts';

let h: CliHome;
let fake: FakeOpenclaw | undefined;

beforeEach(async () => {
  h = await makeCliHome();
});
afterEach(async () => {
  await h.cleanup();
  await stopAllChildren();
  await fake?.cleanup();
  fake = undefined;
});

const fastConfig = (port: number, extra = '') => fastAgentConfig(port, extra);

it('survives reloads racing each other and the stop: SIGTERM still ends it, once', async () => {
  const gw = await startFakeGateway({ mode: 'up' });
  await h.writeConfig(fastConfig(gw.port));
  const agent = h.spawnAgent();
  await waitFor('first results', async () => ((await h.readState()).checks['gateway.http']?.window.length >= 1 ? true : undefined));
  // Signals do not queue: two sent at the same instant may arrive as one, so leave a moment between.
  agent.child.kill('SIGHUP');
  await new Promise((r) => setTimeout(r, 50));
  agent.child.kill('SIGHUP');
  await waitFor('both reloads', () => ((agent.output().match(/config reloaded/g) ?? []).length >= 2 ? true : undefined));
  agent.child.kill('SIGTERM');
  await waitFor('the stop under way', () => (/SIGTERM received/.test(agent.output()) ? true : undefined));
  agent.child.kill('SIGHUP'); // while stopping: ignored, and it must not kill the process either
  expect(await Promise.race([agent.exited, new Promise((r) => setTimeout(() => r('still running'), 10_000))])).toBe(0);
  const afterStop = agent.output().slice(agent.output().indexOf('SIGTERM received'));
  expect(afterStop, agent.output()).not.toMatch(/config reloaded|watching the OpenClaw gateway/);
  // One agent watching: three starts (run + 2 reloads), never two schedulers at once.
  expect(agent.output().match(/watching the OpenClaw gateway/g)).toHaveLength(3);
  expect(agent.output()).toMatch(/"stopped"/);
});

it('refuses to start a second agent on the same state file', async () => {
  const gw = await startFakeGateway({ mode: 'up' });
  await h.writeConfig(fastConfig(gw.port));
  const first = h.spawnAgent();
  await waitFor('the first agent recorded', async () => ((await h.readState()).sections?.agent?.pid === first.child.pid ? true : undefined));
  const second = h.spawnAgent();
  expect(await second.exited).toBe(1);
  expect(second.output()).toMatch(new RegExp(`another clawmedic agent \\(pid ${first.child.pid}\\) is using .*clawmedic\\.state\\.json`));
  first.child.kill('SIGTERM');
  expect(await first.exited).toBe(0);
  // Once the first stopped cleanly, a new one may start.
  const third = h.spawnAgent();
  await waitFor('the third agent recorded', async () => ((await h.readState()).sections?.agent?.pid === third.child.pid ? true : undefined));
  third.child.kill('SIGTERM');
  expect(await third.exited).toBe(0);
});

it('keeps state.maxAge: old results leave the window', async () => {
  const gw = await startFakeGateway({ mode: 'up' });
  await h.writeConfig(fastConfig(gw.port, "state: { maxAge: '2500ms' },"));
  const agent = h.spawnAgent();
  const window = await waitFor('a few seconds of results', async () => {
    const state = await h.readState();
    const first = state.checks['gateway.port']?.window[0]?.at;
    return first && Date.now() - (state.createdAt ?? 0) > 6_000 ? (state.checks['gateway.port'].window as Array<{ at: number }>) : undefined;
  });
  agent.child.kill('SIGTERM');
  expect(await agent.exited).toBe(0);
  expect(window.at(-1)!.at - window[0]!.at).toBeLessThanOrEqual(2_500);
});

it('will not run with every check disabled', async () => {
  // Every built-in check, whatever gets added: the self check alone is not something to watch.
  await h.writeConfig(`{ checks: { ${builtinChecks.map((c) => `'${c.id}': { enabled: false }`).join(', ')} } }`);
  const agent = h.spawnAgent();
  expect(await agent.exited).toBe(2);
  expect(agent.output()).toMatch(/every check is disabled in .*clawmedic\.json5: there is nothing to watch/);
});

it('kills the doctor it started when `check` itself is terminated (a Nagios plugin timeout)', async () => {
  fake = await installFakeOpenclaw();
  const env = { ...fake.env, FAKE_OPENCLAW_DOCTOR: 'hang' };
  const child = (await import('node:child_process')).spawn(process.execPath, [join(process.cwd(), 'src/cli/main.ts'), 'check', 'doctor'], {
    env: { ...h.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const calls = await waitFor('the hanging doctor and its child', async () => {
    const c = await fake!.calls();
    return c.some((x) => x.childPid) ? c : undefined;
  });
  child.kill('SIGTERM');
  expect(await exited).toBe(3);
  expect(err).toMatch(/interrupted: checks cancelled/);
  const pids = calls.flatMap((c) => [c.pid, ...(c.childPid ? [c.childPid] : [])]);
  await waitFor('the doctor process group gone', () => (pids.every((p) => !isProcessAlive(p)) ? true : undefined), 10_000);
});

it('exits 3 for bad usage of check, as a Nagios plugin must', async () => {
  const r = await h.run(['check', '--bogus']);
  expect(r.code).toBe(3);
  expect(r.stderr).toMatch(/unknown option '--bogus'/);
});

it('keeps test-notify --json parseable with the console notifier', async () => {
  const r = await h.run(['test-notify', '--json']);
  expect(r.code).toBe(0);
  const body = JSON.parse(r.stdout) as { results: Array<{ name: string; ok: boolean }> };
  expect(body.results).toEqual([expect.objectContaining({ name: 'console', ok: true })]);
  expect(r.stderr).toMatch(/Test notification from clawmedic/);
});

it('masks literal credentials in webhook headers and insists on a private file for them', async () => {
  const path = await h.writeConfig(
    `{ notifiers: { hook: { type: 'webhook', url: 'env:HOOK_URL', headers: { 'X-Api-Token': 'sup3rs3cr3tvalue', 'X-Team': 'ops' } } } }`,
    0o644,
  );
  const env = { HOOK_URL: 'https://hooks.example.com/x' };
  const validate = await h.run(['config', 'validate'], { env });
  expect(validate.code).toBe(2);
  expect(validate.stderr).toContain('notifiers.hook.headers.X-Api-Token');
  await (await import('node:fs/promises')).chmod(path, 0o600);
  const printed = await h.run(['config', 'print'], { env });
  expect(printed.code).toBe(0);
  expect(printed.stdout).not.toContain('sup3rs3cr3tvalue');
  expect(printed.stdout).toContain('"X-Team": "ops"');
  expect(await readFile(path, 'utf8')).toContain('sup3rs3cr3tvalue');
});

it('does not re-run every check on SIGHUP: one that already has results waits for its schedule', async () => {
  const gw = await startFakeGateway({ mode: 'up' });
  await h.writeConfig(fastConfig(gw.port).replace("'gateway.port': { schedule: '1s'", "'gateway.port': { schedule: '1h'"));
  const agent = h.spawnAgent();
  await waitFor('a few gateway.http runs', async () => ((await h.readState()).checks['gateway.http']?.window.length >= 2 ? true : undefined));
  expect((await h.readState()).checks['gateway.port'].window).toHaveLength(1);
  agent.child.kill('SIGHUP');
  await waitFor('the reload', () => (/config reloaded/.test(agent.output()) ? true : undefined));
  const httpRuns = (await h.readState()).checks['gateway.http'].window.length;
  await waitFor('gateway.http running on after the reload', async () => ((await h.readState()).checks['gateway.http'].window.length >= httpRuns + 2 ? true : undefined));
  expect((await h.readState()).checks['gateway.port'].window).toHaveLength(1);
  agent.child.kill('SIGTERM');
  expect(await agent.exited).toBe(0);
});
