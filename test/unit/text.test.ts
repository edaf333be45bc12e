import { describe, expect, it } from 'vitest';
import { clip, collapseWhitespace, firstLine, oneLine } from '../../src/util/text.ts';

describe('text helpers', () => {
  it('collapseWhitespace makes one sentence; oneLine keeps where lines were', () => {
    expect(collapseWhitespace('  Invalid input:\n    expected number,\treceived string  ')).toBe('Invalid input: expected number, received string');
    expect(oneLine('first\n  second\r\nthird')).toBe('first | second | third');
  });

  it('firstLine skips blank lines, escape codes and control characters', () => {
    expect(firstLine('\n  \r\n\u001b[31mError:\u001b[0m no config \u0007\nat line 2')).toBe('Error: no config');
    expect(firstLine('only\rafter a carriage return')).toBe('only');
    expect(firstLine(' \n\t\n')).toBe('');
  });

  it('clip cuts to at most max characters with an ellipsis, never through a surrogate pair', () => {
    expect(clip('short', 10)).toBe('short');
    expect(clip('abcdefghij', 10)).toBe('abcdefghij');
    expect(clip('abcdefghijk', 10)).toBe('abcdefghi…');
    const rocket = 'abc\ud83d\ude80def';
    expect(clip(rocket, 5)).toBe('abc…');
    expect(clip(rocket, 6)).toBe('abc\ud83d\ude80…');
  });
});
