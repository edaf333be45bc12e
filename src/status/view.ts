// The one status view: built from the state file and the config, shared by `clawmedic status` (a
// read-only store), the agent's /status and its status page (the live store).
import type { AgentInfo } from '../agent.ts';
import { alertingConfigOf, dependencyMapOf } from '../alert-sink.ts';
import { AlertRouter, type AlertSnapshot } from '../alerts/router.ts';
import { SilenceFile } from '../alerts/silences.ts';
import { staleCycleMs } from '../cadence.ts';
import type { EffectiveConfig } from '../config/load.ts';
import { silentLogger } from '../logger.ts';
import { isProcessAlive } from '../platform/process.ts';
import { recoveryView, type RecoveryView } from '../recovery/status-view.ts';
import type { StateStore } from '../state/store.ts';
import { formatDuration } from '../util/duration.ts';
import { oneLine } from '../util/text.ts';
import { cliCostsSection, type CliCostsSection } from '../self/cli-costs.ts';

export interface CheckView {
  id: string;
  enabled: boolean;
  state: string;
  /** Since when it is in trouble (the open incident's start), else since when it is in its state: one time per check. */
  since: string | null;
  status: string | null;
  summary: string | null;
  diagnosis?: string;
  remedy?: string;
  lastRunAt: string | null;
  flapPct: number;
  /** The last result's numbers (a trend check's value, slope and time to its limit). */
  metrics?: Record<string, number>;
}

export interface StatusView {
  stateFile: string;
  exists: boolean;
  updatedAt: string | null;
  corrupt: { reason: string; kind: string } | null;
  notices: ReadonlyArray<{ kind: string; movedTo?: string; reason?: string; at?: number; part?: string }>;
  /** What is wrong with clawmedic's own files (a damaged part of the state, an unreadable silences file); exit 1 when any. */
  problems: string[];
  agent: Partial<AgentInfo> & { running: boolean };
  /** The last check run the agent recorded; `stale` when older than twice the shortest schedule. */
  lastCycle: { at: string; stale: boolean } | null;
  gateway: string;
  /** The OpenClaw release the checks last named (gateway.http first), where that came from, and when. */
  openclaw?: { version: string; source: string; seenAt: string };
  checks: CheckView[];
  alerts: AlertSnapshot | null;
  recovery: RecoveryView | null;
  /** What the checks' openclaw CLI runs cost (the last and the largest per command), once any ran. */
  openclawCli?: CliCostsSection;
}

/** What the agent last saw, read from the store without writing it. */
export async function buildStatusView(config: EffectiveConfig, store: StateStore, now: number): Promise<StatusView> {
  const agent = store.section<Partial<AgentInfo>>('agent', () => ({}));
  const checks = checkViews(config, store);
  const alerts = store.corrupt ? undefined : withConfiguredNotifiers(await alertSnapshot(config, store, now), config);
  const running = agent.pid ? isProcessAlive(agent.pid) : false;
  const lastCycle = lastCycleOf(config, checks, now);
  const problems = [
    ...(lastCycle?.stale && running
      ? [`the last check cycle was ${ago(lastCycle.at, now)}, more than twice the shortest schedule (${formatDuration((staleCycleMs(config.checks) ?? 0) / 2)}): the agent (pid ${agent.pid}) runs but its loop looks stuck`]
      : []),
    ...store.damaged.map((d) => `state file part ${d.part} is damaged (${d.reason}): the agent resets it at its next start and keeps a copy`),
    ...(await silencesProblem(config.silencesPath)),
  ];
  return {
    stateFile: store.path,
    exists: store.existed,
    updatedAt: store.existed && !store.corrupt ? new Date(store.updatedAt).toISOString() : null,
    corrupt: store.corrupt ?? null,
    notices: store.existed && !store.corrupt ? [...store.notices] : [],
    problems,
    agent: { ...agent, running },
    lastCycle,
    gateway: `${config.target.host}:${config.target.port}`,
    ...lastOpenclawVersion(store),
    checks,
    alerts: alerts ?? null,
    recovery: store.corrupt ? null : await recoveryView(config, store, now),
    ...cliCostsView(store),
  };
}

function cliCostsView(store: StateStore): { openclawCli?: CliCostsSection } {
  if (store.corrupt) return {};
  const section = cliCostsSection(store);
  return Object.keys(section.commands).length ? { openclawCli: section } : {};
}

/** The view as JSON shows it (`status --json`, /status): one time format, every secret masked. */
export function statusJson(view: StatusView, config: EffectiveConfig): StatusView {
  return config.redactor.value(isoTimes(view));
}

/** "5m ago", "in 2h", "never". */
export function ago(iso: string | null | undefined, now: number): string {
  if (!iso) return 'never';
  const ms = now - Date.parse(iso);
  return ms >= 0 ? `${formatDuration(ms)} ago` : `in ${formatDuration(-ms)}`;
}

/** The silences file is read on its own: the router keeps the last good silences quietly, status must not. */
async function silencesProblem(path: string): Promise<string[]> {
  try {
    await new SilenceFile(path).load();
    return [];
  } catch (err) {
    return [`${oneLine(err instanceof Error ? err.message : String(err))}: silences in it are not applied`];
  }
}

function checkViews(config: EffectiveConfig, store: StateStore): CheckView[] {
  const ids = [...new Set([...config.checks.map((rc) => rc.check.id), ...(store.corrupt ? [] : store.checkIds())])];
  return ids.map((id) => {
    const rec = store.corrupt ? undefined : store.check(id);
    const rc = config.checks.find((c) => c.check.id === id);
    const last = rec?.last;
    const view: CheckView = {
      id,
      enabled: rc?.enabled ?? false,
      state: rec ? rec.machine.state : 'never run',
      since: rec ? new Date(rec.machine.incidentSince ?? rec.machine.since).toISOString() : null,
      status: last?.result.status ?? null,
      summary: last?.result.summary ?? null,
      lastRunAt: last ? new Date(last.at).toISOString() : null,
      flapPct: rec?.machine.flapPct ?? 0,
    };
    if (last?.result.status !== 'ok') {
      if (last?.result.diagnosis) view.diagnosis = last.result.diagnosis;
      if (last?.result.remedy) view.remedy = last.result.remedy;
    }
    if (last?.result.metrics) view.metrics = last.result.metrics;
    return view;
  });
}

async function alertSnapshot(config: EffectiveConfig, store: StateStore, now: number): Promise<AlertSnapshot> {
  const router = new AlertRouter({
    sections: store,
    notifiers: [],
    config: alertingConfigOf(config),
    dependsOn: dependencyMapOf(config),
    host: '',
    gateway: '',
    now: () => now,
    log: silentLogger,
    redact: (text) => config.redactor.text(text),
    silences: new SilenceFile(config.silencesPath, { now: () => now }),
  });
  return router.snapshot();
}

/** The OpenClaw release the last results name: gateway.http's first, as it has the running gateway's own word. */
function lastOpenclawVersion(store: StateStore): { openclaw?: NonNullable<StatusView['openclaw']> } {
  if (store.corrupt) return {};
  const ids = ['gateway.http', ...store.checkIds().filter((id) => id !== 'gateway.http')];
  for (const id of ids) {
    const last = store.check(id)?.last;
    const o = (last?.result.details as { openclaw?: { version?: unknown; source?: unknown } } | undefined)?.openclaw;
    if (last && typeof o?.version === 'string') {
      const source = o.source === 'gateway' ? 'reported by the gateway' : o.source === 'package' ? 'installed package' : 'openclaw --version';
      return { openclaw: { version: o.version, source, seenAt: new Date(last.at).toISOString() } };
    }
  }
  return {};
}

/** The newest run any check recorded: the agent's loop was alive then. */
function lastCycleOf(config: EffectiveConfig, checks: CheckView[], now: number): StatusView['lastCycle'] {
  const times = checks.map((c) => (c.lastRunAt ? Date.parse(c.lastRunAt) : NaN)).filter(Number.isFinite);
  if (!times.length) return null;
  const at = Math.max(...times);
  const staleMs = staleCycleMs(config.checks);
  return { at: new Date(at).toISOString(), stale: staleMs !== undefined && now - at > staleMs };
}

/** Every configured notifier, also one that has not had an alert yet (the status command builds no notifier). */
function withConfiguredNotifiers(snapshot: AlertSnapshot, config: EffectiveConfig): AlertSnapshot {
  const listed = new Set(snapshot.outbox.notifiers.map((n) => n.name));
  const missing = config.notifiers.filter((n) => !listed.has(n.name)).map((n) => ({ name: n.name, pending: 0, failed: 0, sent: 0, inFlight: false }));
  return { ...snapshot, outbox: { ...snapshot.outbox, notifiers: [...snapshot.outbox.notifiers, ...missing] } };
}

/** Epoch milliseconds under time-named keys (createdAt, since, until...) as ISO 8601: one time format in --json. */
export function isoTimes<T>(value: T, key = ''): T {
  if (typeof value === 'number' && /(?:^at|At|^since|Since|^until|Until)$/.test(key) && Number.isFinite(value) && value > 0) {
    return new Date(value).toISOString() as T;
  }
  if (Array.isArray(value)) return value.map((v) => isoTimes(v)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) Object.defineProperty(out, k, { value: isoTimes(v, k), enumerable: true, writable: true, configurable: true });
    return out as T;
  }
  return value;
}
