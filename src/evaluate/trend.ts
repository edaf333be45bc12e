// Trend math shared by the checks that watch a series grow (memory, disk, latency, restarts): pure
// functions, no I/O, no clock of their own. The usual path is
//
//   const t = trend(ctx.series.points(name, now - windowMs), { now, windowMs, segmentStart, warmupMs });
//   if (t.ok) eta = timeToLimit(t.level, t.slopePerMs, limit);
//   level = hysteresis(memory.level, value, { warn: {raise, clear}, crit: {raise, clear} });
//
// A slope is Theil-Sen (the median of the slopes between pairs of samples): one spike moves it little,
// where a least-squares line follows it. For a sawtooth (a garbage-collected heap, temporary files) pass
// floorBucketMs (e.g. window / 12) to fit the lowest sample of each bucket, and minSpanMs of half the
// window: a short span of a slow sawtooth otherwise looks like growth (measured: a 4-min, 300 MiB sawtooth
// read as +500 MiB/h over 15 min of raw samples; 0 with floors). Times are epoch ms, slopes per ms.
// steady: true keeps only growth that holds in both halves of the window, so a step (a one-off load) is
// no trend. trend() says why it has no slope (too few samples, warm-up) instead of guessing; timeToLimit() and
// inAbout()/formatEta() turn a slope into a sentence; hysteresis() keeps levels from flapping.

/** One sample (the same shape as SeriesPoint). */
export interface TrendPoint {
  at: number;
  value: number;
}

export interface Fit {
  /** Units per ms (multiply by HOUR_MS for per hour). */
  slopePerMs: number;
  /** The fitted line's value at `at` (the median of value - slope * at, evaluated there). */
  valueAt(at: number): number;
  /** Samples and pairs the fit used. */
  n: number;
  pairs: number;
}

export const HOUR_MS = 3_600_000;

/** At most this many pairs by default: about 4 ms of CPU (1 ms for the 7 140 pairs of a 1 h window of 30 s samples). */
export const DEFAULT_MAX_PAIRS = 20_000;

/**
 * Theil-Sen fit: the median of the pairwise slopes (pairs closer than minDtMs apart are skipped). Above
 * maxPairs pairs, a fixed pseudo-random sample of maxPairs pairs (seeded by the data size: the same input
 * gives the same answer). Undefined with fewer than two usable samples.
 */
export function theilSen(points: readonly TrendPoint[], options: { maxPairs?: number; minDtMs?: number } = {}): Fit | undefined {
  const pts = clean(points);
  const n = pts.length;
  if (n < 2) return undefined;
  const maxPairs = Math.max(1, Math.floor(options.maxPairs ?? DEFAULT_MAX_PAIRS));
  const minDt = Math.max(0, options.minDtMs ?? 0);
  const total = (n * (n - 1)) / 2;
  // A typed array sorts numerically without a comparator: several times faster than number[].
  const slopes = new Float64Array(Math.min(total, maxPairs));
  let k = 0;
  const add = (a: TrendPoint, b: TrendPoint) => {
    const dt = b.at - a.at;
    if (dt > minDt && dt > 0) slopes[k++] = (b.value - a.value) / dt;
  };
  if (total <= maxPairs) {
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) add(pts[i]!, pts[j]!);
  } else {
    const rand = mulberry32(n * 2_654_435_761);
    for (let m = 0; m < maxPairs; m++) {
      const i = Math.floor(rand() * n);
      let j = Math.floor(rand() * (n - 1));
      if (j >= i) j++;
      add(pts[Math.min(i, j)]!, pts[Math.max(i, j)]!);
    }
  }
  if (k === 0) return undefined;
  const slope = median(slopes.subarray(0, k));
  // Intercept around the last sample's time keeps the numbers small (epoch ms times a slope lose precision).
  const origin = pts[n - 1]!.at;
  const intercept = median(Float64Array.from(pts, (p) => p.value - slope * (p.at - origin)));
  return { slopePerMs: slope, valueAt: (at: number) => intercept + slope * (at - origin), n, pairs: k };
}

export interface TrendOptions {
  /** The present (ctx.now()): samples after it are ignored (a clock set back). */
  now: number;
  /** How far back to look. */
  windowMs: number;
  /**
   * Where the current segment starts (e.g. the gateway's start time): samples before it belong to another
   * process and are ignored. Undefined: no known boundary.
   */
  segmentStart?: number;
  /** Samples within this long after segmentStart are ignored (start-up allocations are not a leak). */
  warmupMs?: number;
  /**
   * A gap between samples longer than this also starts a new segment (a clock jumped forward, the agent
   * was stopped): slopes across it are not trusted. Default: half the window, at least 10 min.
   */
  maxGapMs?: number;
  /** Fewer samples than this: no trend (default 6). */
  minPoints?: number;
  /** Samples spanning less than this: no trend (default a quarter of the window). */
  minSpanMs?: number;
  /**
   * Fit the floor instead of every sample: the lowest sample of each bucket this wide (kept at its own
   * time). For sawtooth series (a garbage-collected heap) the floor is what leaks; spikes never count.
   * Default: every sample.
   */
  floorBucketMs?: number;
  /**
   * Only a slope that holds in both halves of the samples counts: the whole's slope when each half's is at
   * least half of it, else the smallest in magnitude of the three, 0 when they disagree in direction. A step (a one-off load, a
   * session opened: flat, a jump, flat) is then no trend, where a plain Theil-Sen over a short window
   * reads it as steady growth (measured on a real idle gateway: +42 MiB once read as +471 MiB/h).
   */
  steady?: boolean;
  maxPairs?: number;
}

export type TrendResult =
  | {
      ok: true;
      slopePerMs: number;
      /** slopePerMs * HOUR_MS. */
      slopePerHour: number;
      /** The fitted value now: what to project from (one spike in the last sample does not move it). */
      level: number;
      /** The last sample's value. */
      last: number;
      n: number;
      /** Time from the first to the last sample used. */
      spanMs: number;
      /** The first sample's time. */
      from: number;
    }
  | {
      ok: false;
      /** Why there is no trend, in words ("12 min of samples since the gateway started, 15 min needed"). */
      reason: string;
      n: number;
      spanMs: number;
      /** The last usable sample's value, when there is one. */
      last?: number;
    };

/** The samples a trend may use: within the window, not in the future, after the segment start and its warm-up, after the last long gap. */
export function usableSamples(points: readonly TrendPoint[], options: TrendOptions): TrendPoint[] {
  const { now, windowMs } = options;
  let from = now - windowMs;
  if (options.segmentStart !== undefined && Number.isFinite(options.segmentStart)) {
    from = Math.max(from, options.segmentStart + Math.max(0, options.warmupMs ?? 0));
  }
  const pts = clean(points).filter((p) => p.at >= from && p.at <= now);
  const maxGap = options.maxGapMs ?? Math.max(600_000, windowMs / 2);
  let start = 0;
  for (let i = 1; i < pts.length; i++) if (pts[i]!.at - pts[i - 1]!.at > maxGap) start = i;
  return start ? pts.slice(start) : pts;
}

/** The slope of a series over a window, with segmenting, warm-up and gap handling (see TrendOptions). */
export function trend(points: readonly TrendPoint[], options: TrendOptions): TrendResult {
  const used = usableSamples(points, options);
  const n = used.length;
  const spanMs = n ? used[n - 1]!.at - used[0]!.at : 0;
  const last = n ? used[n - 1]!.value : undefined;
  const minPoints = Math.max(2, options.minPoints ?? 6);
  const minSpan = options.minSpanMs ?? options.windowMs / 4;
  const lastPart = last === undefined ? {} : { last };
  if (n < minPoints || spanMs < minSpan) {
    const have = n < minPoints ? `${n} sample${n === 1 ? '' : 's'}` : `${formatEta(spanMs)} of samples`;
    const need = n < minPoints ? `${minPoints} needed` : `${formatEta(minSpan)} needed`;
    const since =
      options.segmentStart !== undefined && Number.isFinite(options.segmentStart) && options.segmentStart > options.now - options.windowMs
        ? ' since the start and its warm-up'
        : '';
    return { ok: false, reason: `${have}${since}, ${need}`, n, spanMs, ...lastPart };
  }
  const pts = options.floorBucketMs && options.floorBucketMs > 0 ? floors(used, options.floorBucketMs) : used;
  if (pts.length < 3) return { ok: false, reason: `${formatEta(spanMs)} of samples gives ${pts.length} floor buckets, 3 needed`, n, spanMs, ...lastPart };
  const pairs = options.maxPairs === undefined ? {} : { maxPairs: options.maxPairs };
  const fit = theilSen(pts, pairs);
  if (!fit) return { ok: false, reason: 'samples too close in time for a slope', n, spanMs, ...lastPart };
  let slope = fit.slopePerMs;
  let level = fit.valueAt(options.now);
  if (options.steady) {
    const mid = (pts[0]!.at + pts[pts.length - 1]!.at) / 2;
    const first = theilSen(pts.filter((p) => p.at <= mid), pairs);
    const second = theilSen(pts.filter((p) => p.at > mid), pairs);
    if (!first || !second) {
      return { ok: false, reason: `${formatEta(spanMs)} of samples gives ${pts.length} points, too few to tell steady growth from a step`, n, spanMs, ...lastPart };
    }
    {
      const all = [fit.slopePerMs, first.slopePerMs, second.slopePerMs];
      const sameSign = all.every((v) => v > 0) || all.every((v) => v < 0);
      // Halves that agree with the whole (each at least half of it: noise) keep the whole's slope; halves
      // far below it mean a step carried it, and the smallest is what holds.
      const halvesAgree = Math.min(Math.abs(first.slopePerMs), Math.abs(second.slopePerMs)) >= Math.abs(slope) / 2;
      const steady = !sameSign ? 0 : halvesAgree ? slope : Math.sign(slope) * Math.min(...all.map(Math.abs));
      if (steady !== slope) {
        slope = steady;
        // The level under that slope: the median of what the recent half says it is now (after a step, the new level).
        const now = options.now;
        level = median(Float64Array.from(pts.filter((p) => p.at > mid), (p) => p.value + slope * (now - p.at)));
      }
    }
  }
  return {
    ok: true,
    slopePerMs: slope,
    slopePerHour: slope * HOUR_MS,
    level,
    last: last!,
    n,
    spanMs,
    from: used[0]!.at,
  };
}

/**
 * How long until `value`, moving at `slopePerMs`, reaches `limit` (ms). 0 when it is there already
 * (value >= limit); undefined when it never will (flat or moving away), or for non-finite input.
 */
export function timeToLimit(value: number, slopePerMs: number, limit: number): number | undefined {
  if (![value, slopePerMs, limit].every(Number.isFinite)) return undefined;
  if (value >= limit) return 0;
  if (slopePerMs <= 0) return undefined;
  return (limit - value) / slopePerMs;
}

export type Level = 'ok' | 'warn' | 'crit';

/** Raise at `raise`; once raised, stay until the value is back past `clear`. */
export interface Band {
  raise: number;
  clear: number;
}

/**
 * A level with hysteresis: a value must pass `raise` to enter a level and fall back past `clear` to leave
 * it, so a value hovering at a threshold does not flap. `higherIsWorse: false` for values where less is
 * worse (time to a limit, free space): then raise <= clear. Keep the returned level (e.g. in ctx.memory)
 * and pass it as `previous` next run. A band may be omitted (no such level).
 */
export function hysteresis(
  previous: Level | undefined,
  value: number,
  bands: { warn?: Band; crit?: Band },
  higherIsWorse = true,
): Level {
  if (!Number.isFinite(value)) return previous ?? 'ok';
  const past = (v: number, t: number) => (higherIsWorse ? v >= t : v <= t);
  const within = (v: number, t: number) => (higherIsWorse ? v > t : v < t);
  const { warn, crit } = bands;
  if (crit && past(value, crit.raise)) return 'crit';
  if (crit && previous === 'crit' && within(value, crit.clear)) return 'crit';
  if (warn && past(value, warn.raise)) return 'warn';
  if (warn && (previous === 'warn' || previous === 'crit') && within(value, warn.clear)) return 'warn';
  return 'ok';
}

/** "in about 3 h 20 min", "in under a minute": when something happens, for sentences. */
export function inAbout(ms: number): string {
  return ms < 60_000 ? 'in under a minute' : `in about ${formatEta(ms)}`;
}

/** The worse of two levels. */
export function worse(a: Level, b: Level): Level {
  const rank = { ok: 0, warn: 1, crit: 2 } as const;
  return rank[a] >= rank[b] ? a : b;
}

/** "about 3 h 20 min", "about 45 min", "under a minute", "about 2 d 4 h": for time-to-limit sentences. */
export function formatEta(ms: number): string {
  if (!Number.isFinite(ms)) return 'never';
  if (ms < 60_000) return 'under a minute';
  const min = Math.round(ms / 60_000);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) {
    const rest = min - h * 60;
    // Under 10 h, to the 10 minutes; past that the minutes are noise.
    const m = h < 10 ? Math.round(rest / 10) * 10 : 0;
    return m === 60 ? `${h + 1} h` : m ? `${h} h ${m} min` : `${h} h`;
  }
  const d = Math.floor(h / 24);
  const hr = h - d * 24;
  return hr ? `${d} d ${hr} h` : `${d} d`;
}

/**
 * The lowest sample of each bucket (aligned to epoch multiples of bucketMs), in time order. The first and
 * the last bucket are left out when their samples span less than half their width (the window cuts them:
 * their lowest sample is no floor); a bucket between them is whole, however sparse its samples.
 */
export function floors(points: readonly TrendPoint[], bucketMs: number): TrendPoint[] {
  const buckets: Array<{ low: TrendPoint; first: number; last: number }> = [];
  let bucket = Number.NaN;
  for (const p of clean(points)) {
    const b = Math.floor(p.at / bucketMs);
    const cur = buckets.at(-1);
    if (b === bucket && cur) {
      if (p.value < cur.low.value) cur.low = p;
      cur.last = p.at;
    } else {
      buckets.push({ low: p, first: p.at, last: p.at });
      bucket = b;
    }
  }
  const partial = (b: { first: number; last: number } | undefined) => b !== undefined && b.last - b.first < bucketMs / 2;
  const from = partial(buckets[0]) ? 1 : 0;
  const to = buckets.length > from && partial(buckets.at(-1)) ? buckets.length - 1 : buckets.length;
  return buckets.slice(from, to).map((b) => b.low);
}

function clean(points: readonly TrendPoint[]): TrendPoint[] {
  const out = points.filter((p) => Number.isFinite(p?.at) && Number.isFinite(p?.value));
  // Sorted by time; already sorted in the usual case, so this is cheap.
  for (let i = 1; i < out.length; i++) {
    if (out[i]!.at < out[i - 1]!.at) return out.sort((a, b) => a.at - b.at);
  }
  return out;
}

function median(values: Float64Array): number {
  values.sort();
  const mid = values.length >> 1;
  return values.length % 2 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
