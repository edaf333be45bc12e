import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { AddressObject } from 'mailparser';
import type { SMTPServerOptions } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { PermanentError, TransientError, type Notifier } from '../../src/contracts.ts';
import { emailNotifier, emailOptionsSchema } from '../../notifiers/email.ts';
import { startSmtp as startTestSmtp } from '../fixtures/smtp-server.ts';
import { HOSTILE, SECRET, caught, hostileBatch, makeAlert, makeBatch, makeDeps, makeResolvedBatch } from '../fixtures/alerts.ts';

const USER = 'mailer-bot';
const PASSWORD = 'pw-0f-the-relay-7781';
const ENV = { SMTP_USER: USER, SMTP_PASSWORD: PASSWORD };

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** A real SMTP server on 127.0.0.1, closed after the test. */
async function startSmtp(options: Partial<SMTPServerOptions> = {}) {
  const smtp = await startTestSmtp(options);
  cleanups.push(() => smtp.close());
  return smtp;
}

/** A server that accepts connections and never says a word: an SMTP relay that hangs. */
async function startSilentServer(): Promise<number> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => sockets.add(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return (server.address() as AddressInfo).port;
}

function smtpError(message: string, responseCode: number): Error {
  return Object.assign(new Error(message), { responseCode });
}

function notifier(port: number, options: Record<string, unknown> = {}) {
  const made = makeDeps(ENV);
  const parsed = emailOptionsSchema.parse({
    host: '127.0.0.1',
    port,
    secure: false,
    startTls: 'never',
    from: 'Clawmedic <clawmedic@example.com>',
    to: ['ops@example.com', 'oncall@example.com'],
    ...options,
  });
  return { notifier: emailNotifier.create('ops-mail', parsed, made.deps) as Notifier, logs: made.logs };
}

const withAuth = { user: 'env:SMTP_USER', password: 'env:SMTP_PASSWORD' };
const signal = () => new AbortController().signal;
const addresses = (a: AddressObject | AddressObject[] | undefined) =>
  (Array.isArray(a) ? a : a ? [a] : []).flatMap((x) => x.value.map((v) => v.address));

describe('email notifier: what it sends', () => {
  it('logs in with credentials from env: references and sends a text and an HTML part', async () => {
    const logins: Array<{ method: string; username?: string | null; password?: string | null }> = [];
    const smtp = await startSmtp({
      authOptional: false,
      authMethods: ['PLAIN'],
      onAuth(auth, _session, callback) {
        logins.push({ method: auth.method, username: auth.username, password: auth.password });
        if (auth.username === USER && auth.password === PASSWORD) callback(null, { user: USER });
        else callback(smtpError('Authentication failed', 535));
      },
    });

    await notifier(smtp.port, withAuth).notifier.send(makeBatch(), signal());

    expect(logins).toEqual([{ method: 'PLAIN', username: USER, password: PASSWORD }]);
    expect(smtp.received).toHaveLength(1);
    const { mail, user, rcptTo } = smtp.received[0]!;
    expect(user).toBe(USER);
    expect(rcptTo).toEqual(['ops@example.com', 'oncall@example.com']);
    // The cause in words, not a check id.
    expect(mail.subject).toBe('[clawmedic] CRIT gw-01: OpenClaw gateway down (connection refused on 127.0.0.1:18789) (+1 more)');
    expect(mail.from?.value).toEqual([{ name: 'Clawmedic', address: 'clawmedic@example.com' }]);
    expect(addresses(mail.to)).toEqual(['ops@example.com', 'oncall@example.com']);
    expect(mail.headers.get('priority')).toBe('high');
    expect(mail.headers.get('auto-submitted')).toBe('auto-generated');

    const text = mail.text!;
    expect(text).toContain('CRIT · OpenClaw gateway down (connection refused on 127.0.0.1:18789)');
    expect(text).toContain('gateway.http · incident 1a2b3c4d · since 2025-01-01 02:58:00 UTC');
    expect(text).toContain('Why:\n  Nothing listens on port 18789');
    expect(text).toContain('What to do:\n  Run `openclaw gateway status`, then restart the service.');
    expect(text).toContain('Also failing because of it:\n  - gateway.ready: readyz not reachable');
    expect(text).toContain('gateway 127.0.0.1:18789');
    expect(text).not.toMatch(/\(\d+m\)|ago/); // no relative age, stale once read

    const html = mail.html as string;
    expect(html).toContain('<strong>OpenClaw gateway down (connection refused on 127.0.0.1:18789)</strong>');
    expect(html).toContain('<strong>Why</strong></p><p style="margin:0;white-space:pre-wrap">Nothing listens on port 18789');
    // The product's own command is code, not literal backticks.
    expect(html).toMatch(/Run <code [^>]*>openclaw gateway status<\/code>, then restart the service\./);
  });

  it('upgrades with STARTTLS when required (self-signed certificate accepted on request)', async () => {
    // smtp-server's built-in self-signed localhost certificate.
    const smtp = await startSmtp({ disabledCommands: [] });
    await notifier(smtp.port, { startTls: 'require', tlsRejectUnauthorized: false }).notifier.send(makeBatch(), signal());
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]!.secure).toBe(true);
  });

  it('refuses an unverifiable certificate by default, as a PermanentError', async () => {
    const smtp = await startSmtp({ disabledCommands: [] });
    const err = await caught(() => notifier(smtp.port, { startTls: 'require' }).notifier.send(makeBatch(), signal()));
    expect(err).toBeInstanceOf(PermanentError);
    expect(smtp.received).toHaveLength(0);
  });

  it('says RESOLVED in the subject of a resolved batch', async () => {
    const smtp = await startSmtp();
    await notifier(smtp.port).notifier.send(makeResolvedBatch(), signal());
    const { mail } = smtp.received[0]!;
    expect(mail.subject).toBe('[clawmedic] RESOLVED gw-01: OpenClaw gateway down (connection refused on 127.0.0.1:18789): over after 5m (02:58:00-03:03:00 UTC)');
    expect(mail.headers.get('priority') ?? 'normal').toBe('normal');
    expect(mail.text!.replace(/\s+/g, ' ')).toContain('gateway.http · incident 1a2b3c4d · out 5m: 2025-01-01 02:58:00-03:03:00 UTC');
    expect(mail.text).toContain('Now: GET /healthz answers 200 again');
    expect(mail.text).not.toContain('Was failing');
  });

  it('escapes hostile text in HTML and redacts it in both parts', async () => {
    const smtp = await startSmtp();
    await notifier(smtp.port).notifier.send(hostileBatch(), signal());
    const { mail } = smtp.received[0]!;
    const html = mail.html as string;
    const text = mail.text!;

    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<!channel>');
    expect(html).not.toContain('<http://evil');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;http://evil.example|click here&gt;');
    for (const part of [html, text]) {
      expect(part).not.toContain(SECRET);
      expect(part).not.toContain('\u001b');
      // The text part is wrapped at 72 columns: the marker may sit across a line break there.
      expect(part.replace(/\s+/g, ' ')).toMatch(/… \[truncated, 10\d{5} chars\]/);
      expect(part.length).toBeLessThan(20_000);
    }
    // Plain text stays plain: the text part shows the characters, harmless there.
    expect(text).toContain(`${HOSTILE.script}`);
    expect(text.replace(/\s+/g, ' ')).toContain('token *** AAAA');
  });

  it('keeps alert text out of the headers', async () => {
    const smtp = await startSmtp();
    const batch = makeBatch({
      host: 'gw-01\r\nBcc: victim@example.net',
      alerts: [makeAlert({ checkId: 'evil\r\nX-Injected: yes' })],
    });
    await notifier(smtp.port).notifier.send(batch, signal());
    const { mail, rcptTo } = smtp.received[0]!;
    expect(mail.subject).toBe('[clawmedic] CRIT gw-01 Bcc: victim@example.net: OpenClaw gateway down (connection refused on 127.0.0.1:18789)');
    expect(mail.bcc).toBeUndefined();
    expect(mail.headers.has('x-injected')).toBe(false);
    expect(rcptTo).toEqual(['ops@example.com', 'oncall@example.com']);
  });

  it('delivers to the recipients that were accepted and logs the rejected one', async () => {
    const smtp = await startSmtp({
      onRcptTo(address, _session, callback) {
        callback(address.address === 'oncall@example.com' ? smtpError('No such user', 550) : null);
      },
    });
    const { notifier: n, logs } = notifier(smtp.port);
    await n.send(makeBatch(), signal());
    expect(smtp.received[0]!.rcptTo).toEqual(['ops@example.com']);
    expect(logs).toContainEqual(expect.objectContaining({ level: 'warn', obj: { notifier: 'ops-mail', rejected: ['oncall@example.com'] } }));
  });
});

describe('email notifier: failures', () => {
  it('turns a recipient rejected with 550 into a PermanentError', async () => {
    const smtp = await startSmtp({ onRcptTo: (_a, _s, callback) => callback(smtpError('Mailbox unavailable', 550)) });
    const err = await caught(() => notifier(smtp.port).notifier.send(makeBatch(), signal()));
    expect(err).toBeInstanceOf(PermanentError);
    expect(err.message).toContain('SMTP 550');
  });

  it('turns 451 at DATA into a TransientError', async () => {
    const smtp = await startSmtp({
      onData(stream, _session, callback) {
        stream.resume();
        stream.on('end', () => callback(smtpError('Local error in processing, try later', 451)));
      },
    });
    const err = await caught(() => notifier(smtp.port).notifier.send(makeBatch(), signal()));
    expect(err).toBeInstanceOf(TransientError);
    expect(err.message).toContain('SMTP 451');
  });

  it('turns 452 at RCPT (all recipients) into a TransientError', async () => {
    const smtp = await startSmtp({ onRcptTo: (_a, _s, callback) => callback(smtpError('Insufficient storage', 452)) });
    const err = await caught(() => notifier(smtp.port).notifier.send(makeBatch(), signal()));
    expect(err).toBeInstanceOf(TransientError);
  });

  it('turns rejected credentials (535) into a PermanentError without the user or password', async () => {
    const smtp = await startSmtp({
      authOptional: false,
      onAuth: (_auth, _session, callback) => callback(smtpError(`Authentication failed for ${USER}`, 535)),
    });
    const err = await caught(() => notifier(smtp.port, withAuth).notifier.send(makeBatch(), signal()));
    expect(err).toBeInstanceOf(PermanentError);
    expect(err.message).toContain('535');
    expect(err.message).not.toContain(PASSWORD);
    expect(err.message).not.toContain(USER);
  });

  it('turns a refused connection into a TransientError', async () => {
    const port = await startSilentServer(); // take a port, then free it
    await cleanups.pop()!();
    const err = await caught(() => notifier(port).notifier.send(makeBatch(), signal()));
    expect(err).toBeInstanceOf(TransientError);
    expect(err.message).toMatch(/ECONNREFUSED|ESOCKET|ECONNECTION/);
  });

  it('gives up after timeoutMs when the server never greets', async () => {
    const port = await startSilentServer();
    const started = Date.now();
    const err = await caught(() => notifier(port, { timeoutMs: 300 }).notifier.send(makeBatch(), signal()));
    expect(err).toBeInstanceOf(TransientError);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('email notifier: options', () => {
  const base = { host: 'smtp.example.com', from: 'alerts@example.com', to: 'ops@example.com' };
  const paths = (input: unknown) => emailOptionsSchema.safeParse(input).error?.issues.map((i) => i.path.join('.'));

  it('fills in defaults', () => {
    expect(emailOptionsSchema.parse(base)).toMatchObject({ port: 587, startTls: 'auto', subjectPrefix: '[clawmedic]', timeoutMs: 10_000, tlsRejectUnauthorized: true });
  });

  it('rejects bad addresses with the key path', () => {
    expect(paths({ ...base, from: 'not an address' })).toEqual(['from']);
    expect(paths({ ...base, to: ['ops@example.com', 'nope'] })?.[0]).toMatch(/^to/);
    expect(paths({ ...base, to: [] })?.[0]).toMatch(/^to/);
    expect(paths({ ...base, from: 'Ops <ops@example.com>\r\nBcc: x@example.com' })).toEqual(['from']);
    expect(paths({ ...base, to: 'Ops, Team <ops@example.com>' })).toEqual(['to']);
    expect(paths({ ...base, to: 'ops@example.com,evil@example.net' })).toEqual(['to']);
    expect(paths({ ...base, to: 'Ops Team <ops@example.com>' })).toBeUndefined();
  });

  it('rejects missing required fields and half-given credentials', () => {
    expect(paths({ from: base.from, to: base.to })).toEqual(['host']);
    expect(paths({ host: base.host, to: base.to })).toEqual(['from']);
    expect(paths({ ...base, password: 'env:P' })).toEqual(['user']);
    expect(paths({ ...base, port: 70000 })).toEqual(['port']);
  });

  it('refuses to send a password in clear text to a host that is not loopback', () => {
    expect(paths({ ...base, user: 'u', password: 'env:P', startTls: 'never' })).toEqual(['startTls']);
    expect(paths({ ...base, host: '127.0.0.1', user: 'u', password: 'env:P', startTls: 'never' })).toBeUndefined();
    expect(paths({ ...base, port: 465, user: 'u', password: 'env:P', startTls: 'never' })).toBeUndefined();
  });
});
