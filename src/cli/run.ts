import { Agent } from '../agent.ts';
import { createAlertSink } from '../alert-sink.ts';
import { loadConfig } from '../config/load.ts';
import { formatProblems, loadForCommand, loggerFor, type GlobalOptions } from './context.ts';
import { EXIT } from './errors.ts';

/**
 * `clawmedic run`: the agent in the foreground until SIGTERM/SIGINT (state flushed, exit 0).
 * SIGHUP reloads the config; an invalid one is reported and the last good one kept.
 */
export async function runCommand(opts: GlobalOptions): Promise<number> {
  const { config, problems } = loadForCommand(opts);
  const log = loggerFor(config, opts);
  for (const p of problems.filter((p) => p.level === 'warning')) log.warn(`config: ${p.path}: ${p.message}`);
  const agent = await Agent.start({ config, log, alerts: createAlertSink });

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        log.warn(`${signal} again: exiting now`);
        process.exit(EXIT.failure);
      }
      stopping = true;
      log.info(`${signal} received: stopping (flushing state)`);
      agent
        .stop()
        .then(() => {
          log.info('stopped');
          resolve(EXIT.ok);
        })
        .catch((err: unknown) => {
          log.error({ err }, 'error while stopping');
          resolve(EXIT.failure);
        })
        .finally(() => {
          process.off('SIGHUP', reload);
          log.flush();
        });
    };
    const reload = () => {
      const next = loadConfig({ ...(opts.config ? { configPath: opts.config } : {}) });
      const fatal = next.problems.filter((p) => p.level === 'error' && !next.config?.notifierProblems.includes(p));
      if (!next.config || fatal.length) {
        log.error(`SIGHUP: the new config is invalid; keeping the running one:\n${formatProblems(fatal.length ? fatal : next.problems)}`);
        return;
      }
      agent.reload(next.config).catch((err: unknown) => log.error({ err }, 'reload failed'));
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGHUP', reload);
  });
}
