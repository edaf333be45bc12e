// The real OpenClaw gateway for end-to-end tests: installed once into a cache folder the tests own
// (gitignored), started on a free loopback port with a token in a temporary HOME, stopped by its process group.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from '../fixtures/gateway-harness.ts';

const execFileAsync = promisify(execFile);

export const OPENCLAW_VERSION = '2026.9.6';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CACHE_DIR = join(ROOT, '.cache', `openclaw-${OPENCLAW_VERSION}`);
const BIN_DIR = join(CACHE_DIR, 'node_modules', '.bin');

/**
 * Installs node@24 and then openclaw into the cache (openclaw's install script refuses an older Node, so
 * the second install must find node 24 on PATH). About a minute the first time, nothing afterwards.
 */
export async function ensureOpenclaw(): Promise<{ binDir: string }> {
  if (existsSync(join(BIN_DIR, 'openclaw')) && existsSync(join(BIN_DIR, 'node'))) return { binDir: BIN_DIR };
  await mkdir(CACHE_DIR, { recursive: true });
  await writeFile(join(CACHE_DIR, 'package.json'), JSON.stringify({ name: 'openclaw-e2e-cache', private: true }));
  const npm = async (pkg: string) =>
    execFileAsync('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock', pkg], {
      cwd: CACHE_DIR,
      env: { ...process.env, PATH: pathWithBin(process.env.PATH) },
      timeout: 600_000,
      maxBuffer: 32 * 1024 * 1024,
    });
  await npm('node@24');
  await npm(`openclaw@${OPENCLAW_VERSION}`);
  return { binDir: BIN_DIR };
}

export function pathWithBin(path = process.env.PATH ?? ''): string {
  return [BIN_DIR, path].join(delimiter);
}

export interface RealGateway {
  port: number;
  home: string;
  token: string;
  pid: number;
  /** Environment that points clawmedic (and the openclaw CLI) at this gateway. */
  env: NodeJS.ProcessEnv;
  kill(signal?: NodeJS.Signals): Promise<void>;
  cleanup(): Promise<void>;
}

/** Starts a gateway in a fresh temporary HOME, or again in the HOME and on the port of an earlier one. */
export async function startRealGateway(again?: Pick<RealGateway, 'home' | 'port' | 'token'>): Promise<RealGateway> {
  await ensureOpenclaw();
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
    PATH: pathWithBin(process.env.PATH),
    OPENCLAW_GATEWAY_TOKEN: token,
    OPENCLAW_GATEWAY_PORT: String(port),
  };
  for (const k of ['OPENCLAW_HOME', 'OPENCLAW_STATE_DIR', 'OPENCLAW_CONFIG_PATH', 'OPENCLAW_PROFILE', 'CLAWMEDIC_CONFIG']) delete env[k];
  // OpenClaw's CLI goes quiet under a test runner: with VITEST set, `openclaw config validate --json`
  // prints nothing at all. Production never has it, so neither may these processes.
  for (const k of Object.keys(env)) if (k.startsWith('VITEST') || k === 'NODE_ENV' || k === 'TEST') delete env[k];
  const child: ChildProcess = spawn(join(BIN_DIR, 'openclaw'), ['gateway', 'run', '--bind', 'loopback', '--port', String(port)], {
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
