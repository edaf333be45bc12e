// Model provider auth: `openclaw models status --check --json` (exit 0 ok, 1 missing/expired/unavailable/
// indeterminate, 2 expiring), run with the gateway's environment, each provider's state named. Never
// `--probe`: that sends real requests (tokens spent) and needs the gateway stopped.
import * as z from 'zod';
import type { Check, CheckContext, CheckResult, Status } from '../src/contracts.ts';
import { STATUS_RANK } from '../src/evaluate/state-machine.ts';
import { readGatewayEnvironment } from '../src/platform/gateway-env.ts';
import { modelsStatusCommand } from '../src/platform/openclaw-capabilities.ts';
import { isRecord, stringAt } from '../src/platform/openclaw-json.ts';
import { versionDetails } from '../src/platform/openclaw-version-cache.ts';
import { formatDuration } from '../src/util/duration.ts';
import { redactPatterns } from '../src/util/redact.ts';
import { clip, collapseWhitespace } from '../src/util/text.ts';
import { runOpenclawJson } from './openclaw-command.ts';
import { configuredProviders, loadOpenclawConfig } from './openclaw-deps.ts';
import { parseCheckOptions } from './options.ts';

export const providersOptionsSchema = z.strictObject({
  /** An agent id to inspect instead of the default agent (`--agent`). */
  agent: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, ".", "_" and "-" only').optional(),
});

export const providersCheck: Check = {
  id: 'providers',
  title: 'Model provider credentials',
  defaults: { schedule: '*/30 * * * *', timeoutMs: 60_000, options: {} },
  optionsSchema: providersOptionsSchema as unknown as z.ZodType<Record<string, unknown>>,
  explainedBy: ['config'],
  run: runProviders,
};


interface ProviderState {
  provider: string;
  status: Status;
  /** "missing", "expired", "expiring in 1 h 59 min", "ok (env)", "runtime unavailable: ..." */
  state: string;
}

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? collapseWhitespace(redactPatterns(v)) : undefined);

async function runProviders(ctx: CheckContext): Promise<CheckResult> {
  const parsed = parseCheckOptions(providersOptionsSchema, ctx.options);
  if ('result' in parsed) return parsed.result;
  const agent = parsed.options.agent;
  const loaded = loadOpenclawConfig(ctx.target.openclawConfigPath, 'which providers are configured');
  if ('result' in loaded) return loaded.result;
  const env = await readGatewayEnvironment(ctx.target, { signal: ctx.signal, keepValues: true });
  const answer = await runOpenclawJson(ctx, {
    capability: 'modelsStatusCheck',
    command: (v) => {
      const args = modelsStatusCommand(v);
      return args && agent ? [...args, '--agent', agent] : args;
    },
    accept: (doc) => isRecord(doc.auth) || isRecord(doc.error),
    ...(env.values ? { env: env.values } : {}),
  });
  if (!answer.ok) return answer.result;
  const { doc, res } = answer;
  const metrics: Record<string, number> = { durationMs: res.durationMs };
  const whose = env.source === 'none' ? "clawmedic's environment (the gateway's is not readable)" : `the gateway's environment (${env.from})`;
  const baseDetails = { command: `openclaw ${answer.args.join(' ')}`, exitCode: res.code, environment: whose, openclaw: versionDetails(answer.reading) };

  if (isRecord(doc.error) && !isRecord(doc.auth)) {
    const message = clip(str(doc.error.message) ?? 'no message', 300);
    return {
      status: 'unknown',
      summary: `openclaw models status failed (exit ${res.code}): ${message}`,
      remedy: 'It could not resolve what it needs to read the model auth (often a secret reference): the secrets check names unresolved references; run `openclaw models status --check` as the gateway\'s user for the full message.',
      metrics,
      details: baseDetails,
    };
  }

  const auth = doc.auth as Record<string, unknown>;
  const states = providerStates(auth, ctx.now());
  const defaultModel = str(doc.defaultModel);
  metrics.providers = states.length;
  const details = { ...baseDetails, defaultModel, providers: states };

  // An install nobody set a provider up for: OpenClaw's built-in default model has no credentials. Said, not alerted.
  const named = configuredProviders(loaded.config);
  const stored = list(auth.providers).length + list(isRecord(auth.oauth) ? auth.oauth.profiles : undefined).length;
  if (named.length === 0 && stored === 0) {
    return {
      status: 'ok',
      summary: `no model provider configured${defaultModel ? `: the default model ${defaultModel} has no credentials` : ''}, so agents cannot answer yet (set one up with \`openclaw onboard\` or \`openclaw models auth login\`)`,
      metrics,
      details,
    };
  }

  const bad = states.filter((s) => s.status !== 'ok').sort((a, b) => STATUS_RANK[b.status] - STATUS_RANK[a.status]);
  metrics.failing = bad.length;
  if (bad.length === 0) {
    if (res.code !== 0) {
      return {
        status: 'warn',
        summary: `openclaw models status --check exited ${res.code} but names no provider clawmedic recognises as failing`,
        remedy: 'Run `openclaw models status --check` as the gateway\'s user to see the reason.',
        metrics,
        details,
      };
    }
    return {
      status: 'ok',
      summary: `model auth ok: ${states.map((s) => `${s.provider} ${s.state}`).join(', ') || 'no provider listed'}${defaultModel ? ` (default model ${defaultModel})` : ''}`,
      metrics,
      details,
    };
  }
  return {
    status: bad[0]!.status,
    summary: clip(`model auth: ${bad.map((s) => `${s.provider} ${s.state}`).join('; ')}${defaultModel ? ` (default model ${defaultModel})` : ''}`, 400),
    diagnosis: [...bad, ...states.filter((s) => s.status === 'ok')].map((s) => `${s.provider}: ${s.state}`).join('\n') + `\nRead with ${whose}.`,
    remedy:
      'Missing or expired: sign in again (`openclaw models auth login --provider <id>`) or set the provider\'s API key in the gateway\'s environment (OpenClaw\'s .env) and `openclaw secrets reload`. ' +
      'Expiring: renew before it lapses. An unavailable runtime names the plugin to enable. A live test (`openclaw models status --probe`) spends tokens and needs the gateway stopped: clawmedic never runs it.',
    metrics,
    details,
  };
}

/** Each provider's worst state, from the sections of `auth` (never the masked key fragments they carry). */
export function providerStates(auth: Record<string, unknown>, now: number): ProviderState[] {
  const states = new Map<string, ProviderState>();
  const put = (provider: string | undefined, status: Status, state: string) => {
    if (!provider) return;
    const seen = states.get(provider);
    if (!seen || STATUS_RANK[status] > STATUS_RANK[seen.status]) states.set(provider, { provider, status, state });
  };
  for (const p of list(auth.providers)) {
    if (!isRecord(p)) continue;
    const kind = stringAt(p, 'effective.kind');
    put(str(p.provider), kind === 'missing' ? 'crit' : 'ok', kind === 'missing' ? 'missing' : `ok${kind ? ` (${kind})` : ''}`);
  }
  const oauth = isRecord(auth.oauth) ? auth.oauth : {};
  for (const p of list(oauth.providers)) {
    if (!isRecord(p)) continue;
    const status = str(p.status);
    const remaining = typeof p.remainingMs === 'number' ? p.remainingMs : typeof p.expiresAt === 'number' ? p.expiresAt - now : undefined;
    if (status === 'expired') put(str(p.provider), 'crit', 'expired');
    else if (status === 'expiring') put(str(p.provider), 'warn', `expiring${remaining !== undefined ? ` in ${formatDuration(Math.max(0, remaining))}` : ''}`);
    else if (status === 'missing') put(str(p.provider), 'crit', 'missing');
    else if (status) put(str(p.provider), 'ok', `ok (${status})`);
  }
  for (const id of list(auth.missingProvidersInUse)) put(str(id), 'crit', 'missing (in use, no credentials)');
  for (const r of list(auth.runtimeAuthRoutes)) {
    if (!isRecord(r) || r.status === 'usable' || r.status === 'ok') continue;
    const detail = str(r.runtimeDetail) ?? str(r.runtimeReason);
    const authStatus = str(r.authStatus);
    put(str(r.provider), 'crit', `${authStatus === 'missing' ? 'missing' : str(r.status) ?? 'unavailable'}${str(r.runtimeStatus) === 'unavailable' && detail ? ` (runtime ${str(r.runtime) ?? ''} unavailable: ${detail})` : ''}`);
  }
  for (const issue of list(auth.modelRouteIssues)) {
    if (!isRecord(issue)) continue;
    const model = [str(issue.provider), str(issue.model)].filter(Boolean).join('/');
    const kind = str(issue.kind) ?? 'issue';
    put(str(issue.provider), kind === 'indeterminate' ? 'warn' : 'crit', `${kind}${model ? ` for ${model}` : ''}${issue.message ? `: ${clip(str(issue.message) ?? '', 160)}` : ''}`);
  }
  for (const u of list(auth.unusableProfiles)) {
    if (!isRecord(u)) continue;
    put(str(u.provider), 'warn', `profile ${str(u.profileId) ?? '?'} unusable${str(u.reason) ? `: ${str(u.reason)}` : ''}`);
  }
  return [...states.values()];
}
