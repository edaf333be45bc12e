// The recovery manager as the agent drives it: results in, attempts and alerts out, with a real state file
// (so what survives a restart is what was written) and fake steps (so no process is touched).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AlertSink } from '../../src/agent.ts';
import type { SilencedBy } from '../../src/alerts/types.ts';
import type { Alert, CheckResult } from '../../src/contracts.ts';
import { loadConfig, type EffectiveConfig } from '../../src/config/load.ts';
import { silentLogger } from '../../src/logger.ts';
import { recoveryPaths, requestReset } from '../../src/recovery/files.ts';
import { acquireLock } from '../../src/recovery/lock.ts';
import { RecoveryManager } from '../../src/recovery/manager.ts';
import type { BuiltinSteps, GatewayView } from '../../src/recovery/runbook.ts';
import { SECTION_SCHEMAS } from '../../src/state-sections.ts';
import { StateStore } from '../../src/state/store.ts';

let dir: string;
let config: EffectiveConfig;
let store: StateStore;
let clock: number;
let raised: Alert[];
let held: SilencedBy | undefined;
let stops: number;

const down: GatewayView = { alive: false, stopped: false, answering: false, before: {}, summary: 'nothing listens' };
const steps = (verifyOk = true): BuiltinSteps => ({
  look: async () => down,
  validate: async () => ({ ok: true, summary: 'valid' }),
  restart: async () => ({ ok: true, summary: 'restarted' }),
  stop: async () => ((stops += 1), { ok: true, summary: 'nothing to stop' }),
  clearCache: async () => ({ ok: true, summary: 'nothing to clear' }),
  start: async () => ({ ok: true, summary: 'started' }),
  verify: async () => ({ ok: verifyOk, summary: verifyOk ? 'healthy, new boot' : '/readyz still failing: telegram' }),
  describe: () => 'act',
});
const sink = (): AlertSink => ({
  onTransition() {},
  start() {},
  async stop() {},
  raise: (a) => raised.push(a),
  heldBack: () => held,
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clawmedic-recovery-'));
  await writeFile(join(dir, 'clawmedic.json5'), "{ recovery: { enabled: true, cooldown: '1m', attempts: 2, window: '15m', stablePeriod: '30m' } }");
  await writeFile(join(dir, 'openclaw.json'), '{ gateway: { mode: "local" } }');
  const loaded = loadConfig({ configPath: join(dir, 'clawmedic.json5'), env: { HOME: dir, OPENCLAW_STATE_DIR: dir } });
  config = loaded.config!;
  // The real time: the lock tells a live holder from one left before this process started by it.
  clock = Date.now();
  raised = [];
  held = undefined;
  stops = 0;
  store = await StateStore.open(config.statePath, { now: () => clock, sections: SECTION_SCHEMAS });
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

function manager(verifyOk = true): RecoveryManager {
  const m = new RecoveryManager({ config, store, alerts: sink(), log: silentLogger, now: () => clock, runNow: () => {}, steps: steps(verifyOk) });
  m.start();
  return m;
}
const down1: CheckResult = { status: 'crit', summary: 'nothing listening on 127.0.0.1:18789 (gateway down)' };
const ok: CheckResult = { status: 'ok', summary: 'held by openclaw-gateway' };
const section = () => store.section<{ attempts: Array<{ outcome?: string }>; held?: { reason: string }; budget: { circuit: { open: boolean } } }>('recovery', () => ({}) as never);

/** One failing result, then whatever attempt it started, to its end. */
async function failOnce(m: RecoveryManager, result: CheckResult = down1): Promise<void> {
  m.onResult('gateway.port', result, 'failing');
  await (m as unknown as { running?: Promise<void> }).running;
}

describe('recovery manager', () => {
  it('does nothing while disabled, for a check that is not a trigger, before FAILING, or for a WARN', async () => {
    const m = manager();
    m.onResult('gateway.port', down1, 'pending');
    m.onResult('memory', down1, 'failing');
    await failOnce(m, { status: 'warn', summary: 'draining' });
    expect(stops).toBe(0);
    expect(section().attempts ?? []).toEqual([]);
  });

  it('does not act while the check is silenced, and says why in the state', async () => {
    const m = manager();
    held = { type: 'silence', id: 'ab12', until: '2026-11-29T12:00:00.000Z' };
    await failOnce(m);
    expect(stops).toBe(0);
    expect(section().held?.reason).toBe('gateway.port is silenced (ab12) until 2026-11-29T12:00:00.000Z');
    held = { type: 'maintenance', id: '0 3 * * *', until: '2026-11-29T04:00:00.000Z' };
    await failOnce(m);
    expect(section().held?.reason).toMatch(/in a maintenance window/);
    expect(stops).toBe(0);
  });

  it('waits for the cooldown, spends the budget, then gives up once with a CRIT alert, and that survives a restart', async () => {
    let m = manager(false);
    await failOnce(m);
    expect(stops).toBe(1);
    await failOnce(m); // within the cooldown
    expect(stops).toBe(1);
    clock += 61_000;
    await failOnce(m);
    expect(stops).toBe(2);
    clock += 130_000;
    await failOnce(m);
    expect(stops).toBe(2);
    const gaveUp = raised.filter((a) => a.fingerprint === 'recovery:gave-up');
    expect(gaveUp).toHaveLength(1);
    expect(gaveUp[0]).toMatchObject({ severity: 'crit', summary: 'auto-recovery gave up: manual action needed' });
    expect(raised.filter((a) => /^auto-recovery failed at verify/.test(a.summary))).toHaveLength(2);

    // The agent restarts: the open circuit is read back from the file.
    await store.close();
    store = await StateStore.open(config.statePath, { now: () => clock, sections: SECTION_SCHEMAS });
    m = manager(false);
    clock += 60 * 60_000;
    await failOnce(m);
    expect(stops).toBe(2);
    expect(raised.filter((a) => a.fingerprint === 'recovery:gave-up')).toHaveLength(1);
    expect(section().held?.reason).toMatch(/^gave up at /);
  });

  it('re-arms after the triggers are healthy for the stable period, and at once on `recover --reset`', async () => {
    const m = manager(false);
    for (let i = 0; i < 3; i += 1) {
      await failOnce(m);
      clock += 5 * 60_000;
    }
    expect(section().budget.circuit.open).toBe(true);
    m.onResult('gateway.port', ok, 'ok');
    m.onResult('gateway.http', ok, 'ok');
    clock += 30 * 60_000;
    m.onResult('gateway.port', ok, 'ok');
    expect(section().budget.circuit.open).toBe(false);
    expect(raised.at(-1)?.summary).toMatch(/^auto-recovery re-armed/);

    for (let i = 0; i < 3; i += 1) {
      await failOnce(m);
      clock += 5 * 60_000;
    }
    expect(section().budget.circuit.open).toBe(true);
    await requestReset(recoveryPaths(config.statePath).requests, clock);
    clock += 10_000;
    m.onResult('gateway.port', down1, 'failing');
    await new Promise((r) => setTimeout(r, 50)); // the requests file is read in the background
    await failOnce(m);
    expect(section().budget.circuit.open).toBe(false);
    expect(stops).toBe(5);
  });

  it('one attempt at a time: a lock held by another process (a `recover` by hand) holds it back', async () => {
    const m = manager();
    const other = await acquireLock(recoveryPaths(config.statePath).lock, 'cli', { now: clock, maxAgeMs: 600_000 });
    expect(other.acquired).toBe(true);
    await failOnce(m);
    expect(stops).toBe(0);
    expect(section().held?.reason).toMatch(/a recovery is already running \(cli, pid/);
    if (other.acquired) await other.release();
    clock += 61_000;
    await failOnce(m);
    expect(stops).toBe(1);
  });

  it('a damaged recovery section holds recovery (its budget is unknown) and says so once', async () => {
    store.section('agent', () => ({ pid: 1 }));
    store.markDirty();
    await store.close();
    const raw = JSON.parse(await import('node:fs/promises').then((fs) => fs.readFile(config.statePath, 'utf8')));
    raw.sections.recovery = { version: 1, budget: 'garbage', attempts: 7 };
    await writeFile(config.statePath, JSON.stringify(raw));
    store = await StateStore.open(config.statePath, { now: () => clock, sections: SECTION_SCHEMAS });
    const m = manager();
    await failOnce(m);
    expect(stops).toBe(0);
    expect(raised.map((a) => a.summary)).toEqual(['auto-recovery held: its record in the state file was damaged']);
    expect(raised[0]!.remedy).toContain('clawmedic recover --reset');
  });

  it('an attempt the agent was killed in the middle of is recorded as aborted at the next start, and counted', async () => {
    const m = manager();
    const s = store.section<{ version: 1; budget: { attempts: number[]; failuresInRow: number; circuit: { open: false } }; attempts: unknown[] }>('recovery', () => ({}) as never);
    s.budget = { attempts: [clock - 1_000], failuresInRow: 0, circuit: { open: false } };
    s.attempts = [{ id: 'x1', by: 'agent', startedAt: clock - 1_000, steps: [] }];
    await m.stop();
    manager().start();
    expect(section().attempts[0]).toMatchObject({ outcome: 'aborted' });
  });
});
