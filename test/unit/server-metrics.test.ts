// /metrics as text: the exposition format's escaping and types, which checks and series become which
// metric, and counters that count each sample and each recovery attempt once.
import { describe, expect, it } from 'vitest';
import { SeriesSet } from '../../src/state/series.ts';
import { MetricsState, renderMetrics, SERIES_FRESH_MS } from '../../src/server/metrics.ts';
import { Histogram, MetricsText } from '../../src/server/prom-text.ts';
import { NOW, view } from '../fixtures/status-view.ts';

const lines = (text: string, prefix: string) => text.split('\n').filter((l) => l.startsWith(prefix));

describe('Prometheus text format', () => {
  it('escapes label values and help, writes each family once with its type, and leaves out empty ones', () => {
    const m = new MetricsText();
    m.declare('a_empty', 'never sampled', 'gauge');
    m.gauge('a_gauge', 'help with \\ and\nnewline', 1.5, { name: 'q"uo\\te\nnl' });
    m.gauge('a_gauge', 'ignored second help', Number.NaN, { name: 'x' });
    m.counter('a_total', 'c', Infinity);
    expect(m.text()).toBe(
      [
        '# HELP a_gauge help with \\\\ and\\nnewline',
        '# TYPE a_gauge gauge',
        'a_gauge{name="q\\"uo\\\\te\\nnl"} 1.5',
        'a_gauge{name="x"} NaN',
        '# HELP a_total c',
        '# TYPE a_total counter',
        'a_total +Inf',
        '',
      ].join('\n'),
    );
    expect(() => m.counter('not_a_counter', 'x', 1)).toThrow(/_total/);
    expect(() => m.gauge('bad-name', 'x', 1)).toThrow(/bad metric name/);
    expect(() => m.gauge('ok_name', 'x', 1, { __reserved: 'x' })).toThrow(/bad label name/);
    expect(() => m.counter('a_gauge_total', 'x', 1) && m.gauge('a_gauge_total', 'x', 1)).toThrow(/is a counter/);
  });

  it('a histogram is cumulative, with +Inf, _sum and _count', () => {
    const hist = new Histogram([0.1, 1]);
    for (const v of [0.05, 0.5, 0.5, 3, Number.NaN]) hist.observe(v);
    const text = new MetricsText().histogram('d_seconds', 'd', hist.data(), { check: 'x' }).text();
    expect(lines(text, 'd_seconds')).toEqual([
      'd_seconds_bucket{check="x",le="0.1"} 1',
      'd_seconds_bucket{check="x",le="1"} 3',
      'd_seconds_bucket{check="x",le="+Inf"} 4',
      'd_seconds_sum{check="x"} 4.05',
      'd_seconds_count{check="x"} 4',
    ]);
  });
});

describe('clawmedic metrics', () => {
  it('check status and state for enabled checks that ran; the memory projection in base units; outbox and recovery', () => {
    const text = renderMetrics({ view: view(), series: new SeriesSet({}, { now: () => NOW }), state: new MetricsState(), now: NOW, version: '9.9.9' });
    expect(lines(text, 'clawmedic_check_status')).toEqual(['clawmedic_check_status{check="gateway.port"} 2', 'clawmedic_check_status{check="memory"} 0']);
    expect(text).toContain('clawmedic_check_state{check="gateway.port",state="failing"} 1');
    expect(text).toContain('clawmedic_check_state{check="gateway.port",state="ok"} 0');
    expect(text).not.toContain('check="doctor"');
    expect(text).not.toContain('check="tls"');
    expect(text).toContain('clawmedic_gateway_memory_growth_bytes_per_second 1\n');
    expect(text).toContain('clawmedic_gateway_memory_seconds_to_limit 7200\n');
    expect(text).toContain('clawmedic_outbox_entries{notifier="ops \\"team\\"\\nnight",status="pending"} 2');
    expect(text).toContain('clawmedic_incidents_open{severity="crit"} 1');
    expect(text).toContain('clawmedic_recovery_budget_used 1');
    expect(text).toContain('clawmedic_build_info{version="9.9.9"');
    expect(text).toMatch(/^process_resident_memory_bytes \d+$/m);
  });

  it('series: the last fresh value in base units, per-run counts summed into counters from the first scrape on', () => {
    let now = NOW;
    const series = new SeriesSet({}, { now: () => now });
    series.record('gateway.healthz_ms', 13, now - 1_000);
    series.record('gateway.rss_bytes', 5e8, now - SERIES_FRESH_MS - 1_000); // the gateway stopped being measured
    series.record('disk.openclaw_state.free_bytes', 1e9, now - 1_000);
    series.record('custom.thing', 7, now - 1_000);
    series.record('gateway.boot_id', 12345, now - 1_000);
    series.record('gateway.restarts', 1, now - 2_000); // before the first scrape: history, not counted
    const state = new MetricsState();
    const scrape = () => renderMetrics({ view: view(), series, state, now, version: '1' });
    const first = scrape();
    expect(first).toContain('clawmedic_gateway_healthz_seconds 0.013\n');
    expect(first).not.toContain('clawmedic_gateway_rss_bytes');
    expect(first).toContain('clawmedic_disk_free_bytes{dir="openclaw_state"} 1000000000');
    expect(first).toContain('clawmedic_series_value{series="custom.thing"} 7');
    expect(first).not.toContain('boot_id');
    expect(first).toContain('clawmedic_gateway_restarts_total 0\n');
    now += 30_000;
    series.record('gateway.restarts', 1, now - 20_000);
    series.record('gateway.restarts', 0, now - 10_000);
    series.record('gateway.restarts', 1, now - 1_000);
    expect(scrape()).toContain('clawmedic_gateway_restarts_total 2\n');
    expect(scrape()).toContain('clawmedic_gateway_restarts_total 2\n');
  });

  it('recovery attempts are counted once each, those from before the first scrape not at all', () => {
    const state = new MetricsState();
    const attempts = [{ id: 'old', outcome: 'failed' }];
    expect([...state.recoveryAttempts(attempts)]).toEqual([]);
    attempts.push({ id: 'new', outcome: 'recovered' }, { id: 'running', outcome: undefined as never });
    expect([...state.recoveryAttempts(attempts)]).toEqual([['recovered', 1]]);
    expect([...state.recoveryAttempts(attempts)]).toEqual([['recovered', 1]]);
  });
});
