import { randomUUID } from 'node:crypto';
import { copyFile, readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import JSON5 from 'json5';
import type { EffectiveConfig } from '../config/load.ts';
import { silentLogger } from '../logger.ts';
import { builtinSteps } from '../recovery/builtin-steps.ts';
import { readRequests, recordManualAttempt, recoveryPaths, requestReset } from '../recovery/files.ts';
import { acquireLock } from '../recovery/lock.ts';
import { runbookMaxMs } from '../recovery/manager.ts';
import { runRunbook } from '../recovery/runbook.ts';
import type { AttemptRecord, StepRecord } from '../recovery/types.ts';
import { execFileGroup } from '../platform/exec.ts';
import { formatDuration } from '../util/duration.ts';
import { writePrivateFile } from '../util/write-private.ts';
import { loadForCommand, type GlobalOptions } from './context.ts';
import { CliError, EXIT } from './errors.ts';

export interface RecoverOptions extends GlobalOptions {
  dryRun?: boolean;
  yes?: boolean;
  json?: boolean;
  reset?: boolean;
  restoreConfig?: boolean;
}

/**
 * `clawmedic recover`: the runbook by hand (validate, stop, clear cache, start, verify), holding the same
 * lock as the agent so the two never act at once; `--dry-run` prints each step and what it would run;
 * `--reset` re-arms auto-recovery after it gave up; `--restore-config` puts back the last-known-good
 * openclaw.json.
 */
export async function recoverCommand(opts: RecoverOptions): Promise<number> {
  const chosen = [opts.reset, opts.restoreConfig, opts.dryRun].filter(Boolean).length;
  if (chosen > 1) throw new CliError('choose one of --dry-run, --reset and --restore-config', EXIT.failure);
  const { config } = loadForCommand(opts);
  const paths = recoveryPaths(config.statePath);
  if (opts.reset) return reset(paths.requests, opts);
  if (opts.restoreConfig) return restoreConfig(config, paths.lastGood, opts);
  if (!opts.dryRun) await confirm(opts, `Recover the OpenClaw gateway at ${config.target.host}:${config.target.port} now (it may be stopped and started)?`);
  return runByHand(config, paths, opts);
}

async function runByHand(config: EffectiveConfig, paths: ReturnType<typeof recoveryPaths>, opts: RecoverOptions): Promise<number> {
  const cfg = config.file.recovery;
  const lock = opts.dryRun ? undefined : await acquireLock(paths.lock, 'cli', { now: Date.now(), maxAgeMs: runbookMaxMs(cfg) });
  if (lock && !lock.acquired) throw new CliError(`${lock.reason}; try again when it is done (clawmedic status shows it)`, EXIT.failure);
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const write = (text: string) => (opts.json ? undefined : process.stdout.write(text));
  write(opts.dryRun ? 'Dry run: nothing is changed.\n' : 'Recovering (Ctrl-C stops after the current step):\n');
  try {
    const attempt = await runRunbook({
      config: cfg,
      steps: builtinSteps(config, silentLogger),
      exec: execFileGroup,
      redact: (t) => config.redactor.text(t),
      now: Date.now,
      signal: controller.signal,
      by: 'cli',
      id: randomUUID().slice(0, 8),
      ...(opts.dryRun ? { dryRun: true } : {}),
      onStep: (step) => write(`${stepLine(step)}\n`),
    });
    if (!opts.dryRun) {
      await recordManualAttempt(paths.requests, attempt).catch((err: unknown) =>
        process.stderr.write(`clawmedic: the attempt could not be recorded in ${paths.requests}: ${(err as Error).message}\n`),
      );
    }
    if (opts.json) process.stdout.write(`${JSON.stringify(config.redactor.value(attempt), null, 2)}\n`);
    else write(`${outcomeLine(attempt, opts.dryRun)}\n`);
    return attempt.outcome === 'recovered' || opts.dryRun ? EXIT.ok : EXIT.failure;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (lock?.acquired) await lock.release();
  }
}

const MARK: Record<StepRecord['outcome'], string> = { ok: 'ok', failed: 'FAILED', skipped: '--' };

export function stepLine(step: StepRecord): string {
  const took = step.outcome === 'skipped' ? '' : ` (${formatDuration(step.durationMs)})`;
  return `  [${MARK[step.outcome]}] ${step.step}: ${step.summary}${took}`;
}

function outcomeLine(attempt: AttemptRecord, dryRun: boolean | undefined): string {
  if (dryRun) return attempt.steps[0]?.outcome === 'failed' ? `Would stop here: ${attempt.reason ?? ''}` : 'Dry run done: nothing was changed.';
  const took = formatDuration(Math.max(0, (attempt.finishedAt ?? attempt.startedAt) - attempt.startedAt));
  switch (attempt.outcome) {
    case 'recovered':
      return `Recovered in ${took}: ${attempt.reason ?? ''}`;
    case 'blocked':
      return `Nothing was stopped or started: ${attempt.reason ?? ''}`;
    case 'aborted':
      return `Stopped by request: ${attempt.reason ?? ''}`;
    default:
      return `Recovery failed at ${attempt.failedStep ?? '?'} after ${took}: ${attempt.reason ?? ''}`;
  }
}

async function reset(requestsPath: string, opts: RecoverOptions): Promise<number> {
  const before = await readRequests(requestsPath).catch(() => undefined);
  await requestReset(requestsPath, Date.now());
  if (opts.json) process.stdout.write(`${JSON.stringify({ reset: true, requests: requestsPath, replacedDamagedFile: before === undefined })}\n`);
  else {
    process.stdout.write(
      `Auto-recovery re-armed: the running agent clears its budget and circuit within a few seconds (at its next start if none runs).\n` +
        (before === undefined ? `(${requestsPath} was damaged and has been replaced.)\n` : ''),
    );
  }
  return EXIT.ok;
}

async function restoreConfig(config: EffectiveConfig, lastGood: string, opts: RecoverOptions): Promise<number> {
  const target = config.target.openclawConfigPath;
  let good: Buffer;
  try {
    good = await readFile(lastGood);
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'there is none yet' : (err as Error).message;
    throw new CliError(
      `no last-known-good copy of openclaw.json to restore (${lastGood}: ${why}). The agent takes one when the config check passes while the gateway is up, with recovery.enabled and recovery.lastKnownGood.`,
      EXIT.failure,
    );
  }
  try {
    JSON5.parse(good.toString('utf8'));
  } catch (err) {
    throw new CliError(`the last-known-good copy ${lastGood} does not parse (${(err as Error).message}); not restored`, EXIT.failure);
  }
  await confirm(opts, `Replace ${target} with the copy taken while all was healthy (the current file is backed up first)?`);
  const backup = `${target}.clawmedic-${new Date().toISOString().replace(/[:.]/g, '-')}.bak`;
  try {
    await copyFile(target, backup);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new CliError(`cannot back up ${target} to ${backup}: ${(err as Error).message}; nothing restored`, EXIT.failure);
  }
  await writePrivateFile(target, good).catch((err: unknown) => {
    throw new CliError(`cannot write ${target}: ${(err as Error).message} (the backup is ${backup})`, EXIT.failure);
  });
  if (opts.json) process.stdout.write(`${JSON.stringify({ restored: target, from: lastGood, backup })}\n`);
  else process.stdout.write(`Restored ${target} from ${lastGood}; the previous file is ${backup}.\nThen: clawmedic recover --yes (or let the agent do it at its next failing check).\n`);
  return EXIT.ok;
}

/** Acting on the gateway needs --yes, or a yes typed at a terminal. */
async function confirm(opts: RecoverOptions, question: string): Promise<void> {
  if (opts.yes) return;
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw new CliError('this acts on the gateway: pass --yes to go ahead (or --dry-run to see what it would do)', EXIT.failure);
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim())) throw new CliError('not confirmed: nothing done', EXIT.failure);
  } finally {
    rl.close();
  }
}
