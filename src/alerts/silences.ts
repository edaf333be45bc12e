import { randomUUID } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import * as z from 'zod';
import { writePrivateFile } from '../util/write-private.ts';

export interface Silence {
  id: string;
  /** Checks it covers; empty covers all. */
  checks: string[];
  /** ISO time it ends. */
  until: string;
  reason?: string;
  createdBy?: string;
  /** ISO time it was made. */
  createdAt: string;
}

/** Where the router gets the silences in force; SilenceFile is the real one. */
export interface SilenceSource {
  /** The file it reads, when it is one (named in fault reports). */
  readonly path?: string;
  current(now: number): Promise<Silence[]>;
}

const silenceSchema = z.object({
  id: z.string().min(1),
  checks: z.array(z.string()),
  until: z.string().refine((s) => Number.isFinite(Date.parse(s)), 'not an ISO time'),
  reason: z.string().optional(),
  createdBy: z.string().optional(),
  createdAt: z.string(),
});
const fileSchema = z.object({ version: z.literal(1), silences: z.array(silenceSchema) });

export function isActive(silence: Silence, now: number): boolean {
  return Date.parse(silence.until) > now;
}

export function covers(silence: Silence, checkId: string): boolean {
  return silence.checks.length === 0 || silence.checks.includes(checkId);
}

export interface NewSilence {
  checks?: string[];
  until: Date | number | string;
  reason?: string;
  createdBy?: string;
}

/**
 * Silences live in their own small file beside the state file, not in the state file: the CLI
 * (`clawmedic silence`) writes it while the agent runs, and the agent only ever reads it, so neither
 * overwrites the other's changes. Writes replace the file atomically; readers re-read it only when
 * it changed (one stat per evaluation).
 */
export class SilenceFile implements SilenceSource {
  readonly path: string;
  private readonly now: () => number;
  private cacheKey: string | undefined;
  private cache: Silence[] = [];

  constructor(path: string, options: { now?: () => number } = {}) {
    this.path = path;
    this.now = options.now ?? Date.now;
  }

  /** Every silence in the file, expired ones included. A missing file has none; a bad one throws. */
  async load(): Promise<Silence[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new Error(`cannot read silences file ${this.path}: ${(err as Error).message}`);
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (err) {
      throw new Error(`silences file ${this.path} is not valid JSON: ${(err as Error).message}`);
    }
    const parsed = fileSchema.safeParse(data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`silences file ${this.path}: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`);
    }
    return parsed.data.silences.map(clean);
  }

  /** Silences in force now. */
  async list(): Promise<Silence[]> {
    const now = this.now();
    return (await this.load()).filter((s) => isActive(s, now));
  }

  async add(input: NewSilence): Promise<Silence> {
    const now = this.now();
    const until = new Date(input.until).getTime();
    if (!Number.isFinite(until)) throw new Error(`silence end "${String(input.until)}" is not a time`);
    if (until <= now) throw new Error(`silence end ${new Date(until).toISOString()} is not in the future`);
    const silence: Silence = {
      id: randomUUID().slice(0, 8),
      checks: [...new Set(input.checks ?? [])],
      until: new Date(until).toISOString(),
      createdAt: new Date(now).toISOString(),
    };
    if (input.reason) silence.reason = input.reason;
    if (input.createdBy) silence.createdBy = input.createdBy;
    const kept = await this.list();
    await this.write([...kept, silence]);
    return silence;
  }

  /**
   * Removes silences: the one with this id, those covering any of these checks, or all when the
   * filter is empty. Returns the removed ones (expired ones are pruned silently).
   */
  async clear(filter: { id?: string; checks?: string[] } = {}): Promise<Silence[]> {
    const all = filter.id === undefined && (filter.checks === undefined || filter.checks.length === 0);
    let active: Silence[];
    try {
      active = await this.list();
    } catch (err) {
      // Clearing all of them is how a damaged file is mended: nothing in it can be trusted anyway.
      if (!all) throw new Error(`${(err as Error).message}; \`clawmedic silence clear\` (without checks or --id) replaces it with an empty one`);
      await this.write([]);
      return [];
    }
    const matches = (s: Silence): boolean =>
      all || s.id === filter.id || (filter.checks ?? []).some((c) => s.checks.includes(c));
    const removed = active.filter(matches);
    await this.write(active.filter((s) => !matches(s)));
    return removed;
  }

  /** Silences in force at `now`, re-reading the file only when it changed. */
  async current(now: number): Promise<Silence[]> {
    let key: string;
    try {
      const st = await stat(this.path);
      // The CLI replaces the file (a new inode); mtime and size catch an editor that rewrites it in place.
      key = `${st.ino}:${st.mtime.getTime()}:${st.size}`;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      key = 'missing';
    }
    if (key !== this.cacheKey) {
      this.cache = key === 'missing' ? [] : await this.load();
      this.cacheKey = key;
    }
    return this.cache.filter((s) => isActive(s, now));
  }

  private async write(silences: Silence[]): Promise<void> {
    // 0600 like the state file: reasons and names of who silenced what are nobody else's business.
    await writePrivateFile(this.path, `${JSON.stringify({ version: 1, silences }, null, 2)}\n`);
  }
}

// Optional fields stay absent rather than empty, so a rewrite of the file does not grow noise.
function clean(s: z.infer<typeof silenceSchema>): Silence {
  const out: Silence = { id: s.id, checks: s.checks, until: s.until, createdAt: s.createdAt };
  if (s.reason) out.reason = s.reason;
  if (s.createdBy) out.createdBy = s.createdBy;
  return out;
}
