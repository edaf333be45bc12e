import { Cron } from 'croner';
import type { MaintenanceWindowConfig } from './config.ts';
import type { SilencedBy } from './types.ts';

interface Window {
  config: MaintenanceWindowConfig;
  cron: Cron;
}

/**
 * Planned maintenance from the config: each window starts at a cron occurrence and lasts durationMs.
 * A window is in force when its most recent start plus its duration is still ahead of now.
 */
export class MaintenanceCalendar {
  private readonly windows: Window[];

  /** Throws a one-line error naming the window when a cron expression or time zone is invalid. */
  constructor(configs: readonly MaintenanceWindowConfig[]) {
    this.windows = configs.map((config, i) => {
      const where = `alerting.maintenance[${i}]`;
      if (!(config.durationMs > 0)) throw new Error(`${where}: durationMs must be positive`);
      try {
        const cron = new Cron(config.cron, config.timezone ? { timezone: config.timezone } : {});
        // croner reports a bad time zone only when it computes a date: do it now, not at 3 a.m.
        cron.previousRuns(1, new Date());
        return { config, cron };
      } catch (err) {
        throw new Error(`${where}: ${(err as Error).message}`);
      }
    });
  }

  /** The window covering this check at `now`, if any (the one ending last, when several overlap). */
  activeFor(checkId: string, now: number): SilencedBy | undefined {
    let best: SilencedBy | undefined;
    for (const w of this.active(now)) {
      if (w.checks.length > 0 && !w.checks.includes(checkId)) continue;
      if (!best || w.until > best.until) best = { type: w.type, id: w.id, until: w.until, ...(w.reason ? { reason: w.reason } : {}) };
    }
    return best;
  }

  /** Every window in force at `now`, with the checks it covers (empty: all). */
  active(now: number): Array<SilencedBy & { checks: string[] }> {
    const out: Array<SilencedBy & { checks: string[] }> = [];
    for (const { config, cron } of this.windows) {
      // previousRuns leaves out a run exactly at the reference; +1 ms counts a window starting now.
      const start = cron.previousRuns(1, new Date(now + 1))[0];
      if (!start) continue;
      const end = start.getTime() + config.durationMs;
      if (end <= now) continue;
      const window: SilencedBy & { checks: string[] } = {
        type: 'maintenance',
        id: config.timezone ? `${config.cron} (${config.timezone})` : config.cron,
        // ISO strings of one format compare like the times they name.
        until: new Date(end).toISOString(),
        checks: config.checks ?? [],
      };
      if (config.reason) window.reason = config.reason;
      out.push(window);
    }
    return out;
  }
}
