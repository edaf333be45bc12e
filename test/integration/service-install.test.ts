// `clawmedic service install|uninstall|status` as a real process: the rendered units pass their own tools
// (systemd-analyze verify, a plist parser, pm2 itself), an install into a temporary root needs no running
// systemd, one real pm2 round trip runs the agent, and bad input is refused with nothing half-written.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readlinkSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CLI_ENTRY, makeCliHome, waitFor, type CliHome } from '../fixtures/cli.ts';
import { ensurePm2, killPm2, pathWithPm2 } from '../fixtures/pm2.ts';

const execFileAsync = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;

let home: CliHome | undefined;
const temps: string[] = [];
afterEach(async () => {
  await home?.cleanup();
  home = undefined;
  for (const t of temps.splice(0)) await rm(t, { recursive: true, force: true });
});

async function temp(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

beforeAll(() => {
  // .ci/run installs these (systemd, python3); without them the units cannot be checked, so say so.
  execFileSync('systemd-analyze', ['--version'], { stdio: 'ignore' });
  execFileSync('python3', ['--version'], { stdio: 'ignore' });
});

/** What systemd-analyze verify says about a unit file, minus nothing: a clean unit gives no output. */
async function verify(path: string, user: boolean): Promise<string> {
  const runtime = await temp('clawmedic-xdg-');
  await chmod(runtime, 0o700);
  const args = [...(user ? ['--user'] : []), 'verify', path];
  try {
    const { stdout, stderr } = await execFileAsync('systemd-analyze', args, { env: { ...process.env, XDG_RUNTIME_DIR: runtime }, timeout: 30_000 });
    return `${stdout}${stderr}`.trim();
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; code?: number };
    return `exit ${e.code}: ${e.stdout ?? ''}${e.stderr ?? ''}`;
  }
}

describe('service install: rendered units', () => {
  it('the systemd units (system and user) pass systemd-analyze verify without a warning', async () => {
    home = await makeCliHome();
    await home.writeConfig("{ gateway: { port: 18789 } }");
    for (const scope of ['--system', '--user']) {
      const res = await home.run(['service', 'install', '--manager', 'systemd', scope, '--dry-run']);
      expect(res.code).toBe(0);
      const unit = join(home.home, `clawmedic${scope}.service`.replace('--', '-'));
      await writeFile(unit, res.stdout);
      expect(await verify(unit, scope === '--user')).toBe('');
      expect(res.stdout).toContain(`ExecStart="${process.execPath}" "${join(ROOT, 'bin', 'clawmedic.cjs')}" "run" "--config" "${join(home.dir, 'clawmedic.json5')}"`);
      expect(res.stdout).toContain(`EnvironmentFile=-${join(home.dir, 'clawmedic.env')}`);
      expect(res.stdout).toMatch(/^Type=notify$/m);
      expect(res.stdout).toMatch(/^WatchdogSec=120s$/m);
      expect(res.stderr).toContain('dry run: would write');
    }
    // Nothing written by a dry run.
    expect(existsSync(join(home.dir, 'clawmedic.env'))).toBe(false);
  });

  it('the launchd plist parses as a plist (plutil -lint where there is one)', async () => {
    home = await makeCliHome();
    const res = await home.run(['service', 'install', '--manager', 'launchd', '--user', '--dry-run']);
    expect(res.code).toBe(0);
    const plist = join(home.home, 'ai.clawmedic.agent.plist');
    await writeFile(plist, res.stdout);
    const parsed = JSON.parse(
      execFileSync('python3', ['-c', 'import json,plistlib,sys; print(json.dumps(plistlib.load(open(sys.argv[1],"rb"))))', plist], { encoding: 'utf8' }),
    ) as { Label: string; ProgramArguments: string[]; EnvironmentVariables: Record<string, string>; KeepAlive: unknown };
    expect(parsed.Label).toBe('ai.clawmedic.agent');
    expect(parsed.ProgramArguments).toEqual([process.execPath, `--env-file-if-exists=${join(home.dir, 'clawmedic.env')}`, join(ROOT, 'bin', 'clawmedic.cjs'), 'run']);
    expect(parsed.EnvironmentVariables.HOME).toBe(home.home);
    expect(parsed.KeepAlive).toEqual({ SuccessfulExit: false });
    const plutil = ['/usr/bin/plutil', '/usr/local/bin/plutil'].find((p) => existsSync(p));
    if (plutil) execFileSync(plutil, ['-lint', plist]);
  });
});

describe('service install: into a temporary root, no running systemd needed', () => {
  it('writes the unit and the env file (0600), enables it offline, refuses a second install without --force, and uninstalls', async () => {
    home = await makeCliHome();
    await home.writeConfig("{ gateway: { port: 18789 }, notifiers: { ops: { type: 'slack', url: 'env:SLACK_WEBHOOK_URL' } } }");
    const root = await temp('clawmedic-root-');
    const args = ['service', 'install', '--manager', 'systemd', '--system', '--root', root];
    const first = await home.run(args);
    expect(first.stderr).not.toContain('clawmedic:');
    expect(first.code).toBe(0);
    const unit = join(root, 'etc/systemd/system/clawmedic.service');
    expect(first.stdout).toContain(`installed clawmedic as a systemd system service: ${unit}`);
    // The notifier's secret is not set anywhere yet: install says where it goes.
    const envFile = join(root, home.dir, 'clawmedic.env');
    expect(first.stderr).toContain(`the config reads env:SLACK_WEBHOOK_URL, set nowhere yet: add SLACK_WEBHOOK_URL=... to ${envFile}`);
    expect((await stat(envFile)).mode & 0o777).toBe(0o600);
    const link = join(root, 'etc/systemd/system/multi-user.target.wants/clawmedic.service');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe('/etc/systemd/system/clawmedic.service');
    expect(await verify(unit, false)).toBe('');

    const again = await home.run(args);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('clawmedic is already installed as a systemd system service');
    expect(again.stderr).toContain('--force replaces it');

    await writeFile(envFile, 'SLACK_WEBHOOK_URL=https://hooks.slack.com/services/T000/B000/XXXX\n');
    const forced = await home.run([...args, '--force']);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain('kept as it was');
    expect(forced.stderr).not.toContain('SLACK_WEBHOOK_URL');

    const status = await home.run(['service', 'status', '--root', root, '--manager', 'systemd', '--system', '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ manager: 'systemd', scope: 'system', installed: true, enabled: true, running: false });
    expect(status.code).toBe(1); // installed, not running

    const removed = await home.run(['service', 'uninstall', '--root', root, '--manager', 'systemd', '--system']);
    expect(removed.code).toBe(0);
    expect(existsSync(unit)).toBe(false);
    expect(existsSync(link)).toBe(false);
    expect(existsSync(envFile)).toBe(true); // the secrets stay
    expect((await home.run(['service', 'uninstall', '--root', root, '--manager', 'systemd', '--system'])).stderr).toContain('clawmedic is not installed');
  });

  it('an invalid config stops the install (exit 2), and nothing is written', async () => {
    home = await makeCliHome();
    await home.writeConfig("{ checks: { 'gateway.port': { schedule: 'often' } } }");
    const root = await temp('clawmedic-root-');
    const res = await home.run(['service', 'install', '--manager', 'systemd', '--system', '--root', root]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('fix it before installing the service (nothing installed)');
    expect(res.stderr).toContain('checks.gateway.port.schedule');
    expect(await readdir(root)).toEqual([]);
    expect(existsSync(join(home.dir, 'clawmedic.env'))).toBe(false);
  });

  it('a manager that is not there: says so, prints the unit to install by hand, writes nothing', async () => {
    home = await makeCliHome();
    const res = await home.run(['service', 'install', '--manager', 'launchd']);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('launchctl is not on PATH: launchd is macOS only; nothing installed. To install by hand: save the launchd file above as');
    expect(res.stdout).toContain('<key>Label</key>');
    const noPm2 = await home.run(['service', 'install', '--manager', 'pm2'], { env: { PATH: '/usr/bin:/bin' } });
    expect(noPm2.code).toBe(1);
    expect(noPm2.stderr).toContain('pm2 is not on PATH');
    expect(await readdir(home.dir)).toEqual([]);
  });

  it('no permission: a clear message, exit 1, nothing written', async () => {
    // As an unprivileged user (nobody) into a root-owned directory.
    const root = await temp('clawmedic-root-');
    const nobodyHome = await temp('clawmedic-nobody-');
    await chmod(nobodyHome, 0o777);
    const res = await execFileAsync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, CLI_ENTRY, 'service', 'install', '--manager', 'systemd', '--system', '--root', root], {
      env: { PATH: process.env.PATH, HOME: nobodyHome },
      timeout: 60_000,
    }).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => err,
    );
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`no permission to write ${join(root, 'etc/systemd/system')}`);
    expect(res.stderr).toContain('run it as root (sudo), or use --user; nothing installed');
    expect(await readdir(root)).toEqual([]);
  });

  it('a manager command that fails: the unit and the env file it created are taken back', async () => {
    home = await makeCliHome();
    const bin = await temp('clawmedic-fake-pm2-');
    // A pm2 that refuses everything, as a broken install would.
    await writeFile(join(bin, 'pm2'), '#!/bin/sh\necho "pm2: daemon cannot start" >&2\nexit 1\n', { mode: 0o755 });
    const res = await home.run(['service', 'install', '--manager', 'pm2'], { env: { PATH: `${bin}:${process.env.PATH}` } });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`${join(bin, 'pm2')} start ${join(home.dir, 'clawmedic.pm2.config.cjs')} failed (exit 1: pm2: daemon cannot start); nothing installed`);
    expect(await readdir(home.dir)).toEqual([]);
  });

  it('usage errors exit 1 with one line', async () => {
    home = await makeCliHome();
    const both = await home.run(['service', 'install', '--user', '--system', '--dry-run']);
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('--user and --system exclude each other');
    const unknown = await home.run(['service', 'install', '--manager', 'runit']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('unknown --manager "runit"');
  });
});

describe('service install: pm2', () => {
  it('round trip: install, the agent runs under pm2 and writes its state, status, uninstall', async () => {
    await ensurePm2();
    home = await makeCliHome();
    const pm2Home = join(home.home, '.pm2');
    const env = { PATH: pathWithPm2(), PM2_HOME: pm2Home };
    const envAll = { ...home.env, ...env };
    await home.writeConfig("{ gateway: { port: 1 }, checks: { 'gateway.port': { schedule: '2s' }, doctor: { enabled: false }, config: { enabled: false } } }");
    await mkdir(pm2Home, { recursive: true });
    try {
      const installed = await home.run(['service', 'install', '--manager', 'pm2'], { env, timeoutMs: 120_000 });
      expect(installed.stderr).not.toContain('clawmedic:');
      expect(installed.code).toBe(0);
      // pm2 loaded the ecosystem file: the app is there, with the absolute Node 24 as its interpreter.
      const state = await waitFor('the agent under pm2 to write its state', async () => {
        const s = JSON.parse(await readFile(home!.statePath, 'utf8')) as { sections: { agent?: { pid?: number } }; checks?: Record<string, { last?: unknown }> };
        return s.checks?.['gateway.port'] ? s : undefined;
      }, 60_000);
      const status = await home.run(['service', 'status', '--json'], { env });
      const s = JSON.parse(status.stdout) as { running: boolean; pid: number; enabled: boolean };
      expect(s).toMatchObject({ manager: 'pm2', installed: true, running: true, enabled: true });
      expect(s.pid).toBe(state.sections.agent?.pid);
      const jlist = JSON.parse((await execFileAsync('pm2', ['jlist'], { env: envAll, timeout: 60_000 })).stdout.replace(/^[^[]*/, '')) as Array<{ name: string; pm2_env: { exec_interpreter: string } }>;
      expect(jlist.find((a) => a.name === 'clawmedic')?.pm2_env.exec_interpreter).toBe(process.execPath);

      const removed = await home.run(['service', 'uninstall'], { env, timeoutMs: 120_000 });
      expect(removed.code).toBe(0);
      expect(existsSync(join(home.dir, 'clawmedic.pm2.config.cjs'))).toBe(false);
      const after = JSON.parse((await execFileAsync('pm2', ['jlist'], { env: envAll, timeout: 60_000 })).stdout.replace(/^[^[]*/, '')) as unknown[];
      expect(after).toEqual([]);
    } finally {
      await killPm2(envAll);
    }
  }, 180_000);
});

describe('service install: an older Node', () => {
  it('the clawmedic command under Node < 24 says which Node to use and exits 1', async () => {
    // The system Node (20 on the build machines, as old-node.test.ts also needs).
    const res = await execFileAsync('/usr/bin/node', [join(ROOT, 'bin', 'clawmedic.cjs'), 'service', 'install', '--dry-run']).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => err,
    );
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/needs Node.js 24 or newer, but this is Node 2[0-3]\./);
  });
});
