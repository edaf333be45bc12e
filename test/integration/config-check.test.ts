// The config check on real files, with the fake `openclaw` CLI as a real child process.
import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { configCheck, readFailure } from '../../checks/config.ts';
import type { OpenclawCli } from '../../src/contracts.ts';
import { findOpenclawCli } from '../../src/platform/openclaw-cli.ts';
import {
  type FakeOpenclaw,
  type FakeOpenclawVars,
  installFakeOpenclaw,
  makeCheckContext,
  makeTempDir,
} from '../fixtures/openclaw-cli-harness.ts';

const VALID = `// clawmedic test config
{
  gateway: {
    mode: "local",
    port: 18789,
    auth: { token: "tok-9f8e7d6c5b4a3210" },
  },
}
`;
// The guide's "missing quote": "local is never closed, so the parser trips on the next key.
const MISSING_QUOTE = '{\n  "gateway": {"mode": "local, "port": 18789, "auth": {"token": "tok-9f8e7d6c5b4a3210"}}\n}\n';
const UNCLOSED = '{\n  "gateway": {"mode": "local", "port": 18789}\n';

let fake: FakeOpenclaw;
let tmp: { dir: string; cleanup(): Promise<void> };
let configPath: string;
const absent: OpenclawCli = findOpenclawCli({ env: { PATH: '/nonexistent-bin' } });

beforeAll(async () => {
  fake = await installFakeOpenclaw();
});
afterAll(async () => {
  await fake.cleanup();
});
beforeEach(async () => {
  tmp = await makeTempDir('clawmedic-config-');
  configPath = path.join(tmp.dir, 'openclaw.json');
});
afterEach(async () => {
  await tmp.cleanup();
});

function run(openclaw: OpenclawCli, timeoutMs = 20_000) {
  return configCheck.run(makeCheckContext({ openclaw, configPath, timeoutMs }));
}
const cli = (vars: FakeOpenclawVars = {}) => fake.cli(vars);

describe('config check: local JSON5 syntax', () => {
  it('has its title and schedule', () => {
    expect(configCheck).toMatchObject({ id: 'config', title: 'OpenClaw config (openclaw.json)' });
    expect(configCheck.defaults).toMatchObject({ schedule: '5m', timeoutMs: 20_000 });
  });

  it('is ok when there is no openclaw.json (nothing to validate), without running the CLI', async () => {
    const before = (await fake.calls()).length;
    const r = await run(cli());
    expect(r.status).toBe('ok');
    expect(r.summary).toBe(`no openclaw.json at ${configPath} (nothing to validate)`);
    expect((await fake.calls()).length).toBe(before);
  });

  it('is crit on a missing quote, with line:column, the parser message and the hint', async () => {
    await writeFile(configPath, MISSING_QUOTE);
    const r = await run(absent);
    expect(r.status).toBe('crit');
    expect(r.summary).toBe("openclaw.json has a JSON5 syntax error at line 2:32: invalid character 'p'");
    expect(r.diagnosis).toContain(`${configPath}:2:32`);
    expect(r.diagnosis).toContain('missing its quotes');
    expect(r.diagnosis).toContain('a comma is missing');
    expect(r.diagnosis).toContain('Trailing commas are fine in JSON5');
    expect(r.diagnosis).toContain('exits 78');
    expect(r.remedy).toContain('at line 2, column 32');
    expect(r.remedy).toContain('.bak');
  });

  it('is crit on a string never closed, at the end of the line where it opened (the parser says column 0 of the next)', async () => {
    await writeFile(configPath, '{\n  gateway: {\n    mode: "local,\n  },\n}\n');
    const r = await run(absent);
    expect(r.summary).toBe("openclaw.json has a JSON5 syntax error at line 3:18: invalid character '\\n'");
    expect(r.remedy).toContain('at line 3, column 18');
  });

  it('is crit on an unclosed brace, pointing at the broken nesting', async () => {
    await writeFile(configPath, UNCLOSED);
    const r = await run(absent);
    expect(r.status).toBe('crit');
    expect(r.summary).toBe('openclaw.json has a JSON5 syntax error at line 3:1: invalid end of input');
    expect(r.diagnosis).toMatch(/brace \{ or bracket \[ is not closed/);
  });

  it('is crit on an empty file', async () => {
    await writeFile(configPath, '  \n');
    const r = await run(absent);
    expect(r.status).toBe('crit');
    expect(r.summary).toContain('the file is empty');
  });

  it('names the .bak backup only when it parses', async () => {
    await writeFile(configPath, UNCLOSED);
    await writeFile(`${configPath}.bak`, VALID);
    expect((await run(absent)).remedy).toContain(`cp ${configPath}.bak ${configPath}; it parses`);
    await writeFile(`${configPath}.bak`, UNCLOSED);
    expect((await run(absent)).remedy).toContain('has a syntax error too');
  });

  it('never echoes the file contents (they hold tokens)', async () => {
    for (const text of [MISSING_QUOTE, VALID]) {
      await writeFile(configPath, text);
      for (const openclaw of [absent, cli({ FAKE_OPENCLAW_VALIDATE: 'auto' })]) {
        expect(JSON.stringify(await run(openclaw))).not.toContain('tok-9f8e7d6c5b4a3210');
      }
    }
  });

  it('warns, naming the path and why, when the file cannot be read', async () => {
    const dirAsConfig = tmp.dir;
    const r = await configCheck.run(makeCheckContext({ openclaw: absent, configPath: dirAsConfig }));
    expect(r.status).toBe('warn');
    expect(r.summary).toBe(`cannot read ${dirAsConfig}: it is a directory (EISDIR)`);
  });

  it('warns on EACCES, naming the path and suggesting the gateway user', async () => {
    await writeFile(configPath, VALID);
    await chmod(configPath, 0o000);
    // Root reads a mode-000 file anyway; then the real error cannot be produced here, so build it.
    const asRoot = process.getuid?.() === 0;
    const r = asRoot
      ? readFailure(configPath, Object.assign(new Error(`EACCES: permission denied, open '${configPath}'`), { code: 'EACCES' }))
      : await run(absent);
    expect(r.status).toBe('warn');
    expect(r.summary).toBe(`cannot read ${configPath}: permission denied (EACCES)`);
    expect(r.remedy).toContain('same user as the gateway');
  });
});

describe('config check: openclaw config validate', () => {
  it('is ok when the CLI says valid, and times the validation', async () => {
    await writeFile(configPath, VALID);
    const before = (await fake.calls()).length;
    const r = await run(cli({ FAKE_OPENCLAW_VALIDATE: 'auto' }));
    expect(r.status).toBe('ok');
    expect(r.summary).toMatch(/^openclaw\.json is valid \(openclaw config validate, \d/);
    expect(r.metrics?.validateMs).toBeGreaterThan(0);
    // It validated this file, not the CLI's default one, and without a --timeout flag validate does not have.
    const calls = (await fake.calls()).slice(before);
    expect(calls).toEqual([
      expect.objectContaining({ argv: ['config', 'validate', '--json'], configPath, stateDir: tmp.dir }),
    ]);
  });

  it('is crit listing the issues when the CLI says invalid', async () => {
    await writeFile(configPath, VALID);
    const r = await run(cli({ FAKE_OPENCLAW_VALIDATE: 'invalid' }));
    expect(r.status).toBe('crit');
    expect(r.summary).toBe('openclaw.json is invalid: gateway.port: Invalid input: expected number, received string');
    expect(r.diagnosis).toContain('gateway.port: Invalid input: expected number, received string');
    expect(r.diagnosis).toContain('exits 78');
    expect(r.metrics).toMatchObject({ issues: 1, warnings: 0 });
  });

  it('masks the gateway token if the CLI echoes it in an issue', async () => {
    await writeFile(configPath, VALID);
    const token = 'gw-7f3a9c2e51d84b60';
    const openclaw = cli({ FAKE_OPENCLAW_VALIDATE: 'invalid', FAKE_OPENCLAW_LEAK: token });
    const r = await configCheck.run(makeCheckContext({ openclaw, configPath, target: { token } }));
    expect(r.status).toBe('crit');
    expect(r.diagnosis).toContain('gateway.auth: Invalid input: *** is not a SecretRef');
    expect(JSON.stringify(r)).not.toContain(token);
  });

  it('lists every issue, counting the rest in the summary', async () => {
    await writeFile(configPath, VALID);
    const r = await run(cli({ FAKE_OPENCLAW_VALIDATE: 'unknown-keys' }));
    expect(r.status).toBe('crit');
    expect(r.summary).toBe('openclaw.json is invalid: gateway: Unrecognized key: "bogusKey" (+1 more)');
    expect(r.diagnosis?.split('\n').slice(0, 2)).toEqual([
      'gateway: Unrecognized key: "bogusKey"',
      '<root>: Unrecognized key: "totallyUnknownTop"',
    ]);
  });

  it('warns on validation warnings such as a missing env var', async () => {
    await writeFile(configPath, VALID);
    const r = await run(cli({ FAKE_OPENCLAW_VALIDATE: 'warnings' }));
    expect(r.status).toBe('warn');
    expect(r.summary).toBe(
      'openclaw.json is valid with 1 warning: gateway.auth.token: Missing env var "MISSING_TOKEN_VAR" - feature using this value will be unavailable',
    );
    expect(r.remedy).toContain('.env');
    expect(r.metrics).toMatchObject({ issues: 0, warnings: 1 });
  });

  it('reports the local parse and a note when the CLI is absent', async () => {
    await writeFile(configPath, VALID);
    const r = await run(absent);
    expect(r.status).toBe('ok');
    expect(r.summary).toBe("openclaw.json parses as JSON5; schema not validated: openclaw CLI not found on PATH (set openclaw.bin in clawmedic's config)");
    expect(JSON.stringify(r)).not.toContain('/nonexistent-bin');
    expect(r.metrics?.validateMs).toBeUndefined();
  });

  it('another openclaw CLI run holding the slot (a one-shot check runs doctor too) is OK with a note; too little memory is a WARN', async () => {
    await writeFile(configPath, VALID);
    const skipping = (skippedFor: 'turn' | 'memory', why: string): OpenclawCli => ({
      path: '/usr/bin/openclaw',
      run: async () => ({ code: null, signal: null, stdout: '', stderr: '', timedOut: false, durationMs: 0, skipped: why, skippedFor }),
    });
    const waited = await run(skipping('turn', 'its turn did not come within 18 s (another openclaw CLI run took it)'));
    expect(waited.status).toBe('ok');
    expect(waited.summary).toMatch(/^openclaw\.json parses as JSON5; schema not validated this time: .*its turn did not come/);
    const short = await run(skipping('memory', 'only 120 MiB of memory available and openclaw config validate needs about 280 MiB'));
    expect(short.status).toBe('warn');
  });

  it('keeps the local result and says validation could not run when the CLI prints garbage', async () => {
    await writeFile(configPath, VALID);
    const r = await run(cli({ FAKE_OPENCLAW_VALIDATE: 'garbage' }));
    expect(r.status).toBe('warn');
    expect(r.summary).toBe(
      'openclaw.json parses as JSON5; schema not validated: openclaw config validate gave no JSON result (exit 139): Segmentation fault (core dumped)',
    );
  });

  it('keeps the local result when validate hangs, killing it before the check deadline', async () => {
    await writeFile(configPath, VALID);
    const started = performance.now();
    const r = await run(cli({ FAKE_OPENCLAW_VALIDATE: 'hang' }), 1_500);
    expect(performance.now() - started).toBeLessThan(2_500);
    expect(r.status).toBe('warn');
    expect(r.summary).toBe(
      'openclaw.json parses as JSON5; schema not validated: openclaw config validate did not finish within 1.3s (killed)',
    );
  });

  it('does not call the CLI when the local parse already failed', async () => {
    await writeFile(configPath, MISSING_QUOTE);
    const before = (await fake.calls()).length;
    expect((await run(cli())).status).toBe('crit');
    expect((await fake.calls()).length).toBe(before);
  });
});
