// BENCHMARKS.md from the figures of one `npm run bench`: medians and maxima, the ratio to Monit, and the
// issue's targets said met or missed.
import type { Footprint } from './footprint.ts';
import { median } from './footprint.ts';

interface Sample {
  clawmedic?: number;
  monit?: number;
}

interface CliCommand {
  runs: number;
  last: { durationMs: number; cpuMs?: number; peakRssBytes?: number; timedOut: boolean };
  maxCpuMs?: number;
  maxPeakRssBytes?: number;
}

export interface Report {
  date: string;
  machine: string;
  versions: Record<string, string>;
  settings: { intervalS: number; timeoutS: number; failCycles: number; successCycles: number };
  runs: number;
  kill?: { detect: Sample[]; resolved: Sample[] };
  hang?: { detect: Sample[]; resolved: Sample[] };
  recovery?: { clawmedic: number[]; monit?: number[] };
  footprint?: { defaults: Footprint; every10s?: Footprint; monit?: Footprint; gatewayRss: number };
  cliCosts?: Record<string, CliCommand>;
  oneShot?: { check: number; help: number; curl: number; node: number };
}

/**
 * Runs an hour at the default schedules, per command: doctor and providers every 30 min, secrets hourly, and
 * config validate once an hour while openclaw.json does not change (the config check keeps a clean result).
 */
const RUNS_PER_HOUR: Record<string, number> = { 'config validate': 1, doctor: 2, 'models status': 2, 'secrets audit': 1 };

const s1 = (ms: number | undefined) => (ms === undefined || Number.isNaN(ms) ? 'n/a' : `${(ms / 1000).toFixed(1)} s`);
const mib = (b: number | undefined) => (b === undefined ? 'n/a' : `${(b / 2 ** 20).toFixed(1)} MiB`);

function stats(samples: Sample[] | undefined, who: 'clawmedic' | 'monit'): { med: number; max: number; n: number } {
  const v = (samples ?? []).map((s) => s[who]).filter((x): x is number => x !== undefined);
  return { med: median(v), max: v.length ? Math.max(...v) : Number.NaN, n: v.length };
}

function ratio(a: number, b: number): string {
  return Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}` : 'n/a';
}

function latencyRow(name: string, samples: Sample[] | undefined): string {
  const c = stats(samples, 'clawmedic');
  const m = stats(samples, 'monit');
  return `| ${name} | ${s1(c.med)} / ${s1(c.max)} (${c.n}) | ${s1(m.med)} / ${s1(m.max)} (${m.n}) | ${ratio(c.med, m.med)} |`;
}

function footprintRow(name: string, f: Footprint | undefined): string {
  if (!f) return `| ${name} | n/a | | | | | |`;
  return `| ${name} | ${mib(f.rssMedian)} (max ${mib(f.rssMax)}) | ${mib(f.pss)} | ${mib(f.private)} | ${f.cpuPct.toFixed(3)} % | ${f.cpuSecondsPerHour.toFixed(1)} s | ${f.childCpuSecondsPerHour.toFixed(1)} s |`;
}

export function renderReport(r: Report): string {
  const kill = { c: stats(r.kill?.detect, 'clawmedic'), m: stats(r.kill?.detect, 'monit') };
  const resolvedKill = { c: stats(r.kill?.resolved, 'clawmedic'), m: stats(r.kill?.resolved, 'monit') };
  const out: string[] = [
    '# Benchmarks: clawmedic beside Monit',
    '',
    `Measured ${r.date} by \`npm run bench\` (bench/compare.ts) on ${r.machine}.`,
    `Versions: ${Object.entries(r.versions).map(([k, v]) => `${k} ${v}`).join(', ')}.`,
    '',
    `Both watch the same real OpenClaw gateway at equal settings: a probe of /healthz every ${r.settings.intervalS} s with a ${r.settings.timeoutS} s timeout, ` +
      `${r.settings.failCycles} failures to alert, ${r.settings.successCycles} successes to resolve (Monit: \`for ${r.settings.failCycles} cycles\`, ` +
      `\`else if succeeded ${r.settings.successCycles} cycles\`); clawmedic's other checks off, no batching, its default retry interval (2 s). ` +
      'Times are from the fault to the alert arriving (Monit by mail, clawmedic by webhook, both on 127.0.0.1); resolved is timed from the gateway answering again.',
    '',
    '## Detection and resolution',
    '',
    `| ${r.runs} runs each | clawmedic median / max (n) | Monit median / max (n) | clawmedic / Monit |`,
    '| --- | --- | --- | --- |',
    latencyRow('kill (SIGKILL) to alert', r.kill?.detect),
    latencyRow('hang (SIGSTOP) to alert', r.hang?.detect),
    latencyRow('resolved after a restart', r.kill?.resolved),
    latencyRow('resolved after SIGCONT', r.hang?.resolved),
    '',
  ];
  if (r.recovery) {
    const c = r.recovery.clawmedic;
    const m = r.recovery.monit ?? [];
    out.push(
      '## Time to healthy after a kill',
      '',
      'From SIGKILL to /readyz 200 on a new process, each restarting the gateway its own way: clawmedic\'s auto-recovery (3 failures, then validate, start, verify), ' +
        'Monit\'s process check on a pid file with `then restart` (it sees the process gone at its next cycle and runs its start program).',
      '',
      '| | median | max | runs |',
      '| --- | --- | --- | --- |',
      `| clawmedic | ${s1(median(c))} | ${s1(c.length ? Math.max(...c) : undefined)} | ${c.length} |`,
      `| Monit | ${s1(median(m))} | ${s1(m.length ? Math.max(...m) : undefined)} | ${m.length} |`,
      '',
    );
  }
  if (r.footprint) {
    const f = r.footprint;
    out.push(
      '## Footprint at rest',
      '',
      `Watched ${Math.round(f.defaults.seconds / 60)} min each after a 90 s warm-up, against the healthy gateway (itself ${mib(f.gatewayRss)} RSS). ` +
        'RSS counts the pages of the node binary that every Node process on the host shares; PSS splits them between their users, private is the process\'s own. ' +
        'CPU per hour is extrapolated from the window; the openclaw CLI runs the checks start are counted apart (children).',
      '',
      '| | RSS median | PSS | private | CPU (of one core) | CPU per hour | openclaw CLI CPU per hour |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      footprintRow('clawmedic run, defaults (every check, console)', f.defaults),
      footprintRow('clawmedic run, every gateway-facing check every 10 s', f.every10s),
      footprintRow('Monit, one check every 5 s', f.monit),
      '',
    );
  }
  if (r.cliCosts && Object.keys(r.cliCosts).length) {
    let perHour = 0;
    out.push('## What each openclaw CLI check costs', '', 'Recorded by the agent for each run (nice 10, ionice best-effort 7, one at a time): the last run, and the most over the runs.', '');
    out.push('| command | runs | duration | CPU | peak RSS (largest process) | CPU per hour at the default schedule |', '| --- | --- | --- | --- | --- | --- |');
    for (const [command, c] of Object.entries(r.cliCosts).sort()) {
      const hourly = RUNS_PER_HOUR[command] !== undefined && c.last.cpuMs !== undefined ? (RUNS_PER_HOUR[command]! * (c.maxCpuMs ?? c.last.cpuMs)) / 1000 : undefined;
      if (hourly !== undefined) perHour += hourly;
      out.push(`| ${command} | ${c.runs} | ${s1(c.last.durationMs)} | ${s1(c.last.cpuMs)} (max ${s1(c.maxCpuMs)}) | ${mib(c.last.peakRssBytes)} (max ${mib(c.maxPeakRssBytes)}) | ${hourly === undefined ? '' : `${hourly.toFixed(0)} s`} |`);
    }
    out.push('', `At the default schedules, openclaw.json unchanged, the openclaw CLI checks cost about ${perHour.toFixed(0)} s of CPU an hour (${((100 * perHour) / 3600).toFixed(2)} % of a core).`, '');
  }
  if (r.oneShot) {
    const o = r.oneShot;
    out.push(
      '## One-shot commands',
      '',
      'Median wall time of 10 runs each (the compile cache warm), against the healthy gateway.',
      '',
      '| command | wall |',
      '| --- | --- |',
      `| \`clawmedic check gateway.port gateway.http\` | ${Math.round(o.check)} ms |`,
      `| \`clawmedic --help\` | ${Math.round(o.help)} ms |`,
      `| \`curl -s http://127.0.0.1:<port>/healthz\` | ${Math.round(o.curl)} ms |`,
      `| \`node -e 0\` | ${Math.round(o.node)} ms |`,
      '',
    );
  }
  const idle = r.footprint?.defaults;
  const resolvedRatio = resolvedKill.c.med / resolvedKill.m.med;
  out.push(
    '## Targets (issue 12)',
    '',
    '| target | measured | |',
    '| --- | --- | --- |',
    `| kill detection at most 0.6 x Monit's | ${ratio(kill.c.med, kill.m.med)} x | ${kill.c.med / kill.m.med <= 0.6 ? 'met' : 'missed'} |`,
    `| time to resolved at most 0.6 x Monit's | ${ratio(resolvedKill.c.med, resolvedKill.m.med)} x | ${resolvedRatio <= 0.6 ? 'met' : 'missed'} |`,
    `| agent RSS under 60 MB idle, defaults | ${mib(idle?.rssMedian)} (PSS ${mib(idle?.pss)}, private ${mib(idle?.private)}) | ${idle && idle.rssMedian < 60 * 2 ** 20 ? 'met' : 'missed'} |`,
    `| agent CPU under 0.2 % of a core, defaults | ${idle ? `${idle.cpuPct.toFixed(3)} %` : 'n/a'} | ${idle && idle.cpuPct < 0.2 ? 'met' : 'missed'} |`,
    `| one-shot check under 0.15 s | ${r.oneShot ? `${(r.oneShot.check / 1000).toFixed(2)} s` : 'n/a'} | ${r.oneShot && r.oneShot.check < 150 ? 'met' : 'missed'} |`,
    '',
  );
  return `${out.join('\n')}\n`;
}
