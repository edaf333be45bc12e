import * as z from 'zod';
import { isLoopbackHost } from '../platform/net.ts';
import { sizeSchema } from '../util/size.ts';
import { recoverySchema } from '../recovery/config.ts';
import { heartbeatSchema, serviceSchema } from '../service/config.ts';
import { serverSchema } from '../server/config.ts';

export { MAX_DURATION_MS, duration, durationUpTo } from './durations.ts';
import { duration, durationUpTo } from './durations.ts';

// Each schema here parses a handful of times in a process's life (the config at start and at a reload, a
// check's options once): zod's JIT would compile a parser with new Function for every object schema (about
// 40 ms of CPU in a profile of a one-shot `check`) that is then hardly used.
z.config({ jitless: true });

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** A secret: "env:NAME", "file:/absolute/path", or (discouraged) the literal value. */
export const secretRef = z
  .string()
  .min(1)
  .meta({ description: 'A secret reference: "env:NAME" or "file:/absolute/path" (a literal value works but is discouraged)' });


const severity = z.enum(['crit', 'warn', 'info']);

const SERIES_DEFAULTS = {
  raw: 3_600_000,
  rawMax: 720,
  tiers: [
    { step: 60_000, keep: 86_400_000 },
    { step: 900_000, keep: 30 * 86_400_000 },
  ],
};

/** How series are kept: raw samples, then roll-ups (each coarser and kept longer than the one before). */
const seriesSettings = z
  .strictObject({
    raw: durationUpTo(86_400_000).default(SERIES_DEFAULTS.raw).meta({ description: 'How long raw samples are kept (default 1h)' }),
    rawMax: z.number().int().min(10).max(100_000).default(SERIES_DEFAULTS.rawMax).meta({ description: 'Raw samples kept at most per series (default 720)' }),
    tiers: z
      .array(z.strictObject({ step: durationUpTo(86_400_000).refine((ms) => ms >= 1_000, 'a step is at least 1s'), keep: duration }))
      .max(4)
      .default(SERIES_DEFAULTS.tiers)
      .meta({ description: 'Roll-ups, finest first: per-step min/avg/max kept for `keep` (default 1m for 1d, then 15m for 30d)' }),
  })
  .superRefine((s, ctx) => {
    s.tiers.forEach((t, i) => {
      if (t.keep < t.step) ctx.addIssue({ code: 'custom', path: ['tiers', i, 'keep'], message: 'keep must be at least one step' });
      const before = s.tiers[i - 1];
      if (before && t.step <= before.step) ctx.addIssue({ code: 'custom', path: ['tiers', i, 'step'], message: 'each tier must be coarser than the one before' });
      // 100k buckets a tier bounds the file whatever the settings.
      if (t.keep / t.step > 100_000) ctx.addIssue({ code: 'custom', path: ['tiers', i, 'keep'], message: `keep / step is ${Math.round(t.keep / t.step)} buckets; at most 100000` });
    });
  });

const flapping = z
  .strictObject({
    enabled: z.boolean().default(true),
    window: z.number().int().min(4).max(100).default(21),
    highPct: z.number().min(1).max(100).default(50),
    lowPct: z.number().min(0).max(100).default(25),
  })
  .refine((f) => f.lowPct < f.highPct, { message: 'lowPct must be lower than highPct', path: ['lowPct'] });

/** How soon a check runs again while its thresholds decide (0: only on its schedule). */
const retryInterval = durationUpTo(3_600_000).meta({
  description: 'After a change of result, run again this soon until the threshold decides (default 2s; never below the timeout; 0: only on schedule)',
});
export const DEFAULT_RETRY_INTERVAL_MS = 2_000;

const checkEntry = z.strictObject({
  enabled: z.boolean().optional(),
  schedule: z
    .string()
    .min(1)
    .optional()
    .meta({ description: 'A duration ("30s") for a fixed interval, or a cron expression (seconds allowed: "*/15 * * * * *")' }),
  timezone: z.string().optional().meta({ description: 'Time zone for a cron schedule, e.g. "Europe/Berlin"' }),
  timeout: durationUpTo(3_600_000, 'a check still running after an hour is hung').refine((ms) => ms > 0, 'a timeout must be longer than 0').optional(),
  jitter: durationUpTo(3_600_000).optional(),
  failureThreshold: z.number().int().min(1).max(100).optional(),
  successThreshold: z.number().int().min(1).max(100).optional(),
  retryInterval: retryInterval.optional(),
  dependsOn: z.array(z.string()).optional(),
  options: z.record(z.string(), z.unknown()).optional(),
});

/** Keys every notifier entry has; the rest belongs to its type's own schema. */
export const notifierCommon = z.object({
  type: z.string().min(1),
  enabled: z.boolean().default(true),
  minSeverity: severity.default('info').meta({ description: 'Lowest severity this notifier receives' }),
  checks: z.array(z.string()).optional().meta({ description: 'Only alerts about these checks (default: all)' }),
});
export const NOTIFIER_COMMON_KEYS = ['type', 'enabled', 'minSeverity', 'checks'] as const;

const maintenanceWindow = z.strictObject({
  cron: z.string().min(1),
  duration: duration.refine((ms) => ms > 0, 'a maintenance window must last longer than 0'),
  timezone: z.string().optional(),
  checks: z.array(z.string()).optional(),
  reason: z.string().optional(),
});

export const configSchema = z
  .strictObject({
    $schema: z.string().optional(),
    gateway: z
      .strictObject({
        host: z
          .string()
          .refine(isLoopbackHost, 'only loopback addresses are allowed (127.0.0.1, ::1, localhost): clawmedic watches the gateway on this host')
          .optional(),
        port: z.number().int().min(1).max(65535).optional(),
        token: secretRef.optional(),
        openclawConfig: z.string().min(1).optional().meta({ description: 'Path of openclaw.json (default: discovered like OpenClaw does)' }),
      })
      .default({}),
    openclaw: z
      .strictObject({
        bin: z.string().min(1).optional().meta({ description: 'Path of the openclaw executable (default: searched on PATH)' }),
        lowPriority: z
          .boolean()
          .default(true)
          .meta({ description: "Run the checks' openclaw CLI commands at nice 10 and the lowest best-effort I/O priority (default true)" }),
        minAvailableMemory: sizeSchema({
          description: 'Memory the host must have available before a check starts an openclaw CLI command (default: what each needs, 280-800 MiB; 0: never hold one back)',
        }).optional(),
      })
      .default({ lowPriority: true }),
    state: z
      .strictObject({
        path: z.string().min(1).optional().meta({ description: 'State file (default: clawmedic.state.json beside the config)' }),
        maxResults: z.number().int().min(10).max(10_000).default(200),
        maxAge: duration.default(86_400_000),
        series: seriesSettings.default(SERIES_DEFAULTS),
      })
      .default({ maxResults: 200, maxAge: 86_400_000, series: SERIES_DEFAULTS }),
    log: z
      .strictObject({
        level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
      })
      .default({ level: 'info' }),
    defaults: z
      .strictObject({
        failureThreshold: z.number().int().min(1).max(100).default(3),
        successThreshold: z.number().int().min(1).max(100).default(2),
        retryInterval: retryInterval.default(DEFAULT_RETRY_INTERVAL_MS),
        flapping: flapping.default({ enabled: true, window: 21, highPct: 50, lowPct: 25 }),
      })
      .default({ failureThreshold: 3, successThreshold: 2, retryInterval: DEFAULT_RETRY_INTERVAL_MS, flapping: { enabled: true, window: 21, highPct: 50, lowPct: 25 } }),
    checks: z.record(z.string(), checkEntry).default({}),
    recovery: recoverySchema,
    service: serviceSchema,
    heartbeat: heartbeatSchema,
    server: serverSchema,
    notifiers: z
      .record(z.string().regex(/^[A-Za-z0-9_.-]+$/, 'notifier names use letters, digits, "_", "-" and "."'), z.looseObject(notifierCommon.shape))
      .optional()
      .meta({ description: 'Notifiers by name; default: one console notifier' }),
    alerting: z
      .strictObject({
        batchWindow: durationUpTo(3_600_000, 'alerts held longer are late, not batched').default(10_000),
        sendResolved: z.boolean().default(true),
        reminders: z.array(duration).max(10).default([1_800_000, 7_200_000, 28_800_000]),
        fallback: z.string().optional().meta({ description: 'Notifier that receives what another could not deliver' }),
        deliveryDeadline: duration.default(86_400_000),
        retryBackoff: durationUpTo(86_400_000)
          .refine((ms) => ms >= 1_000, 'retryBackoff must be at least 1s (a shorter one retries a failing receiver too fast)')
          .default(5_000)
          .meta({ description: 'First retry delay of a failed delivery (at least 1s); it doubles up to retryBackoffMax' }),
        retryBackoffMax: durationUpTo(86_400_000).default(300_000),
        maintenance: z.array(maintenanceWindow).default([]),
        timezone: z
          .string()
          .refine(isTimeZone, 'not a time zone Node knows (use an IANA name such as "Europe/Berlin" or "UTC")')
          .optional()
          .meta({ description: "Time zone alert times are shown in (default: the host's); UTC is always in the footer" }),
      })
      .default({
        batchWindow: 10_000,
        sendResolved: true,
        reminders: [1_800_000, 7_200_000, 28_800_000],
        deliveryDeadline: 86_400_000,
        retryBackoff: 5_000,
        retryBackoffMax: 300_000,
        maintenance: [],
      }),
  })
  .meta({ title: 'clawmedic configuration' });

export type ConfigFile = z.output<typeof configSchema>;
export type CheckEntry = z.output<typeof checkEntry>;
export type NotifierEntry = z.output<typeof notifierCommon> & Record<string, unknown>;
