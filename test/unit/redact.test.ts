import { describe, expect, it } from 'vitest';
import { Redactor, redactPatterns } from '../../src/util/redact.ts';

describe('redactPatterns', () => {
  it('masks the path of a Slack incoming-webhook URL', () => {
    const out = redactPatterns('POST https://hooks.slack.com/services/T0123ABCD/B0456EFGH/xYzAbC123dEf456gHi789 failed');
    expect(out).toBe('POST https://hooks.slack.com/services/*** failed');
  });

  it('masks Slack tokens', () => {
    expect(redactPatterns('using xoxb-1234567890-abcdefghij')).toBe('using xox*-***');
  });

  it('masks a Bearer token', () => {
    expect(redactPatterns('sent with Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig today')).toBe('sent with Bearer *** today');
  });

  it('masks the token of an Authorization header', () => {
    const out = redactPatterns('Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig');
    expect(out).not.toContain('eyJhbGciOiJIUzI1NiJ9');
    expect(out).toMatch(/^Authorization: \*\*\*/);
  });

  it('masks the password of user:pass@ in a URL and keeps the rest', () => {
    expect(redactPatterns('connect smtp://alerts:hunter2secret@mail.example.com:587 failed')).toBe(
      'connect smtp://alerts:***@mail.example.com:587 failed',
    );
  });

  it.each([
    ['token=abcdef123456', 'token=***'],
    ['GET /api?token=abcdef123456&x=1', 'GET /api?token=***&x=1'],
    ['password: hunter2hunter2', 'password: ***'],
    ['{"password":"s3cretvalue"}', '{"password":"***"}'],
    ['api_key=ABCDEF0123', 'api_key=***'],
    ['secret = topsecretvalue', 'secret = ***'],
  ])('masks the value in %j', (input, expected) => {
    expect(redactPatterns(input)).toBe(expected);
  });

  it.each([
    ['Bearer followed by two spaces', 'sent with Bearer  eyJhbGciOiJIUzI1NiJ9 today', 'sent with Bearer *** today'],
    ['a Basic credential, in any case', 'header basic dXNlcjpwYXNzd29yZA== sent', 'header basic *** sent'],
    ['apikey= without a separator', 'apikey=ABCDEF0123', 'apikey=***'],
    ['api-key: with a dash', 'api-key: ABCDEF0123', 'api-key: ***'],
  ])('masks %s', (_name, input, expected) => {
    expect(redactPatterns(input)).toBe(expected);
  });

  it('leaves a short value after a key alone: fewer than 4 characters is not a secret', () => {
    expect(redactPatterns('token=abc password: xy')).toBe('token=abc password: xy');
  });

  it('masks sk- API keys', () => {
    expect(redactPatterns('key sk-proj-abcdefghijklmnop1234 rejected')).toBe('key sk-*** rejected');
  });

  it('leaves a key path followed by a message readable: a key path is not a value', () => {
    const text = 'gateway.auth.token: Missing env var "MISSING_TOKEN_VAR" - feature using this value will be unavailable';
    expect(redactPatterns(text)).toBe(text);
  });

  it('leaves ordinary text alone', () => {
    const text = 'gateway hung: 127.0.0.1:18789 accepted the connection but /readyz got no answer within 3000 ms';
    expect(redactPatterns(text)).toBe(text);
  });
});

describe('Redactor', () => {
  it('masks registered secrets wherever they appear, plus the patterns', () => {
    const r = new Redactor();
    r.add('my-gateway-token-123');
    expect(r.text('sent my-gateway-token-123 twice: my-gateway-token-123; password: hunter22')).toBe('sent *** twice: ***; password: ***');
  });

  it('masks a secret that contains another secret whole', () => {
    const r = new Redactor();
    r.add('abcd');
    r.add('abcdefgh');
    expect(r.text('x abcdefgh y abcd')).toBe('x *** y ***');
  });

  it('ignores values shorter than 4 characters and empty ones', () => {
    const r = new Redactor();
    r.add('abc');
    r.add('');
    r.add(undefined);
    expect(r.text('abc is fine')).toBe('abc is fine');
  });

  it('treats regex characters in a secret literally', () => {
    const r = new Redactor();
    r.add('a.b*c+d?');
    expect(r.text('axbxcxd a.b*c+d?')).toBe('axbxcxd ***');
  });

  it('redacts every string of a nested value into a copy, leaving the input untouched', () => {
    const r = new Redactor();
    r.add('s3cret-value');
    const input = { summary: 'got s3cret-value', n: 3, list: ['s3cret-value', true, null], deep: { url: 'https://u:p4ssword@h/x' } };
    const out = r.value(input);
    expect(out).toEqual({ summary: 'got ***', n: 3, list: ['***', true, null], deep: { url: 'https://u:***@h/x' } });
    expect(input.summary).toBe('got s3cret-value');
  });

  it('gives a copy whose properties can be changed and deleted like any object', () => {
    const out = new Redactor().value({ summary: 'x', deep: { n: 1 } });
    out.summary = 'changed';
    out.deep.n = 2;
    expect(out).toEqual({ summary: 'changed', deep: { n: 2 } });
    expect(delete (out as Partial<typeof out>).summary).toBe(true);
    expect(out).toEqual({ deep: { n: 2 } });
  });

  it('keeps a "__proto__" key as data', () => {
    const r = new Redactor();
    const input = JSON.parse('{"__proto__": {"polluted": "yes"}}') as Record<string, unknown>;
    const out = r.value(input);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
