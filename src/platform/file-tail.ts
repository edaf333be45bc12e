import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

export type TailReading = { ok: true; text: string; size: number; truncated: boolean } | { ok: false; code?: string; message: string };

/**
 * The last `maxBytes` of a regular file as text, starting at a whole line (the partial first line of a cut
 * is dropped). Bounded whatever the file's size; a FIFO or device is refused (never read, so nothing hangs).
 * Never throws.
 */
export async function readTail(path: string, maxBytes: number): Promise<TailReading> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const st = await handle.stat();
    if (!st.isFile()) return { ok: false, message: `${path} is not a regular file` };
    const size = st.size;
    const length = Math.min(size, Math.max(0, maxBytes));
    const start = size - length;
    const buf = Buffer.alloc(length);
    let read = 0;
    while (read < length) {
      const { bytesRead } = await handle.read(buf, read, length - read, start + read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    let text = buf.subarray(0, read).toString('utf8');
    if (start > 0) {
      const nl = text.indexOf('\n');
      text = nl < 0 ? '' : text.slice(nl + 1);
    }
    return { ok: true, text, size, truncated: start > 0 };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { ok: false, ...(code ? { code } : {}), message: `cannot read ${path}: ${(err as Error).message}` };
  } finally {
    await handle?.close().catch(() => {});
  }
}
