import type { NodemailerError, Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import * as z from 'zod';
import { PermanentError, TransientError, type Alert, type NotifierFactory } from '../src/contracts.ts';
import { isSecretReference } from '../src/config/secrets.ts';
import { alertLevel, batchLevel, escapeHtml as e, oneLine, orderAlerts, sanitizeBatch, type BatchLevel, type SafeBatch } from '../src/alerts/format.ts';
import { alertLine, footerLine, formatSubject, headlineOf, renderText, stepsOf, timingLine } from '../src/alerts/render.ts';
import { deadline, isLoopbackHost, scrubber, timeoutMsSchema } from './delivery.ts';

/**
 * "ops@example.com" or "Ops Team <ops@example.com>". No commas, semicolons or quotes in the name:
 * nodemailer would read "Ops, Team <...>" as two addresses.
 */
function isMailbox(value: string): boolean {
  const m = /^(?:([^<>\r\n",;]*)<([^<>\s]+)>|([^<>\s,;]+))$/.exec(value.trim());
  const address = m?.[2] ?? m?.[3];
  return address !== undefined && z.email().safeParse(address).success;
}

const mailbox = z.string().refine(isMailbox, 'must be an e-mail address, optionally with a name: "Ops <ops@example.com>"');

export const emailOptionsSchema = z
  .strictObject({
    host: z.string().regex(/^[A-Za-z0-9.:[\]-]{1,253}$/, 'must be a host name or IP address'),
    port: z.number().int().min(1).max(65535).default(587),
    /** TLS from the first byte (SMTPS); defaults to true on port 465. */
    secure: z.boolean().optional(),
    /**
     * auto: upgrade when the server offers STARTTLS (and insist on it when credentials would go to a
     * host that is not loopback); require: fail without it; never: stay in plain text.
     */
    startTls: z.enum(['auto', 'require', 'never']).default('auto'),
    /** User name, or an env:/file: reference to it. */
    user: z.string().min(1).optional(),
    /** Password: an env:/file: reference (a literal works too but then sits in the config file). */
    password: z.string().min(1).optional(),
    from: mailbox,
    to: z.union([mailbox, z.array(mailbox).min(1).max(50)]),
    subjectPrefix: z.string().max(40).regex(/^[^\r\n]*$/, 'must be one line').default('[clawmedic]'),
    timeoutMs: timeoutMsSchema,
    /** Verify the server's certificate; turn off only for a relay you trust with a self-signed one. */
    tlsRejectUnauthorized: z.boolean().default(true),
  })
  .superRefine((o, ctx) => {
    if (o.password && !o.user) ctx.addIssue({ code: 'custom', path: ['user'], message: 'is required when password is set' });
    if (o.user && !o.password) ctx.addIssue({ code: 'custom', path: ['password'], message: 'is required when user is set' });
    const tlsFromStart = o.secure ?? o.port === 465;
    if (o.password && !tlsFromStart && o.startTls === 'never' && !isLoopbackHost(o.host)) {
      ctx.addIssue({ code: 'custom', path: ['startTls'], message: '"never" would send the password in clear text to a host that is not loopback' });
    }
  });

export type EmailOptions = z.infer<typeof emailOptionsSchema>;

const LEVEL_COLOUR: Record<BatchLevel, string> = {
  CRIT: '#c62828',
  WARN: '#ef6c00',
  INFO: '#1565c0',
  RESOLVED: '#2e7d32',
  TEST: '#6a1b9a',
};

/** Text whose `code spans` are commands (the product's own remedies): the spans become <code>, the rest is escaped. */
function htmlWithCode(text: string): string {
  let out = '';
  let last = 0;
  for (const m of text.matchAll(/`([^`\n]+)`/g)) {
    out += `${e(text.slice(last, m.index))}<code style="${CODE_STYLE}">${e(m[1]!)}</code>`;
    last = m.index + m[0].length;
  }
  return out + e(text.slice(last));
}

const CODE_STYLE = 'font-family:Menlo,Consolas,monospace;font-size:13px;background:#f3f3f3;padding:1px 4px;border-radius:3px';
// A command is one line that may scroll, never wraps: a wrapped command is copied broken.
const COMMAND_STYLE = `display:block;margin:4px 0;white-space:pre;overflow-x:auto;${CODE_STYLE};padding:6px 8px`;

function stepsHtml(alert: Alert): string {
  const steps = stepsOf(alert);
  if (steps.length === 0) return '';
  const items = steps.map((s) => `<li style="margin:4px 0">${htmlWithCode(s.text)}${s.command ? `<code style="${COMMAND_STYLE}">${e(s.command)}</code>` : ''}</li>`);
  return `<p style="margin:8px 0 2px"><strong>What to do</strong></p><ol style="margin:0;padding-left:20px">${items.join('')}</ol>`;
}

function alertHtml(alert: Alert, timeZone: string | undefined): string {
  const level = alertLevel(alert);
  const summary = alert.kind === 'resolved' ? `Now: ${alert.summary}` : alert.summary;
  const showSummary = summary && oneLine(summary) !== headlineOf(alert);
  const related = alert.related?.length
    ? `<p style="margin:8px 0 2px"><strong>${alert.kind === 'resolved' ? 'Also back' : 'Also failing because of it'}</strong></p><ul style="margin:0;padding-left:20px">${alert.related
        .map((r) => `<li>${e(r.checkId)}: ${e(r.summary)}</li>`)
        .join('')}</ul>`
    : '';
  return [
    `<div style="margin:0 0 16px;padding:4px 12px;border-left:4px solid ${LEVEL_COLOUR[level]}">`,
    `<p style="margin:4px 0;font-size:15px"><strong style="color:${LEVEL_COLOUR[level]}">${level}</strong> <strong>${e(alertLine(alert))}</strong></p>`,
    `<p style="margin:2px 0;color:#555;font-size:12px">${e(alert.checkId)}${alert.incidentId ? ` · incident ${e(alert.incidentId)}` : ''} · ${e(timingLine(alert, timeZone))}</p>`,
    showSummary ? `<p style="margin:6px 0">${e(summary)}</p>` : '',
    alert.diagnosis ? `<p style="margin:8px 0 2px"><strong>Why</strong></p><p style="margin:0;white-space:pre-wrap">${htmlWithCode(alert.diagnosis)}</p>` : '',
    alert.kind === 'resolved' ? '' : stepsHtml(alert),
    related,
    '</div>',
  ].join('');
}

/** The HTML part: every alert text escaped, inline styles only (mail clients drop style sheets). */
export function renderHtml(batch: SafeBatch): string {
  const title = e(formatSubject(batch, '').trim());
  return [
    '<!doctype html><html><head><meta charset="utf-8">',
    `<title>${title}</title></head>`,
    '<body style="font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;font-size:14px;color:#222;max-width:760px">',
    ...orderAlerts(batch.alerts).map((a) => alertHtml(a, batch.timeZone)),
    `<p style="color:#777;font-size:12px">${e(footerLine(batch))}</p>`,
    '</body></html>',
  ].join('\n');
}

/** A host name made safe for the right-hand side of a Message-ID. */
function idDomain(host: string): string {
  return `clawmedic.${host.toLowerCase().replace(/[^a-z0-9.-]+/g, '-').replace(/^[.-]+|[.-]+$/g, '') || 'host'}`;
}

/**
 * Threading: the first mail about an incident has the Message-ID <incident-ID@clawmedic.host>; its
 * reminders, severity changes and resolved notice answer it (In-Reply-To, References), so a mail client
 * shows an incident as one thread.
 */
export function threadingHeaders(batch: SafeBatch): { messageId: string; inReplyTo?: string; references?: string[] } {
  const domain = idDomain(batch.host);
  const incidentRef = (id: string) => `<incident-${id}@${domain}>`;
  const ordered = orderAlerts(batch.alerts);
  const opener = ordered.find((a) => a.incidentId && (a.kind === 'failing' || a.kind === 'flapping'));
  const messageId = opener ? incidentRef(opener.incidentId!) : `<batch-${batch.id.replace(/[^A-Za-z0-9-]/g, '')}@${domain}>`;
  const refs = [...new Set(ordered.filter((a) => a.incidentId).map((a) => incidentRef(a.incidentId!)))].filter((r) => r !== messageId);
  if (refs.length === 0) return { messageId };
  return { messageId, inReplyTo: refs[0]!, references: refs };
}

// A certificate that fails verification (self-signed, expired, wrong name) fails the same way next
// time: that is configuration. Node reports it as ETLS or ESOCKET, keeping its own code as originalCode.
const CERTIFICATE_PROBLEM = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME/;
// No reply code, but retrying the same message with the same settings cannot help.
const PERMANENT_CODES = new Set(['EAUTH', 'ENOAUTH', 'ECONFIG', 'EENVELOPE', 'EREQUIRETLS', 'EMAXRECIPIENTS']);

function isPermanent(err: NodemailerError): boolean {
  const reply = err.responseCode;
  // RFC 5321: 5yz is a permanent rejection, 4yz a transient one; 503 (bad sequence) is about the session.
  if (typeof reply === 'number' && reply >= 400) return reply >= 500 && reply !== 503;
  if (err.code && PERMANENT_CODES.has(err.code)) return true;
  return CERTIFICATE_PROBLEM.test(err.originalCode ?? '') || /\bcertificate\b/i.test(err.message ?? '');
}

export const emailNotifier: NotifierFactory<EmailOptions> = {
  type: 'email',
  optionsSchema: emailOptionsSchema,
  create(name, options, deps) {
    const what = `email notifier "${name}"`;
    // A literal user is not a secret (and masking it everywhere would blank ordinary words), but a
    // referenced one is resolved like any secret. Either way it is kept out of error messages.
    const user = options.user && (isSecretReference(options.user) ? deps.resolveSecret(options.user) : options.user);
    const password = options.password ? deps.resolveSecret(options.password) : undefined;
    const scrub = scrubber(deps.redact, [password, user]);
    const to = Array.isArray(options.to) ? options.to : [options.to];
    const secure = options.secure ?? options.port === 465;
    const requireTLS =
      options.startTls === 'require' || (options.startTls === 'auto' && !!password && !secure && !isLoopbackHost(options.host));

    // nodemailer is loaded at the first send: an agent that never mails (or mails rarely) does not carry it.
    let transport: Transporter<SMTPTransport.SentMessageInfo> | undefined;
    const transportFor = async (): Promise<Transporter<SMTPTransport.SentMessageInfo>> =>
      (transport ??= (await import('nodemailer')).default.createTransport({
      host: options.host,
      port: options.port,
      secure,
      requireTLS,
      ignoreTLS: options.startTls === 'never',
      ...(user && password ? { auth: { user, pass: password } } : {}),
      connectionTimeout: options.timeoutMs,
      greetingTimeout: options.timeoutMs,
      socketTimeout: options.timeoutMs,
      dnsTimeout: options.timeoutMs,
      tls: { rejectUnauthorized: options.tlsRejectUnauthorized, minVersion: 'TLSv1.2' },
      logger: false,
      debug: false,
    }));

    return {
      name,
      type: 'email',
      timeoutMs: options.timeoutMs,
      async send(batch, signal) {
        const safe = sanitizeBatch(batch, deps.redact);
        // The subject is the one line most people read: severity, host and what failed.
        const subject = formatSubject(safe, options.subjectPrefix);
        const thread = threadingHeaders(safe);
        const limit = deadline(signal, options.timeoutMs);
        try {
          const info = await (await transportFor()).sendMail({
            from: options.from,
            to,
            subject,
            text: renderText(safe),
            html: renderHtml(safe),
            messageId: thread.messageId,
            ...(thread.inReplyTo ? { inReplyTo: thread.inReplyTo, references: thread.references } : {}),
            priority: batchLevel(safe) === 'CRIT' ? 'high' : 'normal',
            // RFC 3834: keeps vacation responders from answering the watchdog.
            headers: { 'Auto-Submitted': 'auto-generated', 'X-Clawmedic-Batch': safe.id },
            signal: limit.signal,
          });
          // Some recipients took it: retrying the batch would send them a duplicate, so only report it.
          if (info.rejected.length > 0) {
            deps.log.warn({ notifier: name, rejected: info.rejected.map((r) => scrub(String(r))) }, 'some recipients were rejected');
          }
        } catch (err) {
          const error = err as NodemailerError;
          if (limit.timedOut()) throw new TransientError(`${what}: no answer within ${options.timeoutMs} ms`);
          if (signal.aborted) throw new TransientError(`${what}: send aborted`);
          const reply = typeof error.responseCode === 'number' ? `SMTP ${error.responseCode}` : error.code;
          const detail = `${what}: ${reply ? `${reply}: ` : ''}${scrub(error.message ?? String(err))}`;
          throw isPermanent(error) ? new PermanentError(detail) : new TransientError(detail);
        }
      },
    };
  },
};
