import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireLock, lockHolder } from '../../src/recovery/lock.ts';

let dir: string;
let path: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clawmedic-lock-'));
  path = join(dir, 'clawmedic.recovery.lock');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const opts = () => ({ now: Date.now(), maxAgeMs: 600_000 });

describe('recovery lock', () => {
  it('lets one holder in at a time and names the holder to the next', async () => {
    const first = await acquireLock(path, 'agent', opts());
    expect(first.acquired).toBe(true);
    const second = await acquireLock(path, 'cli', opts());
    expect(second).toMatchObject({ acquired: false, owner: { pid: process.pid, by: 'agent' } });
    expect(second.acquired ? '' : second.reason).toMatch(/already running \(agent, pid \d+/);
    if (first.acquired) await first.release();
    const third = await acquireLock(path, 'cli', opts());
    expect(third.acquired).toBe(true);
    if (third.acquired) await third.release();
    expect(await lockHolder(path, opts())).toBeUndefined();
  });

  it('holds against another live process, and is taken over once that process is gone', async () => {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e6)'], { stdio: 'ignore' });
    try {
      await writeFile(path, JSON.stringify({ pid: child.pid, host: hostname(), since: Date.now(), by: 'agent' }));
      const held = await acquireLock(path, 'cli', opts());
      expect(held).toMatchObject({ acquired: false, owner: { pid: child.pid } });
    } finally {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
    const taken = await acquireLock(path, 'cli', opts());
    expect(taken.acquired).toBe(true);
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ pid: process.pid, by: 'cli' });
  });

  it('takes over a lock older than the longest runbook, and an unreadable one', async () => {
    await writeFile(path, JSON.stringify({ pid: process.ppid, host: hostname(), since: Date.now() - 700_000, by: 'agent' }));
    expect((await acquireLock(path, 'agent', opts())).acquired).toBe(true);
    await rm(path);
    await writeFile(path, '{"pid": 12');
    expect((await acquireLock(path, 'agent', opts())).acquired).toBe(true);
  });

  it('release leaves a lock that another process took over alone', async () => {
    const mine = await acquireLock(path, 'agent', opts());
    expect(mine.acquired).toBe(true);
    await writeFile(path, JSON.stringify({ pid: process.ppid, host: hostname(), since: Date.now(), by: 'cli' }));
    if (mine.acquired) await mine.release();
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ by: 'cli' });
  });

  it('says why when the lock cannot be created', async () => {
    const result = await acquireLock(join(dir, 'missing', 'x.lock'), 'agent', opts());
    expect(result).toMatchObject({ acquired: false });
    expect(result.acquired ? '' : result.reason).toMatch(/cannot create the recovery lock .*ENOENT|no such file/);
  });
});
