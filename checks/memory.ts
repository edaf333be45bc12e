import { totalmem } from 'node:os';
import * as z from 'zod';
import type { Check, CheckContext, CheckResult } from '../src/contracts.ts';
import { durationUpTo } from '../src/config/schema.ts';
import { HOUR_MS, hysteresis, inAbout, timeToLimit, trend, worse, type Level, type TrendResult } from '../src/evaluate/trend.ts';
import { formatHostPort } from '../src/platform/http-probe.ts';
import { findPortOwner, processLabel, type PortOwnerLookup, type ProcessInfo } from '../src/platform/port-owner.ts';
import { readCgroupLimit, readProcessMemory, type CgroupLimit, type ProcessMemory } from '../src/platform/proc-memory.ts';
import { formatDuration } from '../src/util/duration.ts';
import { formatBytes, sizeSchema } from '../src/util/size.ts';
import { gatewayLogPath } from './gateway-advice.ts';
import { tailLines } from './log-tail.ts';

// The gateway's memory: RSS (and PSS) of the process that holds the gateway port, against the nearest
// of three limits (maxMemory, a share of host memory, the cgroup's memory.max), and its growth: a
// Theil-Sen slope over a window, in bytes per hour, projected to that limit. OpenClaw leaks have been
// reported from 200 MB/h to 1 GiB per 30 s; an idle gateway sits at 0.8-0.9 GB.

export const RSS_SERIES = 'gateway.rss_bytes';
export const PSS_SERIES = 'gateway.pss_bytes';
/** Recorded by the restarts check: 1 for a run that saw the gateway restart (also in place, same pid). */
const RESTARTS_SERIES = 'gateway.restarts';

export const memoryOptionsSchema = z.strictObject({
  /** The absolute limit (the guide's maxMemory; OpenClaw itself warns at 1.5 GiB RSS). */
  maxMemory: sizeSchema({ min: 16 * 1024 * 1024, description: 'Absolute RSS limit, e.g. "1.5g" (binary units); WARN near it, CRIT over it' }).default(1.5 * 1024 ** 3),
  /** A share of the host's memory, as a second limit (0: none). */
  hostMemoryPct: z.number().min(0).max(100).default(80),
  /** The cgroup v2 memory.max around the gateway (systemd MemoryMax=, a container limit) as a third limit. */
  cgroupLimit: z.boolean().default(true),
  /** WARN once RSS is at this percentage of the nearest limit (cleared 5 points below). */
  warnAtPct: z.number().min(10).max(100).default(90),
  /** The slope is taken over this window. */
  window: durationUpTo(7 * 86_400_000).refine((ms) => ms >= 10_000, 'at least 10s').default(HOUR_MS),
  /** WARN when the limit is reached within this long... */
  horizon: durationUpTo(30 * 86_400_000).default(6 * HOUR_MS),
  /** ...CRIT within this long. */
  critHorizon: durationUpTo(30 * 86_400_000).default(HOUR_MS),
  /** Samples this long after the gateway starts are not used for the slope (start-up is not a leak). */
  warmup: durationUpTo(86_400_000).default(600_000),
  /** Growth slower than this per hour is flat (no projection). */
  minGrowthPerHour: sizeSchema().default(16 * 1024 * 1024),
  /** Read PSS from smaps_rollup too: kernel time grows with the mapping (measured ~40 ms for an 820 MiB gateway, 16 ms for 280 MiB). */
  pss: z.boolean().default(true),
  /** ...at most this often (0: every run); in between the last reading is shown. */
  pssInterval: durationUpTo(86_400_000).default(300_000),
}).refine((o) => o.critHorizon <= o.horizon, { message: 'critHorizon must not be longer than horizon', path: ['critHorizon'] });

export type MemoryOptions = z.output<typeof memoryOptionsSchema>;

export const memoryCheck: Check = {
  id: 'memory',
  title: 'Gateway memory and its growth',
  defaults: {
    schedule: '1m',
    timeoutMs: 10_000,
    options: { maxMemory: '1.5g', hostMemoryPct: 80, window: '1h', horizon: '6h', critHorizon: '1h', warmup: '10m' },
  },
  dependsOn: ['gateway.port'],
  usesState: true,
  optionsSchema: memoryOptionsSchema as unknown as z.ZodType<Record<string, unknown>>,
  run: runMemory,
};

/** What the check keeps between runs. */
interface MemoryState {
  pid?: number;
  /** The current segment's start: the process start time, or when it was first seen. */
  segmentStart?: number;
  over?: Level;
  eta?: Level;
  /** The last PSS reading: smaps_rollup costs ~30 ms of kernel time for an 850 MiB gateway, RSS ~1 ms. */
  pss?: { pid: number; at: number; bytes: number };
}

interface Limit {
  bytes: number;
  /** "maxMemory", "80 % of host memory (23.4 GiB)", "cgroup memory.max of /system.slice/openclaw-gateway.service". */
  name: string;
}

/** For tests: another /proc and /sys/fs/cgroup, and the host's memory. */
export interface MemoryProbeEnv {
  procRoot?: string;
  cgroupRoot?: string;
  hostMemoryBytes?: number;
  /** The gateway log to look for `memory pressure` lines in (default: today's /tmp/openclaw/openclaw-<date>.log). */
  logPath?: string;
}

async function runMemory(ctx: CheckContext): Promise<CheckResult> {
  return measureMemory(ctx);
}

export async function measureMemory(ctx: CheckContext, env: MemoryProbeEnv = {}): Promise<CheckResult> {
  const parsed = memoryOptionsSchema.safeParse(ctx.options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { status: 'unknown', summary: `invalid option ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}` };
  }
  const options = parsed.data;
  const where = formatHostPort(ctx.target.host, ctx.target.port);
  const procOptions = env.procRoot === undefined ? {} : { procRoot: env.procRoot };

  // The port's owner, then its memory; a process that vanishes in between is looked up once more (a restart).
  let owner: ProcessInfo | undefined;
  let read: Awaited<ReturnType<typeof readProcessMemory>> | undefined;
  let lookup: PortOwnerLookup | undefined;
  for (let attempt = 0; attempt < 2; attempt++) {
    lookup = await findPortOwner(ctx.target.port, { host: ctx.target.host, signal: ctx.signal, ...procOptions }).catch(
      (err: unknown): PortOwnerLookup => ({ kind: 'unsupported', reason: `listener lookup failed: ${(err as Error).message}` }),
    );
    if (lookup.kind !== 'found') break;
    owner = lookup.owner;
    read = await readProcessMemory(owner.pid, { ...procOptions, pss: options.pss && !recentPss(ctx, options, owner.pid) });
    if (read.ok || read.kind !== 'gone') break;
  }
  if (ctx.signal.aborted) return { status: 'unknown', summary: 'check aborted while reading the gateway process' };
  if (!lookup || lookup.kind !== 'found' || !owner) return noProcess(lookup, where);
  if (!/openclaw/i.test(`${owner.cmdline.join(' ')} ${owner.comm}`)) {
    return {
      status: 'ok',
      summary: `not measured: ${where} is held by ${processLabel(owner)}, not OpenClaw's process (a forwarder, a container, or another program: gateway.port says which)`,
      details: { pid: owner.pid, comm: owner.comm },
    };
  }
  if (!read || !read.ok) {
    const failure = read && !read.ok ? read : undefined;
    return {
      status: 'unknown',
      summary:
        failure?.kind === 'gone'
          ? `gateway ${processLabel(owner)} vanished while its memory was read (it exited or restarted); the next run follows the new one`
          : `cannot measure gateway ${processLabel(owner)}: ${failure?.message ?? 'no reading'}`,
      ...(failure?.kind === 'unreadable'
        ? {
            diagnosis: `${failure.message}. /proc/<pid>/status of another user's process (or one outside this container's PID namespace) is not readable.`,
            remedy: 'Run clawmedic as the user that runs the gateway (OpenClaw needs that anyway: its logs are 0600), in the same container or host PID namespace.',
          }
        : {}),
      details: { pid: owner.pid, ...(failure ? { file: failure.path, kind: failure.kind } : {}) },
    };
  }
  return judge(ctx, options, env, owner, read);
}

/** The last PSS reading of this pid when it is recent enough to show again instead of reading smaps_rollup. */
function recentPss(ctx: CheckContext, options: MemoryOptions, pid: number): MemoryState['pss'] {
  const last = ctx.memory.get<MemoryState>()?.pss;
  const age = ctx.now() - (last?.at ?? Number.NaN);
  return last && last.pid === pid && age >= 0 && age < options.pssInterval ? last : undefined;
}

function noProcess(lookup: PortOwnerLookup | undefined, where: string): CheckResult {
  switch (lookup?.kind) {
    case 'no-listener':
      // The gateway is down: gateway.port's alert. An UNKNOWN here would only add an incident to it.
      return { status: 'ok', summary: `not measured: nothing listens on ${where} (gateway down; gateway.port alerts on that)` };
    case 'owner-unknown':
      return { status: 'unknown', summary: `cannot measure the gateway: ${lookup.reason}` };
    default:
      return {
        status: 'unknown',
        summary: `cannot find the gateway process: ${lookup?.kind === 'unsupported' ? lookup.reason : 'lookup failed'}`,
        ...(process.platform !== 'linux' ? { diagnosis: `The memory check reads Linux /proc; on ${process.platform} it is not supported yet. Disable it with checks.memory.enabled: false.` } : {}),
      };
  }
}

async function judge(ctx: CheckContext, options: MemoryOptions, env: MemoryProbeEnv, owner: ProcessInfo, mem: ProcessMemory): Promise<CheckResult> {
  const now = ctx.now();
  const previous = ctx.memory.get<MemoryState>() ?? {};
  const state: MemoryState = { ...previous };

  // Segments: a new pid, or the same pid with a later start time, is a new process.
  const startedAt = mem.startedAt !== undefined && mem.startedAt <= now ? mem.startedAt : undefined;
  const restarted = previous.pid !== undefined && previous.pid !== mem.pid;
  if (restarted || state.segmentStart === undefined || (startedAt !== undefined && startedAt > state.segmentStart)) {
    state.segmentStart = startedAt ?? now;
    if (restarted) {
      state.over = undefined;
      state.eta = undefined;
    }
  }
  state.pid = mem.pid;
  // An in-place restart (SIGUSR2, `openclaw gateway restart`: same pid, same start time) is seen by the
  // restarts check only: its series marks each run that saw one (read by name; not imported, to stay light).
  const inPlace = ctx.series.points(RESTARTS_SERIES, now - options.window).filter((p) => p.value > 0).at(-1)?.at;
  const segmentStart = inPlace !== undefined && inPlace > state.segmentStart && inPlace <= now ? inPlace : state.segmentStart;

  ctx.series.record(RSS_SERIES, mem.rssBytes, now);
  if (mem.pssBytes !== undefined) {
    ctx.series.record(PSS_SERIES, mem.pssBytes, now);
    state.pss = { pid: mem.pid, at: now, bytes: mem.pssBytes };
  } else if (!options.pss || state.pss?.pid !== mem.pid || mem.pssMissing) {
    state.pss = undefined;
  }
  // Shown and reported: this run's PSS, or the last one of this process (read at most every pssInterval).
  const pssBytes = mem.pssBytes ?? (options.pss ? state.pss?.bytes : undefined);

  const limits = await findLimits(options, env, mem.pid);
  const nearest = limits.reduce<Limit | undefined>((a, b) => (!a || b.bytes < a.bytes ? b : a), undefined);

  const t = trend(ctx.series.points(RSS_SERIES, now - options.window), {
    now,
    windowMs: options.window,
    segmentStart,
    warmupMs: options.warmup,
    // The floor of each twelfth of the window: a GC sawtooth's peaks are not a leak, its rising floor is.
    floorBucketMs: options.window / 12,
    // Half the window at least: a slow sawtooth (10 min) over a short span looks like growth.
    minSpanMs: options.window / 2,
    // Growth that holds in both halves of the window: a step (a session loaded once) is no leak.
    steady: true,
  });

  const rss = formatBytes(mem.rssBytes);
  const pss = pssBytes !== undefined ? ` (PSS ${formatBytes(pssBytes)})` : '';
  const growing = t.ok && t.slopePerHour >= options.minGrowthPerHour;
  const slopeText = t.ok ? describeSlope(t.slopePerHour, options.minGrowthPerHour) : undefined;

  // Over (or near) the limit, with hysteresis.
  const pct = nearest ? (mem.rssBytes / nearest.bytes) * 100 : 0;
  state.over = nearest
    ? hysteresis(previous.pid === mem.pid ? previous.over : undefined, pct, {
        warn: { raise: options.warnAtPct, clear: options.warnAtPct - 5 },
        crit: { raise: 100, clear: 95 },
      })
    : 'ok';

  // Time to the nearest limit at the current slope, with hysteresis (a little longer to clear than to raise).
  let eta: number | undefined;
  if (t.ok && growing && nearest) eta = timeToLimit(Math.max(t.level, 0), t.slopePerMs, nearest.bytes);
  state.eta =
    t.ok && nearest
      ? hysteresis(
          previous.pid === mem.pid ? previous.eta : undefined,
          eta ?? Number.MAX_VALUE,
          { warn: { raise: options.horizon, clear: options.horizon * 1.25 }, crit: { raise: options.critHorizon, clear: options.critHorizon * 1.5 } },
          false,
        )
      : 'ok';
  const level = worse(state.over, state.eta);
  ctx.memory.set(state);

  // The pid is in details, not metrics: it is no quantity to graph.
  const metrics: Record<string, number> = { rssBytes: mem.rssBytes };
  if (pssBytes !== undefined) metrics.pssBytes = pssBytes;
  if (mem.anonBytes !== undefined) metrics.anonBytes = mem.anonBytes;
  if (mem.swapBytes !== undefined) metrics.swapBytes = mem.swapBytes;
  if (nearest) metrics.limitBytes = nearest.bytes;
  if (t.ok) metrics.growthBytesPerHour = Math.round(t.slopePerHour) || 0;
  if (eta !== undefined) metrics.secondsToLimit = Math.round(eta / 1000);

  const limitText = nearest ? `the ${formatBytes(nearest.bytes)} limit (${nearest.name})` : 'no limit';
  const details = {
    pid: mem.pid,
    process: processLabel(owner),
    segmentStart: new Date(segmentStart).toISOString(),
    limits: limits.map((l) => ({ bytes: l.bytes, name: l.name })),
    trend: t.ok ? { slopeBytesPerHour: Math.round(t.slopePerHour), samples: t.n, spanMs: t.spanMs } : { reason: t.reason, samples: t.n },
    ...(mem.pssMissing ? { pssMissing: mem.pssMissing } : {}),
    ...(restarted ? { restartedFrom: previous.pid } : {}),
  };

  if (level === 'ok') {
    const growth = t.ok ? slopeText! : trendPending(t, segmentStart, now, options);
    const headroom = nearest ? `; ${Math.round(pct)} % of ${limitText}` : '';
    return { status: 'ok', summary: `RSS ${rss}${pss}, ${growth}${headroom}`, metrics, details };
  }

  const summary =
    state.over !== 'ok' && (eta === undefined || mem.rssBytes >= (nearest?.bytes ?? Number.POSITIVE_INFINITY))
      ? mem.rssBytes >= nearest!.bytes
        ? `RSS ${rss} is over ${limitText}${slopeText ? `, ${slopeText}` : ''}`
        : `RSS ${rss} is ${Math.round(pct)} % of ${limitText}${slopeText ? `, ${slopeText}` : ''}`
      : `RSS ${rss}, ${slopeText}: reaches ${limitText} ${inAbout(eta ?? 0)}`;
  const pressure = await memoryPressureLines(env.logPath ?? gatewayLogPath(ctx.target, now));
  return {
    status: level,
    summary,
    diagnosis: diagnosis({ ...mem, ...(pssBytes !== undefined ? { pssBytes } : {}) }, owner, t, nearest, limits, segmentStart, now, pressure, options.window / 12),
    remedy: remedy(ctx, env.logPath ?? gatewayLogPath(ctx.target, now), pressure.length > 0),
    metrics,
    details: { ...details, ...(pressure.length ? { memoryPressure: pressure } : {}) },
  };
}

function describeSlope(perHour: number, minGrowth: number): string {
  if (Math.abs(perHour) < minGrowth) return 'flat';
  return perHour > 0 ? `growing ${formatBytes(perHour)}/h` : `shrinking ${formatBytes(-perHour)}/h`;
}

function trendPending(t: Extract<TrendResult, { ok: false }>, segmentStart: number, now: number, options: MemoryOptions): string {
  if (now - segmentStart < options.warmup) return `gateway up ${formatDuration(Math.max(0, now - segmentStart))}, trend after its ${formatDuration(options.warmup)} warm-up`;
  return `no trend yet: ${t.reason}`;
}

async function findLimits(options: MemoryOptions, env: MemoryProbeEnv, pid: number): Promise<Limit[]> {
  const limits: Limit[] = [{ bytes: options.maxMemory, name: 'maxMemory' }];
  if (options.hostMemoryPct > 0) {
    const host = env.hostMemoryBytes ?? totalmem();
    if (host > 0) limits.push({ bytes: Math.round((host * options.hostMemoryPct) / 100), name: `${options.hostMemoryPct} % of the host's ${formatBytes(host)}` });
  }
  if (options.cgroupLimit) {
    const cg: CgroupLimit | undefined = await readCgroupLimit(pid, {
      ...(env.procRoot === undefined ? {} : { procRoot: env.procRoot }),
      ...(env.cgroupRoot === undefined ? {} : { cgroupRoot: env.cgroupRoot }),
    }).catch(() => undefined);
    if (cg) limits.push({ bytes: cg.limitBytes, name: `cgroup memory.max of ${cg.cgroup}` });
  }
  return limits;
}

function diagnosis(
  mem: ProcessMemory,
  owner: ProcessInfo,
  t: TrendResult,
  nearest: Limit | undefined,
  limits: Limit[],
  segmentStart: number,
  now: number,
  pressure: string[],
  floorMs: number,
): string {
  const parts: string[] = [];
  parts.push(
    `${processLabel(owner)}: RSS ${formatBytes(mem.rssBytes)}` +
      (mem.pssBytes !== undefined ? `, PSS ${formatBytes(mem.pssBytes)}` : '') +
      (mem.anonBytes !== undefined ? `, anonymous ${formatBytes(mem.anonBytes)}` : '') +
      (mem.swapBytes ? `, swapped ${formatBytes(mem.swapBytes)}` : '') +
      `; up ${formatDuration(Math.max(0, now - segmentStart))}.`,
  );
  if (t.ok) parts.push(`Over the last ${formatDuration(t.spanMs)} (${t.n} samples) RSS grew ${formatBytes(t.slopePerHour)}/h (Theil-Sen slope of its floor, the lowest sample of each ${formatDuration(floorMs)}: GC swings and single spikes do not move it).`);
  parts.push(`Limits: ${limits.map((l) => `${formatBytes(l.bytes)} (${l.name})`).join(', ')}; the nearest is ${nearest ? formatBytes(nearest.bytes) : 'none'}.`);
  parts.push('An idle gateway sits at 0.8-0.9 GB; leaks reported in OpenClaw issues (#91588, #54155, #155191) grow from ~200 MB/h to 1 GiB a day or far faster, until the OOM killer or the limit ends the process.');
  if (pressure.length) parts.push(`OpenClaw logged memory pressure: ${pressure.map((l) => `"${l}"`).join('; ')}.`);
  return parts.join(' ');
}

function remedy(ctx: CheckContext, log: string, pressureSeen: boolean): string {
  return (
    `Plan a restart before the limit, at a quiet hour: \`openclaw gateway restart --json --safe\` (drains active work first, same PID, RSS starts over). ` +
    `Then bound what the gateway keeps, as the guide advises (historyLimit, sessionTimeout): in ${ctx.target.openclawConfigPath} these are ` +
    '`messages.groupChat.historyLimit` (or `channels.<channel>.historyLimit`) and `session.reset: { mode: "idle", idleMinutes: 60 }`; ' +
    "the guide's `gateway.maxMemory`/`gateway.historyLimit`/`gateway.sessionTimeout` keys do not exist and make the gateway refuse to start (exit 78). " +
    "maxMemory is clawmedic's own limit (checks.memory.options.maxMemory); a hard cap is the service's MemoryMax= (with Restart=always) or NODE_OPTIONS=--max-old-space-size for the heap. " +
    `To find what grows: ${pressureSeen ? `the "memory pressure" lines in ${log} (reason=rss_growth|heap_threshold|rss_threshold)` : `"memory pressure" lines in ${log}`}, ` +
    '`openclaw gateway diagnostics export`, and `openclaw gateway call diagnostics.heapProfile --timeout 30000`.'
  );
}

/** OpenClaw's own `memory pressure:` lines in the tail of today's log (only read when something is wrong). */
async function memoryPressureLines(logPath: string): Promise<string[]> {
  const lines = await tailLines(logPath, { maxBytes: 512 * 1024, match: /memory pressure:/, max: 3 }).catch(() => []);
  return lines.map((line) => {
    try {
      const obj = JSON.parse(line) as { message?: unknown; time?: unknown };
      const message = typeof obj.message === 'string' ? obj.message : line;
      return `${typeof obj.time === 'string' ? `${obj.time} ` : ''}${message}`.slice(0, 300);
    } catch {
      return line.slice(0, 300);
    }
  });
}
