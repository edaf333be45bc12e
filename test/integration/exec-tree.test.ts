// execFileGroup at a deadline: the process group is killed, and with killTree the descendants that left it
// (setsid, as the openclaw CLI's worker does) are found through /proc and killed too. Real processes.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { execFileGroup } from '../../src/platform/exec.ts';
import { isProcessAlive } from '../../src/platform/process.ts';
import { processTree } from '../../src/platform/process-tree.ts';

const onLinux = process.platform === 'linux';

// The leader starts a child in a session of its own that ignores SIGTERM, prints its pid, then either
// hangs or exits at once.
const LEADER = `
const { spawn } = require('node:child_process');
const worker = spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)"], { detached: true, stdio: 'ignore' });
process.stdout.write('WORKER ' + worker.pid + '\\n');
if (process.argv[1] === 'hang') setInterval(() => {}, 1000); else { worker.unref(); process.exit(0); }
`;

const started: number[] = [];
afterEach(() => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone, as it should be.
    }
  }
});

async function run(mode: 'hang' | 'exit', killTree: boolean, timeoutMs: number) {
  const res = await execFileGroup(process.execPath, ['-e', LEADER, mode], { timeoutMs, killTree });
  const pid = Number(/WORKER (\d+)/.exec(res.stdout)?.[1]);
  expect(pid).toBeGreaterThan(1);
  started.push(pid);
  return { res, pid };
}

async function goneWithin(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!isProcessAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !isProcessAlive(pid);
}

describe.runIf(onLinux)('execFileGroup and descendants outside the process group', () => {
  it('with killTree, a timed-out command takes its setsid worker with it, even one that ignores SIGTERM', async () => {
    const { res, pid } = await run('hang', true, 800);
    expect(res.timedOut).toBe(true);
    expect(await goneWithin(pid, 4_000)).toBe(true);
  });

  it('without killTree (a service manager: pm2 start leaves its daemon), the worker outside the group is left alone', async () => {
    const { res, pid } = await run('hang', false, 800);
    expect(res.timedOut).toBe(true);
    await new Promise((r) => setTimeout(r, 2_500));
    expect(isProcessAlive(pid)).toBe(true);
  });

  it('a command that finishes in time leaves what it started running, killTree or not', async () => {
    const { res, pid } = await run('exit', true, 10_000);
    expect(res).toMatchObject({ code: 0, timedOut: false });
    await new Promise((r) => setTimeout(r, 500));
    expect(isProcessAlive(pid)).toBe(true);
  });

  it('when clawmedic exits in the middle of a run, the setsid worker of a killTree command goes with the group', async () => {
    const exec = fileURLToPath(new URL('../../src/platform/exec.ts', import.meta.url));
    // A clawmedic stand-in: starts the command, then exits in the middle of it.
    const script = `
      const { execFileGroup } = await import(${JSON.stringify(exec)});
      void execFileGroup(process.execPath, ['-e', ${JSON.stringify(LEADER)}, 'hang'], { timeoutMs: 60_000, killTree: true, onSpawn: () => {} });
      setTimeout(() => process.exit(0), 1_500);
    `;
    const host = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => host.once('exit', (code) => resolve(code)));
    // The worker is the only process whose parent is the command's leader, the host's only child.
    let workerPid: number | undefined;
    const deadline = Date.now() + 5_000;
    while (workerPid === undefined && Date.now() < deadline) {
      const tree = processTree(host.pid!);
      if (tree.length >= 3) workerPid = tree[2]!.pid;
      else await new Promise((r) => setTimeout(r, 50));
    }
    expect(workerPid).toBeTypeOf('number');
    started.push(workerPid!);
    expect(await exited).toBe(0);
    expect(await goneWithin(workerPid!, 3_000)).toBe(true);
  });
});
