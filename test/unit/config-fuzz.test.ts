import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import JSON5 from 'json5';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, MAX_CONFIG_DEPTH, type LoadResult } from '../../src/config/load.ts';

// Property-style: the config loader is fed many malformed inputs made from one full, valid config.
// Whatever it is given, it returns (never throws, never hangs), and every error names a key path or a
// file position, so `config validate` can print it and exit 2.

const FULL = {
  $schema: './clawmedic.schema.json',
  gateway: { host: '127.0.0.1', port: 18789, token: 'env:FUZZ_TOKEN', openclawConfig: '/nonexistent/openclaw.json' },
  openclaw: { bin: '/usr/local/bin/openclaw' },
  state: { path: 'state.json', maxResults: 200, maxAge: '24h' },
  log: { level: 'info' },
  defaults: { failureThreshold: 3, successThreshold: 2, flapping: { enabled: true, window: 21, highPct: 50, lowPct: 25 } },
  checks: {
    'gateway.http': { schedule: '30s', timeout: '10s', jitter: '2s', failureThreshold: 2, options: { requestTimeoutMs: 3000, startupGraceMs: 120000 } },
    doctor: { schedule: '0 */2 * * *', timezone: 'Europe/Berlin', options: { minSeverity: 'warning' } },
    config: { enabled: false },
    'clawmedic.self': { schedule: '1m', options: { minFreeBytes: 1048576 } },
  },
  notifiers: {
    console: { type: 'console', stream: 'stderr' },
    hook: { type: 'webhook', url: 'http://127.0.0.1:9/hook', minSeverity: 'warn', checks: ['gateway.port'], timeoutMs: 5000 },
  },
  alerting: {
    batchWindow: '10s',
    reminders: ['30m', '2h'],
    sendResolved: true,
    fallback: 'console',
    deliveryDeadline: '24h',
    retryBackoff: '5s',
    retryBackoffMax: '5m',
    maintenance: [{ cron: '0 3 * * 0', duration: '1h', timezone: 'UTC', checks: ['gateway.http'], reason: 'weekly update' }],
  },
};

/** Wrong types and extreme values: every one is put in place of every value of the full config. */
const HOSTILE: unknown[] = [null, true, -1, 0, 1e308, Number.NaN, Number.POSITIVE_INFINITY, 'x', '', '9'.repeat(5000), [], {}, [[[]]], { a: { b: 1 } }, '\u0000\u202e\u001b[31m'];

function leafPaths(value: unknown, at: string[] = []): string[][] {
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => [[...at, k], ...(v && typeof v === 'object' ? leafPaths(v, [...at, k]) : [])]);
  }
  return [];
}

function withValueAt(path: string[], replacement: unknown): unknown {
  const copy = structuredClone(FULL) as Record<string, unknown>;
  let target: Record<string, unknown> = copy;
  for (const key of path.slice(0, -1)) target = target[key] as Record<string, unknown>;
  target[path.at(-1)!] = replacement;
  return copy;
}

let dir: string;
let n = 0;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'clawmedic-fuzz-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function load(text: string): LoadResult & { file: string } {
  const file = join(dir, `c${n++}.json5`);
  writeFileSync(file, text, { mode: 0o600 });
  return { ...loadConfig({ configPath: file, env: { HOME: dir, FUZZ_TOKEN: 'fuzz-token-value' } }), file };
}

function expectExplained(r: LoadResult & { file: string }) {
  for (const p of r.problems) {
    expect(p.path, JSON.stringify(p)).toMatch(/\S/);
    expect(p.message, JSON.stringify(p)).toMatch(/\S/);
    expect(p.message).not.toMatch(/\n\s+at /); // no stack trace
  }
  expect(r.path).toBe(r.file);
}

describe('the config loader under malformed input', () => {
  it('loads the full config it is built from', () => {
    const r = load(JSON5.stringify(FULL));
    expect(r.problems.filter((p) => p.level === 'error')).toEqual([]);
  });

  it('every wrong value in every key: an error naming that key (or a parent), never a throw', () => {
    const paths = leafPaths(FULL);
    let invalid = 0;
    let cases = 0;
    for (const path of paths) {
      for (const bad of HOSTILE) {
        cases++;
        const text = JSON5.stringify(withValueAt(path, bad));
        const r = load(text);
        expectExplained(r);
        const errors = r.problems.filter((p) => p.level === 'error');
        if (errors.length === 0) continue;
        invalid++;
        const key = path.join('.');
        const named = errors.some((p) => p.path === key || key.startsWith(`${p.path}.`) || p.path.startsWith(`${key}.`) || p.path.startsWith(`${key}[`) || p.path.startsWith(r.file) || p.path === 'alerting.fallback');
        expect(named, `${key} = ${JSON.stringify(bad)?.slice(0, 40)}: ${JSON.stringify(errors)}`).toBe(true);
      }
    }
    // Most replacements are wrong for their key; the few that are not (a string for a reason) load.
    expect(cases).toBeGreaterThan(700);
    expect(invalid / cases).toBeGreaterThan(0.8);
  }, 60_000);

  it('every truncation of the file: a syntax error with line:column, never a throw', () => {
    const text = JSON5.stringify(FULL, null, 2);
    for (let cut = 1; cut < text.length; cut += 7) {
      const r = load(text.slice(0, cut));
      expectExplained(r);
      const errors = r.problems.filter((p) => p.level === 'error');
      expect(errors.length, `cut at ${cut}`).toBeGreaterThan(0);
      expect(errors[0]!.path).toMatch(new RegExp(`^${r.file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(:\\d+:\\d+)?$`));
    }
  });

  it.each([
    ['objects', (d: number) => `${'{a:'.repeat(d)}1${'}'.repeat(d)}`],
    ['arrays', (d: number) => `{x:${'['.repeat(d)}${']'.repeat(d)}}`],
    ['unclosed', (d: number) => '{a:'.repeat(d)],
  ])('nesting %s 5000 levels deep: refused with a line and column, no stack overflow', (_kind, make) => {
    const r = load(make(5000));
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]!.path).toMatch(/:1:\d+$/);
    expect(r.problems[0]!.message).toMatch(`nested more than ${MAX_CONFIG_DEPTH} levels deep`);
  });

  it('brackets inside strings and comments do not count as nesting', () => {
    const r = load(`// ${'{'.repeat(100)}\n/* ${'['.repeat(100)} */\n{ notifiers: { console: { type: 'console' } }, $schema: "${'{'.repeat(100)}\\"${'['.repeat(100)}" }`);
    expect(r.problems.filter((p) => p.level === 'error')).toEqual([]);
  });

  it('a file over 1 MiB is refused unread, naming the file', () => {
    const r = load(`{ $schema: "${'x'.repeat(1024 * 1024)}" }`);
    expect(r.problems).toEqual([{ path: r.file, message: expect.stringMatching(/^cannot read config: it is \d+ bytes, more than the 1048576 allowed$/), level: 'error' }]);
  });

  it.each([
    ['a schedule of 25 days', { checks: { 'gateway.port': { schedule: '25d' } } }, undefined],
    ['a schedule of two years', { checks: { 'gateway.port': { schedule: '730d' } } }, 'checks.gateway.port.schedule'],
    ['a timeout of a day', { checks: { 'gateway.port': { timeout: '1d' } } }, 'checks.gateway.port.timeout'],
    ['a batch window of a week', { alerting: { batchWindow: '7d' } }, 'alerting.batchWindow'],
    ['a retry backoff of 30 days', { alerting: { retryBackoffMax: '30d' } }, 'alerting.retryBackoffMax'],
    ['a duration of 1e20 ms', { state: { maxAge: 1e20 } }, 'state.maxAge'],
    ['a request timeout of 30 days', { checks: { 'gateway.http': { options: { requestTimeoutMs: 2592000000 } } } }, 'checks.gateway.http.options.requestTimeoutMs'],
  ])('%s: %s', (_name, config, badKey) => {
    const r = load(JSON5.stringify(config));
    const errors = r.problems.filter((p) => p.level === 'error');
    if (badKey === undefined) expect(errors).toEqual([]);
    else expect(errors.map((p) => p.path)).toEqual([badKey]);
  });
});
