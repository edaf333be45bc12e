// Fault injection on the real agent process: its own state directory made read-only or full mid-run,
// a damaged silences file, a damaged section of the state file. In each case the agent keeps running,
// its clawmedic.self check alerts through a real HTTP receiver (a webhook notifier), and the alert
// resolves once the fault is removed.
//
// The read-only and full-disk cases mount a small tmpfs, which needs root (CI runs as root); run as
// another user they fail saying so rather than pass without testing anything.
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeCliHome, waitFor, type CliHome } from '../fixtures/cli.ts';
import { startFakeGateway, stopAllChildren } from '../fixtures/gateway-harness.ts';
import { startReceiver, webhookAlerts, type HttpReceiver, type WireAlert } from '../fixtures/http-receiver.ts';

const run = promisify(execFile);

let h: CliHome;
let receiver: HttpReceiver;
const mounts: string[] = [];
const immutable: string[] = [];

beforeEach(async () => {
  h = await makeCliHome();
  receiver = await startReceiver();
});

afterEach(async () => {
  for (const d of immutable.splice(0)) await run('chattr', ['-i', d]).catch(() => undefined);
  await h.cleanup().catch(() => undefined);
  for (const m of mounts.splice(0)) await run('umount', ['-l', m]).catch(() => undefined);
  await receiver.close();
  await stopAllChildren();
});

/** Self alerts the receiver got, oldest first. */
function selfAlerts(): WireAlert[] {
  return webhookAlerts(receiver).filter((a) => a.checkId === 'clawmedic.self');
}

async function config(port: number, statePath?: string, selfOptions = '{ minFreeBytes: 0 }'): Promise<void> {
  await h.writeConfig(`{
    gateway: { port: ${port} },
    ${statePath ? `state: { path: '${statePath}' },` : ''}
    checks: {
      'gateway.port': { schedule: '1s', timeout: '800ms', jitter: 0 },
      'gateway.http': { schedule: '1s', timeout: '800ms', jitter: 0, options: { requestTimeoutMs: 300 } },
      config: { enabled: false },
      doctor: { enabled: false },
      'clawmedic.self': { schedule: '1s', timeout: '800ms', jitter: 0, options: ${selfOptions} },
    },
    notifiers: { hook: { type: 'webhook', url: '${receiver.url}/alerts' } },
    alerting: { batchWindow: '200ms', retryBackoff: '1s', retryBackoffMax: '2s' },
  }`);
}

async function tmpfs(size: string): Promise<string> {
  if (process.getuid?.() !== 0) throw new Error('this test mounts a tmpfs for the state directory and must run as root (CI does)');
  const dir = join(h.home, 'statefs');
  await mkdir(dir, { recursive: true });
  await run('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir]);
  mounts.push(dir);
  return dir;
}

const waitAlert = (what: string, pick: (a: WireAlert) => boolean, timeoutMs = 30_000) =>
  waitFor(what, () => selfAlerts().find(pick), timeoutMs);

describe('clawmedic.self: the agent watches its own files', () => {
  it('a state directory remounted read-only mid-run: CRIT alert naming EROFS and the path, then resolved once writable', async () => {
    const gw = await startFakeGateway({ mode: 'up' });
    const dir = await tmpfs('8m');
    const statePath = join(dir, 'clawmedic.state.json');
    await config(gw.port, statePath);
    const agent = h.spawnAgent();
    await waitFor('the first state write', async () => JSON.parse(await readFile(statePath, 'utf8')).sections?.agent?.pid);

    await run('mount', ['-o', 'remount,ro', dir]);
    const failing = await waitAlert('the read-only alert', (a) => a.kind === 'failing' && /EROFS/.test(a.summary));
    expect(failing.severity).toBe('crit');
    // Seen by the self check's own look at the directory, or by the first write that fails: either names where.
    expect(failing.summary).toContain(dir);
    expect(failing.summary).toMatch(/read-only file system \(EROFS\)/);
    expect(failing.summary).toMatch(/kept in memory until it is writable/);

    await run('mount', ['-o', 'remount,rw', dir]);
    await waitAlert('the resolved notice', (a) => a.kind === 'resolved', 45_000);
    expect(agent.child.exitCode).toBeNull();
    // The failure was logged once, not once per attempt.
    expect(agent.output().match(/"fault":"state.write".*"level":"error"|"level":"error".*"fault":"state.write"/g) ?? []).toHaveLength(1);
    agent.child.kill('SIGTERM');
    expect(await agent.exited).toBe(0);
  }, 120_000);

  it('a state directory made immutable before the start: the agent starts anyway, alerts EPERM, resolves when it is writable', async () => {
    if (process.getuid?.() !== 0) throw new Error('this test sets the immutable attribute (chattr +i) and must run as root (CI does)');
    const gw = await startFakeGateway({ mode: 'up' });
    const dir = join(h.home, 'frozen');
    await mkdir(dir);
    const statePath = join(dir, 'clawmedic.state.json');
    await config(gw.port, statePath);
    await run('chattr', ['+i', dir]);
    immutable.push(dir);
    const agent = h.spawnAgent();
    const failing = await waitAlert('the EPERM alert', (a) => a.kind === 'failing');
    expect(failing.severity).toBe('crit');
    expect(failing.summary).toContain(dir);
    expect(failing.summary).toMatch(/operation not permitted .*\(EPERM\)/);
    expect(agent.child.exitCode).toBeNull();

    await run('chattr', ['-i', dir]);
    await waitAlert('the resolved notice', (a) => a.kind === 'resolved', 45_000);
    expect(JSON.parse(await readFile(statePath, 'utf8')).sections.agent.pid).toBe(agent.child.pid);
    agent.child.kill('SIGTERM');
    expect(await agent.exited).toBe(0);
  }, 120_000);

  it('a full disk: CRIT alert naming ENOSPC while the gateway checks go on, resolved once space is freed', async () => {
    const gw = await startFakeGateway({ mode: 'up' });
    const dir = await tmpfs('4m');
    const statePath = join(dir, 'clawmedic.state.json');
    await config(gw.port, statePath, '{ minFreeBytes: 1048576 }');
    const agent = h.spawnAgent();
    await waitFor('the first state write', async () => JSON.parse(await readFile(statePath, 'utf8')).sections?.agent?.pid);

    // Fill what is left (dd stops at ENOSPC, which is the point).
    await run('dd', ['if=/dev/zero', `of=${join(dir, 'fill')}`, 'bs=64k']).catch(() => undefined);
    const failing = await waitAlert('the disk-full alert', (a) => /ENOSPC/.test(a.summary));
    expect(failing.severity).toBe('crit');
    expect(failing.summary).toContain(`cannot write state file ${statePath}: no space left on device (ENOSPC)`);
    // Below minFreeBytes is its own finding, a WARN, listed with the failed write.
    expect(failing.diagnosis).toMatch(/only \d[\d.]* (B|KiB) free on the file system holding/);

    await rm(join(dir, 'fill'));
    await waitAlert('the resolved notice', (a) => a.kind === 'resolved', 45_000);
    // The results recorded while the disk was full reached the file once it had room.
    const state = JSON.parse(await readFile(statePath, 'utf8'));
    expect(state.checks['gateway.port'].window.length).toBeGreaterThan(3);
    agent.child.kill('SIGTERM');
    expect(await agent.exited).toBe(0);
  }, 120_000);

  it('a damaged silences file: WARN alert naming the file, the agent runs on, resolved once it is fixed', async () => {
    const gw = await startFakeGateway({ mode: 'up' });
    await config(gw.port);
    const silences = join(h.dir, 'clawmedic.silences.json');
    const agent = h.spawnAgent();
    await waitFor('the agent running', async () => (await h.readState()).sections?.agent?.pid);
    await writeFile(silences, '{"version":1,"silences":[{"id":');
    const failing = await waitAlert('the silences alert', (a) => a.kind === 'failing');
    expect(failing.severity).toBe('warn');
    expect(failing.summary).toContain(`silences file ${silences} is not valid JSON`);

    const status = await h.run(['status']);
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(/problem: silences file .* is not valid JSON/);

    // The remedy the alert gives: `silence clear` replaces a damaged file with an empty one.
    expect((await h.run(['silence', 'clear', 'gateway.http'])).stderr).toMatch(/without checks or --id\) replaces it/);
    expect((await h.run(['silence', 'clear'])).code).toBe(0);
    await waitAlert('the resolved notice', (a) => a.kind === 'resolved');
    expect(agent.child.exitCode).toBeNull();
    agent.child.kill('SIGTERM');
    expect(await agent.exited).toBe(0);
  }, 90_000);

  it('a damaged section in the state file: reset at start with a copy kept, reported by status, no crash', async () => {
    const gw = await startFakeGateway({ mode: 'up' });
    await config(gw.port);
    const now = Date.now();
    await writeFile(
      h.statePath,
      JSON.stringify({ schemaVersion: 1, createdAt: now, updatedAt: now, checks: {}, sections: { alerts: { version: 1, incidents: null, resolved: [] }, outbox: { version: 1, entries: 'x' } }, notices: [] }),
      { mode: 0o600 },
    );
    const before = await h.run(['status', '--json']);
    expect(before.code).toBe(1);
    expect(JSON.parse(before.stdout).problems).toEqual([
      expect.stringMatching(/^state file part sections\.alerts is damaged/),
      expect.stringMatching(/^state file part sections\.outbox is damaged/),
    ]);

    const agent = h.spawnAgent();
    await waitFor('results recorded', async () => (await h.readState()).checks?.['gateway.port']);
    expect(agent.output()).toMatch(/sections\.alerts was damaged/);
    const after = await h.run(['status']);
    expect(after.code).toBe(0);
    expect(after.stdout).toMatch(/notice: sections\.outbox of the state file was damaged and reset .*copy kept as .*clawmedic\.state\.json\.corrupt-/);
    agent.child.kill('SIGTERM');
    expect(await agent.exited).toBe(0);
  }, 60_000);
});
