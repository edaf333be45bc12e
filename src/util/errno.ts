// File-system failures in words a person reads at 3 a.m., with the errno kept for searching.

const WORDS: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted (an immutable file or directory, or a security policy)',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  ENOENT: 'no such file or directory',
  EIO: 'I/O error (the disk or file system is failing)',
  EMFILE: 'too many open files in this process',
  ENFILE: 'too many open files on this host',
  ENOTFILE: 'not a regular file',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'path too long',
};

/** "no space left on device (ENOSPC)"; the error's own message when the code is not one of the known ones. */
export function describeErrno(code: string | undefined, err?: unknown): string {
  if (code && WORDS[code]) return `${WORDS[code]} (${code})`;
  const message = err instanceof Error ? err.message : err === undefined ? '' : String(err);
  return message || code || 'unknown error';
}

