import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import type { Exec, ExecOptions, ExecResult, OpenclawCli } from '../contracts.ts';
import { execFileGroup } from './exec.ts';

export interface FindOpenclawCliOptions {
  /** `openclaw.bin` from clawmedic's config. When set, it is the only place looked at. */
  configuredPath?: string;
  /** Environment to search (PATH, HOME) and to run the CLI with. Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  exec?: Exec;
}

/** How many PATH entries a not-found reason names before it says "and N more". */
const MAX_LISTED_DIRS = 8;

/**
 * Locates the `openclaw` executable: the configured path if there is one (a wrong configured path is
 * reported, never silently replaced by another install), otherwise the first executable `openclaw`
 * on PATH.
 *
 * The returned `run` never throws and never uses a shell. Its `options.env` is laid over the
 * environment the CLI was found with rather than replacing it: the CLI needs HOME, PATH (for `node`)
 * and the OPENCLAW_* variables, and callers usually only want to add one or two. It also adds
 * `--timeout` to the subcommands that accept it (see withOpenclawTimeout).
 */
export function findOpenclawCli(opts: FindOpenclawCliOptions = {}): OpenclawCli {
  const env = opts.env ?? process.env;
  const runGroup = opts.exec ?? execFileGroup;
  const found = opts.configuredPath !== undefined ? checkConfigured(opts.configuredPath, env) : searchPath(env);

  if (found.path === null) {
    const reason = found.reason;
    return {
      path: null,
      notFoundReason: reason,
      run: async () => notInstalled(reason),
    };
  }
  const file = found.path;
  return {
    path: file,
    run: (args: readonly string[], options: ExecOptions): Promise<ExecResult> =>
      runGroup(file, withOpenclawTimeout(args, options.timeoutMs), {
        // The CLI's worker calls setsid: a run killed at its deadline must not leave it behind (600 MB for doctor).
        killTree: true,
        ...options,
        env: options.env ? { ...env, ...options.env } : env,
      }),
  };
}

type Found = { path: string; reason?: undefined } | { path: null; reason: string };

function checkConfigured(configured: string, env: NodeJS.ProcessEnv): Found {
  const resolved = path.resolve(expandHome(configured, env));
  const problem = executableProblem(resolved);
  return problem ? { path: null, reason: `configured path ${resolved} ${problem}` } : { path: resolved };
}

function searchPath(env: NodeJS.ProcessEnv): Found {
  // Empty and relative entries would make the answer depend on the working directory; skip them.
  const dirs = (env.PATH ?? '').split(path.delimiter).filter((d) => d !== '' && path.isAbsolute(d));
  for (const dir of dirs) {
    const candidate = path.join(dir, 'openclaw');
    if (executableProblem(candidate) === undefined) return { path: candidate };
  }
  if (dirs.length === 0) return { path: null, reason: 'searched PATH: it is empty' };
  const listed = dirs.slice(0, MAX_LISTED_DIRS).join(path.delimiter);
  const more = dirs.length > MAX_LISTED_DIRS ? ` and ${dirs.length - MAX_LISTED_DIRS} more` : '';
  return { path: null, reason: `searched PATH: ${listed}${more}` };
}

/** Why `file` cannot be run, or undefined when it can. */
function executableProblem(file: string): string | undefined {
  try {
    if (!statSync(file).isFile()) return 'is not a file';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? 'does not exist' : `cannot be inspected (${code ?? 'error'})`;
  }
  try {
    accessSync(file, constants.X_OK);
    return undefined;
  } catch {
    return 'is not executable';
  }
}

function expandHome(p: string, env: NodeJS.ProcessEnv): string {
  if ((p === '~' || p.startsWith('~/')) && env.HOME) return path.join(env.HOME, p.slice(1));
  return p;
}

function notInstalled(reason: string): ExecResult {
  return {
    code: null,
    signal: null,
    stdout: '',
    stderr: `openclaw CLI not installed (${reason})`,
    timedOut: false,
    durationMs: 0,
  };
}

// ---- --timeout ----------------------------------------------------------------------------

/**
 * OpenClaw's own `--timeout`, sized below clawmedic's deadline so the CLI gives up first and prints
 * its structured "not reachable" answer instead of being killed mid-way.
 */
export function openclawTimeoutMs(deadlineMs: number): number {
  const margin = Math.min(5_000, Math.max(500, Math.round(deadlineMs * 0.2)));
  return Math.max(100, Math.round(deadlineMs - margin));
}

/** Subcommands that take `--timeout <ms>` (REFERENCE.md 1.3 and 4.2). doctor and config validate do not. */
export function acceptsTimeoutFlag(args: readonly string[]): boolean {
  const [first, second] = args;
  if (first === 'health' || first === 'logs') return true;
  return first === 'gateway' && (second === 'health' || second === 'status' || second === 'call' || second === 'probe');
}

/**
 * Adds `--timeout <ms>` when the subcommand accepts it and the caller did not pass one: without it,
 * `health` and `gateway status` wait up to 60-70 s for a gateway that is down.
 */
export function withOpenclawTimeout(args: readonly string[], deadlineMs: number): string[] {
  const out = [...args];
  if (!acceptsTimeoutFlag(args)) return out;
  if (args.some((a) => a === '--timeout' || a.startsWith('--timeout='))) return out;
  out.push('--timeout', String(openclawTimeoutMs(deadlineMs)));
  return out;
}

/**
 * The deadline for one CLI call inside a check: a little below the check's own timeout, so the check
 * still has time to turn a killed call into a readable result before the runner gives up on it.
 */
export function cliCallBudgetMs(checkTimeoutMs: number): number {
  const reserve = Math.min(2_000, Math.max(200, Math.round(checkTimeoutMs * 0.1)));
  return Math.max(100, checkTimeoutMs - reserve);
}

// ---- not found --------------------------------------------------------------------------------

/**
 * One line for a CLI that cannot be run, saying where to set it ("openclaw CLI not found on PATH (set
 * openclaw.bin in clawmedic's config)"). The PATH it searched is long and only helps a debugging session:
 * it goes to the debug log, never into a summary, diagnosis or alert.
 */
export function cliNotFound(cli: OpenclawCli, log?: { debug(obj: object, msg?: string): void }): string {
  const reason = cli.notFoundReason ?? '';
  if (reason.startsWith('configured path ')) return `openclaw CLI not usable: openclaw.bin ${reason.slice('configured path '.length)}`;
  log?.debug({ searched: reason }, `openclaw CLI not found (${reason || 'not searched'})`);
  return "openclaw CLI not found on PATH (set openclaw.bin in clawmedic's config)";
}
