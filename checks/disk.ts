import { readFile, realpath, stat, statfs } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, resolve } from 'node:path';
import * as z from 'zod';
import type { Check, CheckContext, CheckResult } from '../src/contracts.ts';
import { durationUpTo } from '../src/config/schema.ts';
import { HOUR_MS, hysteresis, inAbout, trend, worse, type Level } from '../src/evaluate/trend.ts';
import { errorCode } from '../src/platform/net.ts';
import { formatBytes, sizeSchema } from '../src/util/size.ts';

// Free space and free inodes of the filesystems that hold OpenClaw's state (SQLite databases, sessions),
// its logs and clawmedic's own state file: a full disk breaks those before anything else shows. Each
// filesystem once (by device), with its fill rate (Theil-Sen over a window) and the time until full.

export const diskOptionsSchema = z
  .strictObject({
    /** OpenClaw's log directory (REFERENCE 4: /tmp/openclaw unless logging.file moves it). */
    logDir: z.string().min(1).default('/tmp/openclaw'),
    /** More directories to watch (each one's filesystem). */
    paths: z.array(z.string().min(1)).max(20).default([]),
    /** Used space in percent: WARN / CRIT (each cleared 5 points / 3 points lower). */
    warnPct: z.number().min(1).max(100).default(90),
    critPct: z.number().min(1).max(100).default(95),
    /** Used inodes in percent, likewise. */
    inodeWarnPct: z.number().min(1).max(100).default(90),
    inodeCritPct: z.number().min(1).max(100).default(95),
    /** The fill rate is taken over this window... */
    window: durationUpTo(7 * 86_400_000).refine((ms) => ms >= 10_000, 'at least 10s').default(HOUR_MS),
    /** ...WARN when full within this long, CRIT within critHorizon. */
    horizon: durationUpTo(30 * 86_400_000).default(6 * HOUR_MS),
    critHorizon: durationUpTo(30 * 86_400_000).default(HOUR_MS),
    /** Filling slower than this per hour is steady (no projection). */
    minFillPerHour: sizeSchema().default(1024 * 1024),
  })
  .refine((o) => o.warnPct <= o.critPct, { message: 'warnPct must not be above critPct', path: ['warnPct'] })
  .refine((o) => o.inodeWarnPct <= o.inodeCritPct, { message: 'inodeWarnPct must not be above inodeCritPct', path: ['inodeWarnPct'] })
  .refine((o) => o.critHorizon <= o.horizon, { message: 'critHorizon must not be longer than horizon', path: ['critHorizon'] });

export type DiskOptions = z.output<typeof diskOptionsSchema>;

export const diskCheck: Check = {
  id: 'disk',
  title: 'Free space and inodes for OpenClaw and clawmedic',
  defaults: { schedule: '1m', timeoutMs: 10_000, options: { logDir: '/tmp/openclaw', window: '1h', horizon: '6h', critHorizon: '1h' } },
  usesState: true,
  optionsSchema: diskOptionsSchema as unknown as z.ZodType<Record<string, unknown>>,
  run: (ctx) => measureDisks(ctx),
};

/** A directory to watch and the name its series and sentences use. */
interface Watched {
  /** Series key: letters, digits, underscore ("openclaw_state"). */
  key: string;
  /** For people: "~/.openclaw", "OpenClaw's logs /tmp/openclaw". */
  label: string;
  path: string;
}

export interface FsReading {
  dev: number;
  /** The first watched directory on it names its series. */
  key: string;
  labels: string[];
  /** The directory actually measured (the nearest existing one). */
  measured: string;
  mount?: string;
  totalBytes: number;
  /** Free to unprivileged users (df's Avail). */
  availBytes: number;
  usedPct: number;
  inodes?: { total: number; free: number; usedPct: number };
}

interface DiskState {
  levels?: Record<string, { space?: Level; inodes?: Level; eta?: Level }>;
}

/** For tests: statfs and the mount table can be replaced. */
export interface DiskProbeEnv {
  statfs?: (path: string) => Promise<{ bsize: number; blocks: number; bfree: number; bavail: number; files: number; ffree: number }>;
  mountinfo?: string;
}

export async function measureDisks(ctx: CheckContext, env: DiskProbeEnv = {}): Promise<CheckResult> {
  const parsed = diskOptionsSchema.safeParse(ctx.options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { status: 'unknown', summary: `invalid option ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}` };
  }
  const options = parsed.data;
  const watched: Watched[] = [
    { key: 'openclaw_state', label: tilde(ctx.target.openclawStateDir), path: ctx.target.openclawStateDir },
    { key: 'openclaw_logs', label: `OpenClaw's logs ${tilde(options.logDir)}`, path: options.logDir },
    ...(ctx.self ? [{ key: 'clawmedic_state', label: `clawmedic's state ${tilde(dirname(ctx.self.statePath))}`, path: dirname(ctx.self.statePath) }] : []),
    ...options.paths.map((p, i) => ({ key: `path${i + 1}`, label: tilde(p), path: p })),
  ];

  const mounts = env.mountinfo ?? (await readFile('/proc/self/mountinfo', 'utf8').catch(() => ''));
  const byDev = new Map<number, FsReading>();
  const problems: string[] = [];
  for (const w of watched) {
    if (ctx.signal.aborted) return { status: 'unknown', summary: 'check aborted while reading filesystems' };
    const r = await readFs(w, env, mounts).catch((err: unknown) => `${w.label}: ${describe(err)}`);
    if (typeof r === 'string') {
      problems.push(r);
      continue;
    }
    const seen = byDev.get(r.dev);
    if (seen) seen.labels.push(w.label);
    else byDev.set(r.dev, r);
  }
  const filesystems = [...byDev.values()];
  if (filesystems.length === 0) {
    return { status: 'unknown', summary: `cannot read any filesystem: ${problems.join('; ')}` };
  }

  const now = ctx.now();
  const previous = ctx.memory.get<DiskState>()?.levels ?? {};
  const levels: NonNullable<DiskState['levels']> = {};
  const metrics: Record<string, number> = {};
  const findings: Array<{ level: Level; text: string; fs: FsReading }> = [];
  const lines: string[] = [];

  for (const fs of filesystems) {
    const freeSeries = `disk.${fs.key}.free_bytes`;
    const inodeSeries = `disk.${fs.key}.free_inodes`;
    ctx.series.record(freeSeries, fs.availBytes, now);
    if (fs.inodes) ctx.series.record(inodeSeries, fs.inodes.free, now);
    metrics[`${fs.key}.freeBytes`] = fs.availBytes;
    metrics[`${fs.key}.usedPct`] = round1(fs.usedPct);
    if (fs.inodes) metrics[`${fs.key}.freeInodes`] = fs.inodes.free;

    const prev = previous[fs.key] ?? {};
    const space = hysteresis(prev.space, fs.usedPct, { warn: { raise: options.warnPct, clear: options.warnPct - 5 }, crit: { raise: options.critPct, clear: options.critPct - 3 } });
    const inodes = fs.inodes
      ? hysteresis(prev.inodes, fs.inodes.usedPct, {
          warn: { raise: options.inodeWarnPct, clear: options.inodeWarnPct - 5 },
          crit: { raise: options.inodeCritPct, clear: options.inodeCritPct - 3 },
        })
      : 'ok';

    // Filling: free space falls. Projected from the fitted free space now, so one burst does not decide it.
    // The floor of free space per twelfth of the window (its fullest moment): temporary files written and
    // removed are a sawtooth, not a fill; at least half a window of samples before a rate is trusted.
    const t = trend(ctx.series.points(freeSeries, now - options.window), { now, windowMs: options.window, floorBucketMs: options.window / 12, minSpanMs: options.window / 2, steady: true });
    const fillPerHour = t.ok ? -t.slopePerHour : 0;
    const filling = t.ok && fillPerHour >= options.minFillPerHour;
    const eta = filling && t.ok ? Math.max(0, t.level) / -t.slopePerMs : undefined;
    if (eta !== undefined) metrics[`${fs.key}.secondsToFull`] = Math.round(eta / 1000);
    if (t.ok) metrics[`${fs.key}.fillBytesPerHour`] = Math.round(fillPerHour) || 0;
    const etaLevel = t.ok
      ? hysteresis(prev.eta, eta ?? Number.MAX_VALUE, { warn: { raise: options.horizon, clear: options.horizon * 1.25 }, crit: { raise: options.critHorizon, clear: options.critHorizon * 1.5 } }, false)
      : 'ok';
    levels[fs.key] = { space, inodes, eta: etaLevel };

    const where = `the filesystem of ${fs.labels.join(', ')}${fs.mount ? ` (${fs.mount})` : ''}`;
    const fill = filling ? `, filling ${formatBytes(fillPerHour)}/h` : '';
    const full = eta !== undefined ? `: full ${inAbout(eta)}` : '';
    const level = worse(worse(space, etaLevel), inodes);
    const inodeText = fs.inodes && inodes !== 'ok' ? `; inodes ${Math.round(fs.inodes.usedPct)} % used (${fs.inodes.free} free)` : '';
    lines.push(`${fs.mount ?? fs.measured} ${Math.round(fs.usedPct)} % used, ${formatBytes(fs.availBytes)} free${fill} (${fs.labels.join(', ')})`);
    if (level !== 'ok') findings.push({ level, fs, text: `${where} is ${Math.round(fs.usedPct)} % full (${formatBytes(fs.availBytes)} free)${fill}${full}${inodeText}` });
  }
  ctx.memory.set({ levels } satisfies DiskState);

  const details = {
    filesystems: filesystems.map((f) => ({ labels: f.labels, mount: f.mount, measured: f.measured, totalBytes: f.totalBytes, availBytes: f.availBytes, usedPct: round1(f.usedPct), inodes: f.inodes })),
    ...(problems.length ? { problems } : {}),
  };
  if (findings.length === 0) {
    const note = problems.length ? `; not read: ${problems.join('; ')}` : '';
    return { status: 'ok', summary: lines.join('; ') + note, metrics, details };
  }
  findings.sort((a, b) => (a.level === b.level ? a.fs.availBytes - b.fs.availBytes : a.level === 'crit' ? -1 : 1));
  const status = findings[0]!.level;
  return {
    status,
    summary: findings.map((f) => f.text).join('; '),
    diagnosis:
      `${lines.join('; ')}. A full disk breaks OpenClaw's SQLite state (sessions, agent databases: /readyz then fails with state-database or agent-database) ` +
      "and its logs before anything else shows, and stops clawmedic's state file from being written.",
    remedy:
      `See what grows: \`du -xh --max-depth=2 ${findings[0]!.fs.measured} | sort -h | tail\`. OpenClaw's logs rotate daily and at logging.maxFileBytes (100 MB, 5 archives): ` +
      `old ones in ${tilde(options.logDir)} can go; stability bundles in ~/.openclaw/logs/stability/ and caches in ~/.openclaw/cache/ may be removed. ` +
      'Do not delete state/*.sqlite* or tmp/openclaw-*/…lock.sqlite while the gateway runs. `journalctl --vacuum-size=200M` trims the journal.',
    metrics,
    details,
  };
}

async function readFs(w: Watched, env: DiskProbeEnv, mounts: string): Promise<FsReading> {
  const measured = await nearestExisting(resolve(w.path));
  const [info, fs] = await Promise.all([stat(measured), (env.statfs ?? statfs)(measured)]);
  const { bsize, blocks, bfree, bavail, files, ffree } = fs;
  if (![bsize, blocks, bfree, bavail, files, ffree].every((n) => Number.isFinite(n) && n >= 0)) throw new Error('statfs gave a value that is not a number');
  const totalBytes = blocks * bsize;
  const used = (blocks - bfree) * bsize;
  const availBytes = bavail * bsize;
  // As df computes Use%: used over what users can have (root's reserve left out).
  const usedPct = used + availBytes > 0 ? (used / (used + availBytes)) * 100 : 0;
  const real = await realpath(measured).catch(() => measured);
  const mount = mountPointOf(real, mounts);
  return {
    dev: Number(info.dev),
    key: w.key,
    labels: [w.label],
    measured,
    ...(mount ? { mount } : {}),
    totalBytes,
    availBytes,
    usedPct,
    // Filesystems without an inode limit (btrfs, some FUSE) report 0 inodes.
    ...(files > 0 ? { inodes: { total: files, free: ffree, usedPct: ((files - ffree) / files) * 100 } } : {}),
  };
}

/** The directory itself or its nearest existing ancestor: a state dir not made yet still has a filesystem. */
async function nearestExisting(path: string): Promise<string> {
  let p = path;
  for (;;) {
    try {
      await stat(p);
      return p;
    } catch (err) {
      const parent = dirname(p);
      if (errorCode(err) !== 'ENOENT' || parent === p) throw err;
      p = parent;
    }
  }
}

/** The longest mount point in /proc/self/mountinfo that holds the path. */
export function mountPointOf(path: string, mountinfo: string): string | undefined {
  let best: string | undefined;
  for (const line of mountinfo.split('\n')) {
    const field = line.split(' ')[4];
    if (!field) continue;
    const mount = field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
    const inside = mount === '/' || path === mount || path.startsWith(`${mount}/`);
    if (inside && (!best || mount.length > best.length)) best = mount;
  }
  return best;
}

function tilde(path: string): string {
  const home = homedir();
  return home && home !== '/' && (path === home || path.startsWith(`${home}/`)) ? `~${path.slice(home.length)}` : path;
}

function describe(err: unknown): string {
  const code = errorCode(err);
  return code ? `${(err as Error).message}` : String((err as Error)?.message ?? err);
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
