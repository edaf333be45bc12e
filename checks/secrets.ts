// Secrets and environment: `openclaw secrets audit --check --json` (plaintext secrets, unresolved refs,
// shadowed refs, residues) run with the gateway's environment, and the ${VAR} references of openclaw.json
// that the gateway's environment does not set. Only names and config paths are ever shown, never a value.
import * as z from 'zod';
import type { Check, CheckContext, CheckResult, Status } from '../src/contracts.ts';
import { STATUS_RANK } from '../src/evaluate/state-machine.ts';
import { readGatewayEnvironment, type GatewayEnvironment } from '../src/platform/gateway-env.ts';
import { secretsAuditCommand } from '../src/platform/openclaw-capabilities.ts';
import { versionDetails } from '../src/platform/openclaw-version-cache.ts';
import { redactPatterns } from '../src/util/redact.ts';
import { clip, collapseWhitespace } from '../src/util/text.ts';
import { runOpenclawJson } from './openclaw-command.ts';
import { configEnvVars, envReferences, loadOpenclawConfig } from './openclaw-deps.ts';
import { parseCheckOptions } from './options.ts';

export const secretsOptionsSchema = z.strictObject({
  /** Run `openclaw secrets audit` (a few seconds of CPU); off: only the ${VAR} references are checked. */
  audit: z.boolean().default(true),
  /** How plaintext secrets at rest count: warn (default), or ok (listed as a note). */
  plaintext: z.enum(['warn', 'ok']).default('warn'),
});

export const secretsCheck: Check = {
  id: 'secrets',
  title: 'Secrets and environment variables of the gateway',
  defaults: { schedule: '0 * * * *', timeoutMs: 60_000, options: {} },
  optionsSchema: secretsOptionsSchema as unknown as z.ZodType<Record<string, unknown>>,
  explainedBy: ['config'],
  run: runSecrets,
};

const MAX_LISTED = 10;

interface Problem {
  status: Status;
  text: string;
}

interface AuditFinding {
  code: string;
  severity: string;
  jsonPath: string;
  message: string;
  file?: string;
}

async function runSecrets(ctx: CheckContext): Promise<CheckResult> {
  const parsed = parseCheckOptions(secretsOptionsSchema, ctx.options);
  if ('result' in parsed) return parsed.result;
  const options = parsed.options;
  const loaded = loadOpenclawConfig(ctx.target.openclawConfigPath, "the gateway's secrets");
  if ('result' in loaded) return loaded.result;
  const env = await readGatewayEnvironment(ctx.target, { signal: ctx.signal, keepValues: true });
  const whose = env.source === 'none' ? "clawmedic's own environment (the gateway's is not readable)" : `the gateway's environment (${env.from})`;
  const problems: Problem[] = [];
  const notes: string[] = [];
  const details: Record<string, unknown> = { environment: { source: env.source, from: env.from, note: env.note, dotenv: env.dotenv.map((f) => f.path) } };
  const metrics: Record<string, number> = {};

  // ${VAR} references the gateway cannot resolve.
  const refs = envReferences(loaded.config);
  const inConfig = configEnvVars(loaded.config);
  const isSet = (name: string) => env.names.has(name) || inConfig.has(name) || env.dotenv.some((f) => f.names.has(name));
  const missing = new Map<string, string[]>();
  if (env.source === 'none') {
    if (refs.length) notes.push(`${refs.length} \${VAR} reference(s) not checked: the gateway is not running and has no service environment file to read (${env.note ?? 'no reason given'})`);
  } else {
    for (const ref of refs) if (!isSet(ref.name)) missing.set(ref.name, [...(missing.get(ref.name) ?? []), ref.path]);
  }
  metrics.envReferences = refs.length;
  metrics.missingEnv = missing.size;
  details.envReferences = refs.map((r) => ({ name: r.name, path: r.path, set: env.source === 'none' ? undefined : isSet(r.name) }));

  // OpenClaw's own audit, resolving env refs the way the gateway would.
  let audit: { findings: AuditFinding[]; status: string } | undefined;
  if (options.audit) {
    const answer = await runOpenclawJson(ctx, {
      capability: 'secretsAudit',
      command: secretsAuditCommand,
      accept: (doc) => Array.isArray(doc.findings) && typeof doc.status === 'string',
      ...(env.values ? { env: env.values } : {}),
    });
    if (!answer.ok) {
      if (answer.result.status === 'ok') notes.push(answer.result.summary);
      else problems.push({ status: answer.result.status, text: answer.result.summary });
      if (answer.result.metrics) Object.assign(metrics, answer.result.metrics);
    } else {
      audit = { status: String(answer.doc.status), findings: toFindings(answer.doc.findings) };
      metrics.auditMs = answer.res.durationMs;
      details.audit = { command: `openclaw ${answer.args.join(' ')}`, exitCode: answer.res.code, status: audit.status, summary: answer.doc.summary, findings: audit.findings.slice(0, 50), openclaw: versionDetails(answer.reading) };
    }
  }

  const unresolvedPaths = new Set((audit?.findings ?? []).filter((f) => f.code === 'REF_UNRESOLVED').map((f) => f.jsonPath));
  for (const [name, paths] of missing) {
    // The audit names the same gap as an unresolved ref: one line for it, at the audit's level.
    const covered = paths.every((p) => unresolvedPaths.has(p));
    if (!covered) problems.push({ status: 'warn', text: `\${${name}} is not set in ${whose}: used at ${paths.join(', ')}` });
  }
  for (const f of audit?.findings ?? []) {
    const status: Status = f.code === 'REF_UNRESOLVED' ? 'crit' : f.code === 'PLAINTEXT_FOUND' || f.code === 'STORE_PLAINTEXT_RESIDUE' ? (options.plaintext === 'ok' ? 'ok' : 'warn') : 'warn';
    const text = `${f.code} ${f.jsonPath}: ${f.message}`;
    if (status === 'ok') notes.push(text);
    else problems.push({ status, text });
  }
  if (audit) {
    metrics.findings = audit.findings.length;
    metrics.unresolved = audit.findings.filter((f) => f.code === 'REF_UNRESOLVED').length;
    metrics.plaintext = audit.findings.filter((f) => f.code === 'PLAINTEXT_FOUND').length;
  }

  problems.sort((a, b) => STATUS_RANK[b.status] - STATUS_RANK[a.status]);
  if (problems.length === 0) {
    const parts = [
      audit ? `secrets audit ${audit.status}` : undefined,
      refs.length && env.source !== 'none' ? `${new Set(refs.map((r) => r.name)).size} \${VAR} reference(s) set in ${whose}` : refs.length ? undefined : 'no ${VAR} references',
      ...notes,
    ].filter(Boolean);
    return { status: 'ok', summary: clip(parts.join('; '), 400), metrics, details };
  }
  const lines = problems.slice(0, MAX_LISTED).map((p) => clip(p.text, 300));
  if (problems.length > MAX_LISTED) lines.push(`... and ${problems.length - MAX_LISTED} more`);
  return {
    status: problems[0]!.status,
    summary: clip(`${problems.length} secret problem${problems.length === 1 ? '' : 's'}: ${problems[0]!.text}${problems.length > 1 ? ` (+${problems.length - 1} more)` : ''}`, 400),
    diagnosis: [...lines, ...notes].join('\n'),
    remedy: remedyFor(problems, env),
    metrics,
    details,
  };
}

function toFindings(raw: unknown): AuditFinding[] {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((r: unknown) => {
    if (!r || typeof r !== 'object') return [];
    const o = r as Record<string, unknown>;
    const str = (v: unknown, fallback: string) => (typeof v === 'string' && v ? collapseWhitespace(redactPatterns(v)) : fallback);
    return [{ code: str(o.code, 'UNKNOWN'), severity: str(o.severity, 'warn'), jsonPath: str(o.jsonPath, '?'), message: clip(str(o.message, ''), 300), ...(typeof o.file === 'string' ? { file: o.file } : {}) }];
  });
}

function remedyFor(problems: Problem[], env: GatewayEnvironment): string {
  const out: string[] = [];
  if (problems.some((p) => /REF_UNRESOLVED|is not set in/.test(p.text))) {
    out.push(
      'Set the missing variables where the gateway gets its environment: OpenClaw\'s own .env in its state directory (it never overrides), ' +
        `or the service (\`systemctl --user edit openclaw-gateway\`, Environment=); then \`openclaw secrets reload\` or restart the gateway.${env.source === 'process' ? '' : ' The gateway was not running: the service environment was read instead.'}`,
    );
  }
  if (problems.some((p) => /PLAINTEXT|RESIDUE/.test(p.text))) out.push('`openclaw secrets configure` moves plaintext values into SecretRefs; `openclaw secrets audit --check` afterwards should be clean.');
  if (problems.some((p) => /REF_SHADOWED/.test(p.text))) out.push('An auth profile in the SQLite store overrides the ref in openclaw.json: remove one of the two so it is clear which credential is used.');
  if (out.length === 0) out.push('Run `openclaw secrets audit` as the gateway\'s user for the full report.');
  return out.join('\n');
}
