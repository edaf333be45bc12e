import type { FetchFunction, IncomingWebhookSendArguments } from '@slack/webhook';
import * as z from 'zod';
import { PermanentError, TransientError, type Alert, type AlertBatch, type NotifierFactory } from '../src/contracts.ts';
import {
  alertLevel,
  escapeAndFit,
  escapeSlackMrkdwn,
  escapeSlackMrkdwnKeepingCode,
  formatRelated,
  orderAlerts,
  sanitizeBatch,
  truncate,
  type SafeBatch,
} from '../src/alerts/format.ts';
import { alertLine, footerLine, formatSubject, headlineOf, stepsOf, timingLine } from '../src/alerts/render.ts';
import { deadline, endpointSchema, innermostMessage, errorCode, parseRetryAfter, resolveEndpoint, scrubber, timeoutMsSchema } from './delivery.ts';

// Mentions are opt-in through config only, and only Slack's own mention tokens are accepted, so alert
// text can never choose whom to ping.
const MENTION = /^(?:<(?:!here|!channel|!everyone|@[UW][A-Z0-9]+|!subteam\^[A-Z0-9]+)>\s*)+$/;

export const slackOptionsSchema = z.strictObject({
  /** Incoming-webhook URL or an env:/file: reference to it (it is a secret: anyone with it can post). */
  url: endpointSchema,
  channel: z.string().regex(/^[#@]?[a-z0-9_.-]{1,80}$/i, 'must be a channel name such as #ops').optional(),
  username: z.string().min(1).max(80).optional(),
  iconEmoji: z.string().regex(/^:[a-z0-9_+'-]+:$/, 'must look like :rotating_light:').optional(),
  timeoutMs: timeoutMsSchema,
  /** Added to messages that carry an open crit alert, e.g. "<!here>" or "<@U123ABC>". */
  mentionOnCrit: z.string().trim().regex(MENTION, 'must be Slack mention tokens such as <!here> or <@U123ABC>').optional(),
});

export type SlackOptions = z.infer<typeof slackOptionsSchema>;

/** Slack's Block Kit limits. */
const LIMITS = { header: 150, sectionText: 3000, blocks: 50, fallback: 3000 } as const;
// Beyond this many alerts a message stops being read; the rest are listed in one "and N more" section.
const MAX_ALERT_SECTIONS = 20;
// Budgets, after escaping, for the parts of one alert section; they add up to less than sectionText.
const PART = { headline: 200, summary: 600, diagnosis: 800, remedy: 800, timing: 200, related: 250 } as const;

type Block = NonNullable<IncomingWebhookSendArguments['blocks']>[number];

const mrkdwn = (text: string) => ({ type: 'mrkdwn' as const, text, verbatim: true });
const fit = (text: string, max: number) => escapeAndFit(text, max, escapeSlackMrkdwn);
/** For diagnosis and remedy: their commands keep their code formatting. */
const fitKeepingCode = (text: string, max: number) => escapeAndFit(text, max, escapeSlackMrkdwnKeepingCode);

function hasOpenCrit(batch: AlertBatch): boolean {
  return batch.alerts.some((a) => a.severity === 'crit' && a.kind !== 'resolved' && a.kind !== 'test');
}

/** A command as Slack code: nothing is formatted inside, so only &, <, > and a backtick need care. */
function slackCode(command: string, max: number): string {
  const inert = command.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/`/g, '\u02cb');
  return `\`${inert.length > max ? `${inert.slice(0, max - 1)}…` : inert}\``;
}

function stepsMrkdwn(alert: Alert): string | undefined {
  const steps = alert.kind === 'resolved' ? [] : stepsOf(alert);
  if (steps.length === 0) return undefined;
  const each = Math.floor(PART.remedy / steps.length);
  const lines = steps.map((s, i) => {
    const n = steps.length > 1 ? `${i + 1}. ` : '';
    return `${n}${fitKeepingCode(s.text, each)}${s.command ? `\n${' '.repeat(n.length + 2)}${slackCode(s.command, each)}` : ''}`;
  });
  return `*What to do:*\n${lines.join('\n')}`;
}

function alertSection(alert: Alert, timeZone: string | undefined): Block {
  const lines = [`*${alertLevel(alert)}* · *${fit(alertLine(alert), PART.headline)}*`];
  lines.push(`_${fit(`${alert.checkId}${alert.incidentId ? ` · incident ${alert.incidentId}` : ''} · ${timingLine(alert, timeZone)}`, PART.timing)}_`);
  const summary = alert.kind === 'resolved' ? `Now: ${alert.summary}` : alert.summary;
  if (summary && summary !== headlineOf(alert)) lines.push(fit(summary, PART.summary));
  if (alert.diagnosis) lines.push(`*Why:* ${fitKeepingCode(alert.diagnosis, PART.diagnosis)}`);
  const steps = stepsMrkdwn(alert);
  if (steps) lines.push(steps);
  const related = formatRelated(alert);
  if (related) lines.push(`*${alert.kind === 'resolved' ? 'Also back' : 'Also failing because of it'}:* ${fit(related, PART.related)}`);
  return { type: 'section', text: mrkdwn(lines.join('\n').slice(0, LIMITS.sectionText)) };
}

/** The Block Kit message for a sanitized batch. */
export function buildSlackMessage(batch: SafeBatch, mentionOnCrit?: string): IncomingWebhookSendArguments {
  const title = formatSubject(batch, '').trim();
  const mention = mentionOnCrit && hasOpenCrit(batch) ? mentionOnCrit : undefined;
  const alerts = orderAlerts(batch.alerts);
  const room = Math.min(MAX_ALERT_SECTIONS, LIMITS.blocks - 3 - (mention ? 1 : 0));
  const shown = alerts.length > room ? alerts.slice(0, room - 1) : alerts;
  const hidden = alerts.slice(shown.length);

  const blocks: Block[] = [{ type: 'header', text: { type: 'plain_text', text: truncate(title, LIMITS.header), emoji: false } }];
  if (mention) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: mention } });
  for (const alert of shown) blocks.push(alertSection(alert, batch.timeZone));
  if (hidden.length > 0) {
    // Only the ids: a headline each would not fit, and the sections above carry the worst ones in full.
    const list = hidden.map((a) => `${alertLevel(a)} ${a.checkId}`).join(', ');
    blocks.push({ type: 'section', text: mrkdwn(`*…and ${hidden.length} more:* ${fit(list, LIMITS.sectionText - 40)}`) });
  }
  blocks.push({
    type: 'context',
    elements: [mrkdwn(fit(footerLine(batch), 600))],
  });

  // The fallback is what notifications and screen readers show; Slack parses it as mrkdwn too.
  const plain = [title, ...alerts.map((a) => `${alertLevel(a)} ${alertLine(a)}`)].join('\n');
  const text = (mention ? `${mention} ` : '') + fit(plain, LIMITS.fallback);
  return { text, blocks };
}

export const slackNotifier: NotifierFactory<SlackOptions> = {
  type: 'slack',
  optionsSchema: slackOptionsSchema,
  create(name, options, deps) {
    const what = `slack notifier "${name}"`;
    const url = resolveEndpoint(options.url, what, (ref) => deps.resolveSecret(ref));
    const scrub = scrubber(deps.redact, [url]);

    return {
      name,
      type: 'slack',
      timeoutMs: options.timeoutMs,
      async send(batch, signal) {
        const message = buildSlackMessage(sanitizeBatch(batch, deps.redact), options.mentionOnCrit);
        const limit = deadline(signal, options.timeoutMs);
        let retryAfter: string | null = null;
        // Our own fetch, so that the send honours the caller's signal and we can read Retry-After,
        // which IncomingWebhookHTTPError does not keep.
        const fetchWithDeadline: FetchFunction = async (target, init) => {
          const response = await fetch(target, { ...init, signal: limit.signal });
          retryAfter = response.headers.get('retry-after');
          return response;
        };
        // Loaded at the first send, not with the config: most agents send nothing for days.
        const { IncomingWebhook, IncomingWebhookHTTPError } = await import('@slack/webhook');
        const hook = new IncomingWebhook(url, {
          fetch: fetchWithDeadline, // carries the deadline, so the library's own timeout stays off
          retryConfig: { retries: 0 }, // the outbox retries, with backoff that survives restarts
          ...(options.channel ? { channel: options.channel } : {}),
          ...(options.username ? { username: options.username } : {}),
          ...(options.iconEmoji ? { icon_emoji: options.iconEmoji } : {}),
        });
        try {
          await hook.send(message);
        } catch (err) {
          if (err instanceof IncomingWebhookHTTPError) {
            const status = err.statusCode;
            const detail = `${what}: Slack answered HTTP ${status}${err.body ? ` (${scrub(err.body, 200)})` : ''}`;
            if (status === 429 || status === 408 || status >= 500) {
              const retryAfterMs = parseRetryAfter(retryAfter, deps.now());
              throw new TransientError(detail, retryAfterMs === undefined ? {} : { retryAfterMs });
            }
            throw new PermanentError(detail);
          }
          if (limit.timedOut()) throw new TransientError(`${what}: no answer within ${options.timeoutMs} ms`);
          if (signal.aborted) throw new TransientError(`${what}: send aborted`);
          const code = errorCode(err);
          throw new TransientError(`${what}: request failed${code ? ` (${code})` : ''}: ${scrub(innermostMessage(err))}`);
        }
      },
    };
  },
};
