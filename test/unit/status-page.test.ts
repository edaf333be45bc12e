// The status page as HTML: hostile text from the state stays text, there is no script, and the memory
// chart carries its data, the limit and the memory check's slope.
import { describe, expect, it } from 'vitest';
import { SeriesSet } from '../../src/state/series.ts';
import { renderPage } from '../../src/server/page.ts';
import { renderChart } from '../../src/server/svg-chart.ts';
import { NOW, view } from '../fixtures/status-view.ts';

function page(series = new SeriesSet({}, { now: () => NOW }), v = view()) {
  return renderPage({ view: v, series, range: '1h', now: NOW, refreshMs: 30_000, host: 'gw-01' });
}

describe('status page', () => {
  it('escapes what the state holds and has no script at all', () => {
    const v = view();
    v.checks[0]!.summary = '<script>alert(1)</script><img src=x onerror=alert(2)>';
    v.checks[0]!.diagnosis = '"><svg onload=alert(3)>';
    v.checks[0]!.id = 'gateway.port"><b>';
    const html = page(undefined, v);
    expect(html).not.toMatch(/<script|<img|<svg onload/i);
    expect(html).not.toContain('gateway.port"><b>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('data-check="gateway.port&quot;&gt;&lt;b&gt;"');
    expect(html).toContain('<meta http-equiv="refresh" content="30">');
    expect(html).toContain('1 failing: gateway.port');
  });

  it('draws the memory series with its limit and the memory check\'s slope; an empty series says so', () => {
    const series = new SeriesSet({}, { now: () => NOW });
    for (let i = 60; i >= 0; i--) series.record('gateway.rss_bytes', 1000 + (60 - i) * 10, NOW - i * 60_000);
    const html = page(series);
    const memory = /<svg class="chart" id="chart-memory"[^]*?<\/svg>/.exec(html)![0];
    expect(memory).toContain('data-points="61"');
    expect(memory).toMatch(/<path class="line"[^>]* d="M[\d.,]+(L[\d.,]+){60}"/);
    expect(memory).toContain('<title>limit 2.00 KiB</title>');
    expect(memory).toMatch(/<line class="slope"[^>]*><title>growing 3.52 KiB\/h, limit in 120 min<\/title>/);
    expect(html).toMatch(/id="chart-latency"[^>]*data-points="0"[^]*no latency recorded in this range/);
  });

  it('breaks the line where samples stop (the gateway was down)', () => {
    const at = (min: number) => NOW - min * 60_000;
    const buckets = [50, 49, 48, 10, 9, 8].map((m) => ({ at: at(m), n: 1, min: 1, avg: 1, max: 1 }));
    const svg = renderChart({ id: 'c', title: 't', from: at(60), to: NOW, stepMs: 60_000, lines: [{ name: 's', label: 's', buckets, color: '#000' }], format: String, empty: '' });
    expect(/ d="([^"]+)"/.exec(svg)![1]!.match(/M/g)).toHaveLength(2);
  });
});
