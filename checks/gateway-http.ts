import { z } from 'zod';
import type { Check, CheckContext, CheckResult } from '../src/contracts.ts';
import {
  describeBody,
  formatHostPort,
  httpProbe,
  parseJsonBody,
  type HttpProbeAnswer,
  type HttpProbeFailure,
} from '../src/platform/http-probe.ts';
import { isLoopbackHost } from '../src/platform/net.ts';
import { formatDuration } from '../src/util/duration.ts';
import { gatewayLogPath, hungGatewayRemedy, portSourceNote, startGatewayRemedy, wrongPortRemedy } from './gateway-advice.ts';
import { snippet } from './quote.ts';

export const gatewayHttpOptionsSchema = z.strictObject({
  /** Per-request deadline; capped so that the check's two request rounds fit in its timeout. */
  requestTimeoutMs: z.number().int().positive().default(3_000),
  /** How long (by the uptime the gateway reports) "starting" is normal. A cold start took ~18 s here. */
  startupGraceMs: z.number().int().nonnegative().default(120_000),
});
export type GatewayHttpOptions = z.output<typeof gatewayHttpOptionsSchema>;

const MAX_BODY_BYTES = 64 * 1024;
/** Kept out of the check's deadline for building the result. */
const DEADLINE_MARGIN_MS = 200;

// ---- OpenClaw's endpoint bodies (openclaw/samples/http-endpoints.md) --------------------------------------

const healthzSchema = z.object({ ok: z.boolean(), status: z.string() });
const startupzSchema = z.object({
  ok: z.boolean(),
  status: z.string(),
  version: z.string().optional().catch(undefined),
  uptimeMs: z.number().optional().catch(undefined),
  pendingReason: z.string().optional().catch(undefined),
});
const eventLoopSchema = z.object({
  degraded: z.boolean().optional().catch(undefined),
  reasons: z.array(z.string()).optional().catch(undefined),
  delayP99Ms: z.number().optional().catch(undefined),
  utilization: z.number().optional().catch(undefined),
});
const readyzSchema = z.object({
  ready: z.boolean(),
  // Remote unauthenticated callers get {ready} only; loopback gets the details.
  failing: z.array(z.string()).optional().catch(undefined),
  uptimeMs: z.number().optional().catch(undefined),
  eventLoop: eventLoopSchema.optional().catch(undefined),
  pluginReload: z.unknown().optional(),
  agentDatabases: z.unknown().optional(),
});
export type HealthzBody = z.output<typeof healthzSchema>;
export type StartupzBody = z.output<typeof startupzSchema>;
export type ReadyzBody = z.output<typeof readyzSchema>;

function parseBody<T>(schema: z.ZodType<T>, answer: HttpProbeAnswer): T | undefined {
  if (answer.truncated) return undefined;
  const json = parseJsonBody(answer.body);
  if (json === undefined) return undefined;
  const parsed = schema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

/** The /healthz body when it has OpenClaw's shape ({"ok":...,"status":...} as JSON), else undefined. */
export function parseHealthz(answer: HttpProbeAnswer): HealthzBody | undefined {
  return parseBody(healthzSchema, answer);
}

// ---- the check -----------------------------------------------------------------------------------------

export const gatewayHttpCheck: Check = {
  id: 'gateway.http',
  title: 'Gateway HTTP health endpoints',
  defaults: {
    schedule: '30s',
    timeoutMs: 10_000,
    options: { requestTimeoutMs: 3_000, startupGraceMs: 120_000 },
  },
  optionsSchema: gatewayHttpOptionsSchema,
  dependsOn: ['gateway.port'],
  run: runGatewayHttp,
};

async function runGatewayHttp(ctx: CheckContext): Promise<CheckResult> {
  const parsedOptions = gatewayHttpOptionsSchema.safeParse(ctx.options);
  if (!parsedOptions.success) {
    const issue = parsedOptions.error.issues[0];
    return { status: 'unknown', summary: `invalid option ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}` };
  }
  const options = parsedOptions.data;
  const { host, port } = ctx.target;
  const where = formatHostPort(host, port);
  if (!isLoopbackHost(host)) {
    return { status: 'unknown', summary: `refusing to probe ${where}: clawmedic only probes loopback addresses` };
  }

  // Two request rounds (healthz, then startupz+readyz together) must fit inside the check's own timeout.
  const requestTimeoutMs = Math.max(50, Math.min(options.requestTimeoutMs, Math.floor((ctx.timeoutMs - DEADLINE_MARGIN_MS) / 2)));
  const get = (path: string) =>
    httpProbe({ host, port, path, timeoutMs: requestTimeoutMs, signal: ctx.signal, maxBodyBytes: MAX_BODY_BYTES });

  const healthz = await get('/healthz');
  if (!healthz.ok) return unreachable(ctx, '/healthz', healthz, requestTimeoutMs);
  const live = parseHealthz(healthz);
  if (!live) return notOpenclaw(ctx, '/healthz', healthz);
  const metrics: Record<string, number> = { latencyMs: healthz.latencyMs };
  if (!live.ok || live.status !== 'live' || healthz.statusCode !== 200) {
    return {
      status: 'crit',
      summary: `gateway not live: /healthz answered ${healthz.statusCode} ok=${live.ok}, status "${live.status}"`,
      diagnosis: `${where}/healthz answered HTTP ${healthz.statusCode} with OpenClaw's shape but not ok:true/status:"live".`,
      remedy: `Restart it: \`openclaw gateway restart --json\`, and read ${gatewayLogPath(ctx.target, ctx.now())}.`,
      metrics,
      details: { healthz: live },
    };
  }

  const [startupAnswer, readyAnswer] = await Promise.all([get('/startupz'), get('/readyz')]);
  if (!startupAnswer.ok) return unreachable(ctx, '/startupz', startupAnswer, requestTimeoutMs, metrics);
  if (!readyAnswer.ok) return unreachable(ctx, '/readyz', readyAnswer, requestTimeoutMs, metrics);
  const startup = parseBody(startupzSchema, startupAnswer);
  const ready = parseBody(readyzSchema, readyAnswer);
  if (!startup) return partialSurface(ctx, '/startupz', startupAnswer, metrics);
  if (!ready) return partialSurface(ctx, '/readyz', readyAnswer, metrics);

  return judge(ctx, options, { startup, ready, statusCodes: { startupz: startupAnswer.statusCode, readyz: readyAnswer.statusCode } }, metrics);
}

interface Surfaces {
  startup: StartupzBody;
  ready: ReadyzBody;
  statusCodes: { startupz: number; readyz: number };
}

function judge(ctx: CheckContext, options: GatewayHttpOptions, s: Surfaces, metrics: Record<string, number>): CheckResult {
  const { startup, ready } = s;
  const uptimeMs = startup.uptimeMs ?? ready.uptimeMs;
  if (uptimeMs !== undefined) metrics.uptimeMs = uptimeMs;
  if (ready.eventLoop?.delayP99Ms !== undefined) metrics.eventLoopDelayP99Ms = ready.eventLoop.delayP99Ms;
  if (ready.eventLoop?.utilization !== undefined) metrics.eventLoopUtilization = ready.eventLoop.utilization;

  const failing = ready.failing ?? [];
  const version = startup.version ? `v${startup.version}` : 'version unknown';
  const up = uptimeMs === undefined ? 'uptime unknown' : `up ${formatDuration(uptimeMs)}`;
  const details = { startupz: startup, readyz: ready, statusCodes: s.statusCodes };
  const log = gatewayLogPath(ctx.target, ctx.now());
  const base = { metrics, details };

  if (startup.status === 'draining' || failing.includes('gateway-draining')) {
    return {
      status: 'warn',
      summary: 'gateway draining: shutting down or restarting',
      diagnosis: `/startupz says "${startup.status}" and /readyz fails [${failing.join(', ')}] (${version}, ${up}): it finishes active work before it stops or restarts in place.`,
      remedy:
        'Usually over within seconds. If it stays draining, active work is holding the drain (the shutdown budget is up to 315 s): ' +
        `see ${log}. To cut it short: \`openclaw gateway restart --json --force\`.`,
      ...base,
    };
  }

  if (startup.status === 'starting') {
    const pending = startup.pendingReason ?? 'startup-sidecars';
    const startupEntries = new Set(['startup-sidecars', pending]);
    const otherFailing = failing.filter((f) => !startupEntries.has(f));
    if (uptimeMs === undefined) {
      return {
        status: 'warn',
        summary: `gateway starting (waiting for ${pending}), uptime not reported`,
        diagnosis: '/startupz says "starting" without uptimeMs, so the startup grace period cannot be judged.',
        remedy: `If it stays so, read ${log} for the step it waits on, then \`openclaw gateway restart --json\`.`,
        ...base,
      };
    }
    if (uptimeMs > options.startupGraceMs) {
      const secs = Math.round(uptimeMs / 1000);
      return {
        status: 'crit',
        summary: `gateway stuck starting for ${secs}s (waiting for ${pending})`,
        diagnosis:
          `/startupz still says "starting" (pendingReason ${pending}) after ${secs}s of uptime, past the ${formatDuration(options.startupGraceMs)} grace period; ` +
          `/readyz fails [${failing.join(', ')}] (${version}). A normal cold start takes 10-20 s.`,
        remedy:
          `Read ${log} for the startup step that never finishes (sidecars, plugins, agent databases), ` +
          'check the config with `openclaw config validate --json` and `openclaw doctor --lint --json`, then `openclaw gateway restart --json`.',
        ...base,
      };
    }
    if (otherFailing.length > 0) {
      return {
        status: 'warn',
        summary: `gateway starting (${up}); not ready: failing ${otherFailing.join(', ')}`,
        diagnosis: `Still in its ${formatDuration(options.startupGraceMs)} startup grace period, but /readyz also fails entries that are not part of startup: ${otherFailing.join(', ')}.`,
        remedy: failingRemedy(otherFailing, log),
        ...base,
      };
    }
    return {
      status: 'ok',
      summary: `gateway starting (${up}, waiting for ${pending}; grace ${formatDuration(options.startupGraceMs)})`,
      details,
      metrics,
    };
  }

  if (!ready.ready || s.statusCodes.readyz !== 200) {
    const what = failing.length > 0 ? `failing ${failing.join(', ')}` : 'no failing entries reported';
    return {
      status: 'warn',
      summary: `gateway not ready: ${what}`,
      diagnosis: `/healthz is live and /startupz says "${startup.status}", but /readyz answered ${s.statusCodes.readyz} ready=${ready.ready} (${what}; ${version}, ${up}).${pluginReloadNote(ready)}`,
      remedy: failing.length > 0 ? failingRemedy(failing, log) : `Read ${log} around now, and \`openclaw channels status --probe --json\`.`,
      ...base,
    };
  }

  if (!startup.ok || startup.status !== 'started') {
    return {
      status: 'warn',
      summary: `gateway ready but /startupz says "${startup.status}"`,
      diagnosis: `/startupz answered ${s.statusCodes.startupz} ok=${startup.ok} status "${startup.status}", which this clawmedic does not know (${version}).`,
      remedy: `Compare with \`openclaw gateway status --json\` and ${log}; a newer OpenClaw may have added a state.`,
      ...base,
    };
  }

  const degraded = ready.eventLoop?.degraded ? `; event loop degraded (${(ready.eventLoop.reasons ?? []).join(', ') || 'no reason'})` : '';
  return { status: 'ok', summary: `gateway live, started and ready (${version}, ${up}${degraded})`, metrics, details };
}

function pluginReloadNote(ready: ReadyzBody): string {
  const pr = ready.pluginReload as { pluginIds?: unknown; phase?: unknown; reason?: unknown } | undefined;
  if (!pr || typeof pr !== 'object') return '';
  const ids = Array.isArray(pr.pluginIds) ? pr.pluginIds.filter((x) => typeof x === 'string').join(', ') : '?';
  return ` Plugin reload: phase ${String(pr.phase ?? '?')} for ${ids}${typeof pr.reason === 'string' ? ` (${pr.reason})` : ''}.`;
}

/** Concrete advice per failing[] entry (REFERENCE.md 1.2 lists the values). */
function failingRemedy(failing: string[], log: string): string {
  const out: string[] = [];
  const channels: string[] = [];
  for (const f of failing) {
    if (f === 'plugin-reload') {
      out.push('plugin-reload: a plugin reload is pending or failed (see pluginReload in /readyz and plugin errors in the log); `openclaw gateway restart --json` reloads all plugins.');
    } else if (f.startsWith('agent-database:')) {
      out.push(`${f}: that agent's database did not open; run \`openclaw doctor --lint --json\` and read the log. Do not delete state/*.sqlite while the gateway runs.`);
    } else if (f === 'state-database') {
      out.push('state-database: the gateway state database is unavailable; check disk space and permissions of the state dir, then `openclaw doctor --lint --json`.');
    } else if (f === 'internal') {
      out.push('internal: an internal subsystem failed; the log says which.');
    } else if (f === 'startup-sidecars') {
      out.push('startup-sidecars: startup has not finished; if it persists, `openclaw gateway restart --json`.');
    } else {
      channels.push(f);
    }
  }
  if (channels.length > 0) {
    const first = channels[0]!;
    out.unshift(
      `Channel ${channels.join(', ')}: \`openclaw channels status --probe --json\` and \`openclaw channels logs --channel ${first} --lines 50 --json\` show the account error ` +
        '(credentials, network, rate limits). The gateway restarts unhealthy channels itself (at most 10 per hour); ' +
        `if autostart was suppressed by its crash-loop breaker, start it by hand: \`openclaw gateway call channels.start --params '{"channel":"${first}"}'\`.`,
    );
  }
  out.push(`Log: ${log}.`);
  return out.join(' ');
}

/** The request itself failed: refused, hung, reset... */
function unreachable(
  ctx: CheckContext,
  path: string,
  f: HttpProbeFailure,
  timeoutMs: number,
  metrics?: Record<string, number>,
): CheckResult {
  const where = formatHostPort(ctx.target.host, ctx.target.port);
  const now = ctx.now();
  const details = { path, kind: f.kind, code: f.code, connected: f.connected, latencyMs: f.latencyMs };
  const m = metrics ? { metrics } : {};
  const later = path === '/healthz' ? '' : ` (after /healthz had answered)`;
  switch (f.kind) {
    case 'refused':
      return {
        status: 'crit',
        summary: `gateway down: connection refused on ${where}${later}`,
        diagnosis: `Nothing accepts connections on ${where} (${portSourceNote(ctx.target)}): the gateway is not running, or listens on another port.`,
        remedy: `${startGatewayRemedy(ctx.target, now)} ${wrongPortRemedy(ctx.target)}`,
        ...m,
        details,
      };
    case 'timeout-after-connect':
    case 'timeout-connect':
      return {
        status: 'crit',
        summary:
          f.kind === 'timeout-after-connect'
            ? `gateway hung: ${where} accepted the connection but ${path} got no answer within ${timeoutMs} ms`
            : `gateway hung: connecting to ${where} timed out after ${timeoutMs} ms (listen queue full)`,
        diagnosis:
          `The process that holds ${where} does not answer HTTP: it is stopped (SIGSTOP), its event loop is blocked, or it is overloaded${later}. ` +
          'The gateway.port check names the process and its state.',
        remedy: hungGatewayRemedy(ctx.target, now),
        ...m,
        details,
      };
    case 'aborted':
      return { status: 'unknown', summary: `check aborted while waiting for ${path}`, ...m, details };
    case 'reset':
    case 'not-http':
      return {
        status: 'crit',
        summary: `${where} is not answering like OpenClaw: ${path} ${f.kind === 'reset' ? 'connection closed without an HTTP answer' : 'answer is not HTTP'}`,
        diagnosis: `${f.message}. Likely another program on the port, or the gateway crashing while it answers (${portSourceNote(ctx.target)}).`,
        remedy: `The gateway.port check names the program on the port. ${wrongPortRemedy(ctx.target)} If it is the gateway, read ${gatewayLogPath(ctx.target, now)}.`,
        ...m,
        details,
      };
    case 'other':
      return {
        status: 'crit',
        summary: `gateway unreachable on ${where}: ${f.message}`,
        diagnosis: `GET ${path} failed (${f.code ?? 'no error code'}) ${f.connected ? 'after' : 'before'} the connection was established.`,
        remedy: `${startGatewayRemedy(ctx.target, now)}`,
        ...m,
        details,
      };
  }
}

/** /healthz answered, but not with OpenClaw's JSON: another program, or the wrong port. */
function notOpenclaw(ctx: CheckContext, path: string, answer: HttpProbeAnswer): CheckResult {
  const where = formatHostPort(ctx.target.host, ctx.target.port);
  const what = describeBody(answer);
  return {
    status: 'crit',
    summary: `${where} is not OpenClaw: ${path} answered HTTP ${answer.statusCode} with ${what}, not OpenClaw's JSON`,
    diagnosis:
      `OpenClaw answers ${path} with {"ok":true,"status":"live"}; this answer is ${what} (${answer.contentType || 'no content type'}). ` +
      `Likely another program holds the port, or this is the wrong port (${portSourceNote(ctx.target)}).`,
    remedy:
      'The gateway.port check names the program on the port: stop it, or move one of the two to another port. ' + wrongPortRemedy(ctx.target),
    metrics: { latencyMs: answer.latencyMs },
    details: { path, statusCode: answer.statusCode, contentType: answer.contentType, bodyStart: snippet(answer.body, ctx.target.token) },
  };
}

/** /healthz is OpenClaw's but /startupz or /readyz is not: an older OpenClaw, or a proxy that only forwards some paths. */
function partialSurface(ctx: CheckContext, path: string, answer: HttpProbeAnswer, metrics: Record<string, number>): CheckResult {
  const what = describeBody(answer);
  return {
    status: 'warn',
    summary: `gateway live, but ${path} answered HTTP ${answer.statusCode} with ${what}, not OpenClaw's JSON`,
    diagnosis: `/healthz answers like OpenClaw but ${path} does not: an OpenClaw older than the probe endpoints, or a proxy that only forwards some paths.`,
    remedy: 'Check the version with `openclaw --version` (2026.9.x serves /healthz, /startupz and /readyz) and update with `openclaw update`, or fix the proxy.',
    metrics,
    details: { path, statusCode: answer.statusCode, contentType: answer.contentType, bodyStart: snippet(answer.body, ctx.target.token) },
  };
}
