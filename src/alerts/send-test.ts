import { randomUUID } from 'node:crypto';
import type { AlertBatch, Notifier } from '../contracts.ts';
import { attemptTimeoutFor, raceAbort, timeoutController } from './abort.ts';

export interface TestSendResult {
  name: string;
  ok: boolean;
  /** Redacted. */
  error?: string;
  durationMs: number;
}

export interface TestSendOptions {
  host: string;
  gateway: string;
  now(): number;
  redact(text: string): string;
  /**
   * Abort deadline for a notifier that does not state its own timeoutMs; one that does gets that plus
   * ATTEMPT_TIMEOUT_MARGIN_MS, as in the outbox, so a test send is judged like a real one.
   */
  timeoutMs: number;
}

export function testBatch(host: string, gateway: string, now: number): AlertBatch {
  const at = new Date(now).toISOString();
  return {
    id: randomUUID(),
    createdAt: at,
    host,
    gateway,
    alerts: [
      {
        fingerprint: 'clawmedic:test',
        kind: 'test',
        checkId: 'clawmedic',
        severity: 'info',
        summary: `Test notification from clawmedic on ${host}`,
        diagnosis: `Sent by "clawmedic test-notify" to show that this channel delivers alerts about the gateway at ${gateway}.`,
        remedy: 'Nothing to do: if you can read this, alerts reach you.',
        since: at,
      },
    ],
  };
}

/**
 * Sends a test batch straight through each notifier, bypassing the outbox: `clawmedic test-notify`
 * wants to know now whether a channel works, not to have the message retried for a day.
 */
export async function sendTestBatch(notifiers: readonly Notifier[], options: TestSendOptions): Promise<TestSendResult[]> {
  const batch = testBatch(options.host, options.gateway, options.now());
  return Promise.all(
    notifiers.map(async (notifier): Promise<TestSendResult> => {
      const started = options.now();
      const attempt = timeoutController(attemptTimeoutFor(notifier, options.timeoutMs));
      try {
        await raceAbort(notifier.send(batch, attempt.controller.signal), attempt.controller.signal);
        return { name: notifier.name, ok: true, durationMs: options.now() - started };
      } catch (err) {
        const message = err instanceof Error ? err.message || err.name : String(err);
        return { name: notifier.name, ok: false, error: options.redact(message), durationMs: options.now() - started };
      } finally {
        attempt.clear();
      }
    }),
  );
}
