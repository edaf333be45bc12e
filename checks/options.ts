import type { z } from 'zod';
import type { CheckResult } from '../src/contracts.ts';

/**
 * A check's options through its schema once more: the config loader validated them already, but a context
 * built by hand (tests, `check` from older state) may not have been. A bad option is UNKNOWN, named.
 */
export function parseCheckOptions<T>(schema: z.ZodType<T>, options: unknown): { options: T } | { result: CheckResult } {
  const parsed = schema.safeParse(options ?? {});
  if (parsed.success) return { options: parsed.data };
  const issue = parsed.error.issues[0];
  return { result: { status: 'unknown', summary: `invalid option ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}` } };
}
