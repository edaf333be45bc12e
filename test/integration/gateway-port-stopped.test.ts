// A gateway stopped with SIGSTOP while it holds its port, on real processes: the fake gateway under a title that
// does not say OpenClaw (a wrapper, a process that set its own title) is known by having answered as OpenClaw
// (remembered by pid and start time in gateway.port's memory) or by the state lock it holds, and then reported
// hung with `kill -CONT`, never as a stranger to kill. A stopped process with neither is still a conflict, but
// one that says it is stopped.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { gatewayPortCheck } from '../../checks/gateway-port.ts';
import type { CheckMemory, CheckResult } from '../../src/contracts.ts';
import { readProcessStart } from '../../src/platform/proc-stat.ts';
import { inMemoryCheckState } from '../../src/state/series.ts';
import { FOREIGN_TITLE, expectExplained, startFakeGateway, stopAllChildren, testContext } from '../fixtures/gateway-harness.ts';

const TOKEN = 'gw-token-0c41d9e7aa';

afterEach(stopAllChildren);

function run(port: number, memory: CheckMemory, stateDir?: string): Promise<CheckResult> {
  const target = stateDir ? { target: { openclawStateDir: stateDir, openclawConfigPath: join(stateDir, 'openclaw.json') } } : {};
  return gatewayPortCheck.run({ ...testContext({ port, token: TOKEN, options: { requestTimeoutMs: 300 }, ...target }), memory });
}

describe.runIf(process.platform === 'linux')('gateway.port and a stopped process on the port', () => {
  it('a process under another title that answered as OpenClaw, then SIGSTOPped: a hung gateway with kill -CONT first, not a port conflict', async () => {
    const gw = await startFakeGateway({ mode: 'up', title: FOREIGN_TITLE });
    const { memory } = inMemoryCheckState();
    expect((await run(gw.port, memory)).status).toBe('ok');
    expect(memory.get()).toMatchObject({ openclawOwner: { pid: gw.pid, name: FOREIGN_TITLE, by: 'answer' } });

    await gw.pause();
    const result = await run(gw.port, memory);

    expect(result.status).toBe('crit');
    expect(result.summary).toBe(
      `gateway hung (pid ${gw.pid} stopped): 127.0.0.1:${gw.port} accepts connections but GET /healthz got no answer within 300 ms; ` +
        `pid ${gw.pid} (${FOREIGN_TITLE}) is stopped (state T)`,
    );
    expect(result.diagnosis).toContain('answered /healthz as OpenClaw on an earlier run (the same process: same pid and start time)');
    expect(result.remedy).toMatch(new RegExp(`^It is stopped by a signal: resume it[^\`]*\`kill -CONT ${gw.pid}\``));
    // A restart is the fallback, after resuming it, never the first word.
    expect(result.remedy!.indexOf(`kill -TERM ${gw.pid}`)).toBeGreaterThan(result.remedy!.indexOf('Only if it still does not answer'));
    expect(JSON.stringify(result)).not.toMatch(/conflict|not OpenClaw,/);
    expect(result.details).toMatchObject({ owner: { pid: gw.pid, role: 'other', state: 'T', openclawBy: { by: 'seen by its answer' } } });
    expectExplained(result, TOKEN);
  });

  it('with no memory (a one-shot check, a fresh agent), the state lock it holds names it: hung, not a conflict', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'clawmedic-stopped-'));
    try {
      const gw = await startFakeGateway({ mode: 'up', title: FOREIGN_TITLE, stateDir });
      await gw.pause();
      const result = await run(gw.port, inMemoryCheckState().memory, stateDir);

      expect(result.summary).toMatch(new RegExp(`^gateway hung \\(pid ${gw.pid} stopped\\): `));
      expect(result.diagnosis).toContain(`it holds OpenClaw's state lock ${stateDir}/tmp/openclaw-`);
      expect(result.remedy).toMatch(new RegExp(`^It is stopped by a signal: resume it[^\`]*\`kill -CONT ${gw.pid}\``));
      expect(JSON.stringify(result)).not.toMatch(/conflict/);
    } finally {
      await stopAllChildren();
      await rm(stateDir, { recursive: true, force: true });
    }
  });

  it('a process that was OpenClaw by its name and now carries another title is still the same gateway', async () => {
    const gw = await startFakeGateway({ mode: 'up', title: FOREIGN_TITLE });
    const start = await readProcessStart(gw.pid);
    if (!start.ok) throw new Error(start.message);
    const { memory } = inMemoryCheckState();
    memory.set({ openclawOwner: { pid: gw.pid, startTicks: start.startTicks, name: 'openclaw-gateway', by: 'name', since: 0 } });
    await gw.pause();

    const result = await run(gw.port, memory);
    expect(result.summary).toMatch(new RegExp(`^gateway hung \\(pid ${gw.pid} stopped\\): `));
    expect(result.diagnosis).toContain("It was OpenClaw's gateway by its name (openclaw-gateway) on an earlier run");
  });

  it('a stopped process never seen answering as OpenClaw is a conflict that says it is stopped and that SIGTERM waits for kill -CONT', async () => {
    const other = await startFakeGateway({ mode: 'up', title: FOREIGN_TITLE });
    await other.pause();
    const result = await run(other.port, inMemoryCheckState().memory);

    expect(result.status).toBe('crit');
    expect(result.summary).toBe(`port conflict: 127.0.0.1:${other.port} held by pid ${other.pid} (${FOREIGN_TITLE}), stopped (state T), not OpenClaw`);
    expect(result.diagnosis).toContain('It is stopped (state T), so it holds the port without answering anything. Nothing shows it is OpenClaw');
    expect(result.diagnosis).toContain(`\`kill -CONT ${other.pid}\` resumes it`);
    expect(result.remedy).toMatch(new RegExp(`^Stop that program if it is yours to stop: it is stopped, so \`kill -TERM ${other.pid}\` takes effect only after \`kill -CONT ${other.pid}\``));
    expectExplained(result, TOKEN);
  });

  it('the same pid with another start time is another process: remembered OpenClaw does not carry over to it', async () => {
    const other = await startFakeGateway({ mode: 'up', title: FOREIGN_TITLE });
    const start = await readProcessStart(other.pid);
    if (!start.ok) throw new Error(start.message);
    const { memory } = inMemoryCheckState();
    memory.set({ openclawOwner: { pid: other.pid, startTicks: start.startTicks - 1, name: FOREIGN_TITLE, by: 'answer', since: 0 } });
    await other.pause();

    expect((await run(other.port, memory)).summary).toMatch(/^port conflict: .*, stopped \(state T\), not OpenClaw$/);
  });

  it('a damaged memory (edited by hand, another release) is ignored, and replaced once the owner answers as OpenClaw', async () => {
    const gw = await startFakeGateway({ mode: 'up', title: FOREIGN_TITLE });
    const { memory } = inMemoryCheckState();
    memory.set({ openclawOwner: { pid: String(gw.pid), startTicks: null } });

    expect((await run(gw.port, memory)).status).toBe('ok');
    expect(memory.get()).toMatchObject({ openclawOwner: { pid: gw.pid, startTicks: expect.any(Number), by: 'answer' } });
  });
});
