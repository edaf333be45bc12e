import { statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import JSON5 from 'json5';
import type { z } from 'zod';
import { builtinChecks } from '../../checks/index.ts';
import { notifierFactories } from '../../notifiers/index.ts';
import type { Check, GatewayTarget, NotifierFactory } from '../contracts.ts';
import type { MachineConfig } from '../evaluate/types.ts';
import { parseSchedule, shortestPeriodMs, type ScheduleSpec } from '../schedule.ts';
import { formatDuration } from '../util/duration.ts';
import { selfCheck } from '../self/check.ts';
import { Redactor } from '../util/redact.ts';
import { type FileReadError, readRegularFile } from '../util/read-file.ts';
import { findTooDeep } from './nesting.ts';
import { discoverGateway, locateOpenclaw } from './discover.ts';
import { configSchema, NOTIFIER_COMMON_KEYS, type ConfigFile, type NotifierEntry } from './schema.ts';
import { isSecretReference, literalSecretsOf, resolveSecret } from './secrets.ts';
import { resolveHeartbeat, type Heartbeat } from '../service/heartbeat.ts';
import { resolveServer, type ServerSettings } from '../server/config.ts';
import { json5SyntaxError } from '../util/json5-position.ts';

export interface Problem {
  /** Key path ("checks.doctor.timeout") or file position ("clawmedic.json5:3:14"). */
  path: string;
  message: string;
  level: 'error' | 'warning';
}

export interface ResolvedCheck {
  check: Check;
  /** False when the config disables it: the agent skips it, `clawmedic check <id>` still runs it on request. */
  enabled: boolean;
  schedule: ScheduleSpec;
  timeoutMs: number;
  jitterMs: number;
  machine: MachineConfig;
  /**
   * How soon the check runs again after a result that leaves it PENDING or RECOVERING (the thresholds
   * deciding): never below its timeout; absent when off or no sooner than its schedule.
   */
  retryMs?: number;
  options: Record<string, unknown>;
  dependsOn: string[];
  /** Checks that may cause this one's failure (Check.explainedBy), enabled ones only. */
  explainedBy: string[];
}

export interface NotifierSpec {
  name: string;
  type: string;
  entry: NotifierEntry;
  factory: NotifierFactory<any>;
  options: unknown;
}

export interface EffectiveConfig {
  /** The config file path (whether or not it exists). */
  path: string;
  source: 'file' | 'embedded default';
  file: ConfigFile;
  target: GatewayTarget;
  discoveryNotes: string[];
  /** Where the gateway token came from, when there is one. */
  tokenSource?: string;
  statePath: string;
  /** Beside the state file: `clawmedic silence` writes it while the agent runs. */
  silencesPath: string;
  openclawBin?: string;
  /** The dead-man's switch pinged after the cycles, its URLs resolved. */
  heartbeat?: Heartbeat;
  /** The agent's HTTP server (/metrics, /status, the status page), its token resolved; absent: off. */
  server?: ServerSettings;
  checks: ResolvedCheck[];
  notifiers: NotifierSpec[];
  /** Problems scoped to one notifier: that notifier is left out, the agent runs the others. */
  notifierProblems: Problem[];
  redactor: Redactor;
}

export interface LoadResult {
  /** The config file path looked at (whether or not it exists or loaded). */
  path: string;
  config?: EffectiveConfig;
  problems: Problem[];
}

/** A config file is a few KiB; these bound what a damaged or hostile one can cost. */
export const MAX_CONFIG_BYTES = 1024 * 1024;
export const MAX_CONFIG_DEPTH = 64;

export interface LoadOptions {
  /** --config flag. */
  configPath?: string;
  env?: NodeJS.ProcessEnv;
}

export class ConfigError extends Error {
  readonly problems: Problem[];
  constructor(problems: Problem[]) {
    super(problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export const DEFAULT_CONFIG_NAME = 'clawmedic.json5';
export const DEFAULT_STATE_NAME = 'clawmedic.state.json';
export const SILENCES_NAME = 'clawmedic.silences.json';

/** --config, then CLAWMEDIC_CONFIG, then clawmedic.json5 in OpenClaw's state directory. */
export function configPathFor(opts: LoadOptions): { path: string; explicit: boolean } {
  const env = opts.env ?? process.env;
  if (opts.configPath) return { path: resolve(opts.configPath), explicit: true };
  if (env.CLAWMEDIC_CONFIG) return { path: resolve(env.CLAWMEDIC_CONFIG), explicit: true };
  return { path: join(locateOpenclaw(env).stateDir, DEFAULT_CONFIG_NAME), explicit: false };
}

/** Reads, validates and resolves the config, collecting every problem instead of stopping at the first. */
export function loadConfig(opts: LoadOptions = {}): LoadResult {
  const env = opts.env ?? process.env;
  const { path, explicit } = configPathFor(opts);
  const problems: Problem[] = [];

  let raw: unknown = {};
  let source: EffectiveConfig['source'] = 'embedded default';
  let text: string | undefined;
  try {
    text = readRegularFile(path, MAX_CONFIG_BYTES);
  } catch (err) {
    const { code, why } = err as FileReadError;
    if (code !== 'ENOENT' || explicit) {
      const words: Record<string, string> = { ENOENT: 'file not found', EACCES: 'permission denied', EISDIR: 'is a directory' };
      return { path, problems: [{ path, message: `cannot read config: ${words[code] ?? why}`, level: 'error' }] };
    }
  }
  if (text !== undefined) {
    source = 'file';
    const deep = findTooDeep(text, MAX_CONFIG_DEPTH);
    if (deep) {
      return { path, problems: [{ path: `${path}:${deep.line}:${deep.column}`, message: `nested more than ${MAX_CONFIG_DEPTH} levels deep; a clawmedic config needs about 5`, level: 'error' }] };
    }
    try {
      raw = text.trim() === '' ? {} : JSON5.parse(text);
    } catch (err) {
      const { message: parserSays, at } = json5SyntaxError(err, text);
      const where = at ? `${path}:${at.line}:${at.column}` : path;
      const message = err instanceof SyntaxError ? `syntax error: ${parserSays}` : `cannot be parsed: ${String((err as Error)?.message ?? err)}`;
      return { path, problems: [{ path: where, message, level: 'error' }] };
    }
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      return { path, problems: [{ path, message: 'the config must be an object ({ ... })', level: 'error' }] };
    }
  }

  let parsed = configSchema.safeParse(raw);
  const shapeProblems: Problem[] = [];
  if (!parsed.success) {
    shapeProblems.push(...zodProblems(parsed.error.issues));
    // Keep validating what is left, so one typo does not hide the next problem.
    parsed = configSchema.safeParse(withoutInvalid(raw as Record<string, unknown>, parsed.error.issues));
    if (!parsed.success) return { path, problems: shapeProblems };
  }
  const file = parsed.data;
  const shapeNotifierProblems = shapeProblems.filter((p) => p.path.startsWith('notifiers.'));
  problems.push(...shapeProblems);
  const redactor = new Redactor();

  if (source === 'file') problems.push(...permissionProblems(path, file));

  // Gateway target: explicit settings win over discovery.
  const discovered = discoverGateway(env, file.gateway.openclawConfig ? resolve(dirname(path), file.gateway.openclawConfig) : undefined);
  let token = discovered.token;
  let tokenSource = discovered.tokenSource;
  if (token) redactor.add(token);
  if (file.gateway.token) {
    try {
      token = resolveSecret(file.gateway.token, redactor, env);
      tokenSource = `${path} gateway.token`;
    } catch (err) {
      problems.push({ path: 'gateway.token', message: (err as Error).message, level: 'error' });
    }
  }
  const host = file.gateway.host === 'localhost' ? '127.0.0.1' : (file.gateway.host ?? discovered.host);
  const target: GatewayTarget = {
    host,
    port: file.gateway.port ?? discovered.port,
    portSource: file.gateway.port ? `${path} gateway.port` : discovered.portSource,
    openclawConfigPath: discovered.location.configPath,
    openclawStateDir: discovered.location.stateDir,
    ...(token ? { token } : {}),
  };

  const checks = resolveChecks(file, problems);
  const resolvedNotifiers = resolveNotifiers(file, env, redactor);
  const { specs } = resolvedNotifiers;
  const notifierProblems = [...shapeNotifierProblems, ...resolvedNotifiers.notifierProblems];
  problems.push(...resolvedNotifiers.notifierProblems);
  const fallback = file.alerting.fallback;
  const fallbackBroken = notifierProblems.some((p) => p.path === `notifiers.${fallback}` || p.path.startsWith(`notifiers.${fallback}.`));
  if (fallback && !specs.some((s) => s.name === fallback) && !fallbackBroken) {
    const disabled = file.notifiers?.[fallback]?.enabled === false;
    problems.push({ path: 'alerting.fallback', message: disabled ? `notifier "${fallback}" is disabled` : `no notifier named "${fallback}"`, level: 'error' });
  }
  file.alerting.maintenance.forEach((w, i) => {
    try {
      parseSchedule(w.cron, w.timezone);
    } catch (err) {
      problems.push({ path: `alerting.maintenance.${i}.${scheduleKeyOf(err) === 'timezone' ? 'timezone' : 'cron'}`, message: (err as Error).message, level: 'error' });
    }
  });

  const heartbeat = resolveHeartbeat(file.heartbeat, env, redactor);
  problems.push(...heartbeat.problems);
  const server = resolveServer(file.server, env, redactor);
  problems.push(...server.problems);

  const statePath = file.state.path ? resolve(dirname(path), file.state.path) : join(dirname(path), DEFAULT_STATE_NAME);
  const config: EffectiveConfig = {
    path,
    source,
    file,
    target,
    discoveryNotes: discovered.notes,
    ...(token && tokenSource ? { tokenSource } : {}),
    statePath,
    silencesPath: join(dirname(statePath), SILENCES_NAME),
    ...(file.openclaw.bin ? { openclawBin: file.openclaw.bin } : {}),
    ...(heartbeat.heartbeat ? { heartbeat: heartbeat.heartbeat } : {}),
    ...(server.server ? { server: server.server } : {}),
    checks,
    notifiers: specs,
    notifierProblems,
    redactor,
  };
  return { path, config, problems };
}

/** The gateway's checks, then clawmedic's check of itself. */
const ALL_CHECKS: readonly Check[] = [...builtinChecks, selfCheck];

function resolveChecks(file: ConfigFile, problems: Problem[]): ResolvedCheck[] {
  const known = new Map(ALL_CHECKS.map((c) => [c.id, c]));
  for (const id of Object.keys(file.checks)) {
    if (!known.has(id)) problems.push({ path: `checks.${id}`, message: `unknown check (known: ${[...known.keys()].join(', ')})`, level: 'error' });
  }
  file.recovery.triggers.forEach((t, i) => {
    const at = `recovery.triggers.${i}.check`;
    if (!known.has(t.check)) problems.push({ path: at, message: `unknown check "${t.check}" (known: ${[...known.keys()].join(', ')})`, level: 'error' });
    else if (file.recovery.enabled && file.checks[t.check]?.enabled === false) {
      problems.push({ path: at, message: `${t.check} is disabled, so it never triggers a recovery`, level: 'warning' });
    }
  });
  const resolved: ResolvedCheck[] = [];
  for (const check of ALL_CHECKS) {
    const entry = file.checks[check.id] ?? {};
    const at = `checks.${check.id}`;
    let schedule: ScheduleSpec;
    try {
      schedule = parseSchedule(entry.schedule ?? check.defaults.schedule, entry.timezone);
    } catch (err) {
      problems.push({ path: `${at}.${scheduleKeyOf(err)}`, message: (err as Error).message, level: 'error' });
      continue;
    }
    const period = shortestPeriodMs(schedule);
    if (!Number.isFinite(period)) {
      problems.push({ path: `${at}.schedule`, message: `"${schedule.text}" never fires (no future date matches it)`, level: 'error' });
      continue;
    }
    let timeoutMs = entry.timeout ?? check.defaults.timeoutMs;
    if (timeoutMs >= period) {
      if (entry.timeout !== undefined) {
        problems.push({
          path: `${at}.timeout`,
          message: `timeout ${formatDuration(timeoutMs)} must be shorter than the schedule's period (${formatDuration(period)}), so runs never overlap`,
          level: 'error',
        });
      }
      // An unset timeout shrinks to fit a faster schedule.
      timeoutMs = Math.max(500, Math.floor(period * 0.8));
    }
    for (const dep of entry.dependsOn ?? []) {
      if (!known.has(dep)) problems.push({ path: `${at}.dependsOn`, message: `unknown check "${dep}"`, level: 'error' });
    }
    const retryMs = retryDelay(entry.retryInterval ?? file.defaults.retryInterval, timeoutMs, period);
    resolved.push({
      check,
      enabled: entry.enabled !== false,
      ...(retryMs !== undefined ? { retryMs } : {}),
      schedule,
      timeoutMs,
      // Default jitter: a tenth of the period, at most 5 s, so checks of many hosts don't fire in lockstep.
      jitterMs: Math.min(entry.jitter ?? Math.min(5_000, Math.floor(period / 10)), Math.max(0, period - timeoutMs)),
      machine: {
        failureThreshold: entry.failureThreshold ?? check.defaults.failureThreshold ?? file.defaults.failureThreshold,
        successThreshold: entry.successThreshold ?? check.defaults.successThreshold ?? file.defaults.successThreshold,
        flapping: file.defaults.flapping,
      },
      options: checkOptions(check, entry.options, `${at}.options`, problems),
      dependsOn: entry.dependsOn ?? check.dependsOn ?? [],
      explainedBy: (check.explainedBy ?? []).filter((id) => file.checks[id]?.enabled !== false),
    });
  }
  return resolved;
}

/** The retry interval in force: 0 is off; never below the timeout (runs must not overlap); off when the schedule is as soon. */
function retryDelay(intervalMs: number, timeoutMs: number, periodMs: number): number | undefined {
  if (intervalMs <= 0) return undefined;
  const ms = Math.max(intervalMs, timeoutMs);
  return ms < periodMs ? ms : undefined;
}

/** Which key a parseSchedule error is about: the time zone is checked first and named in the message. */
function scheduleKeyOf(err: unknown): 'schedule' | 'timezone' {
  return err instanceof Error && err.message.startsWith('unknown time zone') ? 'timezone' : 'schedule';
}

function checkOptions(check: Check, given: Record<string, unknown> | undefined, at: string, problems: Problem[]): Record<string, unknown> {
  const merged = { ...check.defaults.options, ...given };
  if (!check.optionsSchema) return merged;
  const parsed = check.optionsSchema.safeParse(merged);
  if (parsed.success) return parsed.data;
  problems.push(...zodProblems(parsed.error.issues, at));
  return { ...check.defaults.options };
}

const DEFAULT_NOTIFIERS: Record<string, NotifierEntry> = {
  console: { type: 'console', enabled: true, minSeverity: 'info' },
};

function resolveNotifiers(file: ConfigFile, env: NodeJS.ProcessEnv, redactor: Redactor): { specs: NotifierSpec[]; notifierProblems: Problem[] } {
  const factories = new Map(notifierFactories.map((f) => [f.type, f]));
  const specs: NotifierSpec[] = [];
  const notifierProblems: Problem[] = [];
  for (const [name, entry] of Object.entries(file.notifiers ?? DEFAULT_NOTIFIERS)) {
    if (!entry.enabled) continue;
    const at = `notifiers.${name}`;
    const factory = factories.get(entry.type);
    if (!factory) {
      notifierProblems.push({ path: `${at}.type`, message: `unknown notifier type "${entry.type}" (known: ${[...factories.keys()].join(', ')})`, level: 'error' });
      continue;
    }
    const optionsInput = Object.fromEntries(Object.entries(entry).filter(([k]) => !(NOTIFIER_COMMON_KEYS as readonly string[]).includes(k)));
    const parsed = factory.optionsSchema.safeParse(optionsInput);
    if (!parsed.success) {
      notifierProblems.push(...zodProblems(parsed.error.issues, at));
      continue;
    }
    // Resolve secret references now, so a missing env var is reported here rather than at 3 a.m.
    const secretErrors = secretReferenceProblems(parsed.data, at, env, redactor);
    if (secretErrors.length) {
      notifierProblems.push(...secretErrors);
      continue;
    }
    for (const { value } of literalSecretsOf(entry)) redactor.add(value);
    specs.push({ name, type: entry.type, entry, factory, options: parsed.data });
  }
  return { specs, notifierProblems };
}

function secretReferenceProblems(options: unknown, at: string, env: NodeJS.ProcessEnv, redactor: Redactor): Problem[] {
  const out: Problem[] = [];
  const walk = (value: unknown, path: string) => {
    if (typeof value === 'string' && isSecretReference(value)) {
      try {
        resolveSecret(value, redactor, env);
      } catch (err) {
        out.push({ path, message: (err as Error).message, level: 'error' });
      }
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) walk(v, `${path}.${k}`);
    }
  };
  walk(options, at);
  return out;
}

/** A config that holds literal secrets must not be readable by others. */
function permissionProblems(path: string, file: ConfigFile): Problem[] {
  const literal: string[] = [];
  if (file.gateway.token && !isSecretReference(file.gateway.token)) literal.push('gateway.token');
  if (file.server?.token && !isSecretReference(file.server.token)) literal.push('server.token');
  for (const [name, entry] of Object.entries(file.notifiers ?? {})) {
    for (const { key } of literalSecretsOf(entry)) literal.push(`notifiers.${name}.${key}`);
  }
  if (literal.length === 0) return [];
  let mode: number;
  try {
    mode = statSync(path).mode & 0o777;
  } catch {
    return [];
  }
  if ((mode & 0o077) === 0) return [];
  const level = mode & 0o004 ? 'error' : 'warning';
  return [
    {
      path,
      message: `holds secrets as literal values (${literal.join(', ')}) and is ${mode & 0o004 ? 'world' : 'group'}-readable (mode ${mode.toString(8)}): run \`chmod 600 ${path}\`, or move them to env: references (e.g. "env:SLACK_WEBHOOK_URL", set in the service's environment file)`,
      level,
    },
  ];
}

/**
 * A copy of the raw config without what failed the schema: unknown keys removed, a broken check or
 * notifier entry dropped, any other broken section left to its defaults.
 */
function withoutInvalid(raw: Record<string, unknown>, issues: readonly z.core.$ZodIssue[]): Record<string, unknown> {
  const copy = structuredClone(raw);
  for (const issue of issues) {
    const [top, key] = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      let target: unknown = copy;
      for (const k of issue.path) target = (target as Record<PropertyKey, unknown> | undefined)?.[k as PropertyKey];
      if (target && typeof target === 'object') for (const k of issue.keys) delete (target as Record<string, unknown>)[k];
    } else if ((top === 'checks' || top === 'notifiers') && key !== undefined) {
      delete (copy[top] as Record<string, unknown> | undefined)?.[key];
    } else if (top !== undefined) {
      delete copy[top];
    }
  }
  return copy;
}

function zodProblems(issues: readonly z.core.$ZodIssue[], prefix = ''): Problem[] {
  return issues.map((issue) => {
    const keys = issue.path.map(String);
    const path = [prefix, ...keys].filter(Boolean).join('.') || '<root>';
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') message = `unknown key${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    // A bad record key (a notifier name): zod says only "Invalid key in record"; the reason is inside.
    if (issue.code === 'invalid_key' && issue.issues.length) message = issue.issues.map((i) => i.message).join('; ');
    return { path, message, level: 'error' as const };
  });
}
