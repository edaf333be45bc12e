// The memory check against a real process that really leaks (the fake gateway with --grow-mb-per-s): its
// RSS read from the real /proc through the real port-owner lookup. Time is real where the leak is fast
// (a 10 s window), and moved forward where an hour of history is fed in before the live sample.

import { afterEach, describe, expect, it } from 'vitest';
import type { CheckContext } from '../../src/contracts.ts';
import { measureMemory, memoryCheck, RSS_SERIES } from '../../checks/memory.ts';
import { readProcessMemory } from '../../src/platform/proc-memory.ts';
import { inMemoryCheckState } from '../../src/state/series.ts';
import { startFakeGateway, stopAllChildren, testContext } from '../fixtures/gateway-harness.ts';

const MiB = 1024 * 1024;
const HOUR = 3_600_000;

afterEach(stopAllChildren);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(process.platform !== 'linux')('memory check on a fake gateway that really leaks', () => {
  it('measures the growth of a real leak (40 MiB/s) and projects it to the limit: CRIT', async () => {
    const gw = await startFakeGateway({ growMbPerS: 40, growMaxMb: 400 });
    const first = await readProcessMemory(gw.pid);
    if (!first.ok) throw new Error(first.message);
    const state = inMemoryCheckState();
    const options = { maxMemory: first.rssBytes + 600 * MiB, window: '10s', warmup: 0, horizon: '1h', critHorizon: '1h' };
    const ctx = (): CheckContext => ({ ...testContext({ port: gw.port, options }), ...state });
    let last;
    const started = Date.now();
    while (Date.now() - started < 6_500) {
      last = await measureMemory(ctx());
      expect(last.status === 'ok' || last.status === 'crit').toBe(true);
      await sleep(250);
    }
    expect(last!.status).toBe('crit');
    const perHour = last!.metrics!.growthBytesPerHour!;
    // 40 MiB/s is 144 000 MiB/h; timers on a busy 2-core machine run late, so a wide margin.
    expect(perHour / MiB / 3600).toBeGreaterThan(25);
    expect(perHour / MiB / 3600).toBeLessThan(48);
    expect(last!.summary).toMatch(/^RSS \d+ MiB, growing [\d.]+ GiB\/h: reaches the [\d.]+ MiB limit \(maxMemory\) in under a minute$/);
    expect(last!.metrics!.rssBytes).toBeGreaterThan(first.rssBytes + 150 * MiB);
    expect(state.series.points(RSS_SERIES, 0).length).toBeGreaterThan(10);
  });

  it('an hour of recorded history (fake clock) and the live sample: WARN with the slope and time to limit', async () => {
    const gw = await startFakeGateway();
    const live = await readProcessMemory(gw.pid);
    if (!live.ok) throw new Error(live.message);
    const now = Date.now() + 3 * HOUR; // three hours after the gateway started
    const state = inMemoryCheckState(() => now);
    const rate = 300 * MiB; // per hour
    for (let t = now - HOUR; t < now; t += 30_000) state.series.record(RSS_SERIES, live.rssBytes - (rate * (now - t)) / HOUR, t);
    const ctx: CheckContext = { ...testContext({ port: gw.port, now: () => now, options: { maxMemory: live.rssBytes + 600 * MiB } }), ...state };
    const r = await measureMemory(ctx);
    expect(r.status).toBe('warn');
    expect(Math.abs(r.metrics!.growthBytesPerHour! - rate) / rate).toBeLessThan(0.05);
    expect(Math.abs(r.metrics!.secondsToLimit! - 7200) / 7200).toBeLessThan(0.05);
    expect(r.summary).toMatch(/growing 300 MiB\/h: reaches the .* limit \(maxMemory\) in about 2 h$/);
    expect(r.details).toMatchObject({ pid: gw.pid });
  });

  it('a gateway that exits between two runs: not measured (OK with a note), never CRIT; a new one is followed as a new segment', async () => {
    const gw = await startFakeGateway();
    const state = inMemoryCheckState();
    const run = (port: number) => measureMemory({ ...testContext({ port }), ...state });
    expect((await run(gw.port)).status).toBe('ok');
    const port = gw.port;
    await gw.stop();
    const gone = await run(port);
    expect(gone.status).toBe('ok');
    expect(gone.summary).toMatch(/^not measured: nothing listens on .* \(gateway down; gateway\.port alerts on that\)$/);
    const again = await startFakeGateway({ port });
    const back = await run(port);
    expect(back.status).toBe('ok');
    expect(back.details).toMatchObject({ pid: again.pid, restartedFrom: gw.pid });
  });

  it('is registered to depend on gateway.port and to read the recorded series in one-shot checks', () => {
    expect(memoryCheck.dependsOn).toEqual(['gateway.port']);
    expect(memoryCheck.usesState).toBe(true);
  });
});
