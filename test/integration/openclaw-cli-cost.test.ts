// The checks' openclaw CLI runs on real processes: what a run costs is measured (CPU of its tree, peak memory
// of its largest process), it runs at nice 10, the agent keeps the costs in its state file and `status` shows
// them, and a run the host has no memory for is a WARN that says so.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { execFileGroup } from '../../src/platform/exec.ts';
import { gatedCliExec, type CliRunCost } from '../../src/platform/cli-gate.ts';
import { fastAgentConfig, makeCliHome, waitFor, type CliHome } from '../fixtures/cli.ts';
import { freePort } from '../fixtures/gateway-harness.ts';
import { installFakeOpenclaw, type FakeOpenclaw } from '../fixtures/openclaw-cli-harness.ts';

let h: CliHome;
let fake: FakeOpenclaw;
beforeEach(async () => {
  fake = await installFakeOpenclaw();
  h = await makeCliHome({ PATH: fake.env.PATH, FAKE_OPENCLAW_LOG: fake.logFile });
  await mkdir(join(h.home, '.openclaw'), { recursive: true });
  await writeFile(join(h.home, '.openclaw', 'openclaw.json'), '{ gateway: { mode: "local" } }\n');
});
afterEach(async () => {
  await h.cleanup();
  await fake.cleanup();
});

/** A command that holds 160 MiB in a child process of its own and burns about 0.4 s of CPU, then prints its niceness. */
const HUNGRY = `
const { spawnSync } = require('node:child_process');
spawnSync(process.execPath, ['-e', 'const b = Buffer.alloc(160 * 1024 * 1024, 1); const t = Date.now(); while (Date.now() - t < 400); setTimeout(() => b.length, 200);'], { stdio: 'ignore' });
console.log(require('node:os').getPriority());
`;

it('measures a run: CPU of the whole tree, the peak memory of its largest process, and runs it at nice 10', async () => {
  const costs: CliRunCost[] = [];
  const gated = gatedCliExec(execFileGroup, { memAvailable: async () => undefined, onCost: (c) => costs.push(c) });
  const res = await gated(process.execPath, ['-e', HUNGRY], { timeoutMs: 30_000 });
  expect(res.code).toBe(0);
  expect(res.stdout.trim()).toBe('10');
  expect(costs).toHaveLength(1);
  expect(costs[0]!.lowPriority).toBe(true);
  expect(costs[0]!.cpuMs).toBeGreaterThanOrEqual(300);
  expect(costs[0]!.peakRssBytes).toBeGreaterThan(160 * 1024 ** 2);
  expect(costs[0]!.peakRssBytes).toBeLessThan(1024 ** 3);
});

it('the agent records each command it ran with its cost, and status shows them', { timeout: 60_000 }, async () => {
  const port = await freePort();
  await h.writeConfig(
    fastAgentConfig(
      port,
      `checks: { config: { schedule: '1h' }, doctor: { schedule: '1h' }, 'gateway.port': { enabled: false }, 'gateway.http': { enabled: false } },
       notifiers: {},`,
    ).replace("config: { enabled: false },\n      doctor: { enabled: false },", ''),
  );
  // Each fake run lives a second: the cost sampler looks every 250 ms, and a run shorter than that (or one
  // sampled while still nice/ionice, before they exec it) shows no node RSS on a busy host.
  const agent = h.spawnAgent([], { FAKE_OPENCLAW_DELAY_MS: '1000' });
  const section = await waitFor(
    'doctor and config validate recorded',
    async () => {
      const s = (await h.readState()).sections?.openclawCli?.commands;
      return s?.doctor && s['config validate'] ? s : undefined;
    },
    40_000,
  );
  expect(section.doctor).toMatchObject({ runs: 1, skips: 0, last: { command: 'doctor', code: 0, timedOut: false, lowPriority: true } });
  expect(section.doctor.last.cpuMs).toBeGreaterThan(0);
  expect(section.doctor.last.peakRssBytes).toBeGreaterThan(10 * 1024 ** 2);
  agent.child.kill('SIGTERM');
  expect(await agent.exited).toBe(0);

  const status = await h.run(['status']);
  expect(status.stdout).toMatch(/^openclaw CLI runs \(by the checks; one at a time, low priority\):$/m);
  expect(status.stdout).toMatch(/^ {2}doctor: 1 run, last .* ago: \S+, [\d.]+ s CPU, peak [\d.]+ MiB; at most [\d.]+ MiB$/m);
  expect(status.stdout).toMatch(/^ {2}config validate: 1 run, /m);
  const json = JSON.parse((await h.run(['status', '--json'])).stdout) as { openclawCli: { commands: Record<string, { last: { at: string } }> } };
  expect(json.openclawCli.commands.doctor!.last.at).toMatch(/^\d{4}-\d\d-\d\dT/);
});

it('a host without the memory a command needs gets a WARN naming what is available and what it needs, and the command is not started', async () => {
  await h.writeConfig(`{ openclaw: { minAvailableMemory: '1000g' } }`);
  const res = await h.run(['check', 'doctor']);
  expect(res.code).toBe(1);
  expect(res.stdout).toMatch(/^WARNING - doctor: doctor not run: only [\d.]+ [MG]iB of memory available and openclaw doctor needs about 1000 GiB: not started/m);
  expect(res.stdout).toMatch(/lower openclaw\.minAvailableMemory/);
  expect((await fake.calls()).filter((c) => c.argv?.[0] === 'doctor')).toEqual([]);
});
