// Reading the gateway's log run after run for the logs and channels checks: only the bytes appended since the
// last run (a cursor in the check's memory), each line parsed and matched against the signature library, the
// hits of the window kept in that memory (bounded: it must fit the 16 KiB a check may keep).
import * as z from 'zod';
import type { CheckContext } from '../src/contracts.ts';
import { followLog, type LogCursor } from '../src/platform/log-follow.ts';
import { durationUpTo } from '../src/config/durations.ts';
import { sizeSchema } from '../src/util/size.ts';
import { clip } from '../src/util/text.ts';
import { gatewayLogLocation, parseLogLine, type LogLine, type LogLocation } from './gateway-log.ts';
import { LOG_SIGNATURES, matchSignature, type LogSignature, type SignatureHit } from './log-signatures.ts';
import { maskToken } from './quote.ts';

/** Options both log-reading checks take. */
export const logReadOptions = {
  /** The log file (default: openclaw.json's logging.file, else /tmp/openclaw/openclaw[-<profile>]-<date>.log). */
  path: z.string().min(1).max(4096).optional(),
  /** 'auto': JSON lines, and plain text where a line is not JSON; 'text' for the guide's plain-text log. */
  format: z.enum(['auto', 'json', 'text']).default('auto'),
  /** Hits and errors count this long after their line. */
  window: durationUpTo(7 * 86_400_000).refine((ms) => ms >= 60_000, 'at least 1m').default(1_800_000),
  /** Read at most this much per run; the rest is read by the next runs. */
  maxBytesPerRun: sizeSchema({ min: 1024 * 1024 }).default(32 * 1024 * 1024),
  /** A longer line is cut here (OpenClaw clamps messages at 4096 characters; structured arguments add to it). */
  maxLineBytes: sizeSchema({ min: 4096 }).default(256 * 1024),
  /**
   * The very first run (no cursor yet) starts this far before the end of the newest file. 0, the default: at its
   * end, so lines from before clawmedic watched (another gateway's, a crash long fixed) raise nothing.
   */
  firstReadBytes: sizeSchema().default(0),
  /** Signature ids to leave out (see checks/log-signatures.ts). */
  ignore: z.array(z.string().max(80)).max(100).default([]),
};

export interface LogReadOptions {
  path?: string | undefined;
  format: 'auto' | 'json' | 'text';
  window: number;
  maxBytesPerRun: number;
  maxLineBytes: number;
  firstReadBytes: number;
  ignore: string[];
}

/** One signature's hits in the window: their times (epoch s), its last line, the channel and account. */
export interface HitRecord {
  id: string;
  t: number[];
  last: string;
  ch?: string;
  acct?: string;
}

export const scanMemorySchema = z.object({
  cursor: z.object({ path: z.string(), dev: z.number(), ino: z.number(), offset: z.number().nonnegative(), skipping: z.boolean().optional() }).optional(),
  hits: z.record(z.string(), z.object({ id: z.string(), t: z.array(z.number()), last: z.string(), ch: z.string().optional(), acct: z.string().optional() })).default({}),
});
export type ScanMemory = z.output<typeof scanMemorySchema>;

export interface ScanCounts {
  lines: number;
  /** Gateway (not CLI) ERROR / FATAL lines within the window read this run. */
  errors: number;
  fatal: number;
  /** Console lines (logger "openclaw": CLI runs, clawmedic's own among them), left out of the counts. */
  cli: number;
  /** Lines that were not OpenClaw's JSON (format json only). */
  unparsed: number;
  truncated: number;
  /** Lines older than the window (the first run's look back, a slow catch-up). */
  old: number;
}

export type ScanOutcome =
  | {
      ok: true;
      location: LogLocation;
      counts: ScanCounts;
      bytesRead: number;
      behindBytes: number;
      files: string[];
      notes: string[];
      /** The memory to keep (cursor and hits, pruned to the window). */
      memory: ScanMemory;
      /** The error and fatal lines read, newest last (at most a few, for the diagnosis). */
      errorSamples: string[];
    }
  | { ok: false; location: LogLocation; code?: string; message: string; memory: ScanMemory };

const MAX_TIMES = 60;
const LINE_CHARS = 240;
/** Below the 16 KiB a check may keep, with room for the rest of its memory. */
const MEMORY_BUDGET = 12 * 1024;

/** The key a hit is kept under: the signature, and the channel and account it concerns. */
export function hitKey(hit: SignatureHit): string {
  return [hit.signature.id, hit.channel ?? '', hit.account ?? ''].join('|');
}

/**
 * Reads what was appended to the gateway's log since the memory's cursor. `wanted` picks the signatures kept
 * (the channels check keeps only those about a channel). Never throws.
 */
export async function scanGatewayLog(
  ctx: CheckContext,
  options: LogReadOptions,
  stored: unknown,
  wanted: (s: LogSignature) => boolean = () => true,
): Promise<ScanOutcome> {
  const now = ctx.now();
  const parsedMemory = scanMemorySchema.safeParse(stored ?? {});
  const memory: ScanMemory = parsedMemory.success ? parsedMemory.data : { hits: {} };
  const location = gatewayLogLocation(ctx.target, now, options.path);
  const since = now - options.window;
  const counts: ScanCounts = { lines: 0, errors: 0, fatal: 0, cli: 0, unparsed: 0, truncated: 0, old: 0 };
  const errorSamples: string[] = [];
  const token = ctx.target.token;

  const onLine = (raw: string, info: { truncated: boolean }) => {
    if (raw.trim() === '') return;
    counts.lines++;
    if (info.truncated) counts.truncated++;
    const line: LogLine = parseLogLine(raw, options.format);
    if (options.format === 'json' && !line.json) counts.unparsed++;
    const at = line.at ?? now;
    if (at < since) {
      counts.old++;
      return;
    }
    if (line.cli) counts.cli++;
    else if (line.level === 'error' || line.level === 'fatal') {
      if (line.level === 'error') counts.errors++;
      else counts.fatal++;
      errorSamples.push(quoteLine(line, token));
      if (errorSamples.length > 3) errorSamples.shift();
    }
    const hit = matchSignature(line);
    if (!hit || !wanted(hit.signature) || options.ignore.includes(hit.signature.id)) return;
    const key = hitKey(hit);
    const rec = (memory.hits[key] ??= { id: hit.signature.id, t: [], last: '' });
    rec.t.push(Math.floor(at / 1000));
    if (rec.t.length > MAX_TIMES) rec.t.splice(0, rec.t.length - MAX_TIMES);
    rec.last = quoteLine(line, token);
    if (hit.channel) rec.ch = hit.channel;
    if (hit.account) rec.acct = clip(hit.account, 60);
  };

  const result = await followLog(
    location.path,
    memory.cursor as LogCursor | undefined,
    { maxBytes: options.maxBytesPerRun, maxLineBytes: options.maxLineBytes, firstReadBytes: options.firstReadBytes, signal: ctx.signal },
    onLine,
  );
  pruneHits(memory, now, options.window);
  if (!result.ok) return { ok: false, location, ...(result.code ? { code: result.code } : {}), message: result.message, memory };
  if (result.cursor) memory.cursor = result.cursor;
  fitMemory(memory);
  return {
    ok: true,
    location,
    counts,
    bytesRead: result.bytesRead,
    behindBytes: result.behindBytes,
    files: result.files,
    notes: [...(parsedMemory.success ? [] : ['the cursor kept from earlier runs was unreadable: started over at the end of the log']), ...result.notes],
    memory,
    errorSamples,
  };
}

/** "2026-11-29T20:18:48.082Z ERROR [gateway/ws] message", one line, the token masked, clipped. */
export function quoteLine(line: LogLine, token: string | undefined): string {
  const time = line.at !== undefined ? `${new Date(line.at).toISOString()} ` : '';
  const level = line.level ? `${line.level.toUpperCase()} ` : '';
  const sub = line.subsystem ? `[${line.subsystem}] ` : '';
  // Masked before the cut: a token cut in half would no longer be recognised by the redactor.
  return clip(maskToken(`${time}${level}${sub}${line.message}`, token).replace(/\s+/g, ' '), LINE_CHARS);
}

/** Hits older than their signature's window (or the check's) are dropped; so are records left empty. */
function pruneHits(memory: ScanMemory, now: number, windowMs: number): void {
  for (const [key, rec] of Object.entries(memory.hits)) {
    const own = LOG_SIGNATURES.find((s) => s.id === rec.id)?.windowMs ?? 0;
    const from = Math.floor((now - Math.max(windowMs, own)) / 1000);
    rec.t = rec.t.filter((t) => t >= from);
    if (rec.t.length === 0) delete memory.hits[key];
  }
}

/** Shrinks the kept hits until the memory fits its budget: the longest time lists are halved first. */
function fitMemory(memory: ScanMemory): void {
  let size = JSON.stringify(memory).length;
  while (size > MEMORY_BUDGET) {
    const recs = Object.values(memory.hits);
    if (recs.length === 0) return;
    const biggest = recs.reduce((a, b) => (b.t.length > a.t.length ? b : a));
    if (biggest.t.length > 1) biggest.t = biggest.t.slice(-Math.ceil(biggest.t.length / 2));
    else {
      for (const r of recs) r.last = clip(r.last, 60);
      if (JSON.stringify(memory).length > MEMORY_BUDGET) return;
    }
    size = JSON.stringify(memory).length;
  }
}

/** A signature's hits in its window: how many, and the record, for judging. */
export interface WindowHit {
  signature: LogSignature;
  record: HitRecord;
  count: number;
  /** count reached the signature's minCount. */
  counts: boolean;
}

export function hitsInWindow(memory: ScanMemory, signatures: readonly LogSignature[], now: number, windowMs: number): WindowHit[] {
  const out: WindowHit[] = [];
  for (const record of Object.values(memory.hits)) {
    const signature = signatures.find((s) => s.id === record.id);
    if (!signature) continue;
    const from = Math.floor((now - (signature.windowMs ?? windowMs)) / 1000);
    const count = record.t.filter((t) => t >= from).length;
    if (count === 0) continue;
    out.push({ signature, record, count, counts: count >= (signature.minCount ?? 1) });
  }
  return out;
}
