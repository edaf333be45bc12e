// restarts: counts gateway restarts and judges how many fell in a window (issue 8, part 3).
//
// A restart is counted when, between two runs that saw the gateway, any of these changed (REFERENCE.md 1.3, 5.2):
// - the bootId, when the gateway gives one: in /startupz, or in the websocket check's hello-ok (series
//   gateway.boot_id, sampled every few minutes; a change it saw is one restart unless one was counted since);
// - the uptime went back (/startupz uptimeMs, /readyz's for releases without /startupz), or it is short of the
//   last uptime plus the time since by more than a tolerance (a restart between two far-apart runs);
// - the pid of the OpenClaw process that listens on the port (a crash and a respawn);
// - that process's start time (/proc/<pid>/stat field 22: a pid reused by a new process).
// `openclaw gateway restart` restarts in place (SIGUSR2): same pid, new bootId, uptime reset; so the pid alone
// is not enough. Runs that do not see the gateway (down: gateway.port's alert) change nothing, so "down, then
// up again" is one restart, counted when it is seen up. Restarts faster than the schedule count once per run.
//
// Series `gateway.restarts`: one sample per run that saw the gateway, its value the restarts counted since the
// previous such run (0 or 1); the count in a window is the sum of the samples in it.
import * as z from 'zod';
import type { Check, CheckContext, CheckResult } from '../src/contracts.ts';
import { formatHostPort, httpProbe, parseJsonBody, type HttpProbeOutcome } from '../src/platform/http-probe.ts';
import { isLoopbackHost } from '../src/platform/net.ts';
import { findPortOwner, processLabel, type PortOwnerLookup } from '../src/platform/port-owner.ts';
import { readProcessStart } from '../src/platform/proc-stat.ts';
import { formatDuration } from '../src/util/duration.ts';
import { clip } from '../src/util/text.ts';
import { describeExitReasons, findExitReasons, type ExitKind, type ExitReasonReport } from './exit-reasons.ts';
import { gatewayLogPath } from './gateway-advice.ts';
import { BOOT_ID_SERIES, bootIdLabel } from './boot-id.ts';

export const RESTARTS_SERIES = 'gateway.restarts';

export const restartsOptionsSchema = z.strictObject({
  /** WARN at this many restarts within warnWindowMs. */
  warnRestarts: z.number().int().positive().max(1000).default(2),
  warnWindowMs: z.number().int().positive().max(86_400_000).default(900_000),
  /** CRIT at this many within critWindowMs: OpenClaw's own crash-loop breaker trips at 3 unclean boots in 5 min. */
  critRestarts: z.number().int().positive().max(1000).default(3),
  critWindowMs: z.number().int().positive().max(86_400_000).default(300_000),
  /** Per-request deadline for /startupz (and /readyz on releases without it). */
  requestTimeoutMs: z.number().int().positive().max(600_000).default(3_000),
  /** Bytes read from the end of the gateway's log (and the kernel log) when a restart is explained. */
  logTailBytes: z.number().int().positive().max(16 * 1024 * 1024).default(256 * 1024),
  /** Look for the exit reason (log, journal, pm2, kernel log) when a restart is counted. */
  exitReasons: z.boolean().default(true),
});
export type RestartsOptions = z.output<typeof restartsOptionsSchema>;

const DEADLINE_MARGIN_MS = 200;
const MAX_BODY_BYTES = 16 * 1024;
/** The uptime may read a little lower without a restart (rounding, a clock stepped back): more than this is a restart. */
const UPTIME_BACK_TOLERANCE_MS = 2_000;
/** Kept in memory for the diagnosis. */
const MAX_EVENTS = 12;
/** A websocket check's bootId sample older than this is not used (series keep raw samples for an hour). */
const BOOT_SAMPLE_MAX_AGE_MS = 30 * 60_000;

// ---- what one run saw, and what is kept between runs ---------------------------------------------------

const observationSchema = z.object({
  at: z.number(),
  /** This agent process's monotonic clock (ms) and its identity: a wall-clock jump or a suspend is told apart from a restart. */
  mono: z.number().optional(),
  agent: z.string().optional(),
  uptimeMs: z.number().optional(),
  bootId: z.string().optional(),
  pid: z.number().optional(),
  startTicks: z.number().optional(),
});
export type Observation = z.output<typeof observationSchema>;

const memorySchema = z.object({
  last: observationSchema.optional(),
  /** Recent restarts, newest last: when and why it was counted. */
  events: z.array(z.object({ at: z.number(), why: z.string() })).default([]),
  /** The exit reasons found for the last restart (or the last time the gateway was seen down). */
  reasons: z.object({ at: z.number(), text: z.string(), kinds: z.array(z.string()) }).optional(),
  /** When the current "not answering" spell began (its reasons are looked for once). */
  downSince: z.number().optional(),
  /** The last bootId sample the websocket check recorded (series gateway.boot_id) that this check has seen. */
  boot: z.object({ id: z.number(), at: z.number() }).optional(),
  /** When a restart was last counted (kept past the windows: a bootId change seen late is matched against it). */
  lastCountedAt: z.number().optional(),
});
type Memory = z.output<typeof memorySchema>;

/** This process, for as long as it runs: memory from another process (an agent restart, a one-shot check) has no comparable monotonic clock. */
const AGENT_INSTANCE = `${process.pid}:${Math.round(performance.timeOrigin)}`;

export const restartsCheck: Check = {
  id: 'restarts',
  title: 'Gateway restarts',
  defaults: {
    schedule: '30s',
    timeoutMs: 10_000,
    options: { warnRestarts: 2, warnWindowMs: 900_000, critRestarts: 3, critWindowMs: 300_000 },
  },
  optionsSchema: restartsOptionsSchema,
  dependsOn: ['gateway.port'],
  usesState: true,
  run: runRestarts,
};

async function runRestarts(ctx: CheckContext): Promise<CheckResult> {
  const parsed = restartsOptionsSchema.safeParse(ctx.options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { status: 'unknown', summary: `invalid option ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}` };
  }
  const options = parsed.data;
  const { host, port } = ctx.target;
  const where = formatHostPort(host, port);
  if (!isLoopbackHost(host)) return { status: 'unknown', summary: `refusing to probe ${where}: clawmedic only probes loopback addresses` };

  const now = ctx.now();
  const notes: string[] = [];
  const stored = ctx.memory.get();
  const memParsed = memorySchema.safeParse(stored ?? {});
  if (!memParsed.success) notes.push('the memory kept from earlier runs was unreadable and was started over');
  const mem: Memory = memParsed.success ? memParsed.data : { events: [] };

  const seen = await observe(ctx, options, now, notes);
  if (ctx.signal.aborted) return { status: 'unknown', summary: 'check aborted while reading the gateway' };

  let counted: string | undefined;
  const firstLook = seen.observation !== undefined && mem.last === undefined;
  if (seen.observation) {
    const prev = mem.last;
    const why = prev ? restartEvidence(prev, seen.observation) : [];
    const boot = websocketBootChange(ctx, mem, why.length > 0, now);
    if (boot) why.push(boot);
    counted = why.length > 0 ? why.join('; ') : undefined;
    ctx.series.record(RESTARTS_SERIES, counted ? 1 : 0, now);
    mem.last = seen.observation;
    if (counted) {
      mem.lastCountedAt = now;
      mem.events = [...mem.events, { at: now, why: clip(counted, 300) }].slice(-MAX_EVENTS);
      if (options.exitReasons) mem.reasons = await explain(ctx, options, prev?.at ?? now - options.warnWindowMs, [prev?.pid, seen.observation.pid], now);
    }
    delete mem.downSince;
  } else if (seen.down && mem.downSince === undefined) {
    // The first run of a spell without an answer: why it went, looked for once (gateway.port alerts on the spell itself).
    mem.downSince = now;
    if (options.exitReasons && mem.last) mem.reasons = await explain(ctx, options, mem.last.at, [mem.last.pid], now);
  }
  const horizon = now - Math.max(options.warnWindowMs, options.critWindowMs);
  mem.events = mem.events.filter((e) => e.at >= horizon);
  try {
    ctx.memory.set(mem);
  } catch (err) {
    notes.push(`could not keep this run's memory: ${(err as Error).message}`);
  }

  return judge(ctx, options, { seen, counted, firstLook, mem, notes, now });
}

// ---- observing ------------------------------------------------------------------------------------------

interface Seen {
  observation?: Observation;
  /** The gateway did not answer HTTP (refused, timed out): gateway.port's to alert. */
  down?: string;
  /** What could not be read, naming the field or file. */
  problems: string[];
  /** Who listens, for the summary. */
  owner?: string;
}

async function observe(ctx: CheckContext, options: RestartsOptions, now: number, notes: string[]): Promise<Seen> {
  const { host, port } = ctx.target;
  const requestTimeoutMs = Math.max(50, Math.min(options.requestTimeoutMs, Math.floor((ctx.timeoutMs - DEADLINE_MARGIN_MS) / 2)));
  const get = (path: string) => httpProbe({ host, port, path, timeoutMs: requestTimeoutMs, signal: ctx.signal, maxBodyBytes: MAX_BODY_BYTES });
  const [startupz, lookup] = await Promise.all([
    get('/startupz'),
    findPortOwner(port, { host, signal: ctx.signal }).catch((err: unknown): PortOwnerLookup => ({ kind: 'unsupported', reason: `listener lookup failed: ${(err as Error).message}` })),
  ]);
  const problems: string[] = [];
  const obs: Observation = { at: now, mono: monotonicMs(), agent: AGENT_INSTANCE };
  const seen: Seen = { problems };

  // Uptime and bootId: /startupz, else /readyz (OpenClaw before 2026.8.2 answers /startupz with its Control UI page).
  let down: string | undefined;
  let body = jsonObject(startupz);
  let source = '/startupz';
  if (!startupz.ok) down = `/startupz: ${startupz.message}`;
  else if (!body) {
    const readyz = await get('/readyz');
    body = jsonObject(readyz);
    source = '/readyz';
    if (!readyz.ok) down = `/readyz: ${readyz.message}`;
    else if (!body) problems.push('neither /startupz nor /readyz answered OpenClaw\'s JSON, so its uptime is unknown');
  }
  if (body) {
    const up = body.uptimeMs;
    if (up === undefined) problems.push(`${source} has no uptimeMs`);
    else if (typeof up !== 'number' || !Number.isFinite(up) || up < 0) problems.push(`${source} uptimeMs is not a number of milliseconds: ${clip(JSON.stringify(up) ?? String(up), 40)}`);
    else obs.uptimeMs = up;
    if (typeof body.bootId === 'string' && body.bootId !== '') obs.bootId = clip(body.bootId, 80);
  }

  // The process: the OpenClaw process that holds the port, and when it started.
  if (lookup.kind === 'found') {
    const owner = lookup.owner;
    seen.owner = processLabel(owner);
    if (/openclaw/i.test(owner.cmdline.join(' ')) || /openclaw/i.test(owner.comm)) {
      const start = await readProcessStart(owner.pid);
      if (start.ok) {
        obs.pid = owner.pid;
        obs.startTicks = start.startTicks;
      } else if (start.kind === 'gone') {
        // It exited between the two reads: its pid says nothing about what runs now; the next run will see.
        problems.push(start.message);
      } else {
        obs.pid = owner.pid;
        problems.push(start.message);
      }
    } else {
      notes.push(`the port is held by ${seen.owner}, not an OpenClaw process (a forwarder?): counting by uptime only`);
    }
  } else if (lookup.kind === 'owner-unknown' || lookup.kind === 'unsupported') {
    problems.push(`listener's process unknown (${lookup.reason})`);
  }

  const identified = obs.uptimeMs !== undefined || obs.pid !== undefined || obs.bootId !== undefined;
  if (down && obs.pid === undefined) seen.down = down;
  else if (identified) seen.observation = obs;
  return seen;
}

function jsonObject(answer: HttpProbeOutcome): Record<string, unknown> | undefined {
  if (!answer.ok || answer.truncated) return undefined;
  const json = parseJsonBody(answer.body);
  return json !== null && typeof json === 'object' && !Array.isArray(json) ? (json as Record<string, unknown>) : undefined;
}

function monotonicMs(): number {
  return Number(process.hrtime.bigint() / 1_000_000n);
}

/**
 * Why `cur` is another boot than `prev`, in words; [] when it is the same one. Each signal is used only when
 * both runs have it.
 */
export function restartEvidence(prev: Observation, cur: Observation): string[] {
  const why: string[] = [];
  if (prev.bootId !== undefined && cur.bootId !== undefined && prev.bootId !== cur.bootId) why.push(`bootId ${short(prev.bootId)} -> ${short(cur.bootId)}`);
  if (prev.pid !== undefined && cur.pid !== undefined && prev.pid !== cur.pid) why.push(`pid ${prev.pid} -> ${cur.pid}`);
  else if (prev.pid === cur.pid && prev.startTicks !== undefined && cur.startTicks !== undefined && prev.startTicks !== cur.startTicks) {
    why.push(`pid ${cur.pid} is a new process (start time ${prev.startTicks} -> ${cur.startTicks} ticks)`);
  }
  if (prev.uptimeMs !== undefined && cur.uptimeMs !== undefined) {
    if (cur.uptimeMs < prev.uptimeMs - UPTIME_BACK_TOLERANCE_MS) {
      why.push(`uptime went back from ${formatDuration(prev.uptimeMs)} to ${formatDuration(cur.uptimeMs)}`);
    } else {
      const wall = cur.at - prev.at;
      // The same agent process: its monotonic clock says whether the wall clock jumped or the host slept.
      const mono = prev.agent === cur.agent && prev.mono !== undefined && cur.mono !== undefined ? cur.mono - prev.mono : undefined;
      const tolerance = Math.max(60_000, wall * 0.1);
      const clockJumped = mono !== undefined && Math.abs(wall - mono) > tolerance;
      const short_ = prev.uptimeMs + wall - cur.uptimeMs;
      if (wall > 0 && !clockJumped && short_ > tolerance) {
        why.push(`uptime ${formatDuration(cur.uptimeMs)} is ${formatDuration(short_)} short of ${formatDuration(prev.uptimeMs)} plus the ${formatDuration(wall)} since: it restarted between two runs`);
      }
    }
  }
  return why;
}

/**
 * A new bootId that the websocket check (every few minutes, over the WebSocket) saw since the sample this check
 * took last: a restart, unless one was counted since that sample already (the same restart, seen by its uptime or
 * pid first). Undefined when there is nothing new; the newest sample is remembered either way.
 */
function websocketBootChange(ctx: CheckContext, mem: Memory, countedNow: boolean, now: number): string | undefined {
  // Raw samples only (older ones are rolled up into averages, which are no bootId).
  const latest = ctx.series.points(BOOT_ID_SERIES, now - BOOT_SAMPLE_MAX_AGE_MS).at(-1);
  if (!latest) return undefined;
  const prev = mem.boot;
  mem.boot = { id: latest.value, at: latest.at };
  if (!prev || latest.at <= prev.at || latest.value === prev.id) return undefined;
  const evidence = `bootId ${bootIdLabel(prev.id)} -> ${bootIdLabel(latest.value)} (websocket check)`;
  if (countedNow) return evidence;
  return mem.lastCountedAt !== undefined && mem.lastCountedAt > prev.at ? undefined : evidence;
}

function short(id: string): string {
  return id.length > 12 ? `${id.slice(0, 8)}…` : id;
}

async function explain(ctx: CheckContext, options: RestartsOptions, since: number, pids: Array<number | undefined>, now: number): Promise<Memory['reasons']> {
  const report: ExitReasonReport = await findExitReasons({
    logPaths: [gatewayLogPath(ctx.target, now), gatewayLogPath(ctx.target, now - 86_400_000)].filter((p, i, a) => a.indexOf(p) === i),
    stateDir: ctx.target.openclawStateDir,
    // A little before the last run that saw it well: the lines that led to the exit.
    since: since - 60_000,
    pids: pids.filter((p): p is number => p !== undefined),
    tailBytes: options.logTailBytes,
    runTools: true,
    exec: ctx.exec,
    signal: ctx.signal,
    commandTimeoutMs: Math.max(500, Math.min(3_000, Math.floor(ctx.timeoutMs / 4))),
    ...(ctx.target.token ? { token: ctx.target.token } : {}),
  }).catch((err: unknown): ExitReasonReport => ({ reasons: [], looked: [`failed: ${(err as Error).message}`] }));
  return { at: now, text: clip(describeExitReasons(report), 1_500), kinds: [...new Set(report.reasons.map((r) => (r.exitStatus === 78 ? 'config' : r.kind)))] };
}

// ---- judging --------------------------------------------------------------------------------------------

/** Restarts counted in the window ending now: the sum of the series' samples in it. */
export function restartsInWindow(ctx: CheckContext, windowMs: number, now: number): number {
  const buckets = ctx.series.buckets(RESTARTS_SERIES, now - windowMs + 1);
  return Math.round(buckets.reduce((sum, b) => sum + b.n * b.avg, 0));
}

function judge(
  ctx: CheckContext,
  options: RestartsOptions,
  r: { seen: Seen; counted: string | undefined; firstLook: boolean; mem: Memory; notes: string[]; now: number },
): CheckResult {
  const { seen, mem, now } = r;
  const inWarn = restartsInWindow(ctx, options.warnWindowMs, now);
  const inCrit = restartsInWindow(ctx, options.critWindowMs, now);
  const metrics: Record<string, number> = { restartsWarnWindow: inWarn, restartsCritWindow: inCrit };
  if (seen.observation?.uptimeMs !== undefined) metrics.uptimeMs = seen.observation.uptimeMs;
  const windows = `${inCrit} in ${formatDuration(options.critWindowMs)}, ${inWarn} in ${formatDuration(options.warnWindowMs)}`;
  const details = { observation: seen.observation, problems: seen.problems, events: mem.events, reasons: mem.reasons, notes: r.notes };
  const extra = [...seen.problems, ...r.notes];
  const tail = extra.length > 0 ? ` (${extra.join('; ')})` : '';

  const status = inCrit >= options.critRestarts ? 'crit' : inWarn >= options.warnRestarts ? 'warn' : 'ok';
  if (status === 'ok') {
    if (seen.down) {
      return { status: 'ok', summary: `gateway not answering (gateway.port reports it); restarts counted: ${windows}`, metrics, details };
    }
    if (!seen.observation) {
      // Answered HTTP, but neither its uptime nor its process could be read: nothing to count with.
      return {
        status: 'unknown',
        summary: `cannot count restarts: ${seen.problems.join('; ') || 'no uptime, bootId or pid readable'}`,
        diagnosis: `${formatHostPort(ctx.target.host, ctx.target.port)} answered, but without a usable uptime (/startupz or /readyz uptimeMs), bootId or OpenClaw process on the port.`,
        remedy: 'Check that the port is the gateway\'s (the gateway.port check names its process) and that clawmedic runs as the gateway\'s user, so /proc/<pid>/stat is readable.',
        metrics,
        details,
      };
    }
    const what = r.counted ? `restart counted (${r.counted}); ${windows}` : r.firstLook ? 'no restart seen (first look: counting from now)' : `no restart: ${windows}`;
    const up = seen.observation.uptimeMs !== undefined ? `, up ${formatDuration(seen.observation.uptimeMs)}` : '';
    const pid = seen.observation.pid !== undefined ? `pid ${seen.observation.pid}` : 'pid unknown';
    return { status: 'ok', summary: `${what} (${pid}${up})${tail}`, metrics, details };
  }

  const events = mem.events.filter((e) => e.at > now - Math.max(options.warnWindowMs, options.critWindowMs));
  const list = events.map((e) => `${new Date(e.at).toISOString()}: ${e.why}`).join('; ');
  const kinds = new Set<ExitKind | string>(mem.reasons?.kinds ?? []);
  const limit = status === 'crit' ? `${options.critRestarts} in ${formatDuration(options.critWindowMs)}` : `${options.warnRestarts} in ${formatDuration(options.warnWindowMs)}`;
  const summary =
    status === 'crit'
      ? `crash loop: ${inCrit} gateway restarts in ${formatDuration(options.critWindowMs)} (limit ${limit})`
      : `${inWarn} gateway restarts in ${formatDuration(options.warnWindowMs)} (limit ${limit})`;
  const reasons = mem.reasons ? ` Last exit reason found: ${mem.reasons.text}.` : '';
  const nowSeen = seen.down ? ' The gateway does not answer right now (gateway.port reports it).' : '';
  return {
    status,
    summary: `${summary}${kinds.has('config') ? ': exit status 78, invalid config' : ''}${tail}`,
    diagnosis: `Restarts counted (${windows}): ${list || 'recorded by an earlier run'}.${reasons}${nowSeen}`,
    remedy: restartRemedy(ctx, status, kinds, now),
    metrics,
    details,
  };
}

function restartRemedy(ctx: CheckContext, status: 'warn' | 'crit', kinds: Set<string>, now: number): string {
  const log = gatewayLogPath(ctx.target, now);
  const out: string[] = [];
  if (kinds.has('config')) {
    out.push('The config is invalid (exit status 78): `openclaw config validate --json` names the problem; fix it (or restore the .bak beside openclaw.json). A supervisor must not restart on 78 (systemd: RestartPreventExitStatus=78).');
  }
  if (kinds.has('port')) out.push('Another process holds the port (EADDRINUSE): the gateway.port check names it; stop it or move one of the two.');
  if (kinds.has('oom') || kinds.has('memory')) out.push('It ran out of memory: see the memory check and the RSS trend; a leak grows until the kernel kills it (openclaw issues #91588, #155191): update OpenClaw, or restart it on a schedule before it grows that far.');
  if (kinds.has('uncaught') || kinds.has('fetch')) out.push('An uncaught error killed it (an unhandled `fetch failed` is a known cause, openclaw issue #54726): update OpenClaw, and check the network and the providers it calls.');
  if (kinds.has('requested') || kinds.has('signal')) out.push('Some restarts were asked for (`openclaw gateway restart`, a signal): find who sends them (a cron job, a watchdog, a deploy script) in <state dir>/logs/gateway-restart.log.');
  if (out.length === 0) out.push(`Read ${log} (the lines before each restart), and \`journalctl --user -u openclaw-gateway\` if it runs under systemd.`);
  if (status === 'crit') {
    out.push(
      "OpenClaw's own crash-loop breaker trips at 3 unclean boots in 5 minutes: channels then do not start by themselves. " +
        "Stop whatever restarts it until the cause is fixed, then start them: `openclaw gateway call channels.start --params '{\"channel\":\"<id>\"}'`.",
    );
  }
  return out.join(' ');
}
