import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { COMMAND_TIMEOUT_MS, which, type ServiceManager, type ServiceStatus } from './manager.ts';
import type { ServiceTarget } from './plan.ts';

const unitName = (plan: ServiceTarget) => `${plan.label}.service`;
const scopeArgs = (plan: ServiceTarget) => (plan.scope === 'user' ? ['--user'] : []);

/** systemd: a unit file, `systemctl daemon-reload`, `enable --now`; with --root only the offline enable. */
export const systemd: ServiceManager = {
  unavailable(plan, m) {
    if (!which('systemctl', m.env)) return 'systemctl is not on PATH: this host has no systemd';
    if (m.root) return plan.scope === 'user' ? 'a user unit cannot be enabled offline (--root): install it as that user on the running host' : undefined;
    // sd_booted(): systemd is PID 1 when this directory exists.
    if (!existsSync('/run/systemd/system')) return 'systemd is not running on this host (no /run/systemd/system): its units would never start';
    return undefined;
  },
  enable(plan, m) {
    const ctl = which('systemctl', m.env) ?? 'systemctl';
    if (m.root) return [{ file: ctl, args: [`--root=${m.root}`, 'enable', unitName(plan)] }];
    return [
      { file: ctl, args: [...scopeArgs(plan), 'daemon-reload'] },
      { file: ctl, args: [...scopeArgs(plan), 'enable', '--now', unitName(plan)] },
    ];
  },
  disable(plan, m) {
    const ctl = which('systemctl', m.env) ?? 'systemctl';
    if (m.root) return [{ file: ctl, args: [`--root=${m.root}`, 'disable', unitName(plan)], mayFail: true }];
    return [{ file: ctl, args: [...scopeArgs(plan), 'disable', '--now', unitName(plan)], mayFail: true }];
  },
  afterRemove(plan, m) {
    if (m.root) return [];
    return [{ file: which('systemctl', m.env) ?? 'systemctl', args: [...scopeArgs(plan), 'daemon-reload'], mayFail: true }];
  },
  async status(plan, m): Promise<ServiceStatus> {
    const unitPath = m.root ? join(m.root, plan.unitPath) : plan.unitPath;
    const out: ServiceStatus = { manager: 'systemd', unitPath, installed: existsSync(unitPath), enabled: null, running: false, pid: null, lastExit: null };
    const ctl = which('systemctl', m.env);
    const why = this.unavailable(plan, m);
    if (!ctl || why) return { ...out, note: why ?? 'systemctl not found' };
    if (m.root) {
      // Offline only the unit file's state can be asked.
      const res = await m.exec(ctl, [`--root=${m.root}`, 'is-enabled', unitName(plan)], { timeoutMs: COMMAND_TIMEOUT_MS, env: m.env });
      return { ...out, enabled: res.stdout.trim() === 'enabled', note: `offline (--root): ${res.stdout.trim() || 'not enabled'}` };
    }
    const props = ['UnitFileState', 'ActiveState', 'SubState', 'MainPID', 'ExecMainStatus', 'ExecMainCode', 'Result', 'NRestarts'];
    const args = [...scopeArgs(plan), 'show', unitName(plan), '-p', props.join(',')];
    const res = await m.exec(ctl, args, { timeoutMs: COMMAND_TIMEOUT_MS, env: m.env });
    if (res.code !== 0) return { ...out, note: `systemctl show failed: ${res.stderr.trim().split('\n')[0] ?? ''}` };
    const p = parseShow(res.stdout);
    const pid = Number(p.MainPID);
    return {
      ...out,
      enabled: p.UnitFileState ? p.UnitFileState === 'enabled' : null,
      running: p.ActiveState === 'active' || p.ActiveState === 'reloading',
      pid: pid > 0 ? pid : null,
      lastExit: p.ExecMainCode && p.ExecMainCode !== '0' ? `status ${p.ExecMainStatus ?? '?'} (${p.Result ?? 'unknown'}${p.NRestarts ? `, ${p.NRestarts} restarts` : ''})` : null,
      ...(p.ActiveState ? { note: `${p.ActiveState} (${p.SubState ?? '?'})` } : {}),
    };
  },
};

/** `systemctl show` output: Key=Value lines. */
export function parseShow(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return out;
}
