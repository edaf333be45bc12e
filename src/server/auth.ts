// Who may read the agent's HTTP server: with a token, whoever presents it (as a bearer token, or as the
// password of HTTP Basic so a browser can ask for it); without one, only requests addressed to a
// loopback name, so a web page cannot read it through DNS rebinding.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isLoopbackHost } from '../platform/net.ts';

export type AuthVerdict = { ok: true } | { ok: false; status: 401 | 403; reason: string };

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Compares digests, so neither the length nor the content of the token leaks through timing. */
function sameSecret(given: string, token: string): boolean {
  return timingSafeEqual(digest(given), digest(token));
}

/** The token a request carries: "Bearer <token>", or "Basic base64(<any user>:<token>)". */
export function presentedToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const bearer = /^Bearer +(\S+)$/i.exec(header.trim());
  if (bearer) return bearer[1];
  const basic = /^Basic +([A-Za-z0-9+/=]+)$/i.exec(header.trim());
  if (!basic) return undefined;
  const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 ? decoded.slice(colon + 1) : undefined;
}

/** The host part of a Host header: "127.0.0.1:9477" -> "127.0.0.1", "[::1]:9477" -> "[::1]". */
export function hostOf(header: string | undefined): string | undefined {
  const m = /^(\[[^\]]*\]|[^:]*)(?::\d+)?$/.exec(header?.trim() ?? '');
  return m?.[1] || undefined;
}

export function authorize(req: IncomingMessage, token: string | undefined): AuthVerdict {
  if (token !== undefined) {
    const given = presentedToken(req.headers.authorization);
    if (given !== undefined && sameSecret(given, token)) return { ok: true };
    return { ok: false, status: 401, reason: given === undefined ? 'a token is required (Authorization: Bearer <token>)' : 'wrong token' };
  }
  const host = hostOf(req.headers.host);
  if (host && isLoopbackHost(host)) return { ok: true };
  return { ok: false, status: 403, reason: 'this server answers requests to 127.0.0.1, [::1] or localhost only (set server.token to serve other names)' };
}

/** The challenges a 401 carries: a browser asks for the token through Basic, Prometheus sends Bearer. */
export const CHALLENGES = ['Bearer realm="clawmedic"', 'Basic realm="clawmedic", charset="UTF-8"'];
