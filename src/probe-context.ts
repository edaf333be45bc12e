import type { AgentFault, CheckContext, CheckMemory, HistoryEntry, Logger, OpenclawCli, SelfView, SeriesAccess } from './contracts.ts';
import type { EffectiveConfig, ResolvedCheck } from './config/load.ts';
import { execFileGroup } from './platform/exec.ts';
import { findOpenclawCli } from './platform/openclaw-cli.ts';
import { gatedCliExec, type CliRunCost } from './platform/cli-gate.ts';
import { OpenclawVersions } from './platform/openclaw-version-cache.ts';

export type ProbeContextBase = Omit<CheckContext, 'signal' | 'timeoutMs'>;

/** How often a missing openclaw CLI is looked for again: it may be installed while the agent runs. */
const RESEARCH_MS = 60_000;

/**
 * What every check run needs but its signal: built once per agent (or per `check` command). `faults` is
 * the running agent's own (none for a one-shot `check`).
 */
export function makeContextFactory(
  config: EffectiveConfig,
  log: Logger,
  now: () => number = Date.now,
  faults?: () => readonly AgentFault[],
  cli: { gate?: boolean; onCost?: (cost: CliRunCost) => void } = {},
) {
  const self: SelfView = { statePath: config.statePath, silencesPath: config.silencesPath, agent: faults !== undefined, faults: faults ?? (() => []) };
  // The checks' openclaw CLI runs one at a time, at low priority, and only with the memory it needs;
  // recovery's (gate: false) never waits behind a doctor run nor is held back.
  const cliSettings = config.file.openclaw;
  const cliExec =
    cli.gate === false
      ? execFileGroup
      : gatedCliExec(execFileGroup, {
          lowPriority: cliSettings.lowPriority,
          ...(cliSettings.minAvailableMemory !== undefined ? { minAvailableBytes: cliSettings.minAvailableMemory } : {}),
          ...(cli.onCost ? { onCost: cli.onCost } : {}),
          now,
        });
  const find = () => findOpenclawCli({ ...(config.openclawBin ? { configuredPath: config.openclawBin } : {}), exec: cliExec });
  let openclaw: OpenclawCli = find();
  let searchedAt = now();
  const currentCli = (): OpenclawCli => {
    if (openclaw.path === null && now() - searchedAt >= RESEARCH_MS) {
      openclaw = find();
      searchedAt = now();
      if (openclaw.path) log.info({ openclaw: openclaw.path }, `found the openclaw CLI at ${openclaw.path}`);
    }
    return openclaw;
  };
  // One for the agent's life: the gateway's version and the CLI's are learned once and shared by every check.
  const openclawVersions = new OpenclawVersions({ cli: currentCli, now });
  return {
    get openclaw(): OpenclawCli {
      return currentCli();
    },
    openclawVersions,
    /** `kept`: what the state file holds for this check (its history, the series, its private memory). */
    forCheck(rc: ResolvedCheck, kept: { history: readonly HistoryEntry[]; series: SeriesAccess; memory: CheckMemory }): ProbeContextBase {
      return {
        target: config.target,
        options: rc.options,
        now,
        history: kept.history,
        series: kept.series,
        memory: kept.memory,
        exec: execFileGroup,
        openclaw: currentCli(),
        openclawVersions,
        log,
        self,
      };
    },
  };
}
