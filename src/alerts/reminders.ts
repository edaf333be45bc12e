import type { AlertingConfig } from './config.ts';
import type { Incident } from './types.ts';

/** Epoch ms the next reminder for an announced incident is due, or undefined when there is none. */
export function nextReminderAt(incident: Incident, config: AlertingConfig['reminders']): number | undefined {
  if (!config.enabled || !incident.announced || incident.lastNotifiedAt === undefined) return undefined;
  const intervals = config.intervalsMs;
  // Past the list, the last interval repeats.
  const interval = intervals[Math.min(incident.reminderIndex, intervals.length - 1)];
  if (interval === undefined || !(interval > 0)) return undefined;
  return incident.lastNotifiedAt + interval;
}
