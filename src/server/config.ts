// The `server` section: where the agent's HTTP server listens (/metrics, /status, /healthz, the status
// page), and the token it then asks for. Off unless the section is there.
import { isIP } from 'node:net';
import * as z from 'zod';
import type { Problem } from '../config/load.ts';
import { resolveSecret } from '../config/secrets.ts';
import { durationUpTo } from '../config/durations.ts';
import { isLoopbackHost } from '../platform/net.ts';
import type { Redactor } from '../util/redact.ts';

export const DEFAULT_LISTEN = '127.0.0.1:9477';
/** A token shorter than this is guessable by anyone who can reach the port. */
export const MIN_TOKEN_LENGTH = 16;

/** "127.0.0.1:9477", "[::1]:9477", "0.0.0.0:9477" -> host and port; undefined when it is none of those. */
export function parseListen(text: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text.trim());
  if (!m) return undefined;
  const host = (m[1] ?? m[2])!;
  const port = Number(m[3]);
  if (port < 1 || port > 65_535) return undefined;
  // A name would be resolved at bind time, to whatever DNS says then: only addresses, and localhost.
  if (host !== 'localhost' && isIP(host) === 0) return undefined;
  if (m[1] !== undefined && isIP(host) !== 6) return undefined;
  return { host: host === 'localhost' ? '127.0.0.1' : host, port };
}

export const serverSchema = z
  .strictObject({
    listen: z
      .string()
      .default(DEFAULT_LISTEN)
      .refine((s) => parseListen(s) !== undefined, 'must be address:port, e.g. "127.0.0.1:9477" or "[::1]:9477" (an IP address, or localhost)')
      .meta({ description: 'Address and port of the agent\'s HTTP server (default 127.0.0.1:9477); beyond loopback only with a token' }),
    token: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'Bearer token every request must carry, e.g. "env:CLAWMEDIC_SERVER_TOKEN"; required when listen is not a loopback address' }),
    refresh: durationUpTo(3_600_000)
      .refine((ms) => ms >= 5_000, 'refresh the page at most every 5s')
      .default(30_000)
      .meta({ description: 'How often the status page reloads itself (default 30s)' }),
  })
  .superRefine((s, ctx) => {
    const at = parseListen(s.listen);
    if (at && !isLoopbackHost(at.host) && s.token === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['token'],
        message: `is required to listen on ${s.listen}, beyond loopback: anyone on the network could read the gateway's state (set token: "env:CLAWMEDIC_SERVER_TOKEN", or listen on 127.0.0.1)`,
      });
    }
  })
  .optional()
  .meta({ description: 'The agent\'s HTTP server: /metrics (Prometheus), /status (JSON), /healthz and a status page at /. Off when absent' });

export type ServerSection = z.output<typeof serverSchema>;

/** host:port as a URL has it: an IPv6 address in brackets. */
export function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export interface ServerSettings {
  host: string;
  port: number;
  /** Resolved secret: never log it. */
  token?: string;
  refreshMs: number;
}

/** The server section with its token resolved (and registered with the redactor); problems keyed by path. */
export function resolveServer(section: ServerSection, env: NodeJS.ProcessEnv, redactor: Redactor): { server?: ServerSettings; problems: Problem[] } {
  if (!section) return { problems: [] };
  const at = parseListen(section.listen);
  if (!at) return { problems: [] }; // the schema said why
  const settings: ServerSettings = { ...at, refreshMs: section.refresh };
  if (section.token === undefined) return { server: settings, problems: [] };
  let token: string;
  try {
    token = resolveSecret(section.token, redactor, env);
  } catch (err) {
    return { problems: [{ path: 'server.token', message: (err as Error).message, level: 'error' }] };
  }
  // Said without the value: the message ends up in logs.
  if (token.length < MIN_TOKEN_LENGTH) return { problems: [{ path: 'server.token', message: `is ${token.length} characters long; use at least ${MIN_TOKEN_LENGTH} (e.g. \`openssl rand -hex 24\`)`, level: 'error' }] };
  if (!/^[\x21-\x7e]+$/.test(token)) return { problems: [{ path: 'server.token', message: 'must be printable ASCII without spaces (it travels in an HTTP header)', level: 'error' }] };
  return { server: { ...settings, token }, problems: [] };
}
