// `openclaw config validate` is run again only when it can say something new: the same bytes, validated clean
// by the same CLI and release less than an hour ago, stand; a changed file, an hour gone, or a result that was
// not clean run it again.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { configCheck } from '../../checks/config.ts';
import type { CheckContext } from '../../src/contracts.ts';
import { inMemoryCheckState } from '../../src/state/series.ts';
import { installFakeOpenclaw, makeCheckContext, makeTempDir, type FakeOpenclaw } from '../fixtures/openclaw-cli-harness.ts';

let fake: FakeOpenclaw;
let temp: { dir: string; cleanup(): Promise<void> };
beforeAll(async () => {
  fake = await installFakeOpenclaw();
  temp = await makeTempDir('clawmedic-revalidate-');
});
afterAll(async () => {
  await temp.cleanup();
  await fake.cleanup();
});

let now: number;
let kept: ReturnType<typeof inMemoryCheckState>;
beforeEach(() => {
  now = Date.parse('2026-11-29T10:00:00Z');
  kept = inMemoryCheckState(() => now);
});

/** One run of the config check, keeping its memory between runs as the agent does. */
function context(vars: Record<string, string> = {}): CheckContext {
  return { ...makeCheckContext({ openclaw: fake.cli(vars), configPath: join(temp.dir, 'openclaw.json'), now: () => now }), memory: kept.memory };
}
const validations = async () => (await fake.calls()).filter((c) => c.argv?.[0] === 'config' && c.argv[1] === 'validate').length;

it('reuses a clean validation of the same file for an hour, and validates again after a change or an hour', async () => {
  const file = join(temp.dir, 'openclaw.json');
  await writeFile(file, '{ gateway: { mode: "local" } }\n');
  const before = await validations();

  const first = await configCheck.run(context());
  expect(first.status).toBe('ok');
  expect(first.summary).toMatch(/^openclaw\.json is valid \(openclaw config validate, /);
  expect(await validations()).toBe(before + 1);

  now += 5 * 60_000;
  const second = await configCheck.run(context());
  expect(second.status).toBe('ok');
  expect(second.summary).toBe('openclaw.json is valid (unchanged since openclaw config validate passed at 2026-11-29T10:00:00.000Z)');
  expect(await validations()).toBe(before + 1);

  // The file changed (even by one byte): validated again.
  await writeFile(file, '{ gateway: { mode: "local" } } \n');
  await configCheck.run(context());
  expect(await validations()).toBe(before + 2);

  // An hour after the last validation: validated again, however unchanged.
  now += 61 * 60_000;
  await configCheck.run(context());
  expect(await validations()).toBe(before + 3);
});

it('does not keep a result that was not clean: an invalid config is validated at every run', async () => {
  await writeFile(join(temp.dir, 'openclaw.json'), '{ gateway: { mode: "local", bogusKey: 1 } }\n');
  const before = await validations();
  const first = await configCheck.run(context({ FAKE_OPENCLAW_VALIDATE: 'unknown-keys' }));
  expect(first.status).toBe('crit');
  now += 5 * 60_000;
  const second = await configCheck.run(context({ FAKE_OPENCLAW_VALIDATE: 'unknown-keys' }));
  expect(second.status).toBe('crit');
  expect(await validations()).toBe(before + 2);
});
