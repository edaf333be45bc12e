// One host name through a node:dns Resolver (c-ares, the servers of /etc/resolv.conf unless told otherwise)
// with a hard deadline, and the failure in DNS terms: NXDOMAIN, no address records, SERVFAIL, refused,
// no answer. c-ares does not read /etc/hosts, so a name pinned there is looked up in it before failing.
import { Resolver } from 'node:dns/promises';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { errorCode } from './net.ts';

export type DnsFailureKind = 'nxdomain' | 'nodata' | 'servfail' | 'refused' | 'timeout' | 'aborted' | 'other';

export type DnsOutcome =
  | { ok: true; addresses: string[]; ms: number; via: 'dns' | 'hosts' | 'literal' }
  | { ok: false; kind: DnsFailureKind; code: string; ms: number };

/** Failures that say the resolver itself is not answering properly, not that one name is wrong. */
export const RESOLVER_FAILURES: ReadonlySet<DnsFailureKind> = new Set(['servfail', 'refused', 'timeout']);

export const DNS_FAILURE_WORDS: Record<DnsFailureKind, string> = {
  nxdomain: 'does not exist (NXDOMAIN)',
  nodata: 'has no address record (NODATA)',
  servfail: 'the resolver failed (SERVFAIL)',
  refused: 'the resolver refused or could not be reached',
  timeout: 'no answer from the resolver (timeout)',
  aborted: 'lookup cancelled',
  other: 'lookup failed',
};

export interface ResolveOptions {
  /** DNS servers ("127.0.0.1:5353", "10.0.0.53"); default: the system's (/etc/resolv.conf). */
  servers?: readonly string[];
  timeoutMs: number;
  signal?: AbortSignal;
  /** Where to look for a pinned name; default /etc/hosts. */
  hostsFile?: string;
}

/** A Resolver with one try per server and the given per-query timeout. */
export function makeResolver(servers: readonly string[] | undefined, timeoutMs: number): Resolver {
  const resolver = new Resolver({ timeout: Math.max(1, Math.round(timeoutMs)), tries: 1 });
  if (servers && servers.length > 0) resolver.setServers([...servers]);
  return resolver;
}

/** Resolves A, then AAAA when there is no A record. Never throws. */
export async function resolveHost(host: string, options: ResolveOptions, resolver = makeResolver(options.servers, options.timeoutMs)): Promise<DnsOutcome> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  if (isIP(host)) return { ok: true, addresses: [host], ms: 0, via: 'literal' };

  const onAbort = () => resolver.cancel();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  // c-ares keeps its own timers; this one bounds the whole lookup whatever the server list.
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      resolver.cancel();
      reject(Object.assign(new Error('deadline'), { code: 'ETIMEOUT' }));
    }, options.timeoutMs + 250);
  });
  try {
    const v4 = await Promise.race([resolver.resolve4(host), deadline]).catch((err: unknown) => err as Error);
    if (Array.isArray(v4) && v4.length > 0) return { ok: true, addresses: v4, ms: ms(), via: 'dns' };
    if (!Array.isArray(v4) && errorCode(v4) !== 'ENODATA') return await failure(host, v4, options, ms);
    const v6 = await Promise.race([resolver.resolve6(host), deadline]).catch((err: unknown) => err as Error);
    if (Array.isArray(v6) && v6.length > 0) return { ok: true, addresses: v6, ms: ms(), via: 'dns' };
    return await failure(host, Array.isArray(v6) ? Object.assign(new Error('no records'), { code: 'ENODATA' }) : v6, options, ms);
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}

async function failure(host: string, err: Error, options: ResolveOptions, ms: () => number): Promise<DnsOutcome> {
  const code = errorCode(err) ?? 'EUNKNOWN';
  if (options.signal?.aborted) return { ok: false, kind: 'aborted', code, ms: ms() };
  const pinned = await hostsFileAddresses(host, options.hostsFile ?? '/etc/hosts');
  if (pinned.length > 0) return { ok: true, addresses: pinned, ms: ms(), via: 'hosts' };
  return { ok: false, kind: kindOf(code), code, ms: ms() };
}

function kindOf(code: string): DnsFailureKind {
  switch (code) {
    case 'ENOTFOUND':
      return 'nxdomain';
    case 'ENODATA':
      return 'nodata';
    case 'ESERVFAIL':
      return 'servfail';
    case 'EREFUSED':
    case 'ECONNREFUSED':
      return 'refused';
    case 'ETIMEOUT':
      return 'timeout';
    case 'ECANCELLED':
      return 'aborted';
    default:
      return 'other';
  }
}

/** Addresses /etc/hosts gives a name (what getaddrinfo would find before DNS). */
export async function hostsFileAddresses(host: string, hostsFile: string): Promise<string[]> {
  const text = await readFile(hostsFile, 'utf8').catch(() => '');
  const name = host.toLowerCase();
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const [address, ...names] = line.replace(/#.*/, '').trim().split(/\s+/);
    if (address && isIP(address) && names.some((n) => n.toLowerCase() === name)) out.push(address);
  }
  return out;
}
