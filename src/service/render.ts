// Fills the templates in deploy/ with a plan's values, each escaped for its file format. A value with a
// control character (a newline in a path could add a directive) is refused, never escaped.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliError } from '../cli/errors.ts';
import type { ServicePlan } from './plan.ts';

export const TEMPLATES = {
  systemd: 'clawmedic.service',
  launchd: 'ai.clawmedic.agent.plist',
  pm2: 'ecosystem.config.cjs',
} as const;

export function loadTemplate(root: string, manager: keyof typeof TEMPLATES): string {
  const path = join(root, 'deploy', TEMPLATES[manager]);
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read the template ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** Refuses text that could break out of its line or field. */
function plain(value: string, what: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new CliError(`${what} contains a control character (${JSON.stringify(value)}); refusing to write it into a service file`);
  return value;
}

/**
 * Fills {{NAME}} placeholders. A line that is only a placeholder whose value is empty is dropped, and
 * "@system " lines are kept (without the marker) for a system service only.
 */
export function fill(template: string, values: Record<string, string>, scope: 'user' | 'system'): string {
  const out: string[] = [];
  for (const raw of template.split('\n')) {
    let line = raw;
    if (line.startsWith('@system ')) {
      if (scope !== 'system') continue;
      line = line.slice('@system '.length);
    }
    const only = /^\s*\{\{([A-Z_]+)\}\}\s*$/.exec(line);
    if (only && values[only[1]!] === '') continue;
    out.push(
      line.replace(/\{\{([A-Z_]+)\}\}/g, (_, key: string) => {
        const v = values[key];
        if (v === undefined) throw new CliError(`template placeholder {{${key}}} has no value`);
        return v;
      }),
    );
  }
  return out.join('\n');
}

// ---- systemd ------------------------------------------------------------------------------------------

/** `%` starts a specifier in every unit setting. */
function systemdPercent(value: string, what: string): string {
  return plain(value, what).replace(/%/g, '%%');
}

/** One double-quoted word for ExecStart= or Environment=: C escapes, specifiers, and ($ in ExecStart) variables. */
function systemdQuoted(value: string, what: string, exec: boolean): string {
  let v = systemdPercent(value, what).replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  if (exec) v = v.replace(/\$/g, '$$$$');
  return `"${v}"`;
}

export function renderSystemd(template: string, plan: ServicePlan): string {
  const exec = [plan.node, plan.entry, 'run', ...plan.configArgs];
  return fill(
    template,
    {
      WATCHDOG_SEC: `${plan.watchdogSec}s`,
      EXEC_START: exec.map((a) => systemdQuoted(a, 'a command-line argument', true)).join(' '),
      USER: systemdPercent(plan.account.name, 'the user name'),
      GROUP: systemdPercent(plan.groupName, 'the group name'),
      WORKING_DIR: systemdPercent(plan.workingDir, 'the working directory'),
      ENVIRONMENT: Object.entries(plan.env)
        .map(([k, v]) => `Environment=${systemdQuoted(`${k}=${v}`, `environment variable ${k}`, false)}`)
        .join('\n'),
      ENV_FILE: systemdPercent(plan.envFile, 'the environment file path'),
      READ_WRITE_PATHS: plan.writablePaths.map((p) => systemdQuoted(`-${p}`, 'a writable path', false)).join(' '),
      WANTED_BY: plan.scope === 'system' ? 'multi-user.target' : 'default.target',
    },
    plan.scope,
  );
}

// ---- launchd ------------------------------------------------------------------------------------------

function xml(value: string, what: string): string {
  return plain(value, what).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

export function renderLaunchd(template: string, plan: ServicePlan): string {
  const args = [plan.node, `--env-file-if-exists=${plan.envFile}`, plan.entry, 'run', ...plan.configArgs];
  return fill(
    template,
    {
      LABEL: xml(plan.label, 'the label'),
      PROGRAM_ARGUMENTS: args.map((a) => `    <string>${xml(a, 'a command-line argument')}</string>`).join('\n'),
      USER_NAME: plan.scope === 'system' ? `  <key>UserName</key>\n  <string>${xml(plan.account.name, 'the user name')}</string>` : '',
      WORKING_DIR: xml(plan.workingDir, 'the working directory'),
      ENVIRONMENT: Object.entries(plan.env)
        .map(([k, v]) => `    <key>${xml(k, 'a variable name')}</key>\n    <string>${xml(v, `environment variable ${k}`)}</string>`)
        .join('\n'),
      LOG_FILE: xml(plan.logFile, 'the log file path'),
    },
    plan.scope,
  );
}

// ---- pm2 ----------------------------------------------------------------------------------------------

export function renderPm2(template: string, plan: ServicePlan): string {
  const settings = {
    name: plan.label,
    entry: plan.entry,
    args: ['run', ...plan.configArgs],
    node: plan.node,
    envFile: plan.envFile,
    workingDir: plan.workingDir,
    env: plan.env,
  };
  for (const [k, v] of Object.entries({ ...settings, ...plan.env })) if (typeof v === 'string') plain(v, k);
  // JSON is a JavaScript literal: every value stays a string, whatever it holds.
  return fill(template, { SETTINGS: JSON.stringify(settings, null, 2) }, plan.scope);
}

export function render(root: string, plan: ServicePlan): string {
  const template = loadTemplate(root, plan.manager);
  if (plan.manager === 'systemd') return renderSystemd(template, plan);
  if (plan.manager === 'launchd') return renderLaunchd(template, plan);
  return renderPm2(template, plan);
}
