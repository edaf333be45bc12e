import { readRegularFile } from '../util/read-file.ts';
import type { Redactor } from '../util/redact.ts';

export class SecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretError';
  }
}

const SECRET_KEY = /^(token|password|url|hmacSecret|secret|apiKey)$/i;

/** Config keys whose values are secrets (notifier URLs carry their credentials in the path). */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

const SECRET_HEADER = /auth|token|key|secret|cookie|session|signature|password/i;

/** A query parameter or path part that carries a credential (Slack/Discord webhook paths, tokens, UUIDs). */
const SECRET_QUERY_KEY = /token|key|secret|sig|auth|pass|code|access|session/i;
const WEBHOOK_PATH = /^\/(?:services\/|api\/webhooks\/|hooks\/|webhookb2\/|workflows\/)/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function tokenLike(part: string): boolean {
  // Long, and mixing letters and digits: an id an attacker could not guess, not a word such as "alerts".
  return UUID.test(part) || (part.length >= 16 && /[A-Za-z]/.test(part) && /\d/.test(part) && /^[\w.~+/=-]+$/.test(part));
}

/**
 * Whether a literal URL holds a secret: credentials, a chat webhook path (Slack, Discord, Teams...), a
 * token-like path part or query. `http://127.0.0.1:9000/alerts` holds none, and is no reason to refuse
 * a config that others may read. Something that is not a URL counts as a secret, to be safe.
 */
export function urlHoldsSecret(value: string): boolean {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return true;
  }
  if (u.username || u.password) return true;
  if (/(^|\.)(slack|discord|discordapp)\.com$/i.test(u.hostname) || WEBHOOK_PATH.test(u.pathname)) return true;
  if (u.pathname.split('/').some((part) => tokenLike(decodeURIComponent(part)))) return true;
  // A one-letter key (?k=, ?t=, ?s=) is how many services abbreviate theirs.
  for (const [k, v] of u.searchParams) if (SECRET_QUERY_KEY.test(k) || k.length === 1 || tokenLike(v)) return true;
  return false;
}

/**
 * The secret-bearing values of a notifier entry that are written in as literals (not env:/file:
 * references): top-level secret keys (a URL only when it holds a secret), and headers whose names say
 * they carry credentials.
 */
export function literalSecretsOf(entry: Record<string, unknown>): Array<{ key: string; value: string }> {
  const out: Array<{ key: string; value: string }> = [];
  for (const [k, v] of Object.entries(entry)) {
    if (!isSecretKey(k) || typeof v !== 'string' || isSecretReference(v)) continue;
    if (k.toLowerCase() === 'url' && !urlHoldsSecret(v)) continue;
    out.push({ key: k, value: v });
  }
  // Several URLs for one notifier (Alertmanager in HA): each may carry credentials as much as a single url.
  if (Array.isArray(entry.urls)) {
    entry.urls.forEach((v: unknown, i) => {
      if (typeof v === 'string' && !isSecretReference(v) && urlHoldsSecret(v)) out.push({ key: `urls[${i}]`, value: v });
    });
  }
  const headers = entry.headers;
  if (headers && typeof headers === 'object') {
    for (const [name, v] of Object.entries(headers)) {
      if (SECRET_HEADER.test(name) && typeof v === 'string' && !isSecretReference(v)) out.push({ key: `headers.${name}`, value: v });
    }
  }
  return out;
}

export function isSecretReference(value: string): boolean {
  return value.startsWith('env:') || value.startsWith('file:');
}

/**
 * Resolves "env:NAME" and "file:/path" references; any other string is a literal secret.
 * Every value resolved is registered with the redactor before it is returned.
 */
export function resolveSecret(ref: string, redactor: Redactor, env: NodeJS.ProcessEnv = process.env): string {
  let value: string;
  if (ref.startsWith('env:')) {
    const name = ref.slice(4);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new SecretError(`"${ref}" is not a valid environment variable name`);
    const v = env[name];
    if (v === undefined || v === '') throw new SecretError(`environment variable ${name} (from "${ref}") is not set`);
    value = v;
  } else if (ref.startsWith('file:')) {
    const path = ref.slice(5);
    if (!path.startsWith('/')) throw new SecretError(`"${ref}" must name an absolute path`);
    try {
      // A secret is a line, not a file of megabytes; a FIFO would block the agent forever.
      value = readRegularFile(path, 64 * 1024).trim();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new SecretError(`cannot read secret file ${path} (${code ?? 'error'})`);
    }
    if (!value) throw new SecretError(`secret file ${path} is empty`);
  } else {
    value = ref;
  }
  redactor.add(value);
  return value;
}
