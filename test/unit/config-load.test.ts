import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadConfig, type LoadResult, type Problem } from '../../src/config/load.ts';
import { shortestPeriodMs } from '../../src/schedule.ts';

// The registry holds only the console notifier today; a test-only type with a secret-bearing option
// lets the notifier paths (option schema, secret references) be exercised.
vi.mock('../../notifiers/index.ts', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../notifiers/index.ts')>();
  const { z } = await import('zod');
  const hook = {
    type: 'hook',
    optionsSchema: z.strictObject({
      url: z.string().min(1),
      headers: z.record(z.string(), z.string()).optional(),
      retries: z.number().int().min(0).default(3),
    }),
    create: () => {
      throw new Error('not built in these tests');
    },
  };
  return { ...original, notifierFactories: [...original.notifierFactories, hook] };
});

const CHECK_IDS = ['gateway.port', 'gateway.http', 'config', 'doctor', 'memory', 'restarts', 'latency', 'disk', 'dns', 'tls', 'firewall', 'secrets', 'providers', 'webhooks', 'logs', 'websocket', 'channels', 'clawmedic.self'];

let dir: string;
let env: NodeJS.ProcessEnv;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'clawmedic-load-'));
  env = { HOME: dir };
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Writes a config file (mode 0600 unless told) and returns its path. */
function writeConfig(text: string, mode = 0o600, name = 'clawmedic.json5'): string {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  chmodSync(path, mode);
  return path;
}

function load(text: string, opts: { mode?: number; env?: NodeJS.ProcessEnv } = {}): LoadResult & { path: string } {
  const path = writeConfig(text, opts.mode);
  return { ...loadConfig({ configPath: path, env: { ...env, ...opts.env } }), path };
}

const paths = (problems: Problem[]) => problems.map((p) => p.path);
const find = (problems: Problem[], path: string) => problems.find((p) => p.path === path);
const errors = (r: LoadResult) => r.problems.filter((p) => p.level === 'error');
/** What the CLI treats as fatal: errors that are not scoped to one notifier. */
const fatal = (r: LoadResult) => errors(r).filter((p) => !r.config?.notifierProblems.includes(p));

describe('no config file', () => {
  it('runs on embedded defaults: the four gateway checks, its own self check and a console notifier', () => {
    const r = loadConfig({ env });
    expect(r.problems).toEqual([]);
    const c = r.config!;
    expect(c.source).toBe('embedded default');
    expect(c.path).toBe(join(dir, '.openclaw', 'clawmedic.json5'));
    expect(c.checks.map((rc) => rc.check.id)).toEqual(CHECK_IDS);
    expect(c.checks.every((rc) => rc.enabled)).toBe(true);
    expect(c.notifiers.map((n) => [n.name, n.type])).toEqual([['console', 'console']]);
    expect(c.notifierProblems).toEqual([]);
    expect(c.target).toMatchObject({ host: '127.0.0.1', port: 18789, portSource: 'default' });
    expect(c.statePath).toBe(join(dir, '.openclaw', 'clawmedic.state.json'));
  });

  it('keeps every default timeout below its schedule period, with jitter in the gap', () => {
    for (const rc of loadConfig({ env }).config!.checks) {
      expect(rc.timeoutMs, rc.check.id).toBe(rc.check.defaults.timeoutMs);
      expect(rc.timeoutMs + rc.jitterMs, rc.check.id).toBeLessThanOrEqual(shortestPeriodMs(rc.schedule));
    }
  });

  it('looks for clawmedic.json5 in the OpenClaw state directory (OPENCLAW_STATE_DIR)', () => {
    const state = join(dir, 'oc-state');
    mkdirSync(state);
    writeFileSync(join(state, 'clawmedic.json5'), '{ log: { level: "debug" } }');
    const r = loadConfig({ env: { ...env, OPENCLAW_STATE_DIR: state } });
    expect(r.problems).toEqual([]);
    expect(r.config).toMatchObject({ source: 'file', path: join(state, 'clawmedic.json5'), file: { log: { level: 'debug' } } });
  });

  it('reports an explicit --config path that does not exist', () => {
    const missing = join(dir, 'nope.json5');
    const r = loadConfig({ configPath: missing, env });
    expect(r.config).toBeUndefined();
    expect(r.problems).toEqual([{ path: missing, message: 'cannot read config: file not found', level: 'error' }]);
  });

  it('treats CLAWMEDIC_CONFIG as explicit too', () => {
    const missing = join(dir, 'from-env.json5');
    const r = loadConfig({ env: { ...env, CLAWMEDIC_CONFIG: missing } });
    expect(r.problems).toEqual([{ path: missing, message: 'cannot read config: file not found', level: 'error' }]);
  });

  it('reports a config path that is a directory', () => {
    mkdirSync(join(dir, 'adir'));
    const r = loadConfig({ configPath: join(dir, 'adir'), env });
    expect(r.problems).toEqual([{ path: join(dir, 'adir'), message: 'cannot read config: is a directory', level: 'error' }]);
  });
});

describe('syntax', () => {
  it('reports a JSON5 syntax error at file:line:column', () => {
    const r = load('{\n  gateway: {\n    port: 18789,,\n  },\n}\n');
    expect(r.config).toBeUndefined();
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]!.path).toBe(`${r.path}:3:17`);
    expect(r.problems[0]!.message).toMatch(/^syntax error: invalid character ','/);
  });

  it('sends a string never closed to the end of its own line, not to column 0 of the next', () => {
    const r = load('{\n  log: {\n    level: "info,\n  },\n}\n');
    expect(r.problems[0]!.path).toBe(`${r.path}:3:18`);
    expect(r.problems[0]!.message).toBe("syntax error: invalid character '\\n'");
  });

  it('reports a truncated file at its end', () => {
    const r = load('{\n  gateway: {\n');
    expect(r.problems[0]!.path).toMatch(new RegExp(`^${r.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:\\d+$`));
  });

  it('accepts JSON5: comments, trailing commas, unquoted keys, single quotes', () => {
    const r = load(`// clawmedic
      {
        /* watch a non-default port */
        gateway: { port: 18800, },
        log: { level: 'warn' },
      }`);
    expect(r.problems).toEqual([]);
    expect(r.config!.source).toBe('file');
    expect(r.config!.target).toMatchObject({ port: 18800, portSource: `${r.path} gateway.port` });
  });

  it('treats an empty file as an empty config', () => {
    const r = load('  \n');
    expect(r.problems).toEqual([]);
    expect(r.config!.source).toBe('file');
    expect(r.config!.checks).toHaveLength(CHECK_IDS.length);
  });

  it('rejects a config that is not an object', () => {
    const r = load('[1, 2]');
    expect(r.problems).toEqual([{ path: r.path, message: 'the config must be an object ({ ... })', level: 'error' }]);
  });
});

describe('validation: each problem with its key path', () => {
  it('reports a wrong type at its key path', () => {
    const r = load('{ gateway: { port: "18789" } }');
    expect(find(r.problems, 'gateway.port')).toMatchObject({ level: 'error', message: expect.stringMatching(/expected number/) });
  });

  it('reports an out-of-range number', () => {
    const r = load("{ checks: { doctor: { failureThreshold: 0 } }, state: { maxResults: 5 } }");
    expect(paths(errors(r))).toEqual(expect.arrayContaining(['checks.doctor.failureThreshold', 'state.maxResults']));
  });

  it('reports a mistyped top-level key by name', () => {
    const r = load('{ gatway: { port: 18800 } }');
    expect(r.problems).toContainEqual({ path: '<root>', message: 'unknown key: "gatway"', level: 'error' });
    expect(fatal(r)).toHaveLength(1);
  });

  it('reports a mistyped nested key under its parent', () => {
    const r = load("{ gateway: { prot: 18800 }, checks: { doctor: { schedul: '1h' } } }");
    expect(r.problems).toContainEqual({ path: 'gateway', message: 'unknown key: "prot"', level: 'error' });
    expect(r.problems).toContainEqual({ path: 'checks.doctor', message: 'unknown key: "schedul"', level: 'error' });
  });

  it('reports an unknown check id, naming the known ones', () => {
    const r = load("{ checks: { 'gateway.htpp': { schedule: '1m' } } }");
    const p = find(r.problems, 'checks.gateway.htpp');
    expect(p?.level).toBe('error');
    expect(p?.message).toBe(`unknown check (known: ${CHECK_IDS.join(', ')})`);
  });

  it('reports an unknown check in dependsOn', () => {
    const r = load("{ checks: { config: { dependsOn: ['gateway.port', 'gateway.htpp'] } } }");
    expect(find(r.problems, 'checks.config.dependsOn')?.message).toBe('unknown check "gateway.htpp"');
  });

  it('reports an invalid cron expression', () => {
    const r = load("{ checks: { doctor: { schedule: '61 * * * *' } } }");
    const p = find(r.problems, 'checks.doctor.schedule');
    expect(p?.level).toBe('error');
    expect(p?.message).toContain('"61 * * * *"');
    expect(p?.message).toContain('cron');
  });

  it('reports an interval shorter than 1s', () => {
    const r = load("{ checks: { 'gateway.http': { schedule: '500ms' } } }");
    expect(find(r.problems, 'checks.gateway.http.schedule')?.message).toBe('interval "500ms" is shorter than 1s');
  });

  it('reports an unknown time zone at its own key instead of throwing', () => {
    const r = load("{ checks: { doctor: { schedule: '0 3 * * *', timezone: 'Mars/Olympus_Mons' } } }");
    expect(find(r.problems, 'checks.doctor.timezone')?.message).toContain('"Mars/Olympus_Mons"');
  });

  it('accepts a cron schedule with a real time zone', () => {
    const r = load("{ checks: { doctor: { schedule: '0 3 * * *', timezone: 'Europe/Berlin' } } }");
    expect(r.problems).toEqual([]);
    expect(r.config!.checks.find((c) => c.check.id === 'doctor')!.schedule).toEqual({ kind: 'cron', expr: '0 3 * * *', text: '0 3 * * *', timezone: 'Europe/Berlin' });
  });

  it('reports a timeout that is not shorter than the period', () => {
    const r = load("{ checks: { 'gateway.http': { schedule: '10s', timeout: '10s' }, doctor: { schedule: '*/15 * * * * *', timeout: '20s' } } }");
    expect(find(r.problems, 'checks.gateway.http.timeout')?.message).toBe(
      "timeout 10s must be shorter than the schedule's period (10s), so runs never overlap",
    );
    expect(find(r.problems, 'checks.doctor.timeout')?.message).toContain("the schedule's period (15s)");
  });

  it('reports a duration it cannot read', () => {
    const r = load("{ checks: { doctor: { timeout: '5 minutes' } } }");
    const p = find(r.problems, 'checks.doctor.timeout');
    expect(p?.level).toBe('error');
    expect(p?.message).toContain('"5 minutes" is not a duration');
  });

  it('says what a duration is when a value is not one', () => {
    const r = load("{ checks: { doctor: { timeout: true, jitter: -5 } }, alerting: { maintenance: [{ cron: '0 2 * * 0' }] } }");
    const expected = 'expected a duration such as "30s", "5m", "2h", or milliseconds as a number';
    expect(find(r.problems, 'checks.doctor.timeout')?.message).toBe(expected);
    expect(find(r.problems, 'checks.doctor.jitter')?.message).toBe('Too small: expected number to be >=0');
    expect(find(r.problems, 'alerting.maintenance.0.duration')?.message).toBe(expected);
  });

  it('takes a duration as a number of milliseconds too', () => {
    const r = load('{ checks: { doctor: { timeout: 60000 } }, alerting: { batchWindow: "2s", reminders: ["1h", 7200000] } }');
    expect(r.problems).toEqual([]);
    expect(r.config!.checks.find((c) => c.check.id === 'doctor')!.timeoutMs).toBe(60_000);
    expect(r.config!.file.alerting).toMatchObject({ batchWindow: 2_000, reminders: [3_600_000, 7_200_000] });
  });

  it('rejects a gateway host that is not loopback', () => {
    const r = load("{ gateway: { host: '10.0.0.5' } }");
    expect(find(r.problems, 'gateway.host')?.message).toMatch(/only loopback addresses are allowed/);
  });

  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['::1', '::1'],
    ['localhost', '127.0.0.1'],
  ])('accepts the loopback host %j (probing %j)', (host, probed) => {
    const r = load(`{ gateway: { host: '${host}' } }`);
    expect(r.problems).toEqual([]);
    expect(r.config!.target.host).toBe(probed);
  });

  it('reports an invalid maintenance window cron', () => {
    const r = load("{ alerting: { maintenance: [{ cron: '0 2 * * 0', duration: '1h' }, { cron: 'sundays', duration: '1h' }] } }");
    expect(paths(r.problems)).toEqual(['alerting.maintenance.1.cron']);
  });

  it('reports flapping thresholds in the wrong order', () => {
    const r = load('{ defaults: { flapping: { highPct: 20, lowPct: 30 } } }');
    expect(find(r.problems, 'defaults.flapping.lowPct')?.message).toBe('lowPct must be lower than highPct');
  });
});

describe('notifiers', () => {
  it('reports an unknown notifier type as a problem of that notifier only', () => {
    const r = load("{ notifiers: { out: { type: 'console' }, pager: { type: 'pagerduty' } } }");
    const p = find(r.problems, 'notifiers.pager.type');
    expect(p?.message).toMatch(/^unknown notifier type "pagerduty" \(known: console(, [a-z]+)*\)$/);
    expect(r.config!.notifierProblems).toEqual([p]);
    expect(fatal(r)).toEqual([]);
    // The agent runs with the notifiers that are fine.
    expect(r.config!.notifiers.map((n) => n.name)).toEqual(['out']);
  });

  it('reports malformed notifier options at their key path', () => {
    const r = load(`{ notifiers: {
      out: { type: 'console', stream: 'stdin' },
      loud: { type: 'console', colour: true },
      ops: { type: 'hook', url: 42, retries: -1 },
      good: { type: 'hook', url: 'https://example.com/hook' },
    } }`);
    expect(paths(r.config!.notifierProblems).sort()).toEqual(['notifiers.loud', 'notifiers.ops.retries', 'notifiers.ops.url', 'notifiers.out.stream']);
    expect(find(r.problems, 'notifiers.loud')?.message).toBe('unknown key: "colour"');
    expect(fatal(r)).toEqual([]);
    expect(r.config!.notifiers.map((n) => n.name)).toEqual(['good']);
    expect(r.config!.notifiers[0]!.options).toEqual({ url: 'https://example.com/hook', retries: 3 });
  });

  it('reports a malformed common key of a notifier (minSeverity) as that notifier\'s problem', () => {
    const r = load("{ notifiers: { out: { type: 'console' }, bad: { type: 'console', minSeverity: 'urgent' } } }");
    expect(paths(r.config!.notifierProblems)).toEqual(['notifiers.bad.minSeverity']);
    expect(fatal(r)).toEqual([]);
    expect(r.config!.notifiers.map((n) => n.name)).toEqual(['out']);
  });

  it('reports a secret reference to a missing env var at its key path, as a notifier problem', () => {
    const r = load("{ notifiers: { ops: { type: 'hook', url: 'env:NOPE', headers: { 'X-Token': 'env:ALSO_NOPE' } } } }");
    expect(r.config!.notifierProblems).toEqual([
      { path: 'notifiers.ops.url', message: 'environment variable NOPE (from "env:NOPE") is not set', level: 'error' },
      { path: 'notifiers.ops.headers.X-Token', message: 'environment variable ALSO_NOPE (from "env:ALSO_NOPE") is not set', level: 'error' },
    ]);
    expect(fatal(r)).toEqual([]);
    expect(r.config!.notifiers).toEqual([]);
  });

  it('reports a missing env var in gateway.token as a fatal problem', () => {
    const r = load("{ gateway: { token: 'env:NOPE' } }");
    const p = find(r.problems, 'gateway.token');
    expect(p).toEqual({ path: 'gateway.token', message: 'environment variable NOPE (from "env:NOPE") is not set', level: 'error' });
    expect(r.config!.notifierProblems).toEqual([]);
    expect(fatal(r)).toEqual([p]);
  });

  it('skips a disabled notifier without validating its options', () => {
    const r = load("{ notifiers: { out: { type: 'console' }, off: { type: 'hook', enabled: false, url: 'env:NOPE' } } }");
    expect(r.problems).toEqual([]);
    expect(r.config!.notifiers.map((n) => n.name)).toEqual(['out']);
  });

  it('reports a fallback naming a notifier that does not exist', () => {
    const r = load("{ notifiers: { out: { type: 'console' } }, alerting: { fallback: 'pager' } }");
    const p = find(r.problems, 'alerting.fallback');
    expect(p).toEqual({ path: 'alerting.fallback', message: 'no notifier named "pager"', level: 'error' });
    expect(r.config!.notifierProblems).not.toContain(p);
    expect(fatal(r)).toEqual([p]);
  });

  it('does not report the fallback again when the notifier it names has its own problem', () => {
    const r = load("{ notifiers: { out: { type: 'console' }, pager: { type: 'hook', url: 'env:NOPE' } }, alerting: { fallback: 'pager' } }");
    expect(paths(r.problems)).toEqual(['notifiers.pager.url']);
  });

  it('accepts a fallback naming a configured notifier, and the default console one', () => {
    expect(load("{ notifiers: { out: { type: 'console' } }, alerting: { fallback: 'out' } }").problems).toEqual([]);
    expect(load("{ alerting: { fallback: 'console' } }").problems).toEqual([]);
  });

  it('reports a notifier name with characters outside the allowed set', () => {
    const r = load("{ notifiers: { 'my pager!': { type: 'console' }, out: { type: 'console' } } }");
    expect(r.problems).toEqual([{ path: 'notifiers.my pager!', message: 'notifier names use letters, digits, "_", "-" and "."', level: 'error' }]);
    expect(r.config!.notifierProblems).toEqual(r.problems);
    expect(r.config!.notifiers.map((n) => n.name)).toEqual(['out']);
  });
});

describe('several problems at once', () => {
  it('reports every problem, not just the first', () => {
    const r = load(`{
      gatway: {},
      gateway: { host: '10.0.0.5' },
      log: { level: 'verbose' },
      checks: {
        'gateway.htpp': {},
        doctor: { schedule: 'every now and then' },
        'gateway.http': { schedule: '10s', timeout: '30s' },
        config: { timeout: '5 minutes' },
      },
      notifiers: { pager: { type: 'pagerduty' }, ops: { type: 'hook', url: 'env:NOPE' } },
      alerting: { fallback: 'sms' },
    }`);
    expect(paths(r.problems).sort()).toEqual(
      [
        '<root>',
        'gateway.host',
        'log.level',
        'checks.gateway.htpp',
        'checks.doctor.schedule',
        'checks.gateway.http.timeout',
        'checks.config.timeout',
        'notifiers.pager.type',
        'notifiers.ops.url',
        'alerting.fallback',
      ].sort(),
    );
    expect(r.problems.every((p) => p.level === 'error')).toBe(true);
    expect(paths(r.config!.notifierProblems).sort()).toEqual(['notifiers.ops.url', 'notifiers.pager.type']);
  });
});

describe('secrets', () => {
  it('rejects a literal secret in a world-readable file', () => {
    const r = load("{ gateway: { token: 'literal-gateway-token' }, notifiers: { ops: { type: 'hook', url: 'https://example.com/hook?k=abc' } } }", { mode: 0o644 });
    const p = find(r.problems, r.path);
    expect(p?.level).toBe('error');
    expect(p?.message).toContain('gateway.token, notifiers.ops.url');
    expect(p?.message).toContain('world-readable (mode 644)');
    expect(p?.message).toContain('chmod 600');
    // The message names where the secrets are, never the secrets.
    expect(p?.message).not.toContain('literal-gateway-token');
  });

  it('warns about a literal secret in a group-readable file', () => {
    const r = load("{ gateway: { token: 'literal-gateway-token' } }", { mode: 0o640 });
    expect(r.problems).toEqual([expect.objectContaining({ path: r.path, level: 'warning', message: expect.stringContaining('group-readable (mode 640)') })]);
  });

  it('accepts a literal secret in a 0600 file, and registers it for redaction', () => {
    const r = load("{ gateway: { token: 'literal-gateway-token' } }", { mode: 0o600 });
    expect(r.problems).toEqual([]);
    expect(r.config!.target.token).toBe('literal-gateway-token');
    expect(r.config!.redactor.text('sent literal-gateway-token')).toBe('sent ***');
  });

  it('does not mind a world-readable file that holds only references', () => {
    const secretFile = join(dir, 'hook.url');
    writeFileSync(secretFile, 'https://example.com/hook-secret', { mode: 0o600 });
    const r = load(`{ gateway: { token: 'env:GW_TOKEN' }, notifiers: { ops: { type: 'hook', url: 'file:${secretFile}' } } }`, {
      mode: 0o644,
      env: { GW_TOKEN: 'token-from-env-0001' },
    });
    expect(r.problems).toEqual([]);
  });

  it('resolves an env: reference and registers the value with the redactor', () => {
    const r = load("{ gateway: { token: 'env:GW_TOKEN' } }", { env: { GW_TOKEN: 'token-from-env-0001' } });
    expect(r.problems).toEqual([]);
    expect(r.config!.target.token).toBe('token-from-env-0001');
    expect(r.config!.redactor.text('Authorization token-from-env-0001 rejected')).toBe('Authorization *** rejected');
  });

  it('resolves a file: reference (trimmed) and registers the value with the redactor', () => {
    const secretFile = join(dir, 'gw.token');
    writeFileSync(secretFile, 'token-from-file-0002\n', { mode: 0o600 });
    const r = load(`{ gateway: { token: 'file:${secretFile}' } }`);
    expect(r.problems).toEqual([]);
    expect(r.config!.target.token).toBe('token-from-file-0002');
    expect(r.config!.redactor.text('x token-from-file-0002 y')).toBe('x *** y');
  });

  it('registers the values of notifier secret references with the redactor', () => {
    const secretFile = join(dir, 'hook.url');
    writeFileSync(secretFile, 'https://example.com/T0/B1/hook-secret-path\n');
    const r = load(`{ notifiers: { a: { type: 'hook', url: 'env:HOOK_URL' }, b: { type: 'hook', url: 'file:${secretFile}' } } }`, {
      env: { HOOK_URL: 'https://example.org/env-hook-secret' },
    });
    expect(r.problems).toEqual([]);
    expect(r.config!.redactor.text('POST https://example.org/env-hook-secret failed')).toBe('POST *** failed');
    expect(r.config!.redactor.text('POST https://example.com/T0/B1/hook-secret-path failed')).toBe('POST *** failed');
  });

  it('reports a file: reference that is relative, missing or empty', () => {
    const empty = join(dir, 'empty.token');
    writeFileSync(empty, '\n');
    const r = load(`{ notifiers: {
      rel: { type: 'hook', url: 'file:secrets/url' },
      missing: { type: 'hook', url: 'file:${join(dir, 'missing.url')}' },
      empty: { type: 'hook', url: 'file:${empty}' },
    } }`);
    expect(r.config!.notifierProblems).toEqual([
      { path: 'notifiers.rel.url', message: '"file:secrets/url" must name an absolute path', level: 'error' },
      { path: 'notifiers.missing.url', message: `cannot read secret file ${join(dir, 'missing.url')} (ENOENT)`, level: 'error' },
      { path: 'notifiers.empty.url', message: `secret file ${empty} is empty`, level: 'error' },
    ]);
  });

  it('registers a token discovered from OpenClaw with the redactor', () => {
    const r = loadConfig({ env: { ...env, OPENCLAW_GATEWAY_TOKEN: 'discovered-token-0003' } });
    expect(r.config!.target.token).toBe('discovered-token-0003');
    expect(r.config!.redactor.text('token discovered-token-0003')).not.toContain('discovered-token-0003');
  });
});

describe('resolved checks', () => {
  it('shrinks an unset timeout to fit a fast schedule, without a problem', () => {
    const r = load("{ checks: { 'gateway.http': { schedule: '5s' }, doctor: { schedule: '*/15 * * * * *' } } }");
    expect(r.problems).toEqual([]);
    const http = r.config!.checks.find((c) => c.check.id === 'gateway.http')!;
    const doctor = r.config!.checks.find((c) => c.check.id === 'doctor')!;
    expect(http.timeoutMs).toBe(4_000);
    expect(doctor.timeoutMs).toBe(12_000);
    // Jitter never pushes a run past the next firing.
    expect(http.timeoutMs + http.jitterMs).toBeLessThanOrEqual(5_000);
    expect(doctor.timeoutMs + doctor.jitterMs).toBeLessThanOrEqual(15_000);
  });

  it('keeps an explicit timeout and jitter that fit', () => {
    const r = load("{ checks: { 'gateway.http': { schedule: '1m', timeout: '20s', jitter: '3s' } } }");
    const http = r.config!.checks.find((c) => c.check.id === 'gateway.http')!;
    expect(http).toMatchObject({ timeoutMs: 20_000, jitterMs: 3_000, schedule: { kind: 'interval', everyMs: 60_000 } });
  });

  it('resolves a disabled check with enabled: false (clawmedic check can still run it)', () => {
    const r = load('{ checks: { doctor: { enabled: false } } }');
    expect(r.problems).toEqual([]);
    expect(r.config!.checks.map((c) => [c.check.id, c.enabled])).toEqual(CHECK_IDS.map((id) => [id, id !== 'doctor']));
  });

  it('takes thresholds from defaults unless the check sets its own, and merges options over the check defaults', () => {
    const r = load(`{
      defaults: { failureThreshold: 5 },
      checks: { 'gateway.port': { successThreshold: 4, options: { requestTimeoutMs: 1500 } }, config: { dependsOn: ['gateway.port'] } },
    }`);
    expect(r.problems).toEqual([]);
    const port = r.config!.checks.find((c) => c.check.id === 'gateway.port')!;
    expect(port.machine).toMatchObject({ failureThreshold: 5, successThreshold: 4 });
    expect(port.options).toEqual({ ...port.check.defaults.options, requestTimeoutMs: 1500 });
    expect(r.config!.checks.find((c) => c.check.id === 'config')!.dependsOn).toEqual(['gateway.port']);
  });
});

describe('paths and target', () => {
  it('puts the state file beside the config file by default', () => {
    const path = writeConfig('{}', 0o600, 'etc/clawmedic/clawmedic.json5');
    const r = loadConfig({ configPath: path, env });
    expect(r.config!.statePath).toBe(join(dir, 'etc', 'clawmedic', 'clawmedic.state.json'));
  });

  it('resolves a relative state.path against the config file, and keeps an absolute one', () => {
    const path = writeConfig("{ state: { path: 'var/state.json' } }", 0o600, 'etc/clawmedic.json5');
    expect(loadConfig({ configPath: path, env }).config!.statePath).toBe(join(dir, 'etc', 'var', 'state.json'));
    const abs = join(dir, 'abs', 'state.json');
    expect(load(`{ state: { path: '${abs}' } }`).config!.statePath).toBe(abs);
  });

  it('lets gateway.port in the clawmedic config win over discovery', () => {
    const r = load('{ gateway: { port: 18850 } }', { env: { OPENCLAW_GATEWAY_PORT: '18790' } });
    expect(r.config!.target).toMatchObject({ port: 18850, portSource: `${r.path} gateway.port` });
  });

  it('uses the discovered port otherwise, and passes discovery notes on', () => {
    const r = loadConfig({ env: { ...env, OPENCLAW_GATEWAY_PORT: 'eighteen' } });
    expect(r.config!.target).toMatchObject({ port: 18789, portSource: 'default' });
    expect(r.config!.discoveryNotes).toEqual(['OPENCLAW_GATEWAY_PORT="eighteen" is not a port number; ignored']);
  });

  it('reads gateway.openclawConfig relative to the clawmedic config file', () => {
    mkdirSync(join(dir, 'etc'), { recursive: true });
    writeFileSync(join(dir, 'etc', 'openclaw.json'), '{ gateway: { port: 18866 } }');
    const path = writeConfig("{ gateway: { openclawConfig: 'openclaw.json' } }", 0o600, 'etc/clawmedic.json5');
    const r = loadConfig({ configPath: path, env });
    expect(r.config!.target).toMatchObject({ port: 18866, openclawConfigPath: join(dir, 'etc', 'openclaw.json') });
  });
});

describe('schedules and fallbacks that cannot work', () => {
  it('rejects a zero timeout', () => {
    const r = load(`{ checks: { 'gateway.http': { timeout: '0s' } } }`);
    expect(find(r.problems, 'checks.gateway.http.timeout')?.message).toMatch(/longer than 0/);
  });

  it('rejects a cron expression that never fires', () => {
    const r = load(`{ checks: { doctor: { schedule: '0 0 30 2 *' } } }`);
    expect(find(r.problems, 'checks.doctor.schedule')?.message).toMatch(/never fires/);
    expect(r.config!.checks.map((rc) => rc.check.id)).not.toContain('doctor');
  });

  it('says a fallback notifier is disabled rather than missing', () => {
    const r = load(`{ notifiers: { main: { type: 'console' }, backup: { type: 'console', enabled: false } }, alerting: { fallback: 'backup' } }`);
    expect(find(r.problems, 'alerting.fallback')?.message).toBe('notifier "backup" is disabled');
  });

  it('does not mistake a problem of "pager2" for one of the fallback "pager"', () => {
    const r = load(`{ notifiers: { pager2: { type: 'carrier-pigeon' } }, alerting: { fallback: 'pager' } }`);
    expect(find(r.problems, 'alerting.fallback')?.message).toBe('no notifier named "pager"');
  });
});

describe('check options', () => {
  it('are validated by the check\'s own schema, with their key paths', () => {
    const r = load(`{ checks: { doctor: { options: { minSeverity: 'loud' } }, 'gateway.http': { options: { requestTimeout: 100 } } } }`);
    expect(find(r.problems, 'checks.doctor.options.minSeverity')).toBeDefined();
    expect(find(r.problems, 'checks.gateway.http.options')?.message).toMatch(/unknown key: "requestTimeout"/);
  });

  it('a memory limit that is not a size is named with its key path', () => {
    const r = load(`{ checks: { memory: { options: { maxMemory: 'lots', window: '2h' } } } }`);
    expect(find(r.problems, 'checks.memory.options.maxMemory')?.message).toBe('"lots" is not a size (use e.g. "1.5g", "800m", "2GiB", or bytes as a number)');
    const ok = load(`{ checks: { memory: { options: { maxMemory: '2GiB', window: '2h' } } } }`);
    expect(ok.problems).toEqual([]);
    expect(ok.config!.checks.find((rc) => rc.check.id === 'memory')!.options).toMatchObject({ maxMemory: 2 * 1024 ** 3, window: 7_200_000, horizon: 21_600_000 });
  });

  it('are filled with the check\'s defaults', () => {
    const r = load(`{ checks: { 'gateway.http': { options: { requestTimeoutMs: 1000 } } } }`);
    expect(r.problems).toEqual([]);
    expect(r.config!.checks.find((rc) => rc.check.id === 'gateway.http')!.options).toEqual({ requestTimeoutMs: 1000, startupGraceMs: 120_000 });
  });
});

describe('maintenance windows', () => {
  it('must last longer than 0', () => {
    const r = load(`{ alerting: { maintenance: [{ cron: '0 3 * * 0', duration: 0 }] } }`);
    expect(find(r.problems, 'alerting.maintenance.0.duration')?.message).toMatch(/longer than 0/);
  });
});
