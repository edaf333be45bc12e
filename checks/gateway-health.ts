// The gateway's deep health snapshot (the `health` request over its WebSocket; REFERENCE.md 1.3): what the
// websocket and channels checks read from it. Shapes from openclaw 2026.9.6 (dist/health-format-*.mjs,
// channel-health-policy-*.mjs): plugins.errors[{id,error,activated}], modelRuntime{degraded,pendingAgents},
// channels.<id>.accounts.<account>{enabled,configured,linked,running,connected,healthState,statusState,lastError}.
import type { CheckContext } from '../src/contracts.ts';
import { connectGateway, type HelloInfo, type WsFailure } from '../src/platform/gateway-ws.ts';
import { packageVersion } from '../src/version.ts';
import { clip } from '../src/util/text.ts';

export interface PluginError {
  id: string;
  error: string;
}

export interface ChannelAccountState {
  channel: string;
  account: string;
  /** Why it is unhealthy, in OpenClaw's words: stale-socket, disconnected, stuck, not-running, terminal-disconnect... */
  state: string;
  lastError?: string;
}

export interface HealthSummary {
  ok: boolean;
  pluginsLoaded: number;
  pluginErrors: PluginError[];
  modelDegraded: boolean;
  pendingAgents: string[];
  /** Channel ids the snapshot lists. */
  channels: string[];
  /** Accounts that are managed (enabled, configured, linked) and not healthy. */
  unhealthyAccounts: ChannelAccountState[];
}

/** healthState values OpenClaw counts as healthy (evaluateChannelHealth), besides none at all. */
const HEALTHY_STATES = new Set(['healthy', 'busy', 'reconnect-grace', 'startup-connect-grace', 'unmanaged']);

const rec = (v: unknown): Record<string, unknown> | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
const str = (v: unknown, max = 200): string | undefined => (typeof v === 'string' && v !== '' ? clip(v, max) : undefined);

/** The parts of a health payload clawmedic judges; anything missing or malformed reads as absent. */
export function summarizeHealth(payload: unknown): HealthSummary | undefined {
  const h = rec(payload);
  if (!h) return undefined;
  const plugins = rec(h.plugins) ?? {};
  const errors = Array.isArray(plugins.errors) ? plugins.errors : [];
  const pluginErrors: PluginError[] = [];
  for (const e of errors.slice(0, 50)) {
    const r = rec(e);
    // An error of a plugin that is not activated does not affect the running gateway (as `openclaw health` shows it).
    if (!r || r.activated === false) continue;
    pluginErrors.push({ id: str(r.id, 120) ?? '?', error: str(r.error, 300) ?? 'unknown error' });
  }
  const model = rec(h.modelRuntime) ?? {};
  const channelsObj = rec(h.channels) ?? {};
  const order = Array.isArray(h.channelOrder) && h.channelOrder.length > 0 ? h.channelOrder.filter((c): c is string => typeof c === 'string') : Object.keys(channelsObj);
  const unhealthyAccounts: ChannelAccountState[] = [];
  for (const channel of order.slice(0, 50)) {
    const summary = rec(channelsObj[channel]);
    if (!summary) continue;
    const accounts = rec(summary.accounts);
    const list = accounts && Object.keys(accounts).length > 0 ? Object.entries(accounts) : [[str(summary.accountId) ?? 'default', summary] as [string, unknown]];
    for (const [accountId, value] of list.slice(0, 50)) {
      const a = rec(value);
      if (!a) continue;
      if (a.enabled === false || a.configured === false || a.linked === false) continue;
      const health = str(a.healthState, 60);
      let state: string | undefined;
      if (health && !HEALTHY_STATES.has(health)) state = health;
      else if (!health && a.running === false) state = 'not-running';
      else if (!health && a.connected === false) state = 'disconnected';
      if (!state) continue;
      const lastError = str(a.lastError, 300);
      unhealthyAccounts.push({ channel: clip(channel, 60), account: clip(str(a.accountId) ?? accountId, 60), state, ...(lastError ? { lastError } : {}) });
    }
  }
  return {
    ok: h.ok !== false,
    pluginsLoaded: Array.isArray(plugins.loaded) ? plugins.loaded.length : 0,
    pluginErrors,
    modelDegraded: model.degraded === true,
    pendingAgents: Array.isArray(model.pendingAgents) ? model.pendingAgents.map((p) => (typeof p === 'string' ? p : str(rec(p)?.agentId) ?? '?')).slice(0, 20) : [],
    channels: order.slice(0, 50),
    unhealthyAccounts,
  };
}

export type DeepHealth =
  | { ok: true; connectMs: number; hello: HelloInfo; health?: HealthSummary; healthMs?: number; healthFailure?: WsFailure }
  | WsFailure;

/** Connects with the token, completes the handshake and asks `health` (when wanted). Never throws. */
export async function readDeepHealth(ctx: CheckContext, o: { handshakeTimeoutMs: number; requestTimeoutMs: number; health: boolean }): Promise<DeepHealth> {
  const session = await connectGateway({
    host: ctx.target.host,
    port: ctx.target.port,
    ...(ctx.target.token ? { token: ctx.target.token } : {}),
    timeoutMs: Math.min(o.handshakeTimeoutMs, Math.max(100, ctx.timeoutMs - 500)),
    signal: ctx.signal,
    clientVersion: packageVersion(),
  });
  if (!session.ok) return session;
  try {
    if (!o.health) return { ok: true, connectMs: session.connectMs, hello: session.hello };
    const answer = await session.request('health', {}, Math.min(o.requestTimeoutMs, Math.max(100, ctx.timeoutMs - session.connectMs - 500)));
    if (!answer.ok) return { ok: true, connectMs: session.connectMs, hello: session.hello, healthFailure: answer };
    const health = summarizeHealth(answer.payload);
    return { ok: true, connectMs: session.connectMs, hello: session.hello, healthMs: answer.ms, ...(health ? { health } : {}) };
  } finally {
    session.close();
  }
}

/** What to tell a person whose clawmedic has no gateway token (REFERENCE.md 1.4). */
export const TOKEN_HOWTO =
  "set gateway.token in clawmedic's config to 'env:OPENCLAW_GATEWAY_TOKEN' (or 'file:/etc/clawmedic/gateway.token'), or run it with " +
  "OPENCLAW_GATEWAY_TOKEN set, or give openclaw.json gateway.auth.token (clawmedic reads it from there); `openclaw gateway auth-token --show` prints it";
