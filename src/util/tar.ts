// A .tar.gz written without a shell or a tar binary: POSIX ustar headers (512-byte blocks), regular files only,
// gzip from zlib, streamed to the file so a large entry is never held twice.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';

export interface TarEntry {
  /** Path inside the archive (at most 100 bytes after the prefix split; ASCII is safest). */
  name: string;
  data: Buffer | string;
  mode?: number;
  mtime?: number;
}

/** One ustar header block for a regular file. */
export function tarHeader(name: string, size: number, mode: number, mtimeSec: number): Buffer {
  const h = Buffer.alloc(512);
  let prefix = '';
  let base = name;
  if (Buffer.byteLength(name) > 100) {
    // ustar: a longer path is split at a slash into prefix (155) and name (100).
    const cut = name.lastIndexOf('/', 155);
    if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100) throw new Error(`tar: path too long: ${name.slice(0, 80)}…`);
    prefix = name.slice(0, cut);
    base = name.slice(cut + 1);
  }
  h.write(base, 0, 100, 'utf8');
  const octal = (value: number, length: number, offset: number) => h.write(`${value.toString(8).padStart(length - 1, '0')}\0`, offset, length, 'ascii');
  octal(mode & 0o7777, 8, 100);
  octal(0, 8, 108);
  octal(0, 8, 116);
  octal(size, 12, 124);
  octal(Math.max(0, Math.floor(mtimeSec)), 12, 136);
  h.fill(0x20, 148, 156); // The checksum is computed with its own field as spaces.
  h.write('0', 156, 1, 'ascii');
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  h.write('root', 265, 32, 'ascii');
  h.write('root', 297, 32, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return h;
}

/** Writes the entries as a gzip-compressed tar to `path` (created with `mode`, never over an existing file). */
export async function writeTarGz(path: string, entries: Iterable<TarEntry>, mode = 0o600): Promise<number> {
  const file = createWriteStream(path, { flags: 'wx', mode });
  const gzip = createGzip({ level: 9 });
  gzip.pipe(file);
  const failed = new Promise<never>((_, reject) => {
    file.once('error', reject);
    gzip.once('error', reject);
  });
  const put = async (chunk: Buffer) => {
    if (!gzip.write(chunk)) await Promise.race([once(gzip, 'drain'), failed]);
  };
  const now = Date.now() / 1000;
  for (const e of entries) {
    const data = typeof e.data === 'string' ? Buffer.from(e.data, 'utf8') : e.data;
    await put(tarHeader(e.name, data.length, e.mode ?? 0o600, e.mtime ?? now));
    await put(data);
    const pad = (512 - (data.length % 512)) % 512;
    if (pad) await put(Buffer.alloc(pad));
  }
  // The end of the archive: two zero blocks.
  await put(Buffer.alloc(1024));
  gzip.end();
  await Promise.race([once(file, 'close'), failed]);
  return file.bytesWritten;
}
