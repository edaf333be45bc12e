import * as z from 'zod';

// Sizes as people write them in configs: "1.5g", "800m", "2GiB", "512 MB", or bytes as a number. Every
// unit is binary (k = 1024), as in systemd's MemoryMax=, docker --memory and Java's -Xmx: "1.5g" is
// 1.5 GiB whichever way it is spelled.

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };
const SIZE = /^(\d+(?:\.\d+)?|\.\d+)\s*(?:([kmgtp])(?:i?b)?|(b))?$/i;

/** Bytes for "1.5g", "800m", "2GiB", "512 MB", "1024", or a non-negative number; undefined when it is not a size. */
export function parseSize(input: unknown): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? Math.round(input) : undefined;
  if (typeof input !== 'string') return undefined;
  const m = SIZE.exec(input.trim());
  if (!m) return undefined;
  const unit = (m[2] ?? m[3] ?? '').toLowerCase();
  const bytes = Number(m[1]) * UNITS[unit]!;
  return Number.isFinite(bytes) && bytes <= Number.MAX_SAFE_INTEGER ? Math.round(bytes) : undefined;
}

/** "1.31 GiB", "850 MiB", "12.0 KiB", "512 B". */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return String(bytes);
  const sign = bytes < 0 ? '-' : '';
  let v = Math.abs(bytes);
  if (v < 1024) return `${sign}${Math.round(v)} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = -1;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  const digits = v >= 100 ? 0 : v >= 10 ? 1 : 2;
  return `${sign}${v.toFixed(digits)} ${units[i]}`;
}

/**
 * A zod schema for a size option: bytes out, and a config error naming the value for anything else
 * ("lots" -> `"lots" is not a size (use e.g. "1.5g", "800m", "2GiB", or bytes as a number)`).
 */
export function sizeSchema(options: { min?: number; description?: string } = {}) {
  const min = options.min ?? 0;
  return z
    .union([z.number(), z.string()], { error: 'expected a size such as "1.5g", "800m", "2GiB", or bytes as a number' })
    .transform((value, ctx) => {
      const bytes = parseSize(value);
      if (bytes === undefined) {
        ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is not a size (use e.g. "1.5g", "800m", "2GiB", or bytes as a number)` });
        return z.NEVER;
      }
      if (bytes < min) {
        ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is less than the ${formatBytes(min)} allowed here` });
        return z.NEVER;
      }
      return bytes;
    })
    .meta({ description: options.description ?? 'A size: "1.5g", "800m", "2GiB" (binary units), or bytes as a number' });
}
