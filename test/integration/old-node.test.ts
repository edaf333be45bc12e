// The installed `clawmedic` command (bin/clawmedic.cjs) under a Node older than 24: one line saying what
// it needs, what it found and how to run it, never a stack trace from a dependency. The build machines'
// system Node (20) is the older Node.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/clawmedic.cjs', import.meta.url));

function majorOf(node: string): number {
  return Number(execFileSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8', timeout: 10_000 }).split('.')[0]);
}

/** The first Node on this machine older than 24 (the system one), outside the project's node_modules. */
function olderNode(): string {
  const candidates = ['/usr/bin/node', '/usr/local/bin/node', '/bin/node'].filter((p) => existsSync(p));
  const found = candidates.find((p) => majorOf(p) < 24);
  if (!found) throw new Error(`this test needs a Node older than 24 outside node_modules (looked at ${candidates.join(', ') || 'none'}); the build machines' system Node is 20`);
  return found;
}

function run(node: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(node, [BIN, ...args], { timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: unknown }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

describe('the clawmedic command under an older Node', () => {
  it.each([
    [['--help'], 1],
    [['run'], 1],
    [['check', 'gateway.port'], 3],
  ])('%j: one line naming the versions and the way out, exit %i', async (args, code) => {
    const node = olderNode();
    const r = await run(node, args);
    expect(r.code).toBe(code);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^clawmedic: needs Node\\.js 24 or newer, but this is Node ${majorOf(node)}\\.\\d+\\.\\d+ \\(${node}\\); `));
    expect(lines[0]).toMatch(/node_modules\/\.bin\/node .*bin\/clawmedic\.cjs|install Node\.js 24/);
  });

  it('runs normally under Node 24', async () => {
    const r = await run(process.execPath, ['--version']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
