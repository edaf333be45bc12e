import { afterAll, expect, it } from 'vitest';
import { waitFor } from '../fixtures/cli.ts';
import { startReceiver, type HttpReceiver } from '../fixtures/http-receiver.ts';
import { startAgentOn, startRealGateway, type RealGateway } from './real-openclaw.ts';

interface Payload {
  host: string;
  gateway: string;
  alerts: Array<{ kind: string; checkId: string; summary: string; diagnosis?: string; remedy?: string; durationMs?: number; related?: Array<{ checkId: string }> }>;
}

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

it('alerts once when the real gateway is killed, and once more when it is back', async () => {
  const gw: RealGateway = await startRealGateway();
  cleanups.push(() => gw.cleanup());
  const payloads: Payload[] = [];
  const hook: HttpReceiver = await startReceiver((req) => {
    payloads.push(JSON.parse(req.body) as Payload);
    return { status: 200, body: 'ok' };
  });
  cleanups.push(() => hook.close());
  const agent = await startAgentOn(
    gw,
    `{
      checks: {
        'gateway.port': { schedule: '2s', timeout: '1500ms', jitter: 0 },
        // A gateway that is booting stalls its event loop for over 650 ms on a busy 2-core machine: with 1.5 s
        // (two rounds of 650 ms) the restart was sometimes seen as "hung" and alerted a second time.
        'gateway.http': { schedule: '3s', timeout: '2800ms', jitter: 0 },
        config: { schedule: '1m' },
        doctor: { enabled: false },
      },
      defaults: { failureThreshold: 2, successThreshold: 2 },
      alerting: { batchWindow: '1s' },
      notifiers: { hook: { type: 'webhook', url: '${hook.url}/alerts' } },
    }`,
  );
  cleanups.push(() => agent.cleanup());
  const state = agent.state;

  await waitFor('gateway.port OK with a few results', async () => {
    const port = (await state()).checks['gateway.port'];
    return port?.machine.state === 'ok' && port.window.length >= 2 ? true : undefined;
  }, 30_000);
  expect(payloads).toEqual([]);

  await gw.kill('SIGKILL');
  await waitFor('the failing alert', () => (payloads.some((p) => p.alerts.some((a) => a.kind === 'failing')) ? true : undefined), 30_000);
  const failing = payloads.flatMap((p) => p.alerts).filter((a) => a.kind === 'failing');
  expect(failing).toHaveLength(1);
  expect(failing[0]!.checkId).toBe('gateway.port');
  expect(failing[0]!.summary).toMatch(/nothing listening|refused/);
  expect(failing[0]!.remedy).toMatch(/openclaw gateway/);
  expect(failing[0]!.related?.map((r) => r.checkId)).toEqual(['gateway.http']);
  expect(payloads[0]!.gateway).toBe(`127.0.0.1:${gw.port}`);

  const again = await startRealGateway(gw);
  cleanups.push(() => again.cleanup());
  await waitFor('the resolved notice', () => (payloads.some((p) => p.alerts.some((a) => a.kind === 'resolved')) ? true : undefined), 60_000);
  agent.child.kill('SIGTERM');
  expect(await agent.exited).toBe(0);

  const all = payloads.flatMap((p) => p.alerts);
  expect(all.filter((a) => a.kind === 'failing'), JSON.stringify(all)).toHaveLength(1);
  const resolved = all.filter((a) => a.kind === 'resolved');
  expect(resolved.map((a) => a.checkId)).toEqual(['gateway.port']);
  expect(resolved[0]!.durationMs).toBeGreaterThan(0);
  expect(agent.output()).not.toContain(gw.token);
});
