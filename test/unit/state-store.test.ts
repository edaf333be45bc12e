import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CheckResult, Logger, Status } from '../../src/contracts.ts';
import { DEFAULT_MACHINE_CONFIG } from '../../src/evaluate/state-machine.ts';
import type { MachineConfig } from '../../src/evaluate/types.ts';
import { AtomicJsonFile } from '../../src/state/atomic-file.ts';
import { SCHEMA_VERSION } from '../../src/state/schema.ts';
import { DEFAULT_STATE_LIMITS, type FaultSink, StateFileError, StateStore } from '../../src/state/store.ts';
import type { FaultReport } from '../../src/self/faults.ts';
import { SECTION_SCHEMAS } from '../../src/state-sections.ts';
import { recordResult } from '../../src/evaluate/record.ts';

// Root can read any file, so EACCES is produced by a thin wrapper around the real fs instead of chmod.
// `fail` makes every file created in that directory fail as a full or read-only disk would.
const fsHooks = vi.hoisted(() => ({ deny: undefined as string | undefined, fail: undefined as { dir: string; code: string } | undefined }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const deny = (path: unknown) => {
    if (path === fsHooks.deny) {
      throw Object.assign(new Error(`EACCES: permission denied, open '${String(path)}'`), { code: 'EACCES' });
    }
  };
  const fail = (path: unknown, flags: unknown) => {
    const f = fsHooks.fail;
    if (f && String(path).startsWith(f.dir) && typeof flags === 'string' && flags.includes('w')) {
      throw Object.assign(new Error(`${f.code}: failed, open '${String(path)}'`), { code: f.code });
    }
  };
  return {
    ...real,
    open: (async (path: Parameters<typeof real.open>[0], ...rest: unknown[]) => {
      deny(path);
      fail(path, rest[0]);
      return (real.open as (...args: unknown[]) => ReturnType<typeof real.open>)(path, ...rest);
    }) as typeof real.open,
  };
});

const T0 = Date.UTC(2025, 0, 1);
const MACHINE: MachineConfig = DEFAULT_MACHINE_CONFIG;

let dir: string;
let path: string;
let now: number;
const clock = () => now;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clawmedic-state-'));
  path = join(dir, 'state', 'state.json');
  now = T0;
  fsHooks.deny = undefined;
  fsHooks.fail = undefined;
});

afterEach(async () => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

function recordingLogger() {
  const warnings: string[] = [];
  const log: Logger = {
    debug() {},
    info() {},
    warn(obj, msg) {
      warnings.push(msg ?? String(obj));
    },
    error() {},
  };
  return { log, warnings };
}

const result = (status: Status, summary = `${status} result`, extra: Partial<CheckResult> = {}): CheckResult => ({
  status,
  summary,
  ...extra,
});

function record(store: StateStore, checkId: string, status: Status, extra: Partial<CheckResult> = {}) {
  return recordResult(store, checkId, result(status, `${checkId} ${status}`, extra), { at: now, durationMs: 12, machine: MACHINE });
}

const mode = async (p: string) => (await stat(p)).mode & 0o777;

describe('round trip', () => {
  it('persists windows, machine state, transitions, last result and sections across a reopen', async () => {
    const store = await StateStore.open(path, { now: clock });
    expect(store.existed).toBe(false);
    for (const status of ['ok', 'crit', 'crit', 'crit'] as const) {
      now += 30_000;
      record(store, 'gateway.http', status, { metrics: { latencyMs: 42 }, diagnosis: 'connection refused', details: { port: 18789 } });
    }
    const outbox = store.section('outbox', () => ({ items: [] as string[] }));
    outbox.items.push('batch-1');
    store.markDirty();
    await store.close();

    const again = await StateStore.open(path, { now: clock });
    expect(again.existed).toBe(true);
    expect(again.quarantined).toBeUndefined();
    const rec = again.check('gateway.http');
    expect(rec?.machine.state).toBe('failing');
    expect(rec?.machine.incidentSince).toBe(T0 + 60_000);
    expect(rec?.window.map((e) => e.status)).toEqual(['ok', 'crit', 'crit', 'crit']);
    expect(rec?.window[0]).toEqual({ at: T0 + 30_000, status: 'ok', summary: 'gateway.http ok', durationMs: 12, metrics: { latencyMs: 42 } });
    expect(rec?.transitions.map((t) => t.to)).toEqual(['pending', 'failing']);
    expect(rec?.last?.result).toMatchObject({ status: 'crit', diagnosis: 'connection refused', details: { port: 18789 } });
    expect(again.checkIds()).toEqual(['gateway.http']);
    expect(again.createdAt).toBe(T0);
    const init = vi.fn(() => ({ items: [] as string[] }));
    expect(again.section('outbox', init).items).toEqual(['batch-1']);
    expect(init).not.toHaveBeenCalled();
    const raw = JSON.parse(await readFile(path, 'utf8')) as { schemaVersion: number };
    expect(raw.schemaVersion).toBe(SCHEMA_VERSION);
  });

  it('returns the transition a result caused, and nothing when the state holds', async () => {
    const store = await StateStore.open(path, { now: clock });
    expect(record(store, 'doctor', 'ok')).toBeUndefined();
    expect(record(store, 'doctor', 'warn')).toMatchObject({ checkId: 'doctor', from: 'ok', to: 'pending', status: 'warn' });
    expect(record(store, 'doctor', 'warn')).toBeUndefined();
    expect(store.history('doctor')).toHaveLength(3);
    await store.close();
  });
});

describe('atomic writes and file mode', () => {
  it('creates the directory 0700 and the file 0600, and leaves no temp file', async () => {
    const store = await StateStore.open(path, { now: clock });
    record(store, 'gateway.http', 'ok');
    await store.flush();
    record(store, 'gateway.http', 'crit');
    await store.close();
    expect(await mode(join(dir, 'state'))).toBe(0o700);
    expect(await mode(path)).toBe(0o600);
    expect(await readdir(join(dir, 'state'))).toEqual(['state.json']);
    expect(store.stats.writes).toBe(2);
  });

  it('narrows an existing file that others can read to 0600', async () => {
    const first = await StateStore.open(path, { now: clock });
    record(first, 'gateway.http', 'ok');
    await first.close();
    await chmod(path, 0o644);
    const { log, warnings } = recordingLogger();
    const store = await StateStore.open(path, { now: clock, log });
    expect(await mode(path)).toBe(0o600);
    expect(warnings.join('\n')).toContain('mode is now 0600');
    await store.close();
  });

  it('opens normally past a temp file left by a crash mid-write, and removes it', async () => {
    const first = await StateStore.open(path, { now: clock });
    record(first, 'gateway.http', 'crit');
    await first.close();
    // What a writer killed between write and rename leaves: a half-written temp file beside the target.
    const stray = join(dir, 'state', `.state.json.${process.pid}.1a2b3c.tmp`);
    await writeFile(stray, '{"schemaVersion":1,"checks":{"gateway.ht');

    const store = await StateStore.open(path, { now: clock });
    expect(store.quarantined).toBeUndefined();
    expect(store.check('gateway.http')?.window).toHaveLength(1);
    expect(await readdir(join(dir, 'state'))).toEqual(['state.json']);
    record(store, 'gateway.http', 'crit');
    await store.close();
    expect((await StateStore.open(path)).check('gateway.http')?.window).toHaveLength(2);
  });

  it('never runs two writes at once, and a flush asked for during a write writes once more after it', async () => {
    const store = await StateStore.open(path, { now: clock });
    let active = 0;
    let maxActive = 0;
    const proto = AtomicJsonFile.prototype as unknown as { writeText(this: unknown, text: string): Promise<void> };
    const original = proto.writeText;
    vi.spyOn(proto, 'writeText').mockImplementation(async function (this: unknown, text: string) {
      active++;
      maxActive = Math.max(maxActive, active);
      try {
        await original.call(this, text);
      } finally {
        active--;
      }
    });

    record(store, 'a', 'ok');
    const first = store.flush();
    record(store, 'b', 'ok');
    const second = store.flush();
    const third = store.flush();
    expect(third).toBe(second);
    await Promise.all([first, second, third]);
    expect(maxActive).toBe(1);
    expect(store.stats.writes).toBe(2);
    const saved = JSON.parse(await readFile(path, 'utf8')) as { checks: Record<string, unknown> };
    expect(Object.keys(saved.checks).sort()).toEqual(['a', 'b']);
    // Nothing changed since: no further write.
    await store.flush();
    expect(store.stats.writes).toBe(2);
  });
});

describe('quarantine', () => {
  async function validFileText(): Promise<string> {
    const store = await StateStore.open(path, { now: clock });
    for (let i = 0; i < 5; i++) record(store, 'gateway.http', 'ok');
    await store.close();
    return readFile(path, 'utf8');
  }

  const cases: Array<[string, () => Promise<string>, RegExp]> = [
    ['garbage', async () => 'this is not json \u0000\u0001', /not valid JSON/],
    ['truncated JSON', async () => (await validFileText()).slice(0, 120), /not valid JSON/],
    ['an empty file', async () => '', /empty/],
    ['a JSON array', async () => '[1,2,3]', /not a JSON object/],
    ['no schemaVersion', async () => JSON.stringify({ checks: {} }), /schemaVersion/],
    ['a wrong top-level shape', async () => (await validFileText()).replace(/"createdAt":\d+/, '"createdAt":"yesterday"'), /wrong shape at createdAt/],
    ['checks that are not an object', async () => JSON.stringify({ schemaVersion: 1, createdAt: 1, updatedAt: 1, checks: [], sections: {} }), /wrong shape at checks/],
  ];

  it.each(cases)('moves %s aside, reports it, and starts fresh', async (_name, content, reason) => {
    const text = await content();
    await mkdir(join(dir, 'state'), { recursive: true });
    await writeFile(path, text);
    now = Date.UTC(2025, 5, 7, 8, 9, 10, 123);
    const { log, warnings } = recordingLogger();

    const store = await StateStore.open(path, { now: clock, log });
    expect(store.quarantined?.reason).toMatch(reason);
    expect(store.quarantined?.movedTo).toBe(`${path}.corrupt-2025-06-07T08-09-10-123Z`);
    expect(store.quarantined?.at).toBe(now);
    expect(await readFile(store.quarantined?.movedTo ?? '', 'utf8')).toBe(text);
    expect(store.checkIds()).toEqual([]);
    // One warning, about the quarantine (not also about the mode of a file that is gone).
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(path);
    expect(await mode(store.quarantined?.movedTo ?? '')).toBe(0o600);
    expect(warnings[0]).toContain('.corrupt-');

    // The fresh file is written at once and keeps a note for a later `status`.
    const later = await StateStore.readOnly(path);
    expect(later.corrupt).toBeUndefined();
    expect(later.notices).toEqual([{ kind: 'quarantined', at: now, movedTo: store.quarantined?.movedTo, reason: store.quarantined?.reason }]);
    await store.close();
  });

  it('does not overwrite an earlier quarantined file from the same instant', async () => {
    await mkdir(join(dir, 'state'), { recursive: true });
    await writeFile(path, 'garbage one');
    const first = await StateStore.open(path, { now: clock });
    await writeFile(path, 'garbage two');
    const second = await StateStore.open(path, { now: clock });
    expect(second.quarantined?.movedTo).not.toBe(first.quarantined?.movedTo);
    expect(await readFile(first.quarantined?.movedTo ?? '', 'utf8')).toBe('garbage one');
    expect(await readFile(second.quarantined?.movedTo ?? '', 'utf8')).toBe('garbage two');
  });

  it('truncated to zero bytes after a crash still opens', async () => {
    await validFileText();
    await truncate(path, 0);
    const store = await StateStore.open(path, { now: clock });
    expect(store.quarantined?.reason).toMatch(/empty/);
    record(store, 'gateway.http', 'ok');
    await store.close();
  });
});

function recordingFaults() {
  const reports: Array<{ key: string; fault: FaultReport }> = [];
  const cleared: string[] = [];
  const faults: FaultSink = {
    report: (key, fault) => reports.push({ key, fault }),
    clear: (key) => cleared.push(key),
  };
  return { faults, reports, cleared };
}

describe('a file from a newer clawmedic', () => {
  it('is refused with a clear message and left exactly as it is', async () => {
    await mkdir(join(dir, 'state'), { recursive: true });
    const text = JSON.stringify({ schemaVersion: SCHEMA_VERSION + 1, whatever: true });
    await writeFile(path, text);
    const error = await StateStore.open(path, { now: clock }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(StateFileError);
    expect((error as StateFileError).code).toBe('ENEWER');
    expect((error as Error).message).toBe(
      `state file ${path} was written by a newer clawmedic (schemaVersion ${SCHEMA_VERSION + 1} is newer than this clawmedic understands (${SCHEMA_VERSION})); upgrade clawmedic, or set state.path to another file`,
    );
    expect(await readFile(path, 'utf8')).toBe(text);
    expect(await readdir(join(dir, 'state'))).toEqual(['state.json']);
    // `status` reads it without a fuss and says the same.
    expect((await StateStore.readOnly(path)).corrupt?.kind).toBe('newer');
  });
});

describe('files it cannot read', () => {
  it('moves a file it may not read aside and starts fresh, instead of refusing to start', async () => {
    await mkdir(join(dir, 'state'), { recursive: true });
    await writeFile(path, '{}');
    fsHooks.deny = path;
    // `status` reads without moving anything: it says what is wrong in one line.
    const error = await StateStore.readOnly(path).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(StateFileError);
    expect((error as StateFileError).code).toBe('EACCES');
    expect((error as Error).message).toBe(`cannot read state file ${path}: permission denied (EACCES)`);

    const store = await StateStore.open(path, { now: clock });
    expect(store.quarantined?.reason).toBe('it cannot be read: permission denied (EACCES)');
    fsHooks.deny = undefined;
    expect(await readFile(store.quarantined!.movedTo, 'utf8')).toBe('{}');
    expect(store.notices.at(-1)).toMatchObject({ kind: 'quarantined', reason: 'it cannot be read: permission denied (EACCES)' });
    await store.close();
  });

  it('leaves a directory where the file should be alone, reports it, and runs on in memory', async () => {
    await mkdir(path, { recursive: true });
    await writeFile(join(path, 'keep.txt'), 'mine');
    const { faults, reports } = recordingFaults();
    const store = await StateStore.open(path, { now: clock, faults });
    expect(reports.map((r) => [r.key, r.fault.code])).toEqual([['state.read', 'EISDIR']]);
    expect(reports[0]!.fault.summary).toBe(`cannot read state file ${path}: it is a directory (EISDIR)`);
    expect(reports[0]!.fault.remedy).toMatch(/not a regular file: set state.path/);
    record(store, 'gateway.http', 'crit');
    expect(store.history('gateway.http')).toHaveLength(1);
    await expect(store.close()).rejects.toThrow(StateFileError);
    expect(reports.map((r) => r.key)).toEqual(['state.read', 'state.write']);
    expect(await readFile(join(path, 'keep.txt'), 'utf8')).toBe('mine');
  });
});

describe('files it cannot write', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  });
  // Real file I/O finishes on the thread pool: turn the event loop until it has (timers stay fake).
  const until = async (done: () => boolean) => {
    for (let i = 0; i < 100_000 && !done(); i++) await new Promise((resolve) => setImmediate(resolve));
    expect(done()).toBe(true);
  };
  const settled = (store: StateStore) => until(() => !(store as unknown as { inFlight?: unknown }).inFlight);

  it('reports ENOSPC with the path and errno, keeps everything in memory, retries with backoff, and clears once written', async () => {
    const { faults, reports, cleared } = recordingFaults();
    const store = await StateStore.open(path, { now: clock, faults, flushDelayMs: 1000 });
    fsHooks.fail = { dir: join(dir, 'state'), code: 'ENOSPC' };
    const started = vi.spyOn(AtomicJsonFile.prototype, 'write');
    record(store, 'gateway.http', 'crit');
    vi.advanceTimersByTime(1000);
    await until(() => reports.length > 0);
    expect(started).toHaveBeenCalledTimes(1);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ key: 'state.write', fault: { severity: 'crit', code: 'ENOSPC', path } });
    expect(reports[0]!.fault.summary).toBe(`cannot write state file ${path}: no space left on device (ENOSPC)`);
    expect(reports[0]!.fault.consequence).toMatch(/kept in memory until it is writable/);
    expect(reports[0]!.fault.remedy).toMatch(/df -h/);

    // Retries back off: 2 s, then 4 s (doubling up to a minute), whatever else changes meanwhile.
    record(store, 'gateway.http', 'crit');
    await settled(store);
    vi.advanceTimersByTime(1999);
    expect(started).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1);
    expect(started).toHaveBeenCalledTimes(2);
    await settled(store);
    // Each attempt is reported (AgentFaults counts the repeats and logs once).
    expect(reports.map((r) => r.fault.summary)).toEqual([reports[0]!.fault.summary, reports[0]!.fault.summary]);
    vi.advanceTimersByTime(3999);
    expect(started).toHaveBeenCalledTimes(2);
    fsHooks.fail = undefined;
    vi.advanceTimersByTime(1);
    expect(started).toHaveBeenCalledTimes(3);
    await until(() => cleared.includes('state.write'));
    expect(cleared).toContain('state.write');
    // Nothing recorded while the disk was full was lost.
    expect(JSON.parse(await readFile(path, 'utf8')).checks['gateway.http'].window).toHaveLength(2);
    await store.close();
  });

  it('without a fault sink, logs the failed write instead of throwing from the timer', async () => {
    const errors: string[] = [];
    const log: Logger = { debug() {}, info() {}, warn() {}, error: (obj, msg) => errors.push(msg ?? String(obj)) };
    const store = await StateStore.open(path, { now: clock, log, flushDelayMs: 1000 });
    fsHooks.fail = { dir: join(dir, 'state'), code: 'EROFS' };
    record(store, 'a', 'ok');
    vi.advanceTimersByTime(1000);
    await until(() => errors.length > 0);
    expect(errors).toEqual(['cannot write the state file']);
    fsHooks.fail = undefined;
    await store.close();
  });
});

describe('damaged parts', () => {
  async function fileWith(mutate: (data: Record<string, any>) => void): Promise<string> {
    const store = await StateStore.open(path, { now: clock });
    record(store, 'gateway.http', 'ok');
    record(store, 'gateway.port', 'crit');
    store.section('alerts', () => ({ version: 1, incidents: {}, resolved: [] }));
    store.section('outbox', () => ({ version: 1, entries: [] }));
    store.section('mine', () => ({ kept: true }));
    store.markDirty();
    await store.close();
    const data = JSON.parse(await readFile(path, 'utf8')) as Record<string, any>;
    mutate(data);
    const text = JSON.stringify(data);
    await writeFile(path, text);
    return text;
  }

  it('resets a damaged section, keeps the rest of the file and a copy of it, and says so', async () => {
    const text = await fileWith((d) => {
      d.sections.alerts.incidents = null;
      d.sections.outbox.entries = 'x';
    });
    now = Date.UTC(2025, 5, 7, 8, 9, 10, 123);
    const { log, warnings } = recordingLogger();
    const peek = await StateStore.readOnly(path, { sections: SECTION_SCHEMAS });
    expect(peek.damaged.map((d) => d.part)).toEqual(['sections.alerts', 'sections.outbox']);
    expect(await readFile(path, 'utf8')).toBe(text);

    const store = await StateStore.open(path, { now: clock, log, sections: SECTION_SCHEMAS });
    expect(store.quarantined).toBeUndefined();
    expect(store.damaged).toEqual([
      { part: 'sections.alerts', reason: 'wrong shape at incidents: Invalid input: expected record, received null' },
      { part: 'sections.outbox', reason: 'wrong shape at entries: Invalid input: expected array, received string' },
    ]);
    // The parts the code reads are fresh; the rest is as it was.
    expect(store.section('alerts', () => ({ fresh: true }))).toEqual({ fresh: true });
    expect(store.section('outbox', () => ({ fresh: true }))).toEqual({ fresh: true });
    expect(store.section('mine', () => ({ kept: false }))).toEqual({ kept: true });
    expect(store.checkIds().sort()).toEqual(['gateway.http', 'gateway.port']);
    const copy = `${path}.corrupt-2025-06-07T08-09-10-123Z`;
    expect(await readFile(copy, 'utf8')).toBe(text);
    expect(await mode(copy)).toBe(0o600);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain('sections.alerts was damaged');
    expect(store.notices.map((n) => [n.kind, n.part, n.movedTo])).toEqual([
      ['part-reset', 'sections.alerts', copy],
      ['part-reset', 'sections.outbox', copy],
    ]);
    await store.close();
    // Written at once: the next reader finds a clean file and the notices.
    const later = await StateStore.readOnly(path, { sections: SECTION_SCHEMAS });
    expect(later.damaged).toEqual([]);
    expect(later.notices).toHaveLength(2);
  });

  it('drops only the check record that is damaged', async () => {
    await fileWith((d) => {
      d.checks['gateway.http'].window[0].status = 'sideways';
    });
    const store = await StateStore.open(path, { now: clock });
    expect(store.damaged).toEqual([{ part: 'checks.gateway.http', reason: expect.stringMatching(/^wrong shape at window\[0\]\.status/) }]);
    expect(store.checkIds()).toEqual(['gateway.port']);
    expect(store.history('gateway.port')).toHaveLength(1);
    await store.close();
  });
});

describe('read-only access', () => {
  it('reports a corrupt file without moving or changing it', async () => {
    await mkdir(join(dir, 'state'), { recursive: true });
    await writeFile(path, '{"schemaVersion":1,"chec');
    await chmod(path, 0o644);
    const store = await StateStore.readOnly(path);
    expect(store.corrupt?.reason).toMatch(/not valid JSON/);
    expect(store.quarantined).toBeUndefined();
    expect(await readdir(join(dir, 'state'))).toEqual(['state.json']);
    expect(await readFile(path, 'utf8')).toBe('{"schemaVersion":1,"chec');
    expect(await mode(path)).toBe(0o644);
  });

  it('reads a missing file as empty without creating anything, and refuses to record', async () => {
    const store = await StateStore.readOnly(path);
    expect(store.existed).toBe(false);
    expect(store.checkIds()).toEqual([]);
    expect(store.section('outbox', () => ({ n: 1 }))).toEqual({ n: 1 });
    store.markDirty();
    await store.close();
    await expect(stat(join(dir, 'state'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(() => record(store, 'a', 'ok')).toThrow(/read-only/);
  });

  it('reads what the agent wrote', async () => {
    const agent = await StateStore.open(path, { now: clock });
    record(agent, 'memory', 'warn');
    await agent.close();
    const status = await StateStore.readOnly(path);
    expect(status.check('memory')?.machine.state).toBe('pending');
  });
});

describe('size limits', () => {
  it('caps the text of stored results and drops oversized details with a note', async () => {
    const store = await StateStore.open(path, { now: clock });
    recordResult(
      store,
      'doctor',
      {
        status: 'crit',
        summary: 's'.repeat(10_000),
        diagnosis: 'd'.repeat(10_000),
        remedy: 'r'.repeat(10_000),
        details: { log: 'x'.repeat(20_000) },
        metrics: { ok: 1, nan: Number.NaN, inf: Number.POSITIVE_INFINITY },
      },
      { at: now, durationMs: 5, machine: MACHINE },
    );
    const rec = store.check('doctor');
    const last = rec?.last?.result;
    expect(last?.summary).toHaveLength(DEFAULT_STATE_LIMITS.summaryChars);
    expect(last?.summary.endsWith('…')).toBe(true);
    expect(last?.diagnosis).toHaveLength(4000);
    expect(last?.remedy).toHaveLength(4000);
    expect(last?.details).toMatch(/^\[details dropped: \d+ bytes of JSON, over the 8192-byte cap\]$/);
    expect(last?.metrics).toEqual({ ok: 1 });
    expect(rec?.window[0]?.summary).toHaveLength(DEFAULT_STATE_LIMITS.windowSummaryChars);
    expect(rec?.transitions[0]?.summary).toHaveLength(DEFAULT_STATE_LIMITS.summaryChars);
    // NaN would have become null and made the file fail validation on the next open.
    await store.close();
    expect((await StateStore.open(path)).quarantined).toBeUndefined();
  });

  it('keeps details under the cap, stores an invalid status as unknown, and masks secret-looking text', async () => {
    const store = await StateStore.open(path, { now: clock });
    recordResult(
      store,
      'gateway.http',
      {
        status: 'sideways' as Status,
        summary: 'GET /readyz with Authorization: Bearer abcdefghijklmnopqrstuvwxyz failed',
        details: { headers: { authorization: 'Bearer abcdefghijklmnopqrstuvwxyz' }, port: 18789 },
      },
      { at: now, durationMs: 5, machine: MACHINE },
    );
    await store.close();
    const text = await readFile(path, 'utf8');
    expect(text).not.toContain('abcdefghijklmnop');
    const last = (await StateStore.open(path)).check('gateway.http')?.last?.result;
    expect(last?.status).toBe('unknown');
    expect(last?.details).toEqual({ headers: { authorization: 'Bearer ***' }, port: 18789 });
  });

  it('trims windows by count and by age, and transitions by count', async () => {
    const store = await StateStore.open(path, { now: clock, limits: { windowMaxEntries: 5, windowMaxAgeMs: 60_000, transitionsMax: 3 } });
    const statuses: Status[] = ['ok', 'crit', 'ok', 'crit', 'ok', 'crit', 'ok', 'crit'];
    for (const status of statuses) {
      now += 1_000;
      record(store, 'c', status);
    }
    expect(store.history('c').map((e) => e.at)).toEqual([4, 5, 6, 7, 8].map((n) => T0 + n * 1000));
    expect(store.check('c')?.transitions).toHaveLength(3);
    expect(store.check('c')?.transitions.at(-1)?.at).toBe(T0 + 8000);
    now += 59_500;
    record(store, 'c', 'ok');
    // Only the entry from 0.5 s inside the age limit, plus the new one.
    expect(store.history('c').map((e) => e.at)).toEqual([T0 + 8000, now]);
    await store.close();
  });

  it('stays bounded over 20 checks x 5000 cycles of advancing time', async () => {
    const store = await StateStore.open(path, { now: clock });
    const checks = Array.from({ length: 20 }, (_, i) => `check.${i}`);
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const sizes: number[] = [];
    for (let cycle = 1; cycle <= 5000; cycle++) {
      now += 30_000;
      checks.forEach((id, i) => {
        // check.0 runs hourly-ish (every 100 cycles), so its window is limited by age, not count.
        if (i === 0 && cycle % 100 !== 0) return;
        const roll = random();
        const status: Status = roll < 0.7 ? 'ok' : roll < 0.8 ? 'warn' : roll < 0.95 ? 'crit' : 'unknown';
        const bad = status !== 'ok';
        recordResult(
      store,
          id,
          {
            status,
            // Worst case for the caps: every text is over its limit.
            summary: `${id} cycle ${cycle} `.padEnd(700, bad ? 'x' : 'o'),
            ...(bad ? { diagnosis: 'd'.repeat(5000), remedy: 'r'.repeat(5000), details: { blob: 'b'.repeat(bad && roll > 0.9 ? 9000 : 7000) } } : {}),
            metrics: { latencyMs: Math.round(roll * 1000), rssBytes: 900_000_000 + cycle },
          },
          { at: now, durationMs: 50, machine: MACHINE },
        );
      });
      if (cycle % 500 === 0) {
        await store.flush();
        sizes.push((await stat(path)).size);
      }
    }
    await store.close();

    for (const id of checks) {
      const rec = store.check(id);
      expect(rec?.window.length).toBeLessThanOrEqual(DEFAULT_STATE_LIMITS.windowMaxEntries);
      expect(now - (rec?.window[0]?.at ?? 0)).toBeLessThanOrEqual(DEFAULT_STATE_LIMITS.windowMaxAgeMs);
      expect(rec?.transitions.length).toBeLessThanOrEqual(DEFAULT_STATE_LIMITS.transitionsMax);
    }
    // The hourly check: 24 h of entries at 50-minute spacing.
    expect(store.history('check.0').length).toBeLessThanOrEqual(29);
    // Per check at most: 200 window entries (~350 B with a 200-char summary), 100 transitions (~750 B
    // with a 500-char summary), one last result (~18 KiB): under 200 KiB, so 4 MiB for 20 checks.
    const final = sizes.at(-1) ?? 0;
    expect(final).toBeLessThan(4 * 1024 * 1024);
    // And it stopped growing once the windows filled: the last half of the run adds nothing material.
    expect(final).toBeLessThan((sizes[4] ?? 0) * 1.1);
    console.info(`state file after 20 x 5000 worst-case cycles: ${final} bytes; sizes every 500 cycles: ${sizes.join(', ')}`);
  }, 60_000);
});

describe('prune', () => {
  it('drops checks no longer configured once they have been idle for maxAgeMs', async () => {
    const store = await StateStore.open(path, { now: clock });
    record(store, 'old', 'ok');
    now += 2 * 3_600_000;
    record(store, 'recent', 'ok');
    record(store, 'kept', 'ok');
    now += 60_000;
    expect(store.prune(['kept'], 3_600_000)).toEqual(['old']);
    expect(store.checkIds().sort()).toEqual(['kept', 'recent']);
    now += 3_600_000;
    expect(store.prune(['kept'], 3_600_000)).toEqual(['recent']);
    await store.close();
    expect((await StateStore.open(path)).checkIds()).toEqual(['kept']);
  });
});

describe('debounced writes', () => {
  beforeEach(() => {
    // Only the timers: file I/O and setImmediate stay real.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  });

  const ioTurn = () => new Promise((resolve) => setImmediate(resolve));

  it('writes flushDelayMs after the first change, once for all changes in between', async () => {
    const store = await StateStore.open(path, { now: clock, flushDelayMs: 1000 });
    record(store, 'a', 'ok');
    vi.advanceTimersByTime(600);
    record(store, 'b', 'ok');
    vi.advanceTimersByTime(399);
    await ioTurn();
    expect(store.stats.writes).toBe(0);
    await expect(stat(path)).rejects.toMatchObject({ code: 'ENOENT' });

    vi.advanceTimersByTime(1);
    // flush() during a write waits for it: a barrier that adds no write of its own.
    await store.flush();
    expect(store.stats.writes).toBe(1);
    const saved = JSON.parse(await readFile(path, 'utf8')) as { checks: Record<string, unknown> };
    expect(Object.keys(saved.checks).sort()).toEqual(['a', 'b']);

    vi.advanceTimersByTime(5000);
    await store.flush();
    expect(store.stats.writes).toBe(1);
    await store.close();
  });

  it('keeps writing under constant change instead of waiting for a quiet moment', async () => {
    const store = await StateStore.open(path, { now: clock, flushDelayMs: 1000 });
    // The adapter's write is called synchronously when a flush starts, so this counts started writes.
    const started = vi.spyOn(AtomicJsonFile.prototype, 'write');
    record(store, 'busy', 'ok');
    for (let i = 0; i < 9; i++) {
      vi.advanceTimersByTime(100);
      record(store, 'busy', 'ok');
    }
    expect(started).not.toHaveBeenCalled();
    vi.advanceTimersByTime(100);
    // A change every 100 ms did not push the write back.
    expect(started).toHaveBeenCalledTimes(1);
    // A change during that write is saved by one more write (close() waits for the first).
    record(store, 'busy', 'crit');
    await store.close();
    expect(store.stats.writes).toBe(2);
    expect(JSON.parse(await readFile(path, 'utf8')).checks.busy.window).toHaveLength(11);
  });

  it('a section change is written by the debounce, and close() writes what is pending at once', async () => {
    const store = await StateStore.open(path, { now: clock, flushDelayMs: 1000 });
    const silences = store.section('silences', () => ({ list: [] as string[] }));
    silences.list.push('gateway.http until 10:00');
    store.markDirty();
    vi.advanceTimersByTime(1000);
    await store.flush();
    expect(store.stats.writes).toBe(1);

    silences.list.push('memory until 11:00');
    store.markDirty();
    await store.close();
    expect(store.stats.writes).toBe(2);
    vi.useRealTimers();
    const reopened = await StateStore.open(path);
    expect(reopened.section('silences', () => ({ list: [] as string[] })).list).toEqual(['gateway.http until 10:00', 'memory until 11:00']);
  });
});

describe('a state file written by the released 0.1.0', () => {
  const FIXTURE = new URL('../fixtures/state-0.1.0.json', import.meta.url);

  it('is upgraded to the current schema, keeping its history, incidents and outbox, and written back at once', async () => {
    await mkdir(join(dir, 'state'), { recursive: true });
    const original = JSON.parse(await readFile(FIXTURE, 'utf8'));
    expect(original.schemaVersion).toBe(1);
    await writeFile(path, JSON.stringify(original));
    const infos: string[] = [];
    const log: Logger = { debug() {}, info: (_o, m) => infos.push(m ?? ''), warn() {}, error() {} };
    const store = await StateStore.open(path, { now: clock, log, sections: SECTION_SCHEMAS });
    expect(infos).toEqual([`state file ${path} upgraded from schemaVersion 1 to ${SCHEMA_VERSION}`]);
    expect(store.history('gateway.port')).toEqual(original.checks['gateway.port'].window);
    expect(store.check('gateway.port')?.transitions).toEqual(original.checks['gateway.port'].transitions);
    expect(store.series.names()).toEqual([]);
    expect(store.memoryFor('gateway.port').get()).toBeUndefined();
    const written = JSON.parse(await readFile(path, 'utf8'));
    expect(written.schemaVersion).toBe(SCHEMA_VERSION);
    expect(written.sections).toEqual(original.sections);
    expect(written).toMatchObject({ series: {}, memory: {} });
    await store.close();
  });

  it('passes every section schema: its incidents, outbox (sent and pending) and agent record are kept', async () => {
    await mkdir(join(dir, 'state'), { recursive: true });
    await writeFile(path, await readFile(FIXTURE));
    const store = await StateStore.open(path, { now: clock, sections: SECTION_SCHEMAS });
    expect(store.quarantined).toBeUndefined();
    expect(store.damaged).toEqual([]);
    expect(store.checkIds().sort()).toEqual(['gateway.http', 'gateway.port']);
    const outbox = store.section<{ entries: Array<{ status: string }> }>('outbox', () => ({ entries: [] }));
    expect(outbox.entries.map((e) => e.status)).toEqual(['sent', 'pending']);
    const alerts = store.section<{ incidents: Record<string, unknown> }>('alerts', () => ({ incidents: {} }));
    expect(Object.keys(alerts.incidents).sort()).toEqual(['gateway.http', 'gateway.port']);
    await store.close();
  });
});
