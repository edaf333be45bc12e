import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';

/** How the gateway is installed on this host, as far as its unit files tell (REFERENCE 5.2: `openclaw gateway install`). */
export type GatewayService =
  | { manager: 'systemd-user'; unit: string; path: string }
  | { manager: 'systemd-system'; unit: string; path: string }
  | { manager: 'launchd'; label: string; path: string }
  /** A pm2 app, as configured (recovery.service): pm2 keeps no unit file to find. */
  | { manager: 'pm2'; app: string }
  | { manager: 'none' };

/**
 * Looks for the unit `openclaw gateway install` writes, for the gateway's own user: the home is the one
 * holding its state directory (~/.openclaw, ~/.openclaw-<profile>). A handful of stat calls, no spawn.
 */
export function findGatewayService(openclawStateDir: string, platform: NodeJS.Platform = process.platform): GatewayService {
  const stateDirName = basename(openclawStateDir);
  const home = stateDirName.startsWith('.openclaw') ? dirname(openclawStateDir) : homedir();
  const profile = stateDirName.startsWith('.openclaw-') ? stateDirName.slice('.openclaw-'.length) : undefined;
  if (platform === 'darwin') {
    const label = profile ? `ai.openclaw.gateway.${profile}` : 'ai.openclaw.gateway';
    const path = join(home, 'Library', 'LaunchAgents', `${label}.plist`);
    return existsSync(path) ? { manager: 'launchd', label, path } : { manager: 'none' };
  }
  // A profile's unit name is a guess (not measured); the plain name is what `gateway install` writes.
  const units = profile ? [`openclaw-gateway-${profile}.service`, 'openclaw-gateway.service'] : ['openclaw-gateway.service'];
  for (const unit of units) {
    const user = join(home, '.config', 'systemd', 'user', unit);
    if (existsSync(user)) return { manager: 'systemd-user', unit, path: user };
    for (const dir of ['/etc/systemd/system', '/lib/systemd/system', '/usr/lib/systemd/system']) {
      const path = join(dir, unit);
      if (existsSync(path)) return { manager: 'systemd-system', unit, path };
    }
  }
  return { manager: 'none' };
}

/** Unit, label and app names that reach a command line: no option look-alikes, no path or shell characters. */
const SERVICE_NAME = /^[A-Za-z0-9@_][A-Za-z0-9@._:-]{0,254}$/;

/**
 * The service manager's commands that stop or start the gateway (each an argument array, run in order), or
 * a reason when there are none: no manager, or a name that is not safe to pass. launchd: `bootout` unloads
 * the job (a KeepAlive job would come straight back from a mere kill), so a start loads it again from its
 * plist before `kickstart -k`.
 */
export function serviceCommands(service: GatewayService, action: 'stop' | 'start', uid = process.getuid?.() ?? 0): string[][] | { reason: string } {
  if (service.manager === 'none') return { reason: 'no service manager runs the gateway' };
  const name = service.manager === 'launchd' ? service.label : service.manager === 'pm2' ? service.app : service.unit;
  if (!SERVICE_NAME.test(name)) return { reason: `the ${service.manager} name "${name.slice(0, 80)}" is not a plain service name: not passed to a command` };
  switch (service.manager) {
    case 'systemd-user':
      return [['systemctl', '--user', action, name]];
    case 'systemd-system':
      return [['systemctl', action, name]];
    case 'pm2':
      return [['pm2', action, name]];
    case 'launchd':
      return action === 'stop'
        ? [['launchctl', 'bootout', `gui/${uid}/${name}`]]
        : [
            // A configured label comes without its plist: then only a job launchd still has loaded can be kicked.
            ...(service.path ? [['launchctl', 'bootstrap', `gui/${uid}`, service.path]] : []),
            ['launchctl', 'kickstart', '-k', `gui/${uid}/${name}`],
          ];
  }
}
