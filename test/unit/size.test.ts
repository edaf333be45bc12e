import { describe, expect, it } from 'vitest';
import { formatBytes, parseSize, sizeSchema } from '../../src/util/size.ts';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

describe('parseSize', () => {
  it.each([
    ['1.5g', 1.5 * GiB],
    ['800m', 800 * MiB],
    ['2GiB', 2 * GiB],
    ['2 GB', 2 * GiB],
    ['512MB', 512 * MiB],
    ['512mib', 512 * MiB],
    ['64k', 64 * 1024],
    ['1024', 1024],
    ['100b', 100],
    [' 1t ', 1024 ** 4],
    ['.5g', 0.5 * GiB],
    [1610612736, 1610612736],
    [0, 0],
  ])('reads %j as %i bytes', (input, bytes) => {
    expect(parseSize(input)).toBe(bytes);
  });

  it.each(['lots', '', '1.5 gigs', '-1g', '1e9', 'g', '1.5gg', '1,5g', '5x', -1, Number.NaN, Number.POSITIVE_INFINITY, null, {}, true])('rejects %j', (input) => {
    expect(parseSize(input)).toBeUndefined();
  });
});

describe('formatBytes', () => {
  it.each([
    [512, '512 B'],
    [12 * 1024, '12.0 KiB'],
    [850 * MiB, '850 MiB'],
    [1.31 * GiB, '1.31 GiB'],
    [14.7 * GiB, '14.7 GiB'],
  ])('%i -> %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});

describe('sizeSchema', () => {
  it('gives bytes, and a config error that names the bad value', () => {
    const schema = sizeSchema({ min: MiB });
    expect(schema.parse('1.5g')).toBe(1.5 * GiB);
    const bad = schema.safeParse('lots');
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toBe('"lots" is not a size (use e.g. "1.5g", "800m", "2GiB", or bytes as a number)');
    expect(schema.safeParse('10k').error?.issues[0]?.message).toMatch(/less than the 1.00 MiB allowed/);
    expect(schema.safeParse(true).success).toBe(false);
  });
});
