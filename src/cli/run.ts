import { Agent, AgentError } from '../agent.ts';
import { createAlertSink } from '../alert-sink.ts';
import { loadConfig, type EffectiveConfig, type Problem } from '../config/load.ts';
import { builtinSteps } from '../recovery/builtin-steps.ts';
import { recoveryListener } from '../recovery/manager.ts';
import { SELF_CHECK_ID } from '../self/check.ts';
import { execFileGroup } from '../platform/exec.ts';
import { heartbeatFactory } from '../service/heartbeat.ts';
import { serverListener } from '../server/listener.ts';
import { systemdWatchdog } from '../service/watchdog.ts';
import { formatProblems, loadForCommand, loggerFor, type GlobalOptions } from './context.ts';
import { CliError, EXIT } from './errors.ts';

/**
 * `clawmedic run`: the agent in the foreground until SIGTERM/SIGINT (state flushed, exit 0).
 * SIGHUP reloads the config; an invalid one is reported and the last good one kept.
 */
export async function runCommand(opts: GlobalOptions): Promise<number> {
  const { config, problems } = loadForCommand(opts);
  const nothing = nothingToWatch(config);
  if (nothing) throw new CliError(nothing, EXIT.config);
  let log = loggerFor(config, opts);
  for (const p of problems.filter((p) => p.level === 'warning')) log.warn(`config: ${p.path}: ${p.message}`);

  // Signals are handled from the first moment: a SIGTERM that arrives while the agent is still starting
  // (its first state write can take a while on a slow disk) waits for the start and then stops it
  // cleanly, instead of killing the process halfway.
  let agent: Agent | undefined;
  let stopRequested: NodeJS.Signals | undefined;
  let stopping = false;
  let finish: (code: number) => void = () => {};
  const done = new Promise<number>((resolve) => (finish = resolve));
  // Every other timer of the agent may be unref'd; this one keeps the process until it is told to stop.
  const keepAlive = setInterval(() => {}, 1 << 30);

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn(`${signal} again: exiting now`);
      process.exit(EXIT.failure);
    }
    if (!agent) {
      stopRequested = signal;
      return;
    }
    stopping = true;
    // Still listen: with no listener, SIGHUP would kill the process before the state is flushed.
    process.off('SIGHUP', reload);
    process.on('SIGHUP', () => log.warn('SIGHUP ignored: stopping'));
    log.info(`${signal} received: stopping (flushing state)`);
    agent
      .stop()
      .then(() => {
        log.info('stopped');
        finish(EXIT.ok);
      })
      .catch((err: unknown) => {
        log.error({ err }, 'error while stopping');
        finish(EXIT.failure);
      })
      .finally(() => {
        clearInterval(keepAlive);
        log.flush();
      });
  };
  const reload = () => {
    if (!agent) return log.warn('SIGHUP while starting: ignored');
    const next = loadConfig({ ...(opts.config ? { configPath: opts.config } : {}) });
    const fatal: Problem[] = next.problems.filter((p) => p.level === 'error' && !next.config?.notifierProblems.includes(p));
    const nothing = next.config && nothingToWatch(next.config);
    if (!next.config || fatal.length || nothing) {
      const why = nothing ?? formatProblems(fatal.length ? fatal : next.problems);
      log.error(`SIGHUP: the new config is invalid; keeping the running one:\n${why}`);
      return;
    }
    log = loggerFor(next.config, opts);
    agent.reload(next.config, log).catch((err: unknown) => log.error({ err }, 'reload failed'));
  };
  const onTerm = () => stop('SIGTERM');
  const onInt = () => stop('SIGINT');
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  process.on('SIGHUP', reload);

  try {
    // Then the service's own watchdogs: the heartbeat URL, and systemd's when it started us with Type=notify.
    const watchdog = systemdWatchdog(execFileGroup, log);
    agent = await Agent.start({ config, log, alerts: createAlertSink, listeners: [recoveryListener(builtinSteps), heartbeatFactory, serverListener, ...(watchdog ? [watchdog] : [])] });
  } catch (err) {
    clearInterval(keepAlive);
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
    process.off('SIGHUP', reload);
    if (err instanceof AgentError) throw new CliError(err.message, EXIT.failure);
    throw err;
  }
  if (stopRequested) stop(stopRequested);
  return done;
}

/** clawmedic watching only itself is no watch at all: at least one gateway check must be enabled. */
function nothingToWatch(config: EffectiveConfig): string | undefined {
  return config.checks.some((rc) => rc.enabled && rc.check.id !== SELF_CHECK_ID) ? undefined : `every check is disabled in ${config.path}: there is nothing to watch`;
}
