import { spawn } from 'node:child_process';
import type { Exec, ExecOptions, ExecResult } from '../contracts.ts';
import { processTree, signalIfSame, type TreeProcess } from './process-tree.ts';

const DEFAULT_MAX_OUTPUT = 4 * 1024 * 1024;
/**
 * Process groups started here and not yet finished, each with whether its descendants outside the group
 * (killTree) go too: killed if clawmedic itself exits first.
 */
const liveGroups = new Map<number, boolean>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Children run in their own process group, so a signal to clawmedic does not reach them: a doctor
  // run must not outlive the agent (or a Nagios plugin timeout) with no deadline left.
  process.on('exit', () => {
    for (const [pgid, killTree] of liveGroups) signalCommand(pgid, commandTree(pgid, killTree), 'SIGKILL');
  });
}

/**
 * The descendants of a command's leader that a signal to its group could miss (setsid), when asked for.
 * Read while the leader lives: once it exits, its children are the init process's and cannot be found.
 */
function commandTree(leader: number, killTree: boolean): TreeProcess[] {
  return killTree && process.platform === 'linux' ? processTree(leader) : [];
}

/** Signals a command's process group, then each process of its tree still the one found. */
function signalCommand(pgid: number, tree: readonly TreeProcess[], sig: NodeJS.Signals): void {
  try {
    process.kill(-pgid, sig);
  } catch {
    // The group is already gone.
  }
  for (const proc of tree) if (proc.pid !== pgid) signalIfSame(proc, sig);
}

/**
 * Whether a process group is one clawmedic started and is still running (an openclaw CLI call, a firewall
 * tool): its processes, and those they start, are clawmedic's own commands, never the gateway, whatever they
 * call themselves (the openclaw CLI's worker retitles itself `openclaw` and carries the install's environment).
 */
export function isOwnProcessGroup(pgid: number): boolean {
  return liveGroups.has(pgid);
}

/** After SIGTERM to the group, how long before SIGKILL. */
const KILL_GRACE_MS = 2_000;

/**
 * Runs a program with an argument array (never a shell), in its own process group, so that a deadline
 * kills the whole tree: `openclaw logs --follow` and doctor spawn children that outlive their parent.
 */
export const execFileGroup: Exec = (file, args, options: ExecOptions) =>
  new Promise<ExecResult>((resolve) => {
    const started = performance.now();
    const max = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    let groupId: number | undefined;

    const finish = (result: Omit<ExecResult, 'durationMs' | 'stdout' | 'stderr' | 'timedOut'>) => {
      if (settled) return;
      settled = true;
      if (groupId !== undefined) liveGroups.delete(groupId);
      clearTimeout(deadline);
      clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve({ ...result, stdout, stderr, timedOut, durationMs: Math.round(performance.now() - started) });
    };

    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(file, [...args], {
        shell: false,
        detached: true, // own process group: kill(-pid) reaches every descendant
        stdio: ['ignore', 'pipe', 'pipe'],
        env: options.env ?? process.env,
        cwd: options.cwd,
      });
    } catch (err) {
      stderr = (err as Error).message;
      resolve({ code: null, signal: null, stdout, stderr, timedOut: false, durationMs: 0 });
      return;
    }

    groupId = child.pid;
    if (groupId !== undefined) {
      installExitHook();
      liveGroups.set(groupId, options.killTree === true);
      try {
        options.onSpawn?.(groupId);
      } catch {
        // A watcher that fails must not cost the command.
      }
    }
    // The command's whole tree as found at the deadline: a descendant that called setsid (the openclaw
    // CLI's worker does) is out of the group and would outlive the deadline, holding its memory.
    let tree: TreeProcess[] = [];
    const killGroup = (sig: NodeJS.Signals) => {
      if (child.pid !== undefined) signalCommand(child.pid, tree, sig);
    };
    const expire = () => {
      if (timedOut) return;
      timedOut = true;
      if (child.pid !== undefined) tree = commandTree(child.pid, options.killTree === true);
      killGroup('SIGTERM');
      killTimer = setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS);
      killTimer.unref();
    };
    const onAbort = () => expire();
    const deadline = setTimeout(expire, options.timeoutMs);
    deadline.unref();
    if (options.signal?.aborted) expire();
    else options.signal?.addEventListener('abort', onAbort, { once: true });

    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      if (stdout.length < max) stdout += chunk.slice(0, max - stdout.length);
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      if (stderr.length < max) stderr += chunk.slice(0, max - stderr.length);
    });
    child.on('error', (err) => {
      stderr += stderr ? `\n${err.message}` : err.message;
      finish({ code: null, signal: null });
    });
    child.on('close', (code, signal) => {
      // The leader is gone; make sure no descendant lingers past a deadline.
      if (timedOut) killGroup('SIGKILL');
      finish({ code, signal });
    });
  });
