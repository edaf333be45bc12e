import * as z from 'zod';
import type { Check, CheckContext, CheckResult, GatewayTarget } from '../src/contracts.ts';
import {
  describeBody,
  formatHostPort,
  httpProbe,
  type HttpProbeFailure,
  type HttpProbeOutcome,
  type ProbeFailureKind,
} from '../src/platform/http-probe.ts';
import { isLoopbackHost } from '../src/platform/net.ts';
import { ownerRole } from '../src/platform/openclaw-process.ts';
import { locateGateway } from '../src/recovery/gateway-process.ts';
import { findPortOwner, processLabel, processName, type PortOwnerLookup, type ProcessInfo } from '../src/platform/port-owner.ts';
import { redactPatterns } from '../src/util/redact.ts';
import { clip } from '../src/util/text.ts';
import { gatewayLogPath, hungGatewaySteps, portSourceNote, remedyOf, startGatewayRemedy, startGatewaySteps, wrongPortRemedy, wrongPortStep } from './gateway-advice.ts';
import { openclawEvidence, ownerStartTicks, remember, type OpenclawEvidence } from './port-owner-identity.ts';
import { describeExitReasons, findExitReasons } from './exit-reasons.ts';
import { isControlUiPage, parseHealthz } from './gateway-http.ts';
import { maskToken, snippet } from './quote.ts';

export const gatewayPortOptionsSchema = z.strictObject({
  /** How long the minimal GET /healthz may go unanswered after connect before the listener counts as hung. */
  requestTimeoutMs: z.number().int().positive().max(600_000).default(3_000),
});

const DEADLINE_MARGIN_MS = 200;
const MAX_BODY_BYTES = 16 * 1024;

export const gatewayPortCheck: Check = {
  id: 'gateway.port',
  title: 'Gateway port and listener',
  defaults: { schedule: '30s', timeoutMs: 8_000, options: { requestTimeoutMs: 3_000 } },
  optionsSchema: gatewayPortOptionsSchema,
  // A gateway with an invalid openclaw.json exits 78 at every start: then the config is the alert.
  explainedBy: ['config'],
  run: runGatewayPort,
};

async function runGatewayPort(ctx: CheckContext): Promise<CheckResult> {
  const parsed = gatewayPortOptionsSchema.safeParse(ctx.options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { status: 'unknown', summary: `invalid option ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}` };
  }
  const { host, port } = ctx.target;
  const where = formatHostPort(host, port);
  if (!isLoopbackHost(host)) {
    return { status: 'unknown', summary: `refusing to probe ${where}: clawmedic only probes loopback addresses` };
  }
  const timeoutMs = Math.max(50, Math.min(parsed.data.requestTimeoutMs, ctx.timeoutMs - DEADLINE_MARGIN_MS));

  // Both at once: the /proc scan costs nothing to the probe, and a hung listener's owner is what we need then.
  const [probe, lookup] = await Promise.all([
    httpProbe({ host, port, path: '/healthz', timeoutMs, signal: ctx.signal, maxBodyBytes: MAX_BODY_BYTES }),
    findPortOwner(port, { host, signal: ctx.signal }).catch(
      (err: unknown): PortOwnerLookup => ({ kind: 'unsupported', reason: `listener lookup failed: ${(err as Error).message}` }),
    ),
  ]);
  if (ctx.signal.aborted || (!probe.ok && probe.kind === 'aborted')) {
    return { status: 'unknown', summary: `check aborted while probing ${where}` };
  }
  const owner = lookup.kind === 'found' ? lookup.owner : undefined;
  const startTicks = await ownerStartTicks(owner);
  // Only asked for when it matters: a process whose name does not say OpenClaw, and no OpenClaw answer now.
  const evidence = owner && ownerRole(owner) === 'other' && !answersAsOpenclaw(probe) ? await openclawEvidence(ctx.memory, ctx.target, owner, startTicks) : undefined;
  const result = judge(ctx, probe, lookup, timeoutMs, evidence);
  if (owner) rememberOpenclaw(ctx, owner, startTicks, probe);
  if (probe.ok || probe.kind !== 'refused') return result;
  return withExitReason(ctx, await withWedge(ctx, result, lookup));
}

/**
 * Refused, but a gateway process of this install is alive (found by its state lock, or a command line or
 * environment naming this port or state dir): its listener is gone and it will not come back by itself.
 */
async function withWedge(ctx: CheckContext, down: CheckResult, lookup: PortOwnerLookup): Promise<CheckResult> {
  const location = await locateGateway(ctx.target, { signal: ctx.signal, lookup }).catch(() => undefined);
  const p = location?.processes.find((x) => x.pid === location.wedged?.pid);
  if (!location || !p) return down;
  const { target } = ctx;
  const where = formatHostPort(target.host, target.port);
  const found = p.foundBy.includes('state-lock') && p.lockFile ? `its state lock ${p.lockFile}` : `its ${p.foundBy.join(' and ')}`;
  const others = location.processes.length > 1 ? ` (and ${location.processes.length - 1} more gateway process(es) of this install)` : '';
  return {
    ...down,
    summary: `${processName(p)} pid ${p.pid} is alive but nothing listens on ${where} (gateway wedged)`,
    diagnosis:
      `Connection refused on ${where}, yet ${processLabel(p)} of this OpenClaw install (state dir ${target.openclawStateDir}, found by ${found}) ` +
      `is alive, ${p.stateName} (state ${p.state})${others}${p.otherPort !== undefined ? `; it was started for port ${p.otherPort}` : ''}. ` +
      'Its listener is gone while the process lives on: such a gateway does not recover by itself (seen on 2026.7.x). ' +
      `An in-place restart also closes the listener for ~8 s, so a wedge that outlasts that is real. ${capitalize(portSourceNote(target))}.`,
    remedy:
      `Restart it: \`kill -TERM ${p.pid}\` (\`kill -KILL ${p.pid}\` if it is still there after ~10 s; under a service, restart the service instead), ` +
      `then start it again (\`openclaw gateway start\` under a service, or \`openclaw gateway run --bind loopback --port ${target.port}\`). ` +
      `Look at the last lines of ${gatewayLogPath(target, ctx.now())} for what it was doing.`,
    details: {
      ...(down.details as Record<string, unknown> | undefined),
      wedged: { pid: p.pid },
      processes: location.processes.map((x) => ({ pid: x.pid, name: processName(x), state: x.state, foundBy: x.foundBy })),
    },
  };
}

/**
 * Remembers the owner as OpenClaw's when its name says so, or when it answered as OpenClaw under another
 * title. A forwarder answering for a gateway behind it is not OpenClaw itself.
 */
function rememberOpenclaw(ctx: CheckContext, owner: ProcessInfo, startTicks: number | undefined, probe: HttpProbeOutcome): void {
  const role = ownerRole(owner);
  const by = role === 'openclaw' ? 'name' : role === 'other' && answersAsOpenclaw(probe) ? 'answer' : undefined;
  if (by) remember(ctx.memory, owner, startTicks, by, ctx.now(), processName(owner));
}

function answersAsOpenclaw(probe: HttpProbeOutcome): boolean {
  return probe.ok && (parseHealthz(probe) !== undefined || isControlUiPage(probe));
}

/** A log line older than this is quoted with its time: it may be from before this outage, or another gateway's. */
const OLD_EXIT_REASON_MS = 5 * 60_000;

/** How far back the log is searched when this check has never seen the gateway up. */
const EXIT_REASON_LOOKBACK_MS = 3_600_000;

/**
 * A gateway that is down usually said why in its own log (Gateway failed to start, EADDRINUSE with the
 * holder, an uncaught exception, an invalid config): the down result quotes it. Only the log tail is
 * read (64 KiB, no command run), and only lines since the gateway was last seen up.
 */
async function withExitReason(ctx: CheckContext, result: CheckResult): Promise<CheckResult> {
  const now = ctx.now();
  const lastUp = [...ctx.history].reverse().find((e) => e.status === 'ok')?.at;
  const since = Math.max(lastUp ?? 0, now - EXIT_REASON_LOOKBACK_MS);
  const report = await findExitReasons({
    logPaths: [gatewayLogPath(ctx.target, now)],
    stateDir: ctx.target.openclawStateDir,
    since,
    pids: [],
    tailBytes: 64 * 1024,
    runTools: false,
    exec: ctx.exec,
    signal: ctx.signal,
    commandTimeoutMs: 1_000,
    ...(ctx.target.token ? { token: ctx.target.token } : {}),
  });
  // A stop someone asked for (SIGTERM, `gateway restart`) is not why a gateway stays down.
  const telling = report.reasons.filter((r) => r.kind !== 'signal' && r.kind !== 'requested');
  const top = telling[0];
  if (!top) return result;
  // /tmp/openclaw is shared by every gateway of the host and its lines carry no pid or port: an old line
  // may be another gateway's, so it keeps its time for the reader to judge; a fresh one reads as the cause.
  const old = top.at !== undefined && now - top.at > OLD_EXIT_REASON_MS;
  return {
    ...result,
    summary: `${result.summary}; its log${old ? ` at ${new Date(top.at!).toISOString().replace(/\.\d+Z$/, 'Z')}` : ''}: ${clip(top.text.replace(/^\S+Z\s+/, ''), 160)}`,
    diagnosis: `${result.diagnosis ?? ''} The gateway's log says why it stopped: ${describeExitReasons({ reasons: telling, looked: report.looked })}.`.trim(),
    details: { ...(result.details as Record<string, unknown> | undefined), exitReasons: telling },
  };
}

function judge(ctx: CheckContext, probe: HttpProbeOutcome, lookup: PortOwnerLookup, timeoutMs: number, evidence: OpenclawEvidence | undefined): CheckResult {
  const target = ctx.target;
  const where = formatHostPort(target.host, target.port);
  const now = ctx.now();
  const metrics = probe.connectMs !== undefined ? { connectMs: probe.connectMs } : undefined;
  const owner = lookup.kind === 'found' ? lookup.owner : undefined;
  const role = owner ? ownerRole(owner) : undefined;
  // OpenClaw's under a title that does not say so (the same process was seen as OpenClaw before, or it holds
  // this install's state lock): when it fails now it is the gateway failing (stopped, hung), not a stranger.
  const seenAs = role === 'other' ? evidence : undefined;
  const details = {
    probe: probe.ok
      ? { answered: true, statusCode: probe.statusCode, contentType: probe.contentType, latencyMs: probe.latencyMs }
      : { answered: false, kind: probe.kind, code: probe.code, connected: probe.connected, latencyMs: probe.latencyMs },
    ...(owner && role ? { owner: { ...ownerDetails(owner, target), role, ...(seenAs ? { openclawBy: evidenceDetails(seenAs) } : {}) } } : {}),
    ownerLookup: lookup.kind === 'found' ? 'found' : lookup.kind,
    ...(lookup.kind === 'owner-unknown' || lookup.kind === 'unsupported' ? { ownerLookupReason: lookup.reason } : {}),
    ...(lookup.kind === 'found' || lookup.kind === 'owner-unknown'
      ? { listeners: lookup.sockets.map((s) => `${formatHostPort(s.address, s.port)} inode ${s.inode}`) }
      : {}),
  };
  const withMetrics = metrics ? { metrics } : {};

  if (!probe.ok && probe.kind === 'refused') {
    return {
      status: 'crit',
      summary: `nothing listening on ${where} (gateway down)`,
      headline: `OpenClaw gateway down (nothing listening on ${where})`,
      cause: 'gateway',
      diagnosis: `Connection refused on ${where}; ${portSourceNote(target)}.`,
      ...remedyOf([...startGatewaySteps(target, now), wrongPortStep(target)]),
      details,
    };
  }

  // OpenClaw's answer settles it, whoever holds the socket: docker-proxy, rootless podman's forwarder, a
  // supervisor or any wrapper in front of a gateway is not a conflict.
  if (probe.ok && parseHealthz(probe)) {
    const summary = !owner
      ? `${where} answers as OpenClaw (${ownerUnknownNote(lookup)})`
      : role === 'openclaw'
        ? `${where} held by ${processName(owner)} (pid ${owner.pid})`
        : `${where} answered by OpenClaw via ${processLabel(owner)}`;
    return { status: 'ok', summary, ...withMetrics, details };
  }

  // OpenClaw older than the JSON probe endpoints (2026.1.x) answers /healthz with its Control UI page: it is
  // OpenClaw and it answers, whoever holds the socket. Readiness is gateway.http's to say.
  if (probe.ok && isControlUiPage(probe)) {
    const via = !owner ? ` (${ownerUnknownNote(lookup)})` : role === 'openclaw' ? '' : ` via ${processLabel(owner)}`;
    const who = owner && role === 'openclaw' ? `${where} held by ${processName(owner)} (pid ${owner.pid})` : `${where} answered by OpenClaw${via}`;
    return {
      status: 'ok',
      summary: `${who}; its /healthz is the Control UI page (an OpenClaw without JSON probe endpoints)`,
      ...withMetrics,
      details: { ...details, probes: 'none' },
    };
  }

  const timedOut = !probe.ok && (probe.kind === 'timeout-after-connect' || probe.kind === 'timeout-connect');
  // OpenClaw's own process answering something OpenClaw never says: not a port conflict, and not a
  // process to kill on clawmedic's word.
  if (owner && (role === 'openclaw' || seenAs) && !timedOut) {
    return openclawOddAnswer(target, now, owner, probe, withMetrics, details);
  }

  // An owner that is neither OpenClaw nor a forwarder, and does not answer like OpenClaw: another program.
  if (owner && role === 'other' && !seenAs) {
    const answer = probe.ok ? `its /healthz answer is ${describeBody(probe)}` : `it ${failureInWords(probe.kind)}`;
    const wrapper = probe.ok
      ? ''
      : ' If it is a wrapper or proxy in front of a gateway, that gateway does not answer: restart it where it runs.';
    const stopped = isStopped(owner)
      ? ` It is ${owner.stateName} (state ${owner.state}), so it holds the port without answering anything. Nothing shows it is OpenClaw's ` +
        `(not seen answering as OpenClaw, no state lock of this install), but if it is a gateway under another title, \`kill -CONT ${owner.pid}\` resumes it.`
      : '';
    return {
      status: 'crit',
      summary: `port conflict: ${where} held by ${processLabel(owner)}${isStopped(owner) ? `, ${owner.stateName} (state ${owner.state})` : ''}, not OpenClaw`,
      headline: `port ${target.port} taken by ${processName(owner)} (pid ${owner.pid}${isStopped(owner) ? ', stopped' : ''})`,
      cause: 'conflict',
      diagnosis: `${processLabel(owner)} listens on ${where} and is not OpenClaw: command line \`${commandLine(owner, target)}\`; ${answer}. ${capitalize(portSourceNote(target))}.${stopped}${wrapper}`,
      remedy: conflictRemedy(target, now, owner),
      ...withMetrics,
      ...(probe.ok ? { details: { ...details, bodyStart: snippet(probe.body, target.token) } } : { details }),
    };
  }

  // Accepts and never answers: OpenClaw's own process hangs, or (behind a forwarder) the gateway it forwards to.
  if (!probe.ok && timedOut) {
    return owner && role === 'forwarder'
      ? forwarderHung(target, now, owner, probe, timeoutMs, withMetrics, details)
      : hung(target, now, owner, lookup, probe, timeoutMs, withMetrics, details, seenAs);
  }

  if (owner && role === 'forwarder') {
    const answer = probe.ok ? `answers /healthz with ${describeBody(probe)}` : failureInWords(probe.kind);
    return {
      status: 'crit',
      summary: `no OpenClaw behind ${processLabel(owner)}: ${where} ${answer}`,
      cause: 'forwarder',
      diagnosis:
        `${processLabel(owner)} holds ${where} and forwards it (command line \`${commandLine(owner, target)}\`), but what answers is not OpenClaw: ${where} ${answer}` +
        `${probe.ok ? '' : ` (${probe.message})`}. A forwarder answers so when nothing listens behind it (the gateway or its container is down), ` +
        `when it forwards to the wrong port, or when another service is behind it. ${capitalize(portSourceNote(target))}.`,
      remedy: forwarderRemedy(target, now, owner, 'down'),
      ...withMetrics,
      ...(probe.ok ? { details: { ...details, bodyStart: snippet(probe.body, target.token) } } : { details }),
    };
  }

  // OpenClaw's own process, or an owner we cannot see, with an answer that is not OpenClaw's.
  const answer = probe.ok ? `answers /healthz with ${describeBody(probe)}` : `${failureInWords(probe.kind)} (${probe.message})`;
  const who = owner ? processLabel(owner) : 'the listener';
  return {
    status: 'crit',
    summary: `port conflict: ${where} ${answer}, not OpenClaw's JSON${owner ? `; held by ${processLabel(owner)}` : ''}`,
    cause: 'conflict',
    diagnosis:
      `${capitalize(who)} on ${where}${owner ? ` (command line \`${commandLine(owner, target)}\`)` : ''} ${answer}; OpenClaw answers {"ok":true,"status":"live"}. ` +
      `${owner ? '' : `${capitalize(ownerUnknownNote(lookup))}. `}${capitalize(portSourceNote(target))}.`,
    remedy: conflictRemedy(target, now, owner),
    ...withMetrics,
    ...(probe.ok ? { details: { ...details, bodyStart: snippet(probe.body, target.token) } } : { details }),
  };
}

type Details = Record<string, unknown>;
type Metrics = { metrics?: Record<string, number> };

/**
 * OpenClaw's process holds the port and answers, but not with its JSON nor its Control UI page (WARN), or
 * breaks the connection (CRIT). Its own restart is the remedy, never a kill as if it were a stranger.
 */
function openclawOddAnswer(target: GatewayTarget, now: number, owner: ProcessInfo, probe: HttpProbeOutcome, withMetrics: Metrics, details: Details): CheckResult {
  const where = formatHostPort(target.host, target.port);
  const answer = probe.ok ? `answers /healthz with ${describeBody(probe)}` : `${failureInWords(probe.kind)} (${probe.message})`;
  return {
    status: probe.ok ? 'warn' : 'crit',
    summary: `${where} held by OpenClaw's process ${processLabel(owner)}, which ${answer}, not OpenClaw's JSON`,
    cause: 'gateway',
    diagnosis:
      `${processLabel(owner)} (command line \`${commandLine(owner, target)}\`) is OpenClaw's and ${answer}. OpenClaw answers {"ok":true,"status":"live"} ` +
      '(since 2026.5.7) or, before that, its Control UI page: this release or a plugin answers in a way clawmedic does not know, or the gateway fails while it answers. ' +
      `${capitalize(portSourceNote(target))}.`,
    remedy:
      `Check the release with \`openclaw --version\` and the log ${gatewayLogPath(target, now)}; ` +
      '`openclaw gateway restart --json` (or its service) restarts it in place.',
    ...withMetrics,
    ...(probe.ok ? { details: { ...details, bodyStart: snippet(probe.body, target.token) } } : { details }),
  };
}

function timeoutInWords(probe: HttpProbeFailure, timeoutMs: number): string {
  return probe.kind === 'timeout-after-connect'
    ? `accepts connections but GET /healthz got no answer within ${timeoutMs} ms`
    : `did not complete a connect within ${timeoutMs} ms (listen queue full)`;
}

/** OpenClaw's process (or a listener whose owner we cannot see) accepts and never answers. */
function hung(
  target: GatewayTarget,
  now: number,
  owner: ProcessInfo | undefined,
  lookup: PortOwnerLookup,
  probe: HttpProbeFailure,
  timeoutMs: number,
  withMetrics: Metrics,
  details: Details,
  seenAs?: OpenclawEvidence,
): CheckResult {
  const where = formatHostPort(target.host, target.port);
  const stopped = isStopped(owner);
  const state = owner ? `; ${processLabel(owner)} is ${owner.stateName} (state ${owner.state})` : `; ${ownerUnknownNote(lookup)}`;
  const known = seenAs ? ` ${knownInWords(seenAs)}` : '';
  // Known by its answer alone, it may be a wrapper in front of the gateway rather than the gateway.
  const wrapper =
    owner && seenAs?.by === 'seen' && seenAs.how === 'answer' && !stopped
      ? ` If pid ${owner.pid} is a wrapper in front of the gateway, restart the gateway behind it instead.`
      : '';
  return {
    status: 'crit',
    summary: `gateway hung${owner && stopped ? ` (pid ${owner.pid} stopped)` : ''}: ${where} ${timeoutInWords(probe, timeoutMs)}${state}`,
    headline: `OpenClaw gateway hung (${owner ? `pid ${owner.pid} ${stopped ? 'stopped' : 'not answering'}` : `${where} not answering`})`,
    cause: 'gateway',
    diagnosis:
      `The listener on ${where} does not answer HTTP${owner ? `: ${processLabel(owner)}, command line \`${commandLine(owner, target)}\`, is ${owner.stateName} (state ${owner.state})` : ''}. ` +
      (stopped
        ? 'A stopped process keeps its socket, so the kernel still accepts connections that nobody reads.'
        : 'Its event loop is likely blocked (a long synchronous task, an infinite loop) or the host is starved.') +
      known,
    ...remedyOf(wrapper ? [...hungGatewaySteps(target, now, owner?.pid, owner?.state), { text: wrapper.trim() }] : hungGatewaySteps(target, now, owner?.pid, owner?.state)),
    ...withMetrics,
    details,
  };
}

/** A forwarder holds the port and the connection goes nowhere: the gateway behind it hangs, or the forwarder is stopped. */
function forwarderHung(
  target: GatewayTarget,
  now: number,
  owner: ProcessInfo,
  probe: HttpProbeFailure,
  timeoutMs: number,
  withMetrics: Metrics,
  details: Details,
): CheckResult {
  const where = formatHostPort(target.host, target.port);
  const stopped = isStopped(owner);
  return {
    status: 'crit',
    summary: `gateway hung: ${where} ${timeoutInWords(probe, timeoutMs)}; forwarded by ${processLabel(owner)}${stopped ? `, which is ${owner.stateName} (state ${owner.state})` : ''}`,
    cause: 'forwarder',
    diagnosis:
      `${processLabel(owner)} holds ${where} and forwards it (command line \`${commandLine(owner, target)}\`). ` +
      (stopped
        ? `It is ${owner.stateName} (state ${owner.state}): a stopped process keeps its socket, so the kernel accepts connections that are never forwarded.`
        : 'The gateway behind it takes the connection but does not answer HTTP: it is stopped, its event loop is blocked, or it is starved.'),
    remedy: stopped
      ? `\`kill -CONT ${owner.pid}\` resumes the forwarder (then find out who stopped it). ${forwarderRemedy(target, now, owner, 'hung')}`
      : forwarderRemedy(target, now, owner, 'hung'),
    ...withMetrics,
    details,
  };
}

/** What to do about the gateway behind a forwarder: the forwarder's own pid is the wrong one to kill. */
function forwarderRemedy(target: GatewayTarget, now: number, owner: ProcessInfo, how: 'hung' | 'down'): string {
  const act = how === 'hung' ? 'Restart the gateway behind it where it runs' : 'Start the gateway behind it where it runs';
  return (
    `${act}: for a container, \`docker ps -a --filter publish=${target.port}\` (podman: \`podman ps -a\`, PORTS column) names it; ` +
    `\`docker ${how === 'hung' ? 'restart' : 'start'} <container>\` and \`docker logs <container>\` show what it does. ` +
    `Outside a container, \`openclaw gateway restart --json\` where the gateway runs; its log is ${gatewayLogPath(target, now)}. ` +
    `Check that the forwarded port reaches the gateway's own gateway.port. Stopping ${processLabel(owner)} does not help: it only forwards.`
  );
}

function isStopped(p: ProcessInfo | undefined): boolean {
  return p?.state === 'T' || p?.state === 't';
}

const SECRET_FLAG = /^--?(token|password|passwd|secret|api[-_]?key|auth)$/i;
// The same flags with their value in one argument (--token=...), or in a title a process gave itself.
const SECRET_FLAG_VALUE = /(^|\s)(--?(?:token|password|passwd|secret|api[-_]?key|auth))(=|\s+)\S+/gi;
const MAX_COMMAND_CHARS = 300;

/**
 * The owner's command line for people: no value after --token/--password and the like, and the gateway
 * token masked before the line is cut (a token cut in half would escape the runner's Redactor).
 */
function commandLine(p: ProcessInfo, target: GatewayTarget): string {
  const args = p.cmdline.map((arg, i) => (i > 0 && SECRET_FLAG.test(p.cmdline[i - 1] ?? '') ? '***' : arg));
  const text = (args.join(' ') || `[${p.comm}]`).replace(SECRET_FLAG_VALUE, '$1$2$3***');
  return clip(redactPatterns(maskToken(text, target.token)), MAX_COMMAND_CHARS);
}

/** Why a process whose name does not say OpenClaw is taken for the gateway. */
function knownInWords(e: OpenclawEvidence): string {
  if (e.by === 'state-lock') return `It is this install's gateway under a title that does not say OpenClaw: it holds OpenClaw's state lock ${e.lockFile} (same pid and start time).`;
  return e.how === 'answer'
    ? 'It answered /healthz as OpenClaw on an earlier run (the same process: same pid and start time), though its name does not say OpenClaw: ' +
        'the gateway under another title, or a wrapper in front of it.'
    : `It was OpenClaw's gateway by its name (${e.name}) on an earlier run, and is the same process (same pid and start time) under another title now.`;
}

function evidenceDetails(e: OpenclawEvidence) {
  return e.by === 'seen' ? { by: `seen by its ${e.how}`, since: new Date(e.since).toISOString() } : { by: e.by, lockFile: e.lockFile };
}

function ownerDetails(p: ProcessInfo, target: GatewayTarget) {
  return { pid: p.pid, name: processName(p), comm: p.comm, commandLine: commandLine(p, target), state: p.state, stateName: p.stateName };
}

/** Why the listener's process is not named (empty when it is). */
function ownerUnknownNote(lookup: PortOwnerLookup): string {
  switch (lookup.kind) {
    case 'found':
      return '';
    case 'no-listener':
      return 'owner unknown: no LISTEN socket for it in /proc (another network namespace?)';
    case 'owner-unknown':
    case 'unsupported':
      return `owner unknown: ${lookup.reason}`;
  }
}

function failureInWords(kind: ProbeFailureKind): string {
  switch (kind) {
    case 'timeout-after-connect':
      return 'accepts connections but does not answer HTTP';
    case 'timeout-connect':
      return 'does not complete connects';
    case 'reset':
      return 'closes the connection without an HTTP answer';
    case 'not-http':
      return 'answers something that is not HTTP';
    default:
      return 'fails the HTTP request';
  }
}

function conflictRemedy(target: GatewayTarget, now: number, owner: ProcessInfo | undefined): string {
  const pid = owner?.pid;
  // A stopped process acts on SIGTERM only once it runs again.
  const stop =
    pid === undefined
      ? 'Find and stop the program on the port (`ss -ltnp` shows it, as root)'
      : isStopped(owner)
        ? `Stop that program if it is yours to stop: it is stopped, so \`kill -TERM ${pid}\` takes effect only after \`kill -CONT ${pid}\``
        : `Stop that program (\`kill -TERM ${pid}\` if it is yours to stop)`;
  return (
    `${stop}, or move the gateway to a free port: gateway.port in ${target.openclawConfigPath} (or OPENCLAW_GATEWAY_PORT), ` +
    `and the same port in clawmedic's config. A gateway that finds its port taken retries ~20 s and exits 1 (see ${gatewayLogPath(target, now)}).`
  );
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
