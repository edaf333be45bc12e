// What people receive, in every medium, for the failures they meet most: snapshots of each rendering
// (reviewed by reading them: test/unit/__snapshots__/renderings/), plus the properties that must hold
// whatever the text: the cause in the subject, one line, no command split, absolute times.
import { describe, expect, it } from 'vitest';
import { sanitizeBatch } from '../../src/alerts/format.ts';
import { formatSubject, renderText, stepsText, SUBJECT_MAX, timingLine } from '../../src/alerts/render.ts';
import { renderConsole } from '../../notifiers/console.ts';
import { renderHtml, threadingHeaders } from '../../notifiers/email.ts';
import { buildSlackMessage } from '../../notifiers/slack.ts';
import { buildWebhookPayload } from '../../notifiers/webhook.ts';
import { Redactor } from '../../src/util/redact.ts';
import { CASES, DOWN, RESOLVED } from '../fixtures/alert-cases.ts';

const safe = (batch: (typeof CASES)[string]) => sanitizeBatch(batch, (t) => new Redactor().text(t));

describe('renderings of each case', () => {
  for (const [name, batch] of Object.entries(CASES)) {
    it(`${name}: mail subject, text and HTML, Slack, webhook and console`, async () => {
      const s = safe(batch);
      const dir = `./__snapshots__/renderings/${name}`;
      await expect(`${formatSubject(s)}\n\n${renderText(s)}`).toMatchFileSnapshot(`${dir}/mail.txt`);
      await expect(renderHtml(s)).toMatchFileSnapshot(`${dir}/mail.html`);
      await expect(JSON.stringify(buildSlackMessage(s, '<!here>'), null, 2)).toMatchFileSnapshot(`${dir}/slack.json`);
      await expect(JSON.stringify(buildWebhookPayload(s), null, 2)).toMatchFileSnapshot(`${dir}/webhook.json`);
      await expect(renderConsole(s, { width: 100 })).toMatchFileSnapshot(`${dir}/console.txt`);
    });
  }
});

describe('subjects', () => {
  it('name the cause in words, not a check id', () => {
    expect(formatSubject(safe(CASES.down!))).toBe('[clawmedic] CRIT vm: OpenClaw gateway down (nothing listening on 127.0.0.1:18789)');
    expect(formatSubject(safe(CASES.hung!))).toBe('[clawmedic] CRIT vm: OpenClaw gateway hung (pid 4121 stopped)');
    expect(formatSubject(safe(CASES.conflict!))).toBe('[clawmedic] CRIT vm: port 18789 taken by python3 (pid 7017)');
    expect(formatSubject(safe(CASES['warn-after-crit']!))).toBe('[clawmedic] WARN vm: OpenClaw gateway not ready: telegram failing (less severe now)');
    expect(formatSubject(safe(CASES['cause-changed']!))).toBe('[clawmedic] CRIT vm: port 18789 taken by python3 (pid 7017) (cause changed)');
  });

  it('say what recovered, for how long it was out, and when, in the host zone', () => {
    expect(formatSubject(safe(CASES.resolved!))).toBe(
      '[clawmedic] RESOLVED vm: OpenClaw gateway down (nothing listening on 127.0.0.1:18789): over after 14s (03:46:16-03:46:30 CET)',
    );
  });

  it('stay one line of at most 200 characters whatever the cause text and host, without cutting a character in two', () => {
    const hostile = `line one\nBcc: victim@example.net\r\n\u0007\u001b[31m 😀\u202eevil\u202c ${'é😀'.repeat(5_000)}`;
    const batch = { ...CASES.down!, host: `h${'ö'.repeat(300)}\nX-Injected: yes`, alerts: [{ ...DOWN, headline: hostile }] };
    const subject = formatSubject(safe(batch));
    expect(subject.length).toBeLessThanOrEqual(SUBJECT_MAX);
    expect(subject).not.toMatch(/[\r\n\u0000-\u001f\u007f\u202a-\u202e]/);
    // No lone surrogate: every emoji that survived is whole.
    expect(subject).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
    expect(subject.startsWith('[clawmedic] CRIT h')).toBe(true);
  });
});

describe('plain text', () => {
  it('never splits a command: each sits on its own line, whole, whatever the width', () => {
    for (const width of [40, 72, 100]) {
      const text = renderText(safe(CASES.down!), width);
      for (const step of DOWN.steps!) expect(text.split('\n').map((l) => l.trim())).toContain(step.command);
      // Prose is wrapped at the width; only a command line may be longer.
      const long = text.split('\n').filter((l) => l.length > width);
      expect(long.every((l) => DOWN.steps!.some((s) => l.trim() === s.command))).toBe(true);
    }
  });

  it('numbers steps, and a single step is just the sentence', () => {
    expect(stepsText([{ text: 'Resume it.', command: 'kill -CONT 1' }])).toEqual(['Resume it.', '    kill -CONT 1']);
    expect(stepsText([{ text: 'a' }, { text: 'b', command: 'c' }])).toEqual(['1. a', '2. b', '       c']);
  });

  it('gives absolute times with the zone name, and no relative age', () => {
    expect(timingLine(DOWN, 'Europe/Berlin')).toBe('since 2026-11-29 03:46:16 CET');
    expect(timingLine(DOWN, 'America/New_York')).toBe('since 2026-11-28 21:46:16 EST');
    expect(timingLine(RESOLVED, 'Europe/Berlin')).toBe('out 14s: 2026-11-29 03:46:16-03:46:30 CET');
    expect(renderText(safe(CASES.down!)).replace(/\s+/g, ' ')).toContain('sent 2026-11-29T02:46:31Z (UTC)');
  });
});

describe('mail threading', () => {
  it('a resolved mail answers the mail that announced its incident', () => {
    const alert = threadingHeaders(safe(CASES.down!));
    const resolved = threadingHeaders(safe(CASES.resolved!));
    expect(alert.messageId).toBe('<incident-3f9a12c4@clawmedic.vm>');
    expect(alert.inReplyTo).toBeUndefined();
    expect(resolved.inReplyTo).toBe(alert.messageId);
    expect(resolved.references).toEqual([alert.messageId]);
    expect(resolved.messageId).not.toBe(alert.messageId);
  });
});
