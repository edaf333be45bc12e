/** A service install, uninstall or status that cannot go on: one line, and the exit code it asks for. */
export class ServiceError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'ServiceError';
    this.exitCode = exitCode;
  }
}
