/** An error a command reports as one line, with the exit code it asks for. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** Exit codes shared by the commands. */
export const EXIT = {
  ok: 0,
  failure: 1,
  /** The config (or another input file) is invalid. */
  config: 2,
  /** Nagios UNKNOWN: `check` could not run as asked. */
  unknown: 3,
} as const;
