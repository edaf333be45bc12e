// Known failures, as the gateway words them in its log: one entry per failure, data rather than code, so adding
// one is adding an entry (and a line from the real gateway to test/unit/log-signatures.test.ts). Sources: the
// messages in openclaw 2026.9.6's dist/ (quoted in the comments), REFERENCE.md 4.3, 4.4, 6 and 7, and the issues
// named. The first entry whose pattern matches a line is the line's signature, so the specific come first.
//
// Fields: pattern (against the line's message), severity (info: listed, never alerted), minCount (hits within
// windowMs before the signature counts: one 1006 is weather, fifty are a storm), channel (the channel it
// concerns, or taken from the line's `[<channel>:<account>]` prefix), exitKind (what the restarts check calls
// an exit for this reason), diagnosis and remedy (`{channel}`, `{account}` and `{match}` are filled in).
import type { ExitKind } from './exit-reasons.ts';

export type SignatureSeverity = 'info' | 'warn' | 'crit';

export interface LogSignature {
  id: string;
  title: string;
  pattern: RegExp;
  severity: SignatureSeverity;
  /** Hits within windowMs before the signature counts (default 1). */
  minCount?: number;
  /** Its own window (default: the logs check's window). */
  windowMs?: number;
  /** A channel id, or 'line' to take it from the line (`[telegram:default] …`, `[discord] …`). */
  channel?: string;
  /** What an exit with this line is, for the restarts check's exit reasons. */
  exitKind?: ExitKind;
  exitStatus?: number;
  /** Lines at these levels only (default: any). */
  levels?: ReadonlyArray<'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'>;
  /**
   * Also in console lines (logger "openclaw"): the gateway process writes its crashes and failed starts there,
   * but so does every CLI run (doctor, config validate, clawmedic's own calls), so only these match them.
   */
  console?: boolean;
  diagnosis: string;
  remedy: string;
}

const HOUR = 3_600_000;

export const CHANNEL_START = "openclaw gateway call channels.start --params '{\"channel\":\"{channel}\"}'";

export const LOG_SIGNATURES: readonly LogSignature[] = [
  {
    // "Gateway start blocked: existing config is missing gateway.mode…", "Gateway failed to start: Invalid config at …" (exit 78).
    id: 'invalid-config-start',
    console: true,
    title: 'gateway refused to start: invalid config',
    pattern: /Gateway start blocked|Invalid config at|config is invalid|exit(?:ed)?(?: with)?(?: code| status)? 78\b/i,
    severity: 'crit',
    exitKind: 'config',
    exitStatus: 78,
    diagnosis: 'The gateway refused to start because openclaw.json is invalid (exit status 78): it will do so at every start.',
    remedy: '`openclaw config validate --json` names the problem; fix it or restore the .bak beside openclaw.json. Restarting will not help; a supervisor must not restart on 78 (systemd: RestartPreventExitStatus=78).',
  },
  {
    // "Gateway failed to start: another gateway instance is already listening on ws://127.0.0.1:18789 | listen EADDRINUSE …"
    id: 'eaddrinuse',
    console: true,
    title: 'gateway port already in use (EADDRINUSE)',
    pattern: /EADDRINUSE|another gateway instance is already listening|address already in use/i,
    severity: 'crit',
    exitKind: 'port',
    diagnosis: 'The gateway could not listen: another process holds its port (EADDRINUSE). It retries for about 20 s, then exits 1.',
    remedy: 'The gateway.port check names the process on the port: stop it, or move one of the two (`openclaw gateway run --force` kills an old listener first). A stale gateway left by an earlier crash is the usual holder (openclaw issue #54726).',
  },
  {
    // "Gateway failed to start: <error>" (dist: defaultRuntime.error).
    id: 'failed-to-start',
    console: true,
    title: 'gateway failed to start',
    pattern: /Gateway failed to start/i,
    severity: 'crit',
    exitKind: 'exit',
    diagnosis: 'The gateway failed to start: {match}.',
    remedy: 'Read the error quoted above; `openclaw gateway status --deep` gives diagnostics. Then start it again (`openclaw gateway restart`, or your supervisor).',
  },
  {
    // "[openclaw] Unhandled promise rejection: TypeError: fetch failed" (issue #54726): the process exits.
    id: 'unhandled-fetch-failed',
    console: true,
    title: 'crash on an unhandled `fetch failed`',
    pattern: /(?:Uncaught exception|uncaughtException|Unhandled promise rejection|unhandledRejection)\b.*\bfetch failed/i,
    severity: 'crit',
    exitKind: 'fetch',
    diagnosis: 'An unhandled `TypeError: fetch failed` (a provider or channel request that lost its network) killed the gateway process (openclaw issues #54726, #4764).',
    remedy: 'Update OpenClaw (later releases catch it); check DNS and the network to the providers and channels it calls. Under systemd, make sure the old process does not keep the port (a stale holder keeps the new one from starting).',
  },
  {
    // "[openclaw] Uncaught exception: …" / "[openclaw] Unhandled promise rejection: …"; not "Non-fatal unhandled rejection (continuing)".
    id: 'uncaught-exception',
    console: true,
    title: 'uncaught exception (the process exits)',
    pattern: /(?<!Non-fatal )(?:Uncaught exception|uncaughtException|Unhandled promise rejection|unhandledRejection)\b(?! handler failed)/i,
    severity: 'crit',
    exitKind: 'uncaught',
    diagnosis: 'An uncaught exception or unhandled rejection ended the gateway process: {match}.',
    remedy: 'The line names the error and its stack; a stability bundle is in ~/.openclaw/logs/stability/. Update OpenClaw and report it with that bundle (`clawmedic bundle` collects the rest).',
  },
  {
    // "gateway restart-loop breaker tripped: 3 unclean boot(s) within 300000ms; suppressing channel/provider account auto-start."
    // "channel autostart suppressed by crash-loop breaker; refusing automatic start for telegram …"
    id: 'crash-loop-breaker',
    title: "OpenClaw's crash-loop breaker stopped channel autostart",
    pattern: /restart-loop breaker tripped|suppressed by crash-loop breaker|crash-loop breaker/i,
    severity: 'crit',
    channel: 'line',
    exitKind: 'breaker',
    diagnosis: 'OpenClaw counted 3 unclean boots within 5 minutes and no longer starts channels by itself: {match}.',
    remedy: 'Fix what made it crash (the restarts check and the lines before it), then start each channel by hand: `' + CHANNEL_START + '`.',
  },
  {
    // "memory pressure: level=critical reason=rss_threshold rss=… heap=… threshold=… nextStep=…" (gateway/diagnostics/memory).
    id: 'memory-pressure-critical',
    title: 'memory pressure: critical',
    pattern: /memory pressure: level=critical/,
    severity: 'crit',
    exitKind: 'memory',
    diagnosis: 'The gateway reports critical memory pressure (by default RSS over 3 GiB or 75 % of its heap limit): {match}. It does not restart itself on this.',
    remedy: 'See the memory check and `clawmedic trend gateway.rss_bytes`; restart it before the kernel kills it (`openclaw gateway restart --json`), and lower its history (messages.groupChat.historyLimit, session.reset idle minutes). Known leaks: openclaw issues #91588, #155191.',
  },
  {
    id: 'memory-pressure-warning',
    title: 'memory pressure: warning',
    pattern: /memory pressure: level=warning/,
    severity: 'warn',
    diagnosis: 'The gateway reports memory pressure (RSS over 1.5 GiB, fast growth, or half its heap limit): {match}.',
    remedy: 'Watch the memory check and its trend; plan a restart in a quiet hour if it keeps growing.',
  },
  {
    // "[telegram:default] giving up after 10 restart attempts" (ERROR; the channel manager's backoff ladder ended).
    id: 'channel-gave-up',
    title: 'a channel gave up restarting',
    pattern: /giving up after \d+ restart attempts/,
    severity: 'crit',
    channel: 'line',
    diagnosis: 'The {channel} channel{account} failed 10 restarts in a row and stopped trying: {match}.',
    remedy: 'Find why it cannot connect (its token, the network, the provider\'s status page; `openclaw channels status --probe --json`), then start it: `' + CHANNEL_START + '`.',
  },
  {
    // "[discord:default] health-monitor: hit 10 restarts/hour limit, skipping".
    id: 'health-monitor-limit',
    title: 'health monitor hit its restart limit',
    pattern: /health-monitor: hit \d+ restarts\/hour limit/,
    severity: 'crit',
    channel: 'line',
    diagnosis: 'OpenClaw\'s health monitor restarted the {channel} channel{account} 10 times within the hour and now leaves it down: {match}.',
    remedy: 'The channel is not being restarted any more: find why it keeps going stale (`openclaw channels status --probe --json`), then `' + CHANNEL_START + '`.',
  },
  {
    // "[discord:default] health-monitor: restarting (reason: stale-socket)" (INFO; issues #54851, #56086, #65613).
    id: 'health-monitor-restart',
    title: 'health monitor restarting a channel',
    pattern: /health-monitor: restarting \(reason: ([\w-]+)\)/,
    severity: 'warn',
    minCount: 3,
    windowMs: HOUR,
    channel: 'line',
    diagnosis: 'OpenClaw\'s health monitor keeps restarting the {channel} channel{account} ({match}).',
    remedy: 'stale-socket restarts every ~35 min on an idle Discord or Telegram account are a known bug (openclaw issues #54851, #65613): update OpenClaw. Otherwise `openclaw channels status --probe --json` shows why it drops.',
  },
  {
    // "health-monitor: restart failed: <err>" (ERROR).
    id: 'health-monitor-restart-failed',
    title: 'health monitor could not restart a channel',
    pattern: /health-monitor: restart failed/,
    severity: 'warn',
    channel: 'line',
    diagnosis: 'OpenClaw\'s health monitor could not restart the {channel} channel{account}: {match}.',
    remedy: '`openclaw channels status --probe --json` shows the channel\'s last error; then `' + CHANNEL_START + '`.',
  },
  {
    // "[telegram] Polling stall detected (no completed getUpdates for 105.92s); forcing restart." (issues #75519, #81132).
    id: 'telegram-polling-stall',
    title: 'Telegram polling stalled',
    pattern: /Polling stall detected/,
    severity: 'warn',
    channel: 'telegram',
    diagnosis: 'Telegram long polling stalled and was restarted: {match}. Messages wait until polling resumes.',
    remedy: 'A saturated event loop stalls polling (see the latency check); a `webhookUrl` set beside polling makes getUpdates wipe the webhook (openclaw issue #90254). If it stays `stopped, disconnected`: `' + CHANNEL_START + '`.',
  },
  {
    // "[discord] … Max reconnect attempts (0) reached after code 1005" (issue #55260: uncaught, the process exits).
    id: 'discord-max-reconnect',
    title: 'Discord reconnects exhausted',
    pattern: /Max reconnect attempts \(\d+\) reached/,
    severity: 'crit',
    channel: 'discord',
    diagnosis: 'The Discord socket ran out of reconnect attempts: {match}. On some releases this is uncaught and kills the gateway (openclaw issue #55260).',
    remedy: 'Update OpenClaw; then `' + CHANNEL_START + '`.',
  },
  {
    // "[whatsapp] Web connection closed (status 499). Retry 1/12 in 2.16s…", "WhatsApp gateway disconnected (status 408)".
    id: 'whatsapp-disconnect-storm',
    title: 'WhatsApp reconnect loop',
    pattern: /Web connection closed \(status \d+\)|WhatsApp gateway disconnected/,
    severity: 'warn',
    minCount: 5,
    channel: 'whatsapp',
    diagnosis: 'The WhatsApp web connection keeps closing ({match}); a 408/499 loop can leave the listener dead while status says OK (openclaw issues #11290, #62258).',
    remedy: 'A 440/401 status means the session was logged out: link the device again (`openclaw channels login --channel whatsapp`). Otherwise restart the channel: `' + CHANNEL_START + '`.',
  },
  {
    // "slack socket mode failed to start. retry 1/12 in 2s (…ENOTFOUND slack.com)".
    id: 'slack-socket-failed',
    title: 'Slack Socket Mode failed to start',
    pattern: /socket mode failed to start/i,
    severity: 'warn',
    channel: 'slack',
    diagnosis: 'Slack Socket Mode could not connect: {match}.',
    remedy: 'Check the app-level token (xapp-…) and that this host resolves and reaches slack.com; then `' + CHANNEL_START + '`.',
  },
  {
    // "config reload skipped (invalid config): <issues>" (WARN; the running gateway keeps its previous config).
    id: 'config-reload-invalid',
    title: 'config reload skipped: invalid config',
    pattern: /config reload skipped \(invalid config\)/,
    severity: 'warn',
    diagnosis: 'An edit to openclaw.json was rejected: {match}. The gateway runs on with its previous config, but its next start will exit 78.',
    remedy: '`openclaw config validate --json` names the problem; fix it before anything restarts the gateway.',
  },
  {
    // "[plugins] <id> invalid config: …", "[plugins] <id> missing register/activate export", "plugin load failed: <id>: …",
    // "plugin service failed (…)", "plugin services failed to start: …".
    id: 'plugin-load-error',
    title: 'plugin failed to load',
    pattern: /\[plugins\] \S+ (?:invalid config|missing register\/activate export)|plugin load failed|plugin services? failed|failed to load plugin/i,
    severity: 'warn',
    diagnosis: 'A plugin failed to load or start: {match}.',
    remedy: '`openclaw doctor --lint --json` (and `openclaw plugins list`) name the plugin and the fix; the websocket check lists health\'s plugins.errors.',
  },
  {
    // "[discord] gateway: WebSocket connection closed with code 1006", "webchat disconnected code=1006 …", "→ close code=1006 …".
    id: 'ws-1006-storm',
    title: 'websocket 1006 (abnormal close) storm',
    pattern: /\bcode[= ]1006\b|closed with code 1006/,
    severity: 'warn',
    minCount: 10,
    channel: 'line',
    diagnosis: 'Websockets keep closing abnormally (1006: no close frame, the connection dropped): {match}. Discord drops every ~15 min with failing resumes are known (openclaw issue #39288).',
    remedy: 'Look for what drops connections: a proxy or NAT idle timeout, a saturated event loop (latency check), the network. For a channel, restart it: `' + CHANNEL_START + '`.',
  },
  {
    // "closed before connect conn=… code=1008 reason=device identity required phase=ws_upgrade_started" (gateway/ws, WARN).
    id: 'ws-1008-storm',
    title: 'websocket 1008 (policy) rejections',
    pattern: /\bcode[= ]1008\b/,
    severity: 'warn',
    minCount: 10,
    diagnosis: 'Clients keep being refused by the gateway (1008: {match}): a wrong token, no device identity, or an origin it does not allow.',
    remedy: 'The `reason=` and `peer=` in these lines name the cause and the client: give it the gateway token (gateway.auth.token / OPENCLAW_GATEWAY_TOKEN) or pair the device (`openclaw devices list`).',
  },
  {
    // "received SIGTERM; shutting down", "received SIGUSR2; restarting", "restart mode: in-process restart (…)".
    id: 'received-signal',
    title: 'gateway asked to stop or restart',
    pattern: /received SIG(?:TERM|INT|USR2|HUP)|restart mode: in-process/,
    severity: 'info',
    exitKind: 'signal',
    diagnosis: 'The gateway was asked to stop or restart: {match}.',
    remedy: '<state dir>/logs/gateway-restart.log names who asked (`openclaw gateway restart`), else a supervisor or a person.',
  },
  {
    // Any other "fetch failed" a provider or channel logged: the network is flaky.
    id: 'fetch-failed',
    title: '`fetch failed` errors',
    pattern: /\bfetch failed\b/i,
    severity: 'warn',
    minCount: 5,
    levels: ['warn', 'error', 'fatal'],
    exitKind: 'fetch',
    diagnosis: 'Requests from the gateway keep failing at the network level: {match}.',
    remedy: 'Check DNS and outbound access to the providers and channels (the dns and providers checks); an unhandled one kills the process on older releases (openclaw issue #54726).',
  },
];

export interface SignatureHit {
  signature: LogSignature;
  /** The channel it concerns, when known. */
  channel?: string;
  account?: string;
}

/** `[telegram:default] …`, `[discord] …` at the start of a message: the channel (and account) it is about. */
const LINE_CHANNEL = /^\[([a-z][a-z0-9_-]{1,30})(?::([^\]\s]{1,60}))?\]/;
/** A channel named later in a line, as the crash-loop breaker does ("refusing automatic start for telegram"). */
const CHANNEL_WORD = /\b(telegram|discord|whatsapp|slack|signal|imessage|msteams|teams|googlechat|irc|matrix|line|mattermost|feishu|zalo)\b/i;

/** A channel id safe to put in a shell command and a message. */
const CHANNEL_ID = /^[a-z][a-z0-9_-]{1,30}$/;

/** What a signature is matched against: a parsed log line (gateway-log.ts LogLine) or a plain text. */
export interface MatchInput {
  message: string;
  level?: string;
  /** The line's own channel field. */
  channel?: string;
  /** A console line (logger "openclaw"). */
  cli?: boolean;
}

/** The first signature that matches a line (its message, level and logger), with the channel it concerns. */
export function matchSignature(line: MatchInput): SignatureHit | undefined {
  const { message, level } = line;
  for (const signature of LOG_SIGNATURES) {
    if (line.cli && !signature.console) continue;
    if (signature.levels && (!level || !signature.levels.includes(level as never))) continue;
    if (!signature.pattern.test(message)) continue;
    const hit: SignatureHit = { signature };
    if (signature.channel === 'line') {
      const m = LINE_CHANNEL.exec(message);
      const field = line.channel?.toLowerCase();
      const channel = (field && CHANNEL_ID.test(field) ? field : undefined) ?? (m && m[1] !== 'openclaw' && m[1] !== 'plugins' ? m[1] : undefined) ?? CHANNEL_WORD.exec(message)?.[1]?.toLowerCase();
      if (channel) hit.channel = channel;
      if (m?.[2] && channel === m[1]) hit.account = m[2];
    } else if (signature.channel) hit.channel = signature.channel;
    return hit;
  }
  return undefined;
}

/** The exit a message tells of, for the restarts check (most specific signature first). */
export function exitKindOf(message: string): { kind: ExitKind; exitStatus?: number } | undefined {
  for (const signature of LOG_SIGNATURES) {
    if (!signature.exitKind || !signature.pattern.test(message)) continue;
    return { kind: signature.exitKind, ...(signature.exitStatus !== undefined ? { exitStatus: signature.exitStatus } : {}) };
  }
  return undefined;
}

/** A signature's diagnosis or remedy with {channel}, {account} and {match} filled in. */
export function fillTemplate(text: string, hit: { channel?: string; account?: string }, match = ''): string {
  return text
    .replaceAll('{channel}', hit.channel ?? '<id>')
    .replaceAll('{account}', hit.account ? ` (account ${hit.account})` : '')
    .replaceAll('{match}', match);
}
