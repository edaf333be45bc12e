// A client for the gateway's WebSocket (REFERENCE.md 1.3, 1.4; openclaw dist/ws-connection-*.mjs and
// message-handler-*.mjs): the server sends {type:"event",event:"connect.challenge"}; the client sends a `connect`
// request with its token; the server answers {type:"res",ok:true,payload:{type:"hello-ok",server:{bootId,…},
// snapshot:{uptimeMs,…}}} or ok:false with an error, then requests such as `health` work. Node's own WebSocket
// (undici) is enough: the token travels in the connect frame, no header is needed. Loopback only; every wait
// has a deadline; a frame that is not JSON, a close mid-handshake, a rejected token each come back as a named
// failure, never a throw.
import { connect as netConnect } from 'node:net';
import { formatHostPort } from './http-probe.ts';
import { isLoopbackHost } from './net.ts';

/** The protocol versions this client speaks: 4 (2026.8 and newer), 3 (2026.7 and older). */
const MIN_PROTOCOL = 3;
const MAX_PROTOCOL = 4;
const MAX_FRAME_CHARS = 8 * 1024 * 1024;

export interface GatewayWsOptions {
  host: string;
  port: number;
  token?: string;
  /** The whole handshake (connect, challenge, hello) must be done within this. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Sent as client.version and displayName "clawmedic". */
  clientVersion: string;
}

export interface HelloInfo {
  protocol?: number;
  version?: string;
  bootId?: string;
  connId?: string;
  /** snapshot.uptimeMs: how long the gateway has been up. */
  uptimeMs?: number;
  scopes: string[];
  /** The hello's snapshot.health, when the gateway had one cached. */
  health?: unknown;
}

export type WsFailureKind = 'refused' | 'timeout' | 'closed' | 'rejected' | 'garbage' | 'upgrade' | 'aborted' | 'not-loopback';

export interface WsFailure {
  ok: false;
  kind: WsFailureKind;
  /** Where it stopped: before the socket opened, waiting for the challenge, waiting for hello, in a request. */
  stage: 'open' | 'challenge' | 'hello' | 'request';
  message: string;
  closeCode?: number;
  closeReason?: string;
  /** The gateway's error for a rejected connect or request: {code, message, details}. */
  error?: { code?: string; message?: string; details?: unknown };
  elapsedMs: number;
}

export interface WsSession {
  ok: true;
  /** From the socket's creation to hello-ok. */
  connectMs: number;
  hello: HelloInfo;
  /** A request: its payload, or a failure (the gateway's error, a timeout, a close). */
  request(method: string, params: Record<string, unknown>, timeoutMs: number): Promise<{ ok: true; payload: unknown; ms: number } | WsFailure>;
  close(): void;
}

type Frame = Record<string, unknown>;

/** Opens a socket, completes the handshake and returns a session, or the failure with where and why. */
export async function connectGateway(options: GatewayWsOptions): Promise<WsSession | WsFailure> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const where = formatHostPort(options.host, options.port);
  if (!isLoopbackHost(options.host)) return { ok: false, kind: 'not-loopback', stage: 'open', message: `refusing to connect to ${where}: clawmedic only probes loopback addresses`, elapsedMs: 0 };
  if (options.signal?.aborted) return { ok: false, kind: 'aborted', stage: 'open', message: 'aborted before connecting', elapsedMs: 0 };

  const ws = new WebSocket(`ws://${where}`);
  const conn = new Connection(ws);
  const deadline = Date.now() + options.timeoutMs;
  const onAbort = () => conn.fail({ kind: 'aborted', message: 'aborted (the check timed out or the agent stops)' });
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const done = <T>(value: T): T => {
    options.signal?.removeEventListener('abort', onAbort);
    return value;
  };

  // 1. The challenge: the gateway speaks first.
  const challenge = await conn.next((f) => f.type === 'event' && f.event === 'connect.challenge', deadline - Date.now());
  if (!challenge.ok) {
    conn.close();
    const failure: WsFailure = { ok: false, ...challenge.failure, stage: conn.opened ? 'challenge' : 'open', elapsedMs: elapsed() };
    if (!conn.opened && failure.kind === 'closed') return done(await explainUnopened(options, failure));
    return done(failure);
  }

  // 2. connect -> hello-ok.
  const connectParams = {
    minProtocol: MIN_PROTOCOL,
    maxProtocol: MAX_PROTOCOL,
    client: { id: 'gateway-client', displayName: 'clawmedic', version: options.clientVersion || '0.0.0', platform: process.platform, mode: 'backend' },
    role: 'operator',
    scopes: ['operator.read'],
    caps: [],
    ...(options.token ? { auth: { token: options.token } } : {}),
  };
  conn.send({ type: 'req', id: 'connect', method: 'connect', params: connectParams });
  const res = await conn.next((f) => f.type === 'res' && f.id === 'connect', deadline - Date.now());
  if (!res.ok) {
    conn.close();
    return done({ ok: false, ...res.failure, stage: 'hello', elapsedMs: elapsed() });
  }
  if (res.frame.ok !== true) {
    conn.close();
    const error = errorOf(res.frame.error);
    return done({ ok: false, kind: 'rejected', stage: 'hello', message: `connect rejected: ${error.code ?? 'error'}: ${error.message ?? 'no message'}`, error, elapsedMs: elapsed() });
  }
  const payload = asRecord(res.frame.payload);
  if (!payload || payload.type !== 'hello-ok') {
    conn.close();
    return done({ ok: false, kind: 'garbage', stage: 'hello', message: `the answer to connect is not hello-ok (type ${JSON.stringify(payload?.type ?? null)})`, elapsedMs: elapsed() });
  }
  const connectMs = elapsed();
  options.signal?.removeEventListener('abort', onAbort);

  let next = 0;
  return {
    ok: true,
    connectMs,
    hello: helloInfo(payload),
    async request(method, params, timeoutMs) {
      const t0 = performance.now();
      const id = `r${++next}`;
      if (!conn.send({ type: 'req', id, method, params })) {
        return { ok: false, kind: 'closed', stage: 'request', message: `the socket closed before ${method} could be sent`, elapsedMs: 0 };
      }
      const answer = await conn.next((f) => f.type === 'res' && f.id === id, timeoutMs);
      const ms = Math.round(performance.now() - t0);
      if (!answer.ok) return { ok: false, ...answer.failure, stage: 'request', elapsedMs: ms };
      if (answer.frame.ok !== true) {
        const error = errorOf(answer.frame.error);
        return { ok: false, kind: 'rejected', stage: 'request', message: `${method} failed: ${error.code ?? 'error'}: ${error.message ?? 'no message'}`, error, elapsedMs: ms };
      }
      return { ok: true, payload: answer.frame.payload, ms };
    },
    close: () => conn.close(),
  };
}

/** Refused, or something that answered but did not upgrade (an HTTP server, the Control UI behind a proxy). */
async function explainUnopened(options: GatewayWsOptions, failure: WsFailure): Promise<WsFailure> {
  const where = formatHostPort(options.host, options.port);
  const listening = await new Promise<boolean | undefined>((resolve) => {
    const socket = netConnect({ host: options.host.replace(/^\[|\]$/g, ''), port: options.port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(undefined);
    }, 1_000);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(true);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(err.code === 'ECONNREFUSED' ? false : undefined);
    });
  });
  if (listening === false) return { ...failure, kind: 'refused', message: `connection refused on ${where} (nothing listening)` };
  if (listening === true) return { ...failure, kind: 'upgrade', message: `${where} accepts connections but did not complete a WebSocket upgrade (close ${failure.closeCode ?? '?'})` };
  return failure;
}

function helloInfo(payload: Frame): HelloInfo {
  const server = asRecord(payload.server) ?? {};
  const snapshot = asRecord(payload.snapshot) ?? {};
  const auth = asRecord(payload.auth) ?? {};
  const str = (v: unknown, max = 200) => (typeof v === 'string' && v !== '' ? v.slice(0, max) : undefined);
  const info: HelloInfo = { scopes: Array.isArray(auth.scopes) ? auth.scopes.filter((s): s is string => typeof s === 'string').slice(0, 20) : [] };
  if (typeof payload.protocol === 'number') info.protocol = payload.protocol;
  const version = str(server.version, 40);
  const bootId = str(server.bootId, 100);
  const connId = str(server.connId, 100);
  if (version) info.version = version;
  if (bootId) info.bootId = bootId;
  if (connId) info.connId = connId;
  if (typeof snapshot.uptimeMs === 'number' && Number.isFinite(snapshot.uptimeMs) && snapshot.uptimeMs >= 0) info.uptimeMs = snapshot.uptimeMs;
  if (snapshot.health !== undefined) info.health = snapshot.health;
  return info;
}

function errorOf(value: unknown): { code?: string; message?: string; details?: unknown } {
  const e = asRecord(value);
  if (!e) return {};
  return {
    ...(typeof e.code === 'string' ? { code: e.code.slice(0, 80) } : {}),
    ...(typeof e.message === 'string' ? { message: e.message.slice(0, 500) } : {}),
    ...(e.details !== undefined ? { details: e.details } : {}),
  };
}

function asRecord(v: unknown): Frame | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Frame) : undefined;
}

type FailureCore = Pick<WsFailure, 'kind' | 'message' | 'closeCode' | 'closeReason'>;
type Next = { ok: true; frame: Frame } | { ok: false; failure: FailureCore };

/** The socket as a queue of frames that waiters take from, and one failure that ends every wait. */
class Connection {
  opened = false;
  private frames: Frame[] = [];
  private waiter: { match: (f: Frame) => boolean; resolve: (n: Next) => void; timer: NodeJS.Timeout } | undefined;
  private failure: FailureCore | undefined;

  private readonly ws: WebSocket;

  constructor(ws: WebSocket) {
    this.ws = ws;
    ws.addEventListener('open', () => {
      this.opened = true;
    });
    ws.addEventListener('message', (event: MessageEvent) => {
      const data = event.data;
      if (typeof data !== 'string') {
        this.fail({ kind: 'garbage', message: 'the gateway sent a binary frame where JSON text was expected' });
        return;
      }
      if (data.length > MAX_FRAME_CHARS) {
        this.fail({ kind: 'garbage', message: `the gateway sent a frame of ${data.length} characters, more than the ${MAX_FRAME_CHARS} accepted` });
        return;
      }
      let frame: unknown;
      try {
        frame = JSON.parse(data);
      } catch {
        this.fail({ kind: 'garbage', message: `the gateway sent a frame that is not JSON: ${JSON.stringify(data.slice(0, 80))}` });
        return;
      }
      const f = asRecord(frame);
      if (!f) {
        this.fail({ kind: 'garbage', message: 'the gateway sent a JSON frame that is not an object' });
        return;
      }
      this.frames.push(f);
      if (this.frames.length > 1000) this.frames.shift();
      this.deliver();
    });
    ws.addEventListener('close', (event: CloseEvent) => {
      const reason = event.reason ? ` (${event.reason.slice(0, 200)})` : '';
      this.fail({
        kind: 'closed',
        message: `the gateway closed the socket with code ${event.code}${reason}${event.code === 1006 ? ': abnormal close, no close frame' : ''}`,
        closeCode: event.code,
        ...(event.reason ? { closeReason: event.reason.slice(0, 200) } : {}),
      });
    });
    // An 'error' is always followed by a 'close', which carries what there is to say.
    ws.addEventListener('error', () => {});
  }

  send(frame: Frame): boolean {
    if (this.failure || this.ws.readyState !== WebSocket.OPEN) return false;
    try {
      this.ws.send(JSON.stringify(frame));
      return true;
    } catch {
      return false;
    }
  }

  next(match: (f: Frame) => boolean, timeoutMs: number): Promise<Next> {
    return new Promise<Next>((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        resolve({ ok: false, failure: { kind: 'timeout', message: `no answer within ${Math.max(0, Math.round(timeoutMs))} ms${this.opened ? '' : ' (the socket never opened)'}` } });
      }, Math.max(0, timeoutMs));
      this.waiter = { match, resolve, timer };
      this.deliver();
    });
  }

  fail(failure: FailureCore): void {
    this.failure ??= failure;
    this.close();
    this.deliver();
  }

  close(): void {
    try {
      if (this.ws.readyState === WebSocket.CONNECTING || this.ws.readyState === WebSocket.OPEN) this.ws.close(1000, 'bye');
    } catch {
      // Closing a socket that is going away anyway.
    }
  }

  private deliver(): void {
    const w = this.waiter;
    if (!w) return;
    const i = this.frames.findIndex(w.match);
    if (i >= 0) {
      const [frame] = this.frames.splice(i, 1);
      this.settle({ ok: true, frame: frame! });
    } else if (this.failure) this.settle({ ok: false, failure: this.failure });
  }

  private settle(n: Next): void {
    const w = this.waiter;
    if (!w) return;
    this.waiter = undefined;
    clearTimeout(w.timer);
    w.resolve(n);
  }
}
