// The `server` section: where it may listen, and the token it must have beyond loopback.
import { describe, expect, it } from 'vitest';
import { parseListen, resolveServer, serverSchema } from '../../src/server/config.ts';
import { presentedToken, hostOf } from '../../src/server/auth.ts';
import { Redactor } from '../../src/util/redact.ts';

describe('server.listen', () => {
  it('takes an address and a port, IPv6 in brackets, localhost as 127.0.0.1', () => {
    expect(parseListen('127.0.0.1:9477')).toEqual({ host: '127.0.0.1', port: 9477 });
    expect(parseListen('[::1]:9477')).toEqual({ host: '::1', port: 9477 });
    expect(parseListen('localhost:80')).toEqual({ host: '127.0.0.1', port: 80 });
    expect(parseListen('0.0.0.0:9477')).toEqual({ host: '0.0.0.0', port: 9477 });
  });

  it('refuses names (resolved whenever DNS says), a missing or impossible port, unbracketed IPv6', () => {
    for (const bad of ['gateway.example.com:9477', '127.0.0.1', '127.0.0.1:0', '127.0.0.1:65536', '::1:9477', '[127.0.0.1]:9477', ' :9477', '127.0.0.1:94x']) {
      expect(parseListen(bad), bad).toBeUndefined();
    }
  });

  it('beyond loopback only with a token; on loopback without one', () => {
    expect(serverSchema.safeParse({ listen: '0.0.0.0:9477' }).error?.issues[0]).toMatchObject({ path: ['token'] });
    expect(serverSchema.safeParse({ listen: '[::]:9477' }).success).toBe(false);
    expect(serverSchema.safeParse({ listen: '0.0.0.0:9477', token: 'env:T' }).success).toBe(true);
    expect(serverSchema.safeParse({ listen: '127.0.0.2:9477' }).success).toBe(true);
    expect(serverSchema.parse({})).toEqual({ listen: '127.0.0.1:9477', refresh: 30_000 });
  });
});

describe('server.token', () => {
  const resolve = (token: string, env: NodeJS.ProcessEnv = {}) => {
    const redactor = new Redactor();
    return { ...resolveServer({ listen: '0.0.0.0:9477', token, refresh: 30_000 }, env, redactor), redactor };
  };

  it('is resolved from the environment and masked from then on', () => {
    const r = resolve('env:SRV', { SRV: 'a-long-enough-token-0123' });
    expect(r.server).toEqual({ host: '0.0.0.0', port: 9477, token: 'a-long-enough-token-0123', refreshMs: 30_000 });
    expect(r.redactor.text('x a-long-enough-token-0123 y')).toBe('x *** y');
  });

  it('a short, spaced or missing token is a problem that never quotes it', () => {
    expect(resolve('short').problems[0]).toMatchObject({ path: 'server.token', message: expect.stringMatching(/is 5 characters long; use at least 16/) });
    const spaced = resolve('has spaces in the token here');
    expect(spaced.problems[0]?.message).toMatch(/printable ASCII without spaces/);
    expect(spaced.problems[0]?.message).not.toContain('has spaces');
    expect(resolve('env:NOPE').problems[0]?.message).toMatch(/NOPE.*not set/);
    expect(resolve('env:NOPE').server).toBeUndefined();
  });
});

describe('request credentials', () => {
  it('reads a bearer token, or the password of HTTP Basic (what a browser sends)', () => {
    expect(presentedToken('Bearer abc.def')).toBe('abc.def');
    expect(presentedToken(`Basic ${Buffer.from('anyone:the:token').toString('base64')}`)).toBe('the:token');
    expect(presentedToken('Bearer')).toBeUndefined();
    expect(presentedToken('Digest x')).toBeUndefined();
    expect(presentedToken(undefined)).toBeUndefined();
  });

  it('takes the host out of a Host header', () => {
    expect(hostOf('127.0.0.1:9477')).toBe('127.0.0.1');
    expect(hostOf('[::1]:9477')).toBe('[::1]');
    expect(hostOf('localhost')).toBe('localhost');
    expect(hostOf('evil.example.com:80')).toBe('evil.example.com');
    expect(hostOf('')).toBeUndefined();
  });
});
