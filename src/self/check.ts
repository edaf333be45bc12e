import { access, constants, statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import * as z from 'zod';
import type { AgentFault, Check, CheckContext, CheckResult } from '../contracts.ts';
import { SilenceFile } from '../alerts/silences.ts';
import { errorCode } from '../platform/net.ts';
import { describeErrno } from '../util/errno.ts';
import { formatBytes } from '../util/size.ts';
import { fileRemedy, KEPT_IN_MEMORY, silencesFault } from './file-faults.ts';

export const SELF_CHECK_ID = 'clawmedic.self';

const MiB = 1024 * 1024;

const optionsSchema = z.strictObject({
  /** Below this much free space where the state file lives, WARN before writes start failing. */
  minFreeBytes: z
    .number()
    .int()
    .nonnegative()
    .max(2 ** 50)
    .default(16 * MiB),
});

type Finding = Pick<AgentFault, 'severity' | 'summary' | 'consequence' | 'remedy'>;

/**
 * clawmedic watching itself: the faults the running agent met (a state file it cannot write, a silences
 * file it cannot read, an alert evaluation that failed) plus a cheap look at its own files, so a disk
 * filling up is a WARN before it is an outage. Thresholds of 1: each finding is a real failed operation
 * or a measurement, not a flaky probe.
 */
export const selfCheck: Check = {
  id: SELF_CHECK_ID,
  title: "clawmedic's own state, silences and faults",
  defaults: { schedule: '30s', timeoutMs: 5_000, options: { minFreeBytes: 16 * MiB }, failureThreshold: 1, successThreshold: 1 },
  optionsSchema,
  async run(ctx: CheckContext): Promise<CheckResult> {
    const self = ctx.self;
    if (!self) return { status: 'unknown', summary: 'clawmedic.self has nothing to look at (no state file path given)' };
    const { minFreeBytes } = optionsSchema.parse(ctx.options);
    const faults = self.faults();
    const findings: Finding[] = [...faults];
    const metrics: Record<string, number> = { faults: faults.length };

    const dir = dirname(self.statePath);
    // Whether the agent can write is the agent's question: a one-shot check may run as another user.
    if (self.agent && !faults.some((f) => f.key === 'state.write')) {
      const writable = await dirWritable(dir);
      if (writable) findings.push({ severity: 'crit', summary: `state directory ${dir} is not writable: ${writable.why}`, consequence: KEPT_IN_MEMORY, remedy: fileRemedy(self.statePath, writable.code) });
    }
    const free = await freeBytes(dir);
    if (free !== undefined) {
      metrics.stateDiskFreeBytes = free;
      if (free < minFreeBytes) {
        findings.push({
          severity: 'warn',
          summary: `only ${formatBytes(free)} free on the file system holding ${dir} (warns below ${formatBytes(minFreeBytes)})`,
          consequence: 'state writes fail once it is full',
          remedy: fileRemedy(self.statePath, 'ENOSPC'),
        });
      }
    }
    if (!faults.some((f) => f.key === 'silences')) {
      try {
        await new SilenceFile(self.silencesPath).load();
      } catch (err) {
        findings.push(silencesFault(self.silencesPath, err, 'silences in it are not applied (a running agent keeps the last good ones)'));
      }
    }
    return resultOf(findings, metrics, free);
  },
};

function resultOf(findings: Finding[], metrics: Record<string, number>, free: number | undefined): CheckResult {
  if (findings.length === 0) {
    return { status: 'ok', summary: `clawmedic's files are writable${free !== undefined ? ` (${formatBytes(free)} free)` : ''}, no faults`, metrics };
  }
  const ordered = [...findings].sort((a, b) => rank(b.severity) - rank(a.severity));
  const first = ordered[0]!;
  const more = ordered.length > 1 ? ` (and ${ordered.length - 1} more)` : '';
  return {
    status: first.severity,
    summary: `${first.summary}${first.consequence ? `; ${first.consequence}` : ''}${more}`,
    diagnosis: ordered.map((f) => (f.consequence ? `${f.summary}; ${f.consequence}.` : `${f.summary}.`)).join('\n'),
    remedy: [...new Set(ordered.map((f) => f.remedy).filter((r): r is string => Boolean(r)))].join('\n'),
    metrics,
  };
}

function rank(severity: 'warn' | 'crit'): number {
  return severity === 'crit' ? 2 : 1;
}

/** Undefined when the directory is writable or does not exist yet (it is created at the first write). */
async function dirWritable(dir: string): Promise<{ why: string; code: string | undefined } | undefined> {
  try {
    await access(dir, constants.W_OK);
    return undefined;
  } catch (err) {
    const code = errorCode(err);
    if (code === 'ENOENT') return undefined;
    return { why: describeErrno(code, err), code };
  }
}

async function freeBytes(dir: string): Promise<number | undefined> {
  try {
    const s = await statfs(dir);
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}

