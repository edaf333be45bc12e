// The gateway's bootId (new at every start and in-place restart; REFERENCE.md 1.3) passed from the websocket
// check, which reads it from hello-ok, to the restarts check, which counts restarts by it. Series hold numbers,
// so a bootId goes in as the number its first 12 hex digits make (a UUID's; other ids are hashed): 48 bits,
// exact in a double, and two boots share it with odds of one in 2^48.
import { createHash } from 'node:crypto';

export const BOOT_ID_SERIES = 'gateway.boot_id';

/** The bootId as a 48-bit number. */
export function bootIdNumber(bootId: string): number {
  const hex = bootId.replace(/-/g, '').toLowerCase();
  const digits = /^[0-9a-f]{12}/.test(hex) ? hex.slice(0, 12) : createHash('sha256').update(bootId).digest('hex').slice(0, 12);
  return Number.parseInt(digits, 16);
}

/** "f6324a43…": how a bootId number reads in a summary (a UUID's first 8 hex digits). */
export function bootIdLabel(n: number): string {
  return `${Math.trunc(n).toString(16).padStart(12, '0').slice(0, 8)}…`;
}
