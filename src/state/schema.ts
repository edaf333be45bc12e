import * as z from 'zod';
import type { CheckResult, HistoryEntry } from '../contracts.ts';
import type { MachineState, Transition } from '../evaluate/types.ts';
import { isSeriesName, type SeriesData } from './series.ts';

// The state file's data shape, its version, and the checks a file must pass before anything trusts it.
// Validation is deliberately loose about extra keys (a later version may add fields; an older agent
// keeps them) and strict about the keys the code reads.

/** 2: series and per-check memory (0.2.0). 1: checks, sections and notices (0.1.0). */
export const SCHEMA_VERSION = 2;

export interface LastRun {
  /** Epoch ms the run finished. */
  at: number;
  durationMs: number;
  /** The full result, with text fields capped. */
  result: CheckResult;
}

export interface CheckRecord {
  machine: MachineState;
  /** Compact results, oldest first, bounded by count and age. */
  window: HistoryEntry[];
  last?: LastRun;
  /** State changes, oldest first, bounded by count. */
  transitions: Transition[];
}

/** Something a later reader (e.g. `clawmedic status`) should be told about the file itself. */
export interface StateNotice {
  /** 'quarantined': the whole file was moved aside; 'part-reset': one damaged part was reset, a copy of the file kept. */
  kind: 'quarantined' | 'part-reset';
  /** Epoch ms. */
  at: number;
  /** Where the unusable file (or the copy holding the damaged part) is. */
  movedTo: string;
  reason: string;
  /** For 'part-reset': which part, e.g. "sections.outbox" or "checks.gateway.http". */
  part?: string;
}

/** Schemas of the named sections whose owners are known; others pass through unchecked. */
export type SectionSchemas = Readonly<Record<string, z.ZodType>>;

/** A part of an otherwise good file that failed its schema and was dropped. */
export interface DamagedPart {
  part: string;
  reason: string;
}

export interface StateData {
  schemaVersion: typeof SCHEMA_VERSION;
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms of the last change. */
  updatedAt: number;
  checks: Record<string, CheckRecord>;
  /** Named sections owned by other parts (alerts, outbox, silences, recovery). */
  sections: Record<string, unknown>;
  notices: StateNotice[];
  /** Named numeric series, tiered (see series.ts). */
  series: Record<string, SeriesData>;
  /** Each check's private memory between runs, by check id. */
  memory: Record<string, unknown>;
}

export function emptyState(now: number): StateData {
  return { schemaVersion: SCHEMA_VERSION, createdAt: now, updatedAt: now, checks: {}, sections: {}, notices: [], series: {}, memory: {} };
}

const status = z.enum(['ok', 'warn', 'crit', 'unknown']);
const checkState = z.enum(['ok', 'pending', 'failing', 'recovering', 'flapping']);
const epoch = z.number().finite();
const count = z.number().int().nonnegative();
const metrics = z.record(z.string(), z.number());

const machine = z.looseObject({
  state: checkState,
  since: epoch,
  consecutiveFailures: count,
  consecutiveSuccesses: count,
  recent: z.array(status),
  flapPct: z.number().finite(),
  incidentSince: epoch.optional(),
  worstStatus: status.optional(),
});

const historyEntry = z.looseObject({
  at: epoch,
  status,
  summary: z.string(),
  durationMs: z.number().finite(),
  metrics: metrics.optional(),
});

const transition = z.looseObject({
  checkId: z.string(),
  from: checkState,
  to: checkState,
  at: epoch,
  status,
  summary: z.string(),
  incidentSince: epoch.optional(),
  flapPct: z.number().finite().optional(),
  worstStatus: status.optional(),
});

const result = z.looseObject({
  status,
  summary: z.string(),
  diagnosis: z.string().optional(),
  remedy: z.string().optional(),
  metrics: metrics.optional(),
  details: z.unknown().optional(),
});

const checkRecord = z.looseObject({
  machine,
  window: z.array(historyEntry),
  last: z.looseObject({ at: epoch, durationMs: z.number().finite(), result }).optional(),
  transitions: z.array(transition),
});

const notice = z.looseObject({ kind: z.string(), at: epoch, movedTo: z.string(), reason: z.string(), part: z.string().optional() });

// Check records and sections are validated one by one (below), so one damaged part does not cost the rest.
// Checked by hand: a full set of series is ~100k tuples, and zod takes half a second over them.
const seriesData = z.custom<SeriesData>(isSeriesData, 'expected { raw: [[at, value], ...], tiers: [[[start, n, min, max, sum], ...], ...] } of finite numbers');

function isSeriesData(value: unknown): value is SeriesData {
  if (!value || typeof value !== 'object') return false;
  const { raw, tiers } = value as Partial<SeriesData>;
  if (!Array.isArray(raw) || !Array.isArray(tiers)) return false;
  for (const r of raw) if (!Array.isArray(r) || r.length !== 2 || !Number.isFinite(r[0]) || !Number.isFinite(r[1])) return false;
  for (const tier of tiers) {
    if (!Array.isArray(tier)) return false;
    for (const b of tier) {
      if (!Array.isArray(b) || b.length !== 5 || !(b[1] >= 1)) return false;
      for (const x of b) if (!Number.isFinite(x)) return false;
    }
  }
  return true;
}

const stateV2 = z.looseObject({
  schemaVersion: z.literal(2),
  createdAt: epoch,
  updatedAt: epoch,
  checks: z.record(z.string(), z.unknown()),
  sections: z.record(z.string(), z.unknown()),
  // Absent in files written before notices existed; same version, since it is additive.
  notices: z.array(notice).default([]),
  series: z.record(z.string(), z.unknown()).default({}),
  memory: z.record(z.string(), z.unknown()).default({}),
});

/**
 * Upgrades from version n to n + 1, keyed by n. Empty while there is only version 1; a new version adds
 * an entry here rather than teaching the validator two shapes.
 */
const MIGRATIONS: Record<number, (raw: Record<string, unknown>) => Record<string, unknown>> = {
  // 0.1.0 -> 0.2.0: series and check memory start empty; everything else is kept as it was.
  1: (raw) => ({ ...raw, schemaVersion: 2, series: {}, memory: {} }),
};

export type ParseOutcome =
  | { ok: true; data: StateData; migratedFrom?: number; damaged: DamagedPart[] }
  | { ok: false; kind: 'corrupt' | 'newer'; reason: string };

/**
 * Parses and validates the file's text; never throws. A damaged check record or section (one that fails
 * its schema) is dropped and listed in `damaged`; the rest of the file is kept.
 */
export function parseState(text: string, sectionSchemas: SectionSchemas = {}): ParseOutcome {
  if (text.trim() === '') return { ok: false, kind: 'corrupt', reason: 'the file is empty' };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { ok: false, kind: 'corrupt', reason: `not valid JSON (${(err as Error).message})` };
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, kind: 'corrupt', reason: 'not a JSON object' };
  }
  let obj = raw as Record<string, unknown>;
  const version = obj.schemaVersion;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    return { ok: false, kind: 'corrupt', reason: 'no valid schemaVersion' };
  }
  if (version > SCHEMA_VERSION) {
    return {
      ok: false,
      kind: 'newer',
      reason: `schemaVersion ${version} is newer than this clawmedic understands (${SCHEMA_VERSION})`,
    };
  }
  for (let v = version; v < SCHEMA_VERSION; v++) {
    const migrate = MIGRATIONS[v];
    if (!migrate) return { ok: false, kind: 'corrupt', reason: `no migration from schemaVersion ${v}` };
    obj = migrate(obj);
  }
  const parsed = stateV2.safeParse(obj);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? formatPath(issue.path) : '';
    return { ok: false, kind: 'corrupt', reason: `wrong shape at ${where || 'top level'}: ${issue?.message ?? 'invalid'}` };
  }
  // The validator checked every key the code reads; extra keys pass through untouched.
  const data = parsed.data as unknown as StateData;
  const damaged = [
    ...dropInvalid(data.checks as Record<string, unknown>, 'checks', () => checkRecord),
    ...dropInvalid(data.sections, 'sections', (name) => (Object.hasOwn(sectionSchemas, name) ? sectionSchemas[name] : undefined)),
    ...dropInvalid(data.series as Record<string, unknown>, 'series', (name) => (isSeriesName(name) ? seriesData : NEVER_VALID)),
  ];
  return version === SCHEMA_VERSION ? { ok: true, data, damaged } : { ok: true, data, migratedFrom: version, damaged };
}

const NEVER_VALID = z.never({ error: 'not a valid series name' });

/** Removes the members of `record` that fail their schema; returns what was removed and why. */
function dropInvalid(record: Record<string, unknown>, prefix: string, schemaOf: (key: string) => z.ZodType | undefined): DamagedPart[] {
  const damaged: DamagedPart[] = [];
  for (const [key, value] of Object.entries(record)) {
    const schema = schemaOf(key);
    if (!schema) continue;
    const parsed = schema.safeParse(value);
    if (parsed.success) continue;
    const issue = parsed.error.issues[0];
    const where = issue ? formatPath(issue.path) : '';
    damaged.push({ part: `${prefix}.${key}`, reason: `wrong shape${where ? ` at ${where}` : ''}: ${issue?.message ?? 'invalid'}` });
    delete record[key];
  }
  return damaged;
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key)) out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}
