import * as z from 'zod';
import { formatDuration, parseDuration } from '../util/duration.ts';

/** No duration in the config may exceed this (a year): anything longer is a typo, not a setting. */
export const MAX_DURATION_MS = 366 * 86_400_000;

/** "30s", "5m", or a number of milliseconds; at most `max` (default a year). */
export function durationUpTo(max: number, why?: string) {
  return z
    .union([z.number().int().nonnegative(), z.string()], { error: 'expected a duration such as "30s", "5m", "2h", or milliseconds as a number' })
    .transform((value, ctx) => {
      const ms = typeof value === 'number' ? value : parseDuration(value);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration (use e.g. "500ms", "30s", "5m", "2h")` });
        return z.NEVER;
      }
      if (ms > max) {
        ctx.addIssue({ code: 'custom', message: `${typeof value === 'number' ? `${value} ms` : `"${value}"`} is longer than the ${formatDuration(max)} allowed here${why ? ` (${why})` : ''}` });
        return z.NEVER;
      }
      return ms;
    })
    .meta({ description: `A duration such as "30s", "5m", "2h", or milliseconds as a number (at most ${formatDuration(max)})` });
}

export const duration = durationUpTo(MAX_DURATION_MS);
