// How big the state file gets and how long a write takes after many cycles.
// Run: npx node bench/state-size.ts [cycles=5000] [checks=20] [intervalSeconds=30]
// Each cycle records one result per check; the clock advances by the interval, so with the defaults
// the run spans about 42 hours and every limit (count, age, transitions, text caps) is exercised.

import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CheckResult, Status } from '../src/contracts.ts';
import { DEFAULT_MACHINE_CONFIG } from '../src/evaluate/state-machine.ts';
import { recordResult } from '../src/evaluate/record.ts';
import { StateStore } from '../src/state/store.ts';

const cycles = Number(process.argv[2] ?? 5000);
const checks = Number(process.argv[3] ?? 20);
const intervalMs = Number(process.argv[4] ?? 30) * 1000;

const dir = await mkdtemp(join(tmpdir(), 'clawmedic-bench-'));
const path = join(dir, 'state.json');
let now = Date.UTC(2025, 0, 1);
const store = await StateStore.open(path, { now: () => now });

// A small deterministic PRNG so runs compare.
let seed = 42;
const random = (): number => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
};

function result(check: number, cycle: number): CheckResult {
  const roll = random();
  const status: Status = roll < 0.85 ? 'ok' : roll < 0.92 ? 'warn' : roll < 0.97 ? 'crit' : 'unknown';
  const r: CheckResult = {
    status,
    summary: `check ${check} cycle ${cycle}: ${status === 'ok' ? 'healthy' : 'gateway answered 503 on /readyz, failing: [telegram, discord]'}`,
    metrics: { latencyMs: Math.round(random() * 500), rssBytes: 850_000_000 + cycle * 1000 },
  };
  if (status !== 'ok') {
    r.diagnosis = 'port 18789 held by pid 4121 (python3); '.repeat(20);
    r.remedy = 'Stop the other process or move the gateway: openclaw config set gateway.port 18790. '.repeat(10);
    r.details = { readyz: { failing: ['telegram', 'discord'], eventLoop: { p99Ms: 12.5 } }, log: 'x'.repeat(2000) };
  }
  return r;
}

const recordTimes: number[] = [];
const writeTimes: number[] = [];
const started = performance.now();
for (let cycle = 0; cycle < cycles; cycle++) {
  now += intervalMs;
  const t0 = performance.now();
  for (let c = 0; c < checks; c++) {
    recordResult(store, `check.${c}`, result(c, cycle), { at: now, durationMs: 120, machine: DEFAULT_MACHINE_CONFIG });
  }
  recordTimes.push((performance.now() - t0) / checks);
  // The agent writes about once a second; writing every 10th cycle here keeps the run short while
  // still measuring writes of the steady-state file.
  if (cycle % 10 === 9) {
    await store.flush();
    writeTimes.push(store.stats.lastWrite?.ms ?? 0);
  }
}
await store.close();
const totalMs = performance.now() - started;
const size = (await stat(path)).size;

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const pct = (xs: number[], p: number) => sorted(xs)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] ?? 0;
const fmt = (ms: number) => `${ms.toFixed(3)} ms`;
const windows = store.checkIds().map((id) => store.history(id).length);

console.log(`cycles ${cycles} x checks ${checks}, interval ${intervalMs / 1000} s (${((cycles * intervalMs) / 3_600_000).toFixed(1)} h of fake time)`);
console.log(`file size: ${size} bytes (${(size / 1024).toFixed(1)} KiB)`);
console.log(`window entries per check: max ${Math.max(...windows)}`);
console.log(`write (serialise + temp + fsync + rename + dir fsync): median ${fmt(pct(writeTimes, 50))}, p95 ${fmt(pct(writeTimes, 95))}, max ${fmt(Math.max(...writeTimes))}`);
console.log(`record() per result: median ${fmt(pct(recordTimes, 50))}, p95 ${fmt(pct(recordTimes, 95))}`);
console.log(`total ${(totalMs / 1000).toFixed(2)} s, ${store.stats.writes} writes`);
const openStarted = performance.now();
await StateStore.readOnly(path);
console.log(`open (read + validate): ${fmt(performance.now() - openStarted)}`);
await rm(dir, { recursive: true, force: true });
