// Bad config input through the real CLI: whatever the file is, the command ends promptly with exit 2
// (`check`: 3), names the file, and prints no stack trace.
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeCliHome, type CliHome } from '../fixtures/cli.ts';

let h: CliHome;
beforeEach(async () => {
  h = await makeCliHome();
});
afterEach(async () => {
  await h.cleanup();
});

async function configAt(kind: string): Promise<string> {
  const path = join(h.home, `config-${kind}`);
  switch (kind) {
    case 'fifo':
      execFileSync('mkfifo', [path]);
      return path;
    case 'directory':
      await mkdir(path);
      return path;
    case 'device':
      return '/dev/zero';
    case 'deep':
      await writeFile(path, `${'{a:'.repeat(2000)}1${'}'.repeat(2000)}`);
      return path;
    case 'huge':
      await writeFile(path, `{ $schema: "${'x'.repeat(2 * 1024 * 1024)}" }`);
      return path;
    case 'binary':
      await writeFile(path, Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x1b, 0x5b, 0x33, 0x31, 0x6d]));
      return path;
    default:
      throw new Error(kind);
  }
}

const EXPECTED: Record<string, RegExp> = {
  fifo: /cannot read config: it is a FIFO \(named pipe\), not a regular file/,
  directory: /cannot read config: is a directory/,
  device: /cannot read config: it is a device, not a regular file/,
  deep: /:1:\d+: nested more than 64 levels deep/,
  huge: /cannot read config: it is \d+ bytes, more than the 1048576 allowed/,
  binary: /syntax error/,
};

describe('a config path that is not a usable file', () => {
  it.each(Object.keys(EXPECTED))('%s: config validate exits 2 and check exits 3, naming the file, without a hang or a stack trace', async (kind) => {
    const path = await configAt(kind);
    for (const [args, code] of [
      [['config', 'validate'], 2],
      [['check'], 3],
      [['run'], 2],
    ] as const) {
      const r = await h.run(['-c', path, ...args], { timeoutMs: 20_000 });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(code);
      expect(r.stderr).toContain(path);
      expect(r.stderr).toMatch(EXPECTED[kind]!);
      expect(r.stderr).not.toMatch(/\n\s+at |Maximum call stack/);
    }
  });
});
