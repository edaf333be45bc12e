import { isIPv6 } from 'node:net';
import { Client, buildConnector } from 'undici';
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
  /** Error code when there was one (ECONNREFUSED, UND_ERR_SOCKET, HPE_...). */
  code?: string;
  message: string;
}

export type HttpProbeOutcome = HttpProbeAnswer | HttpProbeFailure;

const DEFAULT_MAX_BODY = 64 * 1024;

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

  let connectMs: number | undefined;
  const tcpConnect = buildConnector({ timeout: req.timeoutMs });
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new Error('probe deadline')), req.timeoutMs);
  const onCallerAbort = () => deadline.abort(new Error('aborted'));
  req.signal?.addEventListener('abort', onCallerAbort, { once: true });

  const client = new Client(`http://${formatHostPort(req.host, req.port)}`, {
    connect: (opts, callback) => {
      tcpConnect(opts, (...result) => {
        if (result[0] === null) connectMs = elapsed();
        callback(...result);
      });
    },
    headersTimeout: req.timeoutMs,
    bodyTimeout: req.timeoutMs,
    keepAliveTimeout: 1,
    pipelining: 1,
  });

  const fail = (kind: ProbeFailureKind, message: string, code?: string): HttpProbeFailure => ({
    ok: false,
    kind,
    connected: connectMs !== undefined,
    ...(connectMs !== undefined ? { connectMs } : {}),
    latencyMs: elapsed(),
    ...(code ? { code } : {}),
    message,
  });

  try {
    const res = await client.request({
      path: req.path,
      method: req.method ?? 'GET',
      signal: deadline.signal,
      headers: { accept: 'application/json', connection: 'close' },
    });
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      const room = maxBody - size;
      if (chunk.length > room) {
        chunks.push(chunk.subarray(0, room));
        truncated = true;
        break; // leaving the loop destroys the stream: a huge or endless body costs nothing more
      }
      chunks.push(chunk);
      size += chunk.length;
    }
    const contentType = res.headers['content-type'];
    return {
      ok: true,
      statusCode: res.statusCode,
      contentType: (Array.isArray(contentType) ? contentType[0] : contentType) ?? '',
      body: Buffer.concat(chunks).toString('utf8'),
      truncated,
      connectMs: connectMs ?? elapsed(),
      latencyMs: elapsed(),
    };
  } catch (err) {
    return classify(err, { deadlineHit: deadline.signal.aborted && !req.signal?.aborted, callerAborted: !!req.signal?.aborted, timeoutMs: req.timeoutMs, connected: connectMs !== undefined }, fail);
  } finally {
    clearTimeout(timer);
    req.signal?.removeEventListener('abort', onCallerAbort);
    // destroy, not close: a hung peer would keep close() waiting for the request it never answers.
    await client.destroy().catch(() => {});
  }
}

function classify(
  err: unknown,
  how: { deadlineHit: boolean; callerAborted: boolean; timeoutMs: number; connected: boolean },
  fail: (kind: ProbeFailureKind, message: string, code?: string) => HttpProbeFailure,
): HttpProbeFailure {
  const code = errorCode(err);
  const message = err instanceof Error ? err.message : String(err);
  if (how.callerAborted) return fail('aborted', 'aborted by the caller', code);
  if (code === 'ECONNREFUSED') return fail('refused', 'connection refused', code);
  if (how.deadlineHit || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return how.connected
      ? fail('timeout-after-connect', `connected, but no answer within ${how.timeoutMs} ms`, code)
      : fail('timeout-connect', `could not connect within ${how.timeoutMs} ms`, code);
  }
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET') {
    return fail('reset', `the connection was closed without an HTTP answer (${message})`, code);
  }
  if (code?.startsWith('HPE_') || code === 'UND_ERR_HEADERS_OVERFLOW') {
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
