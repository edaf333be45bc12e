// Everything a service file says, decided once: which Node and entry point, as whom, with which HOME and
// PATH, where the unit and the environment file go. Rendering and installing only read it.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { EffectiveConfig } from '../config/load.ts';
import type { Account, AccountGuess } from './account.ts';
import { CliError } from '../cli/errors.ts';

export type ManagerName = 'systemd' | 'launchd' | 'pm2';
export const MANAGERS: readonly ManagerName[] = ['systemd', 'launchd', 'pm2'];
export type Scope = 'user' | 'system';

export const SERVICE_NAME = 'clawmedic';
export const LAUNCHD_LABEL = 'ai.clawmedic.agent';
export const ENV_FILE_NAME = 'clawmedic.env';
export const PM2_FILE_NAME = 'clawmedic.pm2.config.cjs';
/** systemd's WatchdogSec when the config does not set service.watchdog. */
export const DEFAULT_WATCHDOG_SEC = 120;

/** Where a service is and whose it is: enough to stop, remove or ask about it. */
export interface ServiceTarget {
  manager: ManagerName;
  scope: Scope;
  /** systemd unit name without .service, the launchd label, the pm2 app name. */
  label: string;
  account: Account;
  /** Where the service file goes (before any --root). */
  unitPath: string;
}

export interface ServicePlan extends ServiceTarget {
  node: string;
  nodeVersion: string;
  entry: string;
  configPath: string;
  /** `--config <path>` when the file exists; none for the embedded default (found again by HOME at start). */
  configArgs: string[];
  groupName: string;
  workingDir: string;
  env: Record<string, string>;
  envFile: string;
  /** Directories the systemd sandbox leaves writable. */
  writablePaths: string[];
  watchdogSec: number;
  /** launchd's stdout and stderr. */
  logFile: string;
  /** The openclaw CLI the unit's PATH leads to, when one was found. */
  openclawBin?: string;
  warnings: string[];
}

export interface PlanInputs {
  manager: ManagerName;
  scope: Scope;
  config: EffectiveConfig;
  node: { path: string; version: string };
  entry: string;
  /** The account running the install. */
  installer: Account;
  /** Who runs the gateway, when that could be told. */
  gateway?: AccountGuess;
  /** The openclaw CLI found for the config (openclaw.bin or PATH). */
  openclawBin?: string;
  /** The install's environment: OpenClaw's location variables are carried into the unit. */
  env: NodeJS.ProcessEnv;
  /** Group names by gid (/etc/group). */
  groups?: Map<number, string>;
}

/** What a unit's PATH holds after the CLI's and Node's directories. */
const SYSTEM_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
/** OpenClaw's location variables (not its token: a secret belongs in the environment file). */
const CARRIED_ENV = ['OPENCLAW_HOME', 'OPENCLAW_STATE_DIR', 'OPENCLAW_CONFIG_PATH', 'OPENCLAW_PROFILE', 'OPENCLAW_GATEWAY_PORT'];

export function readGroups(path = '/etc/group'): Map<number, string> {
  const out = new Map<number, string>();
  try {
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      const [name, , gid] = line.split(':');
      if (name && gid && /^\d+$/.test(gid)) out.set(Number(gid), name);
    }
  } catch {
    // Numeric gids then.
  }
  return out;
}

export function buildPlan(i: PlanInputs): ServicePlan {
  const warnings: string[] = [];
  if (i.manager === 'pm2' && i.scope === 'system') throw new CliError('pm2 runs its apps as the user who runs pm2: install with --user as the gateway\'s user');
  // A user service runs as its installer; a system one as the gateway's user when it can be told.
  const account = i.scope === 'user' || !i.gateway || i.gateway.account.uid === i.installer.uid ? i.installer : i.gateway.account;
  if (i.gateway && i.gateway.account.uid !== account.uid) {
    warnings.push(
      `the gateway runs as ${i.gateway.account.name} (${i.gateway.source}) but the service would run as ${account.name}: ` +
        `OpenClaw's logs are 0600 and its lifecycle commands refuse other homes; install it as ${i.gateway.account.name}`,
    );
  }
  if (!i.gateway && i.scope === 'system') warnings.push(`could not tell which user runs the gateway (not running, no state dir yet): the service runs as ${account.name}`);
  if (account.uid === 0) warnings.push('the service runs as root: it watches a gateway run by root, and its recovery acts as root');

  const configDir = dirname(i.config.path);
  const envFile = join(configDir, ENV_FILE_NAME);
  const path = [...new Set([...(i.openclawBin ? [dirname(i.openclawBin)] : []), dirname(i.node.path), ...SYSTEM_PATH])].join(':');
  if (!i.openclawBin) warnings.push('the openclaw CLI was not found: doctor and config validation will say so; set openclaw.bin in the config to its full path');
  const env: Record<string, string> = { HOME: account.home, PATH: path };
  for (const k of CARRIED_ENV) if (i.env[k]) env[k] = i.env[k]!;

  const watchdogMs = i.config.file.service?.watchdog;
  const watchdogSec = watchdogMs === undefined ? DEFAULT_WATCHDOG_SEC : Math.max(10, Math.round(watchdogMs / 1000));
  return {
    manager: i.manager,
    scope: i.scope,
    label: labelFor(i.manager),
    node: i.node.path,
    nodeVersion: i.node.version,
    entry: i.entry,
    configPath: i.config.path,
    configArgs: i.config.source === 'file' ? ['--config', i.config.path] : [],
    account,
    groupName: (i.groups ?? readGroups()).get(account.gid) ?? String(account.gid),
    workingDir: account.home,
    env,
    envFile,
    writablePaths: [...new Set([dirname(i.config.statePath), configDir, i.config.target.openclawStateDir, '/tmp'])],
    watchdogSec,
    logFile: join(account.home, 'Library', 'Logs', 'clawmedic.log'),
    unitPath: unitPathFor(i.manager, i.scope, account, configDir),
    ...(i.openclawBin ? { openclawBin: i.openclawBin } : {}),
    warnings,
  };
}

export function labelFor(manager: ManagerName): string {
  return manager === 'launchd' ? LAUNCHD_LABEL : SERVICE_NAME;
}

export function targetFor(manager: ManagerName, scope: Scope, account: Account, configDir: string): ServiceTarget {
  return { manager, scope, label: labelFor(manager), account, unitPath: unitPathFor(manager, scope, account, configDir) };
}

export function unitPathFor(manager: ManagerName, scope: Scope, account: Account, configDir: string): string {
  if (manager === 'pm2') return join(configDir, PM2_FILE_NAME);
  if (manager === 'launchd') return scope === 'system' ? `/Library/LaunchDaemons/${LAUNCHD_LABEL}.plist` : join(account.home, 'Library', 'LaunchAgents', `${LAUNCHD_LABEL}.plist`);
  return scope === 'system' ? `/etc/systemd/system/${SERVICE_NAME}.service` : join(account.home, '.config', 'systemd', 'user', `${SERVICE_NAME}.service`);
}
