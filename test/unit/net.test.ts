import { describe, expect, it } from 'vitest';
import { errorCode, isLoopbackHost } from '../../src/platform/net.ts';

describe('isLoopbackHost', () => {
  it('accepts 127.0.0.0/8, ::1 in every spelling, IPv4-mapped loopback and localhost', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '127.255.255.255', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', '[::ffff:7f00:1]', 'localhost', 'LOCALHOST']) {
      expect(isLoopbackHost(host), host).toBe(true);
    }
  });

  it('refuses every other address and name, including ones that only look like loopback', () => {
    for (const host of ['128.0.0.1', '10.0.0.1', '0.0.0.0', '::', '::2', '::ffff:10.0.0.1', '127.0.0.256', '127.0.0', '127.0.0.1.evil.example', 'localhost.evil.example', 'example.com', '', '[127.0.0.1]']) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
  });
});

describe('errorCode', () => {
  it('takes the innermost code along the cause chain: the errno behind "fetch failed"', () => {
    const fetchFailed = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }) });
    expect(errorCode(fetchFailed)).toBe('ECONNREFUSED');
    const socket = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET', cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) });
    expect(errorCode(socket)).toBe('ECONNRESET');
  });

  it("never lets undici's generic UND_ERR hide a real code, and is undefined without any", () => {
    const wrapped = Object.assign(new Error('x'), { code: 'UND_ERR_HEADERS_TIMEOUT', cause: Object.assign(new Error('y'), { code: 'UND_ERR' }) });
    expect(errorCode(wrapped)).toBe('UND_ERR_HEADERS_TIMEOUT');
    expect(errorCode(Object.assign(new Error('z'), { code: 'UND_ERR' }))).toBe('UND_ERR');
    expect(errorCode(new Error('plain'))).toBeUndefined();
    expect(errorCode('a string')).toBeUndefined();
    expect(errorCode(undefined)).toBeUndefined();
  });

  it('stops on a cause cycle', () => {
    const a: Error & { code?: string; cause?: unknown } = Object.assign(new Error('a'), { code: 'EA' });
    a.cause = a;
    expect(errorCode(a)).toBe('EA');
  });
});
