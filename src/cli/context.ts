import { type EffectiveConfig, type Problem, loadConfig } from '../config/load.ts';
import { createLogger, silentLogger, type AppLogger, type LogLevel } from '../logger.ts';
import { CliError, EXIT } from './errors.ts';

export interface GlobalOptions {
  config?: string;
  debug?: boolean;
}

export function formatProblems(problems: Problem[]): string {
  return problems.map((p) => `  ${p.level === 'warning' ? 'warning' : 'error'}: ${p.path}: ${p.message}`).join('\n');
}

/**
 * Loads the config for a command. Problems that concern one notifier leave that notifier out (the
 * agent still runs); any other error stops the command with the list.
 */
export function loadForCommand(opts: GlobalOptions, exitCode: number = EXIT.config): { config: EffectiveConfig; problems: Problem[] } {
  const { path, config, problems } = loadConfig({ ...(opts.config ? { configPath: opts.config } : {}) });
  const fatal = problems.filter((p) => p.level === 'error' && !config?.notifierProblems.includes(p));
  if (!config || fatal.length > 0) {
    const header = `invalid config ${path}`;
    throw new CliError(`${header}:\n${formatProblems(fatal.length ? fatal : problems)}`, exitCode);
  }
  return { config, problems };
}

export function loggerFor(config: EffectiveConfig, opts: GlobalOptions & { quiet?: boolean }): AppLogger {
  if (opts.quiet && !opts.debug) return silentLogger;
  const level: LogLevel = opts.debug ? 'debug' : (config.file.log.level as LogLevel);
  return createLogger({ level, redactor: config.redactor });
}
