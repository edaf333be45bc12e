import { readFile, readdir, readlink } from 'node:fs/promises';
import { isIPv4, isIPv6 } from 'node:net';
import { endianness } from 'node:os';
import { join } from 'node:path';

/** A process as /proc shows it. */
export interface ProcessInfo {
  pid: number;
  /** Kernel task name (at most 15 characters). */
  comm: string;
  /** Arguments, NUL-split, empty ones dropped (a retitled process pads its argv with NULs). */
  cmdline: string[];
  /** State letter from /proc/<pid>/stat: R, S, D, T, t, Z, X, I... ('?' when it could not be read). */
  state: string;
  /** The letter in words: 'running', 'sleeping', 'stopped'... */
  stateName: string;
}

/** One LISTEN socket from /proc/net/tcp{,6}. */
export interface ListenSocket {
  family: 4 | 6;
  address: string;
  port: number;
  inode: number;
}

export type PortOwnerLookup =
  /** cached: the owner is the one the last lookup for this port found, verified to still hold the socket. */
  | { kind: 'found'; owner: ProcessInfo; sockets: ListenSocket[]; cached: boolean }
  /** /proc lists no LISTEN socket on the port (for the address asked about). */
  | { kind: 'no-listener' }
  /** A listener exists, but no process whose fds we may read holds it (another user's, or it vanished). */
  | { kind: 'owner-unknown'; sockets: ListenSocket[]; reason: string }
  /** Not Linux, /proc unreadable, or the scan was aborted. */
  | { kind: 'unsupported'; reason: string };

export interface PortOwnerOptions {
  /**
   * Only count listeners that accept connections to this address: the address itself, the wildcard of
   * its family, and (for IPv4) a dual-stack IPv6 wildcard. Without it every listener on the port counts.
   */
  host?: string;
  signal?: AbortSignal;
  /** For tests: a directory shaped like /proc. Setting it also skips the platform check. */
  procRoot?: string;
}

const STATE_NAMES: Record<string, string> = {
  R: 'running',
  S: 'sleeping',
  D: 'in uninterruptible sleep',
  T: 'stopped',
  t: 'stopped by a tracer',
  Z: 'a zombie',
  X: 'dead',
  I: 'idle',
  P: 'parked',
  W: 'paging',
  K: 'wakekill',
};

const TCP_LISTEN = '0A';

/** Who listens on a TCP port, from /proc (Linux only; elsewhere 'unsupported', never a throw). */
export async function findPortOwner(port: number, options: PortOwnerOptions = {}): Promise<PortOwnerLookup> {
  const procRoot = options.procRoot ?? '/proc';
  if (options.procRoot === undefined && process.platform !== 'linux') {
    return { kind: 'unsupported', reason: `listener lookup needs Linux /proc (this is ${process.platform})` };
  }

  // A healthy gateway keeps its process and its socket from one cycle to the next: check the last owner
  // first. That costs one fd link, where the tables below walk the kernel's socket hash tables (milliseconds
  // each) and the scan reads every process's fds.
  const key = `${procRoot}\0${options.host ?? '*'}\0${port}`;
  const last = lastOwner.get(key);
  if (last) {
    const owner = await stillHolds(procRoot, last);
    if (owner) return { kind: 'found', owner, sockets: last.sockets, cached: true };
    lastOwner.delete(key);
  }

  const tables = await Promise.all([
    readListenSockets(join(procRoot, 'net/tcp'), 4),
    readListenSockets(join(procRoot, 'net/tcp6'), 6),
  ]);
  if (tables[0] === undefined && tables[1] === undefined) {
    return { kind: 'unsupported', reason: `cannot read ${procRoot}/net/tcp` };
  }
  const sockets = [...(tables[0] ?? []), ...(tables[1] ?? [])].filter(
    (s) => s.port === port && s.inode !== 0 && (options.host === undefined || accepts(s, options.host)),
  );
  if (sockets.length === 0) return { kind: 'no-listener' };

  const wanted = new Map(sockets.map((s) => [`socket:[${s.inode}]`, s.inode]));
  let pids: number[];
  try {
    pids = (await readdir(procRoot)).filter((n) => /^\d+$/.test(n)).map(Number);
  } catch (err) {
    return { kind: 'unsupported', reason: `cannot list ${procRoot}: ${(err as Error).message}` };
  }

  let unreadable = 0;
  for (const pid of pids) {
    if (options.signal?.aborted) return { kind: 'unsupported', reason: 'listener lookup aborted' };
    const held = await heldSocket(procRoot, pid, wanted);
    if (held === 'unreadable') unreadable++;
    if (held === 'unreadable' || held === undefined) continue;
    const owner = await readProcessInfo(pid, procRoot);
    // The owner may exit between the fd scan and here; its socket then belongs to no one we know.
    if (!owner) continue;
    lastOwner.set(key, { pid, ...held, sockets });
    return { kind: 'found', owner, sockets, cached: false };
  }
  const reason =
    unreadable > 0
      ? `the listener's owner is not visible: ${unreadable} process(es) could not be inspected (another user's; run clawmedic as that user or root to see it)`
      : 'no process holds the listening socket any more (it may have just exited)';
  return { kind: 'owner-unknown', sockets, reason };
}

/** Where the last lookup for a port found its listening socket: which process, at which fd, which socket. */
interface HeldSocket {
  pid: number;
  fd: string;
  inode: number;
  /** The listeners that lookup saw, returned again while the owner holds its socket. */
  sockets: ListenSocket[];
}

/**
 * The last owner found per port (host and proc root), so that a healthy cycle reads one fd link instead of
 * the socket tables and every process's fds. It counts only while /proc/<pid>/fd/<fd> still links to the same
 * socket, and is dropped as soon as it does not:
 * - a reused pid: the new process under it does not hold that socket (if it does, it is an owner too);
 * - a restarted or exited gateway: its listening socket is closed, a new one has another inode;
 * - a zombie: its fd table is gone.
 * A socket inode is unique while the socket exists, and a listening socket keeps its address and port until it
 * is closed, so the link alone proves the process still holds the listener on this port.
 */
const lastOwner = new Map<string, HeldSocket>();

/** Forgets every cached owner (for tests and benchmarks: the next lookup scans every process). */
export function clearPortOwnerCache(): void {
  lastOwner.clear();
}

/** The process of a cached owner if it still holds that socket at that fd, else undefined. */
async function stillHolds(procRoot: string, held: HeldSocket): Promise<ProcessInfo | undefined> {
  const link = await readlink(join(procRoot, String(held.pid), 'fd', held.fd)).catch(() => '');
  if (link !== `socket:[${held.inode}]`) return undefined;
  return readProcessInfo(held.pid, procRoot);
}

/** Reads comm, cmdline and state of one process; undefined when it is gone. */
export async function readProcessInfo(pid: number, procRoot = '/proc'): Promise<ProcessInfo | undefined> {
  const dir = join(procRoot, String(pid));
  const [stat, cmdline, comm] = await Promise.all([
    readFile(join(dir, 'stat'), 'utf8').catch(() => undefined),
    readFile(join(dir, 'cmdline'), 'utf8').catch(() => undefined),
    readFile(join(dir, 'comm'), 'utf8').catch(() => undefined),
  ]);
  if (stat === undefined && cmdline === undefined && comm === undefined) return undefined;
  const state = stat === undefined ? '?' : parseStatState(stat);
  return {
    pid,
    comm: (comm ?? '').trim(),
    cmdline: (cmdline ?? '').split('\0').filter((a) => a !== ''),
    state,
    stateName: STATE_NAMES[state] ?? (state === '?' ? 'in an unknown state' : `in state ${state}`),
  };
}

/** The state letter from /proc/<pid>/stat. The comm field may hold spaces and ')' so split after the last ')'. */
export function parseStatState(stat: string): string {
  const rest = stat.slice(stat.lastIndexOf(')') + 1).trim();
  return rest.charAt(0) || '?';
}

/** Parses /proc/net/tcp or tcp6 text into its LISTEN sockets. */
export function parseListenSockets(text: string, family: 4 | 6): ListenSocket[] {
  const out: ListenSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    // sl local rem st tx:rx tr:when retrnsmt uid timeout inode ...
    const local = fields[1];
    const state = fields[3];
    const inode = fields[9];
    if (local === undefined || state !== TCP_LISTEN || inode === undefined) continue;
    const [addrHex, portHex] = local.split(':');
    if (addrHex === undefined || portHex === undefined) continue;
    const address = family === 4 ? decodeIPv4(addrHex) : decodeIPv6(addrHex);
    if (address === undefined) continue;
    out.push({ family, address, port: Number.parseInt(portHex, 16), inode: Number(inode) });
  }
  return out;
}

async function readListenSockets(path: string, family: 4 | 6): Promise<ListenSocket[] | undefined> {
  try {
    return parseListenSockets(await readFile(path, 'utf8'), family);
  } catch {
    return undefined;
  }
}

/** Which wanted socket the process holds and at which fd; undefined when none, 'unreadable' when we may not look. */
async function heldSocket(procRoot: string, pid: number, wanted: Map<string, number>): Promise<Pick<HeldSocket, 'fd' | 'inode'> | undefined | 'unreadable'> {
  const fdDir = join(procRoot, String(pid), 'fd');
  let fds: string[];
  try {
    fds = await readdir(fdDir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'EACCES' || code === 'EPERM' ? 'unreadable' : undefined;
  }
  // One process's fds at a time: bounded parallelism, and the scan stops at the owner.
  const links = await Promise.all(fds.map((fd) => readlink(join(fdDir, fd)).catch(() => '')));
  const i = links.findIndex((l) => wanted.has(l));
  return i < 0 ? undefined : { fd: fds[i]!, inode: wanted.get(links[i]!)! };
}

function accepts(socket: ListenSocket, host: string): boolean {
  const target = host.toLowerCase();
  if (socket.address === target) return true;
  if (isIPv4(target)) {
    // A dual-stack '::' listener (Node's default) also takes IPv4 connections.
    return socket.address === '0.0.0.0' || socket.address === '::' || socket.address === `::ffff:${target}`;
  }
  if (isIPv6(target)) return socket.address === '::';
  return true;
}

/** /proc prints each 32-bit word of the address in host byte order. */
function wordBytes(hex: string): number[] | undefined {
  if (!/^[0-9A-Fa-f]{8}$/.test(hex)) return undefined;
  const bytes = [0, 2, 4, 6].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
  return endianness() === 'LE' ? bytes.reverse() : bytes;
}

function decodeIPv4(hex: string): string | undefined {
  return wordBytes(hex)?.join('.');
}

function decodeIPv6(hex: string): string | undefined {
  if (hex.length !== 32) return undefined;
  const bytes: number[] = [];
  for (let i = 0; i < 32; i += 8) {
    const word = wordBytes(hex.slice(i, i + 8));
    if (!word) return undefined;
    bytes.push(...word);
  }
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return `::ffff:${bytes.slice(12).join('.')}`;
  }
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return compressIPv6(groups);
}

function compressIPv6(groups: string[]): string {
  // Longest run of zero groups becomes '::' (RFC 5952).
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestStart < 0) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLen).join(':')}`;
}

/** The name a person recognises: argv[0]'s basename (what a retitled process shows), else comm. */
export function processName(p: ProcessInfo): string {
  const argv0 = p.cmdline[0];
  const name = argv0 ? (argv0.split('/').pop() ?? argv0).split(' ')[0] : '';
  return name || p.comm || '?';
}

/** "pid 1234 (openclaw-gateway)". */
export function processLabel(p: ProcessInfo): string {
  return `pid ${p.pid} (${processName(p)})`;
}
