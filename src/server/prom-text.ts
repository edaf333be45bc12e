// Prometheus text exposition format 0.0.4, written by hand: prom-client would add about 20 MB to the
// agent's memory and 80 ms to loading the server, for a format this small.
// https://prometheus.io/docs/instrumenting/exposition_formats/

export type MetricType = 'gauge' | 'counter' | 'histogram' | 'untyped';
export type Labels = Readonly<Record<string, string>>;

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  // 15 significant digits: 0.013, not the 0.013000000000000001 that 13 * 0.001 gives.
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(15)));
}

function formatLabels(labels: Labels): string {
  const entries = Object.entries(labels);
  if (!entries.length) return '';
  return `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
}

/** Per-bucket counts of one histogram child: counts[i] are the observations <= bounds[i], cumulative. */
export interface HistogramData {
  bounds: readonly number[];
  counts: readonly number[];
  sum: number;
  count: number;
}

/**
 * Collects metric families and writes them out, each family once with its HELP and TYPE. A family with
 * no sample is left out; a name or label name that breaks the format is a programming error and throws.
 */
export class MetricsText {
  private readonly families = new Map<string, { help: string; type: MetricType; lines: string[] }>();

  private family(name: string, help: string, type: MetricType) {
    if (!NAME.test(name)) throw new Error(`bad metric name ${name}`);
    let f = this.families.get(name);
    if (!f) {
      f = { help, type, lines: [] };
      this.families.set(name, f);
    } else if (f.type !== type) {
      throw new Error(`metric ${name} is a ${f.type}, not a ${type}`);
    }
    return f;
  }

  /** Declares a family without samples yet (written only once it has some). */
  declare(name: string, help: string, type: MetricType): this {
    this.family(name, help, type);
    return this;
  }

  sample(name: string, help: string, type: 'gauge' | 'counter' | 'untyped', labels: Labels, value: number): this {
    for (const k of Object.keys(labels)) if (!LABEL.test(k) || k.startsWith('__')) throw new Error(`bad label name ${k} on ${name}`);
    if (typeof value !== 'number') return this;
    this.family(name, help, type).lines.push(`${name}${formatLabels(labels)} ${formatValue(value)}`);
    return this;
  }

  gauge(name: string, help: string, value: number, labels: Labels = {}): this {
    return this.sample(name, help, 'gauge', labels, value);
  }

  counter(name: string, help: string, value: number, labels: Labels = {}): this {
    if (!name.endsWith('_total')) throw new Error(`counter ${name} must end in _total`);
    return this.sample(name, help, 'counter', labels, value);
  }

  histogram(name: string, help: string, data: HistogramData, labels: Labels = {}): this {
    const f = this.family(name, help, 'histogram');
    data.bounds.forEach((le, i) => f.lines.push(`${name}_bucket${formatLabels({ ...labels, le: formatValue(le) })} ${data.counts[i] ?? 0}`));
    f.lines.push(`${name}_bucket${formatLabels({ ...labels, le: '+Inf' })} ${data.count}`);
    f.lines.push(`${name}_sum${formatLabels(labels)} ${formatValue(data.sum)}`);
    f.lines.push(`${name}_count${formatLabels(labels)} ${data.count}`);
    return this;
  }

  text(): string {
    const out: string[] = [];
    for (const [name, f] of this.families) {
      if (!f.lines.length) continue;
      out.push(`# HELP ${name} ${escapeHelp(f.help)}`, `# TYPE ${name} ${f.type}`, ...f.lines);
    }
    return out.length ? `${out.join('\n')}\n` : '';
  }
}

/** Cumulative bucket counts over fixed bounds, for one label set. */
export class Histogram {
  readonly bounds: readonly number[];
  private readonly perBucket: number[];
  private sum = 0;
  private count = 0;

  constructor(bounds: readonly number[]) {
    this.bounds = bounds;
    this.perBucket = bounds.map(() => 0);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    const i = this.bounds.findIndex((le) => value <= le);
    if (i >= 0) this.perBucket[i]! += 1;
    this.sum += value;
    this.count += 1;
  }

  data(): HistogramData {
    let running = 0;
    return { bounds: this.bounds, counts: this.perBucket.map((n) => (running += n)), sum: this.sum, count: this.count };
  }
}
