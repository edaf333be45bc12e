// One `openclaw <command> --json` run for a check, with every way it can fail turned into a result: no CLI,
// a release without the command (said once, OK), a deadline, a CLI that would not start, no JSON in what it
// printed. The output is masked (gateway token) before anything reads it.
import type { CheckContext, CheckResult, ExecResult } from '../src/contracts.ts';
import { cliCallBudgetMs, cliNotFound } from '../src/platform/openclaw-cli.ts';
import { cliSkippedResult } from '../src/platform/cli-gate.ts';
import { CAPABILITIES, lacksText, rejectedCommand, rejectedOption, type Capability } from '../src/platform/openclaw-capabilities.ts';
import { versionDetails, versionsFor, type VersionReading } from '../src/platform/openclaw-version-cache.ts';
import type { OpenclawVersion } from '../src/platform/openclaw-version.ts';
import { formatDuration } from '../src/util/duration.ts';
import { findJsonObject } from '../src/util/json-in-text.ts';
import { maskExecOutput, quoteFirstLine } from './quote.ts';

export interface OpenclawJsonRequest {
  capability: Capability;
  /** The arguments for a release, or undefined where it lacks the command. */
  command(version: OpenclawVersion | undefined): string[] | undefined;
  /** Which JSON object in the output is the answer. */
  accept(doc: Record<string, unknown>): boolean;
  /** Laid over the CLI's environment (after OPENCLAW_CONFIG_PATH/STATE_DIR, which point it at the target's files). */
  env?: Record<string, string>;
}

export type OpenclawJsonAnswer =
  | { ok: true; doc: Record<string, unknown>; res: ExecResult; args: string[]; reading: VersionReading }
  | { ok: false; result: CheckResult };

export async function runOpenclawJson(ctx: CheckContext, req: OpenclawJsonRequest): Promise<OpenclawJsonAnswer> {
  const what = CAPABILITIES[req.capability].what;
  if (ctx.openclaw.path === null) {
    return {
      ok: false,
      result: {
        status: 'unknown',
        // One line that says where to set it; the PATH searched goes to --debug only.
        summary: `${what} cannot run: ${cliNotFound(ctx.openclaw, ctx.log)}`,
        remedy: "Install OpenClaw for the user clawmedic runs as, or set openclaw.bin in clawmedic's config to the full path of the openclaw executable.",
      },
    };
  }
  const versions = versionsFor(ctx);
  const reading = await versions.cliVersion(ctx.signal);
  const args = req.command(reading.version);
  const lacks = (durationMs?: number): OpenclawJsonAnswer => ({
    ok: false,
    result: {
      status: 'ok',
      summary: `not checked: ${lacksText(req.capability, reading.version)}; upgrade OpenClaw (\`openclaw update\`) for it`,
      ...(durationMs !== undefined ? { metrics: { durationMs } } : {}),
      details: { openclaw: versionDetails(reading) },
    },
  });
  if (!args || (await versions.isMarkedMissing(req.capability))) return lacks();

  const budgetMs = cliCallBudgetMs(ctx.timeoutMs);
  const res = maskExecOutput(
    await ctx.openclaw.run(args, {
      timeoutMs: budgetMs,
      signal: ctx.signal,
      env: { ...req.env, OPENCLAW_CONFIG_PATH: ctx.target.openclawConfigPath, OPENCLAW_STATE_DIR: ctx.target.openclawStateDir, NO_COLOR: '1' },
    }),
    ctx.target.token,
  );
  const command = `openclaw ${args.join(' ')}`;
  const metrics = { durationMs: res.durationMs };
  if (res.skipped) return { ok: false, result: cliSkippedResult(command, { ...res, skipped: res.skipped }) };
  if (res.timedOut) {
    const cancelled = ctx.signal.aborted && res.durationMs < budgetMs;
    return {
      ok: false,
      result: {
        status: 'unknown',
        summary: cancelled ? `${command} was cancelled (killed)` : `${command} did not finish within ${formatDuration(budgetMs)} (killed)`,
        remedy: `It normally takes a few seconds; run \`${command}\` by hand to see where it stalls, or raise the check's timeout on a slow host.`,
        metrics,
      },
    };
  }
  if (res.code === null && res.signal === null) {
    return { ok: false, result: { status: 'unknown', summary: `openclaw could not be started: ${quoteFirstLine(res.stderr) || 'no reason given'}`, remedy: `Check that ${ctx.openclaw.path} is runnable by the user clawmedic runs as.`, metrics } };
  }
  const doc = findJsonObject(res.stdout, req.accept);
  if (!doc && res.code !== 0 && (rejectedCommand(res, args[0]!) || rejectedCommand(res, args[1]!) || rejectedOption(res, '--json') || rejectedOption(res, '--check'))) {
    await versions.markMissing(req.capability);
    return lacks(res.durationMs);
  }
  if (!doc) {
    const said = quoteFirstLine(res.stdout) || quoteFirstLine(res.stderr);
    const how = res.code === null ? `killed by ${res.signal}` : `exit ${res.code}`;
    return {
      ok: false,
      result: {
        status: 'unknown',
        summary: `${command} gave no JSON answer (${how})${said ? `: ${said}` : ''}`,
        remedy: `Run \`${command}\` as the gateway's user to see what it says: a plugin may print to stdout, or this release answers in a form clawmedic does not know.`,
        metrics,
      },
    };
  }
  return { ok: true, doc, res, args, reading };
}
