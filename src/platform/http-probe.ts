import { isIPv6 } from 'node:net';
import { errorCode, isLoopbackHost } from './net.ts';

/**
 * Why a probe got no HTTP answer. 'refused' (nothing listens) and 'timeout-after-connect' (something
 * accepted the connection and then said nothing: a stopped or blocked process) need opposite remedies,
 * which is why the connect step is tracked on its own.
 */
export type ProbeFailureKind =
  | 'refused'
  | 'timeout-connect'
  | 'timeout-after-connect'
  | 'reset'
  | 'not-http'
  | 'aborted'
  | 'other';

export interface HttpProbeRequest {
  host: string;
  port: number;
  path: string;
  /** Deadline for the whole request: connect, headers and body. */
  timeoutMs: number;
  /** The caller's signal (the check's); aborting it ends the probe at once as 'aborted'. */
  signal?: AbortSignal;
  /** Body bytes kept; the rest is dropped and `truncated` set. */
  maxBodyBytes?: number;
  method?: 'GET' | 'HEAD';
}

export interface HttpProbeAnswer {
  ok: true;
  statusCode: number;
  contentType: string;
  body: string;
  truncated: boolean;
  connectMs: number;
  /** From the start (connect included) to the last body byte kept. */
  latencyMs: number;
}

export interface HttpProbeFailure {
  ok: false;
  kind: ProbeFailureKind;
  /** Whether the TCP connection was established before it failed. */
  connected: boolean;
  connectMs?: number;
  latencyMs: number;
  /** Error code when there was one (ECONNREFUSED, ECONNRESET, HPE_...). */
  code?: string;
  message: string;
}

export type HttpProbeOutcome = HttpProbeAnswer | HttpProbeFailure;

const DEFAULT_MAX_BODY = 64 * 1024;

// Not `import ... from 'node:http'`: the ESM form reads every export of node:http, and its lazy WebSocket
// getters load Node's internal undici (about 20 ms and a few MB) that a probe never uses.
const { request: httpRequest } = process.getBuiltinModule('node:http');

/** GETs one URL on a loopback address with a hard deadline, and says precisely how it failed. Never throws. */
export async function httpProbe(req: HttpProbeRequest): Promise<HttpProbeOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const maxBody = req.maxBodyBytes ?? DEFAULT_MAX_BODY;

  if (!isLoopbackHost(req.host)) {
    return { ok: false, kind: 'other', connected: false, latencyMs: 0, message: `refusing to probe ${req.host}: not a loopback address` };
  }
  if (req.signal?.aborted) {
    return { ok: false, kind: 'aborted', connected: false, latencyMs: 0, message: 'aborted before it started' };
  }

  return new Promise<HttpProbeOutcome>((resolve) => {
    let connectMs: number | undefined;
    let settled = false;
    const fail = (kind: ProbeFailureKind, message: string, code?: string): HttpProbeFailure => ({
      ok: false,
      kind,
      connected: connectMs !== undefined,
      ...(connectMs !== undefined ? { connectMs } : {}),
      latencyMs: elapsed(),
      ...(code ? { code } : {}),
      message,
    });
    const finish = (outcome: HttpProbeOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onCallerAbort);
      // destroy, not end: a hung peer or an endless body must cost nothing more.
      request.destroy();
      resolve(outcome);
    };
    const failWith = (err: unknown) => finish(classify(err, connectMs !== undefined, fail));

    // Node's own client (no pool: agent false, one connection, closed after the answer): a probe needs a few
    // lines of node:http, not an HTTP library's memory in an agent that idles.
    const request = httpRequest({
      host: req.host,
      port: req.port,
      path: req.path,
      method: req.method ?? 'GET',
      agent: false,
      headers: { accept: 'application/json', connection: 'close' },
    });
    request.once('socket', (socket) => socket.once('connect', () => (connectMs = elapsed())));
    request.on('error', failWith);
    request.once('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const answer = (truncated: boolean): HttpProbeAnswer => {
        const contentType = res.headers['content-type'];
        return {
          ok: true,
          statusCode: res.statusCode ?? 0,
          contentType: (Array.isArray(contentType) ? contentType[0] : contentType) ?? '',
          body: Buffer.concat(chunks).toString('utf8'),
          truncated,
          connectMs: connectMs ?? elapsed(),
          latencyMs: elapsed(),
        };
      };
      res.on('data', (chunk: Buffer) => {
        const room = maxBody - size;
        if (chunk.length > room) {
          chunks.push(chunk.subarray(0, room));
          finish(answer(true));
          return;
        }
        chunks.push(chunk);
        size += chunk.length;
      });
      res.once('end', () => finish(answer(false)));
      res.on('error', failWith);
      // The peer closed the connection in the middle of the body.
      res.once('aborted', () => failWith(Object.assign(new Error('the connection closed in the middle of the body'), { code: 'ECONNRESET' })));
    });
    const timer = setTimeout(() => {
      finish(
        connectMs !== undefined
          ? fail('timeout-after-connect', `connected, but no answer within ${req.timeoutMs} ms`)
          : fail('timeout-connect', `could not connect within ${req.timeoutMs} ms`),
      );
    }, req.timeoutMs);
    const onCallerAbort = () => finish(fail('aborted', 'aborted by the caller'));
    req.signal?.addEventListener('abort', onCallerAbort, { once: true });
    request.end();
  });
}

function classify(err: unknown, connected: boolean, fail: (kind: ProbeFailureKind, message: string, code?: string) => HttpProbeFailure): HttpProbeFailure {
  const code = errorCode(err);
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'ECONNREFUSED') return fail('refused', 'connection refused', code);
  if (code === 'ETIMEDOUT') {
    return connected ? fail('timeout-after-connect', `connected, but no answer (${message})`, code) : fail('timeout-connect', `could not connect (${message})`, code);
  }
  if (code === 'ECONNRESET' || code === 'EPIPE') {
    return fail('reset', `the connection was closed without an HTTP answer (${message})`, code);
  }
  if (code?.startsWith('HPE_')) {
    return fail('not-http', `the answer is not HTTP (${message})`, code);
  }
  return fail('other', message, code);
}

/** "127.0.0.1:18789", "[::1]:18789". */
export function formatHostPort(host: string, port: number): string {
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Parsed JSON, or undefined when the body is not JSON. */
export function parseJsonBody(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

/** What a body is, for people: "an HTML page", "text that is not JSON"... */
export function describeBody(answer: HttpProbeAnswer): string {
  const head = answer.body.trimStart().slice(0, 256).toLowerCase();
  if (answer.contentType.includes('html') || head.startsWith('<!doctype html') || head.startsWith('<html')) return 'an HTML page';
  if (answer.body.trim() === '') return 'an empty body';
  if (parseJsonBody(answer.body) === undefined) return answer.truncated ? 'a large body that is not JSON' : 'text that is not JSON';
  return 'JSON of another shape';
}
