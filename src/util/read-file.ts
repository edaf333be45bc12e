import { closeSync, constants, fstatSync, openSync, readFileSync, type Stats } from 'node:fs';
import { describeErrno } from './errno.ts';

/** A file that could not be read as a small regular file; `why` is the words after "cannot read <path>: ". */
export class FileReadError extends Error {
  readonly code: string;
  readonly why: string;
  constructor(path: string, code: string, why: string) {
    super(`cannot read ${path}: ${why}`);
    this.name = 'FileReadError';
    this.code = code;
    this.why = why;
  }
}

/**
 * Reads a regular file of at most maxBytes as UTF-8. A FIFO, device, socket or directory is refused
 * without blocking (opened non-blocking, checked with fstat on the opened descriptor, so nothing can be
 * swapped in between), and so is a file larger than maxBytes, which is never read.
 */
export function readRegularFile(path: string, maxBytes: number): string {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    throw new FileReadError(path, code, describeErrno(code, err));
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) throw new FileReadError(path, info.isDirectory() ? 'EISDIR' : 'ENOTFILE', `it is ${kindOf(info)}, not a regular file`);
    if (info.size > maxBytes) throw new FileReadError(path, 'EFBIG', `it is ${info.size} bytes, more than the ${maxBytes} allowed`);
    return readFileSync(fd, 'utf8');
  } catch (err) {
    if (err instanceof FileReadError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    throw new FileReadError(path, code, describeErrno(code, err));
  } finally {
    closeSync(fd);
  }
}

function kindOf(info: Stats): string {
  if (info.isDirectory()) return 'a directory';
  if (info.isFIFO()) return 'a FIFO (named pipe)';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  return 'not a regular file';
}
