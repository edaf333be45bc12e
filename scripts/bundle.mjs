#!/usr/bin/env node
// One bundled, minified entry for the installed command (dist/clawmedic.mjs, each command in a chunk of its
// own under dist/chunks/): Node reads a few files instead of about 300 modules, so a one-shot `check` starts
// in about half the time. Libraries used only by a notifier (loaded at its first send) and pino-pretty (a
// terminal only) stay outside, loaded from node_modules when needed. `node src/cli/main.ts` keeps working.
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist');
rmSync(join(outdir, 'chunks'), { recursive: true, force: true });

await build({
  entryPoints: { clawmedic: join(root, 'src', 'cli', 'main.ts') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  minify: true,
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  external: ['nodemailer', 'undici', '@slack/webhook', 'pino-pretty'],
  // CommonJS dependencies bundled into ESM still call require() for Node's own modules.
  banner: { js: "import { createRequire as __clawmedicRequire } from 'node:module'; const require = __clawmedicRequire(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'warning',
});
