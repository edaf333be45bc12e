// The alert mail as a person receives it: through a real SMTP server (parsed with mailparser), its HTML
// part rendered by a real browser (Debian's chromium) into PNGs kept in test-artifacts/alert-mail/.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emailNotifier, emailOptionsSchema } from '../../notifiers/email.ts';
import type { AlertBatch } from '../../src/contracts.ts';
import { CASES, DOWN } from '../fixtures/alert-cases.ts';
import { makeDeps } from '../fixtures/alerts.ts';
import { requireTool } from '../fixtures/debian-tools.ts';
import { startSmtp, type TestSmtp } from '../fixtures/smtp-server.ts';

const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts', 'alert-mail');

let smtp: TestSmtp;
let browser: Browser;
beforeAll(async () => {
  smtp = await startSmtp();
  browser = await chromium.launch({
    executablePath: requireTool('chromium'),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  await mkdir(ARTIFACTS, { recursive: true });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await smtp?.close();
});

async function send(batch: AlertBatch) {
  const options = emailOptionsSchema.parse({ host: '127.0.0.1', port: smtp.port, secure: false, startTls: 'never', from: 'clawmedic <clawmedic@vm.example>', to: 'ops@example.com' });
  const before = smtp.received.length;
  await emailNotifier.create('mail', options, makeDeps().deps).send(batch, new AbortController().signal);
  expect(smtp.received).toHaveLength(before + 1);
  return smtp.received.at(-1)!.mail;
}

describe('the alert mail', () => {
  it('threads: the resolved mail answers the alert mail of the same incident', async () => {
    const alert = await send(CASES.down!);
    const resolved = await send(CASES.resolved!);
    expect(alert.messageId).toBe('<incident-3f9a12c4@clawmedic.vm>');
    expect(resolved.inReplyTo).toBe(alert.messageId);
    expect([resolved.references].flat()).toContain(alert.messageId);
    expect(resolved.subject).toMatch(/^\[clawmedic\] RESOLVED vm: OpenClaw gateway down .*: over after 14s \(03:46:16-03:46:30 CET\)$/);
  });

  it('each subject names the cause, and the text part keeps every command whole on its own line at 72 columns', async () => {
    for (const [name, batch] of Object.entries(CASES)) {
      const mail = await send(batch);
      expect(mail.subject, name).not.toMatch(/gateway\.port (failing|resolved)/);
      const lines = mail.text!.split('\n');
      for (const alert of batch.alerts) {
        for (const step of alert.kind === 'resolved' ? [] : (alert.steps ?? [])) {
          if (step.command) expect(lines.map((l) => l.trim()), `${name}: ${step.command}`).toContain(step.command);
        }
      }
      // Prose stays within 72 columns; only a command line may run longer.
      const commands = new Set(batch.alerts.flatMap((a) => (a.steps ?? []).map((s) => s.command)));
      expect(lines.filter((l) => l.length > 72 && !commands.has(l.trim())), name).toEqual([]);
    }
  });

  it('renders in a real browser: commands as code blocks, nothing escaped twice, no errors', async () => {
    for (const [name, batch] of Object.entries(CASES)) {
      const mail = await send(batch);
      const page = await browser.newPage({ viewport: { width: 800, height: 600 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      // Nothing in a mail may load anything: every request is refused and counted.
      const requests: string[] = [];
      await page.route('**/*', (route) => {
        requests.push(route.request().url());
        return route.abort();
      });
      await page.setContent(mail.html as string);
      const png = await page.screenshot({ fullPage: true });
      await writeFile(join(ARTIFACTS, `${name}.png`), png);
      const shown = await page.innerText('body');
      const codes = await page.$$eval('code', (els) => els.map((e) => e.textContent));
      await page.close();
      expect(errors, name).toEqual([]);
      expect(requests, name).toEqual([]);
      expect(png.length, name).toBeGreaterThan(5_000);
      expect(shown, name).not.toMatch(/&amp;|&lt;|&#39;|`openclaw/);
      const commands = batch.alerts.flatMap((a) => (a.kind === 'resolved' ? [] : (a.steps ?? []).map((s) => s.command).filter(Boolean)));
      for (const c of commands) expect(codes, name).toContain(c);
    }
    expect(DOWN.steps!.length).toBeGreaterThan(1);
  }, 60_000);
});
