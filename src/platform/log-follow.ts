// Follows a log that rotates, run after run, reading only what was appended since the last run.
//
// A cursor (device, inode, byte offset) names where the last run stopped. The file is found again by its inode
// among the log's family: OpenClaw writes `openclaw[-<profile>]-YYYY-MM-DD.log` (a new one each day) and, past
// logging.maxFileBytes, renames it to `…-YYYY-MM-DD.1.log` (older ones shift up to .5) and starts a new one
// (dist/logger-*.mjs rotateLogFile); a fixed `logging.file` rotates the same way, and logrotate's `x.log.1` is
// understood too. So a restarted agent resumes where it stopped, a rotation between two runs loses nothing, a
// truncated file or one replaced under the same name is read again from its start (and said so).
//
// Memory stays flat whatever the file: it is read in 64 KiB chunks, lines are handed over one at a time, and a
// line longer than maxLineBytes is cut there (the rest skipped up to its newline, across runs if need be). A
// partial last line is left for the next run. Each run reads at most maxBytes; what is left is read next time.
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { describeErrno } from '../util/errno.ts';
import { describeFileAccess } from './file-access.ts';

export interface LogCursor {
  /** The file's path when the cursor was taken (it may since have been renamed by a rotation). */
  path: string;
  dev: number;
  ino: number;
  /** Bytes of the file already handed over (always at a line start unless skipping). */
  offset: number;
  /** Inside a line longer than maxLineBytes: its rest is skipped up to the next newline. */
  skipping?: boolean;
  /**
   * sha256 (16 hex digits) of the file's first headLen bytes: an inode is reused at once when a file is deleted
   * and another created, so the inode alone does not say it is still the same file.
   */
  head?: string;
  headLen?: number;
}

export interface FollowOptions {
  /** Bytes read at most in one run (the rest waits for the next). */
  maxBytes: number;
  /** A longer line is handed over cut to this many bytes, flagged truncated. */
  maxLineBytes: number;
  /** Without a cursor: start this many bytes before the end of the newest file (0: at its end). */
  firstReadBytes: number;
  signal?: AbortSignal;
}

export interface LineInfo {
  path: string;
  /** The line was longer than maxLineBytes and is cut. */
  truncated: boolean;
}

export type FollowResult =
  | {
      ok: true;
      /** Where the next run starts; undefined when there is no file yet. */
      cursor?: LogCursor;
      bytesRead: number;
      lines: number;
      /** Files read from, oldest first. */
      files: string[];
      /** What happened that a person may want to know: a rotation followed, a truncation, a file gone. */
      notes: string[];
      /** Bytes left unread because of maxBytes. */
      behindBytes: number;
    }
  | { ok: false; code?: string; path: string; message: string };

interface Member {
  path: string;
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
}

const CHUNK = 64 * 1024;
/** Enough to reach the first line's timestamp in OpenClaw's JSON lines (two logs begin with the same words). */
const HEAD_BYTES = 1024;

/**
 * The files of the log `path` belongs to that exist now, oldest first: for a dated file, every date of its
 * family with each date's rotated archives before it; for another file, its archives (.5 … .1) then itself.
 */
export async function logFamily(path: string): Promise<{ ok: true; members: Member[] } | { ok: false; code?: string; path: string; message: string }> {
  const dir = dirname(path);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { ok: false, ...(code ? { code } : {}), path: dir, message: `cannot list the log directory ${dir}: ${describeErrno(code, err)}${code === 'EACCES' ? `; ${await describeFileAccess(dir)}` : ''}` };
  }
  const order = familyOrder(basename(path));
  const keyed: Array<{ name: string; key: [string, number] }> = [];
  for (const name of names) {
    const key = order(name);
    if (key) keyed.push({ name, key });
  }
  keyed.sort((a, b) => (a.key[0] < b.key[0] ? -1 : a.key[0] > b.key[0] ? 1 : b.key[1] - a.key[1]));
  const members: Member[] = [];
  for (const { name } of keyed) {
    const p = join(dir, name);
    try {
      const st = await stat(p);
      if (st.isFile()) members.push({ path: p, dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs });
    } catch {
      // Pruned or rotated away between the listing and now: the next run sees where it went.
    }
  }
  return { ok: true, members };
}

const ROLLING = /^(openclaw(?:-[a-z0-9-]+)?)-(\d{4}-\d{2}-\d{2})(?:\.(\d{1,2}))?\.log$/;

/** A sort key [date or '', rotation index] for names of the same family as `name`, undefined for others. */
export function familyOrder(name: string): (candidate: string) => [string, number] | undefined {
  const rolling = ROLLING.exec(name);
  if (rolling) {
    const prefix = rolling[1]!;
    return (candidate) => {
      const m = ROLLING.exec(candidate);
      return m && m[1] === prefix ? [m[2]!, Number(m[3] ?? 0)] : undefined;
    };
  }
  const ext = extname(name);
  const stem = name.slice(0, name.length - ext.length);
  return (candidate) => {
    if (candidate === name) return ['', 0];
    if (candidate.startsWith(`${stem}.`) && candidate.endsWith(ext)) {
      const n = candidate.slice(stem.length + 1, candidate.length - ext.length);
      if (/^\d{1,2}$/.test(n) && ext !== '') return ['', Number(n)];
    }
    const m = candidate.startsWith(`${name}.`) ? /^\d{1,2}$/.exec(candidate.slice(name.length + 1)) : null;
    return m ? ['', Number(m[0])] : undefined;
  };
}

/**
 * Hands every line appended to the log `path` (and its family) since `cursor` to onLine, in order. Never throws;
 * a directory or file it may not read is an error naming the user it runs as and the file's owner and mode.
 */
export async function followLog(path: string, cursor: LogCursor | undefined, options: FollowOptions, onLine: (line: string, info: LineInfo) => void): Promise<FollowResult> {
  const family = await logFamily(path);
  if (!family.ok) return family;
  const members = family.members;
  const notes: string[] = [];
  const newest = members.at(-1);
  if (!newest) return { ok: true, bytesRead: 0, lines: 0, files: [], notes, behindBytes: 0, ...(cursor ? { cursor } : {}) };

  let index: number;
  let offset: number;
  let skipping: boolean;
  if (!cursor) {
    index = members.length - 1;
    offset = Math.max(0, newest.size - options.firstReadBytes);
    // Started inside a line (the byte before is not a newline): its rest is skipped.
    skipping = offset > 0 && (await readBytes(newest.path, offset - 1, 1)).at(0) !== 0x0a;
  } else {
    index = members.findIndex((m) => m.dev === cursor.dev && m.ino === cursor.ino);
    const rewritten =
      index >= 0 && members[index]!.size >= cursor.offset && cursor.head !== undefined && cursor.headLen !== undefined && (await headOf(members[index]!.path, cursor.headLen)).head !== cursor.head;
    offset = cursor.offset;
    skipping = cursor.skipping === true;
    if (index < 0) {
      const samePath = members.findIndex((m) => m.path === cursor.path);
      index = samePath >= 0 ? samePath : members.length - 1;
      offset = 0;
      skipping = false;
      notes.push(
        samePath >= 0
          ? `${cursor.path} was replaced by another file: read from its start`
          : `${cursor.path} is gone (deleted or pruned) with up to ${cursor.offset > 0 ? 'its unread end' : 'its lines'}: reading on from ${members[index]!.path}`,
      );
    } else if (members[index]!.size < offset) {
      notes.push(`${members[index]!.path} was truncated (${offset} -> ${members[index]!.size} bytes): read from its start`);
      offset = 0;
      skipping = false;
    } else if (rewritten) {
      notes.push(`${members[index]!.path} begins with other bytes than before (replaced by another file, or truncated and written again): read from its start`);
      offset = 0;
      skipping = false;
    } else if (members[index]!.path !== cursor.path) {
      notes.push(`${cursor.path} was rotated to ${members[index]!.path}: its end read there`);
    }
  }

  let budget = options.maxBytes;
  let bytesRead = 0;
  let lines = 0;
  const files: string[] = [];
  let next: LogCursor | undefined;
  let behindBytes = 0;
  const emit = (line: string, info: LineInfo) => {
    lines++;
    onLine(line, info);
  };
  for (let i = index; i < members.length; i++) {
    const m = members[i]!;
    const last = i === members.length - 1;
    const start = i === index ? offset : 0;
    if (budget <= 0 || options.signal?.aborted) {
      behindBytes += Math.max(0, m.size - start);
      next ??= { path: m.path, dev: m.dev, ino: m.ino, offset: start, ...(i === index && skipping ? { skipping: true } : {}) };
      continue;
    }
    const read = await readLines(m, start, i === index && skipping, { ...options, maxBytes: budget }, last, emit);
    if (!read.ok) return read;
    if (read.bytes > 0 || start < m.size || last) files.push(m.path);
    bytesRead += read.bytes;
    budget -= read.bytes;
    if (!read.done) {
      behindBytes += read.left;
      next = { path: m.path, dev: m.dev, ino: m.ino, offset: read.offset, ...(read.skipping ? { skipping: true } : {}) };
      budget = 0;
    } else if (last) {
      next = { path: m.path, dev: m.dev, ino: m.ino, offset: read.offset, ...(read.skipping ? { skipping: true } : {}) };
    }
  }
  if (index < members.length - 1 && cursor && files.length > 1) notes.push(`followed the log across ${files.length - 1} rotation(s) or new day(s)`);
  if (next) {
    const same = cursor && cursor.dev === next.dev && cursor.ino === next.ino && cursor.head !== undefined && (cursor.headLen ?? 0) >= Math.min(HEAD_BYTES, next.offset);
    Object.assign(next, same ? { head: cursor.head, headLen: cursor.headLen } : await headOf(next.path, Math.min(HEAD_BYTES, Math.max(next.offset, members.find((m) => m.ino === next!.ino)?.size ?? 0))));
  }
  return { ok: true, ...(next ? { cursor: next } : {}), bytesRead, lines, files, notes, behindBytes };
}

/** Up to `length` bytes of a file from `position`; empty when it cannot be read. */
async function readBytes(path: string, position: number, length: number): Promise<Buffer> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const buf = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buf, 0, length, position);
    return buf.subarray(0, bytesRead);
  } catch {
    return Buffer.alloc(0);
  } finally {
    await handle?.close().catch(() => {});
  }
}

/** The fingerprint of a file's first bytes (at most HEAD_BYTES). */
async function headOf(path: string, length: number): Promise<{ head: string; headLen: number }> {
  const bytes = await readBytes(path, 0, Math.min(HEAD_BYTES, length));
  return { head: createHash('sha256').update(bytes).digest('hex').slice(0, 16), headLen: bytes.length };
}

/**
 * Every line of the log `path` (and its family) in files written to since `since` (epoch ms), oldest first, and
 * a cursor at the end to follow it from: what `clawmedic logs --since` reads. Files last written before `since`
 * are not opened; lines within the files are for the caller to filter by their own time.
 */
export async function readLogSince(path: string, since: number, options: FollowOptions, onLine: (line: string, info: LineInfo) => void): Promise<FollowResult> {
  const family = await logFamily(path);
  if (!family.ok) return family;
  const first = family.members.find((m) => m.mtimeMs >= since);
  if (!first) return followLog(path, undefined, { ...options, firstReadBytes: 0 }, onLine);
  return followLog(path, { path: first.path, dev: first.dev, ino: first.ino, offset: 0 }, options, onLine);
}

interface ReadOutcome {
  ok: true;
  bytes: number;
  /** Where the next read of this file starts. */
  offset: number;
  skipping: boolean;
  /** The whole file was read (up to its end as it was then). */
  done: boolean;
  left: number;
}

/**
 * Reads one file from `start` to its end (or until maxBytes), handing over whole lines. At the end of a file
 * that is not the newest, a last line without a newline is handed over too: nothing will complete it.
 */
async function readLines(
  m: Member,
  start: number,
  skippingAtStart: boolean,
  options: FollowOptions,
  last: boolean,
  emit: (line: string, info: LineInfo) => void,
): Promise<ReadOutcome | { ok: false; code?: string; path: string; message: string }> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    // O_NONBLOCK: a FIFO put where the log was would otherwise block the open until a writer comes.
    handle = await open(m.path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { ok: true, bytes: 0, offset: start, skipping: skippingAtStart, done: true, left: 0 };
    const access = code === 'EACCES' || code === 'EPERM' ? `; ${await describeFileAccess(m.path)}` : '';
    return { ok: false, ...(code ? { code } : {}), path: m.path, message: `cannot read ${m.path}: ${describeErrno(code, err)}${access}` };
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) return { ok: false, code: 'ENOTFILE', path: m.path, message: `${m.path} is not a regular file` };
    // The end as it is now; what is appended while reading waits for the next run.
    const end = Math.min(st.size, start + options.maxBytes);
    const buf = Buffer.allocUnsafe(CHUNK);
    const pending: Buffer[] = [];
    let pendingLen = 0;
    let lineStart = start;
    let skipping = skippingAtStart;
    let pos = start;
    const flushPending = (truncated: boolean) => {
      emit(Buffer.concat(pending, pendingLen).toString('utf8'), { path: m.path, truncated });
      pending.length = 0;
      pendingLen = 0;
    };
    while (pos < end) {
      if (options.signal?.aborted) break;
      const { bytesRead } = await handle.read(buf, 0, Math.min(CHUNK, end - pos), pos);
      if (bytesRead === 0) break;
      let from = 0;
      while (from < bytesRead) {
        const nl = buf.indexOf(0x0a, from);
        const stop = nl < 0 || nl >= bytesRead ? bytesRead : nl;
        if (!skipping) {
          const room = options.maxLineBytes - pendingLen;
          const take = Math.min(stop - from, Math.max(0, room));
          if (take > 0) {
            pending.push(Buffer.from(buf.subarray(from, from + take)));
            pendingLen += take;
          }
          if (stop - from > take) {
            // Longer than a line may be: hand over what there is, skip the rest up to its newline.
            flushPending(true);
            skipping = true;
          }
        }
        if (stop < bytesRead) {
          // A newline: the line is complete.
          if (!skipping) flushPending(false);
          skipping = false;
          from = stop + 1;
          lineStart = pos + from;
        } else from = bytesRead;
      }
      pos += bytesRead;
    }
    const done = pos >= st.size;
    if (done && !last && (pendingLen > 0 || skipping)) {
      // The file will not grow again (a newer one exists): its unterminated last line is complete.
      if (pendingLen > 0) flushPending(false);
      return { ok: true, bytes: pos - start, offset: pos, skipping: false, done, left: 0 };
    }
    // A cut line already handed over: the cursor moves past it and skips until its newline.
    if (skipping) return { ok: true, bytes: pos - start, offset: pos, skipping: true, done, left: Math.max(0, st.size - pos) };
    return { ok: true, bytes: pos - start, offset: lineStart, skipping: false, done, left: Math.max(0, st.size - pos) };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { ok: false, ...(code ? { code } : {}), path: m.path, message: `cannot read ${m.path}: ${describeErrno(code, err)}` };
  } finally {
    await handle.close().catch(() => {});
  }
}
