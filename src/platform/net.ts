// Network helpers shared by the gateway probes (src/platform/http-probe.ts) and the alert notifiers
// (notifiers/delivery.ts): which hosts count as loopback, and which error code a network error carries.
import { BlockList, isIP } from 'node:net';

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/**
 * 127.0.0.0/8, ::1 (also bracketed, as URL.hostname gives it, and written out in full), IPv4-mapped
 * ::ffff:127.x, and the name localhost. Anything else, including names that merely resolve to loopback, is not.
 */
export function isLoopbackHost(host: string): boolean {
  const bracketed = /^\[(.*)\]$/.exec(host);
  const h = (bracketed ? bracketed[1]! : host).toLowerCase();
  const family = isIP(h);
  if (bracketed) return family === 6 && LOOPBACK.check(h, 'ipv6');
  if (h === 'localhost') return true;
  // BlockList matches an IPv4-mapped IPv6 address against the IPv4 rules.
  return family === 4 ? LOOPBACK.check(h, 'ipv4') : family === 6 ? LOOPBACK.check(h, 'ipv6') : false;
}

/**
 * The most specific error code along an error's cause chain: ECONNREFUSED rather than fetch's code-less
 * "fetch failed", undici's socket error's errno rather than its wrapper. undici's generic 'UND_ERR' never wins
 * over a real code.
 */
export function errorCode(err: unknown): string | undefined {
  let code: string | undefined;
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const c = (e as { code?: unknown }).code;
    if (typeof c === 'string' && c !== '' && (c !== 'UND_ERR' || code === undefined)) code = c;
    e = (e as { cause?: unknown }).cause;
  }
  return code;
}
