import { afterEach, describe, expect, it } from 'vitest';
import { gatewayHttpCheck } from '../../checks/gateway-http.ts';
import type { CheckResult } from '../../src/contracts.ts';
import { freePort, startFakeGateway, startForeignListener, stopAllChildren, expectExplained as expectHelpful, testContext, type TestContextOptions } from '../fixtures/gateway-harness.ts';

const TOKEN = 'gw-token-5f2c9a7e1b';

function run(opts: TestContextOptions): Promise<CheckResult> {
  return gatewayHttpCheck.run(testContext({ token: TOKEN, ...opts }));
}

const expectExplained = (result: CheckResult) => expectHelpful(result, TOKEN);

afterEach(stopAllChildren);

describe('gateway.http', () => {
  it('is ok for a live, started and ready gateway, with latency, uptime and event-loop metrics', async () => {
    const gw = await startFakeGateway({ mode: 'up', uptimeMs: 60_000 });
    const result = await run({ port: gw.port });

    expect(result.status).toBe('ok');
    expect(result.summary).toMatch(/ready/);
    expect(result.summary).toContain('2026.9.6');
    expect(result.metrics?.latencyMs).toBeGreaterThanOrEqual(0);
    expect(result.metrics?.uptimeMs).toBeGreaterThanOrEqual(60_000);
    expect(result.metrics?.eventLoopDelayP99Ms).toBe(26.1);
    expect(result.metrics?.eventLoopUtilization).toBe(0.015);
    expect(JSON.stringify(result)).not.toContain(TOKEN);
  });

  it('is crit "refused" when nothing listens on the port, and says how to start the real gateway', async () => {
    const port = await freePort();
    const result = await run({ port });

    expect(result.status).toBe('crit');
    expect(result.summary).toBe(`gateway down: connection refused on 127.0.0.1:${port}`);
    expect(result.remedy).toContain('openclaw gateway run');
    expect(result.remedy).toContain('openclaw gateway start');
    expect(result.remedy).toMatch(/\/tmp\/openclaw\/openclaw-cmtest-\d{4}-\d{2}-\d{2}\.log/);
    expectExplained(result);
  });

  it('is crit "hung" when the listener accepts connections and never answers', async () => {
    const gw = await startFakeGateway({ mode: 'hang' });
    const started = performance.now();
    const result = await run({ port: gw.port, options: { requestTimeoutMs: 300 } });

    expect(performance.now() - started).toBeLessThan(2_000);
    expect(result.status).toBe('crit');
    expect(result.summary).toMatch(/hung/);
    expect(result.summary).toContain('300 ms');
    expect(result.summary).not.toMatch(/refused/);
    expectExplained(result);
  });

  it('is crit "hung" for a real gateway process stopped with SIGSTOP', async () => {
    const gw = await startFakeGateway({ mode: 'up' });
    await gw.pause();
    const result = await run({ port: gw.port, options: { requestTimeoutMs: 300 } });

    expect(result.status).toBe('crit');
    expect(result.summary).toMatch(/hung/);
    expect(result.remedy).toContain('kill -CONT');
    expectExplained(result);

    // And it is fine again once resumed: the hang was the stop, not the probe.
    gw.resume();
    expect((await run({ port: gw.port })).status).toBe('ok');
  });

  it('is crit when another program holds the port: a 200 HTML answer is not OpenClaw', async () => {
    const foreign = await startForeignListener();
    const result = await run({ port: foreign.port });

    expect(result.status).toBe('crit');
    expect(result.summary).toMatch(/not OpenClaw's JSON/);
    expect(result.summary).toMatch(/HTML/);
    expect(result.diagnosis).toMatch(/another program|wrong port/);
    expect(result.remedy).toMatch(/gateway\.port/);
    expectExplained(result);
  });

  it('is not crit for OpenClaw\'s Control UI page on every path: an old OpenClaw, alive; unknown version -> warn', async () => {
    const gw = await startFakeGateway({ mode: 'html' });
    const result = await run({ port: gw.port });

    // No CLI here, so nothing says which release this is: the most careful judgement, never "not OpenClaw".
    expect(result.status).toBe('warn');
    expect(result.summary).toMatch(/^gateway alive \(OpenClaw's Control UI answers on .*\), readiness not checked/);
    expect(result.summary).not.toMatch(/not OpenClaw/);
    expect(result.remedy).not.toMatch(/kill/);
    expectExplained(result);
  });

  it.each([
    ['text', /text that is not JSON/],
    ['json', /JSON of another shape/],
  ] as const)('is crit when /healthz answers 200 with junk (%s)', async (junk, words) => {
    const gw = await startFakeGateway({ mode: 'junk', junk });
    const result = await run({ port: gw.port });

    expect(result.status).toBe('crit');
    expect(result.summary).toMatch(words);
    expect(result.summary).toMatch(/not OpenClaw's JSON/);
    expectExplained(result);
  });

  it('is ok while the gateway is starting within the grace period', async () => {
    const gw = await startFakeGateway({ mode: 'starting', uptimeMs: 1_200 });
    const result = await run({ port: gw.port });

    expect(result.status).toBe('ok');
    expect(result.summary).toMatch(/starting/);
    expect(result.summary).toContain('startup-sidecars');
    expect(result.metrics?.uptimeMs).toBeGreaterThanOrEqual(1_200);
  });

  it('is crit "stuck starting" once the reported uptime passes the grace period', async () => {
    const gw = await startFakeGateway({ mode: 'starting', uptimeMs: 200_000 });
    const result = await run({ port: gw.port });

    expect(result.status).toBe('crit');
    expect(result.summary).toMatch(/^gateway stuck starting for 20\ds/);
    expectExplained(result);
  });

  it('judges the grace period by the startupGraceMs option', async () => {
    const gw = await startFakeGateway({ mode: 'starting', uptimeMs: 5_000 });

    expect((await run({ port: gw.port, options: { startupGraceMs: 60_000 } })).status).toBe('ok');
    const strict = await run({ port: gw.port, options: { startupGraceMs: 2_000 } });
    expect(strict.status).toBe('crit');
    expect(strict.summary).toMatch(/stuck starting for [56]s/);
  });

  it('warns while starting when /readyz also fails entries that are not startup ones', async () => {
    const gw = await startFakeGateway({ mode: 'starting', uptimeMs: 1_000, failing: ['telegram'] });
    const result = await run({ port: gw.port });

    expect(result.status).toBe('warn');
    expect(result.summary).toMatch(/failing telegram$/);
    expectExplained(result);
  });

  it('warns when /readyz is 503 and names the failing entries', async () => {
    const gw = await startFakeGateway({ mode: 'readyz-failing', failing: ['telegram', 'plugin-reload'] });
    const result = await run({ port: gw.port });

    expect(result.status).toBe('warn');
    expect(result.summary).toBe('gateway not ready: failing telegram, plugin-reload');
    expect(result.diagnosis).toMatch(/Plugin reload: phase failed/);
    expect(result.remedy).toContain('openclaw channels status --probe --json');
    expect(result.remedy).toContain('plugin-reload');
    expectExplained(result);
  });

  it('quotes a channel id from the gateway for the shell in its remedy, so a hostile one pasted stays an argument', async () => {
    const hostile = "x'; touch /tmp/pwned; echo '$(id)";
    const gw = await startFakeGateway({ mode: 'readyz-failing', failing: [hostile] });
    const result = await run({ port: gw.port });
    expect(result.remedy).toContain(`openclaw channels logs --channel 'x'\\''; touch /tmp/pwned; echo '\\''$(id)' --lines 50 --json`);
    expect(result.remedy).toContain(`--params '{"channel":"x'\\''; touch /tmp/pwned; echo '\\''$(id)"}'`);
    const ordinary = await startFakeGateway({ mode: 'readyz-failing', failing: ['telegram'] });
    expect((await run({ port: ordinary.port })).remedy).toContain(`openclaw gateway call channels.start --params '{"channel":"telegram"}'`);
  });

  it('warns while the gateway drains (shutting down or restarting)', async () => {
    const gw = await startFakeGateway({ mode: 'draining' });
    const result = await run({ port: gw.port });

    expect(result.status).toBe('warn');
    expect(result.summary).toMatch(/draining/);
    expect(result.summary).toMatch(/shutting down or restarting/);
    expectExplained(result);
  });

  it('caps the request timeout below the check timeout', async () => {
    const gw = await startFakeGateway({ mode: 'hang' });
    const started = performance.now();
    // requestTimeoutMs 30 s must not outlive a 1 s check: two rounds of (1000 - 200) / 2 = 400 ms at most.
    const result = await run({ port: gw.port, timeoutMs: 1_000, options: { requestTimeoutMs: 30_000 } });

    expect(result.status).toBe('crit');
    expect(result.summary).toMatch(/hung.*400 ms/);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('returns promptly, without throwing, when its signal is aborted', async () => {
    const gw = await startFakeGateway({ mode: 'hang' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = performance.now();
    const result = await run({ port: gw.port, signal: controller.signal, options: { requestTimeoutMs: 5_000 } });

    expect(performance.now() - started).toBeLessThan(1_000);
    expect(result.status).toBe('unknown');
    expect(result.summary).toMatch(/aborted/);
  });

  it('is unknown, not a throw, for an invalid option', async () => {
    const result = await run({ port: await freePort(), options: { requestTimeoutMs: 'fast' } });

    expect(result.status).toBe('unknown');
    expect(result.summary).toMatch(/requestTimeoutMs/);
  });
});
