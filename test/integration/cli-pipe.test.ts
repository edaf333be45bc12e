// `clawmedic ... | head`: the reader goes away after the first line. The command ends quietly, with its
// own exit code, and no stack trace.
import { spawn } from 'node:child_process';
import { expect, it } from 'vitest';
import { CLI_ENTRY } from '../fixtures/cli.ts';

it('a reader that closes the pipe early gets no stack trace, and the exit code is the command\'s', async () => {
  const child = spawn(process.execPath, [CLI_ENTRY, 'config', 'schema'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  // Like `head -1` on a reader that is already gone: our end is closed before the CLI writes a byte.
  child.stdout.destroy();
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  expect(stderr).not.toMatch(/EPIPE|\n\s+at /);
  expect(code).toBe(0);
});
