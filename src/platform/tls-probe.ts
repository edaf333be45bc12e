// TLS as Node sees it: a handshake with an endpoint (no request sent) judged by Node's own verifier, and
// certificate files (the gateway's gateway.tls.certPath/keyPath) read, matched with their key and walked
// up to a trusted root. Expiry, self-signed, missing intermediate, wrong host and a clock that is off each
// get their own words.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { checkServerIdentity, connect, createSecureContext, rootCertificates, type PeerCertificate, type TLSSocket } from 'node:tls';
import { errorCode } from './net.ts';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const MAX_PEM_BYTES = 1024 * 1024;

export interface CertFacts {
  subject: string;
  issuer: string;
  /** Epoch ms. */
  validFrom: number;
  validTo: number;
  selfIssued: boolean;
  altNames?: string;
  fingerprint256: string;
}

export function certFacts(cert: X509Certificate): CertFacts {
  return {
    subject: nameOf(cert.subject),
    issuer: nameOf(cert.issuer),
    validFrom: Date.parse(cert.validFrom),
    validTo: Date.parse(cert.validTo),
    selfIssued: cert.subject === cert.issuer,
    ...(cert.subjectAltName ? { altNames: cert.subjectAltName } : {}),
    fingerprint256: cert.fingerprint256,
  };
}

/** "CN=api.example.com" rather than the multi-line distinguished name. */
function nameOf(dn: string): string {
  const cn = /(?:^|\n)CN=([^\n]+)/.exec(dn)?.[1];
  return cn ? `CN=${cn}` : dn.replace(/\n/g, ', ');
}

/** Node's verification error codes in words. */
const VERIFY_WORDS: Record<string, string> = {
  CERT_HAS_EXPIRED: 'the certificate has expired',
  CERT_NOT_YET_VALID: 'the certificate is not valid yet (is the clock right?)',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'the chain ends in a self-signed root Node does not trust',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the chain is incomplete: the intermediate certificate is missing',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the issuer is not trusted or an intermediate certificate is missing',
  UNABLE_TO_GET_ISSUER_CERT: 'the issuer certificate could not be found',
  CERT_SIGNATURE_FAILURE: 'the certificate signature does not verify',
  CERT_REVOKED: 'the certificate is revoked',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the certificate does not name this host',
};

export function verifyWords(code: string): string {
  return VERIFY_WORDS[code] ?? code;
}

export type TlsHandshake =
  | ({ ok: true; ms: number } & TlsFacts)
  | { ok: false; kind: 'refused' | 'timeout' | 'reset' | 'dns' | 'aborted' | 'tls' | 'other'; code?: string; message: string; ms: number };

export interface HandshakeOptions {
  host: string;
  port: number;
  /** The name to verify the certificate for (and to send as SNI): default the host. */
  servername?: string;
  /** PEM certificates trusted besides Node's bundled roots (a private CA, NODE_EXTRA_CA_CERTS). */
  extraCa?: readonly string[];
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Connects, completes the TLS handshake, and closes: no byte of application data is sent. Never throws. */
export function tlsHandshake(o: HandshakeOptions): Promise<TlsHandshake> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  const servername = o.servername ?? o.host;
  return new Promise((resolve) => {
    let done = false;
    const socket = connect({
      host: o.host,
      port: o.port,
      ...(isIP(servername) ? {} : { servername }),
      // Judged below with Node's own verdict, so the handshake completes whatever the chain.
      rejectUnauthorized: false,
      ...(o.extraCa && o.extraCa.length > 0 ? { ca: [...rootCertificates, ...o.extraCa] } : {}),
    });
    const finish = (r: TlsHandshake) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => finish({ ok: false, kind: 'timeout', message: `no TLS handshake within ${o.timeoutMs} ms`, ms: ms() }), o.timeoutMs);
    const onAbort = () => finish({ ok: false, kind: 'aborted', message: 'cancelled', ms: ms() });
    o.signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('secureConnect', () => {
      const facts = tlsFacts(socket, servername);
      finish(facts ? { ok: true, ...facts, ms: ms() } : { ok: false, kind: 'tls', message: 'the server sent no certificate', ms: ms() });
    });
    socket.once('error', (err) => {
      const code = errorCode(err);
      const kind = code === 'ECONNREFUSED' ? 'refused' : code === 'ECONNRESET' || code === 'EPIPE' ? 'reset' : code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? 'dns' : code?.startsWith('ERR_SSL') || code?.startsWith('ERR_TLS') ? 'tls' : 'other';
      finish({ ok: false, kind, ...(code ? { code } : {}), message: err.message, ms: ms() });
    });
  });
}

export interface TlsFacts {
  /** Whether Node would accept the chain (trust, validity), the host name aside (see hostnameError). */
  authorized: boolean;
  /** Node's reason when it would not (CERT_HAS_EXPIRED, UNABLE_TO_VERIFY_LEAF_SIGNATURE...). */
  authorizationError?: string;
  /** Why the certificate does not fit the host name, when it does not. */
  hostnameError?: string;
  leaf: CertFacts;
  /** The certificates the server sent, leaf first. */
  chain: CertFacts[];
  protocol: string | null;
}

/** Node's verdict on a connected TLS socket (made with rejectUnauthorized: false), for a host name; undefined without a certificate. */
export function tlsFacts(socket: TLSSocket, servername: string): TlsFacts | undefined {
  const peer = socket.getPeerCertificate(true);
  if (!peer || !peer.raw) return undefined;
  const identity = checkServerIdentity(servername, peer);
  // Node puts the host name mismatch here too; it is reported on its own, so the chain's verdict stays apart.
  const raw: unknown = socket.authorizationError;
  const code = typeof raw === 'string' ? raw : raw instanceof Error ? (errorCode(raw) ?? raw.message) : undefined;
  const authorizationError = code === 'ERR_TLS_CERT_ALTNAME_INVALID' ? undefined : code;
  const chain = peerChain(peer);
  return {
    authorized: authorizationError === undefined,
    ...(authorizationError ? { authorizationError } : {}),
    ...(identity ? { hostnameError: identity.message } : {}),
    leaf: chain[0]!,
    chain,
    protocol: socket.getProtocol(),
  };
}

function peerChain(peer: PeerCertificate & { issuerCertificate?: PeerCertificate }): CertFacts[] {
  const out: CertFacts[] = [];
  const seen = new Set<string>();
  for (let c: (PeerCertificate & { issuerCertificate?: PeerCertificate }) | undefined = peer; c?.raw && out.length < 10; c = c.issuerCertificate) {
    if (seen.has(c.fingerprint256)) break;
    seen.add(c.fingerprint256);
    out.push(certFacts(new X509Certificate(c.raw)));
  }
  return out;
}

// ---- certificate files ------------------------------------------------------------------------

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The certificates of a PEM text; throws a one-line reason when it holds none or one does not parse. */
export function parsePemCertificates(text: string, what: string): X509Certificate[] {
  const blocks = text.match(PEM_CERT) ?? [];
  if (blocks.length === 0) {
    const looksDer = /^\u0030[\u0080-\u00ff]/.test(text);
    throw new Error(`${what} is not PEM (no "-----BEGIN CERTIFICATE-----" block${looksDer ? '; it looks like DER: convert it with openssl x509 -inform der' : ''})`);
  }
  return blocks.map((b, i) => {
    try {
      return new X509Certificate(b);
    } catch (err) {
      throw new Error(`${what}: certificate ${i + 1} of ${blocks.length} does not parse (${(err as Error).message})`);
    }
  });
}

/** Reads a PEM file (at most 1 MiB); throws a one-line reason. */
export async function readPem(path: string): Promise<string> {
  const buf = await readFile(path);
  if (buf.length > MAX_PEM_BYTES) throw new Error(`${path} is ${buf.length} bytes, too large for a certificate file`);
  return buf.toString('latin1');
}

export type ChainVerdict =
  | { trusted: true; anchor: string }
  | { trusted: false; code: 'DEPTH_ZERO_SELF_SIGNED_CERT' | 'SELF_SIGNED_CERT_IN_CHAIN' | 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'; missingIssuer?: string };

let parsedRoots: X509Certificate[] | undefined;

/**
 * Walks from the leaf up to a trusted root as OpenSSL does (issuer name and key, a CA certificate, its
 * signature): through the file's own intermediates, then the trusted set (Node's bundled roots plus
 * `trusted`, e.g. gateway.tls.caPath and NODE_EXTRA_CA_CERTS).
 */
export function verifyChain(certs: readonly X509Certificate[], trusted: readonly X509Certificate[] = []): ChainVerdict {
  parsedRoots ??= rootCertificates.flatMap((pem) => {
    try {
      return [new X509Certificate(pem)];
    } catch {
      return [];
    }
  });
  const anchors = [...trusted, ...parsedRoots];
  const isAnchor = (c: X509Certificate) => anchors.some((a) => a.fingerprint256 === c.fingerprint256);
  // Not checkIssued(c): a leaf without keyCertSign is still self-signed when it verifies with its own key.
  const selfSigned = (c: X509Certificate) => c.subject === c.issuer && safeVerify(c, c);
  let cur = certs[0]!;
  for (let depth = 0; depth < 10; depth++) {
    if (isAnchor(cur)) return { trusted: true, anchor: nameOf(cur.subject) };
    if (selfSigned(cur)) return { trusted: false, code: depth === 0 ? 'DEPTH_ZERO_SELF_SIGNED_CERT' : 'SELF_SIGNED_CERT_IN_CHAIN' };
    const issuer = [...certs.slice(1), ...anchors].find((c) => c !== cur && c.ca && cur.checkIssued(c) && safeVerify(cur, c));
    if (!issuer) return { trusted: false, code: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', missingIssuer: nameOf(cur.issuer) };
    cur = issuer;
  }
  return { trusted: false, code: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', missingIssuer: nameOf(cur.issuer) };
}

function safeVerify(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/** Why a key file does not go with the certificate (or cannot be read as a key), or undefined when it does. */
export function keyMismatch(certPem: string, keyPem: string): string | undefined {
  try {
    createPrivateKey(keyPem);
  } catch (err) {
    return `the key file does not hold a private key Node can read (${(err as Error).message})`;
  }
  try {
    createSecureContext({ cert: certPem, key: keyPem });
    return undefined;
  } catch (err) {
    return /key values mismatch/i.test((err as Error).message) ? 'the private key does not belong to the certificate (key values mismatch)' : (err as Error).message;
  }
}

/** Whole days left (negative when expired). */
export function daysLeft(validTo: number, now: number): number {
  return Math.floor((validTo - now) / DAY_MS);
}

/** "12 days" from two days on, hours below (a certificate made for 2 days is not "1 day" from now). */
export function spanWords(ms: number): string {
  const abs = Math.abs(ms);
  if (abs >= 2 * DAY_MS) return `${Math.floor(abs / DAY_MS)} days`;
  return abs >= HOUR_MS ? `${Math.floor(abs / HOUR_MS)} h` : `${Math.floor(abs / 60_000)} min`;
}

/** How a certificate's end stands against warn/crit thresholds in days. */
export function expiryLevel(validTo: number, now: number, warnDays: number, critDays: number): 'expired' | 'crit' | 'warn' | 'ok' {
  const left = validTo - now;
  if (left < 0) return 'expired';
  if (left <= critDays * DAY_MS) return 'crit';
  if (left <= warnDays * DAY_MS) return 'warn';
  return 'ok';
}
