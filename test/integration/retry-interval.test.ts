// Faster confirmation on real processes: with a 10 s schedule and threshold 3, a gateway that goes down is
// alerted within one schedule period plus two 1 s retries (not after 20-30 s), the check then goes back to its
// schedule, and a first success while failing is confirmed 1 s later.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { makeCliHome, waitFor, type CliHome } from '../fixtures/cli.ts';
import { startFakeGateway, stopAllChildren, type ListenerProcess } from '../fixtures/gateway-harness.ts';
import { startReceiver, webhookAlerts, type HttpReceiver } from '../fixtures/http-receiver.ts';

let h: CliHome;
let hook: HttpReceiver;
beforeEach(async () => {
  h = await makeCliHome();
  hook = await startReceiver();
});
afterEach(async () => {
  await h.cleanup();
  await hook.close();
  await stopAllChildren();
});

interface WindowEntry {
  /** When the run finished. */
  at: number;
  durationMs: number;
  status: string;
}

/** When a run began: retries are timed from the start of the run before. */
const startOf = (e: WindowEntry) => e.at - e.durationMs;

it('retries a changed result every second until the threshold decides, then keeps to the 10 s schedule', { timeout: 120_000 }, async () => {
  let gw: ListenerProcess = await startFakeGateway();
  const port = gw.port;
  await h.writeConfig(`{
    gateway: { port: ${port} },
    checks: {
      'gateway.port': { schedule: '10s', timeout: '900ms', jitter: 0, retryInterval: '1s', options: { requestTimeoutMs: 500 } },
      'gateway.http': { enabled: false }, config: { enabled: false }, doctor: { enabled: false },
    },
    defaults: { failureThreshold: 3, successThreshold: 2, retryInterval: 0 },
    alerting: { batchWindow: '200ms' },
    notifiers: { hook: { type: 'webhook', url: '${hook.url}/alerts' } },
  }`);
  const agent = h.spawnAgent();
  const window = async () => (await h.readState()).checks['gateway.port'].window as WindowEntry[];
  await waitFor('gateway.port OK', async () => ((await window()).some((e) => e.status === 'ok') ? true : undefined), 20_000);

  await gw.stop();
  const downAt = Date.now();
  const failing = await waitFor('the failing alert', () => webhookAlerts(hook).find((a) => a.kind === 'failing'), 30_000);
  const alertedAfterMs = Date.now() - downAt;
  expect(failing.checkId).toBe('gateway.port');
  // At most one period to the first failed run, two retries of 1 s, the batch window and some slack.
  expect(alertedAfterMs).toBeLessThan(10_000 + 2_000 + 200 + 2_500);
  const failed = (await window()).filter((e) => e.at >= downAt);
  expect(failed.length).toBeGreaterThanOrEqual(3);
  const gaps = failed.slice(1, 3).map((e, i) => startOf(e) - startOf(failed[i]!));
  for (const gap of gaps) {
    expect(gap).toBeGreaterThanOrEqual(900);
    expect(gap).toBeLessThan(2_500);
  }

  // FAILING: back to the schedule, no more retries.
  const third = failed[2]!.at;
  await waitFor('one more failed run', async () => ((await window()).some((e) => e.at > third) ? true : undefined), 15_000);
  const next = (await window()).find((e) => e.at > third)!;
  expect(next.at - third).toBeGreaterThan(5_000);

  // Back up: the first success is confirmed by a retry 1 s later, not at the next 10 s slot.
  gw = await startFakeGateway({ port });
  const upAt = Date.now();
  await waitFor('the resolved notice', () => webhookAlerts(hook).find((a) => a.kind === 'resolved'), 30_000);
  expect(Date.now() - upAt).toBeLessThan(10_000 + 1_000 + 200 + 2_500);
  const ok = (await window()).filter((e) => e.at >= upAt && e.status === 'ok');
  expect(ok.length).toBeGreaterThanOrEqual(2);
  expect(startOf(ok[1]!) - startOf(ok[0]!)).toBeGreaterThanOrEqual(900);
  expect(startOf(ok[1]!) - startOf(ok[0]!)).toBeLessThan(2_500);
  expect(agent.output()).not.toMatch(/previous run still going/);
  expect(webhookAlerts(hook).map((a) => a.kind)).toEqual(['failing', 'resolved']);
  agent.child.kill('SIGTERM');
  expect(await agent.exited).toBe(0);
});
