// The config sections of running as a service: systemd's watchdog, and the heartbeat URL of a dead-man's
// switch (Healthchecks.io and the like) that hears from clawmedic after its cycles.
import * as z from 'zod';
import { durationUpTo } from '../config/durations.ts';

export const serviceSchema = z
  .strictObject({
    watchdog: durationUpTo(3_600_000)
      .refine((ms) => ms >= 10_000, 'the watchdog needs at least 10s (the agent pings it every third of it)')
      .optional()
      .meta({ description: "systemd's WatchdogSec written by `clawmedic service install` (default 2m): without a ping from the agent's loop for this long, systemd restarts it" }),
  })
  .default({});

export const heartbeatSchema = z
  .strictObject({
    url: z
      .string()
      .min(1)
      .meta({ description: 'Ping URL of a dead-man\'s switch, e.g. "env:HEALTHCHECKS_URL" (https; http only to loopback). A secret: anyone holding it can ping' }),
    failUrl: z.string().min(1).optional().meta({ description: 'Pinged instead while a check fails (default: the url with /fail appended to its path, as Healthchecks.io takes it)' }),
    method: z.enum(['GET', 'POST']).default('GET').meta({ description: 'POST sends the failing checks\' summaries as the body (Healthchecks.io shows it)' }),
    every: durationUpTo(86_400_000)
      .refine((ms) => ms >= 10_000, 'ping at most every 10s')
      .default(60_000)
      .meta({ description: 'At most one ping per this long while nothing changes (default 1m); a check that starts or stops failing pings at once' }),
    timeout: durationUpTo(60_000)
      .refine((ms) => ms >= 500, 'a timeout below 500ms fails on any real network')
      .default(10_000),
  })
  .optional()
  .meta({ description: 'A dead-man\'s switch pinged after the check cycles, so someone hears when clawmedic itself stops' });

export type HeartbeatSettings = z.output<typeof heartbeatSchema>;
