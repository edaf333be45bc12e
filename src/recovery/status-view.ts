import type { EffectiveConfig } from '../config/load.ts';
import type { StateStore } from '../state/store.ts';
import { formatDuration } from '../util/duration.ts';
import { oneLine } from '../util/text.ts';
import { inWindow } from './budget.ts';
import { readRequests, recoveryPaths } from './files.ts';
import { lockHolder, type LockOwner } from './lock.ts';
import { limitsOf, recoverySection, runbookMaxMs } from './manager.ts';
import type { AttemptRecord, RecoverySection } from './types.ts';

/** What `status` shows of auto-recovery. Times are ISO 8601. */
export interface RecoveryView {
  enabled: boolean;
  triggers: string[];
  circuit: { open: false } | { open: true; since: string; reason: string };
  /** Attempts counted in the current window, and how many it allows. */
  budget: { used: number; allowed: number; window: string };
  cooldownUntil?: string;
  /** Why the last trigger did not start an attempt. */
  held?: { at: string; reason: string };
  /** A `recover --reset` the agent has not applied yet. */
  resetRequestedAt?: string;
  /** Who runs a recovery right now. */
  running?: LockOwner & { sinceIso: string };
  lastGood?: { at: string; path: string };
  /** Latest last (the agent's and those run by hand). */
  attempts: AttemptRecord[];
  /** The requests file could not be read. */
  problem?: string;
}

const SHOWN = 5;

/** Built from the state file (never written) and the requests file the CLI writes. */
export async function recoveryView(config: EffectiveConfig, store: StateStore, now: number): Promise<RecoveryView> {
  const cfg = config.file.recovery;
  const paths = recoveryPaths(config.statePath);
  // A read-only store hands out a fresh section when the file has none, and keeps nothing.
  const s: RecoverySection = recoverySection(store);
  let problem: string | undefined;
  const requests = await readRequests(paths.requests).catch((err: unknown) => {
    problem = err instanceof Error ? err.message : String(err);
    return undefined;
  });
  const known = new Set(s.attempts.map((a) => a.id));
  const attempts = [...s.attempts, ...(requests?.manual ?? []).filter((a) => !known.has(a.id))].sort((a, b) => a.startedAt - b.startedAt);
  const holder = await lockHolder(paths.lock, { now, maxAgeMs: runbookMaxMs(cfg) });
  const iso = (ms: number) => new Date(ms).toISOString();
  const view: RecoveryView = {
    enabled: cfg.enabled,
    triggers: cfg.triggers.map((t) => `${t.check} (${t.statuses.join('/').toUpperCase()})`),
    circuit: s.budget.circuit.open ? { open: true, since: iso(s.budget.circuit.openedAt), reason: s.budget.circuit.reason } : { open: false },
    budget: { used: inWindow(s.budget, now, limitsOf(cfg)).length, allowed: cfg.attempts, window: formatDuration(cfg.window) },
    attempts: attempts.slice(-SHOWN) as AttemptRecord[],
  };
  if (s.budget.cooldownUntil !== undefined && s.budget.cooldownUntil > now) view.cooldownUntil = iso(s.budget.cooldownUntil);
  if (s.held) view.held = { at: iso(s.held.at), reason: s.held.reason };
  if (requests?.resetAt !== undefined && requests.resetAt !== s.appliedResetAt) view.resetRequestedAt = iso(requests.resetAt);
  if (holder) view.running = { ...holder, sinceIso: iso(holder.since) };
  if (s.lastGood) view.lastGood = { at: iso(s.lastGood.at), path: paths.lastGood };
  if (problem) view.problem = problem;
  return view;
}

/** The recovery block of `status`. */
export function renderRecovery(view: RecoveryView, ago: (iso: string) => string): string[] {
  if (!view.enabled && view.attempts.length === 0) return ['', 'auto-recovery: off (recovery.enabled in the config)'];
  const out = ['', `auto-recovery: ${view.enabled ? 'on' : 'off'}, triggers ${view.triggers.join(', ')}; ${view.budget.used}/${view.budget.allowed} attempts used in ${view.budget.window}`];
  if (view.circuit.open) out.push(`  GAVE UP ${ago(view.circuit.since)}: ${view.circuit.reason}; \`clawmedic recover --reset\` re-arms it`);
  if (view.resetRequestedAt) out.push(`  reset requested ${ago(view.resetRequestedAt)}: the agent applies it at its next trigger check`);
  if (view.running) out.push(`  running now: ${view.running.by} pid ${view.running.pid}, started ${ago(view.running.sinceIso)}`);
  if (view.cooldownUntil) out.push(`  cooling down until ${view.cooldownUntil}`);
  if (view.held) out.push(`  last held back ${ago(view.held.at)}: ${oneLine(view.held.reason)}`);
  if (view.lastGood) out.push(`  last-known-good openclaw.json from ${ago(view.lastGood.at)} (clawmedic recover --restore-config)`);
  if (view.problem) out.push(`  problem: ${oneLine(view.problem)}`);
  for (const a of view.attempts) {
    const took = a.finishedAt !== undefined ? ` in ${formatDuration(a.finishedAt - a.startedAt)}` : '';
    const by = a.by === 'cli' ? 'by hand' : `on ${a.trigger?.checkId ?? '?'}`;
    out.push(`  ${a.id} ${ago(new Date(a.startedAt).toISOString())} ${by}: ${(a.outcome ?? 'unfinished').toUpperCase()}${took}${a.reason ? `: ${oneLine(a.reason)}` : ''}`);
    for (const step of a.steps) out.push(`      ${step.step} ${step.outcome} (${formatDuration(step.durationMs)}): ${oneLine(step.summary)}`);
  }
  return out;
}
