// The status page: one server-rendered HTML document (no script at all, the charts are inline SVG) that
// reloads itself. Every text from the state (summaries, a gateway's answers) is escaped here.
import { escapeHtml } from '../alerts/format.ts';
import type { SeriesAccess } from '../contracts.ts';
import { ago, type CheckView, type StatusView } from '../status/view.ts';
import { formatDuration } from '../util/duration.ts';
import { buildCharts, RANGES, type RangeName } from './charts.ts';
import { renderChart } from './svg-chart.ts';

export interface PageInput {
  view: StatusView;
  series: SeriesAccess;
  range: RangeName;
  now: number;
  refreshMs: number;
  host: string;
}

const e = (text: string | number | null | undefined) => escapeHtml(String(text ?? ''));

const STATE_CLASS: Record<string, string> = { ok: 'ok', pending: 'warn', failing: 'crit', recovering: 'warn', flapping: 'warn' };
const STATUS_CLASS: Record<string, string> = { ok: 'ok', warn: 'warn', crit: 'crit', unknown: 'unknown' };

/** An epoch-ms time as ISO, or undefined for one the state holds damaged. */
function iso(ms: number | undefined): string | undefined {
  return typeof ms === 'number' && Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

function when(iso: string | null | undefined, now: number): string {
  if (!iso) return '<span class="muted">never</span>';
  return `<time datetime="${e(iso)}" title="${e(iso)}">${e(ago(iso, now))}</time>`;
}

function checkRow(c: CheckView, now: number): string {
  const state = c.enabled ? c.state : 'disabled';
  const details = [c.diagnosis ? `<p><b>diagnosis</b> ${e(c.diagnosis)}</p>` : '', c.remedy ? `<p><b>remedy</b> ${e(c.remedy)}</p>` : ''].join('');
  const summary = c.summary ? e(c.summary) : '<span class="muted">no result yet</span>';
  return `<tr class="check" data-check="${e(c.id)}" data-state="${e(state)}">
<td class="id">${e(c.id)}</td>
<td>${STATE_CLASS[state] ? `<span class="badge ${STATE_CLASS[state]}">${e(state.toUpperCase())}</span>` : `<span class="muted">${e(state)}</span>`}</td>
<td>${c.status ? `<span class="badge ${STATUS_CLASS[c.status] ?? 'unknown'}">${e(c.status.toUpperCase())}</span>` : ''}</td>
<td>${c.since ? when(c.since, now) : ''}</td>
<td class="summary">${details ? `<details><summary>${summary}</summary>${details}</details>` : summary}</td>
</tr>`;
}

function overall(view: StatusView): { cls: string; text: string } {
  const enabled = view.checks.filter((c) => c.enabled);
  const failing = enabled.filter((c) => c.state === 'failing' || c.state === 'flapping');
  if (failing.length) return { cls: 'crit', text: `${failing.length} failing: ${failing.map((c) => c.id).join(', ')}` };
  const pending = enabled.filter((c) => c.state === 'pending' || c.state === 'recovering');
  if (pending.length) return { cls: 'warn', text: `${pending.length} changing: ${pending.map((c) => c.id).join(', ')}` };
  if (!enabled.some((c) => c.status)) return { cls: 'muted', text: 'no results yet' };
  return { cls: 'ok', text: 'all checks OK' };
}

function alertsSection(view: StatusView, now: number): string {
  const a = view.alerts;
  if (!a) return '';
  const out: string[] = ['<section id="incidents"><h2>Open incidents</h2>'];
  if (!a.incidents.length) out.push('<p class="muted">none</p>');
  else {
    out.push('<ul>');
    for (const i of a.incidents) {
      const held = i.silencedBy ? ` <span class="muted">(held by ${e(i.silencedBy.type)} until ${e(i.silencedBy.until)})</span>` : '';
      const folded = i.inhibitedBy ? ` <span class="muted">(folded into ${e(i.inhibitedBy)})</span>` : '';
      out.push(`<li><span class="badge ${STATUS_CLASS[i.severity] ?? 'muted'}">${e(i.severity.toUpperCase())}</span> <b>${e(i.checkId)}</b> since ${when(iso(i.since), now)}: ${e(i.summary)}${held}${folded}</li>`);
    }
    out.push('</ul>');
  }
  out.push('</section><section id="silences"><h2>Silences and maintenance</h2>');
  if (!a.silences.length && !a.maintenance.length) out.push('<p class="muted">none</p>');
  else {
    out.push('<ul>');
    for (const s of a.silences) out.push(`<li>silence ${e(s.id)}: ${e(s.checks.length ? s.checks.join(', ') : 'all checks')} until ${e(s.until)}${s.reason ? ` (${e(s.reason)})` : ''}</li>`);
    for (const m of a.maintenance) out.push(`<li>maintenance window ${e(m.id)} until ${e(m.until)}${m.reason ? ` (${e(m.reason)})` : ''}</li>`);
    out.push('</ul>');
  }
  out.push('</section><section id="outbox"><h2>Outbox</h2><table><tr><th>notifier</th><th>sent</th><th>pending</th><th>failed</th><th>last error</th></tr>');
  for (const n of a.outbox.notifiers) {
    const err = n.lastError ? `${when(iso(n.lastErrorAt ?? now), now)}: ${e(n.lastError)}` : '';
    out.push(`<tr data-notifier="${e(n.name)}"><td>${e(n.name)}</td><td>${n.sent}</td><td>${n.pending}</td><td>${n.failed}</td><td class="summary">${err}</td></tr>`);
  }
  out.push('</table></section>');
  return out.join('\n');
}

function recoverySection(view: StatusView, now: number): string {
  const r = view.recovery;
  if (!r) return '';
  const out = ['<section id="recovery"><h2>Auto-recovery</h2>'];
  out.push(`<p>${r.enabled ? 'on' : 'off'}${r.enabled ? `, triggers ${e(r.triggers.join(', '))}; ${r.budget.used}/${r.budget.allowed} attempts used in ${e(r.budget.window)}` : ''}</p>`);
  if (r.circuit.open) out.push(`<p class="crit-text">gave up ${when(r.circuit.since, now)}: ${e(r.circuit.reason)}; <code>clawmedic recover --reset</code> re-arms it</p>`);
  const last = r.attempts.at(-1);
  if (!last) out.push('<p class="muted">no attempt yet</p>');
  else {
    const took = last.finishedAt !== undefined ? ` in ${e(formatDuration(last.finishedAt - last.startedAt))}` : '';
    out.push(`<p>last attempt ${e(last.id)} ${when(iso(last.startedAt), now)} ${last.by === 'cli' ? 'by hand' : `on ${e(last.trigger?.checkId ?? '?')}`}: <b>${e((last.outcome ?? 'unfinished').toUpperCase())}</b>${took}${last.reason ? `: ${e(last.reason)}` : ''}</p><ol>`);
    for (const s of last.steps) out.push(`<li>${e(s.step)} ${e(s.outcome)} (${e(formatDuration(s.durationMs))}): ${e(s.summary)}</li>`);
    out.push('</ol>');
  }
  out.push('</section>');
  return out.join('\n');
}

const STYLE = `
:root{color-scheme:light dark;--ok:#2e7d32;--warn:#b26a00;--crit:#c62828;--unknown:#6a1b9a;--muted:#777;--bg:#fff;--fg:#1b1b1b;--line:#ddd}
@media (prefers-color-scheme:dark){:root{--bg:#141414;--fg:#e6e6e6;--line:#333;--muted:#999}}
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:16px;background:var(--bg);color:var(--fg)}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top}
.id{font-family:ui-monospace,monospace;white-space:nowrap}.summary{word-break:break-word}
.badge{display:inline-block;white-space:nowrap;border-radius:3px;padding:0 6px;font-size:12px;font-weight:600;color:#fff;background:var(--muted)}
.badge.ok{background:var(--ok)}.badge.warn{background:var(--warn)}.badge.crit{background:var(--crit)}.badge.unknown{background:var(--unknown)}
.banner{padding:8px 12px;border-radius:4px;color:#fff;margin:12px 0;font-weight:600;background:var(--muted)}
.banner.ok{background:var(--ok)}.banner.warn{background:var(--warn)}.banner.crit{background:var(--crit)}
.muted{color:var(--muted)}.crit-text{color:var(--crit)}.meta{color:var(--muted);font-size:13px}
.ranges a{margin-right:8px}.ranges a.on{font-weight:700;text-decoration:none;color:var(--fg)}
.chart{width:100%;height:auto;display:block;margin-bottom:8px}
.chart .grid{stroke:var(--line);stroke-width:1}.chart .axis{fill:var(--muted);font-size:11px}.chart .legend{fill:var(--fg);font-size:11px}
.chart .line{fill:none;stroke-width:1.8}.chart .band{opacity:.18}
.chart .limit{stroke:var(--crit);stroke-dasharray:6 4;stroke-width:1.5}.chart .limit-label{fill:var(--crit);font-size:11px}
.chart .slope{stroke:var(--warn);stroke-dasharray:3 3;stroke-width:2}.chart .empty{fill:var(--muted);font-size:13px}
details summary{cursor:pointer}footer{margin-top:24px}
`;

export function renderPage(p: PageInput): string {
  const { view, now } = p;
  const status = overall(view);
  const agent = view.agent;
  const charts = buildCharts(p.series, view, p.range, now);
  const refreshS = Math.round(p.refreshMs / 1000);
  const ranges = (Object.keys(RANGES) as RangeName[]).map((r) => `<a href="/?range=${r}#charts"${r === p.range ? ' class="on"' : ''}>${r}</a>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="refresh" content="${refreshS}">
<title>${e(`${status.cls === 'ok' ? 'OK' : status.text} - clawmedic on ${p.host}`)}</title>
<style>${STYLE}</style></head>
<body>
<header><h1>clawmedic on ${e(p.host)}</h1>
<div class="meta">gateway ${e(view.gateway)}${view.openclaw ? `, OpenClaw ${e(view.openclaw.version)}` : ''}; agent pid ${e(agent.pid)} started ${when(agent.startedAt, now)}; last check cycle ${when(view.lastCycle?.at, now)}; page made ${e(new Date(now).toISOString())}, reloads every ${refreshS} s</div>
<div class="banner ${status.cls}" id="overall">${e(status.text)}</div>
${view.problems.map((pr) => `<p class="crit-text problem">problem: ${e(pr)}</p>`).join('\n')}
</header>
<section id="checks"><h2>Checks</h2>
<table><tr><th>check</th><th>state</th><th>last</th><th>since</th><th>summary</th></tr>
${view.checks.map((c) => checkRow(c, now)).join('\n')}
</table></section>
<section id="charts"><h2>Charts</h2><p class="ranges">${ranges}<span class="muted">times in UTC</span></p>
${charts.map((c) => `<h3>${e(c.title)}</h3>\n${renderChart(c)}`).join('\n')}
</section>
${alertsSection(view, now)}
${recoverySection(view, now)}
<footer class="meta">The same data as JSON: <a href="/status">/status</a>; for Prometheus: <a href="/metrics">/metrics</a>. State file ${e(view.stateFile)}.</footer>
</body></html>
`;
}
