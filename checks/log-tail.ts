import { readTail } from '../src/platform/file-tail.ts';

/**
 * The last lines of a file that match, newest last, reading at most maxBytes from its end (a log of
 * 100 MB costs one read of that tail). A missing, unreadable or non-regular file gives no lines.
 */
export async function tailLines(path: string, options: { maxBytes: number; match: RegExp; max: number }): Promise<string[]> {
  const tail = await readTail(path, options.maxBytes);
  if (!tail.ok) return [];
  return tail.text
    .split('\n')
    .filter((l) => options.match.test(l))
    .slice(-options.max);
}
