import { describe, expect, it } from 'vitest';
import {
  escapeAndFit,
  escapeHtml,
  escapeSlackMrkdwn,
  escapeSlackMrkdwnKeepingCode,
  sanitizeBatch,
  stripControl,
  truncate,
  TEXT_LIMITS,
} from '../../src/alerts/format.ts';
import { Redactor } from '../../src/util/redact.ts';
import { SECRET, makeAlert, makeBatch } from '../fixtures/alerts.ts';

function redactor() {
  const r = new Redactor();
  r.add(SECRET);
  return (s: string) => r.text(s);
}

describe('stripControl', () => {
  it('removes ANSI colour, cursor and title sequences but keeps the words', () => {
    expect(stripControl('\u001b[31;1mred\u001b[0m \u001b[2J\u001b[Hcleared')).toBe('red cleared');
    expect(stripControl('\u001b]0;pwned title\u0007after')).toBe('after');
    expect(stripControl('\u001b]8;;http://evil\u001b\\link\u001b]8;;\u001b\\')).toBe('link');
    expect(stripControl('\u009b31mc1\u009b0m')).toBe('c1');
  });

  it('removes other control characters, keeping newline and tab, and turns CR into newline', () => {
    expect(stripControl('a\u0000b\u0007c\u0008d\u007fe\u0085f')).toBe('abcdef');
    expect(stripControl('one\ttwo\nthree\r\nfour\rfive')).toBe('one\ttwo\nthree\nfour\nfive');
  });

  it('removes bidi overrides and repairs lone surrogates, keeping real emoji', () => {
    expect(stripControl('admin\u202etxt.exe')).toBe('admintxt.exe');
    expect(stripControl('ok \ud83d\ude80 bad \ud83d end')).toBe('ok \ud83d\ude80 bad \ufffd end');
  });
});

describe('truncate', () => {
  it('leaves short text alone', () => {
    expect(truncate('short', 10)).toBe('short');
  });

  it('cuts long text to the limit with a marker that says how long it was', () => {
    const out = truncate('x'.repeat(1000), 100);
    expect(out.length).toBeLessThanOrEqual(100);
    expect(out).toMatch(/^x+… \[truncated, 1000 chars\]$/);
    expect(truncate('x'.repeat(200), 100, 1_048_576)).toContain('[truncated, 1048576 chars]');
  });

  it('never splits a surrogate pair', () => {
    const text = '\ud83d\ude80'.repeat(100);
    for (let max = 30; max < 40; max++) {
      const out = truncate(text, max);
      expect(out.length).toBeLessThanOrEqual(max);
      expect(out).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
    }
  });

  it('still respects a limit shorter than the marker', () => {
    expect(truncate('abcdefghij', 5)).toBe('abcd…');
  });
});

describe('escapeSlackMrkdwn', () => {
  it('turns &, < and > into entities so mentions and links stay text', () => {
    expect(escapeSlackMrkdwn('<!channel> <@U123> <http://evil|click> a & b')).toBe('&lt;!channel&gt; &lt;@U123&gt; &lt;http://evil|click&gt; a &amp; b');
    expect(escapeSlackMrkdwn('&lt;!here&gt;')).toBe('&amp;lt;!here&amp;gt;');
  });

  it('neutralises bold, strike and code markers and boundary underscores', () => {
    expect(escapeSlackMrkdwn('*bold* ~strike~ `code` _italic_')).toBe('\u2217bold\u2217 \u223cstrike\u223c \u02cbcode\u02cb \u02cditalic\u02cd');
    // Diagnosis and remedy: a `command` stays code (inert inside: &, <, > and @here), everything around is escaped.
    expect(escapeSlackMrkdwnKeepingCode('*Run* `openclaw channels logs --channel \'<!channel>\' --json` then @here `x')).toBe(
      "\u2217Run\u2217 `openclaw channels logs --channel '&lt;!channel&gt;' --json` then @\u2060here \u02cbx",
    );
  });

  it('keeps underscores inside words, so env names and snake_case stay copyable', () => {
    expect(escapeSlackMrkdwn('set OPENCLAW_GATEWAY_PORT and max_rss_mb')).toBe('set OPENCLAW_GATEWAY_PORT and max_rss_mb');
    expect(escapeSlackMrkdwn('__init__')).toBe('\u02cd\u02cdinit\u02cd\u02cd');
  });

  it('defuses bare @channel words and leading quote markers', () => {
    expect(escapeSlackMrkdwn('ping @channel and @Here')).toBe('ping @\u2060channel and @\u2060Here');
    expect(escapeSlackMrkdwn('> quoted\nnot > here')).toBe('\u00ad&gt; quoted\nnot &gt; here');
  });

  it('leaves no markup character behind in any input', () => {
    const nasty = '<>&*_~`@channel<!everyone>*_~`'.repeat(3);
    const out = escapeSlackMrkdwn(nasty);
    expect(out).not.toMatch(/[<>*~`]/);
    expect(out.replace(/&(amp|lt|gt);/g, '')).not.toContain('&');
  });
});

describe('escapeHtml', () => {
  it('escapes the five HTML-significant characters', () => {
    expect(escapeHtml(`<script>alert("x" & 'y')</script>`)).toBe('&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;');
  });
});

describe('escapeAndFit', () => {
  it('keeps the escaped result within the limit without cutting an entity', () => {
    const out = escapeAndFit('<'.repeat(1000), 200, escapeHtml);
    expect(out.length).toBeLessThanOrEqual(200);
    expect(out).toMatch(/^(&lt;)+… \[truncated, 1000 chars\]$/);
  });

  it('does not cut text that fits once escaped', () => {
    expect(escapeAndFit('a<b', 6, escapeHtml)).toBe('a&lt;b');
  });
});

describe('sanitizeBatch', () => {
  it('redacts registered secrets and secret patterns, strips control characters and truncates', () => {
    const batch = makeBatch({
      alerts: [
        makeAlert({
          summary: `\u001b[31mfailed\u001b[0m with ${SECRET}\nand a second line ${'A'.repeat(1024 * 1024)}`,
          diagnosis: 'line one\nline two password=hunter22hunter22\u0007',
          remedy: 'x'.repeat(5000),
        }),
      ],
    });
    const safe = sanitizeBatch(batch, redactor());
    const alert = safe.alerts[0]!;
    expect(alert.summary.startsWith('failed with *** and a second line AAAA')).toBe(true);
    expect(alert.summary.length).toBeLessThanOrEqual(TEXT_LIMITS.summary);
    expect(alert.summary).toMatch(/… \[truncated, 10\d{5} chars\]$/);
    expect(alert.diagnosis).toBe('line one\nline two password=***');
    expect(alert.remedy!.length).toBeLessThanOrEqual(TEXT_LIMITS.remedy);
    // The input is left as it was.
    expect(batch.alerts[0]!.summary).toContain(SECRET);
  });

  it('catches a secret that an escape sequence had split', () => {
    const [head, tail] = [SECRET.slice(0, 10), SECRET.slice(10)];
    const safe = sanitizeBatch(makeBatch({ alerts: [makeAlert({ summary: `key ${head}\u001b[0m${tail}` })] }), redactor());
    expect(safe.alerts[0]!.summary).toBe('key ***');
  });

  it('makes single-line fields single-line and caps related checks', () => {
    const related = Array.from({ length: 50 }, (_, i) => ({ checkId: `c${i}`, summary: `s\n${i}` }));
    const safe = sanitizeBatch(makeBatch({ host: 'gw\r\n-01', alerts: [makeAlert({ checkId: 'a\nb', related })] }), redactor());
    expect(safe.host).toBe('gw -01');
    expect(safe.alerts[0]!.checkId).toBe('a b');
    expect(safe.alerts[0]!.related).toHaveLength(TEXT_LIMITS.relatedItems);
    expect(safe.alerts[0]!.related![1]).toEqual({ checkId: 'c1', summary: 's 1' });
  });

  it('stays fast on input that makes the redaction patterns backtrack', () => {
    const started = performance.now();
    const safe = sanitizeBatch(makeBatch({ alerts: [makeAlert({ summary: 'a.'.repeat(500_000), diagnosis: 'a.'.repeat(500_000) })] }), redactor());
    expect(safe.alerts[0]!.diagnosis!.length).toBeLessThanOrEqual(TEXT_LIMITS.diagnosis);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
