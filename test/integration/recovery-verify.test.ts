// verifyGateway against real fake-gateway processes, with short deadlines: a new boot is seen (fresh start,
// in-place restart, a new bootId); a gateway stuck starting, one whose /readyz keeps failing, an old boot,
// nothing listening and a foreign program are each not ok with the reason.
import { afterEach, describe, expect, it } from 'vitest';
import type { GatewayTarget } from '../../src/contracts.ts';
import { verifyGateway, type VerifyOptions } from '../../src/recovery/verify.ts';
import { freePort, restartInPlace, startFakeGateway, startForeignListener, stopAllChildren } from '../fixtures/gateway-harness.ts';

afterEach(async () => {
  await stopAllChildren();
});

function target(port: number): GatewayTarget {
  return { host: '127.0.0.1', port, portSource: 'config', openclawStateDir: '/nonexistent/.openclaw', openclawConfigPath: '/nonexistent/.openclaw/openclaw.json' };
}

const quick = (port: number, more: Partial<VerifyOptions> = {}) => verifyGateway({ target: target(port), startedAt: Date.now(), deadlineMs: 1_200, pollMs: 150, ...more });

describe('verifyGateway', () => {
  it('a gateway booted after the start is healthy: pid, time to healthy, the boot by its uptime', async () => {
    const startedAt = Date.now();
    const gw = await startFakeGateway({ uptimeMs: 0 });
    const result = await verifyGateway({ target: target(gw.port), startedAt, deadlineMs: 3_000, pollMs: 100 });
    expect(result.ok).toBe(true);
    expect(result.pid).toBe(gw.pid);
    expect(result.failed).toEqual([]);
    expect(result.timeToHealthyMs).toBeGreaterThanOrEqual(0);
    expect(result.timeToHealthyMs).toBeLessThan(3_000);
    expect(result.summary).toMatch(new RegExp(`^gateway healthy .* after the start: pid ${gw.pid} on 127\\.0\\.0\\.1:${gw.port}, started and ready, new boot \\(uptime `));
  });

  it('an in-place restart (same pid) counts as a new boot by its uptime', async () => {
    const gw = await startFakeGateway({ uptimeMs: 3_600_000 });
    const startedAt = Date.now();
    await restartInPlace(gw);
    const result = await verifyGateway({ target: target(gw.port), startedAt, before: { pid: gw.pid }, deadlineMs: 2_000, pollMs: 100 });
    expect(result).toMatchObject({ ok: true, pid: gw.pid });
  });

  it('a new bootId counts even when the uptime cannot tell', async () => {
    const gw = await startFakeGateway({ uptimeMs: 3_600_000, bootId: true });
    const result = await quick(gw.port, { before: { bootId: 'the-old-boot' } });
    expect(result.ok).toBe(true);
    expect(result.details?.bootChangedBy).toBe('a new bootId');
  });

  it('the same old boot is not a recovery', async () => {
    const gw = await startFakeGateway({ uptimeMs: 3_600_000 });
    const result = await quick(gw.port, { before: { pid: gw.pid } });
    expect(result.ok).toBe(false);
    expect(result.failed).toEqual([expect.stringMatching(/^no new boot: uptime 1h\d*m?\d*s? is longer than the .* since the start$/)]);
    expect(result.summary).toMatch(/^gateway not healthy within 1\.2s: no new boot/);
  });

  it('a gateway stuck starting is not ok, with /startupz\'s reason and /readyz\'s failing[]', async () => {
    const startedAt = Date.now();
    const gw = await startFakeGateway({ mode: 'starting', uptimeMs: 0 });
    const result = await quick(gw.port, { startedAt });
    expect(result.ok).toBe(false);
    expect(result.failed).toEqual(['/startupz says starting (startup-sidecars)', '/readyz 503, failing: startup-sidecars']);
  });

  it('a /readyz that keeps failing names what fails', async () => {
    const startedAt = Date.now();
    const gw = await startFakeGateway({ mode: 'readyz-failing', uptimeMs: 0 });
    const result = await quick(gw.port, { startedAt });
    expect(result.ok).toBe(false);
    expect(result.failed).toEqual(['/readyz 503, failing: telegram, plugin-reload']);
  });

  it('a release without /startupz (2026.7.1) is judged by /readyz', async () => {
    const startedAt = Date.now();
    const gw = await startFakeGateway({ version: '2026.7.1', uptimeMs: 0 });
    expect((await quick(gw.port, { startedAt })).ok).toBe(true);
    const starting = await startFakeGateway({ version: '2026.7.1', mode: 'starting', uptimeMs: 0 });
    expect((await quick(starting.port, { startedAt })).failed).toEqual(['/startupz says starting (startup-sidecars)', '/readyz 503, failing: startup-sidecars']);
  });

  it('nothing listening, or a foreign program on the port, is not ok', async () => {
    const port = await freePort();
    expect((await quick(port)).failed).toEqual([`nothing listens on 127.0.0.1:${port}`]);
    const foreign = await startForeignListener();
    expect((await quick(foreign.port)).failed).toEqual([`127.0.0.1:${foreign.port} is held by pid ${foreign.pid} (python3-http-server-lookalike), not OpenClaw`]);
  });

  it('a gateway that becomes healthy before the deadline is found by polling', async () => {
    const port = await freePort();
    const startedAt = Date.now();
    const later = setTimeout(() => void startFakeGateway({ port, uptimeMs: 0 }), 300);
    try {
      const result = await verifyGateway({ target: target(port), startedAt, deadlineMs: 4_000, pollMs: 100 });
      expect(result.ok).toBe(true);
      expect(result.timeToHealthyMs).toBeGreaterThanOrEqual(300);
      expect(result.details?.looks).toBeGreaterThan(1);
    } finally {
      clearTimeout(later);
    }
  });
});
