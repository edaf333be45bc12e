// A small time chart drawn on the server as inline SVG: a line per series (bucket averages) with its
// min-max band, or bars, plus horizontal limits and a slope. No script, no request: it shows with
// JavaScript off, and each point's <title> is its tooltip.
import type { SeriesBucket } from '../contracts.ts';
import { escapeHtml } from '../alerts/format.ts';

export interface ChartLine {
  /** Series name (data-series). */
  name: string;
  label: string;
  buckets: readonly SeriesBucket[];
  /** Draw the min-max band behind the average. */
  band?: boolean;
  /** Bars of each bucket's sum (a count per bucket) instead of a line. */
  bars?: boolean;
  color: string;
}

export interface Chart {
  id: string;
  title: string;
  from: number;
  to: number;
  /** The span a bucket covers (for bar widths and to break lines at gaps); 0 for raw samples. */
  stepMs: number;
  lines: ChartLine[];
  format(value: number): string;
  /** How the value axis is divided: powers of two for bytes (256 MiB, 512 MiB...), whole numbers for counts. */
  scale?: 'decimal' | 'bytes' | 'count';
  /** Horizontal lines: a limit. */
  limits?: Array<{ value: number; label: string }>;
  /** A straight segment: a measured slope. */
  slope?: { from: { at: number; value: number }; to: { at: number; value: number }; label: string };
  /** Shown instead of an empty plot. */
  empty: string;
}

const W = 720;
const H = 220;
const PAD = { left: 64, right: 12, top: 12, bottom: 28 };
const PLOT_W = W - PAD.left - PAD.right;
const PLOT_H = H - PAD.top - PAD.bottom;

/** A tick step at or above max/ticks that people read at a glance: 1, 2, 2.5 or 5 times a power of ten; a power of two for bytes. */
function niceStep(max: number, ticks: number, scale: Chart['scale']): number {
  const rough = max / ticks;
  if (scale === 'bytes') return 2 ** Math.ceil(Math.log2(Math.max(rough, 1)));
  const pow = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * pow >= rough) ?? 10) * pow;
  return scale === 'count' ? Math.max(1, Math.ceil(step)) : step;
}

function timeLabel(at: number, spanMs: number): string {
  const iso = new Date(at).toISOString();
  return spanMs > 2 * 86_400_000 ? iso.slice(5, 10) : iso.slice(11, 16);
}

const r1 = (n: number) => Math.round(n * 10) / 10;

function valueOf(b: SeriesBucket, bars: boolean | undefined): number {
  return bars ? b.avg * b.n : b.avg;
}

export function renderChart(c: Chart): string {
  const points = c.lines.reduce((n, l) => n + l.buckets.length, 0);
  const head = `<svg class="chart" id="${escapeHtml(c.id)}" data-series="${escapeHtml(c.lines.map((l) => l.name).join(' '))}" data-points="${points}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeHtml(c.title)}" xmlns="http://www.w3.org/2000/svg">`;
  if (points === 0) {
    return `${head}<text class="empty" x="${W / 2}" y="${H / 2}" text-anchor="middle">${escapeHtml(c.empty)}</text></svg>`;
  }
  const span = Math.max(1, c.to - c.from);
  let max = 0;
  for (const l of c.lines) for (const b of l.buckets) max = Math.max(max, l.band ? b.max : valueOf(b, l.bars));
  for (const lim of c.limits ?? []) max = Math.max(max, lim.value);
  if (c.slope) max = Math.max(max, c.slope.from.value, c.slope.to.value);
  const step = niceStep(max > 0 ? max * 1.05 : 1, 4, c.scale);
  const top = Math.ceil((max > 0 ? max * 1.05 : 1) / step) * step;
  const x = (at: number) => r1(PAD.left + ((Math.min(Math.max(at, c.from), c.to) - c.from) / span) * PLOT_W);
  const y = (v: number) => r1(PAD.top + PLOT_H - (Math.max(0, v) / top) * PLOT_H);

  const out: string[] = [head];
  // Axes and grid.
  for (let v = 0; v <= top + step / 2; v += step) {
    out.push(`<line class="grid" x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(v)}" y2="${y(v)}"/>`);
    out.push(`<text class="axis" x="${PAD.left - 6}" y="${y(v) + 4}" text-anchor="end">${escapeHtml(c.format(v))}</text>`);
  }
  for (let i = 0; i <= 4; i++) {
    const at = c.from + (span * i) / 4;
    out.push(`<text class="axis" x="${x(at)}" y="${H - 8}" text-anchor="${i === 0 ? 'start' : i === 4 ? 'end' : 'middle'}">${timeLabel(at, span)}</text>`);
  }
  // The legend, when there is more than one series to tell apart.
  if (c.lines.length > 1) {
    let lx = PAD.left + 8;
    for (const l of c.lines) {
      out.push(`<rect x="${lx}" y="${PAD.top + 2}" width="10" height="10" fill="${l.color}"/><text class="legend" x="${lx + 14}" y="${PAD.top + 11}">${escapeHtml(l.label)}</text>`);
      lx += 14 + l.label.length * 6.5 + 16;
    }
  }
    // A gap longer than a few buckets (the gateway was down, the agent stopped) breaks the line.
  const gapMs = Math.max(c.stepMs * 3, span / 60);
  for (const l of c.lines) {
    if (l.bars) {
      const w = Math.max(1, r1(((c.stepMs || span / 60) / span) * PLOT_W * 0.8));
      for (const b of l.buckets) {
        const v = valueOf(b, true);
        if (v <= 0) continue;
        out.push(`<rect class="bar" fill="${l.color}" x="${x(b.at)}" y="${y(v)}" width="${w}" height="${r1(y(0) - y(v))}"><title>${escapeHtml(`${new Date(b.at).toISOString()}: ${c.format(v)}`)}</title></rect>`);
      }
      continue;
    }
    const segments: SeriesBucket[][] = [];
    for (const b of l.buckets) {
      const seg = segments.at(-1);
      if (seg && b.at - seg.at(-1)!.at <= gapMs) seg.push(b);
      else segments.push([b]);
    }
    if (l.band) {
      for (const seg of segments) {
        if (seg.length < 2 || seg.every((b) => b.min === b.max)) continue;
        const upper = seg.map((b) => `${x(b.at)},${y(b.max)}`);
        const lower = seg.map((b) => `${x(b.at)},${y(b.min)}`).reverse();
        out.push(`<polygon class="band" fill="${l.color}" points="${[...upper, ...lower].join(' ')}"/>`);
      }
    }
    const d = segments.map((seg) => seg.map((b, i) => `${i ? 'L' : 'M'}${x(b.at)},${y(b.avg)}`).join('')).join('');
    out.push(`<path class="line" stroke="${l.color}" d="${d}"><title>${escapeHtml(l.label)}</title></path>`);
    const last = l.buckets.at(-1)!;
    out.push(`<circle class="last" fill="${l.color}" cx="${x(last.at)}" cy="${y(last.avg)}" r="3"><title>${escapeHtml(`${l.label} ${c.format(last.avg)} at ${new Date(last.at).toISOString()}`)}</title></circle>`);
  }
  for (const lim of c.limits ?? []) {
    out.push(`<line class="limit" x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(lim.value)}" y2="${y(lim.value)}"><title>${escapeHtml(lim.label)}</title></line>`);
    out.push(`<text class="limit-label" x="${W - PAD.right - 4}" y="${y(lim.value) - 4}" text-anchor="end">${escapeHtml(lim.label)}</text>`);
  }
  if (c.slope) {
    const s = c.slope;
    out.push(`<line class="slope" x1="${x(s.from.at)}" y1="${y(s.from.value)}" x2="${x(s.to.at)}" y2="${y(s.to.value)}"><title>${escapeHtml(s.label)}</title></line>`);
  }
  out.push('</svg>');
  return out.join('');
}
