import type { AgentFault, Logger } from '../contracts.ts';

export type FaultReport = Omit<AgentFault, 'key' | 'since' | 'count'>;

/**
 * The faults clawmedic meets in itself (a state file it cannot write, a silences file it cannot read, an
 * alert evaluation that threw). Each is logged once when it appears, once when it changes (another
 * errno, another path) and once when it clears, however often the failing operation is retried, and
 * the clawmedic.self check turns the set into a result that alerts like any other check.
 */
export class AgentFaults {
  private readonly faults = new Map<string, AgentFault>();
  private readonly listeners: Array<(key: string) => void> = [];
  private readonly log: Logger;
  private readonly now: () => number;

  constructor(log: Logger, now: () => number = Date.now) {
    this.log = log;
    this.now = now;
  }

  /** Records a failure of `key`; repeated identical reports only count. */
  report(key: string, fault: FaultReport): void {
    const known = this.faults.get(key);
    if (known && known.summary === fault.summary && known.severity === fault.severity) {
      known.count += 1;
      return;
    }
    const entry: AgentFault = { ...fault, key, since: known?.since ?? this.now(), count: (known?.count ?? 0) + 1 };
    this.faults.set(key, entry);
    const line = fault.consequence ? `${fault.summary}; ${fault.consequence}` : fault.summary;
    this.safeLog(fault.severity === 'crit' ? 'error' : 'warn', { fault: key, path: fault.path, code: fault.code }, line);
    this.emit(key);
  }

  /** The operation behind `key` worked again. */
  clear(key: string): void {
    const known = this.faults.get(key);
    if (!known) return;
    this.faults.delete(key);
    this.safeLog('info', { fault: key, path: known.path, failedAttempts: known.count }, `${key} works again after ${known.count} failed attempt${known.count === 1 ? '' : 's'} (was: ${known.summary})`);
    this.emit(key);
  }

  has(key: string): boolean {
    return this.faults.has(key);
  }

  list(): AgentFault[] {
    return [...this.faults.values()].map((f) => ({ ...f }));
  }

  /** Called after every change (a new fault, a changed one, a cleared one). */
  onChange(listener: (key: string) => void): void {
    this.listeners.push(listener);
  }

  private emit(key: string): void {
    for (const listener of this.listeners) {
      try {
        listener(key);
      } catch (err) {
        this.safeLog('error', { fault: key, err }, 'a fault listener failed');
      }
    }
  }

  // Faults are reported from catch blocks: the report itself must never throw.
  private safeLog(level: 'info' | 'warn' | 'error', fields: object, message: string): void {
    try {
      this.log[level](fields, message);
    } catch {
      // Nothing left to tell it to.
    }
  }
}
