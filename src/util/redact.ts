/**
 * Removes secret values from text and objects before they reach logs, alerts, state or errors.
 * Holds the resolved secrets of the running config, plus patterns for secrets it was never told about.
 */
export class Redactor {
  /** Longest first, so a secret that contains another is masked whole; kept sorted as secrets are added. */
  private secrets: string[] = [];

  /** Registers a secret value; values shorter than 4 characters are ignored (they would mask ordinary text). */
  add(value: string | undefined): void {
    if (!value || value.length < 4 || this.secrets.includes(value)) return;
    this.secrets = [...this.secrets, value].sort((a, b) => b.length - a.length);
  }

  text(input: string): string {
    let out = input;
    for (const secret of this.secrets) out = out.split(secret).join('***');
    return redactPatterns(out);
  }

  /** Deep copy with every string redacted. */
  value<T>(input: T): T {
    return deepMap(input, (s) => this.text(s)) as T;
  }
}

const PATTERNS: Array<[RegExp, string]> = [
  // Slack incoming-webhook paths and tokens.
  [/(hooks\.slack\.com\/services\/)[A-Za-z0-9/_-]+/g, '$1***'],
  [/\bxox[abposr]-[A-Za-z0-9-]{8,}/g, 'xox*-***'],
  // Authorization headers and bearer tokens.
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, '$1 ***'],
  // user:password@ in URLs.
  // (The scheme is bounded: an unbounded one backtracks quadratically on long dotted text.)
  [/(\b[a-z][a-z0-9+.-]{0,30}:\/\/[^\s/:@]{1,256}:)[^\s/@]{1,256}@/gi, '$1***@'],
  // token=..., password: ..., api_key="..." and friends.
  // (Not after a "." or a word character: "gateway.auth.token: Missing env var" names a key, it holds no value.)
  [/(?<![.\w-])((?:api[_-]?key|token|secret|password|passwd|authorization)["']?\s*[:=]\s*["']?)[^\s"',;&]{4,}/gi, '$1***'],
  // Well-known API key shapes.
  [/\bsk-[A-Za-z0-9_-]{16,}/g, 'sk-***'],
];

export function redactPatterns(input: string): string {
  let out = input;
  for (const [re, replacement] of PATTERNS) out = out.replace(re, replacement);
  return out;
}

function deepMap(input: unknown, fn: (s: string) => string): unknown {
  if (typeof input === 'string') return fn(input);
  if (Array.isArray(input)) return input.map((v) => deepMap(v, fn));
  if (input && typeof input === 'object') {
    const out: Record<string, unknown> = {};
    // defineProperty keeps a "__proto__" key as data instead of replacing the copy's prototype.
    for (const [k, v] of Object.entries(input)) Object.defineProperty(out, k, { value: deepMap(v, fn), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return input;
}
