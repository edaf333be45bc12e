import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { maskExecOutput, maskToken, quoteFirstLine, shellQuote, snippet } from '../../checks/quote.ts';
import { Redactor } from '../../src/util/redact.ts';

const TOKEN = 'gw-token-5f2c9a7e1b';

describe('quoting outside text in check results', () => {
  it('masks the gateway token, but not a token too short to be told from text', () => {
    expect(maskToken(`a ${TOKEN} b ${TOKEN}`, TOKEN)).toBe('a *** b ***');
    expect(maskToken('the abc of it', 'abc')).toBe('the abc of it');
    expect(maskToken('unchanged', undefined)).toBe('unchanged');
    const res = { code: 1, signal: null, stdout: `x ${TOKEN}`, stderr: `y ${TOKEN}`, timedOut: false, durationMs: 5 };
    expect(maskExecOutput(res, TOKEN)).toEqual({ ...res, stdout: 'x ***', stderr: 'y ***' });
  });

  it('snippet masks before it cuts: a token across the cut would escape the runner', () => {
    const body = `${'x'.repeat(195)}${TOKEN}`;
    // What the runner would see if the cut came first: a piece of the token that the Redactor cannot recognise.
    const redactor = new Redactor();
    redactor.add(TOKEN);
    expect(redactor.text(body.slice(0, 200))).toContain(TOKEN.slice(0, 5));

    const quoted = snippet(body, TOKEN);
    expect(quoted).not.toContain(TOKEN.slice(0, 5));
    expect(quoted).toBe(`${'x'.repeat(195)}***`);
  });

  it('quoteFirstLine quotes the first line that says something, redacted and capped', () => {
    expect(quoteFirstLine('\n\u001b[31m  Error: request with Bearer abcdefgh12345678 refused\u001b[0m\nstack')).toBe('Error: request with Bearer *** refused');
    expect(quoteFirstLine(`${'y'.repeat(500)}\nsecond`, 100)).toHaveLength(100);
    expect(quoteFirstLine('\n\n')).toBe('');
  });

  it('shellQuote leaves plain words alone and makes anything else one inert argument', () => {
    expect(shellQuote('telegram')).toBe('telegram');
    expect(shellQuote('agent-database:main')).toBe('agent-database:main');
    expect(shellQuote('-rf')).toBe("'-rf'");
    // What bash makes of it is the word itself: no command, substitution, glob or second argument.
    for (const word of ["x'; touch /tmp/pwned; echo '", '$(id)', '`id`', 'a b*', 'it\'s', '{"channel":"tg"}', 'line\nbreak']) {
      expect(execFileSync('bash', ['-c', `printf '%s' ${shellQuote(word)}`], { encoding: 'utf8' })).toBe(word);
    }
  });
});
