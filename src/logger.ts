import { createRequire } from 'node:module';
import pino from 'pino';
import type PinoPretty from 'pino-pretty';
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

/**
 * What an `err` field becomes in a log line, whatever it holds: an Error, a string, a number, an
 * object without a message, null. Call sites pass all of these; none may break logging.
 */
export function serializeError(err: unknown, redact: (text: string) => string): { type: string; message: string; code?: string } {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return { type: err.name, message: redact(String(err.message ?? '')), ...(typeof code === 'string' ? { code } : {}) };
  }
  if (typeof err === 'string') return { type: 'string', message: redact(err) };
  if (err && typeof err === 'object') {
    const message = (err as { message?: unknown }).message;
    return { type: 'object', message: redact(typeof message === 'string' ? message : safeStringify(err)) };
  }
  return { type: typeof err, message: redact(String(err)) };
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/**
 * pino JSON lines on stderr (pretty on a terminal), with every string passed through the redactor.
 * Logging never throws: a line that cannot be formatted is replaced by a plain note saying so, because
 * the agent logs exactly when things go wrong and must not die of it.
 */
export function createLogger(opts: LoggerOptions): AppLogger {
  const destination = opts.destination ?? process.stderr;
  const usePretty = opts.pretty ?? Boolean((destination as NodeJS.WriteStream).isTTY);
  const stream = usePretty
    ? prettyStream({ destination, sync: true, colorize: !process.env.NO_COLOR, singleLine: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,transition' })
    : destination;
  const redactor = opts.redactor;
  const redact = (text: string) => redactor.text(text);
  return pino(
    {
      level: opts.level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        // pino applies this before its serializers, so `err` is turned into words here, while it is still an Error.
        log: (obj) => {
          try {
            const withErr = Object.hasOwn(obj, 'err') ? { ...obj, err: serializeError(obj.err, redact) } : obj;
            return redactor.value(withErr);
          } catch (err) {
            return { logError: `fields dropped: ${String((err as Error)?.message ?? err)}` };
          }
        },
      },
      hooks: {
        logMethod(args, method) {
          try {
            method.apply(this, args.map((a) => (typeof a === 'string' ? redactor.text(a) : a)) as Parameters<typeof method>);
          } catch (err) {
            try {
              const msg = args.find((a) => typeof a === 'string');
              method.apply(this, [{ logError: String((err as Error)?.message ?? err) }, typeof msg === 'string' ? redactPlain(msg, redact) : 'log line dropped'] as Parameters<typeof method>);
            } catch {
              // The destination itself failed (a closed pipe): there is nowhere left to say it.
            }
          }
        },
      },
      // Already words (see formatters.log); pino's own err serializer would add stacks and its own types.
      serializers: { err: (err: unknown) => err },
    },
    stream as pino.DestinationStream,
  ) as unknown as AppLogger;
}

/** pino-pretty, loaded only for a terminal: an agent under a service manager never pays for it. */
function prettyStream(options: PinoPretty.PrettyOptions): NodeJS.WritableStream {
  const pretty = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
  return pretty(options);
}

function redactPlain(text: string, redact: (text: string) => string): string {
  try {
    return redact(text);
  } catch {
    return '[log message dropped: it could not be redacted]';
  }
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
