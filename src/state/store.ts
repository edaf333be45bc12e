import { chmod, copyFile, rename, stat } from 'node:fs/promises';
import { Low } from 'lowdb';
import type { CheckMemory, CheckResult, HistoryEntry, Logger } from '../contracts.ts';
import type { MachineState, Transition } from '../evaluate/types.ts';
import { Redactor } from '../util/redact.ts';
import { clip } from '../util/text.ts';
import { AtomicJsonFile, CorruptFileError, StateFileError, type WriteStats } from './atomic-file.ts';
import { stateReadFault, stateUnmovableFault, stateWriteFault } from '../self/file-faults.ts';
import { describeErrno } from '../util/errno.ts';
import type { FaultReport } from '../self/faults.ts';
import { type CheckRecord, type DamagedPart, emptyState, parseState, SCHEMA_VERSION, type SectionSchemas, type StateData, type StateNotice } from './schema.ts';
import { checkMemory, SeriesSet, type SeriesLimits } from './series.ts';
import type { PersistentSections } from './types.ts';

export { CorruptFileError, StateFileError } from './atomic-file.ts';

/** What keeps the file small however long the agent runs. */
export interface StateLimits {
  /** Results kept per check (default 200). */
  windowMaxEntries: number;
  /** Results older than this are dropped (default 24 h). */
  windowMaxAgeMs: number;
  /** Transitions kept per check (default 100). */
  transitionsMax: number;
  /** Summary of the last result and of transitions (default 500 characters). */
  summaryChars: number;
  /** Summary of each window entry: there are many, and the last result keeps the longer one (default 200). */
  windowSummaryChars: number;
  /** Diagnosis and remedy of the last result (default 4000 characters each). */
  textChars: number;
  /** Details of the last result as JSON; larger details are dropped with a note (default 8 KiB). */
  detailsBytes: number;
  /** Metrics per result (default 50). */
  metricsMax: number;
  /** Notices about the file kept (default 20). */
  noticesMax: number;
}

export const DEFAULT_STATE_LIMITS: StateLimits = {
  windowMaxEntries: 200,
  windowMaxAgeMs: 24 * 60 * 60 * 1000,
  transitionsMax: 100,
  summaryChars: 500,
  windowSummaryChars: 200,
  textChars: 4000,
  detailsBytes: 8 * 1024,
  metricsMax: 50,
  noticesMax: 20,
};

export interface StateStoreOptions {
  now?: () => number;
  log?: Logger;
  limits?: Partial<StateLimits>;
  /** Delay between the first change and the write that saves it (default 1000 ms). */
  flushDelayMs?: number;
  /** Schemas of the named sections, checked on load: a damaged one is reset, a copy of the file kept. */
  sections?: SectionSchemas;
  /** Told when the file cannot be written or read (and when it can again); the agent's self check reads it. */
  faults?: FaultSink;
  /** Tiers and bounds of the series (default: raw 1 h, per minute for a day, per 15 minutes for 30 days). */
  seriesLimits?: Partial<SeriesLimits>;
}

/** Where the store reports that its file cannot be written or read. */
export interface FaultSink {
  report(key: string, fault: FaultReport): void;
  clear(key: string): void;
}

/** Longest wait between two attempts to write a file that could not be written. */
const MAX_RETRY_MS = 30_000;

export interface Quarantine {
  /** Where the unusable file now is. */
  movedTo: string;
  reason: string;
  /** Epoch ms. */
  at: number;
}

export interface AppendMeta {
  /** Epoch ms the run finished. */
  at: number;
  durationMs: number;
  /** The state machine a check starts in, for its first result. */
  initialMachine(at: number): MachineState;
}

const SILENT: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const STATUSES = new Set(['ok', 'warn', 'crit', 'unknown']);
// Callers redact with the full Redactor (which knows the configured secrets); this one only knows the
// patterns, a second net so a check that forgot cannot put a token into a file that lives for days.
const patternsOnly = new Redactor();

/**
 * The state file: per-check windows, machine state and transitions, plus named sections for other parts.
 * Changes stay in memory and are written (debounced) by one atomic write at a time.
 */
export class StateStore implements PersistentSections {
  readonly path: string;
  /** Opened with readOnly(): never writes, never moves the file. */
  readonly readOnly: boolean;
  /** Whether the file existed when opened. */
  readonly existed: boolean;
  /** Set when open() found the file unusable and moved it aside. */
  readonly quarantined: Quarantine | undefined;
  /** Set when readOnly() found the file unusable (it is left where it is). */
  readonly corrupt: { reason: string; kind: 'corrupt' | 'newer' } | undefined;
  /** Parts of the file that failed their schema (readOnly(): found; open(): reset, a copy of the file kept). */
  readonly damaged: readonly DamagedPart[];
  /** The named series (samples recorded on a read-only store stay in memory). */
  readonly series: SeriesSet;

  private readonly db: Low<StateData>;
  private readonly file: AtomicJsonFile<StateData>;
  private readonly now: () => number;
  private readonly log: Logger;
  private readonly limits: StateLimits;
  private readonly flushDelayMs: number;
  private dirty = false;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private writes = 0;
  private failedWrites = 0;
  private readonly faults: FaultSink | undefined;

  private constructor(init: {
    path: string;
    readOnly: boolean;
    existed: boolean;
    db: Low<StateData>;
    file: AtomicJsonFile<StateData>;
    options: StateStoreOptions;
    quarantined?: Quarantine;
    corrupt?: { reason: string; kind: 'corrupt' | 'newer' };
    damaged?: DamagedPart[];
  }) {
    this.path = init.path;
    this.readOnly = init.readOnly;
    this.existed = init.existed;
    this.db = init.db;
    this.file = init.file;
    this.quarantined = init.quarantined;
    this.corrupt = init.corrupt;
    this.damaged = init.damaged ?? [];
    this.faults = init.options.faults;
    this.now = init.options.now ?? Date.now;
    this.log = init.options.log ?? SILENT;
    this.limits = { ...DEFAULT_STATE_LIMITS, ...init.options.limits };
    this.flushDelayMs = init.options.flushDelayMs ?? 1000;
    this.series = new SeriesSet(this.db.data.series, { ...(init.options.seriesLimits ? { limits: init.options.seriesLimits } : {}), now: this.now, onChange: () => this.markDirty() });
  }

  /** A check's private memory between runs. */
  memoryFor(checkId: string): CheckMemory {
    assertSafeKey(checkId, 'check id');
    return checkMemory(this.db.data.memory, checkId, () => this.markDirty());
  }

  /**
   * Opens (or starts) the state file for the agent. Never fails for the file's sake: an unusable file
   * (corrupt, unreadable, not a file) is moved aside to `<path>.corrupt-<time>` and a fresh state begins;
   * a damaged part (a check record or section failing its schema) is reset and a copy of the file kept;
   * a file that can be neither read nor moved aside is reported to `faults` and the agent runs on an
   * empty state in memory.
   */
  static async open(path: string, options: StateStoreOptions = {}): Promise<StateStore> {
    const now = options.now ?? Date.now;
    const log = options.log ?? SILENT;
    const file = adapterFor(path, options.sections);
    await file.removeStrayTemps();
    const db = new Low<StateData>(file, emptyState(now()));
    let existed = true;
    let quarantined: Quarantine | undefined;
    const notices: StateNotice[] = [];
    try {
      const data = await file.read();
      if (data === null) existed = false;
      else db.data = data;
    } catch (err) {
      if (err instanceof CorruptFileError && err.kind === 'newer') {
        // Not damage: a later clawmedic wrote it. Moving it aside would lose that version's history.
        throw new StateFileError(`state file ${path} was written by a newer clawmedic (${err.reason}); upgrade clawmedic, or set state.path to another file`, { path, code: 'ENEWER' });
      }
      existed = false;
      const code = (err as StateFileError).code;
      // A directory, FIFO or device at the state path is somebody's: reported, never moved.
      if (!(err instanceof CorruptFileError) && (code === 'EISDIR' || code === 'ENOTFILE')) {
        options.faults?.report('state.read', stateReadFault(path, err));
      } else {
        const unusable = err instanceof CorruptFileError ? err : new CorruptFileError(`it cannot be read: ${describeErrno(code, (err as StateFileError).cause)}`);
        try {
          quarantined = await quarantine(path, unusable, now());
          existed = true;
          const what = unusable.kind === 'newer' ? 'written by a newer clawmedic' : 'unusable';
          log.warn(
            { path, movedTo: quarantined.movedTo, reason: quarantined.reason },
            `state file ${path} was ${what} (${quarantined.reason}); moved to ${quarantined.movedTo}, starting fresh`,
          );
          notices.push({ kind: 'quarantined', ...quarantined });
        } catch (moveErr) {
          options.faults?.report('state.read', stateUnmovableFault(path, unusable.reason, (moveErr as StateFileError).cause ?? moveErr));
        }
      }
    }
    const damaged = file.lastDamaged;
    const migratedFrom = file.lastMigratedFrom;
    if (migratedFrom !== undefined) log.info({ path, from: migratedFrom, to: SCHEMA_VERSION }, `state file ${path} upgraded from schemaVersion ${migratedFrom} to ${SCHEMA_VERSION}`);
    if (existed && !quarantined && damaged.length) {
      const copy = await keepCopy(path, now());
      for (const d of damaged) {
        log.warn({ path, part: d.part, reason: d.reason, copy }, `state file ${path}: ${d.part} was damaged (${d.reason}); reset it, the file is kept as ${copy ?? '(no copy: it could not be written)'}`);
        notices.push({ kind: 'part-reset', at: now(), movedTo: copy ?? '', reason: d.reason, part: d.part });
      }
    }
    if (existed && !quarantined) {
      try {
        if (await file.tightenMode()) log.warn({ path }, `state file ${path} was readable by others; its mode is now 0600`);
      } catch (err) {
        // Not fatal: the next write replaces the file with a 0600 one anyway.
        log.warn({ path, err }, `could not narrow the mode of state file ${path}`);
      }
    }
    const store = new StateStore({ path, readOnly: false, existed, db, file, options, damaged, ...(quarantined ? { quarantined } : {}) });
    if (notices.length || migratedFrom !== undefined) {
      db.data.notices.push(...notices);
      if (db.data.notices.length > store.limits.noticesMax) db.data.notices.splice(0, db.data.notices.length - store.limits.noticesMax);
      // Written at once, so the notice survives even if the agent stops before its first cycle. A write
      // that fails is a fault the store reports; it does not stop the start.
      store.dirty = true;
      await store.flush().catch(() => undefined);
    }
    return store;
  }

  /** Reads the file for `status` and the like: never writes, never moves it, reports what is wrong instead. */
  static async readOnly(path: string, options: Pick<StateStoreOptions, 'now' | 'log' | 'sections'> = {}): Promise<StateStore> {
    const now = options.now ?? Date.now;
    const file = adapterFor(path, options.sections);
    const db = new Low<StateData>(file, emptyState(now()));
    let existed = true;
    let corrupt: { reason: string; kind: 'corrupt' | 'newer' } | undefined;
    try {
      const data = await file.read();
      if (data === null) existed = false;
      else db.data = data;
    } catch (err) {
      if (!(err instanceof CorruptFileError)) throw err;
      corrupt = { reason: err.reason, kind: err.kind };
    }
    return new StateStore({ path, readOnly: true, existed, db, file, options, damaged: file.lastDamaged, ...(corrupt ? { corrupt } : {}) });
  }

  // ---- checks ---------------------------------------------------------------------------------

  /**
   * Stores one result (valid, redacted by pattern, capped) in the check's window and as its last result,
   * and returns the stored copy with the time it was taken at. The state machine is the evaluator's
   * (see evaluate/record.ts); a new check starts with `initialMachine`.
   */
  append(checkId: string, result: CheckResult, meta: AppendMeta): { stored: CheckResult; at: number } {
    this.assertWritable();
    assertSafeKey(checkId, 'check id');
    const limits = this.limits;
    const at = Number.isFinite(meta.at) ? meta.at : this.now();
    const durationMs = Number.isFinite(meta.durationMs) ? Math.max(0, meta.durationMs) : 0;
    const stored = this.capResult(result);
    const checks = this.db.data.checks;
    let rec = Object.hasOwn(checks, checkId) ? checks[checkId] : undefined;
    if (!rec) {
      rec = { machine: meta.initialMachine(at), window: [], transitions: [] };
      checks[checkId] = rec;
    }
    const entry: HistoryEntry = { at, status: stored.status, summary: clip(stored.summary, limits.windowSummaryChars), durationMs };
    if (stored.metrics) entry.metrics = stored.metrics;
    rec.window.push(entry);
    trimWindow(rec.window, at, limits);
    rec.last = { at, durationMs, result: stored };
    this.markDirty();
    return { stored, at };
  }

  /** Keeps the state machine's verdict on a check, and the transition it made, if any (bounded). */
  setMachine(checkId: string, machine: MachineState, transition?: Transition): void {
    this.assertWritable();
    const checks = this.db.data.checks;
    const rec = Object.hasOwn(checks, checkId) ? checks[checkId] : undefined;
    if (!rec) throw new Error(`no results stored for check ${JSON.stringify(checkId)}`);
    rec.machine = machine;
    if (transition) {
      rec.transitions.push(transition);
      if (rec.transitions.length > this.limits.transitionsMax) rec.transitions.splice(0, rec.transitions.length - this.limits.transitionsMax);
    }
    this.markDirty();
  }

  /** Everything stored about one check (live data: read it, do not change it). */
  check(checkId: string): Readonly<CheckRecord> | undefined {
    const checks = this.db.data.checks;
    return Object.hasOwn(checks, checkId) ? checks[checkId] : undefined;
  }

  /** The check's window, oldest first (what a check sees as its history). */
  history(checkId: string): readonly HistoryEntry[] {
    return this.check(checkId)?.window ?? [];
  }

  checkIds(): string[] {
    return Object.keys(this.db.data.checks);
  }

  /**
   * Drops checks that are no longer configured and have not run for maxAgeMs (kept until then, so a
   * check commented out for a moment does not lose its history), and old entries of every window.
   * Returns the dropped ids.
   */
  prune(knownIds: readonly string[], maxAgeMs: number): string[] {
    this.assertWritable();
    const now = this.now();
    const known = new Set(knownIds);
    const checks = this.db.data.checks;
    const dropped: string[] = [];
    let changed = false;
    for (const [id, rec] of Object.entries(checks)) {
      const lastSeen = rec.last?.at ?? rec.window.at(-1)?.at ?? rec.machine.since;
      if (!known.has(id) && now - lastSeen >= maxAgeMs) {
        delete checks[id];
        delete this.db.data.memory[id];
        dropped.push(id);
        changed = true;
        continue;
      }
      const before = rec.window.length;
      trimWindow(rec.window, now, this.limits);
      if (rec.window.length !== before) changed = true;
    }
    if (changed) this.markDirty();
    return dropped;
  }

  // ---- the file itself --------------------------------------------------------------------------

  /** Notices about the file (e.g. an earlier quarantine), oldest first. */
  get notices(): readonly StateNotice[] {
    return this.db.data.notices;
  }

  get createdAt(): number {
    return this.db.data.createdAt;
  }

  get updatedAt(): number {
    return this.db.data.updatedAt;
  }

  /** Writes so far and the size and duration of the last one. */
  get stats(): { writes: number; lastWrite: WriteStats | undefined } {
    return { writes: this.writes, lastWrite: this.file.lastWrite };
  }

  // ---- PersistentSections -----------------------------------------------------------------------

  section<T extends object>(name: string, init: () => T): T {
    assertSafeKey(name, 'section name');
    const sections = this.db.data.sections;
    const existing = Object.hasOwn(sections, name) ? sections[name] : undefined;
    if (existing !== null && typeof existing === 'object') return existing as T;
    const fresh = init();
    // In read-only mode the default is handed out but not kept: nothing may look changed.
    if (!this.readOnly) sections[name] = fresh;
    return fresh;
  }

  /**
   * The first change after a write starts the timer; later changes ride along instead of pushing it
   * back, so a busy agent still writes at least once per flushDelayMs.
   */
  markDirty(): void {
    if (this.readOnly) return;
    this.dirty = true;
    this.db.data.updatedAt = this.now();
    this.scheduleWrite(this.flushDelayMs);
  }

  /**
   * A write that fails (full disk, read-only file system) is retried with backoff up to 30 s apart;
   * everything stays in memory meanwhile, and the fault is reported once, not per attempt.
   */
  private scheduleWrite(delayMs: number): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush().catch(() => {
        if (this.dirty) this.scheduleWrite(Math.min(MAX_RETRY_MS, this.flushDelayMs * 2 ** Math.min(this.failedWrites, 16)));
      });
    }, delayMs);
    this.timer.unref();
  }

  /**
   * Writes now if anything changed. One write at a time: a flush asked for during a write waits for it
   * and then writes once more (for everyone who asked meanwhile) if there were changes since it began.
   */
  flush(): Promise<void> {
    this.clearTimer();
    if (this.inFlight) {
      this.queued ??= this.inFlight
        .catch(() => undefined)
        .then(() => {
          this.queued = undefined;
          return this.flush();
        });
      return this.queued;
    }
    if (!this.dirty || this.readOnly) return Promise.resolve();
    this.dirty = false;
    const write = this.db
      .write()
      .then(() => {
        this.writes++;
        this.failedWrites = 0;
        this.faults?.clear('state.write');
      })
      .catch((err: unknown) => {
        this.dirty = true;
        this.failedWrites++;
        if (this.faults) this.faults.report('state.write', stateWriteFault(this.path, (err as { cause?: unknown })?.cause ?? err));
        else this.log.error({ path: this.path, err }, 'cannot write the state file');
        throw err;
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    this.inFlight = write;
    return write;
  }

  /** Writes what is pending and stops the timer; later changes are only written by an explicit flush(). */
  async close(): Promise<void> {
    this.closed = true;
    this.clearTimer();
    await this.flush();
  }

  // ---- internals --------------------------------------------------------------------------------

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private assertWritable(): void {
    if (this.readOnly) throw new Error(`state file ${this.path} was opened read-only`);
  }

  /** The stored copy of a result: valid, redacted by pattern, and capped in size. */
  private capResult(result: CheckResult): CheckResult {
    const limits = this.limits;
    const status = STATUSES.has(result.status) ? result.status : 'unknown';
    const out: CheckResult = { status, summary: clip(patternsOnly.text(String(result.summary ?? '')), limits.summaryChars) };
    if (result.diagnosis !== undefined) out.diagnosis = clip(patternsOnly.text(String(result.diagnosis)), limits.textChars);
    if (result.remedy !== undefined) out.remedy = clip(patternsOnly.text(String(result.remedy)), limits.textChars);
    if (result.headline !== undefined) out.headline = clip(patternsOnly.text(String(result.headline)), limits.summaryChars);
    if (result.steps?.length) {
      out.steps = result.steps.slice(0, 8).map((s) => {
        const text = clip(patternsOnly.text(String(s.text)), limits.summaryChars);
        return s.command ? { text, command: clip(patternsOnly.text(String(s.command)), limits.summaryChars) } : { text };
      });
    }
    const metrics = cleanMetrics(result.metrics, limits.metricsMax);
    if (metrics) out.metrics = metrics;
    const details = result.details === undefined ? undefined : capDetails(result.details, limits.detailsBytes);
    if (details !== undefined) out.details = details;
    if (result.certain === true && status !== 'ok') out.certain = true;
    if (typeof result.cause === 'string' && status !== 'ok') out.cause = clip(result.cause, 32);
    return out;
  }
}

/** The file adapter; `lastDamaged` holds the parts the last read dropped, `lastMigratedFrom` the version it upgraded. */
function adapterFor(path: string, sections: SectionSchemas = {}): AtomicJsonFile<StateData> & { lastDamaged: DamagedPart[]; lastMigratedFrom: number | undefined } {
  const file = new AtomicJsonFile<StateData>(path, {
    parse(text) {
      const outcome = parseState(text, sections);
      if (!outcome.ok) throw new CorruptFileError(outcome.reason, outcome.kind);
      adapter.lastDamaged = outcome.damaged;
      adapter.lastMigratedFrom = outcome.migratedFrom;
      return outcome.data;
    },
  });
  const adapter = Object.assign(file, { lastDamaged: [] as DamagedPart[], lastMigratedFrom: undefined as number | undefined });
  return adapter;
}

/** A copy of a file with a damaged part, kept for inspection before the part is reset; undefined if it cannot be made. */
async function keepCopy(path: string, at: number): Promise<string | undefined> {
  const target = await freeName(`${path}.corrupt-${stamp(at)}`);
  try {
    await copyFile(path, target);
    await chmod(target, 0o600).catch(() => undefined);
    return target;
  } catch {
    return undefined;
  }
}

// ISO time without ':' and '.', which some file systems and tools choke on.
function stamp(at: number): string {
  return new Date(at).toISOString().replace(/[:.]/g, '-');
}

async function freeName(base: string): Promise<string> {
  let name = base;
  for (let n = 2; await exists(name); n++) name = `${base}-${n}`;
  return name;
}

async function quarantine(path: string, err: CorruptFileError, at: number): Promise<Quarantine> {
  const movedTo = await freeName(`${path}.corrupt-${stamp(at)}`);
  try {
    await rename(path, movedTo);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new StateFileError(
      `state file ${path} is unusable (${err.reason}) and could not be moved aside: ${(cause as Error).message}`,
      { path, ...(code ? { code } : {}), cause },
    );
  }
  // It may hold whatever the live file held; keep it as private as the live file.
  await chmod(movedTo, 0o600).catch(() => undefined);
  return { movedTo, reason: err.reason, at };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

function trimWindow(window: HistoryEntry[], newest: number, limits: StateLimits): void {
  let drop = Math.max(0, window.length - limits.windowMaxEntries);
  const oldest = newest - limits.windowMaxAgeMs;
  while (drop < window.length && (window[drop]?.at ?? Infinity) < oldest) drop++;
  if (drop > 0) window.splice(0, drop);
}

function cleanMetrics(metrics: Record<string, number> | undefined, max: number): Record<string, number> | undefined {
  if (!metrics || typeof metrics !== 'object') return undefined;
  const out: Record<string, number> = {};
  let n = 0;
  for (const [key, value] of Object.entries(metrics)) {
    // NaN and Infinity become null in JSON, and a file with nulls there fails validation on next open.
    if (typeof value !== 'number' || !Number.isFinite(value) || key === '__proto__') continue;
    if (n++ >= max) break;
    out[key] = value;
  }
  return n > 0 ? out : undefined;
}

function capDetails(details: unknown, maxBytes: number): unknown {
  let json: string | undefined;
  try {
    json = JSON.stringify(details);
  } catch (err) {
    return `[details dropped: not serialisable as JSON (${(err as Error).message})]`;
  }
  if (json === undefined) return undefined;
  const bytes = Buffer.byteLength(json);
  if (bytes > maxBytes) return `[details dropped: ${bytes} bytes of JSON, over the ${maxBytes}-byte cap]`;
  // The round trip makes the stored value exactly what a later read gives back (no Dates, no undefined).
  return patternsOnly.value(JSON.parse(json) as unknown);
}

function assertSafeKey(key: string, what: string): void {
  if (typeof key !== 'string' || key === '' || key === '__proto__') throw new Error(`invalid ${what}: ${JSON.stringify(key)}`);
}
