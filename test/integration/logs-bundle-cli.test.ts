// `clawmedic logs` and `clawmedic bundle` as real processes over real files: rotated logs, filters, --json,
// --output, --follow, an unreadable log (as another user), and a bundle with a secret planted in every source.
import { execFile, spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLI_ENTRY, makeCliHome, waitFor, type CliHome } from '../fixtures/cli.ts';
import { gatewayLine } from '../fixtures/gateway-log-lines.ts';

const execFileAsync = promisify(execFile);
let h: CliHome;
let logDir: string;
let log: string;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

beforeEach(async () => {
  h = await makeCliHome();
  logDir = join(h.home, 'oclogs');
  await mkdir(logDir, { recursive: true });
  log = join(logDir, 'openclaw-2026-11-29.log');
});
afterEach(async () => {
  await h.cleanup();
});

async function config(extra = '') {
  await h.writeConfig(`{ checks: { logs: { options: { path: '${log}' } } }, ${extra} }`);
}

describe('clawmedic logs', () => {
  it('prints the lines of the span across a size rotation, at or above a level, then the known failures with counts', async () => {
    await config();
    await writeFile(join(logDir, 'openclaw-2026-11-29.1.log'), [
      gatewayLine('gateway', 'ERROR', 'old error, before the span', ago(3 * 3_600_000)),
      gatewayLine('gateway/health-monitor', 'INFO', '[discord:default] health-monitor: restarting (reason: stale-socket)', ago(50 * 60_000)),
      gatewayLine('gateway', 'ERROR', 'first error in the span', ago(40 * 60_000)),
    ].join('\n') + '\n');
    await writeFile(log, [
      gatewayLine('gateway/health-monitor', 'INFO', '[discord:default] health-monitor: restarting (reason: stale-socket)', ago(20 * 60_000)),
      gatewayLine('openclaw', 'ERROR', '[openclaw] Unhandled promise rejection: TypeError: fetch failed', ago(10 * 60_000)),
      gatewayLine('gateway', 'WARN', 'hostile \u001b[31mred\u001b[0m text\u0007', ago(5 * 60_000)),
      'not JSON: a plain line',
    ].join('\n') + '\n');
    const r = await h.run(['logs', '--since', '1h', '--level', 'error']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.slice(0, 2)).toEqual([
      expect.stringMatching(/^\S+Z ERROR \[gateway\] first error in the span$/),
      expect.stringMatching(/^\S+Z ERROR \[console\] \[openclaw\] Unhandled promise rejection: TypeError: fetch failed$/),
    ]);
    expect(r.stdout).not.toContain('old error');
    expect(r.stdout).toMatch(/-- 2 of 6 line\(s\) in the last 1h at error or above, from .*openclaw-2026-11-29\.1\.log, .*openclaw-2026-11-29\.log/);
    expect(r.stdout).toMatch(/CRIT +1x {2}crash on an unhandled `fetch failed`/);
    expect(r.stdout).toMatch(/WARN +2x {2}health monitor restarting a channel \(discord\)/);

    const all = await h.run(['logs', '--since', '1h']);
    expect(all.stdout).toContain('WARN  [gateway] hostile red text');
    expect(all.stdout).not.toMatch(/[\u001b\u0007]/);
    expect(all.stdout).toMatch(/^- -\s+not JSON: a plain line$/m);
  });

  it('--json: one object per line, then the summary; --output writes a new 0600 file and refuses an existing one', async () => {
    await config();
    await writeFile(log, `${gatewayLine('gateway/ws', 'WARN', 'closed before connect conn=x code=1008 reason=n/a', ago(60_000))}\n`);
    const r = await h.run(['logs', '--json']);
    const objs = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(objs[0]).toMatchObject({ type: 'log', level: 'warn', subsystem: 'gateway/ws', cli: false, signature: 'ws-1008-storm' });
    expect(objs.at(-1)).toMatchObject({ type: 'summary', lines: 1, shown: 1, signatures: [{ id: 'ws-1008-storm', count: 1 }] });

    const out = join(h.home, 'export.log');
    const w = await h.run(['logs', '--since', '24h', '--output', out]);
    expect(w.code).toBe(0);
    expect(w.stderr).toContain(`wrote 1 line(s) to ${out}`);
    expect((await stat(out)).mode & 0o777).toBe(0o600);
    expect(await readFile(out, 'utf8')).toMatch(/closed before connect/);
    const again = await h.run(['logs', '--output', out]);
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toBe(`clawmedic: cannot write ${out}: it exists already (give a new file name)`);
  });

  it('bad options: one line and exit 1', async () => {
    await config();
    expect(await h.run(['logs', '--since', 'yesterday'])).toMatchObject({ code: 1, stderr: expect.stringContaining('--since "yesterday" is not a duration') });
    expect(await h.run(['logs', '--level', 'loud'])).toMatchObject({ code: 1, stderr: expect.stringContaining('--level "loud" is not one of trace, debug, info, warn, error, fatal') });
  });

  it('--follow prints lines as they are written, also into a new day\'s file, until SIGTERM', async () => {
    await config();
    await writeFile(log, '');
    const child = spawn(process.execPath, [CLI_ENTRY, 'logs', '--follow'], { env: h.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await new Promise((r) => setTimeout(r, 1_500));
      await appendFile(log, `${gatewayLine('gateway', 'INFO', 'line while following', new Date().toISOString())}\n`);
      await waitFor('the appended line', () => out.includes('line while following'), 10_000);
      await writeFile(join(logDir, 'openclaw-2026-11-30.log'), `${gatewayLine('gateway', 'INFO', 'next day', new Date().toISOString())}\n`);
      await waitFor('the next day\'s line', () => out.includes('next day'), 10_000);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('a log it may not read: exit 1 naming the user it runs as and the file\'s owner and mode', async () => {
    if (process.getuid?.() !== 0) throw new Error('this test runs clawmedic as another user (nobody) and must run as root (CI does)');
    await writeFile(log, `${gatewayLine('gateway', 'INFO', 'secret-ish', ago(1_000))}\n`, { mode: 0o600 });
    const cfg = join(h.home, 'readable.json5');
    await writeFile(cfg, `{ state: { path: '${join(h.home, 'state.json')}' }, checks: { logs: { options: { path: '${log}' } } } }`, { mode: 0o644 });
    await chmod(h.home, 0o755);
    const r: { code?: number; stderr: string } = await execFileAsync(process.execPath, [CLI_ENTRY, '--config', cfg, 'logs'], { env: { ...h.env, HOME: '/tmp' }, uid: 65534, gid: 65534, timeout: 30_000 }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(new RegExp(`^clawmedic: cannot read ${log}: permission denied \\(EACCES\\); clawmedic runs as uid 65534 \\(nobody\\); ${log} is owned by uid 0 \\(root\\), mode 0600 \\(the gateway log, from option path\\)$`));
  });
});

describe('clawmedic bundle', () => {
  it('writes a .tar.gz that tar reads, with every part, and no planted secret anywhere in it', async () => {
    const SECRETS = {
      gatewayToken: 'GWTOKEN-c0ffee-4b1d-planted-1',
      slackUrl: 'https://hooks.slack.com/services/T000PLANT/B000PLANT/planted2slacksecretXYZ',
      smtpPassword: 'smtp-pass-planted-3-9f8e7d',
      hmac: 'hmac-planted-4-a1b2c3d4e5',
      telegramBot: '7123456789:AAHplanted5-telegram-bot-token-0123456789abc',
      bearer: 'planted6bearerTokenValue0123456789',
      apiKey: 'sk-planted7apikey0123456789abcdef',
    };
    const secretFile = join(h.home, 'smtp.pass');
    await writeFile(secretFile, SECRETS.smtpPassword, { mode: 0o600 });
    await h.writeConfig(`{
      state: { path: '${h.statePath}' },
      checks: { logs: { options: { path: '${log}' } } },
      notifiers: {
        ops: { type: 'slack', url: 'env:PLANTED_SLACK_URL' },
        mail: { type: 'email', host: '127.0.0.1', port: 2525, from: 'a@example.com', to: 'b@example.com', user: 'u', password: 'file:${secretFile}' },
        hook: { type: 'webhook', url: 'http://127.0.0.1:9/hook', hmacSecret: '${SECRETS.hmac}' },
      },
    }`);
    await writeFile(log, [
      gatewayLine('gateway/ws', 'WARN', `unauthorized conn=1 auth=token token=${SECRETS.gatewayToken} reason=token_mismatch`, ago(60_000)),
      gatewayLine('gateway/channels/telegram', 'ERROR', `[telegram] getUpdates failed: https://api.telegram.org/bot${SECRETS.telegramBot}/getUpdates: fetch failed`, ago(50_000)),
      gatewayLine('gateway/model-fetch', 'ERROR', `provider said 401 for Authorization: Bearer ${SECRETS.bearer} key ${SECRETS.apiKey}`, ago(40_000)),
      gatewayLine('gateway/channels/telegram', 'WARN', '[telegram] Polling stall detected (no completed getUpdates for 105.92s); forcing restart.', ago(30_000)),
    ].join('\n') + '\n');
    const now = Date.now();
    const recovery = { audit: [{ at: now - 5_000, action: 'restart', step: 'gateway restart', outcome: 'ok', note: `ran with token ${SECRETS.gatewayToken}` }], budget: { used: 1 } };
    await writeFile(h.statePath, JSON.stringify({
      schemaVersion: 2, createdAt: now - 60_000, updatedAt: now, notices: [], series: {}, memory: {},
      checks: {
        'gateway.http': {
          machine: { state: 'failing', since: now - 30_000, consecutiveFailures: 3, consecutiveSuccesses: 0, recent: ['crit'], flapPct: 0, incidentSince: now - 30_000 },
          window: [{ at: now - 1_000, status: 'crit', summary: 'refused', durationMs: 3 }],
          last: { at: now - 1_000, durationMs: 3, result: { status: 'crit', summary: `refused (token ${SECRETS.gatewayToken})` } },
          transitions: [{ checkId: 'gateway.http', from: 'ok', to: 'failing', at: now - 30_000, status: 'crit', summary: `went down; webhook ${SECRETS.slackUrl}` }],
        },
      },
      sections: { recovery },
    }), { mode: 0o600 });

    const out = join(h.home, 'support.tar.gz');
    const r = await h.run(['bundle', '--since', '2h', '--output', out], { env: { OPENCLAW_GATEWAY_TOKEN: SECRETS.gatewayToken, PLANTED_SLACK_URL: SECRETS.slackUrl, OPENCLAW_GATEWAY_PORT: '9' } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^wrote .*support\.tar\.gz \([\d.]+ KiB\): status, config, 1 check\(s\), the recovery audit, 4 log line\(s\) of the last 2h, versions; secrets redacted\n$/);
    expect((await stat(out)).mode & 0o777).toBe(0o600);

    // The system's tar reads it.
    const listed = (await execFileAsync('tar', ['-tzf', out])).stdout.trim().split('\n').map((p) => p.replace(/^[^/]+\//, ''));
    expect(listed).toEqual(['README.txt', 'versions.json', 'status.json', 'config.json', 'checks.json', 'recovery.json', 'gateway-log.jsonl', 'log-signatures.json']);

    const raw = gunzipSync(await readFile(out));
    const text = raw.toString('utf8');
    for (const [name, secret] of Object.entries(SECRETS)) expect(text.includes(secret), `${name} leaked into the bundle`).toBe(false);
    expect(text).not.toContain('planted2slacksecretXYZ');

    const files = untar(raw);
    expect(JSON.parse(files['recovery.json']!)).toMatchObject({ audit: [{ action: 'restart', outcome: 'ok', note: 'ran with token ***' }], budget: { used: 1 } });
    expect(JSON.parse(files['checks.json']!)['gateway.http']).toMatchObject({ machine: { state: 'failing' }, transitions: [{ to: 'failing' }] });
    expect(JSON.parse(files['status.json']!)).toMatchObject({ checks: expect.arrayContaining([expect.objectContaining({ id: 'gateway.http', state: 'failing' })]) });
    expect(JSON.parse(files['config.json']!)).toMatchObject({ gateway: { port: 9 } });
    expect(JSON.parse(files['versions.json']!)).toMatchObject({ clawmedic: expect.any(String), node: process.version, openclaw: { gateway: expect.stringMatching(/not answering/) } });
    expect(files['gateway-log.jsonl']!.trim().split('\n')).toHaveLength(4);
    expect(JSON.parse(files['log-signatures.json']!).signatures.map((s: { id: string }) => s.id)).toEqual(expect.arrayContaining(['telegram-polling-stall']));
    expect(files['README.txt']).toMatch(/Secrets are redacted/);

    const twice = await h.run(['bundle', '--output', out]);
    expect(twice).toMatchObject({ code: 1, stderr: expect.stringContaining('it exists already') });
  });
});

/** The regular files of a tar (ustar), by their name after the top directory. */
function untar(buf: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  for (let off = 0; off + 512 <= buf.length; ) {
    const header = buf.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const name = header.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
    const size = Number.parseInt(header.subarray(124, 136).toString('ascii').replace(/\0.*$/s, '').trim(), 8);
    out[name.replace(/^[^/]+\//, '')] = buf.subarray(off + 512, off + 512 + size).toString('utf8');
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}
