// A gateway that is down said why in its own log: the gateway.port result quotes it. The log lives in
// /tmp/openclaw (shared by every gateway on the host), so the test uses a profile of its own, whose log
// file name no other gateway writes.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gatewayLogPath } from '../../checks/gateway-advice.ts';
import { gatewayPortCheck } from '../../checks/gateway-port.ts';
import type { GatewayTarget } from '../../src/contracts.ts';
import { freePort, testContext } from '../fixtures/gateway-harness.ts';

let target: GatewayTarget;
let logPath: string;
beforeEach(async () => {
  const profile = `clawmedic-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const port = await freePort();
  target = { host: '127.0.0.1', port, portSource: 'config', openclawStateDir: `/nonexistent/.openclaw-${profile}`, openclawConfigPath: `/nonexistent/.openclaw-${profile}/openclaw.json` };
  logPath = gatewayLogPath(target, Date.now());
  expect(logPath).toContain(profile);
  await mkdir('/tmp/openclaw', { recursive: true });
});
afterEach(async () => {
  await rm(logPath, { force: true });
});

const line = (message: string, at = new Date()) => JSON.stringify({ 0: message, _meta: { name: 'openclaw-gateway', date: at.toISOString(), logLevelName: 'ERROR' }, message, time: at.toISOString() });

describe('gateway.port when the gateway is down', () => {
  it('quotes the log line that says why it stopped (EADDRINUSE with the holder)', async () => {
    await writeFile(
      logPath,
      `${line('received SIGTERM; shutting down')}\n${line(`Gateway failed to start: another gateway instance is already listening on ws://127.0.0.1:${target.port} | listen EADDRINUSE: address already in use - pid 11958 root: python3 -m http.server`)}\n`,
    );
    const result = await gatewayPortCheck.run(testContext({ port: target.port, target }));
    expect(result.status).toBe('crit');
    expect(result.summary).toMatch(new RegExp(`^nothing listening on 127\\.0\\.0\\.1:${target.port} \\(gateway down\\); its log: ERROR Gateway failed to start: .*EADDRINUSE`));
    expect(result.diagnosis).toMatch(/The gateway's log says why it stopped: gateway log: .*pid 11958 root: python3 -m http\.server/);
    // The SIGTERM is what stopped it once; it is not why it stays down.
    expect(result.summary).not.toContain('SIGTERM');
  });

  it('gives the time of a reason older than 5 minutes (maybe from before this outage, or another gateway of the host)', async () => {
    const old = new Date(Date.now() - 20 * 60_000);
    await writeFile(logPath, `${line('Gateway start blocked: existing config is missing gateway.mode.', old)}\n`);
    const result = await gatewayPortCheck.run(testContext({ port: target.port, target }));
    expect(result.summary).toBe(
      `nothing listening on 127.0.0.1:${target.port} (gateway down); its log at ${old.toISOString().replace(/\.\d+Z$/, 'Z')}: ERROR Gateway start blocked: existing config is missing gateway.mode.`,
    );
  });

  it('leaves lines from before the gateway was last seen up out, and says nothing when the log has no reason', async () => {
    const old = new Date(Date.now() - 10 * 60_000);
    await writeFile(logPath, `${line('Uncaught exception: boom', old)}\n`);
    const history = [{ at: Date.now() - 60_000, status: 'ok' as const, summary: 'up', durationMs: 5 }];
    const result = await gatewayPortCheck.run({ ...testContext({ port: target.port, target }), history });
    expect(result.summary).toBe(`nothing listening on 127.0.0.1:${target.port} (gateway down)`);
    await rm(logPath);
    const none = await gatewayPortCheck.run(testContext({ port: target.port, target }));
    expect(none.summary).toBe(`nothing listening on 127.0.0.1:${target.port} (gateway down)`);
  });
});
