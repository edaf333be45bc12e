// A GET or HEAD of a public URL to see whether it answers, sent to an address resolved beforehand (so the
// DNS answer judged is the one used), with Node's TLS verdict on the way. No body is sent, no redirect is
// followed, at most a few KiB of the answer are read.
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { rootCertificates, type TLSSocket } from 'node:tls';
import { errorCode } from './net.ts';
import { tlsFacts, type TlsFacts } from './tls-probe.ts';

// Not imported as ESM: that form reads every export of node:http, whose lazy WebSocket getters load Node's
// internal undici (see http-probe.ts).
const { request: httpRequest } = process.getBuiltinModule('node:http');

export interface UrlProbeRequest {
  url: URL;
  method: 'GET' | 'HEAD';
  /** The IP address to connect to (the URL's host name still goes in SNI and the Host header). */
  address: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** PEM certificates trusted besides Node's bundled roots. */
  extraCa?: readonly string[];
  maxBodyBytes?: number;
}

export type UrlProbe =
  | { ok: true; statusCode: number; location?: string; contentType?: string; body: string; ms: number; tls?: TlsFacts }
  | { ok: false; kind: 'refused' | 'timeout' | 'reset' | 'tls' | 'aborted' | 'other'; code?: string; message: string; ms: number; tls?: TlsFacts };

export function probeUrl(o: UrlProbeRequest): Promise<UrlProbe> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  const https = o.url.protocol === 'https:';
  const hostname = o.url.hostname.replace(/^\[(.*)\]$/, '$1');
  const max = o.maxBodyBytes ?? 4096;
  return new Promise((resolve) => {
    let done = false;
    let tls: TlsFacts | undefined;
    const finish = (r: UrlProbe) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      req.destroy();
      resolve(tls && !r.tls ? { ...r, tls } : r);
    };
    const options = {
      host: o.address,
      port: o.url.port ? Number(o.url.port) : https ? 443 : 80,
      path: `${o.url.pathname}${o.url.search}`,
      method: o.method,
      agent: false as const,
      headers: { host: o.url.host, 'user-agent': 'clawmedic (reachability check; sends no update)', accept: '*/*' },
      ...(https
        ? {
            servername: /^[\d.]+$|:/.test(hostname) ? undefined : hostname,
            // Judged below with Node's own verdict, so a bad certificate is named instead of failing the request.
            rejectUnauthorized: false,
            ...(o.extraCa && o.extraCa.length > 0 ? { ca: [...rootCertificates, ...o.extraCa] } : {}),
          }
        : {}),
    };
    const onResponse = (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const end = () =>
        finish({
          ok: true,
          statusCode: res.statusCode ?? 0,
          ...(typeof res.headers.location === 'string' ? { location: res.headers.location } : {}),
          ...(typeof res.headers['content-type'] === 'string' ? { contentType: res.headers['content-type'] } : {}),
          body: Buffer.concat(chunks).toString('utf8'),
          ms: ms(),
        });
      res.on('data', (c: Buffer) => {
        if (size < max) chunks.push(c.subarray(0, max - size));
        size += c.length;
        if (size >= max) end();
      });
      res.on('end', end);
      res.on('error', end);
    };
    const req = https ? httpsRequest(options, onResponse) : httpRequest(options, onResponse);
    req.on('socket', (socket) => {
      if (https) socket.once('secureConnect', () => (tls = tlsFacts(socket as TLSSocket, hostname)));
    });
    req.on('error', (err) => {
      const code = errorCode(err);
      const kind = code === 'ECONNREFUSED' ? 'refused' : code === 'ECONNRESET' || code === 'EPIPE' ? 'reset' : code?.startsWith('ERR_SSL') || code?.startsWith('ERR_TLS') ? 'tls' : 'other';
      finish({ ok: false, kind, ...(code ? { code } : {}), message: err.message, ms: ms() });
    });
    const timer = setTimeout(() => finish({ ok: false, kind: 'timeout', message: `no answer within ${o.timeoutMs} ms`, ms: ms() }), o.timeoutMs);
    const onAbort = () => finish({ ok: false, kind: 'aborted', message: 'cancelled', ms: ms() });
    o.signal?.addEventListener('abort', onAbort, { once: true });
    req.end();
  });
}
