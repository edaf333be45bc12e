import type { CheckContext, HistoryEntry, Logger } from './contracts.ts';
import type { EffectiveConfig, ResolvedCheck } from './config/load.ts';
import { execFileGroup } from './platform/exec.ts';
import { findOpenclawCli } from './platform/openclaw-cli.ts';

export type ProbeContextBase = Omit<CheckContext, 'signal' | 'timeoutMs'>;

/** What every check run needs but its signal: built once per agent (or per `check` command). */
export function makeContextFactory(config: EffectiveConfig, log: Logger, now: () => number = Date.now) {
  const openclaw = findOpenclawCli({ ...(config.openclawBin ? { configuredPath: config.openclawBin } : {}), exec: execFileGroup });
  return {
    openclaw,
    forCheck(rc: ResolvedCheck, history: readonly HistoryEntry[]): ProbeContextBase {
      return {
        target: config.target,
        options: rc.options,
        now,
        history,
        exec: execFileGroup,
        openclaw,
        log,
      };
    },
  };
}
