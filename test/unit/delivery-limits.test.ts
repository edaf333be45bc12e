// The limits around one delivery attempt: the least retry backoff the config file accepts, and the
// per-attempt abort that follows a notifier's own timeoutMs (the outbox's side is in outbox.test.ts).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ATTEMPT_TIMEOUT_MARGIN_MS, attemptTimeoutFor } from '../../src/alerts/abort.ts';
import { sendTestBatch } from '../../src/alerts/send-test.ts';
import { configSchema } from '../../src/config/schema.ts';
import type { AlertBatch, Notifier, NotifierDeps } from '../../src/contracts.ts';
import { emailNotifier } from '../../notifiers/email.ts';
import { slackNotifier } from '../../notifiers/slack.ts';
import { webhookNotifier } from '../../notifiers/webhook.ts';
import { silentLog } from '../fixtures/router-harness.ts';

describe('alerting.retryBackoff', () => {
  it('is at least 1s', () => {
    for (const retryBackoff of [0, '0s', '300ms', 999]) {
      const parsed = configSchema.safeParse({ alerting: { retryBackoff } });
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues[0]).toMatchObject({ path: ['alerting', 'retryBackoff'], message: expect.stringMatching(/at least 1s/) });
    }
    expect(configSchema.parse({ alerting: { retryBackoff: '1s' } }).alerting.retryBackoff).toBe(1_000);
    expect(configSchema.parse({}).alerting.retryBackoff).toBe(5_000);
  });
});

describe("a notifier's own timeoutMs", () => {
  const deps: NotifierDeps = { resolveSecret: (r) => r, redact: (t) => t, log: silentLog, now: Date.now };

  it('is stated by the slack, email and webhook notifiers, from their options', () => {
    const built = (timeoutMs?: number) => {
      const t = timeoutMs === undefined ? {} : { timeoutMs };
      return [
        slackNotifier.create('s', slackNotifier.optionsSchema.parse({ url: 'https://hooks.slack.com/services/T0/B0/x', ...t }), deps),
        emailNotifier.create('e', emailNotifier.optionsSchema.parse({ host: 'smtp.example.com', from: 'a@example.com', to: 'b@example.com', ...t }), deps),
        webhookNotifier.create('w', webhookNotifier.optionsSchema.parse({ url: 'https://hooks.example.com/x', ...t }), deps),
      ].map((n) => n.timeoutMs);
    };
    expect(built(120_000)).toEqual([120_000, 120_000, 120_000]);
    expect(built()).toEqual([10_000, 10_000, 10_000]);
  });

  it('sets the abort deadline: its own plus a margin, else the fallback', () => {
    expect(attemptTimeoutFor({ timeoutMs: 120_000 }, 15_000)).toBe(120_000 + ATTEMPT_TIMEOUT_MARGIN_MS);
    expect(attemptTimeoutFor({ timeoutMs: 1_000 }, 15_000)).toBe(1_000 + ATTEMPT_TIMEOUT_MARGIN_MS);
    expect(attemptTimeoutFor({}, 15_000)).toBe(15_000);
    expect(attemptTimeoutFor({ timeoutMs: Number.NaN }, 15_000)).toBe(15_000);
  });

  describe('in test-notify', () => {
    beforeEach(() => {
      vi.useFakeTimers({ now: new Date('2025-06-01T12:00:00Z') });
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    /** A notifier whose receiver answers after `answersAfterMs`; it honours its signal. */
    function slow(name: string, answersAfterMs: number, timeoutMs?: number): Notifier & { sent: AlertBatch[] } {
      const sent: AlertBatch[] = [];
      return {
        name,
        type: 'fake',
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
        sent,
        send: (batch, signal) =>
          new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => {
              sent.push(batch);
              resolve();
            }, answersAfterMs);
            signal.addEventListener('abort', () => {
              clearTimeout(timer);
              reject(signal.reason);
            });
          }),
      };
    }

    it('judges a notifier by its own timeoutMs, not the general one', async () => {
      const mail = slow('mail', 25_000, 60_000);
      const bare = slow('bare', 25_000);
      const done = sendTestBatch([mail, bare], { host: 'gw-01', gateway: '127.0.0.1:18789', now: Date.now, redact: (t) => t, timeoutMs: 20_000 });
      await vi.advanceTimersByTimeAsync(25_000);
      const results = await done;
      expect(results).toEqual([
        { name: 'mail', ok: true, durationMs: 25_000 },
        { name: 'bare', ok: false, error: 'timed out after 20000 ms', durationMs: 20_000 },
      ]);
      expect(mail.sent).toHaveLength(1);
    });
  });
});
