// The agent's HTTP server: GET /metrics, /status, /healthz and the status page at /. Loaded only when
// the config has a `server` section (src/server/listener.ts imports it on start). Read-only: it never
// takes a request body, and it bounds what a slow or hostile client can hold.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EffectiveConfig } from '../config/load.ts';
import type { AppLogger } from '../logger.ts';
import { errorCode } from '../platform/net.ts';
import { findPortOwner, processLabel } from '../platform/port-owner.ts';
import type { StateStore } from '../state/store.ts';
import { buildStatusView, statusJson, type StatusView } from '../status/view.ts';
import { packageVersion } from '../version.ts';
import { authorize, CHALLENGES } from './auth.ts';
import { DEFAULT_RANGE, isRange } from './charts.ts';
import { hostPort, type ServerSettings } from './config.ts';
import { MetricsState, renderMetrics } from './metrics.ts';
import { renderPage } from './page.ts';
import { CONTENT_TYPE } from './prom-text.ts';

export interface HttpServerDeps {
  settings: ServerSettings;
  config: EffectiveConfig;
  store: StateStore;
  log: AppLogger;
  now: () => number;
  /** This machine's name, for the page. */
  host: string;
  metrics: MetricsState;
}

export interface RunningServer {
  /** The address it listens on, as a URL base: http://127.0.0.1:9477 */
  url: string;
  close(): Promise<void>;
}

export const LIMITS = {
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  /** A connection idle this long (a client that stopped reading) is closed. */
  idleTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxHeaderBytes: 16 * 1024,
  maxUrlLength: 2_048,
  maxConnections: 64,
  /** Requests within this long share one status view: a burst of scrapes reads the files once. */
  viewCacheMs: 1_000,
};

/** Counters and histograms outlive a reload (the server is rebuilt, the process is not). */
const metricsStates = new Map<string, MetricsState>();
export function metricsStateFor(statePath: string): MetricsState {
  let s = metricsStates.get(statePath);
  if (!s) {
    s = new MetricsState();
    metricsStates.set(statePath, s);
  }
  return s;
}

const COMMON_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};
const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Why listening failed, in one line that names who holds the address when that can be found. */
async function listenProblem(err: unknown, settings: ServerSettings): Promise<string> {
  const where = hostPort(settings.host, settings.port);
  const code = errorCode(err);
  if (code === 'EADDRINUSE') {
    const owner = await findPortOwner(settings.port, { host: settings.host, signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
    const holder = owner?.kind === 'found' ? ` by ${processLabel(owner.owner)}` : owner?.kind === 'owner-unknown' ? ' by a process clawmedic may not inspect (another user\'s)' : '';
    return `${where} is already in use${holder}`;
  }
  if (code === 'EACCES') return `no permission to listen on ${where} (ports below 1024 need root or CAP_NET_BIND_SERVICE)`;
  if (code === 'EADDRNOTAVAIL') return `${where} is not an address of this host`;
  return `cannot listen on ${where}: ${code ?? (err instanceof Error ? err.message : String(err))}`;
}

export class ListenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ListenError';
  }
}

export async function startHttpServer(deps: HttpServerDeps): Promise<RunningServer> {
  const { settings, config, log } = deps;
  let cached: { at: number; view: Promise<StatusView> } | undefined;
  const view = (): Promise<StatusView> => {
    const now = deps.now();
    if (!cached || now - cached.at > LIMITS.viewCacheMs || now < cached.at) {
      // Redacted once for every endpoint: the page and the metrics show what `status --json` shows.
      cached = { at: now, view: buildStatusView(config, deps.store, now).then((v) => config.redactor.value(v)) };
      cached.view.catch(() => (cached = undefined));
    }
    return cached.view;
  };

  const send = (res: ServerResponse, status: number, type: string, body: string, extra: Record<string, string | string[]> = {}) => {
    res.writeHead(status, { ...COMMON_HEADERS, 'content-type': type, 'content-length': Buffer.byteLength(body), ...extra });
    res.end(res.req.method === 'HEAD' ? undefined : body);
  };
  const text = (res: ServerResponse, status: number, body: string, extra: Record<string, string | string[]> = {}) =>
    send(res, status, 'text/plain; charset=utf-8', `${body}\n`, extra);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if ((req.url ?? '').length > LIMITS.maxUrlLength) return text(res, 414, 'URL too long');
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(res, 405, 'only GET and HEAD', { allow: 'GET, HEAD' });
    // Nothing here takes a body: refuse one instead of reading it, and close the connection after.
    if (Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding']) {
      res.shouldKeepAlive = false;
      return text(res, 413, 'no request body is accepted', { connection: 'close' });
    }
    const auth = authorize(req, settings.token);
    if (!auth.ok) return text(res, auth.status, auth.reason, auth.status === 401 ? { 'www-authenticate': CHALLENGES } : {});
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://clawmedic.invalid');
    } catch {
      return text(res, 400, 'malformed URL');
    }
    const now = deps.now();
    switch (url.pathname) {
      case '/healthz': {
        const v = await view();
        // The agent's own liveness: its loop ran recently.
        const stuck = v.lastCycle?.stale === true;
        return send(res, stuck ? 503 : 200, 'application/json; charset=utf-8', `${JSON.stringify({ status: stuck ? 'stuck' : 'ok', lastCycleAt: v.lastCycle?.at ?? null })}\n`);
      }
      case '/metrics': {
        const v = await view();
        return send(res, 200, CONTENT_TYPE, renderMetrics({ view: v, series: deps.store.series, state: deps.metrics, now, version: packageVersion() }));
      }
      case '/status':
        return send(res, 200, 'application/json; charset=utf-8', `${JSON.stringify(statusJson(await view(), config), null, 2)}\n`);
      case '/': {
        const range = url.searchParams.get('range');
        const page = renderPage({ view: await view(), series: deps.store.series, range: isRange(range) ? range : DEFAULT_RANGE, now, refreshMs: settings.refreshMs, host: deps.host });
        return send(res, 200, 'text/html; charset=utf-8', page, { 'content-security-policy': PAGE_CSP, 'x-frame-options': 'DENY' });
      }
      default:
        return text(res, 404, 'not found: GET /, /status, /metrics or /healthz');
    }
  };

  const server = createServer(
    {
      headersTimeout: LIMITS.headersTimeoutMs,
      requestTimeout: LIMITS.requestTimeoutMs,
      keepAliveTimeout: LIMITS.keepAliveTimeoutMs,
      maxHeaderSize: LIMITS.maxHeaderBytes,
      // How often the timeouts above are looked at (Node's default, 30 s, would let a slow client hold on that long).
      connectionsCheckingInterval: 1_000,
    },
    (req, res) => {
      handle(req, res).catch((err: unknown) => {
        log.error({ err }, `HTTP server: ${req.method} ${config.redactor.text((req.url ?? '').slice(0, 200))} failed`);
        if (!res.headersSent) text(res, 500, 'internal error (see the agent log)');
        else res.destroy();
      });
    },
  );
  server.maxConnections = LIMITS.maxConnections;
  server.setTimeout(LIMITS.idleTimeoutMs, (socket) => socket.destroy());
  // A request that does not parse (or arrives too slowly) gets a plain 400/408 and its connection closed.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: unknown) => {
      listenProblem(err, settings).then((m) => reject(new ListenError(m)), reject);
    };
    server.once('error', onError);
    server.listen(settings.port, settings.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (err) => log.error({ err }, 'HTTP server error'));
  const address = server.address() as AddressInfo;
  return {
    url: `http://${hostPort(address.address, address.port)}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive and slow connections would hold close() open.
        server.closeAllConnections();
      }),
  };
}
