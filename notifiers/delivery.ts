// What the network notifiers share: endpoint URL rules, deadlines, Retry-After, and error text that
// is safe to log. Kept apart from the channels so each channel file stays about its own medium.

import type { request as undiciRequest } from 'undici';
import * as z from 'zod';
import { isSecretReference } from '../src/config/secrets.ts';
import { cleanText, oneLine } from '../src/alerts/format.ts';
import { isLoopbackHost } from '../src/platform/net.ts';

/** undici's request, loaded at the first send: an agent that sends nothing does not carry an HTTP library. */
export async function request(...args: Parameters<typeof undiciRequest>): ReturnType<typeof undiciRequest> {
  return (await import('undici')).request(...args);
}

// Plain http is allowed to loopback hosts only (local relays and tests); the channels import these from here.
export { errorCode, isLoopbackHost } from '../src/platform/net.ts';

export const DEFAULT_TIMEOUT_MS = 10_000;

export const timeoutMsSchema = z.number().int().min(100).max(300_000).default(DEFAULT_TIMEOUT_MS);

/** Why a URL is not acceptable as an alert endpoint, or undefined when it is. Never quotes the URL. */
export function endpointUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a valid URL';
  }
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return undefined;
  return 'must be an https URL (plain http only to a loopback host)';
}

/**
 * A URL option that may hold a secret: an "env:"/"file:" reference (checked once resolved, in create)
 * or a literal URL checked here. Messages never include the value.
 */
export const endpointSchema = z
  .string()
  .min(1)
  .superRefine((value, ctx) => {
    if (isSecretReference(value)) return;
    const problem = endpointUrlProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: `${problem}, or an env:/file: reference` });
  });

/** Resolves a URL option and checks it; throws a one-line error that names the notifier, not the URL. */
export function resolveEndpoint(ref: string, what: string, resolveSecret: (ref: string) => string): string {
  const url = resolveSecret(ref).trim();
  const problem = endpointUrlProblem(url);
  if (problem) {
    const source = isSecretReference(ref) ? ` (from ${ref})` : '';
    throw new Error(`${what}: url${source} ${problem}`);
  }
  return url;
}

/** The caller's signal combined with the notifier's own deadline. */
export function deadline(signal: AbortSignal, timeoutMs: number): { signal: AbortSignal; timedOut(): boolean } {
  const timer = AbortSignal.timeout(timeoutMs);
  return { signal: AbortSignal.any([signal, timer]), timedOut: () => timer.aborted && !signal.aborted };
}

const MAX_RETRY_AFTER_MS = 24 * 3_600_000;

/** Retry-After as delay-seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Math.min(Number(text) * 1000, MAX_RETRY_AFTER_MS);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(0, at - now), MAX_RETRY_AFTER_MS);
}

/** The innermost message along the cause chain: "connect ECONNREFUSED 127.0.0.1:9", not "fetch failed". */
export function innermostMessage(err: unknown): string {
  let message = err instanceof Error ? err.message : String(err);
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; depth++) {
    if (e.message) message = e.message;
    e = e.cause;
  }
  return message;
}

/**
 * Makes text from the outside (an error message, a response body) fit for an error message: the
 * notifier's own secrets (URL, user, password) removed literally, then the redactor, control
 * characters stripped, one line, short.
 */
export function scrubber(redact: (s: string) => string, secrets: ReadonlyArray<string | undefined>) {
  const literal = secrets.filter((s): s is string => typeof s === 'string' && s.length > 0).sort((a, b) => b.length - a.length);
  return (text: string, max = 300): string => {
    let out = text;
    for (const secret of literal) out = out.split(secret).join('***');
    return oneLine(cleanText(out, max, redact));
  };
}
