// What a service unit says, decided before anything is written: the Node it runs, as whom, with which PATH
// and environment file; and the values that would break a unit out of its line are refused.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import type { Exec } from '../../src/contracts.ts';
import { CliError } from '../../src/cli/errors.ts';
import { parseEnvFile } from '../../src/service/env-file.ts';
import { parseLaunchctlPrint } from '../../src/service/launchd.ts';
import { buildPlan, type PlanInputs } from '../../src/service/plan.ts';
import { fill, renderSystemd } from '../../src/service/render.ts';
import { chooseNode, packageRoot } from '../../src/service/runtime.ts';
import { parseShow } from '../../src/service/systemd.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const alice = { name: 'alice', uid: 1000, gid: 1000, home: '/home/alice' };
const root = { name: 'root', uid: 0, gid: 0, home: '/root' };

function inputs(over: Partial<PlanInputs> = {}): PlanInputs {
  // No config file: the embedded default, at the path HOME gives.
  const cfg = loadConfig({ env: { HOME: '/home/alice', PATH: '' } }).config!;
  return {
    manager: 'systemd',
    scope: 'user',
    config: cfg,
    node: { path: '/opt/node24/bin/node', version: '24.21.0' },
    entry: '/opt/clawmedic/bin/clawmedic.cjs',
    installer: alice,
    openclawBin: '/home/alice/.npm-global/bin/openclaw',
    env: { OPENCLAW_PROFILE: 'work', OPENCLAW_GATEWAY_TOKEN: 'secret-token-value', PATH: '/usr/bin' },
    groups: new Map([[1000, 'alice']]),
    ...over,
  };
}

describe('service plan', () => {
  it('runs Node 24 by absolute path, with the CLI directory on PATH, as the gateway user, secrets only from the env file', () => {
    const plan = buildPlan(inputs());
    expect(plan.node).toBe('/opt/node24/bin/node');
    expect(plan.env.PATH!.split(':').slice(0, 2)).toEqual(['/home/alice/.npm-global/bin', '/opt/node24/bin']);
    expect(plan.env.HOME).toBe('/home/alice');
    expect(plan.env.OPENCLAW_PROFILE).toBe('work');
    expect(JSON.stringify(plan)).not.toContain('secret-token-value');
    expect(plan.envFile).toBe('/home/alice/.openclaw/clawmedic.env');
    expect(plan.unitPath).toBe('/home/alice/.config/systemd/user/clawmedic.service');
    expect(plan.configArgs).toEqual([]); // no file yet: the unit finds it by HOME, as this install did
    expect(plan.warnings).toEqual([]);
  });

  it('a system unit runs as the gateway\'s user; a user unit under another user than the gateway warns', () => {
    const gateway = { account: alice, source: 'the process on port 18789 (pid 42)' };
    const system = buildPlan(inputs({ scope: 'system', installer: root, gateway }));
    expect(system.account).toEqual(alice);
    expect(system.unitPath).toBe('/etc/systemd/system/clawmedic.service');
    const user = buildPlan(inputs({ installer: { ...alice, name: 'bob', uid: 1001, home: '/home/bob' }, gateway }));
    expect(user.warnings[0]).toMatch(/the gateway runs as alice \(the process on port 18789 \(pid 42\)\) but the service would run as bob/);
    expect(buildPlan(inputs({ openclawBin: undefined })).warnings.join()).toContain('openclaw CLI was not found');
    expect(() => buildPlan(inputs({ manager: 'pm2', scope: 'system' }))).toThrow(/pm2 runs its apps as the user/);
  });

  it('a hostile value is escaped for systemd (%, $, quotes) and a control character is refused', () => {
    const template = readFileSync(join(packageRoot(), 'deploy', 'clawmedic.service'), 'utf8');
    const plan = buildPlan(inputs({ entry: '/opt/a "b" 100%/$HOME/clawmedic.cjs' }));
    const unit = renderSystemd(template, plan);
    expect(unit).toContain('ExecStart="/opt/node24/bin/node" "/opt/a \\"b\\" 100%%/$$HOME/clawmedic.cjs" "run"');
    expect(unit).not.toContain('User='); // a user unit runs as its owner
    expect(unit).not.toContain('ProtectSystem');
    const bad = buildPlan(inputs({ entry: '/opt/x\nExecStartPre=/bin/rm -rf /' }));
    expect(() => renderSystemd(template, bad)).toThrow(CliError);
    expect(() => renderSystemd(template, bad)).toThrow(/control character/);
    expect(() => fill('{{MISSING}}', {}, 'user')).toThrow(/no value/);
  });

  it('chooses the running Node when it is 24, else the project\'s own; an older one with none is refused', async () => {
    const exec: Exec = async () => ({ code: 0, signal: null, stdout: 'v24.21.0\n', stderr: '', timedOut: false, durationMs: 1 });
    const here = packageRoot();
    expect(await chooseNode({ root: here, exec, execPath: '/usr/bin/node', version: '24.1.0' })).toMatchObject({ path: '/usr/bin/node', source: 'running' });
    expect(await chooseNode({ root: here, exec, execPath: '/usr/bin/node', version: '20.20.2' })).toMatchObject({ source: 'project', version: '24.21.0' });
    await expect(chooseNode({ root: '/nonexistent', exec, execPath: '/usr/bin/node', version: '20.20.2' })).rejects.toThrow(/needs Node.js 24 or newer: this is Node 20.20.2/);
  });

  it('reads env files, systemctl show and launchctl print', () => {
    expect(parseEnvFile('# c\nA=1\nexport B="two words"\n\nbad line\nC=\'x=y\'\n')).toEqual({ A: '1', B: 'two words', C: 'x=y' });
    expect(parseShow('ActiveState=active\nMainPID=42\n')).toEqual({ ActiveState: 'active', MainPID: '42' });
    expect(parseLaunchctlPrint('\tstate = running\n\tpid = 4121\n\tlast exit code = 1\n')).toEqual({ enabled: true, running: true, pid: 4121, lastExit: 'exit code 1' });
  });
});
