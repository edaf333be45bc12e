import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Adapter } from 'lowdb';
import { isProcessAlive } from '../platform/process.ts';
import { describeErrno } from '../util/errno.ts';

// A lowdb adapter that replaces the file atomically and durably. lowdb's own TextFile (steno) renames a
// temp file into place, but neither fsyncs nor sets a mode, so after a power cut the file can be empty
// and it is created world-readable. Here: a temp file in the same directory (so rename is atomic),
// created 0600, written, fsynced, renamed over the target, then the directory is fsynced so the rename
// itself survives a crash.

/** A state file that exists but cannot be used as a file (permissions, a directory, I/O errors). */
export class StateFileError extends Error {
  readonly path: string;
  readonly code: string | undefined;
  constructor(message: string, options: { path: string; code?: string; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = 'StateFileError';
    this.path = options.path;
    this.code = options.code;
  }
}

/** The file was read but its content is unusable; the caller decides whether to quarantine it. */
export class CorruptFileError extends Error {
  readonly reason: string;
  /** 'newer' when the content is a later schema version rather than damage. */
  readonly kind: 'corrupt' | 'newer';
  constructor(reason: string, kind: 'corrupt' | 'newer' = 'corrupt') {
    super(reason);
    this.name = 'CorruptFileError';
    this.reason = reason;
    this.kind = kind;
  }
}

export interface AtomicJsonFileOptions<T> {
  /** Turns the text into data or throws CorruptFileError. */
  parse(text: string): T;
  serialize?: (data: T) => string;
  /** A file larger than this is treated as corrupt rather than read into memory (default 64 MiB). */
  maxBytes?: number;
}

export interface WriteStats {
  bytes: number;
  /** Wall time of the whole write, fsyncs included. */
  ms: number;
}

const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

export class AtomicJsonFile<T> implements Adapter<T> {
  readonly path: string;
  /** Size and duration of the last successful write. */
  lastWrite: WriteStats | undefined;
  private readonly options: AtomicJsonFileOptions<T>;
  private chain: Promise<void> = Promise.resolve();
  private dirReady = false;
  private seq = 0;

  constructor(path: string, options: AtomicJsonFileOptions<T>) {
    this.path = path;
    this.options = options;
  }

  /** null when the file does not exist. */
  async read(): Promise<T | null> {
    let text: string;
    try {
      const info = await stat(this.path);
      // A FIFO or device would block or never end; a directory cannot be parsed.
      if (!info.isFile()) throw Object.assign(new Error('not a regular file'), { code: info.isDirectory() ? 'EISDIR' : 'ENOTFILE' });
      const max = this.options.maxBytes ?? 64 * 1024 * 1024;
      if (info.size > max) throw new CorruptFileError(`the file is ${info.size} bytes, more than the ${max} a state file can be`);
      const fh = await open(this.path, 'r');
      try {
        text = await fh.readFile('utf8');
      } finally {
        await fh.close();
      }
    } catch (err) {
      if (err instanceof CorruptFileError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return null;
      throw new StateFileError(`cannot read state file ${this.path}: ${describeErrno(code, err)}`, { path: this.path, code, cause: err });
    }
    return this.options.parse(text);
  }

  /** Writes are queued: never two at once on the same file. */
  write(data: T): Promise<void> {
    // Serialise now, so later in-place changes to `data` belong to the next write, not this one.
    const text = (this.options.serialize ?? defaultSerialize)(data);
    const run = this.chain.then(() => this.writeText(text));
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Narrows the mode of an existing file that others can read; true when it had to. */
  async tightenMode(): Promise<boolean> {
    try {
      const info = await stat(this.path);
      if (!info.isFile() || (info.mode & 0o077) === 0) return false;
      await chmod(this.path, FILE_MODE);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  /**
   * Removes temp files a crashed writer left behind. Temp names carry the writer's pid; a file whose
   * writer is still alive (another process on the same file, a misconfiguration) is left alone.
   */
  async removeStrayTemps(): Promise<string[]> {
    const dir = dirname(this.path);
    const prefix = `.${basename(this.path)}.`;
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return [];
    }
    const removed: string[] = [];
    for (const name of names) {
      if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
      const match = /^(\d+)\.[0-9a-f]+\.tmp$/.exec(name.slice(prefix.length));
      if (!match) continue;
      const pid = Number(match[1]);
      if (pid !== process.pid && isProcessAlive(pid)) continue;
      try {
        await unlink(join(dir, name));
        removed.push(name);
      } catch {
        // Gone already, or not ours to remove: either way it does not block a write.
      }
    }
    return removed;
  }

  private async writeText(text: string): Promise<void> {
    const started = performance.now();
    const dir = dirname(this.path);
    const temp = join(dir, `.${basename(this.path)}.${process.pid}.${(this.seq++).toString(16)}${randomBytes(3).toString('hex')}.tmp`);
    try {
      if (!this.dirReady) {
        // Only the directories it creates get 0700; an existing one (e.g. /var/lib) keeps its mode.
        await mkdir(dir, { recursive: true, mode: DIR_MODE });
        this.dirReady = true;
      }
      const fh = await open(temp, 'wx', FILE_MODE);
      try {
        // The umask can only narrow the mode; chmod makes it exactly 0600 whatever the umask.
        await fh.chmod(FILE_MODE);
        await fh.writeFile(text, 'utf8');
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(temp, this.path);
    } catch (err) {
      await unlink(temp).catch(() => undefined);
      const code = (err as NodeJS.ErrnoException).code;
      throw new StateFileError(`cannot write state file ${this.path}: ${describeErrno(code, err)}`, { path: this.path, code, cause: err });
    }
    await syncDir(dir);
    this.lastWrite = { bytes: Buffer.byteLength(text), ms: performance.now() - started };
  }
}

function defaultSerialize(data: unknown): string {
  // Compact: the file is rewritten often and read by `clawmedic status`, not by people.
  return `${JSON.stringify(data)}\n`;
}

async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // Some platforms and file systems cannot fsync a directory (Windows, some network mounts); the
    // rename has happened, only its durability across a power cut is weaker there.
  }
}
