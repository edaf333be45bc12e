// The agent's own process metrics, under the names Prometheus client libraries use (process_*, nodejs_*),
// so the usual dashboards and the "agent eats memory" rules work unchanged.
import { readdirSync, readFileSync } from 'node:fs';
import type { MetricsText } from './prom-text.ts';

/** Open file descriptors and their limit, from /proc (Linux); undefined elsewhere. */
function fds(): { open: number; max?: number } | undefined {
  try {
    const open = readdirSync('/proc/self/fd').length;
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? { open, max: Number(m[1]) } : { open };
  } catch {
    return undefined;
  }
}

/** Virtual memory size in bytes, from /proc/self/stat field 23 (Linux). */
function virtualBytes(): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const v = Number(fields[20]);
    return Number.isFinite(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

export function writeProcessMetrics(m: MetricsText): void {
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  m.counter('process_cpu_user_seconds_total', 'Total user CPU time spent in seconds.', cpu.user / 1e6);
  m.counter('process_cpu_system_seconds_total', 'Total system CPU time spent in seconds.', cpu.system / 1e6);
  m.counter('process_cpu_seconds_total', 'Total user and system CPU time spent in seconds.', (cpu.user + cpu.system) / 1e6);
  m.gauge('process_start_time_seconds', 'Start time of the process since unix epoch in seconds.', Math.round(performance.timeOrigin / 1000));
  m.gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', mem.rss);
  const vsize = virtualBytes();
  if (vsize !== undefined) m.gauge('process_virtual_memory_bytes', 'Virtual memory size in bytes.', vsize);
  m.gauge('process_heap_bytes', 'Process heap size in bytes.', mem.heapTotal);
  const f = fds();
  if (f) {
    m.gauge('process_open_fds', 'Number of open file descriptors.', f.open);
    if (f.max !== undefined) m.gauge('process_max_fds', 'Maximum number of open file descriptors.', f.max);
  }
  m.gauge('nodejs_heap_size_used_bytes', 'Process heap size used from Node.js in bytes.', mem.heapUsed);
  m.gauge('nodejs_heap_size_total_bytes', 'Process heap size from Node.js in bytes.', mem.heapTotal);
  m.gauge('nodejs_external_memory_bytes', 'Node.js external memory size in bytes.', mem.external);
}
