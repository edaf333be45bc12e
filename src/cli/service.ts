import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { execFileGroup } from '../platform/exec.ts';
import type { ServiceDeps, ServiceRequest } from '../service/install.ts';
import { MANAGERS, type ManagerName } from '../service/plan.ts';
import type { GlobalOptions } from './context.ts';
import { CliError } from './errors.ts';

interface ServiceFlags {
  manager?: string;
  user?: boolean;
  system?: boolean;
  dryRun?: boolean;
  force?: boolean;
  root?: string;
  json?: boolean;
}

function request(flags: ServiceFlags, globals: GlobalOptions): ServiceRequest {
  if (flags.user && flags.system) throw new CliError('--user and --system exclude each other');
  if (flags.manager !== undefined && !MANAGERS.includes(flags.manager as ManagerName)) throw new CliError(`unknown --manager "${flags.manager}" (use ${MANAGERS.join(', ')})`);
  return {
    ...(flags.manager ? { manager: flags.manager as ManagerName } : {}),
    ...(flags.user ? { scope: 'user' as const } : flags.system ? { scope: 'system' as const } : {}),
    ...(globals.config ? { configPath: globals.config } : {}),
    ...(flags.dryRun ? { dryRun: true } : {}),
    ...(flags.force ? { force: true } : {}),
    ...(flags.root ? { root: flags.root } : {}),
  };
}

const deps: ServiceDeps = {
  exec: execFileGroup,
  env: process.env,
  out: (t) => process.stdout.write(t),
  note: (t) => process.stderr.write(`${t}\n`),
};

/** Asks on the terminal; without one (a script, CI) the answer is no and --force is needed. */
async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

/** `clawmedic service install|uninstall|status`. */
export function registerServiceCommands(program: Command, globals: () => GlobalOptions): void {
  const service = program.command('service').description('install clawmedic as a background service (systemd, launchd, pm2), remove it, or report it');
  const common = (cmd: Command) =>
    cmd
      .option('--manager <name>', `service manager: ${MANAGERS.join(', ')} (default: launchd on macOS, else systemd when it runs, else pm2)`)
      .option('--user', 'a per-user service (default unless run as root)')
      .option('--system', 'a system-wide service running as the gateway\'s user (default as root)')
      .option('--root <dir>', 'write under this directory and enable offline (an image being built; systemd only)');
  common(service.command('install'))
    .description('render the unit from deploy/, write it, enable and start it')
    .option('--dry-run', 'print the unit and what would be done; change nothing')
    .option('--force', 'replace an installed unit without asking')
    .action(async (flags: ServiceFlags) => {
      process.exitCode = await (await import('../service/install.ts')).install({ ...request(flags, globals()), confirm }, deps);
    });
  common(service.command('uninstall'))
    .description('stop and disable the service and remove its unit (the env file and the state are kept)')
    .option('--dry-run', 'print what would be done; change nothing')
    .action(async (flags: ServiceFlags) => {
      process.exitCode = await (await import('../service/install.ts')).uninstall(request(flags, globals()), deps);
    });
  common(service.command('status'))
    .description('installed, enabled, running, its pid and last exit; exit 0 only when it runs')
    .option('--json', 'print as JSON')
    .action(async (flags: ServiceFlags) => {
      process.exitCode = await (await import('../service/install.ts')).status(request(flags, globals()), deps, Boolean(flags.json));
    });
}
