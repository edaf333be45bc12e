// A gateway that refuses to start only after its first seconds (the real 2026.9.6 takes 3-15 s to exit 78 on
// a refused migration or bind): the start step saw it running, and verify stops waiting as soon as it is gone,
// naming its exit code, instead of polling a dead port until its deadline.
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import type { GatewayTarget } from '../../src/contracts.ts';
import { execFileGroup } from '../../src/platform/exec.ts';
import { startedGatewayExit, startGateway } from '../../src/recovery/start.ts';
import { verifyGateway } from '../../src/recovery/verify.ts';
import { freePort } from '../fixtures/gateway-harness.ts';
import { installFakeOpenclaw, makeTempDir, type FakeOpenclaw } from '../fixtures/openclaw-cli-harness.ts';

let fake: FakeOpenclaw;
let temp: { dir: string; cleanup(): Promise<void> };
beforeAll(async () => {
  fake = await installFakeOpenclaw();
});
afterAll(async () => {
  await fake.cleanup();
});
beforeEach(async () => {
  temp = await makeTempDir('clawmedic-late-exit-');
});
afterEach(async () => {
  await temp.cleanup();
});

it('verify ends when the gateway it waits for exited after the start step saw it running, with the exit code', { timeout: 30_000 }, async () => {
  const stateDir = join(temp.dir, '.openclaw');
  const port = await freePort();
  const target: GatewayTarget = { host: '127.0.0.1', port, portSource: 'config', openclawStateDir: stateDir, openclawConfigPath: join(stateDir, 'openclaw.json') };
  const logFile = join(temp.dir, 'gateway.log');
  const started = await startGateway({
    target,
    service: { manager: 'none' },
    openclaw: fake.cli(),
    exec: execFileGroup,
    logFile,
    earlyExitMs: 500,
    // It prints what the real one prints for an invalid config and exits 78, 2 s after it was started.
    env: { ...fake.env, OPENCLAW_STATE_DIR: stateDir, FAKE_OPENCLAW_RUN: 'exit78', FAKE_OPENCLAW_DELAY_MS: '2000' },
  });
  expect(started.ok).toBe(true);
  const pid = started.pid!;
  expect(startedGatewayExit(pid)).toBeUndefined();

  const t0 = Date.now();
  const verified = await verifyGateway({ target, startedAt: t0, deadlineMs: 20_000, pollMs: 200, startedGone: () => startedGatewayExit(pid, logFile) });
  expect(verified.ok).toBe(false);
  expect(Date.now() - t0).toBeLessThan(6_000);
  expect(verified.summary).toMatch(new RegExp(`^the gateway started \\(pid ${pid}\\) exited [\\d.]+s after start with exit code 78 \\(78: invalid config or refused settings; restarting will not help until it is fixed\\); its output is in ${logFile.replaceAll('.', '\\.')}: nothing listen`));
});
