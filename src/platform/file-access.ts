// Who may read a file, in words, for the "permission denied" a person has to fix: the user clawmedic runs as,
// and the file's owner and mode. OpenClaw's logs are 0600 in a 0700 directory (REFERENCE.md 4).
import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';

/** "clawmedic runs as uid 1001 (alice); /tmp/openclaw/x.log is owned by uid 0 (root), mode 0600". Never throws. */
export async function describeFileAccess(path: string, passwdPath = '/etc/passwd'): Promise<string> {
  const uid = process.getuid?.();
  const names = userNames(passwdPath);
  const who = (id: number) => `uid ${id}${names.get(id) ? ` (${names.get(id)})` : ''}`;
  const me = uid === undefined ? 'clawmedic runs as an unknown user' : `clawmedic runs as ${who(uid)}`;
  // When the file cannot even be looked at, its directory is what stands in the way.
  for (const p of [path, dirname(path)]) {
    try {
      const st = await stat(p);
      const mode = (st.mode & 0o7777).toString(8).padStart(4, '0');
      return `${me}; ${p} is owned by ${who(st.uid)}, mode ${mode}`;
    } catch {
      // Not visible to us either: try its directory.
    }
  }
  return `${me}; neither ${path} nor its directory can be looked at`;
}

function userNames(passwdPath: string): Map<number, string> {
  const out = new Map<number, string>();
  let text = '';
  try {
    text = readFileSync(passwdPath, 'utf8').slice(0, 1024 * 1024);
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    const [name, , uid] = line.split(':');
    if (name && uid && /^\d+$/.test(uid) && !out.has(Number(uid))) out.set(Number(uid), name);
  }
  return out;
}
