// The agent process is killed (SIGKILL) while alerts are pending, then restarted: every alert is
// delivered, none twice, and the incident that was open stays open (no second "failing" alert).
import { afterEach, beforeEach, expect, it } from 'vitest';
import { fastAgentConfig, makeCliHome, waitFor, type CliHome } from '../fixtures/cli.ts';
import { freePort } from '../fixtures/gateway-harness.ts';
import { startReceiver, type HttpReceiver } from '../fixtures/http-receiver.ts';

let h: CliHome;
let hook: HttpReceiver;

beforeEach(async () => {
  h = await makeCliHome();
  hook = await startReceiver(() => ({ status: 503, body: 'try later' }));
});
afterEach(async () => {
  await h.cleanup();
  await hook.close();
});

interface Payload {
  batchId: string;
  alerts: Array<{ checkId: string; kind: string; related?: Array<{ checkId: string }> }>;
}

it('delivers alerts left pending by a SIGKILLed agent after it restarts, exactly once', async () => {
  const port = await freePort(); // nothing listens there: the gateway is down
  await h.writeConfig(
    fastAgentConfig(
      port,
      `defaults: { failureThreshold: 2 },
      alerting: { batchWindow: '300ms', retryBackoff: '1s', retryBackoffMax: '1s' }, // 1s: the least retryBackoff allowed
      notifiers: { hook: { type: 'webhook', url: '${hook.url}/alerts' } },`,
    ),
  );


  const first = h.spawnAgent();
  // The webhook refuses: the alert sits in the outbox, attempted at least twice.
  await waitFor('two refused attempts', () => (hook.requests.length >= 2 ? true : undefined), 20_000);
  const pending = await waitFor('a pending entry in the state file', async () => {
    const entries = (await h.readState()).sections?.outbox?.entries as Array<{ status: string; attempts: number }> | undefined;
    return entries?.some((e) => e.status === 'pending' && e.attempts >= 1) ? entries : undefined;
  });
  expect(pending.length).toBeGreaterThan(0);
  first.child.kill('SIGKILL');
  expect(await first.exited).toBe('SIGKILL');

  const accepted: Payload[] = [];
  hook.respond((req) => {
    accepted.push(JSON.parse(req.body) as Payload);
    return { status: 200, body: 'ok' };
  });
  const second = h.spawnAgent();
  await waitFor('the pending alert delivered', () => (accepted.length >= 1 ? true : undefined), 20_000);
  // Give the restarted agent several more cycles: nothing about the open incident may be sent again.
  await waitFor('more cycles after restart', async () => ((await h.readState()).checks['gateway.port'].window.length >= 8 ? true : undefined), 20_000);
  second.child.kill('SIGTERM');
  expect(await second.exited).toBe(0);

  const ids = accepted.map((p) => p.batchId);
  expect(new Set(ids).size).toBe(ids.length); // none delivered twice
  const failing = accepted.flatMap((p) => p.alerts).filter((a) => a.kind === 'failing');
  // One alert for the gateway being down, with the dependent HTTP check folded into it.
  expect(failing.map((a) => a.checkId)).toEqual(['gateway.port']);
  expect(failing[0]!.related?.map((r) => r.checkId)).toEqual(['gateway.http']);
  const status = await h.run(['status', '--json']);
  const body = JSON.parse(status.stdout) as { alerts: { incidents: Array<{ checkId: string }>; outbox: { notifiers: Array<{ name: string; pending: number }> } } };
  expect(body.alerts.incidents.map((i) => i.checkId).sort()).toEqual(['gateway.http', 'gateway.port']);
  expect(body.alerts.outbox.notifiers.find((n) => n.name === 'hook')?.pending).toBe(0);
});
