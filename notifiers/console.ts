import * as z from 'zod';
import type { AlertBatch, NotifierFactory } from '../src/contracts.ts';
import { alertLevel, orderAlerts, sanitizeBatch, type BatchLevel, type SafeBatch } from '../src/alerts/format.ts';
import { renderText } from '../src/alerts/render.ts';

const optionsSchema = z.strictObject({
  stream: z.enum(['stdout', 'stderr']).default('stdout'),
});
type ConsoleOptions = z.output<typeof optionsSchema>;

/** Prints alerts as a block a person notices: the notifier that works with no setup at all. */
export const consoleNotifier: NotifierFactory<ConsoleOptions> = {
  type: 'console',
  optionsSchema,
  create(name, options, deps) {
    const out = options.stream === 'stderr' ? process.stderr : process.stdout;
    return {
      name,
      type: 'console',
      async send(batch: AlertBatch) {
        const colour = out.isTTY === true && !process.env.NO_COLOR;
        out.write(renderConsole(sanitizeBatch(batch, deps.redact), { colour, width: out.isTTY ? out.columns : undefined }));
      },
    };
  },
};

const COLOUR: Record<BatchLevel, string> = { CRIT: '\u001b[1;97;41m', WARN: '\u001b[1;30;43m', INFO: '\u001b[1;97;44m', RESOLVED: '\u001b[1;97;42m', TEST: '\u001b[1;97;45m' };
const RESET = '\u001b[0m';

/**
 * The batch as the plain-text block the mail's text part has (no per-line prefix, wrapped to the terminal),
 * framed by rules; on a terminal each alert's first line is coloured by its severity.
 */
export function renderConsole(batch: SafeBatch, opts: { colour?: boolean; width?: number | undefined } = {}): string {
  const width = Math.max(40, Math.min(opts.width ?? 100, 120));
  const rule = '─'.repeat(width);
  let text = renderText(batch, width).trimEnd();
  if (opts.colour) {
    // Each alert's first line starts with its level: colour that label.
    const levels = new Set(orderAlerts(batch.alerts).map(alertLevel));
    for (const level of levels) text = text.replace(new RegExp(`^${level} · `, 'gm'), `${COLOUR[level]} ${level} ${RESET} `);
  }
  return `${rule}\n${text}\n${rule}\n`;
}
