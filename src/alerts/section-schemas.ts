import * as z from 'zod';

// Shapes of the alerts and outbox sections of the state file, checked when the file is loaded: a section
// the code would trip over (an `incidents` of null, `entries` that is a string) is set aside whole, with
// the rest of the file kept. Loose objects: a later version may add fields, and they pass through.

const severity = z.enum(['crit', 'warn', 'info']);
const epoch = z.number().finite();
const count = z.number().int().nonnegative();

const silencedBy = z.looseObject({
  type: z.enum(['silence', 'maintenance']),
  id: z.string(),
  until: z.string(),
  reason: z.string().optional(),
});

const step = z.looseObject({ text: z.string(), command: z.string().optional() });

const incident = z.looseObject({
  id: z.string().optional(),
  fingerprint: z.string(),
  checkId: z.string(),
  condition: z.enum(['failing', 'flapping']),
  since: epoch,
  openedAt: epoch,
  severity,
  severitySince: epoch.optional(),
  worstSeverity: severity.optional(),
  summary: z.string(),
  headline: z.string().optional(),
  diagnosis: z.string().optional(),
  remedy: z.string().optional(),
  steps: z.array(step).optional(),
  announcedAlone: z.boolean().optional(),
  announced: z.boolean(),
  announcedSeverity: severity.optional(),
  cause: z.string().optional(),
  announcedCause: z.string().optional(),
  causeRuns: count.optional(),
  changesTold: count.optional(),
  notifiedVia: z.array(z.string()),
  lastNotifiedAt: epoch.optional(),
  reminderIndex: count,
  inhibitedBy: z.string().optional(),
  silencedBy: silencedBy.optional(),
});

const alert = z.looseObject({
  fingerprint: z.string(),
  incidentId: z.string().optional(),
  kind: z.enum(['failing', 'resolved', 'flapping', 'reminder', 'escalated', 'deescalated', 'changed', 'test', 'recovery']),
  checkId: z.string(),
  severity,
  summary: z.string(),
  headline: z.string().optional(),
  diagnosis: z.string().optional(),
  remedy: z.string().optional(),
  steps: z.array(step).optional(),
  since: z.string(),
  durationMs: z.number().finite().optional(),
  related: z.array(z.looseObject({ checkId: z.string(), summary: z.string() })).optional(),
});

export const alertsSectionSchema = z.looseObject({
  version: z.literal(1),
  incidents: z.record(z.string(), incident),
  resolved: z.array(z.looseObject({ incident, at: epoch, summary: z.string() })),
  events: z.array(alert).optional(),
});


const batch = z.looseObject({
  id: z.string(),
  createdAt: z.string(),
  host: z.string(),
  gateway: z.string(),
  alerts: z.array(alert),
});

const outboxEntry = z.looseObject({
  id: z.string(),
  notifier: z.string(),
  batch,
  status: z.enum(['pending', 'sent', 'failed']),
  createdAt: epoch,
  nextAttemptAt: epoch,
  deadlineAt: epoch,
  attempts: count,
  lastAttemptAt: epoch.optional(),
  lastError: z.string().optional(),
  finishedAt: epoch.optional(),
  fallbackOf: z.string().optional(),
  fallbackEntry: z.string().optional(),
});

export const outboxSectionSchema = z.looseObject({
  version: z.literal(1),
  entries: z.array(outboxEntry),
});
