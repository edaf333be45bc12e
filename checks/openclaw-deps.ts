// What an OpenClaw install depends on outside its own process, read from openclaw.json: the model providers'
// API hosts, the channels' API hosts, channel webhook URLs, ${VAR} references. Peers (Monit, Gatus) cannot
// know these; clawmedic reads them so the dns, tls, webhooks and secrets checks need no list of their own.
import type { CheckResult } from '../src/contracts.ts';
import { at, isRecord, readOpenclawJson, stringAt } from '../src/platform/openclaw-json.ts';

/**
 * API hosts of providers OpenClaw knows, used when the config names the provider without a baseUrl
 * (from OpenClaw 2026.9.6's provider docs and bundled defaults).
 */
export const KNOWN_PROVIDER_HOSTS: Readonly<Record<string, string>> = {
  openai: 'api.openai.com',
  anthropic: 'api.anthropic.com',
  google: 'generativelanguage.googleapis.com',
  openrouter: 'openrouter.ai',
  mistral: 'api.mistral.ai',
  groq: 'api.groq.com',
  xai: 'api.x.ai',
  deepseek: 'api.deepseek.com',
  together: 'api.together.xyz',
  fireworks: 'api.fireworks.ai',
  perplexity: 'api.perplexity.ai',
  cerebras: 'api.cerebras.ai',
  moonshot: 'api.moonshot.ai',
  minimax: 'api.minimax.io',
};

/** The hosts a channel's transport talks to (its bot API, its websocket gateway). */
export const KNOWN_CHANNEL_HOSTS: Readonly<Record<string, readonly string[]>> = {
  telegram: ['api.telegram.org'],
  discord: ['discord.com', 'gateway.discord.gg'],
  slack: ['slack.com'],
  whatsapp: ['web.whatsapp.com'],
  googlechat: ['chat.googleapis.com'],
  msteams: ['login.microsoftonline.com'],
  line: ['api.line.me'],
};

/** A host the install talks to, and why clawmedic thinks so. */
export interface HostDependency {
  /** Lower-case host name or IP literal, without brackets or port. */
  host: string;
  port: number;
  https: boolean;
  /** The configured URL, when the host came from one. */
  url?: string;
  /** For people: "models.providers.openai.baseUrl", "provider anthropic's API (auth.profiles)". */
  source: string;
  kind: 'provider' | 'channel' | 'extra';
}

export interface ProviderRef {
  id: string;
  /** Where the config names it (first place found). */
  source: string;
  baseUrl?: string;
}

/** Providers named anywhere in openclaw.json: models.providers, auth profiles, the agents' models. */
export function configuredProviders(config: Record<string, unknown>): ProviderRef[] {
  const found = new Map<string, ProviderRef>();
  const add = (id: string, source: string, baseUrl?: string) => {
    const key = id.trim().toLowerCase();
    if (!/^[a-z0-9][a-z0-9._-]{0,63}$/.test(key)) return;
    const seen = found.get(key);
    if (!seen) found.set(key, { id: key, source, ...(baseUrl ? { baseUrl } : {}) });
    else if (baseUrl && !seen.baseUrl) found.set(key, { ...seen, source, baseUrl });
  };
  const providers = at(config, 'models.providers');
  if (isRecord(providers)) {
    for (const [id, entry] of Object.entries(providers)) {
      const baseUrl = stringAt(entry, 'baseUrl');
      add(id, baseUrl ? `models.providers.${id}.baseUrl` : `models.providers.${id}`, baseUrl);
    }
  }
  const profiles = at(config, 'auth.profiles');
  if (isRecord(profiles)) {
    for (const [name, profile] of Object.entries(profiles)) {
      const provider = stringAt(profile, 'provider');
      if (provider) add(provider, `auth.profiles.${name}`);
    }
  }
  for (const { ref, path } of modelRefs(config)) {
    const slash = ref.indexOf('/');
    if (slash > 0) add(ref.slice(0, slash), path);
  }
  return [...found.values()];
}

/** "provider/model" references of the default agent and each listed agent (primary, fallbacks, image model). */
function modelRefs(config: Record<string, unknown>): Array<{ ref: string; path: string }> {
  const out: Array<{ ref: string; path: string }> = [];
  const collect = (value: unknown, path: string) => {
    if (typeof value === 'string') out.push({ ref: value, path });
    else if (isRecord(value)) {
      if (typeof value.primary === 'string') out.push({ ref: value.primary, path: `${path}.primary` });
      if (Array.isArray(value.fallbacks)) value.fallbacks.forEach((f, i) => typeof f === 'string' && out.push({ ref: f, path: `${path}.fallbacks[${i}]` }));
    }
  };
  for (const key of ['model', 'imageModel']) collect(at(config, `agents.defaults.${key}`), `agents.defaults.${key}`);
  const list = at(config, 'agents.list');
  if (Array.isArray(list)) list.forEach((agent, i) => collect(isRecord(agent) ? agent.model : undefined, `agents.list[${i}].model`));
  return out;
}

/** Configured channels that are not switched off (channels.<id> objects without enabled: false). */
export function configuredChannels(config: Record<string, unknown>): string[] {
  const channels = at(config, 'channels');
  if (!isRecord(channels)) return [];
  return Object.entries(channels)
    .filter(([, entry]) => isRecord(entry) && entry.enabled !== false)
    .map(([id]) => id);
}

/** A URL as a host dependency; undefined for what is not an http(s) URL. */
export function urlDependency(url: string, source: string, kind: HostDependency['kind']): HostDependency | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return undefined;
  const https = u.protocol === 'https:';
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (!host) return undefined;
  return { host, port: u.port ? Number(u.port) : https ? 443 : 80, https, url, source, kind };
}

export interface Dependencies {
  hosts: HostDependency[];
  /** Providers whose API host clawmedic does not know (no baseUrl, not a known provider). */
  unknownProviders: string[];
  /** Configured channels whose API host clawmedic does not know. */
  unknownChannels: string[];
}

/** Every provider and channel host the install talks to, each host once (the first source kept). */
export function hostDependencies(config: Record<string, unknown>): Dependencies {
  const hosts: HostDependency[] = [];
  const unknownProviders: string[] = [];
  const unknownChannels: string[] = [];
  const push = (d: HostDependency | undefined) => {
    if (d && !hosts.some((h) => h.host === d.host && h.port === d.port)) hosts.push(d);
  };
  for (const p of configuredProviders(config)) {
    if (p.baseUrl) {
      const dep = urlDependency(p.baseUrl, p.source, 'provider');
      if (dep) push(dep);
      else unknownProviders.push(p.id);
      continue;
    }
    const known = KNOWN_PROVIDER_HOSTS[p.id];
    if (known) push({ host: known, port: 443, https: true, url: `https://${known}/`, source: `provider ${p.id}'s API (${p.source})`, kind: 'provider' });
    else unknownProviders.push(p.id);
  }
  for (const id of configuredChannels(config)) {
    const own = ['baseUrl', 'homeserver'].map((k) => stringAt(config, `channels.${id}.${k}`)).find((v) => v !== undefined);
    const ownDep = own ? urlDependency(own, `channels.${id}`, 'channel') : undefined;
    const known = KNOWN_CHANNEL_HOSTS[id];
    if (ownDep) push(ownDep);
    for (const host of known ?? []) push({ host, port: 443, https: true, url: `https://${host}/`, source: `channel ${id}'s API`, kind: 'channel' });
    if (!ownDep && !known) unknownChannels.push(id);
  }
  return { hosts, unknownProviders, unknownChannels };
}

export interface WebhookRef {
  channel: string;
  /** Account id when the URL is an account's, else undefined (the channel's own). */
  account?: string;
  url: string;
  /** Config path of the URL: "channels.telegram.webhookUrl". */
  path: string;
}

/** Public webhook URLs of the channels: channels.<id>.webhookUrl and channels.<id>.accounts.<a>.webhookUrl. */
export function channelWebhooks(config: Record<string, unknown>): WebhookRef[] {
  const out: WebhookRef[] = [];
  for (const channel of configuredChannels(config)) {
    const own = stringAt(config, `channels.${channel}.webhookUrl`);
    if (own) out.push({ channel, url: own, path: `channels.${channel}.webhookUrl` });
    const accounts = at(config, `channels.${channel}.accounts`);
    if (!isRecord(accounts)) continue;
    for (const [account, entry] of Object.entries(accounts)) {
      if (isRecord(entry) && entry.enabled === false) continue;
      const url = stringAt(entry, 'webhookUrl');
      if (url) out.push({ channel, account, url, path: `channels.${channel}.accounts.${account}.webhookUrl` });
    }
  }
  return out;
}

export interface EnvReference {
  name: string;
  /** Config path that refers to it ("gateway.auth.token"). */
  path: string;
  form: '${VAR}' | '$VAR' | 'SecretRef';
}

/** Only upper-case names are substituted (OpenClaw's config docs: `[A-Z_][A-Z0-9_]*`); `$${VAR}` is an escape. */
const SUBSTITUTION = /(?<!\$)\$\{([A-Z_][A-Z0-9_]*)\}/g;
const SHORTHAND = /^\$([A-Z_][A-Z0-9_]*)$/;
const MAX_WALK = 20_000;

/**
 * Every environment variable openclaw.json refers to: `${VAR}` inside strings, a whole-string `$VAR`
 * (SecretInput shorthand), and `{ source: "env", id }` SecretRefs. Values are never looked at here.
 */
export function envReferences(config: Record<string, unknown>): EnvReference[] {
  const out: EnvReference[] = [];
  let visited = 0;
  const walk = (value: unknown, path: string, depth: number) => {
    if (++visited > MAX_WALK || depth > 64) return;
    if (typeof value === 'string') {
      for (const m of value.matchAll(SUBSTITUTION)) out.push({ name: m[1]!, path, form: '${VAR}' });
      const short = SHORTHAND.exec(value);
      if (short) out.push({ name: short[1]!, path, form: '$VAR' });
      return;
    }
    if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, `${path}[${i}]`, depth + 1));
      return;
    }
    if (!isRecord(value)) return;
    if (value.source === 'env' && typeof value.id === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(value.id)) {
      out.push({ name: value.id, path, form: 'SecretRef' });
      return;
    }
    for (const [k, v] of Object.entries(value)) walk(v, path ? `${path}.${k}` : k, depth + 1);
  };
  walk(config, '', 0);
  return out;
}

/** Names the config's own `env.vars` block supplies (applied by OpenClaw when the process lacks them). */
export function configEnvVars(config: Record<string, unknown>): Set<string> {
  const vars = at(config, 'env.vars');
  if (!isRecord(vars)) return new Set();
  return new Set(Object.entries(vars).filter(([, v]) => typeof v === 'string' && v !== '').map(([k]) => k));
}

/**
 * openclaw.json for a check that reads what the install depends on: an absent file is an install on
 * OpenClaw's defaults (an empty config); one that cannot be read or parsed is UNKNOWN, named (the config
 * check reports the file itself, and these checks are explained by it).
 */
export function loadOpenclawConfig(path: string, checkWhat: string): { config: Record<string, unknown> } | { result: CheckResult } {
  const read = readOpenclawJson(path);
  if (read.ok) return { config: read.config };
  if (read.missing) return { config: {} };
  return {
    result: {
      status: 'unknown',
      summary: `cannot tell ${checkWhat}: ${read.reason}`,
      remedy: 'Fix openclaw.json first (the config check says what is wrong with it).',
    },
  };
}
