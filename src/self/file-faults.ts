import { dirname } from 'node:path';
import { errorCode } from '../platform/net.ts';
import { describeErrno } from '../util/errno.ts';
import { clip, collapseWhitespace } from '../util/text.ts';
import type { FaultReport } from './faults.ts';

/** What a person can do about a file clawmedic cannot write or read, by errno. */
export function fileRemedy(path: string, code: string | undefined): string {
  const dir = dirname(path);
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return `Free space on the file system that holds ${dir} (\`df -h ${dir}\`, \`du -sh /tmp/openclaw\` for OpenClaw's logs), or set state.path to a disk with room.`;
    case 'EROFS':
      return `The file system holding ${dir} is mounted read-only (after I/O errors the kernel does this: see \`dmesg\`); remount it read-write, or set state.path to a writable disk.`;
    case 'EACCES':
    case 'EPERM':
      return `Let the user clawmedic runs as (uid ${process.getuid?.() ?? '?'}) write ${dir}: check \`ls -ld ${dir}\`, and \`lsattr -d ${dir}\` for an immutable flag (\`chattr -i\`).`;
    case 'EIO':
      return `The disk holding ${dir} reports I/O errors: check \`dmesg\` and the disk's health before it fails entirely.`;
    default:
      return `Check that ${dir} exists and is writable by clawmedic, or set state.path elsewhere.`;
  }
}

export const KEPT_IN_MEMORY = 'checks and alerts go on, kept in memory until it is writable (a restart meanwhile loses them)';

/** The fault for a state file write that failed. */
export function stateWriteFault(path: string, err: unknown): FaultReport {
  const code = errorCode(err);
  return {
    severity: 'crit',
    summary: `cannot write state file ${path}: ${describeErrno(code, err)}`,
    consequence: KEPT_IN_MEMORY,
    remedy: fileRemedy(path, code),
    path,
    ...(code ? { code } : {}),
  };
}

const EMPTY_START = 'started with an empty state: earlier incidents, pending alerts and history are not known to this run';

/** The fault for a state path that cannot be read as a file (a directory, a FIFO, an I/O error). */
export function stateReadFault(path: string, err: unknown): FaultReport {
  const code = errorCode(err);
  return {
    severity: 'crit',
    summary: `cannot read state file ${path}: ${describeErrno(code, (err as { cause?: unknown })?.cause ?? err)}`,
    consequence: EMPTY_START,
    remedy: code === 'EISDIR' || code === 'ENOTFILE' ? `${path} is not a regular file: set state.path to a file path, or move what is there.` : fileRemedy(path, code),
    path,
    ...(code ? { code } : {}),
  };
}

/** The fault for an unusable state file that could not be moved aside either. */
export function stateUnmovableFault(path: string, reason: string, moveErr: unknown): FaultReport {
  const code = errorCode(moveErr);
  return {
    severity: 'crit',
    summary: `state file ${path} is unusable (${reason}) and cannot be moved aside: ${describeErrno(code, moveErr)}`,
    consequence: EMPTY_START,
    remedy: fileRemedy(path, code),
    path,
    ...(code ? { code } : {}),
  };
}

/** The fault for a silences file that cannot be read or is damaged. */
export function silencesFault(path: string | undefined, err: unknown, consequence: string): FaultReport {
  const message = err instanceof Error ? err.message : String(err);
  return {
    severity: 'warn',
    summary: clip(collapseWhitespace(message), 300),
    consequence,
    remedy: `Fix or remove ${path ?? 'the silences file'} (\`clawmedic silence clear\` writes a fresh one), then check with \`clawmedic silence list\`.`,
    ...(path ? { path } : {}),
    ...(errorCode(err) ? { code: errorCode(err) } : {}),
  };
}
