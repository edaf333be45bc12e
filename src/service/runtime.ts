// What a service runs: the absolute path of a Node 24 and clawmedic's installed entry point, never
// `/usr/bin/env node` (a unit's PATH is short, and the first `node` on it may be an older one).
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Exec } from '../contracts.ts';
import { CliError } from '../cli/errors.ts';

export const MIN_NODE_MAJOR = 24;

/** The folder holding clawmedic's package.json (from src/ and from dist/src/ alike). */
export function packageRoot(from: string = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'clawmedic') return dir;
    } catch {
      // Not here; keep climbing.
    }
    dir = dirname(dir);
  }
  throw new CliError(`cannot find clawmedic's package.json above ${from}`);
}

export interface NodeChoice {
  path: string;
  version: string;
  /** The Node running this install, or the one in the project's node_modules. */
  source: 'running' | 'project';
}

export interface ChooseNodeOptions {
  root: string;
  exec: Exec;
  execPath?: string;
  version?: string;
}

function majorOf(version: string): number {
  return Number(version.replace(/^v/, '').split('.')[0]);
}

/**
 * The Node the unit runs: the one running this install when it is 24 or newer, else the project's own
 * (node_modules/.bin/node, resolved to its real path so an `npm ci` that relinks .bin does not matter).
 */
export async function chooseNode(opts: ChooseNodeOptions): Promise<NodeChoice> {
  const execPath = opts.execPath ?? process.execPath;
  const version = opts.version ?? process.versions.node;
  if (majorOf(version) >= MIN_NODE_MAJOR) return { path: execPath, version, source: 'running' };
  const shipped = join(opts.root, 'node_modules', '.bin', 'node');
  let real: string | undefined;
  try {
    real = realpathSync(shipped);
  } catch {
    real = undefined;
  }
  if (real) {
    const res = await opts.exec(real, ['--version'], { timeoutMs: 10_000, maxOutputBytes: 4096 });
    const found = res.code === 0 ? res.stdout.trim() : '';
    if (found && majorOf(found) >= MIN_NODE_MAJOR) return { path: real, version: found.replace(/^v/, ''), source: 'project' };
  }
  throw new CliError(
    `the service needs Node.js ${MIN_NODE_MAJOR} or newer: this is Node ${version} (${execPath})${real ? `, and ${real} is not ${MIN_NODE_MAJOR} either` : `, and ${shipped} is missing`}; ` +
      `run the install with Node ${MIN_NODE_MAJOR} (or \`npm ci\` in ${opts.root} for its own)`,
  );
}

/**
 * The installed entry point: bin/clawmedic.cjs (what package.json's bin names), which loads the built
 * dist/. A clone that was never built (`npm ci` builds it) has nothing a service could run.
 */
export function entryPoint(root: string): string {
  const built = join(root, 'dist', 'src', 'cli', 'main.js');
  if (!existsSync(built)) throw new CliError(`${built} is missing: run \`npm ci\` (or \`npm run build\`) in ${root} first; the service runs the built code`);
  return join(root, 'bin', 'clawmedic.cjs');
}
