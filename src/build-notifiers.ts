import type { EffectiveConfig, Problem } from './config/load.ts';
import { resolveSecret } from './config/secrets.ts';
import type { RoutedNotifier } from './alerts/types.ts';
import type { AppLogger } from './logger.ts';

/**
 * Builds every configured notifier. One that cannot be built is left out with a problem, so the others
 * still deliver: a broken email setup must not silence Slack.
 */
export function buildNotifiers(config: EffectiveConfig, log: AppLogger, now: () => number): { built: RoutedNotifier[]; problems: Problem[] } {
  const problems: Problem[] = [...config.notifierProblems];
  const built: RoutedNotifier[] = [];
  for (const spec of config.notifiers) {
    try {
      const notifier = spec.factory.create(spec.name, spec.options, {
        resolveSecret: (ref) => resolveSecret(ref, config.redactor),
        redact: (text) => config.redactor.text(text),
        log: log.child({ notifier: spec.name }),
        now,
      });
      built.push({ notifier, route: { minSeverity: spec.entry.minSeverity, ...(spec.entry.checks ? { checks: spec.entry.checks } : {}) } });
    } catch (err) {
      problems.push({ path: `notifiers.${spec.name}`, message: config.redactor.text((err as Error).message), level: 'error' });
    }
  }
  return { built, problems };
}
