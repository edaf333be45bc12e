import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../src/util/duration.ts';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['1w', 604_800_000],
    ['1.5s', 1_500],
    ['1h30m', 5_400_000],
    ['2m15s', 135_000],
    [' 10s ', 10_000],
    ['0s', 0],
  ])('reads %j as %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['5 minutes', '', '   ', '10', '5M', '-5s', '5s10', 's', '1h 30m', 'ms5', '5x'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [250, '250ms'],
    [1_500, '1.5s'],
    [30_000, '30s'],
    [90_000, '1m30s'],
    [300_000, '5m'],
    [7_200_000, '2h'],
    [5_400_000, '1h30m'],
    [86_400_000, '1d'],
  ])('formats %i ms as %j', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('keeps the two largest units only', () => {
    expect(formatDuration(90_061_000)).toBe('1d1h');
  });

  it('does not pretend a non-finite value is a duration', () => {
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('Infinity');
  });

  it.each([500, 1_000, 1_500, 45_000, 90_000, 300_000, 5_400_000, 7_200_000, 86_400_000, 90_000_000])(
    'round trips %i ms through formatDuration and parseDuration',
    (ms) => {
      expect(parseDuration(formatDuration(ms))).toBe(ms);
    },
  );

  it.each(['500ms', '30s', '5m', '1h30m', '2h', '1d'])('round trips %j through parseDuration and formatDuration', (text) => {
    expect(formatDuration(parseDuration(text)!)).toBe(text);
  });
});
