import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clearCaches } from '../../src/recovery/clear-cache.ts';

let base: string;
let stateDir: string;
let outside: string;

/** A state dir laid out like a real one (measured on 2026.9.6), and a directory beside it that must survive. */
beforeEach(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), 'clawmedic-cache-')));
  stateDir = join(base, '.openclaw');
  outside = join(base, 'precious');
  await mkdir(join(stateDir, 'cache', 'control-ui-assets', 'c2ef', 'assets'), { recursive: true });
  await mkdir(join(stateDir, 'cache', 'shell-snapshots'), { recursive: true });
  await mkdir(join(stateDir, 'state'), { recursive: true });
  await mkdir(join(stateDir, 'tmp', 'openclaw-0'), { recursive: true });
  await mkdir(outside);
  // The real Control UI's assets carry words a loose credential filter would stop at.
  for (const f of ['index-3f9a.js', 'credential-editor-CGPN0vPh.js', 'secrets-page-FR-NE8LW.css', 'github-identity-view-DV2w.js.br']) {
    await writeFile(join(stateDir, 'cache', 'control-ui-assets', 'c2ef', 'assets', f), 'x');
  }
  await writeFile(join(stateDir, 'cache', 'shell-snapshots', 'snap-1.sh'), 'x');
  await writeFile(join(stateDir, 'state', 'openclaw.sqlite'), 'db');
  await writeFile(join(stateDir, 'tmp', 'openclaw-0', 'gateway.state.lock'), '{}');
  await writeFile(join(stateDir, 'openclaw.json'), '{}');
  await writeFile(join(outside, 'keep.txt'), 'keep');
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('clearCaches', () => {
  it('removes the default caches (control-ui-assets, shell-snapshots) and nothing else', async () => {
    const r = await clearCaches({ stateDir });
    expect(r.ok).toBe(true);
    expect(r.removed).toEqual([join(stateDir, 'cache', 'control-ui-assets'), join(stateDir, 'cache', 'shell-snapshots')]);
    expect(existsSync(join(stateDir, 'cache', 'control-ui-assets'))).toBe(false);
    expect(existsSync(join(stateDir, 'cache'))).toBe(true);
    expect(existsSync(join(stateDir, 'state', 'openclaw.sqlite'))).toBe(true);
    expect(existsSync(join(stateDir, 'openclaw.json'))).toBe(true);
  });

  it('a dry run names what it would remove and removes nothing', async () => {
    const r = await clearCaches({ stateDir, dryRun: true });
    expect(r.ok).toBe(true);
    expect(r.dryRun).toBe(true);
    expect(r.removed).toHaveLength(2);
    expect(r.summary).toMatch(/^would remove /);
    expect(existsSync(join(stateDir, 'cache', 'control-ui-assets', 'c2ef', 'assets', 'index-3f9a.js'))).toBe(true);
  });

  it('a missing cache is fine: nothing to do, not a failure', async () => {
    await rm(join(stateDir, 'cache'), { recursive: true });
    const r = await clearCaches({ stateDir });
    expect(r.ok).toBe(true);
    expect(r.missing).toEqual(['cache/control-ui-assets', 'cache/shell-snapshots']);
    expect((await clearCaches({ stateDir: join(base, 'no-such') })).ok).toBe(true);
  });

  it('refuses `..`, an absolute path outside, and the cache root itself', async () => {
    const r = await clearCaches({
      stateDir,
      paths: ['cache/../../precious', outside, join(stateDir, 'cache'), 'cache', `${stateDir}/cache/`, '/'],
    });
    expect(r.ok).toBe(false);
    expect(r.removed).toEqual([]);
    const reasons = Object.fromEntries(r.refused.map((x) => [x.path, x.reason]));
    expect(reasons['cache/../../precious']).toMatch(/`\.\.`/);
    expect(reasons[outside]).toMatch(/outside/);
    expect(reasons[join(stateDir, 'cache')]).toMatch(/cache root itself/);
    expect(reasons.cache).toMatch(/cache root itself/);
    expect(reasons[`${stateDir}/cache/`]).toMatch(/cache root itself/);
    expect(reasons['/']).toMatch(/outside/);
    expect(existsSync(join(outside, 'keep.txt'))).toBe(true);
  });

  it('refuses a symlink that points out of the cache, and a path that goes out through a symlinked directory', async () => {
    await symlink(outside, join(stateDir, 'cache', 'escape'));
    await symlink(join(stateDir, 'state'), join(stateDir, 'cache', 'statelink'));
    const r = await clearCaches({ stateDir, paths: ['cache/escape', 'cache/escape/keep.txt', 'cache/statelink/openclaw.sqlite', 'cache/statelink'] });
    expect(r.ok).toBe(false);
    expect(r.removed).toEqual([]);
    expect(r.refused.map((x) => x.path)).toEqual(['cache/escape', 'cache/escape/keep.txt', 'cache/statelink/openclaw.sqlite', 'cache/statelink']);
    expect(r.refused[0]!.reason).toMatch(/symbolic link to .*precious, outside/);
    expect(r.refused[1]!.reason).toMatch(/resolves to .*precious.*outside/);
    expect(existsSync(join(outside, 'keep.txt'))).toBe(true);
    expect(existsSync(join(stateDir, 'state', 'openclaw.sqlite'))).toBe(true);
  });

  it('refuses a cache directory that is itself a symlink', async () => {
    await rm(join(stateDir, 'cache'), { recursive: true });
    await mkdir(join(outside, 'cache-elsewhere', 'control-ui-assets'), { recursive: true });
    await symlink(join(outside, 'cache-elsewhere'), join(stateDir, 'cache'));
    const r = await clearCaches({ stateDir });
    expect(r.ok).toBe(false);
    expect(r.refused[0]!.reason).toMatch(/symbolic link: not followed/);
    expect(existsSync(join(outside, 'cache-elsewhere', 'control-ui-assets'))).toBe(true);
  });

  it('never deletes through a symlink inside a cache it clears: the link goes, its target stays', async () => {
    await mkdir(join(stateDir, 'cache', 'shell-snapshots', 'sub'));
    await symlink(join(stateDir, 'cache', 'control-ui-assets'), join(stateDir, 'cache', 'shell-snapshots', 'sub', 'to-assets'));
    const r = await clearCaches({ stateDir, paths: ['cache/shell-snapshots'] });
    expect(r.ok).toBe(true);
    expect(existsSync(join(stateDir, 'cache', 'shell-snapshots'))).toBe(false);
    expect(existsSync(join(stateDir, 'cache', 'control-ui-assets', 'c2ef', 'assets', 'index-3f9a.js'))).toBe(true);
  });

  it('refuses state databases, locks, credentials and openclaw.json by name, inside the cache or beside it', async () => {
    await writeFile(join(stateDir, 'cache', 'agent.sqlite-wal'), 'x');
    await writeFile(join(stateDir, 'cache', 'gateway.a493d9f7.lock'), 'x');
    await writeFile(join(stateDir, 'cache', 'auth-profiles.json'), 'x');
    const r = await clearCaches({
      stateDir,
      paths: ['cache/agent.sqlite-wal', 'cache/gateway.a493d9f7.lock', 'cache/auth-profiles.json', 'openclaw.json', 'state/openclaw.sqlite', 'tmp/openclaw-0/gateway.state.lock'],
    });
    expect(r.ok).toBe(false);
    expect(r.removed).toEqual([]);
    expect(r.refused.map((x) => x.reason)).toEqual([
      'it is a state database',
      'it is a lock',
      'it is credentials',
      "it is OpenClaw's config",
      'it is a state database',
      'it is a lock',
    ]);
    expect(existsSync(join(stateDir, 'cache', 'agent.sqlite-wal'))).toBe(true);
  });

  it('refuses a whole cache directory that holds a database, and clears the others', async () => {
    await writeFile(join(stateDir, 'cache', 'shell-snapshots', 'index.sqlite'), 'x');
    const r = await clearCaches({ stateDir });
    expect(r.ok).toBe(false);
    expect(r.removed).toEqual([join(stateDir, 'cache', 'control-ui-assets')]);
    expect(r.refused[0]).toEqual({ path: 'cache/shell-snapshots', reason: expect.stringMatching(/holds .*index\.sqlite, a state database/) });
    expect(existsSync(join(stateDir, 'cache', 'shell-snapshots', 'index.sqlite'))).toBe(true);
  });

  it('refuses a path outside the state dir even when its name looks like a cache', async () => {
    await mkdir(join(outside, 'cache', 'control-ui-assets'), { recursive: true });
    const r = await clearCaches({ stateDir, paths: [join(outside, 'cache', 'control-ui-assets'), 'cache/../cache/control-ui-assets', 'bad\0name'] });
    expect(r.refused.map((x) => x.reason)).toEqual([expect.stringMatching(/outside/), expect.stringMatching(/`\.\.`/), expect.stringMatching(/NUL/)]);
    expect(existsSync(join(outside, 'cache', 'control-ui-assets'))).toBe(true);
  });
});
