import * as z from 'zod';
import { buildNotifiers } from '../build-notifiers.ts';
import { loadConfig, type EffectiveConfig } from '../config/load.ts';
import { silentLogger } from '../logger.ts';
import { configSchema } from '../config/schema.ts';
import { literalSecretsOf } from '../config/secrets.ts';
import { describeSchedule } from '../schedule.ts';
import { formatDuration } from '../util/duration.ts';
import { formatProblems, loadForCommand, type GlobalOptions } from './context.ts';
import { EXIT } from './errors.ts';

interface JsonOption {
  json?: boolean;
}

/** `clawmedic config validate`: every problem at once; exit 0, or 2 when any is an error. */
export function configValidateCommand(opts: GlobalOptions & JsonOption): number {
  const { path, config, problems } = loadConfig({ ...(opts.config ? { configPath: opts.config } : {}) });
  // Building a notifier checks what only its factory knows (e.g. the URL an env: reference holds); it sends nothing.
  if (config) problems.push(...buildNotifiers(config, silentLogger, Date.now).problems.filter((p) => !config.notifierProblems.includes(p)));
  const errors = problems.filter((p) => p.level === 'error');
  const exitCode = errors.length > 0 ? EXIT.config : EXIT.ok;
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ valid: errors.length === 0, path, source: config?.source, problems }, null, 2)}\n`);
    return exitCode;
  }
  if (problems.length === 0) {
    const what = config?.source === 'file' ? config.path : `embedded defaults (no file at ${config?.path})`;
    process.stdout.write(`config OK: ${what}\n`);
  } else {
    const out = errors.length ? process.stderr : process.stdout;
    out.write(`${errors.length ? 'config invalid' : 'config OK with warnings'}: ${path}\n${formatProblems(problems)}\n`);
  }
  return exitCode;
}

/** `clawmedic config print`: the effective config after defaults and discovery, secrets redacted. */
export function configPrintCommand(opts: GlobalOptions & JsonOption): number {
  const { config } = loadForCommand(opts);
  process.stdout.write(`${JSON.stringify(effectiveView(config), null, 2)}\n`);
  return EXIT.ok;
}

/** `clawmedic config schema`: JSON Schema of the config file, for editors. */
export function configSchemaCommand(): number {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' });
  process.stdout.write(`${JSON.stringify(schema, null, 2)}\n`);
  return EXIT.ok;
}

function effectiveView(config: EffectiveConfig): unknown {
  const view = {
    configFile: config.path,
    source: config.source,
    stateFile: config.statePath,
    gateway: {
      host: config.target.host,
      port: config.target.port,
      portSource: config.target.portSource,
      token: config.target.token ? `*** (from ${config.tokenSource ?? 'config'})` : null,
      openclawConfig: config.target.openclawConfigPath,
      openclawStateDir: config.target.openclawStateDir,
      notes: config.discoveryNotes,
    },
    openclaw: config.file.openclaw,
    log: config.file.log,
    state: config.file.state,
    checks: Object.fromEntries(
      config.checks.map((rc) => [
        rc.check.id,
        {
          enabled: rc.enabled,
          schedule: describeSchedule(rc.schedule),
          timeout: formatDuration(rc.timeoutMs),
          jitter: formatDuration(rc.jitterMs),
          failureThreshold: rc.machine.failureThreshold,
          successThreshold: rc.machine.successThreshold,
          dependsOn: rc.dependsOn,
          options: rc.options,
        },
      ]),
    ),
    flapping: config.file.defaults.flapping,
    notifiers: Object.fromEntries(config.notifiers.map((n) => [n.name, maskLiterals(n.entry)])),
    notifierProblems: config.notifierProblems,
    alerting: config.file.alerting,
  };
  return config.redactor.value(view);
}

/** Secret references are shown as written (they are not secrets); literal secret values never are. */
function maskLiterals(entry: Record<string, unknown>): Record<string, unknown> {
  const masked: Record<string, unknown> = structuredClone(entry);
  for (const { key } of literalSecretsOf(entry)) {
    const item = /^(\w+)\[(\d+)\]$/.exec(key);
    if (item) {
      (masked[item[1]!] as unknown[])[Number(item[2])] = '***';
      continue;
    }
    const [head, sub] = key.split(/\.(.*)/s) as [string, string | undefined];
    if (sub === undefined) masked[head] = '***';
    else (masked[head] as Record<string, unknown>)[sub] = '***';
  }
  return masked;
}
