// How big the series make the state file at their full size, and what a write then costs.
// Run: npx node bench/series-size.ts [days=30] [series=20] [intervalSeconds=10]
// Every series gets a sample per interval for the whole span (fake time), so every tier is full:
// raw for the last hour, per-minute buckets for a day, per-15-minute buckets for 30 days.

import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateStore } from '../src/state/store.ts';

const days = Number(process.argv[2] ?? 30);
const seriesCount = Number(process.argv[3] ?? 20);
const intervalMs = Number(process.argv[4] ?? 10) * 1000;

const dir = await mkdtemp(join(tmpdir(), 'clawmedic-bench-series-'));
const path = join(dir, 'state.json');
let now = Date.UTC(2026, 0, 1);
const store = await StateStore.open(path, { now: () => now });

// Realistic magnitudes: RSS in bytes growing with a GC sawtooth, latencies in ms with decimals, counters.
const value = (s: number, i: number): number => {
  switch (s % 3) {
    case 0:
      return 850_000_000 + i * 1_000 + (i % 60) * 3_000_000;
    case 1:
      return 2 + ((i * 7919 + s) % 1000) / 137;
    default:
      return Math.floor(i / 8640);
  }
};

const samples = Math.round((days * 86_400_000) / intervalMs);
const started = performance.now();
for (let i = 0; i < samples; i++) {
  now += intervalMs;
  for (let s = 0; s < seriesCount; s++) store.series.record(`bench.series_${s}`, value(s, i));
}
const recordMs = performance.now() - started;

const writeTimes: number[] = [];
for (let w = 0; w < 20; w++) {
  store.markDirty();
  await store.flush();
  writeTimes.push(store.stats.lastWrite?.ms ?? 0);
}
await store.close();
const size = (await stat(path)).size;
writeTimes.sort((a, b) => a - b);

console.log(`${seriesCount} series x ${days} days at ${intervalMs / 1000} s (${samples} samples each, fake time)`);
console.log(`state file: ${size} bytes (${(size / 1024 / 1024).toFixed(2)} MiB), ${(size / seriesCount / 1024).toFixed(1)} KiB a series`);
console.log(`write (serialise + temp + fsync + rename + dir fsync): median ${writeTimes[10]!.toFixed(1)} ms, max ${writeTimes.at(-1)!.toFixed(1)} ms`);
console.log(`record(): ${((recordMs * 1000) / (samples * seriesCount)).toFixed(2)} us a sample`);
// The first open pays for warming up the parser's code paths; the second is what `status` costs on a warm host.
for (const which of ['first', 'second']) {
  const openStarted = performance.now();
  await StateStore.readOnly(path);
  console.log(`open (read + validate), ${which}: ${(performance.now() - openStarted).toFixed(1)} ms`);
}
await rm(dir, { recursive: true, force: true });
