// TLS around the gateway: its own certificate (gateway.tls.certPath/keyPath, or the pair it generates under
// <state dir>/gateway/tls), the HTTPS endpoints it depends on (providers and channels from openclaw.json,
// plus configured ones), and NODE_TLS_REJECT_UNAUTHORIZED=0 in its environment. Endpoints get a handshake
// only: no request is sent, nothing is spent.
import { join } from 'node:path';
import * as z from 'zod';
import type { Check, CheckContext, CheckResult, Status } from '../src/contracts.ts';
import { STATUS_RANK } from '../src/evaluate/state-machine.ts';
import { readGatewayEnvironment } from '../src/platform/gateway-env.ts';
import { at, stringAt } from '../src/platform/openclaw-json.ts';
import { daysLeft, expiryLevel, keyMismatch, spanWords, parsePemCertificates, readPem, tlsHandshake, verifyChain, verifyWords, type CertFacts, type TlsHandshake, certFacts } from '../src/platform/tls-probe.ts';
import { errorCode } from '../src/platform/net.ts';
import { describeErrno } from '../src/util/errno.ts';
import { hostDependencies, loadOpenclawConfig, urlDependency, type HostDependency } from './openclaw-deps.ts';
import { parseCheckOptions } from './options.ts';

export const tlsOptionsSchema = z
  .strictObject({
    /** Days before expiry: WARN at warnDays, CRIT at critDays. */
    warnDays: z.number().int().min(0).max(365).default(14),
    critDays: z.number().int().min(0).max(365).default(3),
    /** More HTTPS URLs to check (a reverse proxy in front of the gateway, a self-hosted provider). */
    endpoints: z.array(z.url({ protocol: /^https$/ })).max(50).default([]),
    /** Check the HTTPS hosts openclaw.json implies (model providers, channel APIs). */
    dependencies: z.boolean().default(true),
    /** A PEM file of CA certificates to trust besides Node's bundled roots (a private CA). */
    caFile: z.string().min(1).optional(),
    /** Per handshake. */
    timeoutMs: z.number().int().min(100).max(60_000).default(5_000),
  })
  .refine((o) => o.critDays <= o.warnDays, { message: 'critDays must not be more than warnDays', path: ['critDays'] });
export type TlsOptions = z.output<typeof tlsOptionsSchema>;

export const tlsCheck: Check = {
  id: 'tls',
  title: 'TLS certificates of the gateway and its endpoints',
  defaults: { schedule: '30m', timeoutMs: 60_000, options: {} },
  optionsSchema: tlsOptionsSchema as unknown as z.ZodType<Record<string, unknown>>,
  explainedBy: ['config'],
  run: runTls,
};

const CONCURRENCY = 4;

interface Finding {
  status: Status;
  /** One line, naming the certificate or endpoint. */
  text: string;
  remedy?: string;
}

async function runTls(ctx: CheckContext): Promise<CheckResult> {
  const parsed = parseCheckOptions(tlsOptionsSchema, ctx.options);
  if ('result' in parsed) return parsed.result;
  const options = parsed.options;
  const loaded = loadOpenclawConfig(ctx.target.openclawConfigPath, 'which certificates to check');
  if ('result' in loaded) return loaded.result;
  const config = loaded.config;
  const now = ctx.now();
  const findings: Finding[] = [];
  const checked: string[] = [];
  const details: Record<string, unknown> = {};

  const env = await readGatewayEnvironment(ctx.target, { signal: ctx.signal });
  if (env.settings.NODE_TLS_REJECT_UNAUTHORIZED === '0') {
    findings.push({
      status: 'warn',
      text: `NODE_TLS_REJECT_UNAUTHORIZED=0 is set in the gateway's environment (${env.from}): it accepts any certificate, so its provider and channel connections can be intercepted`,
      remedy: "Remove NODE_TLS_REJECT_UNAUTHORIZED from the gateway's service environment; trust a private CA with NODE_EXTRA_CA_CERTS=/path/ca.pem instead.",
    });
  }

  // What the gateway itself trusts besides Node's roots: clawmedic verifies endpoints the same way.
  const extraCa: string[] = [];
  const trustFiles = [options.caFile, env.settings.NODE_EXTRA_CA_CERTS].filter((f): f is string => !!f);
  for (const file of trustFiles) {
    try {
      extraCa.push(await readPem(file));
    } catch (err) {
      findings.push({ status: 'warn', text: `cannot read the CA file ${file}: ${describeErrno(errorCode(err), err)}` });
    }
  }

  const own = await gatewayCertificate(ctx, config, options, extraCa, now);
  if (own) {
    findings.push(...own.findings);
    checked.push(own.label);
    details.gateway = own.details;
  }

  const endpoints: HostDependency[] = [];
  if (options.dependencies) endpoints.push(...hostDependencies(config).hosts.filter((h) => h.https));
  for (const url of options.endpoints) {
    const dep = urlDependency(url, 'checks.tls.options.endpoints', 'extra');
    if (dep && !endpoints.some((e) => e.host === dep.host && e.port === dep.port)) endpoints.push(dep);
  }
  const results: Array<{ dep: HostDependency; hs: TlsHandshake }> = [];
  for (let i = 0; i < endpoints.length; i += CONCURRENCY) {
    const batch = endpoints.slice(i, i + CONCURRENCY);
    results.push(...(await Promise.all(batch.map(async (dep) => ({ dep, hs: await tlsHandshake({ host: dep.host, port: dep.port, extraCa, timeoutMs: options.timeoutMs, signal: ctx.signal }) })))));
    if (ctx.signal.aborted) return { status: 'unknown', summary: 'TLS check cancelled (check timeout or agent stopping)' };
  }
  for (const { dep, hs } of results) {
    checked.push(`${dep.host}:${dep.port}`);
    findings.push(...judgeEndpoint(dep, hs, options, now));
  }
  details.endpoints = results.map(({ dep, hs }) => ({
    endpoint: `${dep.host}:${dep.port}`,
    source: dep.source,
    ...(hs.ok ? { ms: hs.ms, protocol: hs.protocol, authorized: hs.authorized, authorizationError: hs.authorizationError, hostnameError: hs.hostnameError, chain: hs.chain.map(brief) } : { error: hs.kind, code: hs.code, message: hs.message }),
  }));
  if (env.note) details.environment = env.note;

  const metrics: Record<string, number> = { endpoints: results.length };
  const soonest = [own?.expires, ...results.map((r) => (r.hs.ok ? r.hs.leaf.validTo : undefined))].filter((v): v is number => v !== undefined);
  if (soonest.length) metrics.minDaysLeft = daysLeft(Math.min(...soonest), now);

  if (checked.length === 0 && findings.length === 0) {
    return { status: 'ok', summary: 'no TLS to check: the gateway serves no TLS and openclaw.json names no HTTPS endpoint', metrics, details };
  }
  const bad = findings.filter((f) => f.status !== 'ok').sort((a, b) => STATUS_RANK[b.status] - STATUS_RANK[a.status]);
  const notes = findings.filter((f) => f.status === 'ok').map((f) => f.text);
  if (bad.length === 0) {
    const days = metrics.minDaysLeft !== undefined ? `; the soonest expires in ${metrics.minDaysLeft} days` : '';
    return { status: 'ok', summary: `TLS fine for ${checked.join(', ')}${days}${notes.length ? `; ${notes.join('; ')}` : ''}`, metrics, details };
  }
  const remedies = [...new Set(bad.map((f) => f.remedy).filter((r): r is string => !!r))];
  return {
    status: bad[0]!.status,
    summary: `${bad[0]!.text}${bad.length > 1 ? ` (+${bad.length - 1} more)` : ''}`,
    diagnosis: [...bad.map((f) => f.text), ...notes].join('\n'),
    ...(remedies.length ? { remedy: remedies.join('\n') } : {}),
    metrics,
    details,
  };
}

function brief(c: CertFacts) {
  return { subject: c.subject, issuer: c.issuer, validTo: new Date(c.validTo).toISOString() };
}

/** Expiry and validity window of one certificate, in the words of its label. */
function validity(label: string, c: CertFacts, options: TlsOptions, now: number, renew: string): Finding | undefined {
  if (c.validFrom > now) {
    return {
      status: 'crit',
      text: `${label}: the certificate is not valid until ${new Date(c.validFrom).toISOString()} (this host's clock says ${new Date(now).toISOString()}: is the clock right?)`,
      remedy: 'Check the host clock (`timedatectl`; enable NTP with `timedatectl set-ntp true`): a clock behind makes new certificates look not yet valid, ahead makes valid ones look expired.',
    };
  }
  const level = expiryLevel(c.validTo, now, options.warnDays, options.critDays);
  const date = new Date(c.validTo).toISOString().slice(0, 10);
  if (level === 'expired') return { status: 'crit', text: `${label}: the certificate expired on ${date} (${spanWords(now - c.validTo)} ago)`, remedy: renew };
  if (level !== 'ok') return { status: level, text: `${label}: the certificate expires in ${spanWords(c.validTo - now)} (${date})`, remedy: renew };
  return undefined;
}

function judgeEndpoint(dep: HostDependency, hs: TlsHandshake, options: TlsOptions, now: number): Finding[] {
  const label = `${dep.host}:${dep.port} (${dep.source})`;
  if (!hs.ok) {
    if (hs.kind === 'tls') return [{ status: 'crit', text: `${label}: the TLS handshake fails: ${hs.message}` }];
    return [{ status: 'warn', text: `${label}: cannot reach it for a TLS handshake (${hs.kind}${hs.code ? ` ${hs.code}` : ''})`, remedy: 'The dns check tells a name that does not resolve; otherwise check the route and any proxy or firewall towards it.' }];
  }
  const out: Finding[] = [];
  const renew = dep.kind === 'extra' ? `Renew the certificate of ${dep.host} (or its ACME automation).` : `${dep.host} is not yours: if its certificate is wrong for everyone the provider must fix it; if only here, something between (a proxy) presents it.`;
  const window = validity(label, hs.leaf, options, now, renew);
  if (window) out.push(window);
  if (hs.authorizationError && hs.authorizationError !== 'CERT_HAS_EXPIRED' && hs.authorizationError !== 'CERT_NOT_YET_VALID') {
    const missing = hs.authorizationError === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' || hs.authorizationError === 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY';
    out.push({
      status: 'crit',
      text: `${label}: Node rejects the certificate: ${verifyWords(hs.authorizationError)} (issuer ${hs.leaf.issuer})`,
      remedy: missing
        ? `The server must send its intermediate certificate with the leaf (the full chain); a private CA is trusted with NODE_EXTRA_CA_CERTS in the gateway's environment (and checks.tls.options.caFile here).`
        : 'A self-signed or private certificate is trusted by adding its CA with NODE_EXTRA_CA_CERTS, never with NODE_TLS_REJECT_UNAUTHORIZED=0. An interception proxy shows up here too.',
    });
  }
  if (hs.hostnameError) out.push({ status: 'crit', text: `${label}: the certificate is for another host (${hs.leaf.altNames ?? hs.leaf.subject})`, remedy: 'Use the host name the certificate names in the URL, or get a certificate that names this host.' });
  return out;
}

interface OwnCertificate {
  label: string;
  findings: Finding[];
  expires?: number;
  details: Record<string, unknown>;
}

/** The gateway's own certificate: gateway.tls.certPath/keyPath, or the generated pair when TLS is on without them. */
async function gatewayCertificate(ctx: CheckContext, config: Record<string, unknown>, options: TlsOptions, extraCa: string[], now: number): Promise<OwnCertificate | undefined> {
  const enabled = at(config, 'gateway.tls.enabled') === true;
  const configuredCert = stringAt(config, 'gateway.tls.certPath');
  if (!enabled && !configuredCert) return undefined;
  const generatedDir = join(ctx.target.openclawStateDir, 'gateway', 'tls');
  const certPath = configuredCert ?? join(generatedDir, 'gateway-cert.pem');
  const keyPath = stringAt(config, 'gateway.tls.keyPath') ?? join(generatedDir, 'gateway-key.pem');
  const caPath = stringAt(config, 'gateway.tls.caPath');
  const label = `the gateway's certificate ${certPath}`;
  const details: Record<string, unknown> = { certPath, keyPath, ...(caPath ? { caPath } : {}) };
  const findings: Finding[] = [];
  const renew = `Renew it and put the new pair at ${certPath} and ${keyPath}: the gateway picks up replaced files without a restart (unless gateway.reload.mode is "off").`;

  let certPem: string;
  try {
    certPem = await readPem(certPath);
  } catch (err) {
    const code = errorCode(err);
    const keyThere = await readPem(keyPath).then(() => true, () => false);
    if (code === 'ENOENT' && !keyThere && at(config, 'gateway.tls.autoGenerate') !== false) {
      return { label, findings: [{ status: 'ok', text: `${label} does not exist yet: the gateway generates a self-signed pair at its next start` }], details };
    }
    const status: Status = code === 'ENOENT' ? 'crit' : 'warn';
    return {
      label,
      findings: [{ status, text: `cannot read ${label}: ${describeErrno(code, err)}`, remedy: code === 'ENOENT' ? `The gateway refuses to start with TLS on and half a pair: put the certificate at ${certPath} (or fix gateway.tls.certPath).` : 'Run clawmedic as the gateway\'s user, or make the certificate (not the key) readable to it.' }],
      details,
    };
  }
  let certs;
  try {
    certs = parsePemCertificates(certPem, certPath);
  } catch (err) {
    return { label, findings: [{ status: 'warn', text: (err as Error).message, remedy: 'gateway.tls.certPath must be a PEM file: the leaf certificate first, then its intermediates.' }], details };
  }
  const leaf = certFacts(certs[0]!);
  details.leaf = brief(leaf);
  details.certificates = certs.length;
  const window = validity(label, leaf, options, now, renew);
  if (window) findings.push(window);

  try {
    const mismatch = keyMismatch(certPem, await readPem(keyPath));
    if (mismatch) findings.push({ status: 'crit', text: `${label}: ${mismatch} (${keyPath})`, remedy: `Put the key that goes with the certificate at ${keyPath}: the gateway keeps serving the previous pair, and refuses to start with this one.` });
  } catch (err) {
    const code = errorCode(err);
    findings.push(
      code === 'ENOENT'
        ? { status: 'crit', text: `${label}: its key ${keyPath} does not exist`, remedy: `The gateway refuses to start with TLS on and half a pair: put the key at ${keyPath}.` }
        : { status: 'ok', text: `key ${keyPath} not compared (${describeErrno(code, err)})` },
    );
  }

  const trusted: ReturnType<typeof parsePemCertificates> = [];
  for (const pem of [...extraCa, ...(caPath ? [await readPem(caPath).catch(() => '')] : [])]) {
    try {
      trusted.push(...parsePemCertificates(pem, 'CA'));
    } catch {
      // An unreadable CA file is reported where it is read; here it just trusts nothing.
    }
  }
  const chain = verifyChain(certs, trusted);
  details.chain = chain;
  if (!chain.trusted) {
    if (chain.code === 'DEPTH_ZERO_SELF_SIGNED_CERT') {
      findings.push({ status: 'ok', text: 'the gateway certificate is self-signed (clients must pin it or trust it explicitly)' });
    } else if (chain.code === 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY') {
      findings.push({
        status: 'warn',
        text: `${label}: the chain is incomplete: the issuer ${chain.missingIssuer ?? ''} is neither in the file nor trusted (missing intermediate)`,
        remedy: `Append the intermediate certificate(s) to ${certPath} after the leaf (the "fullchain" file), or set gateway.tls.caPath to the private CA.`,
      });
    } else {
      findings.push({ status: 'ok', text: `the gateway certificate chains to a root Node does not trust by default (${verifyWords(chain.code)})` });
    }
  }
  return { label, findings, expires: leaf.validTo, details };
}
