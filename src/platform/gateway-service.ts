import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';

/** How the gateway is installed on this host, as far as its unit files tell (REFERENCE 5.2: `openclaw gateway install`). */
export type GatewayService =
  | { manager: 'systemd-user'; unit: string; path: string }
  | { manager: 'systemd-system'; unit: string; path: string }
  | { manager: 'launchd'; label: string; path: string }
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
