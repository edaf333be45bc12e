import type { NotifierFactory } from '../src/contracts.ts';
import { alertmanagerNotifier } from './alertmanager.ts';
import { consoleNotifier } from './console.ts';
import { emailNotifier } from './email.ts';
import { slackNotifier } from './slack.ts';
import { webhookNotifier } from './webhook.ts';

/** Every notifier type, by the `type` a config entry names. */
export const notifierFactories: readonly NotifierFactory<any>[] = [consoleNotifier, slackNotifier, emailNotifier, webhookNotifier, alertmanagerNotifier];
