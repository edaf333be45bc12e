// The heartbeat: a dead-man's switch (Healthchecks.io, Cronitor, Uptime Kuma's push URL...) pinged after the
// check cycles, and its /fail form while a check fails. When clawmedic itself stops, the pings stop and the
// switch tells someone. The one outbound call that may leave the host: https only (http to loopback, for tests).
import type { CycleListener, CycleListenerFactory } from '../agent.ts';
import type { CheckResult, Logger } from '../contracts.ts';
import type { Problem } from '../config/load.ts';
import { resolveSecret } from '../config/secrets.ts';
import type { CheckState } from '../evaluate/types.ts';
import { errorCode, isLoopbackHost } from '../platform/net.ts';
import type { Redactor } from '../util/redact.ts';
import { oneLine } from '../util/text.ts';
import type { HeartbeatSettings } from './config.ts';

export interface Heartbeat {
  url: string;
  failUrl: string;
  method: 'GET' | 'POST';
  everyMs: number;
  timeoutMs: number;
}

function checkUrl(value: string, key: string): string | undefined {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return `${key} is not a URL`;
  }
  if (u.protocol === 'https:') return undefined;
  if (u.protocol === 'http:' && isLoopbackHost(u.hostname)) return undefined;
  return `${key} must be https (http only to a loopback address): a ping URL travels the internet`;
}

/** "https://hc-ping.com/<uuid>" -> "https://hc-ping.com/<uuid>/fail": Healthchecks.io's failure signal. */
export function failUrlOf(url: string): string {
  const u = new URL(url);
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/fail`;
  return u.toString();
}

/** The heartbeat section with its references resolved (and registered with the redactor); problems keyed by path. */
export function resolveHeartbeat(settings: HeartbeatSettings, env: NodeJS.ProcessEnv, redactor: Redactor): { heartbeat?: Heartbeat; problems: Problem[] } {
  if (!settings) return { problems: [] };
  const problems: Problem[] = [];
  const resolve = (ref: string, key: string): string | undefined => {
    try {
      const value = resolveSecret(ref, redactor, env);
      const bad = checkUrl(value, key);
      if (bad) problems.push({ path: key, message: bad, level: 'error' });
      return bad ? undefined : value;
    } catch (err) {
      problems.push({ path: key, message: (err as Error).message, level: 'error' });
      return undefined;
    }
  };
  const url = resolve(settings.url, 'heartbeat.url');
  const failUrl = settings.failUrl ? resolve(settings.failUrl, 'heartbeat.failUrl') : url && failUrlOf(url);
  if (!url || !failUrl) return { problems };
  redactor.add(failUrl);
  return { heartbeat: { url, failUrl, method: settings.method, everyMs: settings.every, timeoutMs: settings.timeout }, problems };
}

const FAILING: ReadonlySet<CheckState> = new Set(['failing', 'flapping']);

export interface HeartbeatOptions {
  heartbeat: Heartbeat;
  log: Logger;
  now: () => number;
  redact: (text: string) => string;
  fetch?: typeof fetch;
}

export function heartbeatListener(o: HeartbeatOptions): CycleListener {
  const hb = o.heartbeat;
  const doFetch = o.fetch ?? fetch;
  const failing = new Map<string, string>();
  let lastPingAt: number | undefined;
  let lastSentFailing: boolean | undefined;
  let inFlight: AbortController | undefined;
  let lastError: string | undefined;
  let stopped = false;

  const ping = () => {
    if (inFlight || stopped) return;
    const isFailing = failing.size > 0;
    lastPingAt = o.now();
    lastSentFailing = isFailing;
    const controller = new AbortController();
    inFlight = controller;
    const body = hb.method === 'POST' ? o.redact([...failing].map(([id, summary]) => `${id}: ${summary}`).join('\n') || 'all checks OK') : undefined;
    void doFetch(isFailing ? hb.failUrl : hb.url, {
      method: hb.method,
      signal: AbortSignal.any([controller.signal, AbortSignal.timeout(hb.timeoutMs)]),
      ...(body !== undefined ? { body, headers: { 'content-type': 'text/plain; charset=utf-8' } } : {}),
    })
      .then(async (res) => {
        await res.body?.cancel().catch(() => undefined);
        return res.ok ? undefined : `HTTP ${res.status}`;
      })
      .catch((err: unknown) => (stopped ? undefined : (errorCode(err) ?? (err instanceof Error ? err.name : 'error'))))
      .then((error) => {
        inFlight = undefined;
        // Said once when it starts failing and once when it works again, never per ping.
        if (error !== lastError) {
          if (error) o.log.warn(`heartbeat ping failed (${error}): the dead-man's switch will report clawmedic as down if this goes on`);
          else if (lastError) o.log.info('heartbeat ping works again');
          lastError = error;
        }
      });
  };

  return {
    onResult(checkId: string, result: CheckResult, state: CheckState) {
      if (FAILING.has(state)) failing.set(checkId, oneLine(result.summary).slice(0, 200));
      else failing.delete(checkId);
    },
    onCycle() {
      const changed = lastSentFailing !== undefined && lastSentFailing !== failing.size > 0;
      if (changed || lastPingAt === undefined || o.now() - lastPingAt >= hb.everyMs) ping();
    },
    async stop() {
      stopped = true;
      inFlight?.abort();
    },
  };
}

export const heartbeatFactory: CycleListenerFactory = ({ config, log, now }) =>
  config.heartbeat ? heartbeatListener({ heartbeat: config.heartbeat, log, now, redact: (t) => config.redactor.text(t) }) : {};
