import type { Alert } from '../contracts.ts';
import { atLeast } from './severity.ts';
import type { RoutedNotifier } from './types.ts';

/** Names of the notifiers whose route takes this alert (severity floor, optional check list). */
export function routeTargets(alert: Pick<Alert, 'checkId' | 'severity'>, notifiers: readonly RoutedNotifier[]): string[] {
  return notifiers
    .filter(({ route }) => atLeast(alert.severity, route.minSeverity))
    .filter(({ route }) => !route.checks || route.checks.length === 0 || route.checks.includes(alert.checkId))
    .map(({ notifier }) => notifier.name);
}
