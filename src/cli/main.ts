#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';
import { Command, CommanderError } from 'commander';
import { packageVersion } from '../version.ts';
import { CliError, EXIT } from './errors.ts';
import { registerServiceCommands } from './service.ts';
// Each command's module is imported when that command runs: `--help` or a one-shot `check` loads only what it uses.

function buildProgram(): Command {
  const program = new Command('clawmedic')
    .description('Keeps an OpenClaw gateway healthy: probes on schedules, state, alerts, recovery.')
    .version(packageVersion(), '-V, --version')
    .option('-c, --config <path>', 'config file (default: $CLAWMEDIC_CONFIG, else ~/.openclaw/clawmedic.json5; none needed)')
    .option('--debug', 'verbose logs and stack traces')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  const globals = () => program.opts<{ config?: string; debug?: boolean }>();

  program
    .command('run')
    .description('run the agent in the foreground (what the service runs)')
    .action(async () => {
      process.exitCode = await (await import('./run.ts')).runCommand(globals());
    });

  program
    .command('check')
    .description('run checks once and exit with the Nagios code of the worst (0 OK, 1 WARN, 2 CRIT, 3 UNKNOWN)')
    .argument('[ids...]', 'check ids (default: every enabled check)')
    .option('--json', 'print results as JSON')
    .action(async (ids: string[], opts: { json?: boolean }) => {
      process.exitCode = await (await import('./check.ts')).checkCommand(ids, { ...globals(), ...opts });
    });

  program
    .command('status')
    .description('show each check, its state and since when, from the state file')
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean }) => {
      process.exitCode = await (await import('./status.ts')).statusCommand({ ...globals(), ...opts });
    });

  program
    .command('trend')
    .description('print a recorded series (RSS, restarts, latency...) as a sparkline and min/avg/max per bucket; without a name, list them')
    .argument('[series]', 'series name, e.g. gateway.rss_bytes')
    .option('--since <duration>', 'how far back, e.g. 1h, 6h, 7d', '6h')
    .option('--buckets <n>', 'about how many buckets (1-500)', '24')
    .option('--json', 'print as JSON')
    .action(async (name: string | undefined, opts: { since?: string; buckets?: string; json?: boolean }) => {
      process.exitCode = await (await import('./trend.ts')).trendCommand(name, { ...globals(), ...opts });
    });

  program
    .command('logs')
    .description("the gateway's log lines since a time, at or above a level, across rotated files, and the known failures among them with counts")
    .option('--since <duration>', 'how far back, e.g. 30m, 1h, 24h', '1h')
    .option('--level <level>', 'the lowest level shown: trace, debug, info, warn, error, fatal (default: all)')
    .option('-f, --follow', 'keep printing lines as they are written (Ctrl-C stops)')
    .option('--json', 'one JSON object per line ({"type":"log",...}), then {"type":"summary",...}')
    .option('-o, --output <file>', 'write to this new file (mode 0600) instead of stdout')
    .action(async (opts: { since?: string; level?: string; follow?: boolean; json?: boolean; output?: string }) => {
      process.exitCode = await (await import('./logs.ts')).logsCommand({ ...globals(), ...opts });
    });

  program
    .command('bundle')
    .description('write a .tar.gz for a bug report or a support question: status, config, check results, the recovery audit, recent gateway log lines, versions; secrets redacted')
    .option('--since <duration>', 'how much of the gateway log, e.g. 1h, 24h', '24h')
    .option('-o, --output <file>', 'the archive to write (a new file; default clawmedic-bundle-<host>-<time>.tar.gz here)')
    .action(async (opts: { since?: string; output?: string }) => {
      process.exitCode = await (await import('./bundle.ts')).bundleCommand({ ...globals(), ...opts });
    });

  const silence = program
    .command('silence')
    .description('hold back alerts for some checks (or all) for a while; checks keep running')
    .argument('[checks...]', 'check ids (default: all checks)')
    .option('--for <duration>', 'how long, e.g. 30m, 2h, 1d')
    .option('--until <time>', 'until an ISO time instead, e.g. 2026-12-01T08:00:00Z')
    .option('--reason <text>', 'why, shown in status')
    .option('--json', 'print the silence as JSON')
    .action(async (checks: string[], opts: { for?: string; until?: string; reason?: string; json?: boolean }) => {
      process.exitCode = await (await import('./silence.ts')).silenceAddCommand(checks, { ...globals(), ...opts });
    });
  silence
    .command('list')
    .description('list active silences')
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean }) => {
      process.exitCode = await (await import('./silence.ts')).silenceListCommand({ ...globals(), ...opts });
    });
  silence
    .command('clear')
    .description('end silences early: those covering the named checks, the one with --id, or all')
    .argument('[checks...]', 'check ids')
    .option('--id <id>', 'the silence id (from silence list)')
    .option('--json', 'print what was cleared as JSON')
    .action(async (checks: string[], opts: { id?: string; json?: boolean }) => {
      process.exitCode = await (await import('./silence.ts')).silenceClearCommand(checks, { ...globals(), ...opts });
    });

  program
    .command('recover')
    .description('run the recovery runbook by hand: validate, stop, clear cache, start, verify (one at a time with the agent)')
    .option('--dry-run', 'print each step and the command it would run; change nothing')
    .option('-y, --yes', 'go ahead without asking (needed when not at a terminal)')
    .option('--reset', 're-arm auto-recovery after it gave up (clears its budget and circuit)')
    .option('--restore-config', 'put back the last-known-good openclaw.json (the current one is backed up first)')
    .option('--json', 'print the attempt as JSON')
    .action(async (opts: { dryRun?: boolean; yes?: boolean; reset?: boolean; restoreConfig?: boolean; json?: boolean }) => {
      process.exitCode = await (await import('./recover.ts')).recoverCommand({ ...globals(), ...opts });
    });

  program
    .command('test-notify')
    .description('send a test alert through one notifier (by name) or all, and report each result')
    .argument('[name]', 'notifier name from the config')
    .option('--json', 'print results as JSON')
    .action(async (name: string | undefined, opts: { json?: boolean }) => {
      process.exitCode = await (await import('./test-notify.ts')).testNotifyCommand(name, { ...globals(), ...opts });
    });

  registerServiceCommands(program, globals);

  const config = program.command('config').description('validate, print or describe the configuration');
  config
    .command('validate')
    .description('check the config file; exit 0, or 2 with every problem listed')
    .option('--json', 'print problems as JSON')
    .action(async (opts: { json?: boolean }) => {
      process.exitCode = (await import('./config.ts')).configValidateCommand({ ...globals(), ...opts });
    });
  config
    .command('print')
    .description('print the effective config (defaults and discovery applied, secrets redacted)')
    .action(async () => {
      process.exitCode = (await import('./config.ts')).configPrintCommand(globals());
    });
  config
    .command('schema')
    .description('print the JSON Schema of the config file, for editors')
    .action(async () => {
      process.exitCode = (await import('./config.ts')).configSchemaCommand();
    });

  return program;
}

/** The command word of an argument list (skipping the global options and --config's value). */
function commandOf(argv: string[]): string | undefined {
  const args = argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-c' || a === '--config') i++;
    else if (!a.startsWith('-')) return a;
  }
  return undefined;
}

/**
 * `clawmedic check | head`: a reader that went away is not an error worth a stack trace. The output is
 * cut where the reader stopped; the exit code stays the command's.
 */
function quietOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  });
}

async function main(argv: string[]): Promise<void> {
  quietOnClosedPipe(process.stdout);
  quietOnClosedPipe(process.stderr);
  // The agent idles for weeks: a young generation kept at 1 MiB (V8 grows it to 16 MiB a semi-space while
  // the modules load, and keeps it) holds its idle RSS about 15 MiB lower, for more, and shorter, scavenges.
  if (commandOf(argv) === 'run') setFlagsFromString('--semi-space-growth-factor=1');
  const program = buildProgram();
  const debug = argv.includes('--debug');
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with code 0; usage errors were already printed by commander.
      // `check` is a Nagios plugin: bad usage is UNKNOWN (3) there, not WARNING (1).
      process.exitCode = err.exitCode === 0 ? 0 : commandOf(argv) === 'check' ? EXIT.unknown : EXIT.failure;
      return;
    }
    if (err instanceof CliError) {
      process.stderr.write(`clawmedic: ${err.message}\n`);
      process.exitCode = err.exitCode;
      return;
    }
    process.stderr.write(`clawmedic: ${err instanceof Error ? err.message : String(err)}\n`);
    if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    else process.stderr.write('(run with --debug for details)\n');
    process.exitCode = EXIT.failure;
  }
}

await main(process.argv);
