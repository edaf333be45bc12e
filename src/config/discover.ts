import { FileReadError, readRegularFile } from '../util/read-file.ts';
import { homedir, userInfo } from 'node:os';
import { isAbsolute, join } from 'node:path';
import JSON5 from 'json5';

export const DEFAULT_GATEWAY_PORT = 18789;
/** `openclaw --dev` (profile "dev") moves the gateway here. */
const DEV_PROFILE_PORT = 19001;

export interface OpenclawLocation {
  /** OpenClaw's state directory: OPENCLAW_STATE_DIR, else ~/.openclaw-<profile>, else ~/.openclaw. */
  stateDir: string;
  /** openclaw.json: OPENCLAW_CONFIG_PATH, else <stateDir>/openclaw.json. */
  configPath: string;
  profile?: string;
}

/** Finds OpenClaw's state directory and config file the way OpenClaw itself does. */
export function locateOpenclaw(env: NodeJS.ProcessEnv = process.env): OpenclawLocation {
  const home = [env.OPENCLAW_HOME, env.HOME, homedir()].find((h) => h && isAbsolute(h)) ?? userInfo().homedir;
  const profile = env.OPENCLAW_PROFILE?.trim() || undefined;
  const stateDir = env.OPENCLAW_STATE_DIR || join(home, profile ? `.openclaw-${profile}` : '.openclaw');
  const configPath = env.OPENCLAW_CONFIG_PATH || join(stateDir, 'openclaw.json');
  return { stateDir, configPath, ...(profile ? { profile } : {}) };
}

export interface DiscoveredGateway {
  host: string;
  port: number;
  portSource: string;
  /** Token the gateway accepts, if one could be found (a secret). */
  token?: string;
  tokenSource?: string;
  bind?: string;
  location: OpenclawLocation;
  /** Things worth telling the user (never fatal: a broken openclaw.json is the config check's to report). */
  notes: string[];
}

interface OpenclawGatewaySettings {
  port?: unknown;
  bind?: unknown;
  auth?: { token?: unknown };
}

/**
 * Discovers where the local gateway listens: OPENCLAW_GATEWAY_PORT, then gateway.port / gateway.bind /
 * gateway.auth.token in openclaw.json, else 127.0.0.1:18789. Never reads anything but loopback.
 */
export function discoverGateway(env: NodeJS.ProcessEnv = process.env, configPathOverride?: string): DiscoveredGateway {
  const location = locateOpenclaw(env);
  if (configPathOverride) location.configPath = configPathOverride;
  const notes: string[] = [];
  const settings = readGatewaySettings(location.configPath, notes);

  let port = location.profile === 'dev' ? DEV_PROFILE_PORT : DEFAULT_GATEWAY_PORT;
  let portSource = location.profile === 'dev' ? 'default (dev profile)' : 'default';
  const envPort = env.OPENCLAW_GATEWAY_PORT;
  if (envPort !== undefined && envPort !== '') {
    const n = Number(envPort);
    if (Number.isInteger(n) && n > 0 && n < 65536) {
      port = n;
      portSource = 'env OPENCLAW_GATEWAY_PORT';
    } else {
      notes.push(`OPENCLAW_GATEWAY_PORT="${envPort}" is not a port number; ignored`);
    }
  }
  if (portSource.startsWith('default') && typeof settings.port === 'number' && Number.isInteger(settings.port)) {
    port = settings.port;
    portSource = `${location.configPath} gateway.port`;
  }

  const bind = typeof settings.bind === 'string' ? settings.bind : undefined;
  if (bind === 'tailnet' || bind === 'custom') {
    notes.push(`gateway.bind is "${bind}": the gateway may not listen on loopback, and clawmedic only probes 127.0.0.1`);
  }

  let token: string | undefined;
  let tokenSource: string | undefined;
  if (env.OPENCLAW_GATEWAY_TOKEN) {
    token = env.OPENCLAW_GATEWAY_TOKEN;
    tokenSource = 'env OPENCLAW_GATEWAY_TOKEN';
  } else if (typeof settings.auth?.token === 'string') {
    token = substituteEnv(settings.auth.token, env);
    tokenSource = `${location.configPath} gateway.auth.token`;
  }

  return {
    host: '127.0.0.1',
    port,
    portSource,
    ...(token ? { token, tokenSource } : {}),
    ...(bind ? { bind } : {}),
    location,
    notes,
  };
}

/** openclaw.json is small; a larger file is not OpenClaw's config. */
const MAX_OPENCLAW_CONFIG_BYTES = 4 * 1024 * 1024;

function readGatewaySettings(path: string, notes: string[]): OpenclawGatewaySettings {
  let text: string;
  try {
    text = readRegularFile(path, MAX_OPENCLAW_CONFIG_BYTES);
  } catch (err) {
    const code = (err as FileReadError).code;
    if (code !== 'ENOENT') notes.push(`${(err as Error).message}; using default gateway settings`);
    return {};
  }
  try {
    const parsed: unknown = JSON5.parse(text);
    const gateway = (parsed as { gateway?: unknown } | null)?.gateway;
    return gateway && typeof gateway === 'object' ? (gateway as OpenclawGatewaySettings) : {};
  } catch {
    notes.push(`${path} does not parse; using default gateway settings (the config check reports the error)`);
    return {};
  }
}

/** OpenClaw substitutes ${VAR} in config strings; an unset variable leaves no token. */
function substituteEnv(value: string, env: NodeJS.ProcessEnv): string | undefined {
  let missing = false;
  const out = value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
    const v = env[name];
    if (v === undefined) missing = true;
    return v ?? '';
  });
  return missing || !out ? undefined : out;
}
