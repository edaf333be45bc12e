// Which recorded series become which Prometheus metric, in base units (seconds, bytes, ratios). The
// names are the checks' own series names (checks/memory.ts, latency.ts, restarts.ts, logs.ts, disk.ts,
// websocket.ts); a series not listed here still shows as clawmedic_series_value{series="..."}.

export interface GaugeSeries {
  kind: 'gauge';
  metric: string;
  help: string;
  /** Multiplies the recorded value into the metric's unit (ms -> s). */
  scale?: number;
  labels?: Record<string, string>;
}

/** A series of per-run increments (restarts seen, log lines counted): summed into a counter since the agent started. */
export interface CountedSeries {
  kind: 'counter';
  metric: string;
  help: string;
}

export type SeriesMetric = GaugeSeries | CountedSeries | { kind: 'skip' };

const KNOWN: Record<string, SeriesMetric> = {
  'gateway.rss_bytes': { kind: 'gauge', metric: 'clawmedic_gateway_rss_bytes', help: 'Resident memory of the gateway process (the memory check).' },
  'gateway.pss_bytes': { kind: 'gauge', metric: 'clawmedic_gateway_pss_bytes', help: 'Proportional set size of the gateway process (the memory check).' },
  'gateway.healthz_ms': { kind: 'gauge', metric: 'clawmedic_gateway_healthz_seconds', help: 'Round trip of the last /healthz request to the gateway, connect included.', scale: 0.001 },
  'gateway.event_loop.delay_p99_ms': { kind: 'gauge', metric: 'clawmedic_gateway_event_loop_delay_p99_seconds', help: "The gateway's event-loop delay p99 as /readyz reports it.", scale: 0.001 },
  'gateway.event_loop.utilization': { kind: 'gauge', metric: 'clawmedic_gateway_event_loop_utilization_ratio', help: "The gateway's event-loop utilization (0-1) as /readyz reports it." },
  'gateway.event_loop.degraded': { kind: 'gauge', metric: 'clawmedic_gateway_event_loop_degraded', help: '1 while /readyz says the event loop is degraded.' },
  'gateway.ws.connect_ms': { kind: 'gauge', metric: 'clawmedic_gateway_ws_connect_seconds', help: 'Time of the last WebSocket handshake with the gateway.', scale: 0.001 },
  'gateway.restarts': { kind: 'counter', metric: 'clawmedic_gateway_restarts_total', help: 'Gateway restarts counted by the restarts check since the agent started.' },
  'gateway.log.errors': { kind: 'counter', metric: 'clawmedic_gateway_log_errors_total', help: 'ERROR lines in the gateway log read by the logs check since the agent started.' },
  'gateway.log.fatal': { kind: 'counter', metric: 'clawmedic_gateway_log_fatal_total', help: 'FATAL lines in the gateway log read by the logs check since the agent started.' },
  // An id, not a quantity.
  'gateway.boot_id': { kind: 'skip' },
};

const DISK = /^disk\.([A-Za-z0-9_]+)\.(free_bytes|free_inodes)$/;

export function seriesMetric(name: string): SeriesMetric {
  const known = Object.hasOwn(KNOWN, name) ? KNOWN[name] : undefined;
  if (known) return known;
  const disk = DISK.exec(name);
  if (disk) {
    const bytes = disk[2] === 'free_bytes';
    return {
      kind: 'gauge',
      metric: bytes ? 'clawmedic_disk_free_bytes' : 'clawmedic_disk_free_inodes',
      help: bytes ? 'Free space of a filesystem the gateway or clawmedic writes to (the disk check).' : 'Free inodes of a filesystem the gateway or clawmedic writes to (the disk check).',
      labels: { dir: disk[1]! },
    };
  }
  return { kind: 'gauge', metric: 'clawmedic_series_value', help: 'The last value of a series clawmedic records that has no metric of its own.', labels: { series: name } };
}
