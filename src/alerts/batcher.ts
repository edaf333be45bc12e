import { randomUUID } from 'node:crypto';
import type { AlertBatch } from '../contracts.ts';
import type { PlannedAlert } from './planner.ts';

/**
 * A fixed window that opens with the first change and closes batchWindowMs later, so that everything
 * raised meanwhile (five checks failing because the gateway went down) goes out together. Fixed, not
 * sliding: a steady trickle of changes cannot postpone alerts indefinitely.
 */
export class BatchWindow {
  private timer: NodeJS.Timeout | undefined;
  private readonly windowMs: number;
  private readonly onClose: () => void;

  constructor(windowMs: number, onClose: () => void) {
    this.windowMs = windowMs;
    this.onClose = onClose;
  }

  get isOpen(): boolean {
    return this.timer !== undefined;
  }

  open(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.onClose();
    }, this.windowMs);
    this.timer.unref?.();
  }

  /** Closes it without calling onClose; returns whether it was open. */
  cancel(): boolean {
    if (!this.timer) return false;
    clearTimeout(this.timer);
    this.timer = undefined;
    return true;
  }
}

/** One batch per notifier with every alert routed to it, notifiers in their configured order. */
export function batchesFor(
  planned: readonly PlannedAlert[],
  notifierNames: readonly string[],
  meta: { host: string; gateway: string; now: number; timeZone?: string },
): Array<{ notifier: string; batch: AlertBatch }> {
  const out: Array<{ notifier: string; batch: AlertBatch }> = [];
  for (const name of notifierNames) {
    const alerts = planned.filter((p) => p.to.includes(name)).map((p) => structuredClone(p.alert));
    if (alerts.length === 0) continue;
    out.push({
      notifier: name,
      batch: {
        id: randomUUID(),
        createdAt: new Date(meta.now).toISOString(),
        host: meta.host,
        gateway: meta.gateway,
        ...(meta.timeZone ? { timeZone: meta.timeZone } : {}),
        alerts,
      },
    });
  }
  return out;
}
