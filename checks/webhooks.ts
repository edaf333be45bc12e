// Channel webhooks configured with a public URL (Telegram's webhookUrl and the others that have one): does
// the name resolve, does its certificate hold, does the URL answer. Only a GET (or HEAD) without a body or
// the channel's secret header is sent: nothing a channel's listener would take for an update.
import { isIP } from 'node:net';
import * as z from 'zod';
import type { Check, CheckContext, CheckResult, Status } from '../src/contracts.ts';
import { STATUS_RANK } from '../src/evaluate/state-machine.ts';
import { DNS_FAILURE_WORDS, makeResolver, resolveHost } from '../src/platform/dns-lookup.ts';
import { isLoopbackHost } from '../src/platform/net.ts';
import { stringAt } from '../src/platform/openclaw-json.ts';
import { expiryLevel, readPem, spanWords, verifyWords } from '../src/platform/tls-probe.ts';
import { probeUrl, type UrlProbe } from '../src/platform/url-probe.ts';
import { redactPatterns } from '../src/util/redact.ts';
import { clip, collapseWhitespace } from '../src/util/text.ts';
import { gatewayLogPath } from './gateway-advice.ts';
import { tailLines } from './log-tail.ts';
import { channelWebhooks, loadOpenclawConfig, type WebhookRef } from './openclaw-deps.ts';
import { parseCheckOptions } from './options.ts';

export const webhooksOptionsSchema = z
  .strictObject({
    /** GET (default) or HEAD; never anything a channel acts on. */
    method: z.enum(['GET', 'HEAD']).default('GET'),
    /** DNS servers for the webhook hosts; empty: the system's. */
    servers: z.array(z.string().min(1)).max(8).default([]),
    /** Per request (and per DNS lookup). */
    timeoutMs: z.number().int().min(100).max(60_000).default(10_000),
    /** A PEM file of CA certificates to trust besides Node's roots. */
    caFile: z.string().min(1).optional(),
    warnDays: z.number().int().min(0).max(365).default(14),
    critDays: z.number().int().min(0).max(365).default(3),
    /** The gateway log searched for Telegram's polling trap; default: today's /tmp/openclaw log. */
    logFile: z.string().min(1).optional(),
  })
  .refine((o) => o.critDays <= o.warnDays, { message: 'critDays must not be more than warnDays', path: ['critDays'] });
type WebhooksOptions = z.output<typeof webhooksOptionsSchema>;

export const webhooksCheck: Check = {
  id: 'webhooks',
  title: 'Channel webhook URLs',
  defaults: { schedule: '10m', timeoutMs: 60_000, options: {} },
  optionsSchema: webhooksOptionsSchema as unknown as z.ZodType<Record<string, unknown>>,
  explainedBy: ['config'],
  run: runWebhooks,
};

/** What a GET of the channel's webhook URL should get, when OpenClaw's own listener is behind it. */
export const EXPECTED_ANSWER: Readonly<Record<string, { statuses: number[]; words: string }>> = {
  // dist/monitor-webhook.runtime: anything but a POST to the webhook path gets 404 with an empty body.
  telegram: { statuses: [404, 405], words: "OpenClaw's Telegram listener answers anything but Telegram's POST with 404 and an empty body" },
};
const ANY_ANSWER = 'any HTTP answer shows the URL reaches a server; 502/503/504 means the proxy in front cannot reach the gateway';

/** OpenClaw 2026.9.x log lines that show Telegram polling while a webhook is set (issue #90254, the watchdog's getUpdates wipes the webhook). */
const TELEGRAM_POLLING = /Polling stall detected|getUpdates conflict|setWebhook has not completed/;
const LOG_TAIL_BYTES = 256 * 1024;

interface Verdict {
  hook: WebhookRef;
  status: Status;
  text: string;
  notes: string[];
  evidence: Record<string, unknown>;
}

async function runWebhooks(ctx: CheckContext): Promise<CheckResult> {
  const parsed = parseCheckOptions(webhooksOptionsSchema, ctx.options);
  if ('result' in parsed) return parsed.result;
  const options = parsed.options;
  const loaded = loadOpenclawConfig(ctx.target.openclawConfigPath, 'which webhooks to check');
  if ('result' in loaded) return loaded.result;
  const hooks = channelWebhooks(loaded.config);
  if (hooks.length === 0) {
    return { status: 'ok', summary: 'no channel webhook URL configured (channels poll or keep a socket open: nothing to reach from outside)' };
  }
  const extraCa: string[] = [];
  if (options.caFile) {
    try {
      extraCa.push(await readPem(options.caFile));
    } catch (err) {
      return { status: 'unknown', summary: `cannot read checks.webhooks.options.caFile ${options.caFile}: ${(err as Error).message}` };
    }
  }
  const resolver = makeResolver(options.servers.length ? options.servers : undefined, options.timeoutMs);
  const verdicts: Verdict[] = [];
  for (const hook of hooks) {
    if (ctx.signal.aborted) return { status: 'unknown', summary: 'webhooks check cancelled (check timeout or agent stopping)' };
    verdicts.push(await checkHook(ctx, hook, loaded.config, options, resolver, extraCa));
  }

  const telegram = hooks.filter((h) => h.channel === 'telegram');
  if (telegram.length > 0) {
    const log = options.logFile ?? gatewayLogPath(ctx.target, ctx.now());
    const lines = await tailLines(log, { maxBytes: LOG_TAIL_BYTES, match: TELEGRAM_POLLING, max: 3 });
    for (const v of verdicts.filter((x) => x.hook.channel === 'telegram')) {
      if (lines.length > 0) {
        v.notes.push(`the gateway log shows Telegram polling although a webhook is set: "${clip(collapseWhitespace(redactPatterns(lines.at(-1)!)), 200)}"`);
        if (STATUS_RANK[v.status] < STATUS_RANK.warn) {
          v.status = 'warn';
          v.text = `${v.text}; but Telegram still polls (${log}): the polling watchdog's getUpdates deletes the webhook every ~30 s (openclaw/openclaw#90254) and updates are lost`;
        }
      }
    }
  }

  const bad = verdicts.filter((v) => v.status !== 'ok').sort((a, b) => STATUS_RANK[b.status] - STATUS_RANK[a.status]);
  const details = {
    webhooks: verdicts.map((v) => ({ channel: v.hook.channel, account: v.hook.account, path: v.hook.path, url: shown(v.hook.url), status: v.status, notes: v.notes, ...v.evidence })),
    ...(telegram.length ? { telegramTrap: 'A Telegram webhook and the polling watchdog must not both run: its getUpdates wipes the webhook every ~30 s (openclaw/openclaw#90254).' } : {}),
  };
  const metrics = { webhooks: verdicts.length, failing: bad.length };
  if (bad.length === 0) {
    return {
      status: 'ok',
      summary: clip(verdicts.map((v) => `${label(v.hook)} ${v.text}`).join('; '), 400),
      ...(verdicts.some((v) => v.notes.length) ? { diagnosis: verdicts.flatMap((v) => v.notes.map((n) => `${label(v.hook)}: ${n}`)).join('\n') } : {}),
      metrics,
      details,
    };
  }
  return {
    status: bad[0]!.status,
    summary: clip(`${label(bad[0]!.hook)} ${bad[0]!.text}${bad.length > 1 ? ` (+${bad.length - 1} more)` : ''}`, 400),
    diagnosis: verdicts.flatMap((v) => [`${label(v.hook)} (${v.hook.path}): ${v.text}`, ...v.notes.map((n) => `  ${n}`)]).join('\n'),
    remedy:
      'The channel\'s servers post updates to this URL: while it fails, messages do not arrive. Check the DNS name, the certificate (a full chain, not expired), ' +
      'and that the reverse proxy forwards the path to the gateway\'s listener (Telegram: webhookHost:webhookPort, default 127.0.0.1:8787). ' +
      '`openclaw channels status --probe` shows what the channel itself reports. If webhook mode is not wanted, remove webhookUrl: the channel polls instead.',
    metrics,
    details,
  };
}

function label(h: WebhookRef): string {
  return `${h.channel}${h.account ? `:${h.account}` : ''} webhook ${shown(h.url)}`;
}

/** The URL without query string or credentials (a token may ride in either). */
function shown(url: string): string {
  try {
    const u = new URL(url);
    return redactPatterns(`${u.protocol}//${u.host}${u.pathname}`);
  } catch {
    return clip(redactPatterns(url), 120);
  }
}

async function checkHook(ctx: CheckContext, hook: WebhookRef, config: Record<string, unknown>, options: WebhooksOptions, resolver: ReturnType<typeof makeResolver>, extraCa: string[]): Promise<Verdict> {
  const v: Verdict = { hook, status: 'ok', text: '', notes: [], evidence: {} };
  const fail = (status: Status, text: string) => Object.assign(v, { status, text });
  let url: URL;
  try {
    url = new URL(hook.url);
  } catch {
    return fail('warn', 'is not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return fail('warn', `is not an http(s) URL (${url.protocol})`);
  if (url.protocol === 'http:') fail(hook.channel === 'telegram' ? 'crit' : 'warn', 'is not HTTPS (Telegram and most channels accept only HTTPS webhooks)');

  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const dns = await resolveHost(host, { timeoutMs: options.timeoutMs, signal: ctx.signal }, resolver);
  v.evidence.dns = dns.ok ? { addresses: dns.addresses.slice(0, 4), ms: dns.ms, via: dns.via } : { error: dns.kind, code: dns.code };
  if (!dns.ok) return fail('crit', `does not resolve: ${host} ${DNS_FAILURE_WORDS[dns.kind]}`);
  const address = dns.addresses[0]!;
  if (isLoopbackHost(address) || (isIP(address) === 4 && /^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)/.test(address))) {
    v.notes.push(`${host} resolves to ${address}, a private address: the channel's servers cannot reach it from the internet`);
  }

  const probe = await probeUrl({ url, method: options.method, address, timeoutMs: options.timeoutMs, signal: ctx.signal, extraCa });
  v.evidence.http = probe.ok ? { statusCode: probe.statusCode, ms: probe.ms, ...(probe.location ? { location: shown(probe.location) } : {}) } : { error: probe.kind, code: probe.code, message: clip(probe.message, 200) };
  const tlsProblem = judgeTls(probe, hook, config, options, ctx.now());
  if (probe.tls) v.evidence.tls = { authorized: probe.tls.authorized, authorizationError: probe.tls.authorizationError, hostnameError: probe.tls.hostnameError, issuer: probe.tls.leaf.issuer, validTo: new Date(probe.tls.leaf.validTo).toISOString() };
  if (tlsProblem) {
    if (tlsProblem.status === 'ok') v.notes.push(tlsProblem.text);
    else if (STATUS_RANK[tlsProblem.status] > STATUS_RANK[v.status]) fail(tlsProblem.status, tlsProblem.text);
  }
  if (!probe.ok) {
    if (probe.kind === 'aborted') return fail('unknown', 'check cancelled');
    const words = probe.kind === 'refused' ? 'connection refused' : probe.kind === 'timeout' ? `no answer within ${options.timeoutMs} ms` : probe.kind === 'reset' ? 'connection reset' : probe.message;
    return STATUS_RANK[v.status] >= STATUS_RANK.crit ? v : fail('crit', `is not reachable: ${words} (${address}:${url.port || (url.protocol === 'https:' ? 443 : 80)})`);
  }
  const http = judgeAnswer(hook.channel, probe);
  if (STATUS_RANK[http.status] > STATUS_RANK[v.status]) fail(http.status, http.text);
  else if (v.status === 'ok') v.text = http.text;
  return v;
}

function judgeTls(probe: UrlProbe, hook: WebhookRef, config: Record<string, unknown>, options: WebhooksOptions, now: number): { status: Status; text: string } | undefined {
  const tls = probe.tls;
  if (!tls) return probe.ok || probe.kind !== 'tls' ? undefined : { status: 'crit', text: `the TLS handshake fails: ${probe.message}` };
  if (tls.authorizationError) {
    // Telegram accepts a self-signed certificate that was uploaded with setWebhook (webhookCertPath).
    const uploaded = stringAt(config, `channels.${hook.channel}.webhookCertPath`);
    if (tls.authorizationError === 'DEPTH_ZERO_SELF_SIGNED_CERT' && uploaded) return { status: 'ok', text: `self-signed certificate, uploaded to the channel (${uploaded})` };
    return { status: 'crit', text: `the certificate is refused: ${verifyWords(tls.authorizationError)} (the channel's servers refuse it too)` };
  }
  if (tls.hostnameError) return { status: 'crit', text: `the certificate is for another host (${tls.leaf.altNames ?? tls.leaf.subject})` };
  const level = expiryLevel(tls.leaf.validTo, now, options.warnDays, options.critDays);
  if (level === 'ok' || level === 'expired') return undefined;
  return { status: level, text: `the certificate expires in ${spanWords(tls.leaf.validTo - now)}` };
}

function judgeAnswer(channel: string, probe: Extract<UrlProbe, { ok: true }>): { status: Status; text: string } {
  const code = probe.statusCode;
  const expected = EXPECTED_ANSWER[channel];
  if (code >= 500) return { status: 'crit', text: `answers ${code}: the proxy in front cannot reach the gateway's webhook listener (or it fails)` };
  if (code >= 300 && code < 400) return { status: 'warn', text: `redirects (${code}${probe.location ? ` to ${shown(probe.location)}` : ''}): webhook senders do not follow redirects` };
  if (code === 401 || code === 403) return { status: 'warn', text: `answers ${code}: something in front asks for credentials the channel's servers do not send` };
  if (expected) {
    const html = /<html|<!doctype/i.test(probe.body);
    if (expected.statuses.includes(code) && !html) return { status: 'ok', text: `answers ${code} in ${probe.ms} ms, as expected (${expected.words})` };
    if (code === 404 && html) return { status: 'warn', text: "answers an HTML 404: the proxy does not route this path to OpenClaw's listener" };
    return { status: 'ok', text: `answers ${code} in ${probe.ms} ms (reachable; ${expected.words})` };
  }
  return { status: 'ok', text: `answers ${code} in ${probe.ms} ms (${ANY_ANSWER})` };
}
