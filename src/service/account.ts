// Which account the service runs as: the gateway's own. OpenClaw's logs are 0600 and its lifecycle commands
// refuse a HOME that is not the account's (REFERENCE 4 and 5.2), so a watchdog under another user sees less
// and can recover nothing.
import { readFileSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { isAbsolute } from 'node:path';
import type { GatewayTarget } from '../contracts.ts';
import { findPortOwner } from '../platform/port-owner.ts';

export interface Account {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

export interface AccountGuess {
  account: Account;
  /** How it was found: the process on the gateway port, the owner of OpenClaw's state dir. */
  source: string;
}

/** Accounts from a passwd file (name:x:uid:gid:gecos:home:shell); unreadable or damaged lines are skipped. */
export function readPasswd(path = '/etc/passwd'): Account[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  const out: Account[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 7 || !f[0]) continue;
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    if (Number.isInteger(uid) && Number.isInteger(gid) && f[5]) out.push({ name: f[0], uid, gid, home: f[5] });
  }
  return out;
}

/** The account running this command, with the HOME it runs with (what OpenClaw's discovery uses too). */
export function currentAccount(env: NodeJS.ProcessEnv = process.env): Account {
  const me = userInfo();
  return { name: me.username, uid: me.uid, gid: me.gid, home: env.HOME && isAbsolute(env.HOME) ? env.HOME : me.homedir };
}

/** The real uid of a process, from /proc/<pid>/status. */
function uidOfProcess(pid: number, procRoot: string): number | undefined {
  try {
    const m = /^Uid:\s+(\d+)/m.exec(readFileSync(`${procRoot}/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export interface GatewayAccountOptions {
  passwd?: Account[];
  procRoot?: string;
  signal?: AbortSignal;
}

/**
 * The account the gateway runs as: the owner of the process on its port (Linux), else the owner of its
 * state directory. Undefined when neither can be told (no gateway running and no state dir yet).
 */
export async function gatewayAccount(target: GatewayTarget, opts: GatewayAccountOptions = {}): Promise<AccountGuess | undefined> {
  const passwd = opts.passwd ?? readPasswd();
  const byUid = (uid: number) => passwd.find((a) => a.uid === uid) ?? (uid === process.getuid?.() ? currentAccount() : undefined);
  const lookup = await findPortOwner(target.port, {
    host: target.host,
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.procRoot ? { procRoot: opts.procRoot } : {}),
  }).catch(() => undefined);
  if (lookup?.kind === 'found') {
    const uid = uidOfProcess(lookup.owner.pid, opts.procRoot ?? '/proc');
    const account = uid === undefined ? undefined : byUid(uid);
    if (account) return { account, source: `the process on port ${target.port} (pid ${lookup.owner.pid})` };
  }
  try {
    const account = byUid(statSync(target.openclawStateDir).uid);
    if (account) return { account, source: `the owner of ${target.openclawStateDir}` };
  } catch {
    // No state dir yet.
  }
  return undefined;
}
