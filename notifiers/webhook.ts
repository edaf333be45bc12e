import { createHmac } from 'node:crypto';
import * as z from 'zod';
import { PermanentError, TransientError, type AlertKind, type NotifierFactory, type RemedyStep, type Severity } from '../src/contracts.ts';
import { isSecretReference } from '../src/config/secrets.ts';
import { sanitizeBatch, type SafeBatch } from '../src/alerts/format.ts';
import { headlineOf } from '../src/alerts/render.ts';
import { deadline, endpointSchema, errorCode, request, innermostMessage, parseRetryAfter, resolveEndpoint, scrubber, timeoutMsSchema } from './delivery.ts';

// The wire format is documented in docs/webhook.md; change both together, and bump the schema
// name for anything a receiver could trip over (renamed or removed fields, changed meaning).
export const WEBHOOK_SCHEMA = 'clawmedic.alert.v1';

export interface WebhookAlertV1 {
  fingerprint: string;
  /** The incident's id, the same on its failing, reminder and resolved alerts (and in clawmedic's log and status). */
  incidentId: string | null;
  kind: AlertKind;
  checkId: string;
  severity: Severity;
  /** The cause in a few words. */
  headline: string;
  summary: string;
  diagnosis: string | null;
  remedy: string | null;
  /** The remedy as ordered steps, each a sentence and optionally a command. */
  steps: RemedyStep[];
  since: string;
  durationMs: number | null;
  related: Array<{ checkId: string; summary: string }>;
}

export interface WebhookPayloadV1 {
  schema: typeof WEBHOOK_SCHEMA;
  batchId: string;
  createdAt: string;
  host: string;
  gateway: string;
  /** IANA zone the sender shows times in; every time in the payload is UTC ISO 8601. */
  timeZone: string | null;
  alerts: WebhookAlertV1[];
}

/** Headers clawmedic sets itself; a config cannot override them. */
const RESERVED_HEADERS = new Set([
  'content-type',
  'content-length',
  'host',
  'transfer-encoding',
  'connection',
  'idempotency-key',
  'x-clawmedic-signature',
  'x-clawmedic-timestamp',
]);
// Literal values of these headers are credentials too, and get registered for redaction.
const SENSITIVE_HEADER = /auth|token|secret|key|cookie|password|signature|session/i;

const headerName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'must be an HTTP header name');

export const webhookOptionsSchema = z.strictObject({
  /** Receiver URL, or an env:/file: reference to it. */
  url: endpointSchema,
  method: z.enum(['POST', 'PUT']).default('POST'),
  /** Extra headers; values may be env:/file: references (e.g. "Authorization": "env:HOOK_AUTH"). */
  headers: z
    .record(headerName, z.string().regex(/^[^\r\n\0]*$/, 'must be one line'))
    .default({})
    .superRefine((headers, ctx) => {
      for (const name of Object.keys(headers)) {
        if (RESERVED_HEADERS.has(name.toLowerCase())) ctx.addIssue({ code: 'custom', path: [name], message: 'is set by clawmedic and cannot be overridden' });
      }
    }),
  /** Key for X-Clawmedic-Signature, an env:/file: reference. */
  hmacSecret: z.string().min(1).optional(),
  timeoutMs: timeoutMsSchema,
});

export type WebhookOptions = z.infer<typeof webhookOptionsSchema>;

/** The versioned JSON body for a sanitized batch: texts redacted and stripped, not escaped. */
export function buildWebhookPayload(batch: SafeBatch): WebhookPayloadV1 {
  return {
    schema: WEBHOOK_SCHEMA,
    batchId: batch.id,
    createdAt: batch.createdAt,
    host: batch.host,
    gateway: batch.gateway,
    timeZone: batch.timeZone ?? null,
    alerts: batch.alerts.map((a) => ({
      fingerprint: a.fingerprint,
      incidentId: a.incidentId ?? null,
      kind: a.kind,
      checkId: a.checkId,
      severity: a.severity,
      headline: headlineOf(a),
      summary: a.summary,
      diagnosis: a.diagnosis ?? null,
      remedy: a.remedy ?? null,
      steps: a.steps ?? [],
      since: a.since,
      durationMs: a.durationMs ?? null,
      related: a.related ?? [],
    })),
  };
}

/**
 * X-Clawmedic-Signature: "sha256=" + hex HMAC-SHA256 over `${timestamp}.${body}`, where timestamp is
 * the X-Clawmedic-Timestamp value (Unix seconds) and body the raw bytes sent. Signing the timestamp
 * with the body lets a receiver refuse replays of an old, validly signed request.
 */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

const ERROR_BODY_BYTES = 2048;

async function readSome(body: AsyncIterable<Buffer> & { destroy(): unknown }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= ERROR_BODY_BYTES) break; // leaving the loop destroys the stream
  }
  return Buffer.concat(chunks).subarray(0, ERROR_BODY_BYTES).toString('utf8');
}

export const webhookNotifier: NotifierFactory<WebhookOptions> = {
  type: 'webhook',
  optionsSchema: webhookOptionsSchema,
  create(name, options, deps) {
    const what = `webhook notifier "${name}"`;
    const url = resolveEndpoint(options.url, what, (ref) => deps.resolveSecret(ref));
    const hmacSecret = options.hmacSecret ? deps.resolveSecret(options.hmacSecret) : undefined;
    const custom: Record<string, string> = {};
    const secrets = [url, hmacSecret];
    for (const [header, value] of Object.entries(options.headers)) {
      const resolved = isSecretReference(value) || SENSITIVE_HEADER.test(header) ? deps.resolveSecret(value) : value;
      if (/[\r\n\0]/.test(resolved)) throw new Error(`${what}: header ${header} must be one line`);
      if (resolved !== value || SENSITIVE_HEADER.test(header)) secrets.push(resolved);
      custom[header] = resolved;
    }
    const scrub = scrubber(deps.redact, secrets);

    return {
      name,
      type: 'webhook',
      timeoutMs: options.timeoutMs,
      async send(batch, signal) {
        const safe = sanitizeBatch(batch, deps.redact);
        const body = JSON.stringify(buildWebhookPayload(safe));
        const headers: Record<string, string> = {
          'user-agent': 'clawmedic',
          ...custom,
          'content-type': 'application/json; charset=utf-8',
          // The sanitized id: the same as batchId in the body, and never a line break in a header.
          'idempotency-key': safe.id,
        };
        if (hmacSecret) {
          const timestamp = Math.floor(deps.now() / 1000);
          headers['x-clawmedic-timestamp'] = String(timestamp);
          headers['x-clawmedic-signature'] = signWebhook(hmacSecret, timestamp, body);
        }
        const limit = deadline(signal, options.timeoutMs);
        let status: number;
        let retryAfter: string | undefined;
        let answer = '';
        try {
          const response = await request(url, {
            method: options.method,
            headers,
            body,
            signal: limit.signal,
            headersTimeout: options.timeoutMs,
            bodyTimeout: options.timeoutMs,
          });
          status = response.statusCode;
          const header = response.headers['retry-after'];
          retryAfter = Array.isArray(header) ? header[0] : header;
          if (status >= 200 && status < 300) {
            await response.body.dump();
            return;
          }
          answer = await readSome(response.body).catch(() => '');
        } catch (err) {
          if (limit.timedOut()) throw new TransientError(`${what}: no answer within ${options.timeoutMs} ms`);
          if (signal.aborted) throw new TransientError(`${what}: send aborted`);
          const code = errorCode(err);
          throw new TransientError(`${what}: request failed${code ? ` (${code})` : ''}: ${scrub(innermostMessage(err))}`);
        }
        const detail = `${what}: receiver answered HTTP ${status}${answer.trim() ? ` (${scrub(answer, 200)})` : ''}`;
        if (status === 408 || status === 429 || status >= 500) {
          const retryAfterMs = parseRetryAfter(retryAfter, deps.now());
          throw new TransientError(detail, retryAfterMs === undefined ? {} : { retryAfterMs });
        }
        // Redirects are not followed (they would carry the signature somewhere else): fix the URL.
        throw new PermanentError(detail);
      },
    };
  },
};
