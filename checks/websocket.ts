// websocket: the gateway's WebSocket and its deep health (issue 13, part 2). Connects with the gateway token,
// completes the handshake (connect.challenge -> connect -> hello-ok), times it, records the bootId (series
// gateway.boot_id, which the restarts check counts restarts by), and asks `health`: plugins that failed to load,
// a degraded model runtime, channel accounts that are not healthy (the channels check judges those). Without a
// token it says what deep checks need, OK: a missing token is a setup choice, not a failure.
import * as z from 'zod';
import type { Check, CheckContext, CheckResult } from '../src/contracts.ts';
import { formatHostPort } from '../src/platform/http-probe.ts';
import type { WsFailure } from '../src/platform/gateway-ws.ts';
import { formatDuration } from '../src/util/duration.ts';
import { BOOT_ID_SERIES, bootIdNumber } from './boot-id.ts';
import { readDeepHealth, TOKEN_HOWTO } from './gateway-health.ts';
import { parseCheckOptions } from './options.ts';

export const CONNECT_SERIES = 'gateway.ws.connect_ms';

export const websocketOptionsSchema = z.strictObject({
  /** connect, challenge and hello-ok must be done within this. */
  handshakeTimeoutMs: z.number().int().positive().max(120_000).default(5_000),
  /** The `health` request's deadline. */
  requestTimeoutMs: z.number().int().positive().max(120_000).default(5_000),
  /** Ask `health` after the handshake (plugin errors, model runtime, channel accounts). */
  health: z.boolean().default(true),
  /** WARN when the handshake takes this long (measured 14-250 ms on an idle gateway). */
  connectWarnMs: z.number().int().positive().max(120_000).default(2_000),
});
export type WebsocketOptions = z.output<typeof websocketOptionsSchema>;

export const websocketCheck: Check = {
  id: 'websocket',
  title: 'Gateway WebSocket handshake and deep health',
  defaults: { schedule: '2m', timeoutMs: 15_000, options: { handshakeTimeoutMs: 5_000, requestTimeoutMs: 5_000 } },
  optionsSchema: websocketOptionsSchema,
  dependsOn: ['gateway.port'],
  run: runWebsocket,
};

async function runWebsocket(ctx: CheckContext): Promise<CheckResult> {
  const parsed = parseCheckOptions(websocketOptionsSchema, ctx.options);
  if ('result' in parsed) return parsed.result;
  const { options } = parsed;
  const where = formatHostPort(ctx.target.host, ctx.target.port);
  if (!ctx.target.token) {
    return {
      status: 'ok',
      summary: `not checked: deep checks (handshake, bootId, plugins, channels) need the gateway token; ${TOKEN_HOWTO}`,
      details: { token: false },
    };
  }
  const now = ctx.now();
  const deep = await readDeepHealth(ctx, options);
  if (!deep.ok) return failed(deep, where, options);

  const { hello } = deep;
  ctx.series.record(CONNECT_SERIES, deep.connectMs, now);
  if (hello.bootId) ctx.series.record(BOOT_ID_SERIES, bootIdNumber(hello.bootId), now);
  const metrics: Record<string, number> = { connectMs: deep.connectMs };
  if (hello.uptimeMs !== undefined) metrics.uptimeMs = hello.uptimeMs;
  if (deep.healthMs !== undefined) metrics.healthMs = deep.healthMs;
  const h = deep.health;
  if (h) {
    metrics.pluginErrors = h.pluginErrors.length;
    metrics.unhealthyAccounts = h.unhealthyAccounts.length;
  }
  const who = [hello.version, hello.bootId ? `bootId ${hello.bootId.slice(0, 8)}…` : 'no bootId', hello.uptimeMs !== undefined ? `up ${formatDuration(hello.uptimeMs)}` : undefined].filter(Boolean).join(', ');
  const details = { hello: { version: hello.version, bootId: hello.bootId, uptimeMs: hello.uptimeMs, protocol: hello.protocol, scopes: hello.scopes }, health: h, ...(deep.healthFailure ? { healthFailure: deep.healthFailure.message } : {}) };
  const handshake = `handshake in ${deep.connectMs} ms (${who})`;

  const problems: string[] = [];
  const remedies: string[] = [];
  if (deep.connectMs >= options.connectWarnMs) {
    problems.push(`the handshake took ${deep.connectMs} ms (limit ${options.connectWarnMs} ms)`);
    remedies.push('A slow handshake is a busy event loop: see the latency check and the gateway\'s CPU.');
  }
  if (deep.healthFailure) {
    problems.push(`health failed: ${deep.healthFailure.message}`);
    remedies.push(deep.healthFailure.error?.message?.includes('scope') ? 'The token lacks operator.read: use the gateway token itself (gateway.auth.token), not a narrower one.' : 'Retry; if `health` keeps failing, `openclaw gateway health --json` shows the same from the CLI.');
  } else if (!h && options.health) problems.push('the health answer is not the snapshot OpenClaw gives');
  if (h && h.pluginErrors.length > 0) {
    problems.push(`${h.pluginErrors.length} plugin(s) failed to load: ${h.pluginErrors.map((p) => `${p.id} (${p.error})`).join('; ')}`);
    remedies.push('`openclaw doctor --lint --json` and `openclaw plugins list` name the fix for each plugin; a plugin that fails keeps its tools and channels away.');
  }
  if (h?.modelDegraded) {
    problems.push(`the model runtime is degraded${h.pendingAgents.length ? ` (agents waiting: ${h.pendingAgents.join(', ')})` : ''}`);
    remedies.push('`openclaw models status --check --json` shows which provider or credential is missing, expired or unavailable (the providers check runs it).');
  }
  const channelsNote = h ? `${h.channels.length} channel(s)${h.unhealthyAccounts.length ? `, ${h.unhealthyAccounts.length} account(s) not healthy (the channels check reports them)` : ''}` : '';
  if (problems.length === 0) {
    const healthText = h ? `; health: ${h.pluginsLoaded} plugins loaded, no plugin errors, model runtime OK, ${channelsNote}` : options.health ? '' : '; health not asked (options.health false)';
    return { status: 'ok', summary: `${handshake}${healthText}`, metrics, details };
  }
  return {
    status: 'warn',
    summary: `${problems.join('; ')} (${handshake})`,
    diagnosis: `The gateway on ${where} answers its WebSocket, but ${problems.join('; ')}.${channelsNote ? ` ${channelsNote}.` : ''}`,
    remedy: remedies.join(' ') || `\`openclaw gateway health --json --url ws://${where} --token <token> --timeout 5000\` shows the same snapshot.`,
    metrics,
    details,
  };
}

function failed(f: WsFailure, where: string, options: WebsocketOptions): CheckResult {
  const details = { stage: f.stage, kind: f.kind, closeCode: f.closeCode, closeReason: f.closeReason, error: f.error, elapsedMs: f.elapsedMs };
  switch (f.kind) {
    case 'refused':
      // gateway.port alerts on a gateway that is down; this would only add an incident to that alert.
      return { status: 'ok', summary: `gateway not answering: ${f.message} (gateway.port reports it)`, details };
    case 'aborted':
    case 'not-loopback':
      return { status: 'unknown', summary: f.message, details };
    case 'rejected': {
      const code = typeof (f.error?.details as { code?: unknown } | undefined)?.code === 'string' ? String((f.error!.details as { code: string }).code) : f.error?.code;
      if (f.error?.code === 'UNAVAILABLE') return { status: 'ok', summary: `the gateway is starting and refused connections for now (${f.error.message ?? 'unavailable'})`, details };
      const tokenProblem = /TOKEN|AUTH|PAIRED|DEVICE/i.test(`${code ?? ''} ${f.error?.message ?? ''}`);
      return {
        status: 'warn',
        summary: `the gateway rejected clawmedic's connect: ${f.error?.message ?? f.message}${code ? ` (${code})` : ''}`,
        diagnosis: `The WebSocket on ${where} opened, but the gateway refused the connect request: ${f.message}. Deep health (bootId, plugins, channels) cannot be read.`,
        remedy: tokenProblem
          ? `clawmedic's gateway token is not the gateway's: ${TOKEN_HOWTO}. After a token rotation, update both.`
          : 'Update clawmedic if the gateway speaks a newer protocol; `openclaw gateway status --require-rpc --json` shows whether the CLI can connect.',
        details,
      };
    }
    case 'timeout':
      return {
        status: 'warn',
        summary: `the WebSocket handshake did not complete within ${options.handshakeTimeoutMs} ms (${f.stage === 'open' ? 'the socket never opened' : f.stage === 'challenge' ? 'no connect.challenge' : 'no answer to connect'})`,
        diagnosis: `${where} accepted the connection but ${f.message} at the ${f.stage} stage: a gateway whose event loop is blocked, or something else on the port.`,
        remedy: 'The gateway.port and latency checks tell a hung gateway from a slow one; a gateway that stays this way needs a restart (`openclaw gateway restart --json`; if it hangs, kill it).',
        details,
      };
    case 'closed':
      return {
        status: 'warn',
        summary: `the gateway closed the WebSocket during the handshake: ${f.message}`,
        diagnosis: `${where} closed the socket at the ${f.stage} stage${f.closeCode === 1006 ? ' without a close frame (1006: the connection dropped, a crash or a proxy)' : ''}: ${f.message}.`,
        remedy: 'Look at the gateway log around now (`clawmedic logs --since 10m`): a `closed before connect` line gives its reason. A proxy in front of the port must pass WebSocket upgrades.',
        details,
      };
    case 'upgrade':
    case 'garbage':
      return {
        status: 'warn',
        summary: `not OpenClaw's WebSocket on ${where}: ${f.message}`,
        diagnosis: `What answers on ${where} does not speak the gateway's WebSocket protocol: ${f.message}.`,
        remedy: 'The gateway.port check names the program on the port; make sure clawmedic watches the gateway\'s port.',
        details,
      };
  }
}
