// Removes OpenClaw's disposable caches, and nothing else. OpenClaw has no cache command (REFERENCE 5.1);
// its caches are <state dir>/cache/control-ui-assets (UI assets, re-extracted at start) and
// cache/shell-snapshots. Every path is resolved (the real path of its parent, the entry itself by lstat)
// and must lie strictly inside <state dir>/cache before anything is deleted; the deletion never follows a
// symbolic link. State databases, locks, credentials and openclaw.json are refused wherever they appear.
import { lstat, readdir, readlink, realpath, rmdir, unlink } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';
import type { StepResult } from './step-result.ts';

export const DEFAULT_CACHE_PATHS = ['cache/control-ui-assets', 'cache/shell-snapshots'] as const;

export interface ClearCacheOptions {
  stateDir: string;
  /** Absolute, or relative to the state dir (default DEFAULT_CACHE_PATHS). */
  paths?: readonly string[];
  /** Say what would be removed, remove nothing. */
  dryRun?: boolean;
  /** Entries a path may hold before it is refused as not a cache (default 200,000). */
  maxEntries?: number;
}

export interface Refusal {
  path: string;
  reason: string;
}

export interface ClearCacheResult extends StepResult {
  /** Removed (or, in a dry run, that would be). */
  removed: string[];
  refused: Refusal[];
  /** Not there: nothing to do, not a failure. */
  missing: string[];
  dryRun: boolean;
}

/** Names never removed, wherever they are: what OpenClaw cannot rebuild, or needs while it runs. */
const PROTECTED: { re: RegExp; what: string }[] = [
  { re: /\.sqlite(?:3)?(?:-wal|-shm|-journal)?$|\.db(?:-wal|-shm|-journal)?$/i, what: 'a state database' },
  { re: /\.lock(?:\.sqlite)?$|^lock$|\.pid$/i, what: 'a lock' },
  { re: /^openclaw\.json/i, what: "OpenClaw's config" },
  // Exact names: the Control UI's own assets are called credential-editor-*.js, secrets-page-*.css, *-identity-view-*.js.
  { re: /^(?:credentials?|secrets?|tokens?|identity|devices)(?:\.json)?$|^auth-profiles\.json$|^\.env$|\.(?:pem|key|p12|pfx)$|^id_(?:rsa|ecdsa|ed25519|dsa)$/i, what: 'credentials' },
];

type Plan = { kind: 'remove'; path: string; entries: number } | { kind: 'missing'; path: string } | { kind: 'refused'; path: string; reason: string };

/** Removes the given caches. ok:false when any path was refused (the others are still removed). Never throws. */
export async function clearCaches(opts: ClearCacheOptions): Promise<ClearCacheResult> {
  const dryRun = opts.dryRun ?? false;
  const paths = opts.paths ?? DEFAULT_CACHE_PATHS;
  const removed: string[] = [];
  const refused: Refusal[] = [];
  const missing: string[] = [];
  const failed: string[] = [];
  const root = await cacheRoot(opts.stateDir);
  for (const given of paths) {
    const plan = await planOne(given, opts.stateDir, root, opts.maxEntries ?? 200_000).catch(
      (err: unknown): Plan => ({ kind: 'refused', path: given, reason: `cannot inspect it: ${(err as Error).message}` }),
    );
    if (plan.kind === 'refused') refused.push({ path: plan.path, reason: plan.reason });
    else if (plan.kind === 'missing') missing.push(plan.path);
    else if (dryRun) removed.push(plan.path);
    else {
      try {
        await removeTree(plan.path);
        removed.push(plan.path);
      } catch (err) {
        failed.push(`${plan.path}: ${(err as Error).message}`);
      }
    }
  }
  const ok = refused.length === 0 && failed.length === 0;
  const parts = [
    removed.length > 0 ? `${dryRun ? 'would remove' : 'removed'} ${removed.join(', ')}` : `${dryRun ? 'would remove' : 'removed'} nothing`,
    ...(missing.length > 0 ? [`${missing.length} not there`] : []),
    ...refused.map((r) => `refused ${r.path}: ${r.reason}`),
    ...failed.map((f) => `could not remove ${f}`),
  ];
  return {
    ok,
    summary: parts.join('; '),
    removed,
    refused,
    missing,
    dryRun,
    details: { removed, refused, missing, ...(failed.length > 0 ? { failed } : {}), dryRun },
  };
}

type Root = { ok: true; path: string } | { ok: false; reason: string; missing: boolean };

/** The real path of <state dir>/cache; refused when it is a symlink (it would take the deletion elsewhere). */
async function cacheRoot(stateDir: string): Promise<Root> {
  let real: string;
  try {
    real = await realpath(stateDir);
  } catch {
    return { ok: false, reason: `the state dir ${stateDir} does not exist`, missing: true };
  }
  const path = join(real, 'cache');
  const st = await lstat(path).catch(() => undefined);
  if (!st) return { ok: false, reason: `${path} does not exist`, missing: true };
  if (st.isSymbolicLink()) return { ok: false, reason: `${path} is a symbolic link: not followed`, missing: false };
  if (!st.isDirectory()) return { ok: false, reason: `${path} is not a directory`, missing: false };
  return { ok: true, path };
}

async function planOne(given: string, stateDir: string, root: Root, maxEntries: number): Promise<Plan> {
  const refuse = (reason: string): Plan => ({ kind: 'refused', path: given, reason });
  if (given.includes('\0')) return refuse('it holds a NUL character');
  if (given.split(/[\\/]/).includes('..')) return refuse('`..` in the path');
  const lexical = normalize(isAbsolute(given) ? given : join(resolve(stateDir), given));
  const protectedName = protectedWhat(relative(resolve(stateDir), lexical));
  if (protectedName) return refuse(`it is ${protectedName}`);
  if (!root.ok) {
    // Nothing can be inside a cache dir that is not there; a path meant for elsewhere is still a mistake to say.
    if (root.missing && inside(join(resolve(stateDir), 'cache'), lexical)) return { kind: 'missing', path: given };
    return refuse(root.missing ? `outside ${join(resolve(stateDir), 'cache')}` : root.reason);
  }

  let parent: string;
  try {
    parent = await realpath(dirname(lexical));
  } catch {
    return inside(root.path, lexical) || inside(join(resolve(stateDir), 'cache'), lexical)
      ? { kind: 'missing', path: given }
      : refuse(`outside ${root.path}`);
  }
  const entry = join(parent, basename(lexical));
  if (entry === root.path) return refuse('it is the cache root itself');
  if (!inside(root.path, entry)) return refuse(`it resolves to ${entry}, outside ${root.path}`);
  const what = protectedWhat(relative(root.path, entry));
  if (what) return refuse(`it is ${what}`);

  const st = await lstat(entry).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (!st) return { kind: 'missing', path: given };
  if (st.isSymbolicLink()) {
    const target = resolve(parent, await readlink(entry));
    const real = await realpath(target).catch(() => target);
    // Removing the link itself never touches its target; a link out of the cache is still not ours to judge.
    return inside(root.path, real) ? { kind: 'remove', path: entry, entries: 1 } : refuse(`it is a symbolic link to ${real}, outside ${root.path}`);
  }
  if (!st.isDirectory()) return { kind: 'remove', path: entry, entries: 1 };
  const walked = await walk(entry, maxEntries);
  if ('reason' in walked) return refuse(walked.reason);
  return { kind: 'remove', path: entry, entries: walked.entries };
}

/** Whether `path` lies strictly inside `dir` (both absolute and normalised). */
function inside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

/** What a protected name in a relative path is ("a state database"), or undefined. */
function protectedWhat(rel: string): string | undefined {
  for (const segment of rel.split(sep)) {
    const hit = PROTECTED.find((p) => p.re.test(segment));
    if (hit) return hit.what;
  }
  return undefined;
}

/** Counts a directory's entries without following links, refusing one that holds a protected name. */
async function walk(dir: string, maxEntries: number): Promise<{ entries: number } | { reason: string }> {
  let entries = 0;
  const stack = [dir];
  while (stack.length > 0) {
    const current = stack.pop()!;
    for (const d of await readdir(current, { withFileTypes: true })) {
      entries++;
      if (entries > maxEntries) return { reason: `it holds more than ${maxEntries} entries: not a cache` };
      const what = protectedWhat(d.name);
      if (what) return { reason: `it holds ${join(current, d.name)}, ${what}` };
      if (d.isDirectory()) stack.push(join(current, d.name));
    }
  }
  return { entries };
}

/** Deletes a file, a symlink (the link only) or a directory tree, deciding each entry by lstat. */
async function removeTree(path: string): Promise<void> {
  const st = await lstat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (!st) return;
  if (!st.isDirectory()) {
    await unlink(path);
    return;
  }
  for (const name of await readdir(path)) await removeTree(join(path, name));
  await rmdir(path);
}
