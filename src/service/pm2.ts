import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { COMMAND_TIMEOUT_MS, which, type ManagerEnv, type ServiceManager, type ServiceStatus } from './manager.ts';
import type { ServiceTarget } from './plan.ts';

interface Pm2App {
  name?: string;
  pid?: number;
  pm2_env?: { status?: string; exit_code?: number; restart_time?: number; unstable_restarts?: number };
}

const pm2Bin = (m: ManagerEnv) => which('pm2', m.env);

async function jlist(m: ManagerEnv): Promise<Pm2App[] | string> {
  const bin = pm2Bin(m);
  if (!bin) return 'pm2 is not on PATH';
  const res = await m.exec(bin, ['jlist'], { timeoutMs: COMMAND_TIMEOUT_MS, env: m.env, maxOutputBytes: 16 * 1024 * 1024 });
  if (res.code !== 0) return `pm2 jlist failed: ${res.stderr.trim().split('\n')[0] ?? ''}`;
  // pm2 may print a banner before the list (its first run says where PM2_HOME is).
  const start = res.stdout.indexOf('[');
  try {
    const list: unknown = JSON.parse(res.stdout.slice(Math.max(0, start)));
    return Array.isArray(list) ? (list as Pm2App[]) : 'pm2 jlist did not print a list';
  } catch {
    return 'pm2 jlist did not print JSON';
  }
}

/** Whether pm2's dump (what `pm2 resurrect` and `pm2 startup` bring back) holds the app. */
function inDump(name: string, env: NodeJS.ProcessEnv): boolean | null {
  try {
    const dump: unknown = JSON.parse(readFileSync(join(env.PM2_HOME || join(env.HOME || homedir(), '.pm2'), 'dump.pm2'), 'utf8'));
    return Array.isArray(dump) && dump.some((a: { name?: unknown }) => a?.name === name);
  } catch {
    return null;
  }
}

/** pm2: an ecosystem file beside the config, `pm2 start` it and `pm2 save`; `pm2 delete` to remove. */
export const pm2: ServiceManager = {
  unavailable(_plan, m) {
    if (m.root) return 'pm2 apps are not installed offline (--root)';
    return pm2Bin(m) ? undefined : 'pm2 is not on PATH (npm install -g pm2)';
  },
  enable(plan, m) {
    const bin = pm2Bin(m) ?? 'pm2';
    return [
      { file: bin, args: ['start', plan.unitPath] },
      { file: bin, args: ['save'] },
    ];
  },
  disable(plan, m) {
    return [{ file: pm2Bin(m) ?? 'pm2', args: ['delete', plan.label], mayFail: true }];
  },
  afterRemove(_plan, m) {
    // --force: saving an empty list is what removing the last app means.
    return [{ file: pm2Bin(m) ?? 'pm2', args: ['save', '--force'], mayFail: true }];
  },
  async registered(plan, m) {
    const list = await jlist(m);
    return Array.isArray(list) && list.some((a) => a.name === plan.label);
  },
  async status(plan, m): Promise<ServiceStatus> {
    const out: ServiceStatus = { manager: 'pm2', unitPath: plan.unitPath, installed: existsSync(plan.unitPath), enabled: null, running: false, pid: null, lastExit: null };
    const list = await jlist(m);
    if (!Array.isArray(list)) return { ...out, note: list };
    const app = list.find((a) => a.name === plan.label);
    if (!app) return { ...out, enabled: false, note: 'not in pm2\'s process list' };
    const e = app.pm2_env ?? {};
    const restarts = e.restart_time ? `, ${e.restart_time} restarts` : '';
    return {
      ...out,
      installed: true,
      enabled: inDump(plan.label, m.env),
      running: e.status === 'online',
      pid: app.pid && app.pid > 0 ? app.pid : null,
      lastExit: e.exit_code !== undefined && e.exit_code !== null ? `exit code ${e.exit_code}${restarts}` : null,
      note: e.status ?? 'unknown',
    };
  },
};
