// Whether a recovered gateway is really back: the listener is OpenClaw's, /startupz says started, /readyz
// answers 200, and it is a new boot (its uptime is shorter than the time since the recovery acted, a new
// bootId, or a new pid). Polled until a deadline: a cold start takes 10-20 s (REFERENCE 1.2). Releases
// before 2026.8.2 have no /startupz (the Control UI page answers it): started is then read off /readyz;
// before 2026.5.7 there is no JSON at all and the Control UI page on /healthz is all there is to see.
import type { GatewayTarget } from '../contracts.ts';
import { isControlUiPage, parseHealthz, parseReadyz, parseStartupz, startupFromReadyz, type StartupzBody } from '../platform/gateway-endpoints.ts';
import { formatHostPort, httpProbe, type HttpProbeOutcome } from '../platform/http-probe.ts';
import { ownerRole } from '../platform/openclaw-process.ts';
import { findPortOwner, processLabel } from '../platform/port-owner.ts';
import { formatDuration } from '../util/duration.ts';
import { pause, type StepResult } from './step-result.ts';

export interface VerifyOptions {
  target: GatewayTarget;
  /** When recovery restarted or started the gateway (epoch ms, on the `now` clock). */
  startedAt: number;
  /** What the gateway was before, to tell a new boot by. */
  before?: { pid?: number; bootId?: string; uptimeMs?: number };
  /** How long to keep polling (default 90 s). */
  deadlineMs?: number;
  /** Between two looks (default 1 s). */
  pollMs?: number;
  /** Each HTTP request (default 2 s). */
  requestTimeoutMs?: number;
  signal?: AbortSignal;
  now?: () => number;
  /** For tests: a directory shaped like /proc. */
  procRoot?: string;
  /** Why the gateway recovery started cannot come up any more (it exited), once that is so: verify stops waiting. */
  startedGone?: () => string | undefined;
}

export interface VerifyResult extends StepResult {
  /** The pid that holds the port at the end, when it is OpenClaw's and visible. */
  pid?: number;
  /** From startedAt to the first look that found it healthy. */
  timeToHealthyMs?: number;
  /** What still failed at the deadline (empty when ok). */
  failed: string[];
}

interface Look {
  healthy: boolean;
  failed: string[];
  pid?: number;
  uptimeMs?: number;
  bootBy?: string;
}

/** Polls the gateway until it is healthy on a new boot or the deadline passes. Never throws. */
export async function verifyGateway(opts: VerifyOptions): Promise<VerifyResult> {
  const now = opts.now ?? Date.now;
  const deadlineMs = opts.deadlineMs ?? 90_000;
  const pollMs = opts.pollMs ?? 1_000;
  const began = now();
  const end = began + deadlineMs;
  let last: Look = { healthy: false, failed: ['not looked at yet'] };
  let looks = 0;
  try {
    for (;;) {
      if (opts.signal?.aborted) return { ok: false, summary: `verification aborted after ${formatDuration(now() - began)}: ${last.failed.join('; ')}`, failed: last.failed };
      last = await look(opts, now, Math.max(50, Math.min(opts.requestTimeoutMs ?? 2_000, end - now())));
      looks++;
      if (last.healthy) {
        const timeToHealthyMs = Math.max(0, now() - opts.startedAt);
        return {
          ok: true,
          summary:
            `gateway healthy ${formatDuration(timeToHealthyMs)} after the start: ${last.pid !== undefined ? `pid ${last.pid} on ` : ''}` +
            `${formatHostPort(opts.target.host, opts.target.port)}, started and ready, new boot (${last.bootBy})`,
          ...(last.pid !== undefined ? { pid: last.pid } : {}),
          timeToHealthyMs,
          failed: [],
          details: { pid: last.pid ?? null, timeToHealthyMs, uptimeMs: last.uptimeMs ?? null, bootChangedBy: last.bootBy, looks },
        };
      }
      const gone = opts.startedGone?.();
      if (gone) return { ok: false, summary: `${gone}: ${last.failed.join('; ')}`, failed: [...last.failed, gone], details: { looks } };
      const wait = Math.min(pollMs, end - now());
      if (wait <= 0) break;
      await pause(wait, opts.signal);
    }
  } catch (err) {
    last = { healthy: false, failed: [...last.failed, `verification failed: ${(err as Error).message}`] };
  }
  return {
    ok: false,
    summary: `gateway not healthy within ${formatDuration(deadlineMs)}: ${last.failed.join('; ')}`,
    ...(last.pid !== undefined ? { pid: last.pid } : {}),
    failed: last.failed,
    details: { pid: last.pid ?? null, uptimeMs: last.uptimeMs ?? null, looks },
  };
}

async function look(opts: VerifyOptions, now: () => number, timeoutMs: number): Promise<Look> {
  const { host, port } = opts.target;
  const where = formatHostPort(host, port);
  const get = (path: string) => httpProbe({ host, port, path, timeoutMs, ...(opts.signal ? { signal: opts.signal } : {}) });
  const [lookup, healthz, startupz, readyz] = await Promise.all([
    findPortOwner(port, { host, ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.procRoot ? { procRoot: opts.procRoot } : {}) }),
    get('/healthz'),
    get('/startupz'),
    get('/readyz'),
  ]);
  const failed: string[] = [];
  if (!healthz.ok) return { healthy: false, failed: [unreachable(where, healthz)] };

  const owner = lookup.kind === 'found' ? lookup.owner : undefined;
  const role = owner ? ownerRole(owner) : undefined;
  const live = parseHealthz(healthz);
  const oldUi = !live && isControlUiPage(healthz);
  if (owner && role === 'other' && !live) return { healthy: false, failed: [`${where} is held by ${processLabel(owner)}, not OpenClaw`] };
  if (!live && !oldUi) return { healthy: false, failed: [`${where}/healthz does not answer like OpenClaw (HTTP ${healthz.statusCode})`] };
  const pid = owner && role === 'openclaw' ? owner.pid : undefined;

  const ready = readyz.ok ? parseReadyz(readyz) : undefined;
  const startupBody = startupz.ok ? parseStartupz(startupz) : undefined;
  // No /startupz before 2026.8.2: what it would say comes from /readyz.
  const startup: StartupzBody | undefined = startupBody ?? (ready ? startupFromReadyz(ready) : undefined);
  if (!oldUi) {
    if (!startup) failed.push(`/startupz and /readyz give no OpenClaw answer${startupz.ok ? '' : ` (${startupz.message})`}`);
    else if (startup.status !== 'started') failed.push(`/startupz says ${startup.status}${startup.pendingReason ? ` (${startup.pendingReason})` : ''}`);
    if (!ready) failed.push(`/readyz gives no OpenClaw answer${readyz.ok ? ` (HTTP ${readyz.statusCode})` : ` (${readyz.message})`}`);
    else if (!readyz.ok || readyz.statusCode !== 200 || !ready.ready) {
      failed.push(`/readyz ${readyz.ok ? readyz.statusCode : 'failed'}${ready.failing && ready.failing.length > 0 ? `, failing: ${ready.failing.join(', ')}` : ''}`);
    }
  }

  // A new boot: by bootId, by an uptime shorter than the time since recovery acted, or by a new pid.
  const uptimeMs = startup?.uptimeMs ?? ready?.uptimeMs;
  const since = now() - opts.startedAt;
  const before = opts.before ?? {};
  const bootBy =
    before.bootId !== undefined && startupBody?.bootId !== undefined && startupBody.bootId !== before.bootId
      ? 'a new bootId'
      : uptimeMs !== undefined && uptimeMs <= since
        ? `uptime ${formatDuration(uptimeMs)}`
        : before.pid !== undefined && pid !== undefined && pid !== before.pid
          ? `pid ${before.pid} -> ${pid}`
          : undefined;
  if (!bootBy) {
    failed.push(
      uptimeMs !== undefined
        ? `no new boot: uptime ${formatDuration(uptimeMs)} is longer than the ${formatDuration(since)} since the start`
        : 'no new boot seen (no uptime, bootId or pid change to tell it by)',
    );
  }
  return { healthy: failed.length === 0, failed, ...(pid !== undefined ? { pid } : {}), ...(uptimeMs !== undefined ? { uptimeMs } : {}), ...(bootBy ? { bootBy } : {}) };
}

function unreachable(where: string, probe: Extract<HttpProbeOutcome, { ok: false }>): string {
  switch (probe.kind) {
    case 'refused':
      return `nothing listens on ${where}`;
    case 'timeout-after-connect':
    case 'timeout-connect':
      return `${where} does not answer (${probe.message})`;
    default:
      return `${where}/healthz failed: ${probe.message}`;
  }
}
