import { hostname } from 'node:os';
import { sendTestBatch } from '../alerts/send-test.ts';
import { buildNotifiers } from '../build-notifiers.ts';
import { silentLogger } from '../logger.ts';
import { formatDuration } from '../util/duration.ts';
import { formatProblems, loadForCommand, type GlobalOptions } from './context.ts';
import { CliError, EXIT } from './errors.ts';

/** `clawmedic test-notify [name]`: a test alert through one or every notifier, with each result. */
export async function testNotifyCommand(name: string | undefined, opts: GlobalOptions & { json?: boolean }): Promise<number> {
  const { config } = loadForCommand(opts);
  // With --json, stdout carries the JSON document only: the console notifier prints its test alert on stderr.
  const forJson = opts.json ? { ...config, notifiers: config.notifiers.map((n) => (n.type === 'console' ? { ...n, options: { ...(n.options as object), stream: 'stderr' } } : n)) } : config;
  const { built, problems } = buildNotifiers(forJson, silentLogger, Date.now);
  const broken = problems.filter((p) => !name || p.path === `notifiers.${name}` || p.path.startsWith(`notifiers.${name}.`));
  const chosen = name ? built.filter((n) => n.notifier.name === name) : built;
  if (name && chosen.length === 0 && broken.length === 0) {
    const names = [...built.map((n) => n.notifier.name), ...problems.map((p) => p.path.split('.')[1])];
    throw new CliError(`no notifier named "${name}" (configured: ${[...new Set(names)].join(', ') || 'none'})`, EXIT.failure);
  }
  if (!opts.json && process.stderr.isTTY) process.stderr.write(`sending a test alert through ${chosen.map((n) => n.notifier.name).join(', ') || 'nothing'}...\n`);
  const results = await sendTestBatch(
    chosen.map((n) => n.notifier),
    { host: hostname(), gateway: `${config.target.host}:${config.target.port}`, now: Date.now, redact: (t) => config.redactor.text(t), timeoutMs: 20_000 },
  );
  const failed = results.some((r) => !r.ok) || broken.length > 0;
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ results, notBuilt: broken }, null, 2)}\n`);
  } else {
    for (const r of results) process.stdout.write(`${r.ok ? 'ok    ' : 'FAILED'}  ${r.name}  ${formatDuration(r.durationMs)}${r.error ? `  ${r.error}` : ''}\n`);
    if (broken.length) process.stdout.write(`not built:\n${formatProblems(broken)}\n`);
  }
  return failed ? EXIT.failure : EXIT.ok;
}
