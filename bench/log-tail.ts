// What the logs check costs per run on a big log: a 1 GB gateway log, then cycles that each append 1 MB of
// OpenClaw JSON lines and run the check's reading (cursor, parse, signatures) over what was appended.
// Run: npx node --expose-gc bench/log-tail.ts [sizeMB=1024] [cycles=20] [appendMB=1]
// Prints the time of the first run (which starts at the end: nothing read) and per cycle, the peak RSS, and (with
// --expose-gc) the heap in use after a collection before and after the cycles: flat when nothing is kept.

import { appendFile, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logsCheck } from '../checks/logs.ts';
import type { CheckContext } from '../src/contracts.ts';
import { execFileGroup } from '../src/platform/exec.ts';
import { checkMemory, SeriesSet } from '../src/state/series.ts';

const sizeMb = Number(process.argv[2] ?? 1024);
const cycles = Number(process.argv[3] ?? 20);
const appendMb = Number(process.argv[4] ?? 1);

const dir = await mkdtemp(join(tmpdir(), 'clawmedic-bench-tail-'));
const path = join(dir, 'openclaw-2026-11-29.log');

/** A line as the gateway writes it, ~420 bytes; one in 50 a WARN that a signature names. */
function line(i: number, at: number): string {
  const warn = i % 50 === 0;
  const message = warn ? `[discord:default] health-monitor: restarting (reason: stale-socket)` : `⇄ res ✓ sessions.list ${i % 300}ms conn=8bf04d44…5b26 id=${i}`;
  const sub = warn ? 'gateway/health-monitor' : 'gateway/ws';
  const date = new Date(at).toISOString();
  return JSON.stringify({ '0': JSON.stringify({ subsystem: sub }), '1': message, _meta: { runtime: 'node', runtimeVersion: '24.21.0', hostname: 'vm', date, logLevelId: warn ? 4 : 3, logLevelName: warn ? 'WARN' : 'INFO', name: JSON.stringify({ subsystem: sub }), parentNames: ['openclaw'] }, time: date, hostname: 'vm', message });
}

function block(bytes: number, from: number, at: number): { text: string; next: number } {
  const parts: string[] = [];
  let size = 0;
  let i = from;
  while (size < bytes) {
    const l = line(i++, at);
    parts.push(l);
    size += Buffer.byteLength(l) + 1;
  }
  return { text: `${parts.join('\n')}\n`, next: i };
}

let clock = Date.now();
console.log(`writing a ${sizeMb} MB log in ${dir} ...`);
const fh = await open(path, 'w');
const chunk = block(1024 * 1024, 0, clock);
const bytes = Buffer.from(chunk.text);
for (let written = 0; written < sizeMb * 1024 * 1024; written += bytes.length) await fh.write(bytes);
await fh.close();
global.gc?.();
const rssBefore = process.memoryUsage().rss;
const heapBefore = process.memoryUsage().heapUsed;

const store: Record<string, unknown> = {};
const series = new SeriesSet({}, { now: () => clock });
const noop = () => {};
const ctx = (): CheckContext => ({
  target: { host: '127.0.0.1', port: 18789, portSource: 'default', openclawConfigPath: join(dir, 'openclaw.json'), openclawStateDir: dir },
  options: { path },
  signal: AbortSignal.timeout(60_000),
  timeoutMs: 60_000,
  now: () => clock,
  history: [],
  exec: execFileGroup,
  openclaw: { path: null, run: async () => ({ code: null, signal: null, stdout: '', stderr: '', timedOut: false, durationMs: 0 }) },
  log: { debug: noop, info: noop, warn: noop, error: noop },
  series,
  memory: checkMemory(store, 'logs'),
});

const run = async () => {
  const t0 = performance.now();
  const r = await logsCheck.run(ctx());
  return { ms: performance.now() - t0, r };
};

const first = await run();
console.log(`first run (starts at the end of the ${sizeMb} MB file): ${first.ms.toFixed(1)} ms, ${first.r.metrics?.bytesRead ?? 0} bytes read`);
const times: number[] = [];
let next = chunk.next;
for (let c = 0; c < cycles; c++) {
  clock += 60_000;
  const b = block(appendMb * 1024 * 1024, next, clock);
  next = b.next;
  await appendFile(path, b.text);
  const { ms, r } = await run();
  times.push(ms);
  if (c === 0 || c === cycles - 1) console.log(`cycle ${c + 1}: ${ms.toFixed(1)} ms, read ${r.metrics?.bytesRead} bytes (${r.metrics?.lines} lines), ${r.status}: ${r.summary.slice(0, 100)}`);
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)]!;
console.log(`per cycle (${appendMb} MB appended, ${cycles} cycles): median ${median.toFixed(1)} ms, min ${times[0]!.toFixed(1)} ms, max ${times.at(-1)!.toFixed(1)} ms`);
const mib = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MiB`;
if (global.gc) {
  global.gc();
  console.log(`heap in use after a collection: ${mib(heapBefore)} before the cycles, ${mib(process.memoryUsage().heapUsed)} after`);
}
console.log(`RSS before the first run ${mib(rssBefore)} (Node, the modules, the 1 MB generator), after the cycles ${mib(process.memoryUsage().rss)}, peak ${mib(process.resourceUsage().maxRSS * 1024)}; the check's memory (cursor, hits) ${JSON.stringify(store.logs).length} bytes`);
await rm(dir, { recursive: true, force: true });
