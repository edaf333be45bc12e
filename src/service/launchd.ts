import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { COMMAND_TIMEOUT_MS, which, type ServiceManager, type ServiceStatus } from './manager.ts';
import type { ServiceTarget } from './plan.ts';

/** gui/<uid> for a LaunchAgent, system for a LaunchDaemon. */
const domain = (plan: ServiceTarget) => (plan.scope === 'system' ? 'system' : `gui/${plan.account.uid}`);

/** launchd: a plist, `launchctl bootstrap` and `enable`; `bootout` to remove. macOS only. */
export const launchd: ServiceManager = {
  unavailable(_plan, m) {
    if (m.root) return 'launchd jobs are not installed offline (--root)';
    if (!which('launchctl', m.env)) return 'launchctl is not on PATH: launchd is macOS only';
    return undefined;
  },
  enable(plan, m) {
    const ctl = which('launchctl', m.env) ?? 'launchctl';
    return [
      { file: ctl, args: ['enable', `${domain(plan)}/${plan.label}`] },
      { file: ctl, args: ['bootstrap', domain(plan), plan.unitPath] },
    ];
  },
  disable(plan, m) {
    return [{ file: which('launchctl', m.env) ?? 'launchctl', args: ['bootout', `${domain(plan)}/${plan.label}`], mayFail: true }];
  },
  async status(plan, m): Promise<ServiceStatus> {
    const unitPath = m.root ? join(m.root, plan.unitPath) : plan.unitPath;
    const out: ServiceStatus = { manager: 'launchd', unitPath, installed: existsSync(unitPath), enabled: null, running: false, pid: null, lastExit: null };
    const ctl = which('launchctl', m.env);
    if (!ctl || m.root) return { ...out, note: this.unavailable(plan, m) ?? 'launchctl not found' };
    const res = await m.exec(ctl, ['print', `${domain(plan)}/${plan.label}`], { timeoutMs: COMMAND_TIMEOUT_MS, env: m.env });
    if (res.code !== 0) return { ...out, enabled: false, note: 'not loaded in launchd' };
    return { ...out, ...parseLaunchctlPrint(res.stdout) };
  },
};

/** `launchctl print` lines such as "state = running", "pid = 4121", "last exit code = 1". */
export function parseLaunchctlPrint(text: string): Pick<ServiceStatus, 'enabled' | 'running' | 'pid' | 'lastExit'> {
  const field = (name: string) => new RegExp(`^\\s*${name} = (.+)$`, 'm').exec(text)?.[1]?.trim();
  const pid = Number(field('pid'));
  const exit = field('last exit code');
  return { enabled: true, running: field('state') === 'running', pid: pid > 0 ? pid : null, lastExit: exit && exit !== '(never exited)' ? `exit code ${exit}` : null };
}
