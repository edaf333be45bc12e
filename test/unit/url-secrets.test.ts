// A literal notifier URL is a secret only when it holds one: a config that others may read is refused for a
// Slack webhook written into it, not for http://127.0.0.1:9000/alerts; and the refusal names the exact fix.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { literalSecretsOf, urlHoldsSecret } from '../../src/config/secrets.ts';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('literal URLs', () => {
  it('tells a URL that holds a secret from one that does not', () => {
    for (const secret of [
      'https://hooks.slack.com/services/T000/B000/XXXXXXXX',
      'https://discord.com/api/webhooks/123/abcDEF',
      'https://user:pw@alerts.example.com/hook',
      'https://alerts.example.com/hook?token=abc',
      'https://alerts.example.com/hook?k=abc',
      'https://hc-ping.com/6f1c0a9e-1111-2222-3333-444455556666',
      'https://alerts.example.com/in/a1b2c3d4e5f6g7h8i9j0',
      'not a url',
    ]) {
      expect(urlHoldsSecret(secret), secret).toBe(true);
    }
    for (const plain of ['http://127.0.0.1:9000/alerts', 'https://alerts.example.com/clawmedic/webhook', 'https://alerts.example.com/hook?channel=ops']) {
      expect(urlHoldsSecret(plain), plain).toBe(false);
    }
    expect(literalSecretsOf({ type: 'webhook', url: 'http://127.0.0.1:9000/alerts' })).toEqual([]);
    expect(literalSecretsOf({ type: 'webhook', url: 'env:HOOK_URL' })).toEqual([]);
  });

  it('a world-readable config with a plain URL loads; with a Slack webhook it is refused with the exact fix', () => {
    dir = mkdtempSync(join(tmpdir(), 'clawmedic-url-'));
    const path = join(dir, 'clawmedic.json5');
    writeFileSync(path, "{ notifiers: { hook: { type: 'webhook', url: 'http://127.0.0.1:9000/alerts' } } }", { mode: 0o644 });
    const plain = loadConfig({ configPath: path, env: {} });
    expect(plain.problems).toEqual([]);
    // Nothing secret: the URL is not masked in logs either.
    expect(plain.config!.redactor.text('posting to http://127.0.0.1:9000/alerts')).toBe('posting to http://127.0.0.1:9000/alerts');

    writeFileSync(path, "{ notifiers: { ops: { type: 'slack', url: 'https://hooks.slack.com/services/T000/B000/XXXXXXXX' } } }", { mode: 0o644 });
    const slack = loadConfig({ configPath: path, env: {} });
    const problem = slack.problems.find((p) => p.path === path);
    expect(problem?.level).toBe('error');
    expect(problem?.message).toContain(`run \`chmod 600 ${path}\`, or move them to env: references`);
    expect(problem?.message).not.toContain('XXXXXXXX');
  });

  it("Alertmanager's several URLs: one with credentials in a group-readable config is named by its index and masked, a plain one is not", () => {
    dir = mkdtempSync(join(tmpdir(), 'clawmedic-url-'));
    const path = join(dir, 'clawmedic.json5');
    const secretUrl = 'https://clawmedic:s3cret-pw@am2.example.com';
    writeFileSync(path, `{ notifiers: { am: { type: 'alertmanager', urls: ['http://127.0.0.1:9093', '${secretUrl}'] } } }`, { mode: 0o640 });
    expect(literalSecretsOf({ type: 'alertmanager', urls: ['http://127.0.0.1:9093', secretUrl, 'env:AM_URL'] })).toEqual([{ key: 'urls[1]', value: secretUrl }]);
    const loaded = loadConfig({ configPath: path, env: {} });
    const problem = loaded.problems.find((p) => p.path === path);
    expect(problem?.level).toBe('warning');
    expect(problem?.message).toContain('notifiers.am.urls[1]');
    expect(problem?.message).not.toContain('s3cret-pw');
    expect(loaded.config!.redactor.text(`posting to ${secretUrl}`)).not.toContain('s3cret-pw');
  });
});
