import { appendFile, mkdtemp, open, rename, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeFileAccess } from '../../src/platform/file-access.ts';
import { familyOrder, followLog, type FollowOptions, type LogCursor } from '../../src/platform/log-follow.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clawmedic-follow-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const OPTS: FollowOptions = { maxBytes: 64 * 1024 * 1024, maxLineBytes: 64 * 1024, firstReadBytes: 0 };

async function read(path: string, cursor: LogCursor | undefined, options: Partial<FollowOptions> = {}) {
  const lines: Array<{ line: string; truncated: boolean }> = [];
  const result = await followLog(path, cursor, { ...OPTS, ...options }, (line, info) => lines.push({ line, truncated: info.truncated }));
  if (!result.ok) throw new Error(result.message);
  return { ...result, texts: lines.map((l) => l.line), lines };
}

describe('followLog', () => {
  it('starts at the end of the newest file, then reads only what was appended', async () => {
    const path = join(dir, 'openclaw-2026-11-29.log');
    await writeFile(path, 'old 1\nold 2\n');
    const first = await read(path, undefined);
    expect(first.texts).toEqual([]);
    expect(first.cursor).toMatchObject({ path, offset: 12 });
    await appendFile(path, 'new 1\nnew 2\n');
    const second = await read(path, first.cursor);
    expect(second.texts).toEqual(['new 1', 'new 2']);
    expect(second.bytesRead).toBe(12);
    const third = await read(path, second.cursor);
    expect(third.texts).toEqual([]);
    expect(third.bytesRead).toBe(0);
  });

  it('on its first run looks back firstReadBytes, skipping the cut line', async () => {
    const path = join(dir, 'openclaw-2026-11-29.log');
    await writeFile(path, 'line one is long\nline two\nline three\n');
    const r = await read(path, undefined, { firstReadBytes: 15 });
    expect(r.texts).toEqual(['line three']);
  });

  it('keeps a partial last line for the next run', async () => {
    const path = join(dir, 'x.log');
    await writeFile(path, 'a\nb');
    const first = await read(path, { path, ...(await ids(path)), offset: 0 });
    expect(first.texts).toEqual(['a']);
    expect(first.cursor?.offset).toBe(2);
    await appendFile(path, 'c\n');
    const second = await read(path, first.cursor);
    expect(second.texts).toEqual(['bc']);
  });

  it('follows the log into the next day and finishes the day before first', async () => {
    const day1 = join(dir, 'openclaw-2026-11-28.log');
    const day2 = join(dir, 'openclaw-2026-11-29.log');
    await writeFile(day1, 'd1 a\n');
    const first = await read(day1, undefined);
    await appendFile(day1, 'd1 b\n');
    await writeFile(day2, 'd2 a\nd2 b\n');
    // An older day and another profile's log are not read.
    await writeFile(join(dir, 'openclaw-2026-11-27.log'), 'older\n');
    await writeFile(join(dir, 'openclaw-other-2026-11-29.log'), 'other profile\n');
    const r = await read(day2, first.cursor);
    expect(r.texts).toEqual(['d1 b', 'd2 a', 'd2 b']);
    expect(r.files).toEqual([day1, day2]);
    expect(r.cursor).toMatchObject({ path: day2, offset: 10 });
    expect(r.notes.join(' ')).toMatch(/followed the log across 1 rotation/);
  });

  it('follows a size rotation (x.log -> x.1.log, a new x.log) without losing or repeating a line', async () => {
    const path = join(dir, 'openclaw-2026-11-29.log');
    await writeFile(path, 'one\n');
    const first = await read(path, undefined);
    await appendFile(path, 'two\nthr');
    const mid = await read(path, first.cursor);
    expect(mid.texts).toEqual(['two']);
    // OpenClaw's rotateLogFile: .1 -> .2, the file -> .1, then a new file.
    await appendFile(path, 'ee\n');
    await rename(path, join(dir, 'openclaw-2026-11-29.1.log'));
    await writeFile(path, 'four\n');
    const r = await read(path, mid.cursor);
    expect(r.texts).toEqual(['three', 'four']);
    expect(r.notes.join(' ')).toMatch(/rotated to .*openclaw-2026-11-29\.1\.log/);
  });

  it('hands over an unterminated last line of a rotated file (nothing will complete it)', async () => {
    const path = join(dir, 'gateway.log');
    await writeFile(path, 'a\n');
    const first = await read(path, undefined);
    await appendFile(path, 'cut short');
    await rename(path, join(dir, 'gateway.log.1'));
    await writeFile(path, 'b\n');
    const r = await read(path, first.cursor);
    expect(r.texts).toEqual(['cut short', 'b']);
  });

  it('reads a truncated file again from its start, and says so', async () => {
    const path = join(dir, 'x.log');
    await writeFile(path, 'aaaa\nbbbb\ncccc\n');
    const first = await read(path, undefined);
    await truncate(path, 0);
    await appendFile(path, 'new\n');
    const r = await read(path, first.cursor);
    expect(r.texts).toEqual(['new']);
    expect(r.notes.join(' ')).toMatch(/truncated \(15 -> 4 bytes\)/);
  });

  it('reads a file replaced under the same name from its start', async () => {
    const path = join(dir, 'x.log');
    await writeFile(path, 'old\n');
    const first = await read(path, undefined);
    await unlink(path);
    await writeFile(path, 'a much longer replacement line\n');
    const r = await read(path, first.cursor);
    expect(r.texts).toEqual(['a much longer replacement line']);
    expect(r.notes.join(' ')).toMatch(/replaced by another file/);
  });

  it('cuts a huge line at maxLineBytes and goes on with the next one, also across runs', async () => {
    const path = join(dir, 'x.log');
    await writeFile(path, '');
    const first = await read(path, undefined);
    await appendFile(path, `${'x'.repeat(200_000)}\nafter\n${'y'.repeat(100_000)}`);
    const r = await read(path, first.cursor, { maxLineBytes: 4096 });
    expect(r.lines.map((l) => [l.line.length, l.truncated])).toEqual([
      [4096, true],
      [5, false],
      [4096, true],
    ]);
    expect(r.cursor?.skipping).toBe(true);
    await appendFile(path, 'yyy\nnext\n');
    const r2 = await read(path, r.cursor, { maxLineBytes: 4096 });
    expect(r2.texts).toEqual(['next']);
  });

  it('reads invalid UTF-8 as replacement characters, never throwing', async () => {
    const path = join(dir, 'x.log');
    await writeFile(path, '');
    const first = await read(path, undefined);
    await appendFile(path, Buffer.from([0x61, 0xff, 0xfe, 0x62, 0x0a]));
    const r = await read(path, first.cursor);
    expect(r.texts).toEqual(['a\ufffd\ufffdb']);
  });

  it('reads at most maxBytes a run and goes on from there next time', async () => {
    const path = join(dir, 'x.log');
    await writeFile(path, '');
    const first = await read(path, undefined);
    const lines = Array.from({ length: 100 }, (_, i) => `line ${String(i).padStart(3, '0')}`);
    await appendFile(path, `${lines.join('\n')}\n`);
    const a = await read(path, first.cursor, { maxBytes: 300 });
    expect(a.behindBytes).toBeGreaterThan(0);
    const b = await read(path, a.cursor);
    expect([...a.texts, ...b.texts]).toEqual(lines);
  });

  it('costs the appended bytes only on a 50 MB file, with flat memory', async () => {
    const path = join(dir, 'big.log');
    const block = Buffer.from(`${'{"message":"filler line for the size test","_meta":{"logLevelName":"INFO"}}'.padEnd(127, ' ')}\n`.repeat(8192));
    const fh = await open(path, 'w');
    for (let written = 0; written < 50 * 1024 * 1024; written += block.length) await fh.write(block);
    await fh.close();
    const first = await read(path, undefined);
    expect(first.bytesRead).toBe(0);
    await appendFile(path, 'appended 1\nappended 2\n');
    const r = await read(path, first.cursor);
    expect(r.texts).toEqual(['appended 1', 'appended 2']);
    expect(r.bytesRead).toBe(22);

    // Reading all 50 MB (a cursor at 0) streams it: memory does not grow with the file.
    global.gc?.();
    const before = process.memoryUsage().rss;
    let count = 0;
    const all = await followLog(path, { ...r.cursor!, offset: 0 }, OPTS, () => count++);
    const grown = process.memoryUsage().rss - before;
    expect(all.ok && all.bytesRead).toBeGreaterThan(50 * 1024 * 1024);
    expect(count).toBe(409_602);
    expect(grown).toBeLessThan(48 * 1024 * 1024);
  });

  it('names a missing log directory', async () => {
    const r = await followLog(join(dir, 'nope', 'x.log'), undefined, OPTS, () => {});
    expect(r).toMatchObject({ ok: false, code: 'ENOENT', message: expect.stringContaining(join(dir, 'nope')) });
  });

  it('has nothing to read (and no cursor) when the directory holds no log yet', async () => {
    const r = await read(join(dir, 'openclaw-2026-11-29.log'), undefined);
    expect(r).toMatchObject({ bytesRead: 0, files: [] });
    expect(r.cursor).toBeUndefined();
  });
});

describe('familyOrder', () => {
  it('orders a dated family by date, each date\'s archives (.5 … .1) before it', () => {
    const key = familyOrder('openclaw-2026-11-29.log');
    const names = ['openclaw-2026-11-29.log', 'openclaw-2026-11-29.1.log', 'openclaw-2026-11-28.log', 'openclaw-2026-11-29.2.log', 'openclaw-cmtest-2026-11-29.log', 'notes.txt'];
    const sorted = names
      .map((n) => ({ n, k: key(n) }))
      .filter((x) => x.k)
      .sort((a, b) => (a.k![0] < b.k![0] ? -1 : a.k![0] > b.k![0] ? 1 : b.k![1] - a.k![1]))
      .map((x) => x.n);
    expect(sorted).toEqual(['openclaw-2026-11-28.log', 'openclaw-2026-11-29.2.log', 'openclaw-2026-11-29.1.log', 'openclaw-2026-11-29.log']);
  });

  it('knows a fixed file\'s archives in both spellings', () => {
    const key = familyOrder('gateway.log');
    expect(key('gateway.log')).toEqual(['', 0]);
    expect(key('gateway.3.log')).toEqual(['', 3]);
    expect(key('gateway.log.2')).toEqual(['', 2]);
    expect(key('gateway.log.gz')).toBeUndefined();
    expect(key('other.log')).toBeUndefined();
  });
});

describe('describeFileAccess', () => {
  it('names the user clawmedic runs as and the file\'s owner and mode', async () => {
    const path = join(dir, 'x.log');
    await writeFile(path, '', { mode: 0o640 });
    const passwd = join(dir, 'passwd');
    await writeFile(passwd, `alice:x:${process.getuid!()}:0::/home/alice:/bin/sh\n`);
    expect(await describeFileAccess(path, passwd)).toBe(`clawmedic runs as uid ${process.getuid!()} (alice); ${path} is owned by uid ${process.getuid!()} (alice), mode 0640`);
  });
});

async function ids(path: string): Promise<{ dev: number; ino: number }> {
  const { stat } = await import('node:fs/promises');
  const st = await stat(path);
  return { dev: st.dev, ino: st.ino };
}
