// The environment the gateway runs with, by variable NAME: /proc/<pid>/environ of the process on the gateway
// port when it runs, else the service's environment (OpenClaw's systemd EnvironmentFile and the unit's
// Environment= lines), plus the .env files OpenClaw loads itself. Values are dropped as soon as a line is
// parsed, except for the two settings whose value is not a secret and says something about TLS.
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { homedir } from 'node:os';
import type { GatewayTarget } from '../contracts.ts';
import { findGatewayService } from './gateway-service.ts';
import { findPortOwner, processLabel, type PortOwnerLookup } from './port-owner.ts';
import { errorCode } from './net.ts';

/** Variables whose value is kept: they are settings, not secrets. */
export const SETTING_NAMES = ['NODE_TLS_REJECT_UNAUTHORIZED', 'NODE_EXTRA_CA_CERTS'] as const;
export type SettingName = (typeof SETTING_NAMES)[number];

const MAX_ENV_BYTES = 1024 * 1024;

export interface EnvFile {
  path: string;
  /** Names with a non-empty value. */
  names: Set<string>;
}

export interface GatewayEnvironment {
  /** 'process': /proc/<pid>/environ; 'service': the service's environment files; 'none': neither was readable. */
  source: 'process' | 'service' | 'none';
  /** The gateway process, when source is 'process'. */
  pid?: number;
  /** For people: "pid 4121 (openclaw-gateway)", "/home/u/.openclaw/gateway.systemd.env". */
  from?: string;
  /** Why the process environment was not read, when it was not. */
  note?: string;
  /** Names set (non-empty) in the process or service environment. */
  names: Set<string>;
  /** OpenClaw's own .env files that exist (`<state dir>/.env`, `~/.config/openclaw/gateway.env`). */
  dotenv: EnvFile[];
  /** The value of a setting in the process or service environment. */
  settings: Partial<Record<SettingName, string>>;
  /**
   * The whole process or service environment, only when asked for (keepValues): to run the openclaw CLI
   * as the gateway would see things. Holds secrets: hand it to a child process, never log or store it.
   */
  values?: Record<string, string>;
}

export interface GatewayEnvOptions {
  signal?: AbortSignal;
  /** For tests: a directory shaped like /proc. */
  procRoot?: string;
  /** For tests: the port owner lookup is skipped and this pid read instead. */
  pid?: number;
  /** Keep every value (GatewayEnvironment.values). */
  keepValues?: boolean;
}

/** Reads what the gateway's environment holds, by name. Never throws; never keeps a secret value. */
export async function readGatewayEnvironment(target: Pick<GatewayTarget, 'host' | 'port' | 'openclawStateDir'>, options: GatewayEnvOptions = {}): Promise<GatewayEnvironment> {
  const procRoot = options.procRoot ?? '/proc';
  const dotenv = await readDotenvFiles(target.openclawStateDir);
  let note: string | undefined;

  const owner = options.pid !== undefined ? undefined : await findPortOwner(target.port, { host: target.host, ...(options.signal ? { signal: options.signal } : {}), ...(options.procRoot ? { procRoot } : {}) }).catch((err: unknown): PortOwnerLookup => ({ kind: 'unsupported', reason: (err as Error).message }));
  let pid = options.pid;
  let label = pid !== undefined ? `pid ${pid}` : undefined;
  if (owner?.kind === 'found') {
    if (/openclaw/i.test(`${owner.owner.comm} ${owner.owner.cmdline.join(' ')}`)) {
      pid = owner.owner.pid;
      label = processLabel(owner.owner);
    } else note = `the gateway port is held by ${processLabel(owner.owner)}, not an OpenClaw process`;
  } else if (owner) {
    note = owner.kind === 'no-listener' ? 'the gateway is not running' : owner.reason;
  }

  if (pid !== undefined) {
    const environPath = join(procRoot, String(pid), 'environ');
    try {
      const parsed = parseEnviron(await readFile(environPath, { signal: options.signal }), options.keepValues);
      return { source: 'process', pid, from: label ?? `pid ${pid}`, names: parsed.names, settings: parsed.settings, dotenv, ...(parsed.values ? { values: parsed.values } : {}) };
    } catch (err) {
      const code = errorCode(err);
      note =
        code === 'EACCES' || code === 'EPERM'
          ? `cannot read ${environPath}: permission denied (clawmedic runs as another user than the gateway)`
          : `cannot read ${environPath}: ${(err as Error).message}`;
    }
  }

  const service = await readServiceEnvironment(target.openclawStateDir, options.keepValues);
  if (service) return { source: 'service', dotenv, ...service, ...(note ? { note } : {}) };
  return { source: 'none', names: new Set(), settings: {}, dotenv, ...(note ? { note } : {}) };
}

interface ParsedEnv {
  names: Set<string>;
  settings: Partial<Record<SettingName, string>>;
  values?: Record<string, string>;
}

const parsedEnv = (keepValues?: boolean): ParsedEnv => ({ names: new Set(), settings: {}, ...(keepValues ? { values: {} } : {}) });

/** NUL-separated NAME=value entries (/proc/<pid>/environ). */
export function parseEnviron(raw: Buffer | string, keepValues?: boolean): ParsedEnv {
  const text = typeof raw === 'string' ? raw : raw.subarray(0, MAX_ENV_BYTES).toString('utf8');
  const out = parsedEnv(keepValues);
  for (const entry of text.split('\0')) addEntry(out, entry);
  return out;
}

function addEntry(out: ParsedEnv, entry: string): void {
  const eq = entry.indexOf('=');
  if (eq <= 0) return;
  const name = entry.slice(0, eq);
  const value = entry.slice(eq + 1);
  // OpenClaw treats an empty variable as missing.
  if (value === '') return;
  out.names.add(name);
  if (out.values) out.values[name] = value;
  if ((SETTING_NAMES as readonly string[]).includes(name)) out.settings[name as SettingName] = value;
}

/** KEY=value lines as dotenv and systemd's EnvironmentFile read them (comments, `export`, quotes). */
export function parseEnvFile(text: string, keepValues?: boolean): ParsedEnv {
  const out = parsedEnv(keepValues);
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim().replace(/^export\s+/, '');
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const m = /^([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line);
    if (m) addEntry(out, `${m[1]}=${unquote(m[2]!)}`);
  }
  return out;
}

function unquote(v: string): string {
  const q = /^(["'])(.*)\1$/.exec(v.trim());
  return q ? q[2]! : v.replace(/\s+#.*$/, '').trim();
}

/** `Environment=` assignments of a systemd unit ("A=1" "B=two words" C=3), and its EnvironmentFile= paths. */
export function parseUnitEnvironment(unit: string, keepValues?: boolean): { env: ParsedEnv; files: string[] } {
  const env = parsedEnv(keepValues);
  const files: string[] = [];
  for (const raw of unit.split(/\r?\n/)) {
    const line = raw.trim();
    const assign = /^Environment\s*=\s*(.*)$/.exec(line);
    if (assign) for (const m of assign[1]!.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) addEntry(env, m[1] ?? m[2] ?? m[3] ?? '');
    const file = /^EnvironmentFile\s*=\s*-?(\S+)/.exec(line);
    if (file) files.push(file[1]!);
  }
  return { env, files };
}

async function readEnvFile(path: string, keepValues?: boolean): Promise<ParsedEnv | undefined> {
  try {
    const text = await readFile(path, 'utf8');
    return parseEnvFile(text.slice(0, MAX_ENV_BYTES), keepValues);
  } catch {
    return undefined;
  }
}

/** The home holding a state dir (~/.openclaw, ~/.openclaw-<profile>), else the current user's. */
function homeOf(stateDir: string): string {
  return basename(stateDir).startsWith('.openclaw') ? dirname(stateDir) : homedir();
}

async function readDotenvFiles(stateDir: string): Promise<EnvFile[]> {
  const paths = [join(stateDir, '.env'), join(homeOf(stateDir), '.config', 'openclaw', 'gateway.env')];
  const out: EnvFile[] = [];
  for (const path of paths) {
    const parsed = await readEnvFile(path);
    if (parsed) out.push({ path, names: parsed.names });
  }
  return out;
}

/** What a service start would give the gateway: the unit's Environment= lines and its environment files. */
async function readServiceEnvironment(stateDir: string, keepValues?: boolean): Promise<(ParsedEnv & { from: string }) | undefined> {
  const sources: string[] = [];
  const merged = parsedEnv(keepValues);
  const mergeIn = (p: ParsedEnv, from: string) => {
    sources.push(from);
    for (const n of p.names) merged.names.add(n);
    Object.assign(merged.settings, p.settings);
    if (merged.values) Object.assign(merged.values, p.values);
  };
  const files = [join(stateDir, 'gateway.systemd.env')];
  const service = findGatewayService(stateDir);
  if (service.manager === 'systemd-user' || service.manager === 'systemd-system') {
    const unit = await readFile(service.path, 'utf8').catch(() => undefined);
    if (unit !== undefined) {
      const parsed = parseUnitEnvironment(unit, keepValues);
      mergeIn(parsed.env, service.path);
      files.push(...parsed.files.filter((f) => !files.includes(f)));
    }
  }
  for (const file of files) {
    const parsed = await readEnvFile(file, keepValues);
    if (parsed) mergeIn(parsed, file);
  }
  return sources.length === 0 ? undefined : { ...merged, from: sources.join(', ') };
}
