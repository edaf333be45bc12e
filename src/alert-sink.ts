import type { AlertSinkFactory } from './agent.ts';
import { withAlertingDefaults } from './alerts/config.ts';
import { AlertRouter } from './alerts/router.ts';
import { SilenceFile } from './alerts/silences.ts';
import type { EffectiveConfig } from './config/load.ts';

/** The alerting settings of the config file, in the router's terms. */
export function alertingConfigOf(config: EffectiveConfig) {
  const a = config.file.alerting;
  return withAlertingDefaults({
    batchWindowMs: a.batchWindow,
    reminders: { enabled: a.reminders.length > 0, intervalsMs: a.reminders.length ? a.reminders : [86_400_000] },
    sendResolved: a.sendResolved,
    delivery: { deadlineMs: a.deliveryDeadline, initialBackoffMs: a.retryBackoff, maxBackoffMs: Math.max(a.retryBackoff, a.retryBackoffMax) },
    maintenance: a.maintenance.map((w) => ({
      cron: w.cron,
      durationMs: w.duration,
      ...(w.timezone ? { timezone: w.timezone } : {}),
      ...(w.checks ? { checks: w.checks } : {}),
    })),
  });
}

export function dependencyMapOf(config: EffectiveConfig): Record<string, string[]> {
  return Object.fromEntries(config.checks.filter((rc) => rc.dependsOn.length).map((rc) => [rc.check.id, rc.dependsOn]));
}

/** Check id -> the checks whose CRIT incident explains its failure. */
export function causeMapOf(config: EffectiveConfig): Record<string, string[]> {
  return Object.fromEntries(config.checks.filter((rc) => rc.explainedBy.length).map((rc) => [rc.check.id, rc.explainedBy]));
}

/** Builds the alert router the agent feeds with transitions. */
export const createAlertSink: AlertSinkFactory = ({ config, store, notifiers, log, now, host, faults }) => {
  const fallback = config.file.alerting.fallback;
  const names = new Set(notifiers.map((n) => n.notifier.name));
  if (fallback && !names.has(fallback)) log.error(`alerting.fallback "${fallback}" is not a working notifier; failed deliveries have no fallback`);
  const router = new AlertRouter({
    sections: store,
    notifiers,
    ...(fallback && names.has(fallback) ? { fallback } : {}),
    config: alertingConfigOf(config),
    dependsOn: dependencyMapOf(config),
    causes: causeMapOf(config),
    host,
    gateway: `${config.target.host}:${config.target.port}`,
    ...(config.file.alerting.timezone ? { timeZone: config.file.alerting.timezone } : {}),
    now,
    log: log.child({ part: 'alerts' }),
    redact: (text) => config.redactor.text(text),
    silences: new SilenceFile(config.silencesPath, { now }),
    ...(faults ? { faults } : {}),
  });
  return router;
};
