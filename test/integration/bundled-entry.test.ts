// The installed command (bin/clawmedic.cjs) runs the bundled entry `npm run build` makes (dist/clawmedic.mjs,
// which `npm ci` builds through `prepare`), and it answers as the sources do.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { makeCliHome, type CliHome } from '../fixtures/cli.ts';
import { startFakeGateway, stopAllChildren } from '../fixtures/gateway-harness.ts';

const execFileAsync = promisify(execFile);
const BIN = fileURLToPath(new URL('../../bin/clawmedic.cjs', import.meta.url));
const BUNDLE = fileURLToPath(new URL('../../dist/clawmedic.mjs', import.meta.url));

let h: CliHome;
beforeEach(async () => {
  h = await makeCliHome();
});
afterEach(async () => {
  await h.cleanup();
  await stopAllChildren();
});

const bin = (args: string[]) =>
  execFileAsync(process.execPath, [BIN, ...args], { env: h.env, timeout: 60_000 }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (err: { code?: number; stdout?: string; stderr?: string }) => ({ code: err.code ?? -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' }),
  );

it('is built (npm ci runs npm run build)', () => {
  expect(existsSync(BUNDLE), `${BUNDLE} is missing: run \`npm run build\``).toBe(true);
});

it('answers --help and `check` through the bundle as the sources do', async () => {
  const help = await bin(['--help']);
  expect(help.code).toBe(0);
  expect(help.stdout).toMatch(/^Usage: clawmedic /m);
  expect(help.stdout).toMatch(/^ {2}check \[options\] \[ids\.\.\.\]/m);

  const gw = await startFakeGateway();
  await h.writeConfig(`{ gateway: { port: ${gw.port} } }`);
  const bundled = await bin(['check', 'gateway.port', 'gateway.http', '--json']);
  const source = await h.run(['check', 'gateway.port', 'gateway.http', '--json']);
  expect(bundled.code).toBe(0);
  const statuses = (text: string) => (JSON.parse(text) as { checks: Array<{ id: string; status: string }> }).checks.map((c) => [c.id, c.status]);
  expect(statuses(bundled.stdout)).toEqual([
    ['gateway.port', 'ok'],
    ['gateway.http', 'ok'],
  ]);
  expect(statuses(bundled.stdout)).toEqual(statuses(source.stdout));
});
