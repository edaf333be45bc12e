import { mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AlertRouter } from '../../src/alerts/router.ts';
import { SilenceFile, isActive } from '../../src/alerts/silences.ts';
import type { Silence, SilenceSource } from '../../src/alerts/silences.ts';
import { FakeNotifier, fail, makeRouter, recover } from '../fixtures/router-harness.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;

let dir: string;
let path: string;
let routers: AlertRouter[] = [];

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2025-06-01T12:00:00Z') });
  dir = mkdtempSync(join(tmpdir(), 'clawmedic-silences-'));
  path = join(dir, 'sub', 'silences.json');
});
afterEach(async () => {
  for (const r of routers) await r.stop();
  routers = [];
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

describe('SilenceFile', () => {
  it('adds, lists and clears silences, replacing the file atomically', async () => {
    const file = new SilenceFile(path);
    expect(await file.list()).toEqual([]);
    const all = await file.add({ until: Date.now() + HOUR, reason: 'upgrading openclaw', createdBy: 'ops' });
    const http = await file.add({ checks: ['gateway.http'], until: '2025-06-01T14:00:00Z' });
    expect(all).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{8}$/),
      checks: [],
      until: '2025-06-01T13:00:00.000Z',
      reason: 'upgrading openclaw',
      createdBy: 'ops',
      createdAt: '2025-06-01T12:00:00.000Z',
    });
    expect((await file.list()).map((s) => s.id)).toEqual([all.id, http.id]);
    expect(readdirSync(join(dir, 'sub'))).toEqual(['silences.json']); // no temp file left behind

    expect(await file.clear({ checks: ['gateway.http'] })).toEqual([http]);
    expect(await file.clear({ id: all.id })).toEqual([all]);
    await file.add({ until: Date.now() + HOUR });
    expect(await file.clear()).toHaveLength(1);
    expect(await file.list()).toEqual([]);
  });

  it('ignores expired silences and prunes them on the next write', async () => {
    const file = new SilenceFile(path);
    await file.add({ until: Date.now() + MIN });
    vi.setSystemTime(Date.now() + 2 * MIN);
    expect(await file.list()).toEqual([]);
    expect(await file.load()).toHaveLength(1);
    await file.add({ until: Date.now() + MIN });
    expect(await file.load()).toHaveLength(1);
  });

  it('refuses an end in the past or that is not a time', async () => {
    const file = new SilenceFile(path);
    await expect(file.add({ until: Date.now() - 1 })).rejects.toThrow('is not in the future');
    await expect(file.add({ until: 'tomorrow-ish' })).rejects.toThrow('"tomorrow-ish" is not a time');
  });

  it('names the file and the problem when it is damaged', async () => {
    const file = new SilenceFile(path);
    await file.add({ until: Date.now() + MIN });
    writeFileSync(path, '{"version":1,"silences":[{"id":"x"}]');
    await expect(file.list()).rejects.toThrow(`silences file ${path} is not valid JSON`);
    writeFileSync(path, '{"version":1,"silences":[{"id":"x","checks":[],"until":"soon","createdAt":"x"}]}');
    await expect(file.list()).rejects.toThrow(`silences file ${path}: silences.0.until: not an ISO time`);
  });

  it('is private (0600) whatever the umask', async () => {
    const old = process.umask(0o000);
    try {
      await new SilenceFile(path).add({ until: Date.now() + MIN, reason: 'who silenced what is nobody else\'s business' });
    } finally {
      process.umask(old);
    }
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('clearing all silences mends a damaged file; clearing some of them says how', async () => {
    const file = new SilenceFile(path);
    await file.add({ until: Date.now() + MIN });
    writeFileSync(path, '');
    await expect(file.clear({ checks: ['gateway.http'] })).rejects.toThrow(/is not valid JSON.*`clawmedic silence clear` \(without checks or --id\) replaces it with an empty one/);
    expect(await file.clear()).toEqual([]);
    expect(await file.load()).toEqual([]);
  });

  it('re-reads the file only when it changed', async () => {
    const writer = new SilenceFile(path);
    const reader = new SilenceFile(path);
    expect(await reader.current(Date.now())).toEqual([]);
    const s = await writer.add({ until: Date.now() + HOUR });
    expect(await reader.current(Date.now())).toEqual([s]);
    // Same inode, size and mtime: the reader must not even look at the (now garbled) contents.
    const st = statSync(path);
    writeFileSync(path, 'x'.repeat(st.size));
    utimesSync(path, st.atime, st.mtime);
    expect(await reader.current(Date.now())).toEqual([s]);
    await expect(new SilenceFile(path).current(Date.now())).rejects.toThrow('not valid JSON');
    writeFileSync(path, JSON.stringify({ version: 1, silences: [s] }));
    await writer.clear();
    expect(await reader.current(Date.now())).toEqual([]);
  });
});

/** Silences in memory: the file's I/O is real and would outrun the fake clock. */
class MemorySilences implements SilenceSource {
  list: Silence[] = [];
  add(checks: string[], untilMs: number, reason?: string): Silence {
    const s: Silence = { id: `s${this.list.length + 1}`, checks, until: new Date(untilMs).toISOString(), createdAt: new Date().toISOString() };
    if (reason) s.reason = reason;
    this.list.push(s);
    return s;
  }
  async current(now: number): Promise<Silence[]> {
    return this.list.filter((s) => isActive(s, now));
  }
}

function start(silences: SilenceSource) {
  const slack = new FakeNotifier('slack');
  const { router } = makeRouter({ notifiers: [slack], silences });
  routers.push(router);
  router.start();
  return { slack, router };
}

describe('silences in the router', () => {
  it('sends nothing while silenced, shows the silence, and alerts when it ends with the check still failing', async () => {
    const silences = new MemorySilences();
    const { slack, router } = start(silences);
    const silence = silences.add(['gateway.http'], Date.now() + HOUR, 'planned restart');

    fail(router, 'gateway.http');
    fail(router, 'doctor');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(slack.alerts().map((a) => a.checkId)).toEqual(['doctor']);

    const snap = await router.snapshot();
    expect(snap.silences).toEqual([silence]);
    expect(snap.incidents.find((i) => i.checkId === 'gateway.http')).toMatchObject({
      announced: false,
      silencedBy: { type: 'silence', id: silence.id, until: silence.until, reason: 'planned restart' },
    });

    await vi.advanceTimersByTimeAsync(HOUR - 20_000);
    expect(slack.alerts().map((a) => a.checkId)).toEqual(['doctor', 'doctor']); // doctor's 30 min reminder only
    await vi.advanceTimersByTimeAsync(30_000);
    expect(slack.alerts().at(-1)).toMatchObject({ checkId: 'gateway.http', kind: 'failing' });
    expect((await router.snapshot()).incidents.find((i) => i.checkId === 'gateway.http')!.silencedBy).toBeUndefined();
  });

  it('sends nothing at all for an incident that resolved during the silence', async () => {
    const silences = new MemorySilences();
    const { slack, router } = start(silences);
    silences.add([], Date.now() + HOUR);
    fail(router, 'a');
    await vi.advanceTimersByTimeAsync(20 * MIN);
    recover(router, 'a');
    await vi.advanceTimersByTimeAsync(2 * HOUR);
    expect(slack.sent).toHaveLength(0);
  });

  it('alerts within a tick when a silence is cleared early', async () => {
    const silences = new MemorySilences();
    const { slack, router } = start(silences);
    silences.add([], Date.now() + 8 * HOUR);
    fail(router, 'a');
    await vi.advanceTimersByTimeAsync(5 * MIN);
    expect(slack.sent).toHaveLength(0);
    silences.list = [];
    await vi.advanceTimersByTimeAsync(30_000);
    expect(slack.alerts()).toMatchObject([{ checkId: 'a', kind: 'failing' }]);
  });

  it('skips reminders while silenced and sends one when the silence ends', async () => {
    const silences = new MemorySilences();
    const { slack, router } = start(silences);
    fail(router, 'a');
    await vi.advanceTimersByTimeAsync(10_000);
    silences.add(['a'], Date.now() + 5 * HOUR);
    await vi.advanceTimersByTimeAsync(5 * HOUR);
    expect(slack.alerts().map((a) => a.kind)).toEqual(['failing']);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(slack.alerts().map((a) => a.kind)).toEqual(['failing', 'reminder']);
  });

  it('follows the silence file the CLI writes, keeping the last good silences while it is damaged', async () => {
    const cli = new SilenceFile(path);
    const { slack, router } = start(new SilenceFile(path));
    await cli.add({ checks: ['a'], until: Date.now() + HOUR });
    fail(router, 'a');
    await vi.advanceTimersByTimeAsync(10_000);
    await router.tick(); // waits for the window's evaluation, whose file I/O is real
    expect(slack.sent).toHaveLength(0);
    expect((await router.snapshot()).incidents[0]!.silencedBy).toMatchObject({ type: 'silence' });

    writeFileSync(path, 'not json');
    await router.tick();
    expect(slack.sent).toHaveLength(0);

    writeFileSync(path, JSON.stringify({ version: 1, silences: [] }));
    await router.tick();
    await vi.advanceTimersByTimeAsync(0);
    expect(slack.alerts()).toMatchObject([{ checkId: 'a', kind: 'failing' }]);
  });
});
