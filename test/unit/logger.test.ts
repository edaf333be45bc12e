import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { Redactor } from '../../src/util/redact.ts';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const redactor = new Redactor();
  redactor.add('hunter2-secret');
  const log = createLogger({ level: 'debug', redactor, pretty: false, destination });
  return { log, lines };
}

const circular: Record<string, unknown> = { name: 'loop' };
circular.self = circular;

describe('logging an error never throws, whatever the err field holds', () => {
  const cases: Array<[string, unknown, Record<string, unknown>]> = [
    ['an Error with an errno code', Object.assign(new Error('write failed: hunter2-secret'), { code: 'ENOSPC' }), { type: 'Error', message: 'write failed: ***', code: 'ENOSPC' }],
    ['a string', 'cannot write /x: ENOSPC', { type: 'string', message: 'cannot write /x: ENOSPC' }],
    ['undefined', undefined, { type: 'undefined', message: 'undefined' }],
    ['null', null, { type: 'object', message: 'null' }],
    ['a number', 42, { type: 'number', message: '42' }],
    ['an object without a message', { errno: -28 }, { type: 'object', message: '{"errno":-28}' }],
    ['an object with a message', { message: 'token=hunter2-secret' }, { type: 'object', message: 'token=***' }],
    ['a circular object', circular, { type: 'object', message: '[object Object]' }],
    ['an Error whose message is not a string', Object.assign(new Error(), { message: 7 }), { type: 'Error', message: '7' }],
  ];

  it.each(cases)('%s', (_name, err, expected) => {
    const { log, lines } = capture();
    expect(() => log.error({ err }, 'state write failed')).not.toThrow();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'error', msg: 'state write failed', err: expected });
  });

  it('keeps logging when a field cannot be copied, saying what was dropped', () => {
    const { log, lines } = capture();
    const hostile = {
      get boom(): string {
        throw new Error('getter exploded');
      },
    };
    expect(() => log.warn({ hostile }, 'still here')).not.toThrow();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: 'still here', logError: expect.stringContaining('getter exploded') });
  });

  it('redacts the message text too', () => {
    const { log, lines } = capture();
    log.info('password=hunter2-secret in a message');
    expect(lines[0]?.msg).toBe('password=*** in a message');
  });
});

