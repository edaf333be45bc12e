import type { NotifierFactory } from '../src/contracts.ts';
import { consoleNotifier } from './console.ts';

/** Every notifier type, by the `type` a config entry names. */
export const notifierFactories: readonly NotifierFactory<any>[] = [consoleNotifier];
