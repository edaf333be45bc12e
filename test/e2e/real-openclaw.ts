// The real OpenClaw gateway for end-to-end tests: installed once into a cache folder the tests own
// (gitignored), started on a free loopback port with a token in a temporary HOME, stopped by its process group.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CLI_ENTRY } from '../fixtures/cli.ts';
import { freePort } from '../fixtures/gateway-harness.ts';

const execFileAsync = promisify(execFile);

/** The pinned latest release: what clawmedic is built against. */
export const OPENCLAW_VERSION = '2026.9.6';
/**
 * The older release the suite also runs against: the newest one without /startupz and `gateway stop --force`.
 * 2026.1.x and 2026.2.x would be more interesting but do not install from the registry alone (they depend on
 * a GitHub repository); 2026.7.1 does.
 */
export const OLDER_OPENCLAW_VERSION = '2026.7.1';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Each release in its own cache folder, .cache/openclaw-<version>. */
export function cacheDir(version = OPENCLAW_VERSION): string {
  return join(ROOT, '.cache', `openclaw-${version}`);
}
export const CACHE_DIR = cacheDir();
const binDirOf = (version: string) => join(cacheDir(version), 'node_modules', '.bin');

/**
 * Installs node@24 and then openclaw@<version> into that release's cache (openclaw's install script refuses an
 * older Node, so the second install must find node 24 on PATH). About a minute the first time, nothing afterwards.
 */
export async function ensureOpenclaw(version = OPENCLAW_VERSION): Promise<{ binDir: string }> {
  const dir = cacheDir(version);
  const binDir = binDirOf(version);
  if (existsSync(join(binDir, 'openclaw')) && existsSync(join(binDir, 'node'))) return { binDir };
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'openclaw-e2e-cache', private: true }));
  const npm = async (pkg: string) =>
    execFileAsync('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock', pkg], {
      cwd: dir,
      env: { ...process.env, PATH: pathWithBin(process.env.PATH, version) },
      timeout: 600_000,
      maxBuffer: 32 * 1024 * 1024,
    });
  await npm('node@24');
  await npm(`openclaw@${version}`);
  return { binDir };
}

export function pathWithBin(path = process.env.PATH ?? '', version = OPENCLAW_VERSION): string {
  return [binDirOf(version), path].join(delimiter);
}

export interface RealGateway {
  version: string;
  port: number;
  home: string;
  token: string;
  pid: number;
  /** Environment that points clawmedic (and the openclaw CLI) at this gateway. */
  env: NodeJS.ProcessEnv;
  kill(signal?: NodeJS.Signals): Promise<void>;
  cleanup(): Promise<void>;
}

/**
 * Starts a gateway of a release (default: the pinned latest) in a fresh temporary HOME, or again in the HOME,
 * on the port and with the release of an earlier one. Every release measured starts the same way
 * (REFERENCE.md section 10: `gateway run --bind loopback --port P`, no --allow-unconfigured needed).
 */
export async function startRealGateway(again?: Pick<RealGateway, 'home' | 'port' | 'token'> & { version?: string }, version = again?.version ?? OPENCLAW_VERSION): Promise<RealGateway> {
  const { binDir } = await ensureOpenclaw(version);
  const home = again?.home ?? (await mkdtemp(join(tmpdir(), 'clawmedic-e2e-')));
  if (!again) {
    await mkdir(join(home, '.openclaw'), { recursive: true, mode: 0o700 });
    await writeFile(join(home, '.openclaw', 'openclaw.json'), '{ gateway: { mode: "local", auth: { mode: "token" } } }\n', { mode: 0o600 });
  }
  const port = again?.port ?? (await freePort());
  const token = again?.token ?? `e2e-${Math.random().toString(36).slice(2)}-token`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    PATH: pathWithBin(process.env.PATH, version),
    OPENCLAW_GATEWAY_TOKEN: token,
    OPENCLAW_GATEWAY_PORT: String(port),
  };
  for (const k of ['OPENCLAW_HOME', 'OPENCLAW_STATE_DIR', 'OPENCLAW_CONFIG_PATH', 'OPENCLAW_PROFILE', 'CLAWMEDIC_CONFIG']) delete env[k];
  // OpenClaw's CLI goes quiet under a test runner: with VITEST set, `openclaw config validate --json`
  // prints nothing at all. Production never has it, so neither may these processes.
  for (const k of Object.keys(env)) if (k.startsWith('VITEST') || k === 'NODE_ENV' || k === 'TEST') delete env[k];
  const child: ChildProcess = spawn(join(binDir, 'openclaw'), ['gateway', 'run', '--bind', 'loopback', '--port', String(port)], {
    env,
    detached: true,
    stdio: 'ignore',
  });
  const pid = child.pid!;
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (exited) return;
    try {
      process.kill(-pid, signal);
    } catch {
      return;
    }
    await new Promise<void>((resolve) => {
      if (exited) resolve();
      else child.once('exit', () => resolve());
    });
  };
  const gateway: RealGateway = {
    version,
    port,
    home,
    token,
    pid,
    env,
    kill,
    async cleanup() {
      await kill('SIGKILL');
      await rm(home, { recursive: true, force: true });
    },
  };
  try {
    await waitReady(port, () => exited, 120_000);
  } catch (err) {
    await gateway.cleanup();
    throw err;
  }
  return gateway;
}

/** Polls /readyz of a real process that takes 10-18 s to boot: there is no clock to fake here. */
async function waitReady(port: number, hasExited: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (hasExited()) throw new Error('the gateway exited before it became ready');
    try {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(1_000) });
      const body = (await res.json()) as { ready?: boolean };
      if (body.ready === true) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the gateway did not become ready on port ${port} within ${timeoutMs / 1000}s`);
}

export { runCli as runClawmedic } from '../fixtures/cli.ts';

export interface AgentOnGateway {
  child: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  /** Its exit code (null when a signal ended it). */
  exited: Promise<number | null>;
  /** The state file, parsed. */
  state<T = any>(): Promise<T>;
  /** SIGKILL if it still runs (for afterAll). */
  cleanup(): Promise<void>;
}

/** Writes clawmedic.json5 (JSON5 text, mode 0600) beside the gateway's openclaw.json and starts `clawmedic run` on it. */
export async function startAgentOn(gw: RealGateway, config: string): Promise<AgentOnGateway> {
  const dir = join(gw.home, '.openclaw');
  await writeFile(join(dir, 'clawmedic.json5'), config, { mode: 0o600 });
  const child = spawn(process.execPath, [CLI_ENTRY, 'run'], { env: gw.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    exited,
    state: async () => JSON.parse(await readFile(join(dir, 'clawmedic.state.json'), 'utf8')),
    async cleanup() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}
