import * as z from 'zod';
import { durationUpTo } from '../config/durations.ts';

/** Checks whose failure is never a reason to restart: `restarts` is the storm detector itself. */
export const NEVER_TRIGGERS = ['restarts', 'clawmedic.self'] as const;

const trigger = z.strictObject({
  check: z
    .string()
    .min(1)
    .refine((id) => !(NEVER_TRIGGERS as readonly string[]).includes(id), {
      message: 'restarts and clawmedic.self are never recovery triggers (restarts is what tells a restart storm; restarting on it would feed one)',
    }),
  statuses: z
    .array(z.enum(['crit', 'warn', 'unknown']))
    .min(1)
    .default(['crit'])
    .meta({ description: 'Result statuses that trigger, while the check is FAILING (default ["crit"])' }),
});

const command = z
  .array(z.string().min(1))
  .min(1)
  .max(64)
  .meta({ description: 'A program and its arguments, run without a shell, e.g. ["systemctl", "--user", "restart", "openclaw-gateway"]' });

const step = (defaultTimeoutMs: number, what: string) =>
  z
    .strictObject({
      enabled: z.boolean().default(true),
      command: command.optional().meta({ description: `Replaces the built-in ${what}` }),
      timeout: durationUpTo(600_000).refine((ms) => ms > 0, 'a timeout must be longer than 0').default(defaultTimeoutMs),
    })
    .prefault({});

const service = z
  .strictObject({
    manager: z.enum(['auto', 'systemd-user', 'systemd-system', 'launchd', 'pm2', 'none']).default('auto'),
    unit: z.string().min(1).optional().meta({ description: 'systemd unit (default openclaw-gateway.service)' }),
    label: z.string().min(1).optional().meta({ description: 'launchd label (default ai.openclaw.gateway)' }),
    app: z.string().min(1).optional().meta({ description: 'pm2 app name (required for pm2)' }),
  })
  .refine((s) => s.manager !== 'pm2' || s.app !== undefined, { message: 'manager "pm2" needs the app name in recovery.service.app', path: ['app'] })
  .prefault({});

export const DEFAULT_TRIGGERS = [
  { check: 'gateway.port', statuses: ['crit' as const] },
  { check: 'gateway.http', statuses: ['crit' as const] },
];

/** `recovery` in the config file: off unless enabled. */
export const recoverySchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    triggers: z
      .array(trigger)
      .max(20)
      .default(DEFAULT_TRIGGERS)
      .meta({ description: 'Checks whose FAILING state starts a recovery (default: gateway.port and gateway.http CRIT)' }),
    attempts: z.number().int().min(1).max(10).default(2).meta({ description: 'Attempts allowed per window (default 2)' }),
    window: durationUpTo(86_400_000).default(900_000).meta({ description: 'The budget window (default 15m)' }),
    cooldown: durationUpTo(3_600_000).default(120_000).meta({ description: 'Wait after an attempt; doubles after each failure in a row (default 2m)' }),
    cooldownMax: durationUpTo(86_400_000).default(1_800_000).meta({ description: 'Longest cooldown (default 30m)' }),
    stablePeriod: durationUpTo(86_400_000)
      .default(1_800_000)
      .meta({ description: 'Healthy this long after giving up re-arms recovery (default 30m); `clawmedic recover --reset` does it at once' }),
    restartFirst: z
      .boolean()
      .default(true)
      .meta({ description: 'When the process answers but is unhealthy, try `openclaw gateway restart` before stop/start' }),
    lastKnownGood: z.boolean().default(true).meta({ description: 'Keep a copy of openclaw.json taken while all is healthy, for `recover --restore-config`' }),
    service,
    cachePaths: z
      .array(z.string().min(1))
      .max(20)
      .optional()
      .meta({ description: "Caches to clear, inside OpenClaw's <state dir>/cache (default cache/control-ui-assets and cache/shell-snapshots)" }),
    steps: z
      .strictObject({
        validate: step(60_000, 'check of openclaw.json (JSON5, then `openclaw config validate --json`)'),
        restart: step(60_000, 'in-place restart (`openclaw gateway restart --json`)'),
        stop: step(30_000, 'stop (service manager, else SIGTERM then SIGKILL to the verified gateway process)'),
        clearCache: step(30_000, "removal of OpenClaw's disposable caches"),
        start: step(30_000, 'start (service manager, else a detached `openclaw gateway run`)'),
        verify: step(90_000, 'verification (listener, /startupz started, /readyz 200, a new boot)'),
      })
      .prefault({}),
    stopGrace: durationUpTo(300_000).default(10_000).meta({ description: 'After SIGTERM, how long before SIGKILL (default 10s)' }),
  })
  .prefault({});

export type RecoveryConfig = z.output<typeof recoverySchema>;
export type RecoveryStepName = keyof RecoveryConfig['steps'];
