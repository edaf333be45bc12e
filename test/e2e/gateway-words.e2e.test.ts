// The gateway's own words against the real OpenClaw (one boot): its log (logging.file set to a file of this
// gateway's own, so no other test's lines are in it), its WebSocket with the token, the health snapshot,
// channels, and `openclaw gateway restart` counted by restarts through the websocket check's new bootId.
// Then `clawmedic logs` and `clawmedic bundle` on the same gateway. Prints the figures it measured.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterAll, expect, it } from 'vitest';
import { BOOT_ID_SERIES } from '../../checks/boot-id.ts';
import { channelsCheck } from '../../checks/channels.ts';
import { logsCheck } from '../../checks/logs.ts';
import { restartsCheck } from '../../checks/restarts.ts';
import { websocketCheck } from '../../checks/websocket.ts';
import type { Check, CheckResult } from '../../src/contracts.ts';
import { checkMemory, SeriesSet } from '../../src/state/series.ts';
import { testContext } from '../fixtures/gateway-harness.ts';
import { freePort } from '../fixtures/gateway-harness.ts';
import { runClawmedic, startRealGateway, type RealGateway } from './real-openclaw.ts';

const execFileAsync = promisify(execFile);
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

it('logs, websocket, channels and restarts on the real gateway; `openclaw gateway restart` is a new bootId, counted', async () => {
  // A HOME made here, so its openclaw.json can send the log to a file of this gateway's own.
  const home = await mkdtemp(join(tmpdir(), 'clawmedic-e2e-words-'));
  const logFile = join(home, 'gateway.log');
  await mkdir(join(home, '.openclaw'), { recursive: true, mode: 0o700 });
  await writeFile(join(home, '.openclaw', 'openclaw.json'), `{ gateway: { mode: "local", auth: { mode: "token" } }, logging: { file: "${logFile}" } }\n`, { mode: 0o600 });
  const token = `e2e-words-${Math.random().toString(36).slice(2)}-token`;
  const gw: RealGateway = await startRealGateway({ home, port: await freePort(), token });
  cleanups.push(() => gw.cleanup());

  // The checks as the agent runs them: one series set, a memory each.
  const series = new SeriesSet({});
  const memories = new Map<string, ReturnType<typeof checkMemory>>();
  const run = (check: Check, options: Record<string, unknown> = {}): Promise<CheckResult> => {
    if (!memories.has(check.id)) memories.set(check.id, checkMemory({}, check.id));
    const ctx = testContext({ port: gw.port, token, timeoutMs: 20_000, options, target: { openclawConfigPath: join(home, '.openclaw', 'openclaw.json'), openclawStateDir: join(home, '.openclaw') } });
    return check.run({ ...ctx, series, memory: memories.get(check.id)! });
  };

  // The log: found through openclaw.json's logging.file; the whole healthy start read (firstReadBytes), no error.
  const logs = await run(logsCheck, { firstReadBytes: '4m' });
  console.log(`[figures] logs on a healthy start: ${logs.summary}`);
  expect(logs.status, logs.summary).toBe('ok');
  expect(logs.metrics).toMatchObject({ errors: 0, fatal: 0 });
  expect(logs.metrics!.lines).toBeGreaterThan(10);
  expect((logs.details as { path: string; source: string }).source).toMatch(/logging\.file$/);

  // The WebSocket: the handshake with the token, the bootId, the health snapshot.
  const ws = await run(websocketCheck);
  console.log(`[figures] websocket: ${ws.summary}`);
  expect(ws.status, ws.summary).toBe('ok');
  expect(ws.summary).toMatch(/^handshake in \d+ ms \(2026\.\d+\.\d+, bootId [0-9a-f]{8}…, up \S+\); health: \d+ plugins loaded, no plugin errors, model runtime OK, 0 channel\(s\)$/);
  const boot1 = series.points(BOOT_ID_SERIES, 0).at(-1)!.value;

  const channels = await run(channelsCheck);
  expect(channels).toMatchObject({ status: 'ok', summary: expect.stringMatching(/^no channels configured \(from \/readyz, health snapshot, gateway log\)/) });
  expect((await run(restartsCheck)).summary).toMatch(/^no restart seen \(first look/);

  // `openclaw gateway restart`: in place (same pid), a new boot.
  const restartAt = Date.now();
  await execFileAsync(join(gw.env.PATH!.split(':')[0]!, 'openclaw'), ['gateway', 'restart', '--json'], { env: gw.env, timeout: 90_000 }).catch((err: unknown) => err);
  console.log(`[figures] openclaw gateway restart took ${Math.round((Date.now() - restartAt) / 1000)} s`);
  let after: CheckResult | undefined;
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 1_000))) {
    after = await run(websocketCheck);
    if (after.status === 'ok' && series.points(BOOT_ID_SERIES, 0).at(-1)!.value !== boot1) break;
  }
  expect(after?.status, after?.summary).toBe('ok');
  expect(series.points(BOOT_ID_SERIES, 0).at(-1)!.value).not.toBe(boot1);
  const counted = await run(restartsCheck);
  console.log(`[figures] restarts after it: ${counted.summary}`);
  expect(counted.summary).toMatch(/^restart counted \(.*bootId [0-9a-f]{8}… -> [0-9a-f]{8}… \(websocket check\)/);

  // The log of the restart: its lines read (only those), the signal named, no FATAL.
  const logs2 = await run(logsCheck);
  console.log(`[figures] logs after the restart: ${logs2.summary}`);
  expect(logs2.metrics).toMatchObject({ fatal: 0 });
  expect((logs2.details as { hits: Array<{ id: string }> }).hits.map((h) => h.id)).toContain('received-signal');

  // The commands, on the same gateway (clawmedic finds the log through the same openclaw.json).
  const cli = await runClawmedic(['logs', '--since', '10m', '--json'], gw.env, 60_000);
  expect(cli.code, cli.stderr).toBe(0);
  const summary = JSON.parse(cli.stdout.trim().split('\n').at(-1)!) as { type: string; lines: number; files: string[]; signatures: Array<{ id: string }> };
  expect(summary).toMatchObject({ type: 'summary', files: [logFile] });
  expect(summary.signatures.map((s) => s.id)).toContain('received-signal');
  const out = join(home, 'bundle.tar.gz');
  const bundle = await runClawmedic(['bundle', '--since', '1h', '--output', out], gw.env, 120_000);
  expect(bundle.code, bundle.stderr).toBe(0);
  const text = gunzipSync(await readFile(out)).toString('utf8');
  expect(text).not.toContain(token);
  expect(text).toMatch(/"gateway": "2026\.\d+\.\d+"/);
  console.log(`[figures] ${bundle.stdout.trim()}`);
});
