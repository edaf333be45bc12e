// The environment file a service takes `env:` secrets from (systemd's EnvironmentFile=, Node's
// --env-file-if-exists for launchd and pm2): KEY=value lines, mode 0600, created empty by install.
import { chownSync, closeSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import type { Account } from './account.ts';

const HEADER =
  '# Secrets for clawmedic\'s env: references, one KEY=value a line (e.g. SLACK_WEBHOOK_URL=https://hooks.slack.com/...).\n' +
  '# Read when the service starts (restart it after a change). Keep this file mode 0600.\n';

/** KEY=value lines (a leading `export ` allowed, quotes around the value removed); comments and blank lines skipped. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2]!;
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0])) value = value.slice(1, -1);
    out[m[1]!] = value;
  }
  return out;
}

/** The variables an existing env file sets; none when it is missing or unreadable. */
export function readEnvFile(path: string): Record<string, string> {
  try {
    return parseEnvFile(readFileSync(path, 'utf8'));
  } catch {
    return {};
  }
}

/**
 * Creates the file empty (a comment) with mode 0600 when it is missing, owned by the service's account.
 * Returns whether it created it; an existing file is left as it is.
 */
export function ensureEnvFile(path: string, owner: Account): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, HEADER);
  } finally {
    closeSync(fd);
  }
  if (process.getuid?.() === 0 && owner.uid !== 0) chownSync(path, owner.uid, owner.gid);
  return true;
}

/** A fix when others may read the file, else undefined. */
export function envFileModeProblem(path: string): string | undefined {
  try {
    const mode = statSync(path).mode & 0o777;
    return mode & 0o077 ? `${path} is readable by others (mode ${mode.toString(8)}): chmod 600 ${path}` : undefined;
  } catch {
    return undefined;
  }
}
