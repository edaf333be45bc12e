// `clawmedic recover` as a person runs it: dry run, --yes, the lock shared with the agent, --reset and
// --restore-config, against the fake CLI's `gateway run` in a temporary HOME.
import { hostname } from 'node:os';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeCliHome, type CliHome } from '../fixtures/cli.ts';
import { freePort } from '../fixtures/gateway-harness.ts';
import { installFakeOpenclaw, killIfAlive, type FakeOpenclaw } from '../fixtures/openclaw-cli-harness.ts';
import { findPortOwner } from '../../src/platform/port-owner.ts';

let h: CliHome;
let cli: FakeOpenclaw;
let port: number;

beforeEach(async () => {
  cli = await installFakeOpenclaw();
  h = await makeCliHome({ PATH: cli.env.PATH, FAKE_OPENCLAW_LOG: cli.logFile });
  port = await freePort();
  await writeFile(join(h.dir, 'openclaw.json'), '{ gateway: { mode: "local" } }\n', { mode: 0o600 });
  await h.writeConfig(`{ gateway: { port: ${port} }, recovery: { steps: { verify: { timeout: '15s' } } } }`);
});
afterEach(async () => {
  const owner = await findPortOwner(port).catch(() => undefined);
  if (owner?.kind === 'found') killIfAlive(owner.owner.pid);
  await h.cleanup();
  await cli.cleanup();
});

const runs = async () => (await cli.calls()).filter((c) => c.argv?.[0] === 'gateway' && c.argv?.[1] === 'run');

describe('clawmedic recover', () => {
  it('acts on the gateway only with --yes when not at a terminal', async () => {
    const res = await h.run(['recover']);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('pass --yes to go ahead (or --dry-run to see what it would do)');
    expect(await runs()).toEqual([]);
  });

  it('--dry-run prints each step and what it would run, and changes nothing', async () => {
    const res = await h.run(['recover', '--dry-run']);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('Dry run: nothing is changed.');
    expect(res.stdout).toMatch(/\[--\] validate: would check .*openclaw\.json as JSON5, then run `openclaw config validate --json`/);
    expect(res.stdout).toMatch(new RegExp(`\\[--\\] start: would run \`openclaw gateway run --port ${port} --bind <gateway.bind, default loopback>\` detached`));
    expect(res.stdout).toMatch(/\[--\] verify: would wait for .* new boot \(timeout 15s\)/);
    expect(await runs()).toEqual([]);
    expect((await findPortOwner(port)).kind).toBe('no-listener');
  });

  it('--yes starts a gateway that is down, verifies it, and records the attempt for the agent and status', async () => {
    const res = await h.run(['recover', '--yes']);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/\[ok\] start: started openclaw gateway run \(pid \d+\) on port \d+/);
    expect(res.stdout).toMatch(/Recovered in [\d.]+m?s: stop and start;/);
    expect((await findPortOwner(port)).kind).toBe('found');
    const requests = JSON.parse(await readFile(join(h.dir, 'clawmedic.recovery.json'), 'utf8'));
    expect(requests.manual).toHaveLength(1);
    expect(requests.manual[0]).toMatchObject({ by: 'cli', outcome: 'recovered' });
    expect((await stat(join(h.dir, 'clawmedic.recovery.json'))).mode & 0o777).toBe(0o600);
    const status = await h.run(['status']);
    expect(status.stdout).toMatch(/by hand: RECOVERED in/);
    const json = JSON.parse((await h.run(['status', '--json'])).stdout);
    expect(json.recovery.attempts[0]).toMatchObject({ by: 'cli', outcome: 'recovered' });
  }, 40_000);

  it('waits its turn: a recovery already running (the agent) is named, and nothing is done', async () => {
    const holder = { pid: process.pid, host: hostname(), since: Date.now(), by: 'agent' };
    await writeFile(join(h.dir, 'clawmedic.recovery.lock'), JSON.stringify(holder));
    const res = await h.run(['recover', '--yes']);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`a recovery is already running (agent, pid ${process.pid}`);
    expect(await runs()).toEqual([]);
  });

  it('--json prints the attempt; an invalid config stops it before any stop or start', async () => {
    await writeFile(join(h.dir, 'openclaw.json'), '{\n  gateway: {\n    mode: "local,\n  },\n}\n');
    const res = await h.run(['recover', '--yes', '--json']);
    expect(res.code).toBe(1);
    const attempt = JSON.parse(res.stdout);
    expect(attempt).toMatchObject({ by: 'cli', outcome: 'blocked', failedStep: 'validate' });
    expect(attempt.reason).toMatch(/line \d+:\d+/);
    expect(await runs()).toEqual([]);
  });

  it('--reset writes a request the agent applies, and mends a damaged requests file', async () => {
    await writeFile(join(h.dir, 'clawmedic.recovery.json'), '{"version": 1, "manual": [');
    const res = await h.run(['recover', '--reset']);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('Auto-recovery re-armed');
    expect(res.stdout).toContain('was damaged and has been replaced');
    const requests = JSON.parse(await readFile(join(h.dir, 'clawmedic.recovery.json'), 'utf8'));
    expect(typeof requests.resetAt).toBe('number');
  });

  it('--restore-config: none to restore is said plainly; a copy is put back after the current file is backed up', async () => {
    const none = await h.run(['recover', '--restore-config', '--yes']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no last-known-good copy of openclaw\.json to restore .*there is none yet/);

    const good = '{ gateway: { mode: "local", port: 18789 } }\n';
    await writeFile(join(h.dir, 'clawmedic.openclaw-last-good.json'), good, { mode: 0o600 });
    const broken = '{ gateway: { mode: "local, } }\n';
    await writeFile(join(h.dir, 'openclaw.json'), broken);
    // The config check's alert offers it.
    const check = await h.run(['check', 'config', '--json']);
    expect(JSON.parse(check.stdout).checks[0].remedy).toContain('clawmedic recover --restore-config');

    const res = await h.run(['recover', '--restore-config', '--yes']);
    expect(res.code).toBe(0);
    expect(await readFile(join(h.dir, 'openclaw.json'), 'utf8')).toBe(good);
    const backup = /previous file is (\S+)\.\n/.exec(res.stdout)![1]!;
    expect(await readFile(backup, 'utf8')).toBe(broken);
  });

  it('refuses to restore a copy that does not parse', async () => {
    await writeFile(join(h.dir, 'clawmedic.openclaw-last-good.json'), '{ nope');
    const res = await h.run(['recover', '--restore-config', '--yes']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/does not parse .*not restored/);
    expect(await readFile(join(h.dir, 'openclaw.json'), 'utf8')).toContain('mode: "local"');
  });

  it('--help names every option', async () => {
    const res = await h.run(['recover', '--help']);
    for (const flag of ['--dry-run', '--yes', '--reset', '--restore-config', '--json']) expect(res.stdout).toContain(flag);
  });
});
