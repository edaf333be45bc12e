import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recordResult } from '../../src/evaluate/record.ts';
import { DEFAULT_MACHINE_CONFIG } from '../../src/evaluate/state-machine.ts';
import { StateStore } from '../../src/state/store.ts';

const NOW = Date.parse('2026-11-29T12:00:00Z');
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clawmedic-record-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('recordResult', () => {
  it('passes a certain failure on to the state machine: FAILING on the first result', async () => {
    const store = await StateStore.open(join(dir, 'state.json'), { now: () => NOW });
    const machine = { ...DEFAULT_MACHINE_CONFIG, failureThreshold: 5 };
    const t = recordResult(store, 'config', { status: 'crit', summary: 'openclaw.json: syntax error at 3:5', certain: true }, { at: NOW, durationMs: 5, machine });
    expect(t).toMatchObject({ checkId: 'config', from: 'ok', to: 'failing' });
    expect(store.check('config')!.machine.state).toBe('failing');
    // Without `certain`, the threshold applies.
    expect(recordResult(store, 'doctor', { status: 'crit', summary: 'doctor failed' }, { at: NOW, durationMs: 5, machine })).toMatchObject({ to: 'pending' });
    await store.close();
  });
});
