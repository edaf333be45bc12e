import * as z from 'zod';
import { PermanentError, TransientError, type Alert, type Notifier, type NotifierFactory, type Severity } from '../src/contracts.ts';
import { durationUpTo } from '../src/config/durations.ts';
import { sanitizeBatch } from '../src/alerts/format.ts';
import { deadline, endpointSchema, errorCode, request, innermostMessage, resolveEndpoint, scrubber, timeoutMsSchema } from './delivery.ts';

// Alertmanager's v2 API (POST /api/v2/alerts), the way Prometheus feeds it: an alert is a label set, it
// fires while it is posted again before its endsAt, and it resolves with endsAt in the past. Transitions
// (failing, escalated, resolved...) come through the outbox like every notifier's; between them this
// notifier posts what still fires every resendInterval, and after a restart it takes back from
// Alertmanager what it had posted, so an alert neither lapses while clawmedic runs nor stays when it stops.

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const OWN_LABELS = new Set(['alertname', 'check', 'severity', 'host', 'gateway', 'event']);

export const alertmanagerOptionsSchema = z.strictObject({
  /** Each Alertmanager of an HA pair or cluster, e.g. "http://127.0.0.1:9093": every one gets every alert. */
  urls: z.array(endpointSchema).min(1).max(8),
  /** Labels added to every alert (cluster, env, team...): what Alertmanager routes on. */
  labels: z
    .record(z.string().regex(LABEL_NAME, 'must be a Prometheus label name').refine((k) => !OWN_LABELS.has(k) && !k.startsWith('__'), 'is set by clawmedic'), z.string().max(256))
    .default({}),
  /** How often what still fires is posted again; each post holds the alert for 4 times this. */
  resendInterval: durationUpTo(3_600_000)
    .refine((ms) => ms >= 5_000, 'at least 5s')
    .default(60_000),
  /** Sent as Authorization: Bearer (an Alertmanager behind an authenticating proxy); an env:/file: reference. */
  bearerToken: z.string().min(1).optional(),
  /** A link back (the status page), shown by Alertmanager as the alert's source. */
  generatorUrl: z.url().optional(),
  timeoutMs: timeoutMsSchema,
});

export type AlertmanagerOptions = z.infer<typeof alertmanagerOptionsSchema>;

export interface AmAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL?: string;
}

const AM_SEVERITY: Record<Severity, string> = { crit: 'critical', warn: 'warning', info: 'info' };
/** A test alert shows in Alertmanager (and reaches its receivers) for this long. */
const TEST_HOLD_MS = 5 * 60_000;
/** A recovery event that is no lasting condition (started, recovered, failed...) shows this long. */
const EVENT_HOLD_MS = 15 * 60_000;
/** Recovery events that last until auto-recovery is re-armed. */
const LASTING_EVENTS = new Set(['gave-up', 'held']);

/** "recovery:ra-12:failed" -> "failed"; "recovery:gave-up" -> "gave-up". */
function recoveryEvent(alert: Alert): string {
  return alert.fingerprint.split(':').at(-1) ?? 'event';
}

function alertName(alert: Alert): string {
  if (alert.kind === 'test') return 'ClawmedicTest';
  if (alert.kind === 'recovery') return 'ClawmedicRecovery';
  return alert.fingerprint.endsWith(':flapping') ? 'ClawmedicCheckFlapping' : 'ClawmedicCheckFailing';
}

/** Identity of what fires, independent of severity and condition: one check's incident, or one lasting recovery event. */
function keyOf(alert: Alert): string {
  return alert.kind === 'recovery' ? `recovery:${recoveryEvent(alert)}` : `check:${alert.checkId}`;
}

interface Context {
  host: string;
  gateway: string;
  extra: Record<string, string>;
  generatorUrl?: string;
}

export function toAmAlert(alert: Alert, ctx: Context, endsAt: number): AmAlert {
  const labels: Record<string, string> = {
    ...ctx.extra,
    alertname: alertName(alert),
    check: alert.checkId,
    severity: AM_SEVERITY[alert.severity],
    host: ctx.host,
    gateway: ctx.gateway,
  };
  if (alert.kind === 'recovery') labels.event = recoveryEvent(alert);
  const annotations: Record<string, string> = { summary: alert.summary };
  if (alert.diagnosis) annotations.diagnosis = alert.diagnosis;
  if (alert.remedy) annotations.remedy = alert.remedy;
  if (alert.related?.length) annotations.related = alert.related.map((r) => `${r.checkId}: ${r.summary}`).join('\n');
  const startsAt = Date.parse(alert.since);
  return {
    labels,
    annotations,
    // Alertmanager refuses an alert that ends before it starts.
    startsAt: new Date(Number.isFinite(startsAt) ? Math.min(startsAt, endsAt) : endsAt).toISOString(),
    endsAt: new Date(endsAt).toISOString(),
    ...(ctx.generatorUrl ? { generatorURL: ctx.generatorUrl } : {}),
  };
}

const sameLabels = (a: Record<string, string>, b: Record<string, string>) => {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
};

/** Userinfo in a URL becomes a Basic header (undici does not send it); the URL is used without it. */
function splitCredentials(url: string): { url: string; authorization?: string; password?: string } {
  const u = new URL(url);
  if (!u.username && !u.password) return { url };
  const password = decodeURIComponent(u.password);
  const authorization = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${password}`).toString('base64')}`;
  u.username = '';
  u.password = '';
  return { url: u.toString(), authorization, ...(password ? { password } : {}) };
}

export const alertmanagerNotifier: NotifierFactory<AlertmanagerOptions> = {
  type: 'alertmanager',
  optionsSchema: alertmanagerOptionsSchema,
  create(name, options, deps) {
    const what = `alertmanager notifier "${name}"`;
    const targets = options.urls.map((ref, i) => {
      const resolved = resolveEndpoint(ref, `${what}: urls.${i}`, (r) => deps.resolveSecret(r));
      const { url, authorization, password } = splitCredentials(resolved);
      return { label: options.urls.length > 1 ? `Alertmanager ${i + 1}` : 'Alertmanager', base: url.replace(/\/+$/, ''), authorization, secrets: [resolved, authorization, password] };
    });
    const bearer = options.bearerToken ? deps.resolveSecret(options.bearerToken) : undefined;
    const scrub = scrubber(deps.redact, [...targets.flatMap((t) => t.secrets), bearer]);
    const holdMs = options.resendInterval * 4;
    /** What fires, by key, as last posted (labels and annotations); re-posted until resolved. */
    const firing = new Map<string, AmAlert>();
    /** Keys resolved since the start: an alert taken back from Alertmanager must not bring one back. */
    const resolvedKeys = new Set<string>();
    let adopted = false;
    let timer: NodeJS.Timeout | undefined;
    let ctx: Context | undefined;
    let resend: Promise<void> | undefined;

    const headers = (t: (typeof targets)[number], json: boolean): Record<string, string> => {
      const h: Record<string, string> = { 'user-agent': 'clawmedic', accept: 'application/json' };
      if (json) h['content-type'] = 'application/json';
      const auth = bearer ? `Bearer ${bearer}` : t.authorization;
      if (auth) h.authorization = auth;
      return h;
    };

    /** One POST to one Alertmanager: undefined when accepted, else the error it is worth. */
    const postTo = async (t: (typeof targets)[number], body: string, signal: AbortSignal): Promise<TransientError | PermanentError | undefined> => {
      const limit = deadline(signal, options.timeoutMs);
      try {
        const res = await request(`${t.base}/api/v2/alerts`, {
          method: 'POST',
          headers: headers(t, true),
          body,
          signal: limit.signal,
          headersTimeout: options.timeoutMs,
          bodyTimeout: options.timeoutMs,
        });
        const answer = res.statusCode >= 300 ? (await res.body.text().catch(() => '')).slice(0, 300) : (await res.body.dump(), '');
        if (res.statusCode < 300) return undefined;
        const detail = `${t.label} answered HTTP ${res.statusCode}${answer.trim() ? ` (${scrub(answer, 200)})` : ''}`;
        // 400: Alertmanager refused the alerts themselves; 401/403/404: a wrong URL or credentials. No retry mends those.
        return res.statusCode === 408 || res.statusCode === 429 || res.statusCode >= 500 ? new TransientError(detail) : new PermanentError(detail);
      } catch (err) {
        if (limit.timedOut()) return new TransientError(`${t.label}: no answer within ${options.timeoutMs} ms`);
        if (signal.aborted) return new TransientError(`${t.label}: send aborted`);
        const code = errorCode(err);
        return new TransientError(`${t.label}: request failed${code ? ` (${code})` : ''}: ${scrub(innermostMessage(err))}`);
      }
    };

    /** Posts to every Alertmanager; delivered when one of them took it (an HA cluster shares what each gets). */
    const post = async (alerts: AmAlert[], signal: AbortSignal): Promise<void> => {
      const body = JSON.stringify(alerts);
      const errors = await Promise.all(targets.map((t) => postTo(t, body, signal)));
      const failed = errors.filter((e): e is TransientError | PermanentError => e !== undefined);
      if (failed.length < targets.length) {
        if (failed.length) deps.log.warn(`${what}: ${failed.map((e) => e.message).join('; ')} (delivered to the others)`);
        return;
      }
      const message = `${what}: ${failed.map((e) => e.message).join('; ')}`;
      if (failed.some((e) => e instanceof TransientError)) throw new TransientError(message);
      throw new PermanentError(message);
    };

    /** Takes back what this clawmedic had posted and Alertmanager still shows active (after a restart). */
    const adopt = async (signal: AbortSignal): Promise<boolean> => {
      if (!ctx) return false;
      const query = new URLSearchParams([
        ['active', 'true'],
        ['silenced', 'true'],
        ['inhibited', 'true'],
        ['filter', `host=${JSON.stringify(ctx.host)}`],
        ['filter', `gateway=${JSON.stringify(ctx.gateway)}`],
        ['filter', 'alertname=~"ClawmedicCheck.*|ClawmedicRecovery"'],
      ]);
      for (const t of targets) {
        const limit = deadline(signal, options.timeoutMs);
        try {
          const res = await request(`${t.base}/api/v2/alerts?${query}`, { method: 'GET', headers: headers(t, false), signal: limit.signal, headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs });
          if (res.statusCode !== 200) {
            await res.body.dump();
            continue;
          }
          const list = (await res.body.json()) as Array<Partial<AmAlert>>;
          if (!Array.isArray(list)) continue;
          for (const a of list) {
            const labels = a.labels;
            if (!labels || typeof labels !== 'object') continue;
            if (labels.alertname === 'ClawmedicRecovery' && !LASTING_EVENTS.has(labels.event ?? '')) continue;
            const key = labels.alertname === 'ClawmedicRecovery' ? `recovery:${labels.event}` : `check:${labels.check}`;
            if (firing.has(key) || resolvedKeys.has(key)) continue;
            firing.set(key, { labels, annotations: a.annotations ?? {}, startsAt: a.startsAt ?? new Date(deps.now()).toISOString(), endsAt: a.endsAt ?? '', ...(a.generatorURL ? { generatorURL: a.generatorURL } : {}) });
          }
          return true;
        } catch {
          // This one is down or slow: ask the next.
        }
      }
      return false;
    };

    const tick = async (): Promise<void> => {
      const signal = AbortSignal.timeout(options.timeoutMs * 2);
      if (!adopted) adopted = await adopt(signal);
      if (!firing.size) return;
      const endsAt = new Date(deps.now() + holdMs).toISOString();
      try {
        await post([...firing.values()].map((a) => ({ ...a, endsAt })), signal);
      } catch (err) {
        deps.log.debug(`${what}: re-posting what fires failed: ${(err as Error).message}`);
      }
    };

    const notifier: Notifier = {
      name,
      type: 'alertmanager',
      timeoutMs: options.timeoutMs,
      async send(batch, signal) {
        const safe = sanitizeBatch(batch, deps.redact);
        ctx ??= { host: safe.host, gateway: safe.gateway, extra: options.labels, ...(options.generatorUrl ? { generatorUrl: options.generatorUrl } : {}) };
        const now = deps.now();
        const out: AmAlert[] = [];
        const next = new Map<string, AmAlert | undefined>();
        for (const alert of safe.alerts) {
          const key = keyOf(alert);
          const previous = next.has(key) ? next.get(key) : firing.get(key);
          if (alert.kind === 'resolved' || (alert.kind === 'recovery' && recoveryEvent(alert) === 'rearmed')) {
            // The label set that fired is the one to end (its severity may differ from the resolved notice's).
            const ended = alert.kind === 'resolved' ? (previous ?? toAmAlert(alert, ctx, now)) : undefined;
            if (ended) out.push({ ...ended, endsAt: new Date(now).toISOString() });
            if (alert.kind === 'recovery') {
              for (const k of LASTING_EVENTS) {
                const lasting = firing.get(`recovery:${k}`);
                if (lasting) out.push({ ...lasting, endsAt: new Date(now).toISOString() });
                next.set(`recovery:${k}`, undefined);
              }
              out.push(toAmAlert(alert, ctx, now + EVENT_HOLD_MS));
            }
            next.set(key, undefined);
            continue;
          }
          if (alert.kind === 'test') {
            out.push(toAmAlert(alert, ctx, now + TEST_HOLD_MS));
            continue;
          }
          if (alert.kind === 'recovery' && !LASTING_EVENTS.has(recoveryEvent(alert))) {
            out.push(toAmAlert(alert, ctx, now + EVENT_HOLD_MS));
            continue;
          }
          const am = toAmAlert(alert, ctx, now + holdMs);
          // Escalated, or failing became flapping: another label set, so the old one is ended here.
          if (previous && !sameLabels(previous.labels, am.labels)) out.push({ ...previous, endsAt: new Date(now).toISOString() });
          out.push(am);
          next.set(key, am);
        }
        if (out.length) await post(out, signal);
        for (const [key, am] of next) {
          if (am) {
            firing.set(key, am);
            resolvedKeys.delete(key);
          } else {
            firing.delete(key);
            resolvedKeys.add(key);
          }
        }
      },
      start(watching) {
        ctx ??= { host: watching.host, gateway: watching.gateway, extra: options.labels, ...(options.generatorUrl ? { generatorUrl: options.generatorUrl } : {}) };
        clearInterval(timer);
        timer = setInterval(() => {
          resend ??= tick().finally(() => (resend = undefined));
        }, options.resendInterval);
        timer.unref();
      },
      stop() {
        clearInterval(timer);
        timer = undefined;
      },
    };
    return notifier;
  },
};
