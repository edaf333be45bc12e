import type { CheckMemory, SeriesAccess, SeriesBucket, SeriesPoint } from '../contracts.ts';

// Named numeric series kept in the state file, tiered like an RRD: raw samples for a while, then
// fixed-width buckets (min/avg/max) per tier, each tier kept for its own span. Whatever the schedule,
// a series holds at most rawMax samples plus keepMs/stepMs buckets per tier.

export interface TierSpec {
  stepMs: number;
  keepMs: number;
}

export interface SeriesLimits {
  /** Raw samples are kept this long... */
  rawMs: number;
  /** ...and at most this many (a 1 s schedule keeps the last 12 minutes raw, not 3600 samples). */
  rawMax: number;
  /** Roll-ups, finest first. */
  tiers: TierSpec[];
  /** Series kept at most; samples of further names are dropped. */
  maxSeries: number;
}

export const DEFAULT_SERIES_LIMITS: SeriesLimits = {
  rawMs: 3_600_000,
  rawMax: 720,
  tiers: [
    { stepMs: 60_000, keepMs: 86_400_000 },
    { stepMs: 900_000, keepMs: 30 * 86_400_000 },
  ],
  maxSeries: 200,
};

/** Compact on disk: a raw sample is [at, value]; a bucket is [start, n, min, max, sum]. */
export type RawSample = [number, number];
export type Bucket = [number, number, number, number, number];

export interface SeriesData {
  raw: RawSample[];
  /** One list per tier of the limits, finest first. */
  tiers: Bucket[][];
}

const NAME = /^[A-Za-z0-9_.:-]{1,80}$/;

export function isSeriesName(name: unknown): name is string {
  return typeof name === 'string' && NAME.test(name) && name !== '__proto__';
}

/** Four decimals are plenty for bytes, counts and milliseconds, and keep the file small. */
function round(value: number): number {
  return Number.isInteger(value) ? value : Math.round(value * 1e4) / 1e4;
}

/**
 * The series of one state file (or of a one-shot `check`, in memory). `onChange` is told after every
 * recorded sample, so the store can schedule a write.
 */
export class SeriesSet implements SeriesAccess {
  private readonly data: Record<string, SeriesData>;
  private readonly limits: SeriesLimits;
  private readonly now: () => number;
  private readonly onChange: () => void;

  constructor(data: Record<string, SeriesData>, options: { limits?: Partial<SeriesLimits>; now?: () => number; onChange?: () => void } = {}) {
    this.data = data;
    this.limits = { ...DEFAULT_SERIES_LIMITS, ...options.limits };
    this.now = options.now ?? Date.now;
    this.onChange = options.onChange ?? (() => {});
    // A config with other tiers than the file was written with: old roll-ups cannot be mapped, start them anew.
    for (const s of Object.values(data)) {
      if (s.tiers.length !== this.limits.tiers.length) s.tiers = this.limits.tiers.map(() => []);
    }
  }

  record(name: string, value: number, at: number = this.now()): void {
    if (!isSeriesName(name) || typeof value !== 'number' || !Number.isFinite(value) || !Number.isFinite(at)) return;
    let s = Object.hasOwn(this.data, name) ? this.data[name] : undefined;
    if (!s) {
      if (Object.keys(this.data).length >= this.limits.maxSeries) return;
      s = { raw: [], tiers: this.limits.tiers.map(() => []) };
      this.data[name] = s;
    }
    const v = round(value);
    const last = s.raw.at(-1);
    // The clock went back: what was recorded "after" this moment is from the future and is dropped.
    if (last && at < last[0]) this.cutAfter(s, at);
    s.raw.push([at, v]);
    this.limits.tiers.forEach((tier, i) => {
      const start = Math.floor(at / tier.stepMs) * tier.stepMs;
      const buckets = (s.tiers[i] ??= []);
      const b = buckets.at(-1);
      if (b && b[0] === start) {
        b[1] += 1;
        b[2] = Math.min(b[2], v);
        b[3] = Math.max(b[3], v);
        b[4] = round(b[4] + v);
      } else buckets.push([start, 1, v, v, v]);
    });
    this.trim(s, at);
    this.onChange();
  }

  points(name: string, since: number): SeriesPoint[] {
    // A bucket stands at its middle: slopes over mixed raw and rolled-up data stay unbiased.
    return this.spans(name, since).map((b) => ({ at: b.raw ? b.at : b.mid, value: b.avg }));
  }

  buckets(name: string, since: number, stepMs = 0): SeriesBucket[] {
    const spans = this.spans(name, since).map(({ at, n, min, avg, max }) => ({ at, n, min, avg, max }));
    if (!(stepMs > 0)) return spans;
    const out: SeriesBucket[] = [];
    for (const b of spans) {
      const start = Math.floor(b.at / stepMs) * stepMs;
      const cur = out.at(-1);
      if (cur && cur.at === start) {
        const n = cur.n + b.n;
        cur.avg = (cur.avg * cur.n + b.avg * b.n) / n;
        cur.n = n;
        cur.min = Math.min(cur.min, b.min);
        cur.max = Math.max(cur.max, b.max);
      } else out.push({ ...b, at: start });
    }
    return out;
  }

  names(): string[] {
    return Object.keys(this.data).filter((n) => (this.data[n]?.raw.length ?? 0) > 0 || this.data[n]!.tiers.some((t) => t.length > 0));
  }

  /** Everything since `since` at the finest resolution kept: raw samples, then each coarser tier before them. */
  private spans(name: string, since: number): Array<SeriesBucket & { mid: number; raw?: boolean }> {
    const s = Object.hasOwn(this.data, name) ? this.data[name] : undefined;
    if (!s) return [];
    const out: Array<SeriesBucket & { mid: number; raw?: boolean }> = [];
    // From the finest data back in time: each coarser tier only adds the buckets that end before what
    // finer data already covers.
    let covered = s.raw[0]?.[0] ?? Number.POSITIVE_INFINITY;
    for (const [at, value] of s.raw) if (at >= since) out.push({ at, n: 1, min: value, avg: value, max: value, mid: at, raw: true });
    this.limits.tiers.forEach((tier, i) => {
      const older: typeof out = [];
      for (const [at, n, min, max, sum] of s.tiers[i] ?? []) {
        if (at + tier.stepMs > covered || at + tier.stepMs <= since) continue;
        older.push({ at, n, min, avg: sum / n, max, mid: at + tier.stepMs / 2 });
      }
      if (older.length) {
        out.unshift(...older);
        covered = older[0]!.at;
      }
    });
    return out;
  }

  private cutAfter(s: SeriesData, at: number): void {
    s.raw = s.raw.filter(([t]) => t <= at);
    s.tiers = s.tiers.map((buckets, i) => buckets.filter(([start]) => start <= Math.floor(at / this.limits.tiers[i]!.stepMs) * this.limits.tiers[i]!.stepMs));
  }

  private trim(s: SeriesData, now: number): void {
    const rawFrom = now - this.limits.rawMs;
    let drop = Math.max(0, s.raw.length - this.limits.rawMax);
    while (drop < s.raw.length && s.raw[drop]![0] < rawFrom) drop++;
    if (drop) s.raw.splice(0, drop);
    this.limits.tiers.forEach((tier, i) => {
      const buckets = s.tiers[i];
      if (!buckets) return;
      const from = now - tier.keepMs;
      let n = 0;
      while (n < buckets.length && buckets[n]![0] + tier.stepMs <= from) n++;
      if (n) buckets.splice(0, n);
    });
  }
}

/** At most this much JSON per check: memory is for cursors and ids, not for caches. */
export const MAX_CHECK_MEMORY_BYTES = 16 * 1024;

/** A check's private memory over a record of check id -> value (the state file's `memory`). */
export function checkMemory(all: Record<string, unknown>, checkId: string, onChange: () => void = () => {}): CheckMemory {
  return {
    get<T>(): T | undefined {
      const value = Object.hasOwn(all, checkId) ? all[checkId] : undefined;
      // A copy: a change the check makes without set() must not reach the file half-way.
      return value === undefined ? undefined : (structuredClone(value) as T);
    },
    set(value: unknown): void {
      const json = JSON.stringify(value);
      if (json === undefined) {
        delete all[checkId];
      } else {
        const bytes = Buffer.byteLength(json);
        if (bytes > MAX_CHECK_MEMORY_BYTES) throw new Error(`${checkId}: memory of ${bytes} bytes is more than the ${MAX_CHECK_MEMORY_BYTES} a check may keep`);
        Object.defineProperty(all, checkId, { value: JSON.parse(json) as unknown, enumerable: true, writable: true, configurable: true });
      }
      onChange();
    },
  };
}

/** Series and memory that live only in memory: for a one-shot `check` without a state file, and for tests. */
export function inMemoryCheckState(now: () => number = Date.now): { series: SeriesSet; memory: CheckMemory } {
  return { series: new SeriesSet({}, { now }), memory: checkMemory({}, 'check') };
}
