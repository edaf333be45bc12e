import { describe, expect, it } from 'vitest';
import { floors, formatEta, inAbout, HOUR_MS, hysteresis, theilSen, timeToLimit, trend, usableSamples, worse, type TrendPoint } from '../../src/evaluate/trend.ts';

const MB = 1024 * 1024;
const T0 = Date.UTC(2026, 10, 29, 12, 0, 0);

/** Samples every stepMs from `from` to `to` (inclusive) of f(t), t in ms since `from`. */
function series(from: number, to: number, stepMs: number, f: (t: number) => number): TrendPoint[] {
  const out: TrendPoint[] = [];
  for (let at = from; at <= to; at += stepMs) out.push({ at, value: f(at - from) });
  return out;
}

describe('theilSen', () => {
  it('finds the slope and level of a line exactly', () => {
    const fit = theilSen(series(T0, T0 + HOUR_MS, 30_000, (t) => 800 * MB + (210 * MB * t) / HOUR_MS))!;
    expect(fit.slopePerMs * HOUR_MS).toBeCloseTo(210 * MB, 0);
    expect(fit.valueAt(T0 + HOUR_MS)).toBeCloseTo(1010 * MB, 0);
  });

  it('is not moved by one spike, where a least-squares line would be', () => {
    const pts = series(T0, T0 + HOUR_MS, 30_000, () => 800 * MB);
    pts[pts.length - 1]!.value = 3000 * MB;
    const fit = theilSen(pts)!;
    expect(fit.slopePerMs).toBe(0);
    expect(fit.valueAt(T0 + HOUR_MS)).toBe(800 * MB);
  });

  it('subsamples large windows deterministically and stays accurate', () => {
    const pts = series(T0, T0 + 24 * HOUR_MS, 10_000, (t) => 1000 + t / 1000 + ((t / 10_000) % 7) - 3);
    const a = theilSen(pts, { maxPairs: 5_000 })!;
    const b = theilSen(pts, { maxPairs: 5_000 })!;
    expect(a.pairs).toBeLessThanOrEqual(5_000);
    expect(a.slopePerMs).toBe(b.slopePerMs);
    expect(a.slopePerMs).toBeCloseTo(1 / 1000, 5);
  });

  it('needs two samples at different times, and ignores non-finite ones', () => {
    expect(theilSen([])).toBeUndefined();
    expect(theilSen([{ at: T0, value: 1 }])).toBeUndefined();
    expect(theilSen([{ at: T0, value: 1 }, { at: T0, value: 2 }])).toBeUndefined();
    expect(theilSen([{ at: T0, value: 1 }, { at: T0 + 1000, value: Number.NaN }, { at: T0 + 2000, value: 3 }])!.slopePerMs).toBe(0.001);
  });

  it('sorts unsorted input', () => {
    const fit = theilSen([{ at: T0 + 2000, value: 3 }, { at: T0, value: 1 }, { at: T0 + 1000, value: 2 }])!;
    expect(fit.slopePerMs).toBe(0.001);
  });
});

describe('trend', () => {
  const now = T0 + 2 * HOUR_MS;
  const opts = { now, windowMs: HOUR_MS };

  it('flat: slope 0', () => {
    const t = trend(series(T0, now, 30_000, () => 850 * MB), opts);
    expect(t.ok && t.slopePerHour).toBe(0);
  });

  it('linear leak: slope and time to a limit within 5 %', () => {
    const rate = 210 * MB; // per hour
    const t = trend(series(T0, now, 30_000, (t) => 600 * MB + (rate * t) / HOUR_MS), opts);
    if (!t.ok) throw new Error(t.reason);
    expect(Math.abs(t.slopePerHour - rate) / rate).toBeLessThan(0.05);
    const eta = timeToLimit(t.level, t.slopePerMs, 2048 * MB)!;
    const truth = ((2048 - 1020) * MB * HOUR_MS) / rate;
    expect(Math.abs(eta - truth) / truth).toBeLessThan(0.05);
  });

  it('GC sawtooth on a flat baseline: near zero; on a leak: the leak', () => {
    // Rises 150 MiB over 4 min, then a collection drops it at once.
    const saw = (t: number) => ((t % 240_000) / 240_000) * 150 * MB;
    const flat = trend(series(T0, now, 30_000, (t) => 800 * MB + saw(t)), opts);
    if (!flat.ok) throw new Error(flat.reason);
    expect(Math.abs(flat.slopePerHour)).toBeLessThan(20 * MB);
    const leak = trend(series(T0, now, 30_000, (t) => 800 * MB + saw(t) + (100 * MB * t) / HOUR_MS), opts);
    if (!leak.ok) throw new Error(leak.reason);
    expect(Math.abs(leak.slopePerHour - 100 * MB) / (100 * MB)).toBeLessThan(0.2);
  });

  it('floorBucketMs fits the lowest sample of each full bucket: a sawtooth whose window starts or ends mid-tooth stays flat', () => {
    const saw = (t: number) => 800 * MB + ((t % 240_000) / 240_000) * 300 * MB;
    const pts = series(T0, now, 30_000, saw);
    for (let end = T0 + 15 * 60_000; end <= now; end += 30_000) {
      const t = trend(pts, { now: end, windowMs: HOUR_MS, floorBucketMs: 300_000 });
      expect(t.ok && t.slopePerHour).toBe(0);
    }
    expect(floors(series(T0 + 60_000, T0 + 11 * 60_000, 30_000, (t) => -t), 300_000).map((p) => p.at - T0)).toEqual([270_000, 570_000]);
  });

  it('steady: a step (flat, a jump, flat) is no trend; a leak with a step in it is the leak; a line is the line', () => {
    const o = { now, windowMs: HOUR_MS, floorBucketMs: 300_000, minSpanMs: HOUR_MS / 2, steady: true };
    const step = series(T0, now, 30_000, (t) => (t < 90 * 60_000 ? 610 * MB : 652 * MB));
    expect(trend(step, { ...o, steady: false }).ok && (trend(step, { ...o, steady: false }) as { slopePerHour: number }).slopePerHour).toBeGreaterThan(20 * MB);
    const s1 = trend(step, o);
    expect(s1.ok && s1.slopePerHour).toBe(0);
    expect(s1.ok && s1.level).toBe(652 * MB);
    const leakStep = trend(series(T0, now, 30_000, (t) => 600 * MB + (100 * MB * t) / HOUR_MS + (t >= 90 * 60_000 ? 200 * MB : 0)), o);
    expect(leakStep.ok && leakStep.slopePerHour / MB).toBeCloseTo(100, 0);
    const line = trend(series(T0, now, 30_000, (t) => 600 * MB + (210 * MB * t) / HOUR_MS), o);
    expect(line.ok && line.slopePerHour / MB).toBeCloseTo(210, 3);
    const falling = trend(series(T0, now, 30_000, (t) => 900 * MB - (50 * MB * t) / HOUR_MS), o);
    expect(falling.ok && falling.slopePerHour / MB).toBeCloseTo(-50, 3);
  });

  it('floors of a sparse schedule (one sample per bucket) still make a trend; only the cut end buckets are left out', () => {
    const sparse = series(T0, now, 300_000, (t) => 600 * MB + (120 * MB * t) / HOUR_MS);
    const t = trend(sparse, { now, windowMs: HOUR_MS, floorBucketMs: 300_000, minSpanMs: HOUR_MS / 2, minPoints: 6, steady: true });
    expect(t.ok && t.slopePerHour / MB).toBeCloseTo(120, 3);
  });

  it('a start-up climb inside the warm-up is ignored', () => {
    const start = now - 40 * 60_000;
    // 0 -> 850 MiB in the first 5 min after start, flat after.
    const pts = series(start, now, 30_000, (t) => Math.min(850 * MB, (t / 300_000) * 850 * MB));
    const t = trend(pts, { ...opts, segmentStart: start, warmupMs: 600_000 });
    expect(t.ok && t.slopePerHour).toBe(0);
    const tooEarly = trend(pts.slice(0, 25), { now: pts[24]!.at, windowMs: HOUR_MS, segmentStart: start, warmupMs: 600_000 });
    expect(tooEarly.ok).toBe(false);
    if (!tooEarly.ok) expect(tooEarly.reason).toMatch(/since the start/);
  });

  it('a restart mid-window starts a new segment: the drop is not a negative trend, the old process is not mixed in', () => {
    const restart = now - 30 * 60_000;
    const pts = [
      ...series(T0, restart - 30_000, 30_000, (t) => 1500 * MB + (300 * MB * t) / HOUR_MS),
      ...series(restart, now, 30_000, (t) => 700 * MB + (60 * MB * t) / HOUR_MS),
    ];
    const t = trend(pts, { ...opts, segmentStart: restart, warmupMs: 0 });
    if (!t.ok) throw new Error(t.reason);
    expect(t.slopePerHour / MB).toBeCloseTo(60, 3);
    expect(t.from).toBe(restart);
  });

  it('a clock jump: samples from the future are ignored, a long forward gap splits', () => {
    const flat = series(T0, now, 30_000, () => 900 * MB);
    // The clock went back 20 min: samples after the new now are not used.
    const back = trend(flat, { now: now - 20 * 60_000, windowMs: HOUR_MS });
    expect(back.ok && back.slopePerHour).toBe(0);
    // Forward by 3 h: the old samples are out of the window, too few new ones: no trend (never a false one).
    const later = now + 3 * HOUR_MS;
    const fwd = trend([...flat, ...series(later - 60_000, later, 30_000, () => 900 * MB)], { now: later, windowMs: HOUR_MS });
    expect(fwd.ok).toBe(false);
    // A 40-min gap inside a 2 h window: only the samples after it.
    const gap = [...series(T0, T0 + 30 * 60_000, 30_000, () => 100), ...series(T0 + 70 * 60_000, now, 30_000, (t) => 200 + t / 60_000)];
    const used = usableSamples(gap, { now, windowMs: 2 * HOUR_MS, maxGapMs: 20 * 60_000 });
    expect(used[0]!.at).toBe(T0 + 70 * 60_000);
  });

  it('too few samples, or too short a span: a reason instead of a slope', () => {
    const t = trend([], opts);
    expect(t).toMatchObject({ ok: false, n: 0 });
    const short = trend(series(now - 5 * 60_000, now, 30_000, () => 1), opts);
    expect(short.ok).toBe(false);
    if (!short.ok) expect(short.reason).toMatch(/5 min of samples, 15 min needed/);
  });
});

describe('timeToLimit', () => {
  it('is 0 at or over the limit, undefined when flat, falling or non-finite', () => {
    expect(timeToLimit(10, 1, 10)).toBe(0);
    expect(timeToLimit(11, -1, 10)).toBe(0);
    expect(timeToLimit(5, 0, 10)).toBeUndefined();
    expect(timeToLimit(5, -1, 10)).toBeUndefined();
    expect(timeToLimit(Number.NaN, 1, 10)).toBeUndefined();
    expect(timeToLimit(5, 1, Number.POSITIVE_INFINITY)).toBeUndefined();
    expect(timeToLimit(5, 0.5, 10)).toBe(10);
  });
});

describe('hysteresis', () => {
  const bands = { warn: { raise: 80, clear: 75 }, crit: { raise: 90, clear: 85 } };

  it('raises at one level and clears at a lower one', () => {
    expect(hysteresis(undefined, 79, bands)).toBe('ok');
    expect(hysteresis('ok', 80, bands)).toBe('warn');
    expect(hysteresis('warn', 77, bands)).toBe('warn');
    expect(hysteresis('warn', 75, bands)).toBe('ok');
    expect(hysteresis('warn', 90, bands)).toBe('crit');
    expect(hysteresis('crit', 86, bands)).toBe('crit');
    expect(hysteresis('crit', 85, bands)).toBe('warn');
    expect(hysteresis('crit', 70, bands)).toBe('ok');
  });

  it('lower is worse (time to a limit)', () => {
    const eta = { warn: { raise: 6, clear: 7 }, crit: { raise: 1, clear: 1.5 } };
    expect(hysteresis(undefined, 10, eta, false)).toBe('ok');
    expect(hysteresis('ok', 6, eta, false)).toBe('warn');
    expect(hysteresis('warn', 6.5, eta, false)).toBe('warn');
    expect(hysteresis('warn', 0.5, eta, false)).toBe('crit');
    expect(hysteresis('crit', 1.2, eta, false)).toBe('crit');
    expect(hysteresis('crit', 2, eta, false)).toBe('warn');
  });

  it('keeps the previous level for a non-finite value; a missing band is no level', () => {
    expect(hysteresis('warn', Number.NaN, bands)).toBe('warn');
    expect(hysteresis(undefined, 95, { warn: bands.warn })).toBe('warn');
    expect(worse('warn', 'crit')).toBe('crit');
    expect(worse('ok', 'ok')).toBe('ok');
  });
});

describe('formatEta', () => {
  it('reads like a person would say it', () => {
    expect(formatEta(30_000)).toBe('under a minute');
    expect(formatEta(45 * 60_000)).toBe('45 min');
    expect(formatEta(3 * HOUR_MS + 20 * 60_000)).toBe('3 h 20 min');
    expect(formatEta(2 * HOUR_MS + 58 * 60_000)).toBe('3 h');
    expect(formatEta(15 * HOUR_MS + 20 * 60_000)).toBe('15 h');
    expect(formatEta(52 * HOUR_MS)).toBe('2 d 4 h');
    expect(formatEta(Number.POSITIVE_INFINITY)).toBe('never');
    expect(inAbout(20_000)).toBe('in under a minute');
    expect(inAbout(3 * HOUR_MS + 20 * 60_000)).toBe('in about 3 h 20 min');
  });
});
