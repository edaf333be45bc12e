import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkMemory, DEFAULT_SERIES_LIMITS, MAX_CHECK_MEMORY_BYTES, SeriesSet, type SeriesData } from '../../src/state/series.ts';
import { StateStore } from '../../src/state/store.ts';

const T0 = Date.UTC(2026, 10, 1);
const SEC = 1_000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

function setAt() {
  let now = T0;
  const data: Record<string, SeriesData> = {};
  let changes = 0;
  const set = new SeriesSet(data, { now: () => now, onChange: () => changes++ });
  return { set, data, advance: (ms: number) => (now += ms), at: () => now, changes: () => changes };
}

describe('SeriesSet', () => {
  it('keeps raw samples for the last hour and rolls them up per minute and per 15 minutes', () => {
    const { set, data, advance } = setAt();
    for (let i = 0; i < 120; i++) {
      set.record('gateway.rss_bytes', 1000 + i);
      advance(30 * SEC);
    }
    const s = data['gateway.rss_bytes']!;
    expect(s.raw).toHaveLength(120); // 60 minutes of 30 s samples
    expect(s.tiers[0]).toHaveLength(60);
    expect(s.tiers[0]![0]).toEqual([T0, 2, 1000, 1001, 2001]);
    expect(s.tiers[1]).toHaveLength(4);
    expect(s.tiers[1]![0]).toEqual([T0, 30, 1000, 1029, (1000 + 1029) * 15]);
  });

  it('stays bounded whatever the schedule: 30 days at 10 s keep an hour raw and a bucket per step; 1 s keeps rawMax samples and a bucket per step', () => {
    const { set, data, advance } = setAt();
    for (let t = 0; t < 30 * DAY; t += 10 * SEC) {
      set.record('a', Math.sin(t / HOUR) * 100);
      advance(10 * SEC);
    }
    const s = data.a!;
    expect(s.raw.length).toBe(361); // one hour at 10 s, both ends
    expect(s.tiers[0]!.length).toBeLessThanOrEqual(1441);
    expect(s.tiers[1]!.length).toBeLessThanOrEqual(30 * 96 + 1);
    const fast = setAt();
    for (let i = 0; i < 7200; i++) {
      fast.set.record('b', i);
      fast.advance(SEC);
    }
    expect(fast.data.b!.raw).toHaveLength(DEFAULT_SERIES_LIMITS.rawMax);
  });

  it('answers points at the finest resolution kept: raw for the last hour, bucket averages before', () => {
    const { set, advance, at } = setAt();
    for (let i = 0; i < 3 * 60; i++) {
      set.record('x', i); // one a minute for 3 hours: value = minutes since T0
      advance(MIN);
    }
    const points = set.points('x', T0);
    // The last hour raw, the two before as per-minute buckets (no double counting at the seams).
    expect(points.length).toBe(180);
    expect(points.map((p) => p.value)).toEqual([...Array(180).keys()]);
    expect(points.every((p, i) => i === 0 || p.at > points[i - 1]!.at)).toBe(true);
    expect(set.points('x', at() - 30 * MIN)).toHaveLength(30);
    expect(set.points('never-written', T0)).toEqual([]);
  });

  it('re-buckets to a wider step on request, keeping min, max and a weighted average', () => {
    const { set, advance } = setAt();
    for (const v of [1, 5, 3, 7]) {
      set.record('y', v);
      advance(20 * SEC);
    }
    expect(set.buckets('y', T0, MIN)).toEqual([
      { at: T0, n: 3, min: 1, max: 5, avg: 3 },
      { at: T0 + MIN, n: 1, min: 7, max: 7, avg: 7 },
    ]);
  });

  it('drops what lies after a clock that went back, and ignores bad samples and names', () => {
    const { set, data, advance, changes } = setAt();
    set.record('z', 1);
    advance(10 * MIN);
    set.record('z', 2);
    set.record('z', 3, T0 + 5 * MIN); // the clock was set back 5 minutes
    expect(data.z!.raw).toEqual([
      [T0, 1],
      [T0 + 5 * MIN, 3],
    ]);
    expect(data.z!.tiers[0]!.map((b) => b[0])).toEqual([T0, T0 + 5 * MIN]);
    const before = changes();
    for (const [name, value] of [
      ['z', Number.NaN],
      ['z', Number.POSITIVE_INFINITY],
      ['bad name!', 1],
      ['__proto__', 1],
      ['', 1],
    ] as const) {
      set.record(name, value);
    }
    set.record('z', 'not a number' as unknown as number);
    expect(changes()).toBe(before);
    expect(Object.keys(data)).toEqual(['z']);
  });
});

describe('check memory', () => {
  it('keeps a JSON copy per check, refuses more than 16 KiB, and hands out copies', () => {
    const all: Record<string, unknown> = {};
    const mem = checkMemory(all, 'logs');
    expect(mem.get()).toBeUndefined();
    mem.set({ inode: 42, offset: 1234 });
    const got = mem.get<{ inode: number; offset: number }>()!;
    got.offset = 0;
    expect(mem.get()).toEqual({ inode: 42, offset: 1234 });
    expect(() => mem.set({ blob: 'x'.repeat(MAX_CHECK_MEMORY_BYTES) })).toThrow(/more than the 16384 a check may keep/);
    expect(mem.get()).toEqual({ inode: 42, offset: 1234 });
    mem.set(undefined);
    expect(all).toEqual({});
  });
});

describe('series in the state file', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'clawmedic-series-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('survive a reopen with their memory, and a damaged series is dropped alone', async () => {
    const path = join(dir, 'state.json');
    let now = T0;
    const store = await StateStore.open(path, { now: () => now });
    store.series.record('gateway.rss_bytes', 900e6);
    now += MIN;
    store.series.record('gateway.rss_bytes', 910e6);
    store.series.record('gateway.restarts', 0);
    store.memoryFor('restarts').set({ bootId: 'abc' });
    await store.close();
    const text = JSON.parse(await readFile(path, 'utf8'));
    text.series['gateway.restarts'].raw = 'nope';
    await (await import('node:fs/promises')).writeFile(path, JSON.stringify(text));

    const again = await StateStore.open(path, { now: () => now });
    expect(again.series.points('gateway.rss_bytes', 0)).toEqual([
      { at: T0, value: 900e6 },
      { at: T0 + MIN, value: 910e6 },
    ]);
    expect(again.memoryFor('restarts').get()).toEqual({ bootId: 'abc' });
    expect(again.damaged.map((d) => d.part)).toEqual(['series.gateway.restarts']);
    expect(again.series.names()).toEqual(['gateway.rss_bytes']);
    await again.close();
    expect((await stat(path)).size).toBeLessThan(4096);
  });
});
