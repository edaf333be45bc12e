import { randomUUID } from 'node:crypto';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Replaces a small file atomically (a temporary file beside it, fsync, rename) with mode 0600 whatever
 * the umask: the files clawmedic writes beside its state (silences, recovery requests, a copy of
 * openclaw.json) are nobody else's business. A failure leaves the old file as it was.
 */
export async function writePrivateFile(path: string, body: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
  const handle = await open(tmp, 'wx', 0o600);
  try {
    // The umask can only narrow the mode; chmod makes it exactly 0600.
    await handle.chmod(0o600);
    await handle.writeFile(body);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
}
