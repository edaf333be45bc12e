import { open } from 'node:fs/promises';

/**
 * The last lines of a file that match, newest last, reading at most maxBytes from its end (a log of
 * 100 MB costs one read of that tail). A missing or unreadable file gives no lines (never a throw of its
 * own: callers add .catch for the rest).
 */
export async function tailLines(path: string, options: { maxBytes: number; match: RegExp; max: number }): Promise<string[]> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    return [];
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return [];
    const length = Math.min(info.size, options.maxBytes);
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, info.size - length);
    const lines = buffer.subarray(0, bytesRead).toString('utf8').split('\n');
    // The first line is likely cut in the middle unless the tail starts at the file's start.
    if (length < info.size) lines.shift();
    return lines.filter((l) => options.match.test(l)).slice(-options.max);
  } finally {
    await handle.close();
  }
}
