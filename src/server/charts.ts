// The status page's charts: the gateway's memory (with its limit and the memory check's slope), its
// latency and its restarts, over 1 h, 24 h or 30 d of the tiered series.
import type { SeriesAccess } from '../contracts.ts';
import type { StatusView } from '../status/view.ts';
import { formatBytes } from '../util/size.ts';
import type { Chart } from './svg-chart.ts';

export const RANGES = {
  '1h': { spanMs: 3_600_000, stepMs: 0, barStepMs: 60_000 },
  '24h': { spanMs: 86_400_000, stepMs: 300_000, barStepMs: 1_800_000 },
  '30d': { spanMs: 30 * 86_400_000, stepMs: 3 * 3_600_000, barStepMs: 86_400_000 },
} as const;
export type RangeName = keyof typeof RANGES;
export const DEFAULT_RANGE: RangeName = '24h';

export function isRange(value: string | null | undefined): value is RangeName {
  return typeof value === 'string' && Object.hasOwn(RANGES, value);
}

const formatMs = (ms: number) => (ms >= 1000 ? `${Number((ms / 1000).toFixed(2))} s` : `${Number(ms.toFixed(1))} ms`);

export function buildCharts(series: SeriesAccess, view: StatusView, range: RangeName, now: number): Chart[] {
  const { spanMs, stepMs, barStepMs } = RANGES[range];
  const from = now - spanMs;
  const buckets = (name: string, step = stepMs) => series.buckets(name, from, step);
  return [memoryChart(buckets('gateway.rss_bytes'), view, from, now, stepMs), {
    id: 'chart-latency',
    title: 'Latency',
    from,
    to: now,
    stepMs,
    lines: [
      { name: 'gateway.healthz_ms', label: '/healthz round trip', buckets: buckets('gateway.healthz_ms'), band: true, color: '#2f6fb3' },
      { name: 'gateway.event_loop.delay_p99_ms', label: 'event-loop delay p99', buckets: buckets('gateway.event_loop.delay_p99_ms'), color: '#b36b2f' },
    ],
    format: formatMs,
    empty: 'no latency recorded in this range (the latency check)',
  }, {
    id: 'chart-restarts',
    title: 'Restarts',
    from,
    to: now,
    stepMs: barStepMs,
    lines: [{ name: 'gateway.restarts', label: 'restarts', buckets: buckets('gateway.restarts', barStepMs), bars: true, color: '#b33a3a' }],
    format: (n) => String(Math.round(n * 10) / 10),
    scale: 'count',
    empty: 'no restart count recorded in this range (the restarts check)',
  }];
}

function memoryChart(rss: ReturnType<SeriesAccess['buckets']>, view: StatusView, from: number, to: number, stepMs: number): Chart {
  const memory = view.checks.find((c) => c.id === 'memory');
  const m = memory?.metrics ?? {};
  const chart: Chart = {
    id: 'chart-memory',
    title: 'Gateway memory (RSS)',
    from,
    to,
    stepMs,
    lines: [{ name: 'gateway.rss_bytes', label: 'RSS', buckets: rss, band: true, color: '#3a8f5c' }],
    format: formatBytes,
    scale: 'bytes',
    empty: 'no memory recorded in this range (the memory check measures the process on the gateway port)',
  };
  if (m.limitBytes !== undefined) chart.limits = [{ value: m.limitBytes, label: `limit ${formatBytes(m.limitBytes)}` }];
  const last = rss.at(-1);
  // The memory check's slope, drawn over the last hour up to the latest sample: where the growth points.
  if (last && m.growthBytesPerHour !== undefined && m.growthBytesPerHour !== 0) {
    const start = Math.max(from, last.at - 3_600_000);
    const perMs = m.growthBytesPerHour / 3_600_000;
    const eta = m.secondsToLimit !== undefined ? `, limit in ${Math.round(m.secondsToLimit / 60)} min` : '';
    chart.slope = {
      from: { at: start, value: last.avg - perMs * (last.at - start) },
      to: { at: last.at, value: last.avg },
      label: `growing ${formatBytes(m.growthBytesPerHour)}/h${eta}`,
    };
  }
  return chart;
}
