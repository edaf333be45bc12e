import { z } from 'zod';
import type { AlertBatch, NotifierFactory } from '../src/contracts.ts';
import { alertLevel, formatTiming, orderAlerts, sanitizeBatch, type SafeBatch } from '../src/alerts/format.ts';
import { oneLine } from '../src/util/text.ts';

const optionsSchema = z.strictObject({
  stream: z.enum(['stdout', 'stderr']).default('stdout'),
});
type ConsoleOptions = z.output<typeof optionsSchema>;

/** Prints alerts as plain lines: the notifier that works with no setup at all. */
export const consoleNotifier: NotifierFactory<ConsoleOptions> = {
  type: 'console',
  optionsSchema,
  create(name, options, deps) {
    const out = options.stream === 'stderr' ? process.stderr : process.stdout;
    return {
      name,
      type: 'console',
      async send(batch: AlertBatch) {
        out.write(renderConsole(sanitizeBatch(batch, deps.redact)));
      },
    };
  },
};

/** One line per alert, then its diagnosis, remedy and folded checks, each prefixed with time and host. */
export function renderConsole(batch: SafeBatch): string {
  const lines: string[] = [];
  for (const a of orderAlerts(batch.alerts)) {
    lines.push(`[${alertLevel(a)}] ${a.checkId} ${a.kind}: ${oneLine(a.summary)} (${formatTiming(a, batch.createdAt)})`);
    if (a.diagnosis) lines.push(`  diagnosis: ${oneLine(a.diagnosis)}`);
    if (a.remedy) lines.push(`  remedy: ${oneLine(a.remedy)}`);
    for (const r of a.related ?? []) lines.push(`  also: ${r.checkId}: ${oneLine(r.summary)}`);
  }
  return lines.map((l) => `${batch.createdAt} ${batch.host} ${l}`).join('\n') + '\n';
}
