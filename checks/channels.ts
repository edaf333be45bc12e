// channels: chat channels that are down while the gateway answers (issue 13, part 3). Three sources, each named
// in the result: /readyz `failing[]` (a channel id for each channel with an unhealthy account) and `suppressed[]`
// (autostart stopped by OpenClaw's crash-loop breaker); the deep health snapshot's accounts that are managed but
// not healthy (stale-socket, disconnected, stuck...; needs the token); and the channel signatures in the log
// (polling stalls, restart storms, a channel that gave up). Each channel gets its own remedy, with the breaker's
// manual override quoted for the shell.
import * as z from 'zod';
import type { Check, CheckContext, CheckResult, Status } from '../src/contracts.ts';
import { formatHostPort, httpProbe, parseJsonBody } from '../src/platform/http-probe.ts';
import { isLoopbackHost } from '../src/platform/net.ts';
import { clip } from '../src/util/text.ts';
import { readDeepHealth, type ChannelAccountState } from './gateway-health.ts';
import { CHANNEL_START, fillTemplate, LOG_SIGNATURES } from './log-signatures.ts';
import { hitsInWindow, logReadOptions, scanGatewayLog } from './log-scan.ts';
import { parseCheckOptions } from './options.ts';

export const channelsOptionsSchema = z.strictObject({
  ...logReadOptions,
  /** Ask the gateway's health snapshot over the WebSocket (needs the token). */
  health: z.boolean().default(true),
  /** Read the gateway log for channel signatures. */
  logs: z.boolean().default(true),
  requestTimeoutMs: z.number().int().positive().max(120_000).default(5_000),
});
export type ChannelsOptions = z.output<typeof channelsOptionsSchema>;

export const channelsCheck: Check = {
  id: 'channels',
  title: 'Chat channels (Telegram, Discord, WhatsApp, Slack...)',
  defaults: { schedule: '2m', timeoutMs: 20_000, options: { window: '30m' } },
  optionsSchema: channelsOptionsSchema as unknown as z.ZodType<Record<string, unknown>>,
  dependsOn: ['gateway.port', 'gateway.http'],
  usesState: true,
  run: runChannels,
};

/** /readyz failing[] entries that are not channels (REFERENCE.md 1.2). */
const NOT_CHANNELS = /^(startup-sidecars|gateway-draining|plugin-reload|state-database|internal|agent-database:.*|startup-.*)$/;
/** Safe to put in a shell command: OpenClaw's channel ids are short lowercase words. */
const CHANNEL_ID = /^[a-z][a-z0-9_-]{0,30}$/;

interface Finding {
  severity: Exclude<Status, 'ok' | 'unknown'>;
  text: string;
}

const RANK: Record<Status, number> = { ok: 0, unknown: 1, warn: 2, crit: 3 };

async function runChannels(ctx: CheckContext): Promise<CheckResult> {
  const parsed = parseCheckOptions(channelsOptionsSchema, ctx.options);
  if ('result' in parsed) return parsed.result;
  const { options } = parsed;
  const { host, port } = ctx.target;
  const where = formatHostPort(host, port);
  if (!isLoopbackHost(host)) return { status: 'unknown', summary: `refusing to probe ${where}: clawmedic only probes loopback addresses` };
  const now = ctx.now();
  const byChannel = new Map<string, Finding[]>();
  const add = (channel: string, f: Finding) => {
    const list = byChannel.get(channel) ?? [];
    list.push(f);
    byChannel.set(channel, list);
  };
  const notes: string[] = [];
  const sources: string[] = [];

  // 1. /readyz.
  const readyz = await httpProbe({ host, port, path: '/readyz', timeoutMs: Math.min(options.requestTimeoutMs, Math.floor(ctx.timeoutMs / 3)), signal: ctx.signal, maxBodyBytes: 64 * 1024 });
  let down = false;
  if (!readyz.ok) {
    down = readyz.kind === 'refused';
    notes.push(`/readyz: ${readyz.message}`);
  } else {
    const body = parseJsonBody(readyz.body) as { failing?: unknown; suppressed?: unknown } | undefined;
    if (body && typeof body === 'object' && Array.isArray(body.failing)) {
      sources.push('/readyz');
      for (const f of body.failing) if (typeof f === 'string' && !NOT_CHANNELS.test(f)) add(clip(f, 60), { severity: 'warn', text: '/readyz names it failing (an account is unhealthy)' });
      if (Array.isArray(body.suppressed)) {
        for (const s of body.suppressed) if (typeof s === 'string') add(clip(s, 60), { severity: 'crit', text: "its autostart is suppressed by OpenClaw's crash-loop breaker (/readyz suppressed)" });
      }
    } else notes.push('/readyz did not answer OpenClaw\'s JSON (an older release?): channels read from the other sources only');
  }

  // 2. The deep health snapshot.
  let channelsListed: string[] | undefined;
  if (!options.health) notes.push('health snapshot not asked (options.health false)');
  else if (!ctx.target.token) notes.push('account states not read: the health snapshot needs the gateway token (the websocket check says how to give it)');
  else if (!down) {
    const deep = await readDeepHealth(ctx, { handshakeTimeoutMs: options.requestTimeoutMs, requestTimeoutMs: options.requestTimeoutMs, health: true });
    if (!deep.ok) notes.push(`health snapshot not read: ${deep.message}`);
    else if (!deep.health) notes.push(`health snapshot not read: ${deep.healthFailure?.message ?? 'not the snapshot OpenClaw gives'}`);
    else {
      sources.push('health snapshot');
      channelsListed = deep.health.channels;
      for (const a of deep.health.unhealthyAccounts) add(a.channel, { severity: 'warn', text: accountText(a) });
    }
  }

  // 3. Channel signatures in the log (only the bytes appended since the last run).
  if (options.logs) {
    const scan = await scanGatewayLog(ctx, options, ctx.memory.get(), (s) => s.channel !== undefined);
    try {
      ctx.memory.set(scan.memory);
    } catch (err) {
      notes.push(`could not keep the log cursor: ${(err as Error).message}`);
    }
    if (!scan.ok) notes.push(`log not read: ${scan.message}`);
    else {
      sources.push('gateway log');
      for (const h of hitsInWindow(scan.memory, LOG_SIGNATURES, now, options.window)) {
        // A 1006 storm of browser clients names no channel: that is the logs check's.
        if (!h.counts || h.signature.severity === 'info' || !h.record.ch) continue;
        add(h.record.ch, { severity: h.signature.severity, text: `log: ${h.signature.title}, ${h.count}x${h.record.acct ? ` (account ${h.record.acct})` : ''}: "${h.record.last}"` });
      }
    }
  }

  const channels = [...byChannel.keys()].sort();
  const status = channels.reduce<Status>((worst, c) => byChannel.get(c)!.reduce<Status>((w, f) => (RANK[f.severity] > RANK[w] ? f.severity : w), worst), 'ok');
  const metrics = { failingChannels: channels.length };
  const details = { channels: Object.fromEntries(byChannel), listed: channelsListed, sources, notes };
  const tail = notes.length ? ` (${notes.join('; ')})` : '';
  if (status === 'ok') {
    if (down) return { status: 'ok', summary: `gateway not answering (gateway.port reports it)${tail}`, metrics, details };
    if (sources.length === 0) {
      return { status: 'unknown', summary: `no source could be read: ${notes.join('; ')}`, remedy: 'See gateway.http (for /readyz) and the logs check (for the log file).', metrics, details };
    }
    const listed = channelsListed ? (channelsListed.length ? `channels ${channelsListed.join(', ')} healthy` : 'no channels configured') : 'no failing channel';
    return { status: 'ok', summary: `${listed} (from ${sources.join(', ')})${tail}`, metrics, details };
  }
  const summary = channels.map((c) => `${c}: ${byChannel.get(c)!.map((f) => f.text.replace(/: ".*$/, '')).join('; ')}`).join(' | ');
  return {
    status,
    summary: clip(`channel${channels.length > 1 ? 's' : ''} down or failing: ${summary}`, 600),
    diagnosis: `${channels.map((c) => `${c}: ${byChannel.get(c)!.map((f) => f.text).join('; ')}`).join('. ')}.${tail} The gateway itself answers; these channels do not deliver messages.`,
    remedy: channels.map((c) => channelRemedy(c)).join(' '),
    metrics,
    details,
  };
}

function accountText(a: ChannelAccountState): string {
  return `account ${a.account} is ${a.state}${a.lastError ? ` (last error: ${a.lastError})` : ''}`;
}

/** Channel-specific advice, then the manual start (the breaker's override) with the id quoted for the shell. */
export function channelRemedy(channel: string): string {
  const safe = CHANNEL_ID.test(channel);
  const id = safe ? channel : '<id>';
  const specific: Record<string, string> = {
    telegram: 'Telegram: check the bot token, and that no second instance polls with it and no webhookUrl is set beside polling (getUpdates then fails or wipes the webhook: openclaw issue #90254).',
    discord: 'Discord: check the bot token and the Message Content intent in the developer portal; stale-socket restarts every ~35 min are a known bug fixed in newer releases (openclaw issues #54851, #65613).',
    whatsapp: 'WhatsApp: a 401/440 means the session was logged out: `openclaw channels login --channel whatsapp` links it again; 408/499 loops after a sleep need a channel restart.',
    slack: 'Slack: check the app-level token (xapp-) for Socket Mode or the signing secret for HTTP mode; Socket Mode can look connected while events stop (openclaw issue #17847): restart the channel.',
  };
  const start = fillTemplate(CHANNEL_START, { channel: id });
  return (
    `${specific[channel] ?? `${safe ? channel : 'This channel'}: its account error is in \`openclaw channels status --probe --json\`.`} ` +
    `\`openclaw channels status --channel ${id} --probe\` shows the account's state; start it by hand (also past the crash-loop breaker): \`${start}\`.`
  );
}
