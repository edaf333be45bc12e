import pino from 'pino';
import pretty from 'pino-pretty';
import type { Logger } from './contracts.ts';
import type { Redactor } from './util/redact.ts';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export interface AppLogger extends Logger {
  child(bindings: Record<string, unknown>): AppLogger;
  flush(): void;
}

export interface LoggerOptions {
  level: LogLevel;
  redactor: Redactor;
  /** Human-readable lines instead of JSON (default: when stderr is a terminal). */
  pretty?: boolean;
  /** Where lines go (default: stderr, so stdout stays for command output). */
  destination?: NodeJS.WritableStream;
}

/** pino JSON lines on stderr (pretty on a terminal), with every string passed through the redactor. */
export function createLogger(opts: LoggerOptions): AppLogger {
  const destination = opts.destination ?? process.stderr;
  const usePretty = opts.pretty ?? Boolean((destination as NodeJS.WriteStream).isTTY);
  const stream = usePretty
    ? pretty({ destination, sync: true, colorize: !process.env.NO_COLOR, singleLine: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' })
    : destination;
  const redactor = opts.redactor;
  return pino(
    {
      level: opts.level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (obj) => redactor.value(obj),
      },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => (typeof a === 'string' ? redactor.text(a) : a)) as Parameters<typeof method>);
        },
      },
      serializers: { err: (err: Error) => ({ type: err.name, message: redactor.text(err.message) }) },
    },
    stream as pino.DestinationStream,
  ) as unknown as AppLogger;
}

/** A logger that drops everything (tests, one-shot commands with --quiet). */
export const silentLogger: AppLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  flush() {},
  child() {
    return silentLogger;
  },
};
