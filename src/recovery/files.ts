import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as z from 'zod';
import { writePrivateFile } from '../util/write-private.ts';
import { MAX_ATTEMPTS_KEPT, type AttemptRecord } from './types.ts';

/** The files recovery keeps beside the state file. */
export interface RecoveryPaths {
  /** Held while a runbook runs (agent or `clawmedic recover`). */
  lock: string;
  /**
   * Written by the CLI, read by the agent (like the silences file): a reset request and the attempts run
   * by hand, so the CLI never writes the state file the agent owns.
   */
  requests: string;
  /** The copy of openclaw.json taken while everything was healthy. */
  lastGood: string;
}

export function recoveryPaths(statePath: string): RecoveryPaths {
  const dir = dirname(statePath);
  return {
    lock: join(dir, 'clawmedic.recovery.lock'),
    requests: join(dir, 'clawmedic.recovery.json'),
    lastGood: join(dir, 'clawmedic.openclaw-last-good.json'),
  };
}

const stepRecord = z.looseObject({
  step: z.enum(['preflight', 'validate', 'restart', 'stop', 'clearCache', 'start', 'verify']),
  outcome: z.enum(['ok', 'failed', 'skipped']),
  startedAt: z.number().finite(),
  durationMs: z.number().finite(),
  summary: z.string(),
  command: z.array(z.string()).optional(),
  output: z.string().optional(),
});

export const attemptRecordSchema = z.looseObject({
  id: z.string(),
  by: z.enum(['agent', 'cli']),
  trigger: z.looseObject({ checkId: z.string(), status: z.string(), summary: z.string() }).optional(),
  startedAt: z.number().finite(),
  finishedAt: z.number().finite().optional(),
  outcome: z.enum(['recovered', 'failed', 'blocked', 'aborted']).optional(),
  failedStep: stepRecord.shape.step.optional(),
  reason: z.string().optional(),
  steps: z.array(stepRecord),
});

const requestsSchema = z.strictObject({
  version: z.literal(1),
  /** Epoch ms of the last `clawmedic recover --reset`. */
  resetAt: z.number().finite().optional(),
  manual: z.array(attemptRecordSchema).default([]),
});

export type RecoveryRequests = z.output<typeof requestsSchema>;

/** The requests file; a missing one has none. A damaged one throws a one-line error naming the file and the fix. */
export async function readRequests(path: string): Promise<RecoveryRequests> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, manual: [] };
    throw new Error(`cannot read ${path}: ${(err as Error).message}`);
  }
  let parsed: ReturnType<typeof requestsSchema.safeParse>;
  try {
    parsed = requestsSchema.safeParse(JSON.parse(text));
  } catch (err) {
    throw new Error(`${path} is not valid JSON (${(err as Error).message}); \`clawmedic recover --reset\` replaces it`);
  }
  if (!parsed.success) throw new Error(`${path} is damaged (${parsed.error.issues[0]?.message ?? 'invalid'}); \`clawmedic recover --reset\` replaces it`);
  return parsed.data as RecoveryRequests;
}

/** Asks the agent to close the circuit and forget the budget (it applies it within a cycle). */
export async function requestReset(path: string, now: number): Promise<void> {
  // A damaged file is replaced: a reset is what a person runs when something is stuck.
  const current = await readRequests(path).catch((): RecoveryRequests => ({ version: 1, manual: [] }));
  await writePrivateFile(path, `${JSON.stringify({ ...current, resetAt: now }, null, 2)}\n`);
}

/** Records an attempt run by hand, for the agent's audit and `status`. */
export async function recordManualAttempt(path: string, attempt: AttemptRecord): Promise<void> {
  const current = await readRequests(path).catch((): RecoveryRequests => ({ version: 1, manual: [] }));
  const manual = [...current.manual.filter((a) => a.id !== attempt.id), attempt].slice(-MAX_ATTEMPTS_KEPT);
  await writePrivateFile(path, `${JSON.stringify({ ...current, manual }, null, 2)}\n`);
}

const epoch = z.number().finite();

/** The `recovery` section of the state file, checked on load: a damaged one is reset (and recovery held, see manager). */
export const recoverySectionSchema = z.looseObject({
  version: z.literal(1),
  budget: z.looseObject({
    attempts: z.array(epoch),
    failuresInRow: z.number().int().nonnegative(),
    cooldownUntil: epoch.optional(),
    circuit: z.union([z.looseObject({ open: z.literal(false) }), z.looseObject({ open: z.literal(true), openedAt: epoch, reason: z.string() })]),
    healthySince: epoch.optional(),
  }),
  attempts: z.array(attemptRecordSchema),
  appliedResetAt: epoch.optional(),
  held: z.looseObject({ at: epoch, reason: z.string() }).optional(),
  lastGood: z.looseObject({ at: epoch, sha256: z.string(), path: z.string() }).optional(),
});
