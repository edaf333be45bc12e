// `clawmedic trend` over a state file the agent wrote: a sparkline and min/avg/max per bucket, the list
// of series without a name, JSON for scripts, and one-line errors for a name or duration that is wrong.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeCliHome, type CliHome } from '../fixtures/cli.ts';
import { StateStore } from '../../src/state/store.ts';

let h: CliHome;
beforeEach(async () => {
  h = await makeCliHome();
  // Three hours of RSS growing 100 MiB an hour, one sample a minute, ending now.
  let now = Date.now() - 3 * 3_600_000;
  const store = await StateStore.open(h.statePath, { now: () => now });
  for (let i = 0; i <= 180; i++) {
    store.series.record('gateway.rss_bytes', 800 * 2 ** 20 + i * (100 / 60) * 2 ** 20, now);
    now += 60_000;
  }
  store.series.record('gateway.healthz_ms', 3.25, now);
  await store.close();
});
afterEach(async () => {
  await h.cleanup();
});

describe('clawmedic trend', () => {
  it('prints a sparkline rising with the series and a table of buckets with MiB', async () => {
    const r = await h.run(['trend', 'gateway.rss_bytes', '--since', '3h', '--buckets', '6']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^gateway\.rss_bytes, last 3h in 30m buckets: [▁▂▃▄▅▆▇█]{6,7}$/);
    const bars = lines[0]!.split(': ')[1]!;
    expect([...bars]).toEqual([...bars].sort((a, b) => '▁▂▃▄▅▆▇█'.indexOf(a) - '▁▂▃▄▅▆▇█'.indexOf(b)));
    expect(lines[1]).toMatch(/^min 80\d\.\d MiB {2}max 1\.07 GiB {2}last 1\.07 GiB$/);
    expect(r.stdout).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d +\d+\.\d MiB +\d+\.\d MiB +\d+\.\d MiB +\d+/);
  });

  it('lists the series without a name, and gives JSON buckets', async () => {
    expect((await h.run(['trend'])).stdout).toBe('gateway.healthz_ms\ngateway.rss_bytes\n');
    const json = JSON.parse((await h.run(['trend', 'gateway.healthz_ms', '--json'])).stdout) as { buckets: Array<{ avg: number; n: number }> };
    expect(json.buckets).toEqual([expect.objectContaining({ avg: 3.25, n: 1 })]);
  });

  it('says which series exist when the name is wrong, and refuses a bad --since', async () => {
    const wrong = await h.run(['trend', 'gateway.rss']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/no series "gateway\.rss" in .* \(there are: gateway\.healthz_ms, gateway\.rss_bytes\)/);
    const bad = await h.run(['trend', 'gateway.rss_bytes', '--since', 'forever']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--since "forever" is not a duration/);
  });
});
