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

/**
 * The secret-bearing values of a notifier entry that are written in as literals (not env:/file:
 * references): top-level secret keys, and headers whose names say they carry credentials.
 */
export function literalSecretsOf(entry: Record<string, unknown>): Array<{ key: string; value: string }> {
  const out: Array<{ key: string; value: string }> = [];
  for (const [k, v] of Object.entries(entry)) {
    if (isSecretKey(k) && typeof v === 'string' && !isSecretReference(v)) out.push({ key: k, value: v });
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
