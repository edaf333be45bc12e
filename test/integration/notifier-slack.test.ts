import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PermanentError, TransientError, type Notifier } from '../../src/contracts.ts';
import { slackNotifier, slackOptionsSchema, type SlackOptions } from '../../notifiers/slack.ts';
import { HOSTILE, SECRET, caught, hostileBatch, makeAlert, makeBatch, makeDeps, makeResolvedBatch } from '../fixtures/alerts.ts';
import { startReceiver, type HttpReceiver } from '../fixtures/http-receiver.ts';

const HOOK_PATH = '/services/T0000/B0000/XXXXsecretXXXXtoken';

interface Payload {
  text: string;
  channel?: string;
  username?: string;
  icon_emoji?: string;
  blocks: Array<{ type: string; text?: { type: string; text: string }; elements?: Array<{ text: string }> }>;
}

let receiver: HttpReceiver;
let hookUrl: string;

beforeEach(async () => {
  receiver = await startReceiver();
  hookUrl = `${receiver.url}${HOOK_PATH}`;
});
afterEach(async () => {
  await receiver.close();
});

function notifier(options: Partial<SlackOptions> = {}, env: NodeJS.ProcessEnv = {}): Notifier {
  const { deps } = makeDeps({ SLACK_HOOK: hookUrl, ...env });
  const parsed = slackOptionsSchema.parse({ url: 'env:SLACK_HOOK', ...options });
  return slackNotifier.create('ops-slack', parsed, deps);
}

const signal = () => new AbortController().signal;
const payload = (i = 0): Payload => JSON.parse(receiver.requests[i]!.body) as Payload;
const sections = (p: Payload) => p.blocks.filter((b) => b.type === 'section').map((b) => b.text!.text);

function expectNoUrl(err: Error) {
  expect(err.message).not.toContain(hookUrl);
  expect(err.message).not.toContain('XXXXsecretXXXXtoken');
  expect(String(err.stack)).not.toContain('XXXXsecretXXXXtoken');
}

describe('slack notifier: what it posts', () => {
  it('posts a Block Kit message with a header, a section per alert and a context naming host and gateway', async () => {
    await notifier({ channel: '#ops', username: 'clawmedic', iconEmoji: ':ambulance:' }).send(makeBatch(), signal());

    expect(receiver.requests).toHaveLength(1);
    const req = receiver.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe(HOOK_PATH);
    expect(req.headers['content-type']).toContain('application/json');

    const p = payload();
    expect(p).toMatchObject({ channel: '#ops', username: 'clawmedic', icon_emoji: ':ambulance:' });
    const header = p.blocks[0]!;
    expect(header.type).toBe('header');
    expect(header.text).toEqual({ type: 'plain_text', text: 'CRIT gw-01: OpenClaw gateway down (connection refused on 127.0.0.1:18789) (+1 more)', emoji: false });

    const [http, port] = sections(p);
    expect(http).toContain('*CRIT* · *OpenClaw gateway down (connection refused on 127.0.0.1:18789)*');
    expect(http).toContain('_gateway.http · incident 1a2b3c4d · since 2025-01-01 02:58:00 UTC_');
    expect(http).toContain('GET /healthz: connection refused on 127.0.0.1:18789');
    expect(http).toContain('*Why:* Nothing listens on port 18789');
    // The command in the remedy keeps its code formatting; the text around it is escaped.
    expect(http).toContain('*What to do:*\nRun `openclaw gateway status`, then restart the service.');
    expect(port).toContain('*CRIT* · *nothing listening on 127.0.0.1:18789*');
    expect(port).toContain('*Also failing because of it:* gateway.ready: readyz not reachable');

    const context = p.blocks.at(-1)!;
    expect(context.type).toBe('context');
    const contextText = context.elements!.map((e) => e.text).join(' ');
    expect(contextText).toContain('host gw-01 · gateway 127.0.0.1:18789 · incidents 1a2b3c4d, 5e6f7a8b · sent 2025-01-01T03:00:00Z (UTC)');

    expect(p.text.split('\n')[0]).toBe('CRIT gw-01: OpenClaw gateway down (connection refused on 127.0.0.1:18789) (+1 more)');
    expect(p.text).toContain('CRIT nothing listening on 127.0.0.1:18789');
  });

  it('says RESOLVED and how long it lasted for a resolved batch', async () => {
    await notifier().send(makeResolvedBatch(), signal());
    const p = payload();
    expect(p.blocks[0]!.text!.text).toBe('RESOLVED gw-01: OpenClaw gateway down (connection refused on 127.0.0.1:18789): over after 5m (02:58:00-03:03:00 UTC)');
    expect(sections(p)[0]).toContain('*RESOLVED* · *OpenClaw gateway down (connection refused on 127.0.0.1:18789): over after 5m*');
    expect(sections(p)[0]).toContain('out 5m: 2025-01-01 02:58:00-03:03:00 UTC');
    expect(sections(p)[0]).toContain('Now: GET /healthz answers 200 again');
  });

  it('mentions only when configured and only for an open crit alert', async () => {
    const n = notifier({ mentionOnCrit: '<!here>' });
    await n.send(makeBatch(), signal());
    await n.send(makeResolvedBatch(), signal());
    await n.send(makeBatch({ alerts: [makeAlert({ severity: 'warn' })] }), signal());

    expect(payload(0).text.startsWith('<!here> ')).toBe(true);
    expect(sections(payload(0))).toContain('<!here>');
    for (const i of [1, 2]) {
      expect(receiver.requests[i]!.body).not.toContain('<!here>');
    }
  });

  it('escapes, truncates and redacts hostile alert text', async () => {
    await notifier().send(hostileBatch(), signal());
    const raw = receiver.requests[0]!.body;
    const p = payload();

    // Nothing that could ping, link or run arrives in markup form.
    for (const bad of ['<!channel>', '<@U123ABC>', '<http://evil', '<script>', '*bold*']) {
      expect(raw).not.toContain(bad);
    }
    expect(raw).not.toContain('\\u001b');
    expect(raw).not.toContain(SECRET);

    const text = sections(p)[0]!;
    expect(text).toContain('&lt;!channel&gt;');
    expect(text).toContain('&lt;@U123ABC&gt;');
    expect(text).toContain('&lt;http://evil.example|click here&gt;');
    expect(text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(text).toContain('\u2217bold\u2217');
    expect(text).toContain('red'); // the ANSI colour is gone, the word stays
    expect(text).toContain('token \u2217\u2217\u2217 AAAA'); // the redaction mask, escaped like any asterisk
    expect(text).toMatch(/A… \[truncated, 10\d{5} chars\]/); // the original length, ~1 MB

    // The 1 MB summary arrives short, and every block stays inside Slack's limits.
    expect(raw.length).toBeLessThan(20_000);
    for (const b of p.blocks) {
      if (b.type === 'section') expect(b.text!.text.length).toBeLessThanOrEqual(3000);
      if (b.type === 'header') expect(b.text!.text.length).toBeLessThanOrEqual(150);
    }
    expect(p.text).not.toContain('<!channel>');
    expect(p.text).not.toContain(SECRET);
  });

  it('fits a large batch into 50 blocks and says how many more there are', async () => {
    const alerts = Array.from({ length: 60 }, (_, i) => makeAlert({ checkId: `check.${i}`, fingerprint: `check.${i}:failing`, severity: i < 5 ? 'crit' : 'warn' }));
    await notifier({ mentionOnCrit: '<!channel>' }).send(makeBatch({ alerts }), signal());
    const p = payload();
    expect(p.blocks.length).toBeLessThanOrEqual(50);
    const more = sections(p).find((s) => s.startsWith('*…and '));
    const shown = sections(p).filter((s) => s.startsWith('*CRIT') || s.startsWith('*WARN')).length;
    expect(more).toContain(`*…and ${60 - shown} more:*`);
    expect(more).toContain('WARN check.59');
    // The worst alerts are the ones shown.
    expect(sections(p).find((s) => s.startsWith('*CRIT'))).toContain('check.0');
  });
});

describe('slack notifier: failures', () => {
  it('turns HTTP 500 into a TransientError without the URL', async () => {
    receiver.respond(() => ({ status: 500, body: 'internal_error' }));
    const err = await caught(() => notifier().send(makeBatch(), signal()));
    expect(err).toBeInstanceOf(TransientError);
    expect(err.message).toContain('HTTP 500');
    expectNoUrl(err);
  });

  it('turns 429 with Retry-After: 7 into a TransientError with retryAfterMs 7000', async () => {
    receiver.respond(() => ({ status: 429, headers: { 'retry-after': '7' }, body: 'rate_limited' }));
    const err = await caught(() => notifier().send(makeBatch(), signal()));
    expect(err).toBeInstanceOf(TransientError);
    expect((err as TransientError).retryAfterMs).toBe(7000);
    expectNoUrl(err);
  });

  it.each([
    [400, 'invalid_payload'],
    [403, 'action_prohibited'],
    [404, 'no_service'],
  ])('turns HTTP %i (%s) into a PermanentError that quotes Slack but not the URL', async (status, body) => {
    receiver.respond(() => ({ status, body }));
    const err = await caught(() => notifier().send(makeBatch(), signal()));
    expect(err).toBeInstanceOf(PermanentError);
    expect(err.message).toContain(`HTTP ${status}`);
    expect(err.message).toContain(body);
    expectNoUrl(err);
  });

  it('turns a refused connection into a TransientError without the URL', async () => {
    const n = notifier();
    await receiver.close();
    const err = await caught(() => n.send(makeBatch(), signal()));
    expect(err).toBeInstanceOf(TransientError);
    expect(err.message).toMatch(/ECONNREFUSED/);
    expectNoUrl(err);
    receiver = await startReceiver(); // for afterEach
  });

  it('gives up after timeoutMs when Slack does not answer', async () => {
    receiver.respond(() => 'hang');
    const started = Date.now();
    const err = await caught(() => notifier({ timeoutMs: 200 }).send(makeBatch(), signal()));
    expect(err).toBeInstanceOf(TransientError);
    expect(err.message).toContain('no answer within 200 ms');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('stops when the caller aborts', async () => {
    receiver.respond(() => 'hang');
    const controller = new AbortController();
    const sending = caught(() => notifier().send(makeBatch(), controller.signal));
    await expect.poll(() => receiver.requests.length).toBe(1);
    controller.abort();
    const err = await sending;
    expect(err).toBeInstanceOf(TransientError);
    expect(err.message).toContain('aborted');
  });
});

describe('slack notifier: options', () => {
  const paths = (input: unknown) => slackOptionsSchema.safeParse(input).error?.issues.map((i) => i.path.join('.'));

  it('accepts an https URL, a loopback http URL and secret references', () => {
    for (const url of ['https://hooks.slack.com/services/T/B/X', 'http://127.0.0.1:9/x', 'http://[::1]:9/x', 'env:SLACK_HOOK', 'file:/etc/clawmedic/slack']) {
      expect(slackOptionsSchema.safeParse({ url }).success, url).toBe(true);
    }
    expect(slackOptionsSchema.parse({ url: 'env:X' }).timeoutMs).toBe(10_000);
  });

  it('rejects a missing, malformed or plain-http URL with the key path and without the value', () => {
    expect(paths({})).toEqual(['url']);
    expect(paths({ url: 'not a url' })).toEqual(['url']);
    const result = slackOptionsSchema.safeParse({ url: 'http://hooks.slack.com/services/T/B/SECRETPART' });
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['url']);
    expect(JSON.stringify(result.error?.issues.map((i) => i.message))).not.toContain('SECRETPART');
  });

  it('rejects mentions that are not Slack mention tokens, and unknown keys', () => {
    expect(paths({ url: 'env:X', mentionOnCrit: '@here' })).toEqual(['mentionOnCrit']);
    expect(paths({ url: 'env:X', mentionOnCrit: '<!here> <http://x|y>' })).toEqual(['mentionOnCrit']);
    expect(paths({ url: 'env:X', mentionOnCrit: '<!here> <@U123ABC>' })).toBeUndefined();
    expect(paths({ url: 'env:X', mentoinOnCrit: '<!here>' })).toEqual(['']);
  });

  it('checks a referenced URL once resolved, and says so without the value', () => {
    const { deps } = makeDeps({ SLACK_HOOK: 'http://hooks.example.com/services/T/B/SECRETPART' });
    const options = slackOptionsSchema.parse({ url: 'env:SLACK_HOOK' });
    expect(() => slackNotifier.create('ops-slack', options, deps)).toThrow(/slack notifier "ops-slack": url \(from env:SLACK_HOOK\) must be an https URL/);
    try {
      slackNotifier.create('ops-slack', options, deps);
    } catch (err) {
      expect((err as Error).message).not.toContain('SECRETPART');
    }
  });
});

// Keep the hostile fixture honest: it must actually contain what the assertions look for.
it('hostile fixture carries every hostile item', () => {
  const summary = hostileBatch().alerts[0]!.summary;
  for (const v of Object.values(HOSTILE)) expect(summary).toContain(v);
  expect(summary).toContain(SECRET);
  expect(summary.length).toBeGreaterThan(1024 * 1024);
});
