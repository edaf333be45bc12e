// latency: how fast the gateway answers, and how its event loop fares, over a window (issue 8, part 4).
//
// Each run times one GET /healthz (connect included) into `gateway.healthz_ms` and reads /readyz's eventLoop
// into `gateway.event_loop.delay_p99_ms`, `gateway.event_loop.utilization` and `gateway.event_loop.degraded`
// (1 or 0). It judges percentiles over the window (p95 of /healthz for WARN, p50 for CRIT; the median of the
// event loop's p99 delay and of its utilization), and `degraded` only once it has lasted past a grace period:
// OpenClaw's docs say eventLoop does not change readiness by itself, and a booting gateway is degraded for
// seconds (its event loop stalls past 650 ms on a busy 2-core host). Samples from before the current boot and
// its startup grace are left out, and a level, once reached, clears only below clearRatio x its threshold.
import * as z from 'zod';
import type { Check, CheckContext, CheckResult, Status } from '../src/contracts.ts';
import { formatHostPort, httpProbe, parseJsonBody, type HttpProbeOutcome } from '../src/platform/http-probe.ts';
import { isLoopbackHost } from '../src/platform/net.ts';
import { hysteresis, type Level } from '../src/evaluate/trend.ts';
import { formatDuration } from '../src/util/duration.ts';
import { clip } from '../src/util/text.ts';
import { gatewayLogPath } from './gateway-advice.ts';

export const SERIES = {
  healthz: 'gateway.healthz_ms',
  delay: 'gateway.event_loop.delay_p99_ms',
  utilization: 'gateway.event_loop.utilization',
  degraded: 'gateway.event_loop.degraded',
} as const;

export const latencyOptionsSchema = z.strictObject({
  /** The span the percentiles are taken over. */
  windowMs: z.number().int().positive().max(86_400_000).default(900_000),
  /** Percentiles are judged only from this many samples in the window. */
  minSamples: z.number().int().positive().max(10_000).default(5),
  /** Samples from the first this-long of a boot are left out (a booting gateway is slow by nature). */
  startupGraceMs: z.number().int().nonnegative().max(86_400_000).default(120_000),
  /** /healthz round trip: WARN when the window's p95 reaches it, CRIT when its p50 reaches healthzCritP50Ms. */
  healthzWarnP95Ms: z.number().positive().max(600_000).default(1_000),
  healthzCritP50Ms: z.number().positive().max(600_000).default(1_500),
  /** The median over the window of /readyz eventLoop.delayP99Ms: WARN, CRIT. */
  delayWarnMs: z.number().positive().max(600_000).default(500),
  delayCritMs: z.number().positive().max(600_000).default(2_000),
  /** The median over the window of eventLoop.utilization (0-1): WARN. */
  utilizationWarn: z.number().positive().max(1).default(0.9),
  /** eventLoop.degraded for this long without a break: WARN. */
  degradedGraceMs: z.number().int().nonnegative().max(86_400_000).default(300_000),
  /** Hysteresis: a level reached clears only once the value is below this fraction of its threshold. */
  clearRatio: z.number().positive().max(1).default(0.8),
  requestTimeoutMs: z.number().int().positive().max(600_000).default(3_000),
});
export type LatencyOptions = z.output<typeof latencyOptionsSchema>;

const DEADLINE_MARGIN_MS = 200;
const MAX_BODY_BYTES = 64 * 1024;

const RANK: Record<Level, number> = { ok: 0, warn: 1, crit: 2 };

const memorySchema = z.object({
  levels: z.record(z.string(), z.enum(['ok', 'warn', 'crit'])).default({}),
  /** When eventLoop.degraded was first seen in the current unbroken run of degraded answers. */
  degradedSince: z.number().optional(),
});
type Memory = z.output<typeof memorySchema>;

export const latencyCheck: Check = {
  id: 'latency',
  title: 'Gateway latency and event loop',
  defaults: { schedule: '30s', timeoutMs: 10_000, options: { windowMs: 900_000 } },
  optionsSchema: latencyOptionsSchema,
  dependsOn: ['gateway.port'],
  usesState: true,
  run: runLatency,
};

/**
 * A level with hysteresis (src/evaluate/trend.ts): it rises as soon as the value reaches a threshold, and falls
 * only once the value is below clearRatio x that threshold. No value (too few samples, or booting): ok.
 */
export function hysteresisLevel(prev: Level | undefined, value: number | undefined, t: { warn?: number; crit?: number; clearRatio: number }): Level {
  if (value === undefined || !Number.isFinite(value)) return 'ok';
  return hysteresis(prev, value, {
    ...(t.warn !== undefined ? { warn: { raise: t.warn, clear: t.warn * t.clearRatio } } : {}),
    ...(t.crit !== undefined ? { crit: { raise: t.crit, clear: t.crit * t.clearRatio } } : {}),
  });
}

/** Nearest-rank percentile (p in 0-100) of the values; undefined for none. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1];
}

async function runLatency(ctx: CheckContext): Promise<CheckResult> {
  const parsed = latencyOptionsSchema.safeParse(ctx.options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { status: 'unknown', summary: `invalid option ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}` };
  }
  const o = parsed.data;
  const { host, port } = ctx.target;
  const where = formatHostPort(host, port);
  if (!isLoopbackHost(host)) return { status: 'unknown', summary: `refusing to probe ${where}: clawmedic only probes loopback addresses` };
  const now = ctx.now();
  const notes: string[] = [];
  const memParsed = memorySchema.safeParse(ctx.memory.get() ?? {});
  if (!memParsed.success) notes.push('the memory kept from earlier runs was unreadable and was started over');
  const mem: Memory = memParsed.success ? memParsed.data : { levels: {} };

  const requestTimeoutMs = Math.max(50, Math.min(o.requestTimeoutMs, Math.floor((ctx.timeoutMs - DEADLINE_MARGIN_MS) / 2)));
  const get = (path: string) => httpProbe({ host, port, path, timeoutMs: requestTimeoutMs, signal: ctx.signal, maxBodyBytes: MAX_BODY_BYTES });

  // One after the other: /readyz in flight must not slow the /healthz being timed.
  const healthz = await get('/healthz');
  if (ctx.signal.aborted || (!healthz.ok && healthz.kind === 'aborted')) return { status: 'unknown', summary: 'check aborted while timing /healthz' };
  if (!healthz.ok && (healthz.kind === 'refused' || healthz.kind === 'other' || healthz.kind === 'reset' || healthz.kind === 'not-http')) {
    // No answer to time: down, or not HTTP. gateway.port and gateway.http alert on that.
    return { status: 'ok', summary: `not measured: /healthz got no answer (${healthz.message}; gateway.port reports it)`, details: { healthz: { kind: healthz.kind } } };
  }
  // A timeout is a sample too: the round trip took at least that long.
  const rtt = healthz.ok ? healthz.latencyMs : requestTimeoutMs;
  ctx.series.record(SERIES.healthz, rtt, now);

  if (!healthz.ok) {
    // Timed out: recorded, but not judged now. Without /readyz this run cannot tell a booting gateway (whose
    // samples are left out) from a stalling one; the next run that gets an answer judges the window with it.
    // A gateway that stays so is hung: gateway.port and gateway.http alert on that.
    const held = (Object.values(mem.levels) as Level[]).reduce<Level>((w, l) => (RANK[l] > RANK[w] ? l : w), 'ok');
    return {
      status: held,
      summary: `/healthz no answer within ${requestTimeoutMs} ms (recorded as ${requestTimeoutMs} ms; judged with the next answer${held === 'ok' ? '' : `; still ${held.toUpperCase()} from the last run`})`,
      ...(held === 'ok' ? {} : { diagnosis: 'The last runs found the gateway slow, and this one got no answer at all.', remedy: 'See the gateway.port check for a hung gateway.' }),
      metrics: { healthzMs: requestTimeoutMs },
      details: { healthz: { kind: healthz.kind }, levels: mem.levels },
    };
  }
  const readyz = await get('/readyz');
  const loop = readEventLoop(readyz, notes);
  if (loop.delayP99Ms !== undefined) ctx.series.record(SERIES.delay, loop.delayP99Ms, now);
  if (loop.utilization !== undefined) ctx.series.record(SERIES.utilization, loop.utilization, now);
  if (loop.degraded !== undefined) ctx.series.record(SERIES.degraded, loop.degraded ? 1 : 0, now);

  // The window, less what came before this boot's startup grace ended.
  const bootAt = loop.uptimeMs !== undefined ? now - loop.uptimeMs : undefined;
  const since = Math.max(now - o.windowMs, bootAt !== undefined ? bootAt + o.startupGraceMs : Number.NEGATIVE_INFINITY);
  const booting = bootAt !== undefined && now < bootAt + o.startupGraceMs;
  const values = (name: string) => (booting ? [] : ctx.series.points(name, since).map((p) => p.value));
  const rtts = values(SERIES.healthz);
  const delays = values(SERIES.delay);
  const utils = values(SERIES.utilization);
  const enough = (v: number[]) => v.length >= o.minSamples;
  const p50 = enough(rtts) ? percentile(rtts, 50) : undefined;
  const p95 = enough(rtts) ? percentile(rtts, 95) : undefined;
  const delayP50 = enough(delays) ? percentile(delays, 50) : undefined;
  const utilP50 = enough(utils) ? percentile(utils, 50) : undefined;

  // degraded, persisting: an unbroken run of degraded answers, not counted while booting.
  if (loop.degraded && !booting) mem.degradedSince ??= now;
  else delete mem.degradedSince;
  const degradedFor = mem.degradedSince !== undefined ? now - mem.degradedSince : undefined;

  const prev = (k: string): Level | undefined => mem.levels[k];
  const levels: Record<string, Level> = {
    healthzP95: hysteresisLevel(prev('healthzP95'), p95, { warn: o.healthzWarnP95Ms, clearRatio: o.clearRatio }),
    healthzP50: hysteresisLevel(prev('healthzP50'), p50, { crit: o.healthzCritP50Ms, clearRatio: o.clearRatio }),
    delay: hysteresisLevel(prev('delay'), delayP50, { warn: o.delayWarnMs, crit: o.delayCritMs, clearRatio: o.clearRatio }),
    utilization: hysteresisLevel(prev('utilization'), utilP50, { warn: o.utilizationWarn, clearRatio: o.clearRatio }),
    degraded: degradedFor !== undefined && degradedFor >= o.degradedGraceMs ? 'warn' : 'ok',
  };
  mem.levels = Object.fromEntries(Object.entries(levels).filter(([, l]) => l !== 'ok'));
  try {
    ctx.memory.set(mem);
  } catch (err) {
    notes.push(`could not keep this run's memory: ${(err as Error).message}`);
  }

  const metrics: Record<string, number> = { healthzMs: rtt };
  if (p50 !== undefined) metrics.healthzP50Ms = p50;
  if (p95 !== undefined) metrics.healthzP95Ms = p95;
  if (loop.delayP99Ms !== undefined) metrics.eventLoopDelayP99Ms = loop.delayP99Ms;
  if (loop.utilization !== undefined) metrics.eventLoopUtilization = loop.utilization;
  const ms = (v: number | undefined) => (v === undefined ? '?' : `${Math.round(v)} ms`);
  const span = formatDuration(Math.min(o.windowMs, now - since));
  const pcts = booting
    ? `booting (up ${formatDuration(loop.uptimeMs ?? 0)}, within the ${formatDuration(o.startupGraceMs)} startup grace: not judged)`
    : enough(rtts)
      ? `p50 ${ms(p50)} / p95 ${ms(p95)} over ${span} (${rtts.length} samples)`
      : `${rtts.length} sample(s) in the window, percentiles from ${o.minSamples}`;
  const loopText = [
    loop.delayP99Ms !== undefined ? `event loop p99 delay ${ms(loop.delayP99Ms)}` : undefined,
    loop.utilization !== undefined ? `utilization ${Math.round(loop.utilization * 100)}%` : undefined,
    loop.degraded ? `degraded${degradedFor !== undefined ? ` for ${formatDuration(degradedFor)}` : ''} (${(loop.reasons ?? []).join(', ') || 'no reason given'})` : undefined,
  ]
    .filter(Boolean)
    .join(', ');
  const now_ = `/healthz ${ms(rtt)}`;
  const tail = notes.length > 0 ? ` (${notes.join('; ')})` : '';
  const details = { healthzMs: rtt, p50, p95, delayP50, utilP50, degradedFor, eventLoop: loop.raw, levels, since, samples: rtts.length };

  const worst = (Object.values(levels) as Level[]).reduce<Level>((w, l) => (RANK[l] > RANK[w] ? l : w), 'ok');
  if (worst === 'ok') {
    return { status: 'ok', summary: `${now_}, ${pcts}${loopText ? `; ${loopText}` : ''}${tail}`, metrics, details };
  }

  const findings: string[] = [];
  if (levels.healthzP50 !== 'ok') findings.push(`/healthz median ${ms(p50)} over ${span} (CRIT from ${ms(o.healthzCritP50Ms)})`);
  if (levels.healthzP95 !== 'ok') findings.push(`/healthz p95 ${ms(p95)} over ${span} (WARN from ${ms(o.healthzWarnP95Ms)})`);
  if (levels.delay !== 'ok') findings.push(`event loop p99 delay ${ms(delayP50)} (median over ${span}; WARN from ${ms(o.delayWarnMs)}, CRIT from ${ms(o.delayCritMs)})`);
  if (levels.utilization !== 'ok') findings.push(`event loop utilization ${Math.round((utilP50 ?? 0) * 100)}% (median over ${span}; WARN from ${Math.round(o.utilizationWarn * 100)}%)`);
  if (levels.degraded !== 'ok') findings.push(`eventLoop.degraded for ${formatDuration(degradedFor ?? 0)} (${(loop.reasons ?? []).join(', ') || 'no reason given'}; WARN after ${formatDuration(o.degradedGraceMs)})`);
  const held = Object.entries(levels).some(([k, l]) => l !== 'ok' && RANK[l] > RANK[levelWithoutMemory(k, { p50, p95, delayP50, utilP50 }, o)]);
  const host_ = loop.hostUtilization !== undefined ? ` The host's CPUs are ${Math.round(loop.hostUtilization * 100)}% busy${loop.hostCpuCount ? ` (${loop.hostCpuCount} cores)` : ''}.` : '';
  return {
    status: worst as Status,
    summary: `gateway slow: ${findings[0]}${findings.length > 1 ? ` (+${findings.length - 1} more)` : ''}${tail}`,
    diagnosis: `${findings.join('; ')}. Now: ${now_}${loopText ? `, ${loopText}` : ''}.${host_}${held ? ` A level clears only below ${Math.round(o.clearRatio * 100)}% of its threshold.` : ''}`,
    remedy:
      'A slow gateway is starved of CPU or blocked by work on its event loop: look at the host load (`uptime`, `top`: another process hogging the cores?), ' +
      '`openclaw gateway call status --json` (eventLoop, workerPools, active tasks), and ' +
      `${gatewayLogPath(ctx.target, now)} for slow calls ("slow", "elapsedMs", \`⇄ res\` lines with long times). ` +
      'If it stays slow with an idle host, `openclaw gateway restart --json --safe` drains active work and restarts in place.',
    metrics,
    details,
  };
}

/** The level a value has on its own, without the hysteresis memory (to say when a level is held). */
function levelWithoutMemory(k: string, v: { p50?: number; p95?: number; delayP50?: number; utilP50?: number }, o: LatencyOptions): Level {
  const t = { clearRatio: 1 };
  switch (k) {
    case 'healthzP95':
      return hysteresisLevel(undefined, v.p95, { ...t, warn: o.healthzWarnP95Ms });
    case 'healthzP50':
      return hysteresisLevel(undefined, v.p50, { ...t, crit: o.healthzCritP50Ms });
    case 'delay':
      return hysteresisLevel(undefined, v.delayP50, { ...t, warn: o.delayWarnMs, crit: o.delayCritMs });
    case 'utilization':
      return hysteresisLevel(undefined, v.utilP50, { ...t, warn: o.utilizationWarn });
    default:
      return 'warn';
  }
}

interface EventLoopReading {
  uptimeMs?: number;
  delayP99Ms?: number;
  utilization?: number;
  degraded?: boolean;
  reasons?: string[];
  hostUtilization?: number;
  hostCpuCount?: number;
  raw?: unknown;
}

/** /readyz's uptimeMs and eventLoop, each field checked: one that is not a number is named in `notes` and left out. */
function readEventLoop(answer: HttpProbeOutcome | undefined, notes: string[]): EventLoopReading {
  if (!answer?.ok || answer.truncated) return {};
  const body = parseJsonBody(answer.body);
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return {};
  const b = body as Record<string, unknown>;
  const out: EventLoopReading = {};
  const num = (v: unknown, field: string, max: number): number | undefined => {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > max) {
      notes.push(`/readyz ${field} is not a usable number: ${clip(JSON.stringify(v) ?? String(v), 40)}`);
      return undefined;
    }
    return v;
  };
  const up = num(b.uptimeMs, 'uptimeMs', Number.MAX_SAFE_INTEGER);
  if (up !== undefined) out.uptimeMs = up;
  const loop = b.eventLoop;
  if (loop === undefined) return out;
  if (loop === null || typeof loop !== 'object' || Array.isArray(loop)) {
    notes.push('/readyz eventLoop is not an object');
    return out;
  }
  const l = loop as Record<string, unknown>;
  out.raw = { delayP99Ms: l.delayP99Ms, utilization: l.utilization, degraded: l.degraded, degradedSinceMs: l.degradedSinceMs, reasons: l.reasons };
  const delay = num(l.delayP99Ms, 'eventLoop.delayP99Ms', 86_400_000);
  if (delay !== undefined) out.delayP99Ms = delay;
  const util = num(l.utilization, 'eventLoop.utilization', 1.5);
  if (util !== undefined) out.utilization = Math.min(1, util);
  if (typeof l.degraded === 'boolean') out.degraded = l.degraded;
  else if (l.degraded !== undefined) notes.push(`/readyz eventLoop.degraded is not true or false: ${clip(JSON.stringify(l.degraded) ?? '?', 40)}`);
  if (Array.isArray(l.reasons)) out.reasons = l.reasons.filter((r): r is string => typeof r === 'string').map((r) => clip(r, 60)).slice(0, 8);
  const cpu = l.cpuBreakdown as Record<string, unknown> | undefined;
  if (cpu && typeof cpu === 'object') {
    if (typeof cpu.hostUtilization === 'number' && Number.isFinite(cpu.hostUtilization)) out.hostUtilization = cpu.hostUtilization;
    if (typeof cpu.hostCpuCount === 'number' && Number.isFinite(cpu.hostCpuCount)) out.hostCpuCount = cpu.hostCpuCount;
  }
  return out;
}
