// The gateway stops because its openclaw.json broke (a real gateway then exits 78 at every start): the
// first alert people receive names the config error with its line and column, with the gateway-down
// check folded into it, within seconds of the gateway going away (the config check runs every 5 min).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { makeCliHome, waitFor, type CliHome } from '../fixtures/cli.ts';
import { startFakeGateway, stopAllChildren } from '../fixtures/gateway-harness.ts';
import { startReceiver, webhookAlerts, type HttpReceiver } from '../fixtures/http-receiver.ts';

let h: CliHome;
let receiver: HttpReceiver;
beforeEach(async () => {
  // No openclaw CLI on PATH: the config check judges the JSON5 syntax alone, as on a host without it.
  h = await makeCliHome({ PATH: '/usr/bin:/bin' });
  receiver = await startReceiver();
});
afterEach(async () => {
  await h.cleanup();
  await receiver.close();
  await stopAllChildren();
});

const alerts = () => webhookAlerts(receiver);

it('a broken openclaw.json behind a gateway that went down: the first alert is the config error, line and column, with the gateway folded in', async () => {
  const gw = await startFakeGateway({ mode: 'up' });
  const openclawJson = join(h.dir, 'openclaw.json');
  await writeFile(openclawJson, '{\n  gateway: { mode: "local" },\n}\n', { mode: 0o600 });
  await h.writeConfig(`{
    gateway: { port: ${gw.port} },
    checks: {
      'gateway.port': { schedule: '1s', timeout: '800ms', jitter: 0 },
      'gateway.http': { schedule: '1s', timeout: '800ms', jitter: 0, options: { requestTimeoutMs: 300 } },
      config: { schedule: '5m' },
      doctor: { enabled: false },
      'clawmedic.self': { enabled: false },
    },
    defaults: { failureThreshold: 3 },
    notifiers: { hook: { type: 'webhook', url: '${receiver.url}/alerts' } },
    alerting: { batchWindow: '1s' },
  }`);
  const agent = h.spawnAgent();
  await waitFor('the config judged valid once', async () => ((await h.readState()).checks?.config?.last?.result.status === 'ok' ? true : undefined));

  // Someone edits the file and forgets a quote; the gateway restarts and exits 78, so it is down.
  await writeFile(openclawJson, '{\n  gateway: {\n    mode: "local,\n  },\n}\n');
  const goneAt = Date.now();
  await gw.stop();

  const first = await waitFor('the first alert', () => alerts()[0], 20_000);
  expect(first.checkId).toBe('config');
  expect(first.severity).toBe('crit');
  expect(first.summary).toMatch(/openclaw\.json has a JSON5 syntax error at line \d+:\d+/);
  expect(first.diagnosis).toContain(`${openclawJson}:`);
  // Seconds, not the config check's 5-minute schedule.
  expect(Date.now() - goneAt).toBeLessThan(20_000);
  // The gateway-down incident is folded into the config's: no alert of its own.
  const folded = await waitFor('gateway.port folded into config', async () => {
    const view = JSON.parse((await h.run(['status', '--json'])).stdout) as { alerts: { incidents: Array<{ checkId: string; inhibitedBy?: string }> } };
    const port = view.alerts.incidents.find((i) => i.checkId === 'gateway.port');
    return port?.inhibitedBy ? port : undefined;
  }, 20_000);
  expect(folded.inhibitedBy).toBe('config');
  // status lists the root incident, then what is folded into it, under it, each with its id.
  const text = (await h.run(['status'])).stdout;
  expect(text).toMatch(/open incidents:\n {2}[0-9a-f]{8} config CRIT since .*openclaw\.json broken: syntax error at line \d+:\d+.*\n( {4}└ folded: .*\n)* {4}└ folded: [0-9a-f]{8} gateway\.port CRIT since .*OpenClaw gateway down/);
  await new Promise((r) => setTimeout(r, 2_500)); // two more batch windows
  expect(alerts().filter((a) => a.checkId !== 'config')).toEqual([]);
  agent.child.kill('SIGTERM');
  expect(await agent.exited).toBe(0);
}, 60_000);
