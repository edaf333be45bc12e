// Auto-recovery against the real OpenClaw: the gateway is killed with SIGKILL; the agent notices, checks
// openclaw.json, starts the gateway again (a detached `openclaw gateway run` in the same HOME), waits for
// /startupz started, /readyz 200 and a new boot, and says so. The figures are printed for the README.
import { afterAll, expect, it } from 'vitest';
import { waitFor } from '../fixtures/cli.ts';
import { startReceiver, webhookAlerts } from '../fixtures/http-receiver.ts';
import { findPortOwner } from '../../src/platform/port-owner.ts';
import { startAgentOn, startRealGateway } from './real-openclaw.ts';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** The gateway the agent started: its own session, so its group goes with it. */
function killGroup(pid: number): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // Gone already, or not a group leader.
    }
  }
}

it('a real gateway killed with SIGKILL is started again by the agent, verified ready on a new boot, and the alert says so', async () => {
  const gw = await startRealGateway();
  cleanups.push(() => gw.cleanup());
  const hook = await startReceiver();
  cleanups.push(() => hook.close());
  const recovery = () => webhookAlerts(hook).filter((a) => a.kind === 'recovery');
  const agent = await startAgentOn(
    gw,
    `{
      checks: {
        'gateway.port': { schedule: '2s', timeout: '1500ms', jitter: 0 },
        'gateway.http': { schedule: '2s', timeout: '1800ms', jitter: 0 },
        doctor: { enabled: false },
      },
      defaults: { failureThreshold: 2, successThreshold: 2 },
      alerting: { batchWindow: '1s' },
      notifiers: { hook: { type: 'webhook', url: '${hook.url}/alerts' } },
      recovery: { enabled: true, steps: { verify: { timeout: '150s' } } },
    }`,
  );
  cleanups.push(() => agent.cleanup());
  await waitFor('the gateway OK', async () => ((await agent.state()).checks['gateway.port']?.machine.state === 'ok' ? true : undefined), 60_000);

  const killedAt = Date.now();
  await gw.kill('SIGKILL');
  const started = await waitFor('recovery started', () => recovery().find((a) => a.summary.startsWith('auto-recovery started')), 60_000);
  const recovered = await waitFor('recovered', () => recovery().find((a) => a.summary.startsWith('gateway recovered') || a.summary.startsWith('auto-recovery failed')), 200_000);
  const healthyAt = Date.now();
  const owner = await findPortOwner(gw.port);
  if (owner.kind === 'found') cleanups.push(async () => killGroup(owner.owner.pid));

  expect(recovered.summary).toMatch(/^gateway recovered in \d/);
  expect(recovered.diagnosis).toMatch(/start: ok: started openclaw gateway run \(pid \d+\)/);
  expect(recovered.diagnosis).toMatch(/verify: ok: .*started and ready, new boot/);
  expect(owner.kind).toBe('found');
  if (owner.kind === 'found') expect(owner.owner.pid).not.toBe(gw.pid);
  const ready = await fetch(`http://127.0.0.1:${gw.port}/readyz`, { signal: AbortSignal.timeout(5_000) });
  expect(ready.status).toBe(200);

  const attempt = (await agent.state()).sections.recovery.attempts.at(-1);
  expect(attempt).toMatchObject({ outcome: 'recovered', by: 'agent' });
  const detectedMs = attempt.startedAt - killedAt;
  const actedMs = Date.parse(started.since!) - killedAt;
  const verify = attempt.steps.find((s: { step: string }) => s.step === 'verify');
  console.log(
    `[figures] recovery on the real gateway: attempt begun ${(detectedMs / 1000).toFixed(1)} s after SIGKILL, acting (config validated) at ${(actedMs / 1000).toFixed(1)} s; ` +
      `healthy (readyz 200, new boot) ${((healthyAt - killedAt) / 1000).toFixed(1)} s after it; attempt ${((attempt.finishedAt - attempt.startedAt) / 1000).toFixed(1)} s, verify ${(verify.durationMs / 1000).toFixed(1)} s`,
  );
  // The gateway's own alert resolves on its own checks.
  await waitFor('gateway.port OK again', async () => ((await agent.state()).checks['gateway.port']?.machine.state === 'ok' ? true : undefined), 30_000);
  agent.child.kill('SIGTERM');
  expect(await agent.exited).toBe(0);
});
