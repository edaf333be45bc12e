// The first hour of a new user, as a real agent and CLI: what the start line says, how a check that never
// was OK is named, what `status` shows (one since per check, ISO times, every notifier, a stuck loop), and
// that clearing an unknown silence is an error.
import { afterEach, describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { fastAgentConfig, makeCliHome, waitFor, type CliHome } from '../fixtures/cli.ts';
import { startReceiver, type HttpReceiver } from '../fixtures/http-receiver.ts';

let home: CliHome | undefined;
let receiver: HttpReceiver | undefined;
afterEach(async () => {
  await home?.cleanup();
  await receiver?.close();
  home = undefined;
  receiver = undefined;
});

/** Every number under a time-named key, anywhere in a JSON document. */
function epochTimes(value: unknown, key = '', out: string[] = []): string[] {
  if (typeof value === 'number' && /(?:^at|At|^since|Since|^until|Until)$/.test(key)) out.push(`${key}=${value}`);
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) epochTimes(v, Array.isArray(value) ? key : k, out);
  return out;
}

describe('the first hour', () => {
  it('the start line names the notifiers and when the first alert can come; a new check is NEW, not OK; status is consistent', async () => {
    receiver = await startReceiver();
    home = await makeCliHome();
    // A literal loopback URL holds nothing secret: a config readable by others is fine with it.
    const notifiers = `notifiers: { hook: { type: 'webhook', url: '${receiver.url}/alerts' }, quiet: { type: 'webhook', url: '${receiver.url}/quiet', checks: ['doctor'] } },`;
    await home.writeConfig(fastAgentConfig(1, `defaults: { failureThreshold: 2 }, alerting: { batchWindow: '200ms' }, ${notifiers}`), 0o644);
    const agent = home.spawnAgent();
    await waitFor('an alert', () => receiver!.requests.find((r) => r.path === '/alerts'), 20_000);
    const out = agent.output();
    expect(out).toMatch(/watching the OpenClaw gateway at 127\.0\.0\.1:1 .* with \d+ checks; alerts to hook, quiet; a failure is alerted after 2 failed runs: about 1-2 s at gateway\.port's 1 s schedule/);
    expect(out).toContain('gateway.port: NEW -> PENDING');
    expect(out).not.toMatch(/OK -> PENDING/);
    expect(out).not.toMatch(/holds secrets|chmod/);
    agent.child.kill('SIGTERM');
    expect(await agent.exited).toBe(0);

    const res = await home.run(['status', '--json']);
    const status = JSON.parse(res.stdout) as {
      checks: Array<Record<string, unknown>>;
      alerts: { incidents: Array<{ checkId: string; since: string }>; outbox: { notifiers: Array<{ name: string; sent: number }> } };
      lastCycle: { at: string; stale: boolean };
    };
    expect(epochTimes(status)).toEqual([]);
    const port = status.checks.find((c) => c.id === 'gateway.port')!;
    expect(port).not.toHaveProperty('incidentSince');
    // One since: the incident's start, the same the incident list shows.
    expect(port.since).toBe(status.alerts.incidents.find((i) => i.checkId === 'gateway.port')?.since);
    expect(status.alerts.outbox.notifiers.map((n) => n.name).sort()).toEqual(['hook', 'quiet']);
    expect(status.alerts.outbox.notifiers.find((n) => n.name === 'quiet')?.sent).toBe(0);
    expect(status.lastCycle.at).toBe(status.checks.map((c) => String(c.lastRunAt ?? '')).sort().at(-1));

    // The agent "runs" (a live pid) but its last cycle is ten minutes old: its loop is stuck.
    const state = JSON.parse(await readFile(home.statePath, 'utf8'));
    state.sections.agent.pid = process.pid;
    delete state.sections.agent.stoppedAt;
    for (const c of Object.values(state.checks) as Array<{ last?: { at: number } }>) if (c.last) c.last.at -= 600_000;
    await writeFile(home.statePath, JSON.stringify(state));
    const stuck = await home.run(['status']);
    expect(stuck.code).toBe(1);
    expect(stuck.stdout).toMatch(/problem: the last check cycle was 10m\d*s? ago, more than twice the shortest schedule \(1s\): the agent \(pid \d+\) runs but its loop looks stuck/);
  });

  it('silence clear --id with an unknown id exits 1', async () => {
    home = await makeCliHome();
    const res = await home.run(['silence', 'clear', '--id', 'no-such-id']);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('no active silence with id no-such-id');
  });
});
