// The gateway goes down and that is alerted; then another program takes its port. What a person must do
// changed (free the port, not start the gateway), so the same incident is told again naming the program,
// and once more when that program goes and the gateway is still down. A real `clawmedic run` against the
// fake gateway, a foreign listener and a real HTTP receiver.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { fastAgentConfig, makeCliHome, waitFor, type CliHome } from '../fixtures/cli.ts';
import { startFakeGateway, startForeignListener, stopAllChildren } from '../fixtures/gateway-harness.ts';
import { startReceiver, webhookAlerts, type HttpReceiver } from '../fixtures/http-receiver.ts';

let h: CliHome;
let receiver: HttpReceiver;
beforeEach(async () => {
  h = await makeCliHome();
  receiver = await startReceiver();
});
afterEach(async () => {
  await h.cleanup();
  await receiver.close();
  await stopAllChildren();
});

const alerts = () => webhookAlerts(receiver).filter((a) => a.checkId === 'gateway.port');

it('a failing gateway whose port another program takes is told again, naming the program, in the same incident', async () => {
  const gw = await startFakeGateway({ mode: 'up' });
  await h.writeConfig(
    fastAgentConfig(gw.port, `defaults: { failureThreshold: 2 }, alerting: { batchWindow: '300ms' }, notifiers: { hook: { type: 'webhook', url: '${receiver.url}/alerts' } },`),
  );
  const agent = h.spawnAgent();
  await waitFor('gateway.port OK', async () => ((await h.readState()).checks['gateway.port']?.machine.state === 'ok' ? true : undefined));

  await gw.stop();
  const down = await waitFor('the gateway-down alert', () => alerts().find((a) => a.kind === 'failing'), 20_000);
  expect(down.headline).toMatch(/^OpenClaw gateway down/);

  const foreign = await startForeignListener({ port: gw.port });
  const taken = await waitFor('the cause-changed alert', () => alerts().find((a) => a.kind === 'changed'), 20_000);
  expect(taken.headline).toMatch(new RegExp(`^port ${gw.port} taken by .+ \\(pid ${foreign.pid}\\)$`));
  expect(taken.severity).toBe('crit');
  expect(taken.incidentId).toBe(down.incidentId);

  // The program goes and the gateway is still down: told once more, then nothing new while it stays so.
  await foreign.stop();
  await waitFor('the change back to down', () => (alerts().filter((a) => a.kind === 'changed').length === 2 ? true : undefined), 20_000);
  expect(alerts().at(-1)!.headline).toMatch(/^OpenClaw gateway down/);
  const told = alerts().length;
  const since = (await h.readState()).checks['gateway.port']!.last.at as number;
  await waitFor('5 s more of gateway.port runs', async () => (((await h.readState()).checks['gateway.port']?.last.at ?? 0) >= since + 5_000 ? true : undefined));
  expect(alerts()).toHaveLength(told);
  expect(agent.child.exitCode).toBeNull();
});
