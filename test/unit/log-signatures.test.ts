// Every signature against lines the real gateway wrote (samples/gateway-file-log.jsonl, captured from 2026.9.6)
// or modelled exactly on its source (the message templates quoted in checks/log-signatures.ts), and against
// near misses that must not match.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseLogLine } from '../../checks/gateway-log.ts';
import { exitKindOf, fillTemplate, LOG_SIGNATURES, matchSignature } from '../../checks/log-signatures.ts';
import { gatewayLine } from '../fixtures/gateway-log-lines.ts';

const SAMPLE = fileURLToPath(new URL('../fixtures/openclaw-samples/gateway-file-log.jsonl', import.meta.url));

const sig = (raw: string) => {
  const line = parseLogLine(raw);
  return matchSignature(line);
};

const CASES: Record<string, { hits: string[]; misses: string[]; channel?: string; account?: string }> = {
  'invalid-config-start': {
    hits: [
      gatewayLine('openclaw', 'ERROR', 'Gateway start blocked: existing config is missing gateway.mode. Treat this as suspicious or clobbered config.'),
      gatewayLine('openclaw', 'ERROR', 'Gateway failed to start: Invalid config at /home/u/.openclaw/openclaw.json: openclaw.json:2 — gateway: Unrecognized key: "bogusKey"'),
    ],
    misses: [gatewayLine('gateway', 'INFO', 'loading configuration…'), gatewayLine('gateway', 'INFO', 'config valid; 78 keys')],
  },
  eaddrinuse: {
    hits: [
      gatewayLine('openclaw', 'ERROR', 'Gateway failed to start: another gateway instance is already listening on ws://127.0.0.1:18789 | listen EADDRINUSE: address already in use 127.0.0.1:18789 Port 18789 is already in use. - pid 11958 root: python3 -m http.server'),
    ],
    misses: [gatewayLine('gateway', 'INFO', 'http server listening (14 plugins: anthropic, browser; 4.9s)')],
  },
  'failed-to-start': {
    hits: [gatewayLine('openclaw', 'ERROR', 'Gateway failed to start: Error: spawn broker did not become ready. Run openclaw gateway status --deep for diagnostics.')],
    misses: [gatewayLine('gateway', 'INFO', 'starting...')],
  },
  'unhandled-fetch-failed': {
    hits: [gatewayLine('openclaw', 'ERROR', '[openclaw] Unhandled promise rejection: TypeError: fetch failed')],
    misses: [gatewayLine('openclaw', 'WARN', '[openclaw] Non-fatal unhandled rejection (continuing): TypeError: fetch failed')],
  },
  'uncaught-exception': {
    hits: [
      gatewayLine('openclaw', 'ERROR', '[openclaw] Uncaught exception: Error: Max listeners exceeded'),
      gatewayLine('openclaw', 'ERROR', '[openclaw] Unhandled promise rejection: Error: database is locked'),
    ],
    misses: [
      gatewayLine('openclaw', 'ERROR', '[openclaw] Uncaught exception handler failed: TypeError: x is not a function'),
      gatewayLine('openclaw', 'WARN', '[openclaw] Non-fatal unhandled rejection (continuing): AbortError'),
    ],
  },
  'crash-loop-breaker': {
    hits: [
      gatewayLine('gateway/channels/telegram', 'WARN', "channel autostart suppressed by crash-loop breaker; refusing automatic start for telegram. Start a channel manually with: openclaw gateway call channels.start --params '{\"channel\":\"telegram\"}'"),
      gatewayLine('gateway/lifecycle', 'WARN', 'gateway restart-loop breaker tripped: 3 unclean boot(s) within 300000ms; suppressing channel/provider account auto-start.'),
    ],
    misses: [gatewayLine('gateway/health-monitor', 'INFO', '[telegram:default] health-monitor: channel autostart suppressed; treating as expected stopped')],
    channel: 'telegram',
  },
  'memory-pressure-critical': {
    hits: [gatewayLine('gateway/diagnostics/memory', 'WARN', 'memory pressure: level=critical reason=rss_threshold rss=3.10GiB heap=1.2GiB threshold=3.00GiB rssBytes=3328599654 heapUsedBytes=1288490188 nextStep=restart')],
    misses: [gatewayLine('gateway/diagnostics/memory', 'WARN', 'memory pressure: level=warning reason=rss_growth rss=1.6GiB')],
  },
  'memory-pressure-warning': {
    hits: [gatewayLine('gateway/diagnostics/memory', 'WARN', 'memory pressure: level=warning reason=rss_growth rss=1.6GiB heap=700MiB threshold=512MiB rssBytes=1717986918 heapUsedBytes=734003200 nextStep=watch')],
    misses: [gatewayLine('plugins', 'INFO', 'memory-core: created managed dreaming cron job.')],
  },
  'channel-gave-up': {
    hits: [gatewayLine('gateway/channels', 'ERROR', '[telegram:default] giving up after 10 restart attempts')],
    misses: [gatewayLine('gateway/channels', 'INFO', '[telegram:default] auto-restart attempt 3/10 in 20s')],
    channel: 'telegram',
    account: 'default',
  },
  'health-monitor-limit': {
    hits: [gatewayLine('gateway/health-monitor', 'WARN', '[discord:work] health-monitor: hit 10 restarts/hour limit, skipping')],
    misses: [gatewayLine('gateway/health-monitor', 'INFO', 'started (interval: 300s, startup-grace: 60s, channel-connect-grace: 120s)')],
    channel: 'discord',
    account: 'work',
  },
  'health-monitor-restart': {
    hits: [gatewayLine('gateway/health-monitor', 'INFO', '[discord:default] health-monitor: restarting (reason: stale-socket)')],
    misses: [gatewayLine('gateway/health-monitor', 'INFO', '[discord:default] health-monitor: channel autostart suppressed; treating as expected stopped')],
    channel: 'discord',
    account: 'default',
  },
  'health-monitor-restart-failed': {
    hits: [gatewayLine('gateway/health-monitor', 'ERROR', '[slack:default] health-monitor: restart failed: Error: invalid_auth')],
    misses: [gatewayLine('gateway/health-monitor', 'ERROR', 'health-monitor: check failed: TypeError: x is undefined')],
    channel: 'slack',
  },
  'telegram-polling-stall': {
    hits: [gatewayLine('gateway/channels/telegram', 'WARN', '[telegram] Polling stall detected (no completed getUpdates for 105.92s); forcing restart.')],
    misses: [gatewayLine('gateway/channels/telegram', 'INFO', '[telegram] polling started')],
    channel: 'telegram',
  },
  'discord-max-reconnect': {
    hits: [gatewayLine('openclaw', 'ERROR', '[openclaw] Uncaught exception: Error: Max reconnect attempts (0) reached after code 1005')],
    misses: [],
  },
  'whatsapp-disconnect-storm': {
    hits: [gatewayLine('gateway/channels/whatsapp', 'WARN', '[whatsapp] Web connection closed (status 499). Retry 1/12 in 2.16s…'), gatewayLine('gateway/channels/whatsapp', 'WARN', 'WhatsApp gateway disconnected (status 408)')],
    misses: [gatewayLine('gateway/channels/whatsapp', 'INFO', '[whatsapp] Web connection opened')],
    channel: 'whatsapp',
  },
  'slack-socket-failed': {
    hits: [gatewayLine('gateway/channels/slack', 'WARN', 'slack socket mode failed to start. retry 1/12 in 2s (getaddrinfo ENOTFOUND slack.com)')],
    misses: [gatewayLine('gateway/channels/slack', 'INFO', 'slack socket mode connected')],
    channel: 'slack',
  },
  'config-reload-invalid': {
    hits: [gatewayLine('gateway/reload', 'WARN', 'config reload skipped (invalid config): gateway: Unrecognized key: "bogus"')],
    misses: [gatewayLine('gateway/reload', 'WARN', 'config reload skipped (config file not found)'), gatewayLine('gateway/reload', 'INFO', 'config reload skipped by writer intent (doctor)')],
  },
  'plugin-load-error': {
    hits: [
      gatewayLine('plugins', 'ERROR', '[plugins] memory-lancedb invalid config: dbPath must be a string'),
      gatewayLine('plugins', 'ERROR', '[plugins] my-plugin missing register/activate export'),
      gatewayLine('gateway', 'ERROR', 'plugin service failed (indexer, plugin=memory-core, root=/x): Error: EACCES'),
    ],
    misses: [gatewayLine('plugins', 'WARN', '[plugins] plugins.allow is empty; discovered non-bundled plugins may auto-load: a, b. Set plugins.allow.')],
  },
  'ws-1006-storm': {
    hits: [
      gatewayLine('gateway/channels/discord', 'WARN', '[discord] gateway: WebSocket connection closed with code 1006'),
      gatewayLine('gateway/ws', 'INFO', 'webchat disconnected code=1006 reason=n/a conn=8bf04d44 durationMs=3047 cause=heartbeat-timeout'),
    ],
    misses: [gatewayLine('gateway/ws', 'INFO', 'webchat disconnected code=1000 reason=bye conn=8bf04d44'), gatewayLine('gateway', 'INFO', 'shutdown completed cleanly in 10060ms')],
    channel: 'discord',
  },
  'ws-1008-storm': {
    // Captured from 2026.9.6 (samples/gateway-file-log.jsonl, and a wrong-token connect to a real gateway).
    hits: [
      gatewayLine('gateway/ws', 'WARN', 'closed before connect conn=0d40ff43-71c2-490e-b8cb-98740d9e226b peer=127.0.0.1:38868->127.0.0.1:28931 remote=127.0.0.1 fwd=n/a origin=n/a host=127.0.0.1:28931 ua=node code=1008 reason=n/a phase=auth_credentials_received'),
    ],
    misses: [gatewayLine('gateway/ws', 'WARN', 'closed before connect conn=ab67 peer=127.0.0.1:45304 code=10080 reason=n/a')],
  },
  'received-signal': {
    hits: [gatewayLine('gateway', 'INFO', 'received SIGTERM; shutting down'), gatewayLine('gateway', 'INFO', 'received SIGUSR2; restarting')],
    misses: [gatewayLine('gateway/admission', 'INFO', 'admission closed: stop (SIGTERM)')],
  },
  'fetch-failed': {
    hits: [gatewayLine('gateway/model-fetch', 'ERROR', 'model catalog request failed: TypeError: fetch failed')],
    // An INFO "refresh failed" is not it, nor is fetch failed at INFO.
    misses: [gatewayLine('gateway', 'INFO', 'remote model catalog refresh failed'), gatewayLine('gateway', 'INFO', 'provider probe: fetch failed (retrying)')],
  },
};

describe('the signature library', () => {
  it('has a case for every signature, and each one has an id, a title, a diagnosis and a remedy', () => {
    expect(Object.keys(CASES).sort()).toEqual(LOG_SIGNATURES.map((s) => s.id).sort());
    expect(new Set(LOG_SIGNATURES.map((s) => s.id)).size).toBe(LOG_SIGNATURES.length);
    for (const s of LOG_SIGNATURES) {
      expect(s.title && s.diagnosis && s.remedy, s.id).toBeTruthy();
      expect(s.remedy, s.id).not.toMatch(/openclaw (start|stop|restart|cache clear)\b/);
    }
  });

  for (const [id, c] of Object.entries(CASES)) {
    it(`${id}: matches the gateway's lines and not its near misses`, () => {
      for (const [i, line] of c.hits.entries()) {
        const hit = sig(line);
        // discord-max-reconnect sits behind uncaught-exception in the same line: both name the line; the crash wins.
        if (id === 'discord-max-reconnect') {
          expect(matchSignature({ message: parseLogLine(line).message })?.signature.id).toBe('uncaught-exception');
          expect(matchSignature({ message: 'Error: Max reconnect attempts (0) reached after code 1005' })?.signature.id).toBe(id);
          continue;
        }
        expect(hit?.signature.id, line).toBe(id);
        // The channel (and account) the first line names.
        if (c.channel && i === 0) expect(hit?.channel, line).toBe(c.channel);
        if (c.account && i === 0) expect(hit?.account, line).toBe(c.account);
      }
      for (const line of c.misses) expect(sig(line)?.signature.id, line).not.toBe(id);
    });
  }

  it('reads the real 2026.9.6 log sample: its 1008 closes are named, its CLI error lines match nothing', () => {
    const lines = readFileSync(SAMPLE, 'utf8').split('\n').filter(Boolean).map((l) => parseLogLine(l));
    const ids = lines.map((l) => matchSignature(l)?.signature.id);
    expect(ids.filter((x) => x === 'ws-1008-storm')).toHaveLength(4);
    expect(ids.filter((x) => x !== undefined && x !== 'ws-1008-storm')).toEqual(['received-signal']);
    // The CLI's own errors (a wrong token, an unknown command) are console lines: no signature, not gateway errors.
    const cli = lines.filter((l) => l.cli);
    expect(cli).toHaveLength(5);
    expect(cli.every((l) => l.level === 'error')).toBe(true);
  });

  it('leaves console lines (every CLI run writes them) to the signatures the gateway writes there', () => {
    const doctorLine = gatewayLine('openclaw', 'INFO', '[warning] core/doctor/x - memory pressure: level=warning is reported by the gateway');
    expect(sig(doctorLine)).toBeUndefined();
    expect(sig(gatewayLine('openclaw', 'ERROR', '[openclaw] Uncaught exception: boom'))?.signature.id).toBe('uncaught-exception');
  });

  it('never puts a hostile channel field into a shell command', () => {
    const hit = matchSignature({ message: 'giving up after 10 restart attempts', channel: "x'; rm -rf / #" });
    expect(hit?.channel).toBeUndefined();
    expect(fillTemplate(hit!.signature.remedy, hit!)).toContain(`'{"channel":"<id>"}'`);
  });

  it('tells the restarts check what an exit line means, most specific first', () => {
    expect(exitKindOf('Gateway failed to start: Invalid config at /x: gateway: Unrecognized key')).toEqual({ kind: 'config', exitStatus: 78 });
    expect(exitKindOf('Gateway failed to start: listen EADDRINUSE: address already in use')).toEqual({ kind: 'port' });
    expect(exitKindOf('[openclaw] Unhandled promise rejection: TypeError: fetch failed')).toEqual({ kind: 'fetch' });
    expect(exitKindOf('[openclaw] Uncaught exception: boom')).toEqual({ kind: 'uncaught' });
    expect(exitKindOf('received SIGUSR2; restarting')).toEqual({ kind: 'signal' });
    expect(exitKindOf('memory pressure: level=warning')).toBeUndefined();
  });
});

describe('parseLogLine', () => {
  it('reads OpenClaw\'s JSON line: time, level, subsystem, console origin, message', () => {
    const l = parseLogLine(gatewayLine('gateway/ws', 'WARN', 'closed before connect code=1008'));
    expect(l).toEqual({ at: Date.parse('2026-11-29T20:18:48.082Z'), level: 'warn', subsystem: 'gateway/ws', cli: false, message: 'closed before connect code=1008', json: true });
    expect(parseLogLine(gatewayLine('openclaw', 'ERROR', 'OpenClaw does not know the command "stop".'))).toMatchObject({ cli: true, level: 'error' });
  });

  it('reads the guide\'s plain-text form, every part optional', () => {
    expect(parseLogLine('2026-11-29T20:18:48.082Z ERROR [gateway/ws] boom')).toEqual({ at: Date.parse('2026-11-29T20:18:48.082Z'), level: 'error', subsystem: 'gateway/ws', cli: false, message: 'boom', json: false });
    expect(parseLogLine('[discord:default] health-monitor: restarting (reason: stale-socket)')).toMatchObject({ message: '[discord:default] health-monitor: restarting (reason: stale-socket)', json: false });
    expect(parseLogLine('WARN: something')).toMatchObject({ level: 'warn', message: 'something' });
  });

  it('takes a line that is not JSON, or JSON of another shape, as text, never throwing', () => {
    expect(parseLogLine('{"broken": ')).toMatchObject({ json: false, message: '{"broken": ' });
    expect(parseLogLine('[1,2,3]')).toMatchObject({ json: false });
    expect(parseLogLine('{"message": 42, "_meta": "x"}')).toMatchObject({ json: true, cli: false, message: '' });
    expect(parseLogLine('{"1":"older line without message","_meta":{"logLevelId":5}}')).toMatchObject({ level: 'error', message: 'older line without message' });
  });
});
