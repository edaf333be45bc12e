// What install, uninstall and status need from a service manager (systemd, launchd, pm2): each one a file.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import type { Exec } from '../contracts.ts';
import type { ServiceTarget } from './plan.ts';

export interface Command {
  file: string;
  args: string[];
  /** Its failure does not stop what follows (disabling a unit that is already stopped). */
  mayFail?: boolean;
}

export interface ServiceStatus {
  manager: string;
  unitPath: string;
  installed: boolean;
  enabled: boolean | null;
  running: boolean;
  pid: number | null;
  /** The last exit, in the manager's words ("status 1", "exit code 0"), when it has one. */
  lastExit: string | null;
  /** What the manager said when it could not be asked. */
  note?: string;
}

export interface ManagerEnv {
  exec: Exec;
  env: NodeJS.ProcessEnv;
  /** --root: an image being built; files go under it and no running manager is needed. */
  root?: string;
}

export interface ServiceManager {
  /** Why it cannot be used on this host (not installed, not running), or undefined. */
  unavailable(plan: ServiceTarget, m: ManagerEnv): string | undefined;
  /** Run after the file is written, in order: enable and start. */
  enable(plan: ServiceTarget, m: ManagerEnv): Command[];
  /** Run before the file is removed: stop and disable. */
  disable(plan: ServiceTarget, m: ManagerEnv): Command[];
  /** Run after the file is removed (systemd's daemon-reload). */
  afterRemove?(plan: ServiceTarget, m: ManagerEnv): Command[];
  /** Whether the manager already knows the service though its file is gone (pm2 keeps apps in its daemon). */
  registered?(plan: ServiceTarget, m: ManagerEnv): Promise<boolean>;
  status(plan: ServiceTarget, m: ManagerEnv): Promise<ServiceStatus>;
}

/** The first executable `name` on PATH, or undefined. */
export function which(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir || !isAbsolute(dir)) continue;
    const file = join(dir, name);
    try {
      if (!statSync(file).isFile()) continue;
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

export function commandLine(c: Command): string {
  return [c.file, ...c.args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** The first line of what a command said, for a one-line error. */
export function firstWords(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '')
      ?.slice(0, 300) ?? ''
  );
}

export const COMMAND_TIMEOUT_MS = 60_000;
