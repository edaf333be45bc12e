import * as z from 'zod';
import type { Check, CheckContext, CheckResult } from '../src/contracts.ts';
import {
  describeBody,
  formatHostPort,
  httpProbe,
  type HttpProbeAnswer,
  type HttpProbeFailure,
} from '../src/platform/http-probe.ts';
import { isLoopbackHost } from '../src/platform/net.ts';
import { CAPABILITIES, lacksText, supports } from '../src/platform/openclaw-capabilities.ts';
import { isOlder } from '../src/platform/openclaw-version.ts';
import {
  versionDetails,
  versionLabel,
  versionsFor,
  type GatewayObservation,
  type OpenclawVersions,
  type ProbeSurface,
  type VersionReading,
} from '../src/platform/openclaw-version-cache.ts';
import { formatDuration } from '../src/util/duration.ts';
import { gatewayLogPath, hungGatewaySteps, portSourceNote, remedyOf, startGatewayRemedy, startGatewaySteps, wrongPortRemedy, wrongPortStep } from './gateway-advice.ts';
import { shellQuote, snippet } from './quote.ts';
import {
  isControlUiPage,
  parseHealthz,
  parseReadyz,
  parseStartupz,
  startupFromReadyz,
  type ReadyzBody,
  type StartupzBody,
} from '../src/platform/gateway-endpoints.ts';

// Moved to src/platform/gateway-endpoints.ts (recovery's verification reads the same bodies); kept here for importers.
export { isControlUiPage, parseHealthz, type HealthzBody, type ReadyzBody, type StartupzBody } from '../src/platform/gateway-endpoints.ts';

export const gatewayHttpOptionsSchema = z.strictObject({
  /** Per-request deadline; capped so that the check's two request rounds fit in its timeout. */
  requestTimeoutMs: z.number().int().positive().max(600_000).default(3_000),
  /** How long (by the uptime the gateway reports) "starting" is normal. A cold start took ~18 s here. */
  startupGraceMs: z.number().int().nonnegative().max(86_400_000).default(120_000),
});
export type GatewayHttpOptions = z.output<typeof gatewayHttpOptionsSchema>;

const MAX_BODY_BYTES = 64 * 1024;
/** Kept out of the check's deadline for building the result. */
const DEADLINE_MARGIN_MS = 200;

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

  const versions = versionsFor(ctx);
  const healthz = await get('/healthz');
  if (!healthz.ok) return unreachable(ctx, '/healthz', healthz, requestTimeoutMs);
  const live = parseHealthz(healthz);
  if (!live) {
    // An OpenClaw older than the JSON probe endpoints answers /healthz with its Control UI page: alive, not a stranger.
    if (isControlUiPage(healthz)) return withoutProbes(ctx, versions, healthz);
    return notOpenclaw(ctx, '/healthz', healthz);
  }
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
  // /readyz is always judged: a failing channel must never hide behind a finding about another endpoint.
  const ready = parseReadyz(readyAnswer);
  if (!ready) return partialSurface(ctx, '/readyz', readyAnswer, metrics);
  const startup = parseStartupz(startupAnswer);
  const surface: ProbeSurface = startup ? 'full' : 'no-startupz';
  const previous = versions.recordGateway({ surface, ...(startup?.version ? { version: startup.version } : {}), at: ctx.now() });
  const reading = await versions.gatewayVersion(ctx.signal);
  const statusCodes = { startupz: startupAnswer.statusCode, readyz: readyAnswer.statusCode };

  // No /startupz (OpenClaw before 2026.8.2 answers it with its Control UI page): readiness from /readyz alone.
  const s: Surfaces = startup
    ? { startup, ready, statusCodes, derived: false, reading }
    : { startup: startupFromReadyz(ready), ready, statusCodes, derived: true, reading };
  const result = judge(ctx, options, s, metrics);
  const strayStartupz = !startup && !isControlUiPage(startupAnswer);
  return withChangeNotes(result, previous, { surface, version: startup?.version }, strayStartupz ? startupAnswer : undefined);
}

interface Surfaces {
  startup: StartupzBody;
  ready: ReadyzBody;
  statusCodes: { startupz: number; readyz: number };
  /** True when the gateway has no /startupz and `startup` was read off /readyz. */
  derived: boolean;
  reading: VersionReading;
}

/** "v2026.9.6", or for a gateway without /startupz what the CLI says and whether the gateway can be that release. */
function gatewayVersionText(s: Surfaces): string {
  const label = versionLabel(s.reading);
  if (!s.derived || !s.reading.version) return label;
  // The installed CLI is new enough to have /startupz, the gateway is not: it still runs an older release.
  return supports('startupz', s.reading.version) === 'yes'
    ? `an older release than the installed CLI's v${s.reading.version.text}: no /startupz`
    : label;
}

function judge(ctx: CheckContext, options: GatewayHttpOptions, s: Surfaces, metrics: Record<string, number>): CheckResult {
  const { startup, ready } = s;
  const uptimeMs = startup.uptimeMs ?? ready.uptimeMs;
  if (uptimeMs !== undefined) metrics.uptimeMs = uptimeMs;
  if (ready.eventLoop?.delayP99Ms !== undefined) metrics.eventLoopDelayP99Ms = ready.eventLoop.delayP99Ms;
  if (ready.eventLoop?.utilization !== undefined) metrics.eventLoopUtilization = ready.eventLoop.utilization;

  const failing = ready.failing ?? [];
  const version = gatewayVersionText(s);
  const up = uptimeMs === undefined ? 'uptime unknown' : `up ${formatDuration(uptimeMs)}`;
  const details = {
    ...(s.derived ? {} : { startupz: startup }),
    readyz: ready,
    statusCodes: s.statusCodes,
    probes: s.derived ? 'no-startupz' : 'full',
    openclaw: versionDetails(s.reading),
  };
  const log = gatewayLogPath(ctx.target, ctx.now());
  const base = { metrics, details };
  // What the startup state was read from, for the diagnoses below.
  const says = (what: string) => (s.derived ? `/readyz (this gateway has no /startupz) says ${what}` : `/startupz says ${what}`);

  if (startup.status === 'draining' || failing.includes('gateway-draining')) {
    return {
      status: 'warn',
      summary: 'gateway draining: shutting down or restarting',
      diagnosis: `${says(`"${startup.status}"`)} and /readyz fails [${failing.join(', ')}] (${version}, ${up}): it finishes active work before it stops or restarts in place.`,
      remedy:
        'Usually over within seconds. If it stays draining, active work is holding the drain (the shutdown budget is up to 315 s): ' +
        // --force on restart is only known on releases with /startupz; an older one would reject the whole command.
        `see ${log}.${s.derived ? '' : ' To cut it short: `openclaw gateway restart --json --force`.'}`,
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
        diagnosis: `${says('"starting"')} without uptimeMs, so the startup grace period cannot be judged.`,
        remedy: `If it stays so, read ${log} for the step it waits on, then \`openclaw gateway restart --json\`.`,
        ...base,
      };
    }
    if (uptimeMs > options.startupGraceMs) {
      const secs = Math.round(uptimeMs / 1000);
      return {
        status: 'crit',
        summary: `gateway stuck starting for ${secs}s (waiting for ${pending})`,
        headline: `OpenClaw gateway stuck starting (${secs}s, waiting for ${pending})`,
        diagnosis:
          `${says(`"starting" (pendingReason ${pending})`)} after ${secs}s of uptime, past the ${formatDuration(options.startupGraceMs)} grace period; ` +
          `/readyz fails [${failing.join(', ')}] (${version}). A normal cold start takes 10-20 s.`,
        remedy:
          `Read ${log} for the startup step that never finishes (sidecars, plugins, agent databases), ` +
          `check the config with ${cliHints(s.reading)}, then \`openclaw gateway restart --json\`.`,
        ...base,
      };
    }
    if (otherFailing.length > 0) {
      return {
        status: 'warn',
        summary: `gateway starting (${up}); not ready: failing ${otherFailing.join(', ')}`,
        diagnosis: `Still in its ${formatDuration(options.startupGraceMs)} startup grace period, but /readyz also fails entries that are not part of startup: ${otherFailing.join(', ')}.`,
        remedy: failingRemedy(otherFailing, log, s.reading),
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
      headline: `OpenClaw gateway not ready: ${failing.length > 0 ? `${failing.join(', ')} failing` : 'no reason given'}`,
      diagnosis: `/healthz is live${s.derived ? '' : ` and /startupz says "${startup.status}"`}, but /readyz answered ${s.statusCodes.readyz} ready=${ready.ready} (${what}; ${version}, ${up}).${pluginReloadNote(ready)}`,
      remedy: failing.length > 0 ? failingRemedy(failing, log, s.reading) : `Read ${log} around now, and \`openclaw channels status --probe --json\`.`,
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
  if (s.derived) {
    return { status: 'ok', summary: `gateway live and ready, by /readyz alone (${version}, ${up}${degraded}; no /startupz before OpenClaw ${CAPABILITIES.startupz.since.text})`, metrics, details };
  }
  return { status: 'ok', summary: `gateway live, started and ready (${version}, ${up}${degraded})`, metrics, details };
}

const SURFACE_RANK: Record<ProbeSurface, number> = { none: 0, 'no-startupz': 1, full: 2 };
const SURFACE_WORDS: Record<ProbeSurface, string> = {
  none: 'no JSON probe endpoints',
  'no-startupz': '/healthz and /readyz without /startupz',
  full: '/healthz, /startupz and /readyz',
};

/**
 * Notes what changed since the last run of this agent: endpoints that appeared (an upgrade in place) are
 * noted; endpoints that vanished (a downgrade, or a proxy that changed) make the result at least WARN,
 * never CRIT: the gateway still answers, only less is known about it.
 */
function withChangeNotes(
  result: CheckResult,
  previous: GatewayObservation | undefined,
  now: { surface: ProbeSurface; version: string | undefined },
  strayStartupz: HttpProbeAnswer | undefined,
): CheckResult {
  // Each note: a few words for the summary, the whole story for the diagnosis, and whether it lowers an OK to WARN.
  const notes: Array<{ title: string; text: string; warn: boolean }> = [];
  if (previous && SURFACE_RANK[now.surface] < SURFACE_RANK[previous.surface]) {
    notes.push({
      title: 'probe endpoints changed since the last run',
      text:
        `${SURFACE_WORDS[previous.surface]}${previous.version ? ` (v${previous.version})` : ''} then, ${SURFACE_WORDS[now.surface]} now: ` +
        'the gateway was replaced in place by an older OpenClaw, or a proxy in front of it changed',
      warn: true,
    });
  } else if (previous && SURFACE_RANK[now.surface] > SURFACE_RANK[previous.surface]) {
    notes.push({
      title: `probe endpoints changed since the last run (${SURFACE_WORDS[previous.surface]} then)`,
      text: `${SURFACE_WORDS[now.surface]} now: upgraded in place`,
      warn: false,
    });
  } else if (previous?.version && now.version && previous.version !== now.version) {
    notes.push({ title: `version changed since the last run (v${previous.version} then)`, text: `v${previous.version} then, v${now.version} now`, warn: false });
  }
  if (strayStartupz) {
    notes.push({
      title: `/startupz answers ${describeBody(strayStartupz)}`,
      text:
        `/startupz answered HTTP ${strayStartupz.statusCode} with ${describeBody(strayStartupz)}, neither OpenClaw's JSON nor its Control UI page ` +
        '(a proxy that forwards only some paths?); readiness was judged from /readyz alone',
      warn: true,
    });
  }
  const first = notes[0];
  if (!first) return result;
  const story = notes.map((n) => `${n.title}: ${n.text}`).join('; ');
  const warn = notes.some((n) => n.warn) && result.status === 'ok';
  return {
    ...result,
    status: warn ? 'warn' : result.status,
    summary: warn ? `gateway answers, but ${first.title}` : `${result.summary} [${first.title}]`,
    diagnosis: result.diagnosis ? `${result.diagnosis} Also: ${story}.` : `${result.summary}. ${story}.`,
    ...(warn && !result.remedy
      ? { remedy: 'Check what runs: `openclaw --version` and `openclaw gateway status --json`. If the change was not intended, install the intended release and restart the gateway.' }
      : {}),
  };
}

/**
 * /healthz answered with OpenClaw's Control UI page: an OpenClaw older than the JSON probe endpoints
 * (2026.1.x), alive but unable to say whether it is ready. Never a port conflict.
 */
async function withoutProbes(ctx: CheckContext, versions: OpenclawVersions, healthz: HttpProbeAnswer): Promise<CheckResult> {
  const where = formatHostPort(ctx.target.host, ctx.target.port);
  const previous = versions.recordGateway({ surface: 'none', at: ctx.now() });
  const reading = await versions.cliVersion(ctx.signal);
  const since = CAPABILITIES.jsonProbes.since.text;
  const metrics = { latencyMs: healthz.latencyMs };
  const details = {
    path: '/healthz',
    statusCode: healthz.statusCode,
    contentType: healthz.contentType,
    probes: 'none',
    openclaw: versionDetails(reading),
  };
  const upgrade =
    `Upgrade OpenClaw to ${since} or newer (\`openclaw update\`, or \`npm install -g openclaw@latest\`) for readiness probes; ` +
    'until then gateway.port watches the process, and a gateway that stops answering is still reported.';

  if (previous && previous.surface !== 'none') {
    return {
      status: 'warn',
      summary: `gateway answers, but its probe endpoints changed: /healthz now answers OpenClaw's Control UI page, not the JSON of the last run`,
      diagnosis:
        `${where} answered ${SURFACE_WORDS[previous.surface]}${previous.version ? ` (v${previous.version})` : ''} on the last run; now /healthz gives the Control UI page (HTTP 200 HTML). ` +
        `The gateway was replaced in place by an OpenClaw older than ${since} (installed CLI: ${versionLabel(reading)}), or a proxy in front of it now sends /healthz elsewhere. ` +
        'It is alive (it answers HTTP); its readiness cannot be checked.',
      remedy: 'Check what runs: `openclaw --version` and `openclaw gateway status --json`. If the change was not intended, install the intended release and restart the gateway.',
      metrics,
      details,
    };
  }
  if (reading.version && isOlder(reading.version, CAPABILITIES.jsonProbes.since)) {
    return {
      status: 'ok',
      summary: `gateway alive (OpenClaw's Control UI answers on ${where}); readiness not checked: ${lacksText('jsonProbes', reading.version)}`,
      diagnosis: `Every path of this gateway, /healthz and /readyz included, answers with the Control UI page (HTTP 200 HTML), as OpenClaw before ${since} does.`,
      remedy: upgrade,
      metrics,
      details,
    };
  }
  if (reading.version && supports('jsonProbes', reading.version) === 'yes') {
    return {
      status: 'warn',
      summary: `gateway alive, but /healthz answers with OpenClaw's Control UI page although the installed OpenClaw ${reading.version.text} serves JSON probes`,
      diagnosis:
        `${where} answers /healthz with the Control UI page (HTTP 200 HTML), as OpenClaw before ${since} does, but the installed CLI is ${reading.version.text}: ` +
        'the running gateway is an older release (upgraded without a restart?), or a proxy in front of it sends /healthz elsewhere. Its readiness cannot be checked.',
      remedy:
        'Restart the gateway so it runs the installed release (`openclaw gateway restart --json`, or its service); ' +
        'if a proxy fronts it, make it forward /healthz, /startupz and /readyz unchanged.',
      metrics,
      details,
    };
  }
  return {
    status: 'warn',
    summary: `gateway alive (OpenClaw's Control UI answers on ${where}), readiness not checked: no JSON probe endpoints, and the OpenClaw version is unknown`,
    diagnosis:
      `/healthz answers with the Control UI page, as OpenClaw before ${since} does; which release this is could not be read (${reading.note ?? 'no version found'}), ` +
      'so clawmedic cannot tell an old gateway from one whose probes are misrouted.',
    remedy: `Check \`openclaw --version\` as the gateway's user (or set openclaw.bin in clawmedic's config). ${upgrade}`,
    metrics,
    details,
  };
}

function pluginReloadNote(ready: ReadyzBody): string {
  const pr = ready.pluginReload as { pluginIds?: unknown; phase?: unknown; reason?: unknown } | undefined;
  if (!pr || typeof pr !== 'object') return '';
  const ids = Array.isArray(pr.pluginIds) ? pr.pluginIds.filter((x) => typeof x === 'string').join(', ') : '?';
  return ` Plugin reload: phase ${String(pr.phase ?? '?')} for ${ids}${typeof pr.reason === 'string' ? ` (${pr.reason})` : ''}.`;
}

/** The read-only diagnosis commands this release has: `doctor --lint` only from 2026.6.11, and never plain doctor. */
function doctorHint(reading: VersionReading): string {
  return supports('doctorLint', reading.version) === 'no'
    ? `\`openclaw doctor --non-interactive\` (${reading.version?.text ?? 'this release'} has no read-only --lint; it may apply safe migrations)`
    : '`openclaw doctor --lint --json`';
}

function cliHints(reading: VersionReading): string {
  return supports('configValidateJson', reading.version) === 'no' ? doctorHint(reading) : `\`openclaw config validate --json\` and ${doctorHint(reading)}`;
}

/** Concrete advice per failing[] entry (REFERENCE.md 1.2 lists the values), in commands the release has. */
function failingRemedy(failing: string[], log: string, reading: VersionReading): string {
  const out: string[] = [];
  const channels: string[] = [];
  for (const f of failing) {
    if (f === 'plugin-reload') {
      out.push('plugin-reload: a plugin reload is pending or failed (see pluginReload in /readyz and plugin errors in the log); `openclaw gateway restart --json` reloads all plugins.');
    } else if (f.startsWith('agent-database:')) {
      out.push(`${f}: that agent's database did not open; run ${doctorHint(reading)} and read the log. Do not delete state/*.sqlite while the gateway runs.`);
    } else if (f === 'state-database') {
      out.push(`state-database: the gateway state database is unavailable; check disk space and permissions of the state dir, then ${doctorHint(reading)}.`);
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
      // The channel id comes from the gateway: quoted for the shell, so a hostile one pasted stays an argument.
      `Channel ${channels.join(', ')}: \`openclaw channels status --probe --json\` and \`openclaw channels logs --channel ${shellQuote(first)} --lines 50 --json\` show the account error ` +
        '(credentials, network, rate limits). The gateway restarts unhealthy channels itself (at most 10 per hour); ' +
        `if autostart was suppressed by its crash-loop breaker, start it by hand: \`openclaw gateway call channels.start --params ${shellQuote(JSON.stringify({ channel: first }))}\`.`,
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
        headline: `OpenClaw gateway down (connection refused on ${where})`,
        diagnosis: `Nothing accepts connections on ${where} (${portSourceNote(ctx.target)}): the gateway is not running, or listens on another port.`,
        ...remedyOf([...startGatewaySteps(ctx.target, now), wrongPortStep(ctx.target)]),
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
        headline: `OpenClaw gateway hung (${path} unanswered for ${formatDuration(timeoutMs)})`,
        diagnosis:
          `The process that holds ${where} does not answer HTTP: it is stopped (SIGSTOP), its event loop is blocked, or it is overloaded${later}. ` +
          'The gateway.port check names the process and its state.',
        ...remedyOf(hungGatewaySteps(ctx.target, now)),
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
    remedy:
      `Check the version with \`openclaw --version\` (OpenClaw ${CAPABILITIES.jsonProbes.since.text} and newer serve JSON /healthz and /readyz, ` +
      `${CAPABILITIES.startupz.since.text} and newer /startupz too) and update with \`openclaw update\`, or fix the proxy.`,
    metrics,
    details: { path, statusCode: answer.statusCode, contentType: answer.contentType, bodyStart: snippet(answer.body, ctx.target.token) },
  };
}
