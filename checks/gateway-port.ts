import { z } from 'zod';
import type { Check, CheckContext, CheckResult, GatewayTarget } from '../src/contracts.ts';
import { describeBody, formatHostPort, httpProbe, isLoopbackHost, type HttpProbeOutcome, type ProbeFailureKind } from '../src/platform/http-probe.ts';
import { findPortOwner, processLabel, processName, type PortOwnerLookup, type ProcessInfo } from '../src/platform/port-owner.ts';
import { redactPatterns } from '../src/util/redact.ts';
import { gatewayLogPath, hungGatewayRemedy, portSourceNote, startGatewayRemedy, wrongPortRemedy } from './gateway-advice.ts';
import { parseHealthz, snippet } from './gateway-http.ts';

export const gatewayPortOptionsSchema = z.strictObject({
  /** How long the minimal GET /healthz may go unanswered after connect before the listener counts as hung. */
  requestTimeoutMs: z.number().int().positive().default(3_000),
});

const DEADLINE_MARGIN_MS = 200;
const MAX_BODY_BYTES = 16 * 1024;

export const gatewayPortCheck: Check = {
  id: 'gateway.port',
  title: 'Gateway port and listener',
  defaults: { schedule: '30s', timeoutMs: 8_000, options: { requestTimeoutMs: 3_000 } },
  optionsSchema: gatewayPortOptionsSchema,
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
  return judge(ctx, probe, lookup, timeoutMs);
}

function judge(ctx: CheckContext, probe: HttpProbeOutcome, lookup: PortOwnerLookup, timeoutMs: number): CheckResult {
  const target = ctx.target;
  const where = formatHostPort(target.host, target.port);
  const now = ctx.now();
  const metrics = probe.connectMs !== undefined ? { connectMs: probe.connectMs } : undefined;
  const owner = lookup.kind === 'found' ? lookup.owner : undefined;
  const details = {
    probe: probe.ok
      ? { answered: true, statusCode: probe.statusCode, contentType: probe.contentType, latencyMs: probe.latencyMs }
      : { answered: false, kind: probe.kind, code: probe.code, connected: probe.connected, latencyMs: probe.latencyMs },
    ...(owner ? { owner: ownerDetails(owner, target) } : {}),
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
      diagnosis: `Connection refused on ${where}; ${portSourceNote(target)}.`,
      remedy: `${startGatewayRemedy(target, now)} ${wrongPortRemedy(target)}`,
      details,
    };
  }

  if (owner && !looksLikeOpenclaw(owner)) {
    const command = commandLine(owner, target);
    const answer = !probe.ok
      ? `it ${failureInWords(probe.kind)}`
      : parseHealthz(probe)
        ? 'yet it answers /healthz like OpenClaw (a proxy or wrapper in front of a gateway?)'
        : `its /healthz answer is ${describeBody(probe)}`;
    return {
      status: 'crit',
      summary: `port conflict: ${where} held by ${processLabel(owner)}, not OpenClaw`,
      diagnosis: `${processLabel(owner)} listens on ${where} and is not OpenClaw: command line \`${command}\`; ${answer}. ${capitalize(portSourceNote(target))}.`,
      remedy: conflictRemedy(target, now, owner.pid),
      ...withMetrics,
      details,
    };
  }

  if (!probe.ok && (probe.kind === 'timeout-after-connect' || probe.kind === 'timeout-connect')) {
    const how =
      probe.kind === 'timeout-after-connect'
        ? `accepts connections but GET /healthz got no answer within ${timeoutMs} ms`
        : `did not complete a connect within ${timeoutMs} ms (listen queue full)`;
    const state = owner ? `; ${processLabel(owner)} is ${owner.stateName} (state ${owner.state})` : `; ${ownerUnknownNote(lookup)}`;
    return {
      status: 'crit',
      summary: `gateway hung: ${where} ${how}${state}`,
      diagnosis:
        `The listener on ${where} does not answer HTTP${owner ? `: ${processLabel(owner)}, command line \`${commandLine(owner, target)}\`, is ${owner.stateName} (state ${owner.state})` : ''}. ` +
        (owner?.state === 'T' || owner?.state === 't'
          ? 'A stopped process keeps its socket, so the kernel still accepts connections that nobody reads.'
          : 'Its event loop is likely blocked (a long synchronous task, an infinite loop) or the host is starved.'),
      remedy: hungGatewayRemedy(target, now, owner?.pid, owner?.state),
      ...withMetrics,
      details,
    };
  }

  const healthz = probe.ok ? parseHealthz(probe) : undefined;
  if (!healthz) {
    const answer = probe.ok ? `answers /healthz with ${describeBody(probe)}` : `${failureInWords(probe.kind)} (${probe.message})`;
    const who = owner ? processLabel(owner) : 'the listener';
    return {
      status: 'crit',
      summary: `port conflict: ${where} ${answer}, not OpenClaw's JSON${owner ? `; held by ${processLabel(owner)}` : ''}`,
      diagnosis:
        `${capitalize(who)} on ${where}${owner ? ` (command line \`${commandLine(owner, target)}\`)` : ''} ${answer}; OpenClaw answers {"ok":true,"status":"live"}. ` +
        `${owner ? '' : `${capitalize(ownerUnknownNote(lookup))}. `}${capitalize(portSourceNote(target))}.`,
      remedy: conflictRemedy(target, now, owner?.pid),
      ...withMetrics,
      ...(probe.ok ? { details: { ...details, bodyStart: snippet(probe.body, target.token) } } : { details }),
    };
  }

  if (owner) {
    return {
      status: 'ok',
      summary: `${where} held by ${processName(owner)} (pid ${owner.pid})`,
      ...withMetrics,
      details,
    };
  }
  return {
    status: 'ok',
    summary: `${where} answers as OpenClaw (${ownerUnknownNote(lookup)})`,
    ...withMetrics,
    details,
  };
}

/** The real gateway retitles itself `openclaw-gateway`; before that its argv runs openclaw's entry point. */
function looksLikeOpenclaw(p: ProcessInfo): boolean {
  return /openclaw/i.test(p.cmdline.join(' ')) || /openclaw/i.test(p.comm);
}

const SECRET_FLAG = /^--?(token|password|passwd|secret|api[-_]?key|auth)$/i;

/** The owner's command line for people: no gateway token, no value after --token/--password. */
function commandLine(p: ProcessInfo, target: GatewayTarget): string {
  const args = p.cmdline.map((arg, i) => (i > 0 && SECRET_FLAG.test(p.cmdline[i - 1] ?? '') ? '***' : arg));
  let text = args.join(' ') || `[${p.comm}]`;
  if (target.token && target.token.length >= 4) text = text.split(target.token).join('***');
  text = redactPatterns(text);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
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

function conflictRemedy(target: GatewayTarget, now: number, pid: number | undefined): string {
  const stop = pid === undefined ? 'Find and stop the program on the port (`ss -ltnp` shows it, as root)' : `Stop that program (\`kill -TERM ${pid}\` if it is yours to stop)`;
  return (
    `${stop}, or move the gateway to a free port: gateway.port in ${target.openclawConfigPath} (or OPENCLAW_GATEWAY_PORT), ` +
    `and the same port in clawmedic's config. A gateway that finds its port taken retries ~20 s and exits 1 (see ${gatewayLogPath(target, now)}).`
  );
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
