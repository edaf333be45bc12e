import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startGatewayRemedy, startGatewaySteps } from '../../checks/gateway-advice.ts';
import type { GatewayTarget } from '../../src/contracts.ts';
import { findGatewayService } from '../../src/platform/gateway-service.ts';

let home: string;
let target: GatewayTarget;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'clawmedic-service-'));
  target = { host: '127.0.0.1', port: 18789, portSource: 'default', openclawStateDir: join(home, '.openclaw'), openclawConfigPath: join(home, '.openclaw', 'openclaw.json') };
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

function unit(path: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, '[Service]\nRestart=always\nRestartPreventExitStatus=78\n');
}

describe('the start remedy follows how the gateway is installed', () => {
  it('a systemd user unit: its status, its journal and gateway start, after validating the config', () => {
    unit(join(home, '.config', 'systemd', 'user', 'openclaw-gateway.service'));
    expect(findGatewayService(target.openclawStateDir, 'linux')).toMatchObject({ manager: 'systemd-user', unit: 'openclaw-gateway.service' });
    const steps = startGatewaySteps(target, Date.now());
    expect(steps.map((s) => s.command)).toEqual(['openclaw config validate --json', 'journalctl --user -u openclaw-gateway.service -n 50', 'systemctl --user start openclaw-gateway.service']);
    expect(startGatewayRemedy(target, Date.now())).not.toContain('openclaw gateway run');
  });

  it('a launchd agent on macOS', () => {
    unit(join(home, 'Library', 'LaunchAgents', 'ai.openclaw.gateway.plist'));
    const service = findGatewayService(target.openclawStateDir, 'darwin');
    expect(service).toMatchObject({ manager: 'launchd', label: 'ai.openclaw.gateway' });
    expect(startGatewayRemedy(target, Date.now(), service)).toContain('runs as a launchd agent');
  });

  it('no service: says gateway start cannot help and gives the foreground command with the port', () => {
    const remedy = startGatewayRemedy(target, Date.now(), findGatewayService(target.openclawStateDir, 'linux'));
    expect(remedy).toContain('not installed as a service here');
    expect(remedy).toContain('openclaw gateway run --bind loopback --port 18789');
    expect(remedy).toContain('openclaw gateway install');
    expect(remedy).not.toContain('systemctl');
  });
});
