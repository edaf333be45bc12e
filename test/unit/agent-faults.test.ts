import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentFault, CheckContext, Logger } from '../../src/contracts.ts';
import { selfCheck } from '../../src/self/check.ts';
import { AgentFaults } from '../../src/self/faults.ts';
import { stateWriteFault } from '../../src/self/file-faults.ts';

function recordingLog() {
  const lines: Array<[string, string]> = [];
  const log: Logger = {
    debug: (_o, m) => lines.push(['debug', m ?? '']),
    info: (_o, m) => lines.push(['info', m ?? '']),
    warn: (_o, m) => lines.push(['warn', m ?? '']),
    error: (_o, m) => lines.push(['error', m ?? '']),
  };
  return { log, lines };
}

const enospc = (path: string) => stateWriteFault(path, Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }));
const erofs = (path: string) => stateWriteFault(path, Object.assign(new Error('EROFS: read-only file system, open'), { code: 'EROFS' }));

describe('AgentFaults', () => {
  it('logs a fault once however often it repeats, again when it changes, and once when it clears', () => {
    const { log, lines } = recordingLog();
    let now = 1_000;
    const faults = new AgentFaults(log, () => now);
    const changes: string[] = [];
    faults.onChange((key) => changes.push(key));
    for (let i = 0; i < 50; i++) {
      faults.report('state.write', enospc('/s/state.json'));
      now += 5_000;
    }
    expect(lines).toEqual([['error', 'cannot write state file /s/state.json: no space left on device (ENOSPC); checks and alerts go on, kept in memory until it is writable (a restart meanwhile loses them)']]);
    expect(faults.list()).toEqual([expect.objectContaining({ key: 'state.write', code: 'ENOSPC', since: 1_000, count: 50 })]);

    faults.report('state.write', erofs('/s/state.json'));
    expect(lines).toHaveLength(2);
    expect(lines[1]![1]).toMatch(/read-only file system \(EROFS\)/);
    // A changed fault keeps the time the run of failures began.
    expect(faults.list()[0]).toMatchObject({ code: 'EROFS', since: 1_000, count: 51 });

    faults.clear('state.write');
    faults.clear('state.write');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toEqual(['info', 'state.write works again after 51 failed attempts (was: cannot write state file /s/state.json: read-only file system (EROFS))']);
    expect(faults.list()).toEqual([]);
    expect(changes).toEqual(['state.write', 'state.write', 'state.write']);
  });

  it('a listener that throws does not stop the report, and a logger that throws is swallowed', () => {
    const throwing: Logger = {
      debug() {},
      info() {},
      warn() {},
      error() {
        throw new Error('stderr is gone');
      },
    };
    const faults = new AgentFaults(throwing);
    faults.onChange(() => {
      throw new Error('listener bug');
    });
    expect(() => faults.report('alerts', { severity: 'crit', summary: 'alert evaluation failed: x' })).not.toThrow();
    expect(faults.has('alerts')).toBe(true);
  });
});

describe('the clawmedic.self check', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'clawmedic-self-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function ctx(faults: AgentFault[] = [], options: Record<string, unknown> = { minFreeBytes: 0 }): CheckContext {
    return {
      options,
      self: { statePath: join(dir, 'clawmedic.state.json'), silencesPath: join(dir, 'clawmedic.silences.json'), agent: true, faults: () => faults },
    } as unknown as CheckContext;
  }

  it('is OK with a writable directory, no silences file and no faults, and reports the free space', async () => {
    const r = await selfCheck.run(ctx());
    expect(r.status).toBe('ok');
    expect(r.summary).toMatch(/^clawmedic's files are writable \(.* free\), no faults$/);
    expect(r.metrics?.stateDiskFreeBytes).toBeGreaterThan(0);
  });

  it('puts the worst fault first, lists every one in the diagnosis, and gives each remedy once', async () => {
    await writeFile(join(dir, 'clawmedic.silences.json'), 'not json');
    const write: AgentFault = { ...enospc(join(dir, 'clawmedic.state.json')), key: 'state.write', since: 1, count: 3 };
    const r = await selfCheck.run(ctx([write], { minFreeBytes: 2 ** 50 }));
    expect(r.status).toBe('crit');
    expect(r.summary).toMatch(/^cannot write state file .*: no space left on device \(ENOSPC\); checks and alerts go on, .* \(and 2 more\)$/);
    const lines = r.diagnosis!.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^only .* free on the file system holding/);
    expect(lines[2]).toMatch(/silences file .* is not valid JSON/);
    // ENOSPC and low space share one remedy: it is given once.
    expect(r.remedy!.split('\n')).toHaveLength(2);
  });

  it('warns about a damaged silences file on its own', async () => {
    await writeFile(join(dir, 'clawmedic.silences.json'), '{"version":2}');
    const r = await selfCheck.run(ctx());
    expect(r.status).toBe('warn');
    expect(r.summary).toMatch(/^silences file .*clawmedic\.silences\.json: version: .*; silences in it are not applied/);
  });
});
