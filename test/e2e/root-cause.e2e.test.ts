// The real gateway with a broken openclaw.json: killed, started again, it exits 78 within seconds at every
// start. The first alert people receive must name the config error with its line and column, not only
// "gateway down" (the config check runs every 5 minutes: it is run at once when the gateway fails).
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { waitFor } from '../fixtures/cli.ts';
import { startReceiver, webhookAlerts } from '../fixtures/http-receiver.ts';
import { ensureOpenclaw, startAgentOn, startRealGateway } from './real-openclaw.ts';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

it('a broken openclaw.json behind a gateway that exits 78: the first alert names the file, line and column', async () => {
  const gw = await startRealGateway();
  cleanups.push(() => gw.cleanup());
  const hook = await startReceiver();
  cleanups.push(() => hook.close());
  const alerts = () => webhookAlerts(hook);
  const agent = await startAgentOn(
    gw,
    `{
      checks: {
        'gateway.port': { schedule: '2s', timeout: '1500ms', jitter: 0 },
        'gateway.http': { schedule: '3s', timeout: '2800ms', jitter: 0 },
        config: { schedule: '5m' },
        doctor: { enabled: false },
      },
      defaults: { failureThreshold: 2, successThreshold: 2 },
      alerting: { batchWindow: '1s' },
      notifiers: { hook: { type: 'webhook', url: '${hook.url}/alerts' } },
    }`,
  );
  cleanups.push(() => agent.cleanup());
  const state = agent.state;
  await waitFor('the config judged valid and the gateway OK', async () => {
    const s = await state();
    return s.checks.config?.last?.result.status === 'ok' && s.checks['gateway.port']?.machine.state === 'ok' ? true : undefined;
  }, 60_000);

  // A quote goes missing in an edit; the gateway is killed and started again, and exits 78.
  const openclawJson = join(gw.home, '.openclaw', 'openclaw.json');
  await writeFile(openclawJson, '{\n  gateway: {\n    mode: "local,\n    auth: { mode: "token" },\n  },\n}\n');
  await gw.kill('SIGKILL');
  const { binDir } = await ensureOpenclaw();
  const restarted = spawn(join(binDir, 'openclaw'), ['gateway', 'run', '--bind', 'loopback', '--port', String(gw.port)], { env: gw.env, stdio: 'ignore', detached: true });
  const code = await new Promise<number | null>((resolve) => restarted.on('exit', (c) => resolve(c)));
  expect(code).toBe(78);

  const first = await waitFor('the first alert', () => alerts().find((a) => a.kind === 'failing'), 30_000);
  expect(first.checkId).toBe('config');
  expect(first.severity).toBe('crit');
  expect(first.summary).toMatch(/openclaw\.json has a JSON5 syntax error at line \d+:\d+/);
  expect(first.diagnosis).toContain(`${openclawJson}:`);
  // No separate "gateway down" alert: it is folded into the config's incident.
  await waitFor('gateway.port failing', async () => ((await state()).checks['gateway.port']?.machine.state === 'failing' ? true : undefined), 30_000);
  await new Promise((r) => setTimeout(r, 3_000)); // a few batch windows
  expect(alerts().filter((a) => a.kind === 'failing').map((a) => a.checkId)).toEqual(['config']);
  agent.child.kill('SIGTERM');
  expect(await agent.exited).toBe(0);
});
