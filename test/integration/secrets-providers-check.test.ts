// The secrets and providers checks against the fake openclaw CLI built from real `secrets audit` and
// `models status` outputs (test/fixtures/openclaw-samples), and a real process standing in for the gateway
// on its port, whose /proc/<pid>/environ is the gateway's environment.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { providersCheck } from '../../checks/providers.ts';
import { secretsCheck } from '../../checks/secrets.ts';
import type { Check, OpenclawCli } from '../../src/contracts.ts';
import { freePort, startFakeGateway, stopAllChildren, testContext } from '../fixtures/gateway-harness.ts';
import { installFakeOpenclaw, makeTempDir, type FakeOpenclaw } from '../fixtures/openclaw-cli-harness.ts';

let fake: FakeOpenclaw;
let tmp: { dir: string; cleanup(): Promise<void> };
let n = 0;
const SECRET_VALUE = 'tok-value-must-not-show-31337';

beforeAll(async () => {
  fake = await installFakeOpenclaw();
  tmp = await makeTempDir('clawmedic-secrets-');
});
afterAll(async () => {
  await fake?.cleanup();
  await tmp?.cleanup();
});
afterEach(async () => {
  await stopAllChildren();
});

/** A state dir holding openclaw.json (and a .env when given). */
async function stateDir(openclawJson: string, dotenv?: string): Promise<string> {
  const dir = join(tmp.dir, `state-${n++}`);
  await mkdir(dir);
  await writeFile(join(dir, 'openclaw.json'), openclawJson);
  if (dotenv !== undefined) await writeFile(join(dir, '.env'), dotenv);
  return dir;
}

function run(check: Check, dir: string, port: number, cli: OpenclawCli, options: Record<string, unknown> = {}, timeoutMs = 20_000) {
  return check.run(testContext({ port, timeoutMs, openclaw: cli, options, target: { openclawConfigPath: join(dir, 'openclaw.json'), openclawStateDir: dir } }));
}

const E2E_CONFIG = '{ gateway: { mode: "local", auth: { mode: "token" } } }';
const REFS_CONFIG = `{
  gateway: { mode: "local", auth: { mode: "token", token: "\${CM_H4_TOKEN}" } },
  models: { providers: { acme: { baseUrl: "https://llm.example.test/v1", apiKey: { source: "env", provider: "default", id: "CM_H4_KEY" } } } },
  channels: { telegram: { botToken: "\${CM_H4_BOT}", proxy: "$\${NOT_A_REF}" } },
}`;

describe('secrets check', () => {
  it('a clean audit and no references: OK', async () => {
    const gw = await startFakeGateway();
    const r = await run(secretsCheck, await stateDir(E2E_CONFIG), gw.port, fake.cli());
    expect(r).toMatchObject({ status: 'ok', summary: 'secrets audit clean; no ${VAR} references' });
  });

  it("names the ${VAR} the gateway's environment lacks, counts one set in OpenClaw's .env, never shows a value", async () => {
    const gw = await startFakeGateway({ env: { CM_H4_TOKEN: SECRET_VALUE } });
    const dir = await stateDir(REFS_CONFIG, `# OpenClaw's own .env\nexport CM_H4_BOT="${SECRET_VALUE}"\n`);
    const r = await run(secretsCheck, dir, gw.port, fake.cli());
    expect(r.status).toBe('warn');
    expect(r.summary).toBe(`1 secret problem: \${CM_H4_KEY} is not set in the gateway's environment (pid ${gw.pid} (openclaw-gateway)): used at models.providers.acme.apiKey`);
    expect(r.remedy).toContain('openclaw secrets reload');
    expect(r.metrics).toMatchObject({ envReferences: 3, missingEnv: 1 });
    expect(JSON.stringify(r)).not.toContain(SECRET_VALUE);
  });

  it("runs the audit with the gateway's environment laid over clawmedic's", async () => {
    const gw = await startFakeGateway({ env: { CM_H4_ONLY_GATEWAY: 'x' } });
    await run(secretsCheck, await stateDir(E2E_CONFIG), gw.port, fake.cli({ FAKE_OPENCLAW_ENV_PROBE: 'CM_H4_ONLY_GATEWAY' }));
    const call = (await fake.calls()).filter((c) => c.argv?.[0] === 'secrets').at(-1)!;
    expect(call.argv).toEqual(['secrets', 'audit', '--check', '--json']);
    expect(call.envProbe).toBe(true);
  });

  it('an unresolved ref found by the audit is CRIT, and the same gap is not listed twice', async () => {
    const gw = await startFakeGateway();
    const dir = await stateDir(`{ gateway: { auth: { token: { source: "env", provider: "default", id: "CM_MISSING_GATEWAY_TOKEN" } } } }`);
    const r = await run(secretsCheck, dir, gw.port, fake.cli({ FAKE_OPENCLAW_SECRETS: 'unresolved' }));
    expect(r.status).toBe('crit');
    expect(r.summary).toMatch(/^2 secret problems: REF_UNRESOLVED gateway\.auth\.token: Failed to resolve env:default:CM_MISSING_GATEWAY_TOKEN/);
    expect(r.diagnosis!.split('\n').filter((l) => l.includes('CM_MISSING_GATEWAY_TOKEN'))).toHaveLength(1);
    expect(r.metrics).toMatchObject({ unresolved: 2, findings: 2 });
  });

  it('plaintext at rest is a WARN, or a note with plaintext: ok', async () => {
    const gw = await startFakeGateway();
    const dir = await stateDir(E2E_CONFIG);
    const warn = await run(secretsCheck, dir, gw.port, fake.cli({ FAKE_OPENCLAW_SECRETS: 'plaintext' }));
    expect(warn).toMatchObject({ status: 'warn', summary: '1 secret problem: PLAINTEXT_FOUND gateway.auth.token: gateway.auth.token is stored as plaintext.' });
    expect(warn.remedy).toContain('openclaw secrets configure');
    const ok = await run(secretsCheck, dir, gw.port, fake.cli({ FAKE_OPENCLAW_SECRETS: 'store-plaintext' }), { plaintext: 'ok' });
    expect(ok.status).toBe('ok');
    expect(ok.summary).toContain('PLAINTEXT_FOUND profiles.anthropic:manual.token');
  });

  it('garbage from the CLI, a CLI that hangs, a release without `secrets`: UNKNOWN or a note, each named', async () => {
    const gw = await startFakeGateway();
    const dir = await stateDir(E2E_CONFIG);
    const garbage = await run(secretsCheck, dir, gw.port, fake.cli({ FAKE_OPENCLAW_SECRETS: 'garbage' }));
    expect(garbage).toMatchObject({ status: 'unknown', summary: expect.stringContaining('openclaw secrets audit --check --json gave no JSON answer (exit 139): Segmentation fault') });
    const started = Date.now();
    const hang = await run(secretsCheck, dir, gw.port, fake.cli({ FAKE_OPENCLAW_SECRETS: 'hang' }), {}, 2_500);
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(hang.summary).toMatch(/did not finish within .* \(killed\)/);
    const old = await installFakeOpenclaw({ version: '2026.1.30' });
    try {
      const r = await run(secretsCheck, dir, gw.port, old.cli());
      expect(r).toMatchObject({ status: 'ok', summary: 'no ${VAR} references; not checked: OpenClaw 2026.1.30 lacks `secrets audit` (first in 2026.5.7); upgrade OpenClaw (`openclaw update`) for it' });
    } finally {
      await old.cleanup();
    }
  });

  it('a gateway that is not running and has no service file: references are not judged, said so', async () => {
    const r = await run(secretsCheck, await stateDir(REFS_CONFIG), await freePort(), fake.cli());
    expect(r.status).toBe('ok');
    expect(r.summary).toContain('3 ${VAR} reference(s) not checked: the gateway is not running and has no service environment file to read');
  });

  it("a stopped gateway's service environment file (gateway.systemd.env) is read instead", async () => {
    const dir = await stateDir(REFS_CONFIG);
    await writeFile(join(dir, 'gateway.systemd.env'), `CM_H4_TOKEN=${SECRET_VALUE}\nCM_H4_KEY=x\nCM_H4_BOT=\n`);
    const r = await run(secretsCheck, dir, await freePort(), fake.cli());
    expect(r.status).toBe('warn');
    expect(r.summary).toBe(`1 secret problem: \${CM_H4_BOT} is not set in the gateway's environment (${join(dir, 'gateway.systemd.env')}): used at channels.telegram.botToken`);
  });
});

describe('providers check', () => {
  const ANTHROPIC = '{ gateway: { mode: "local" }, agents: { defaults: { model: { primary: "anthropic/claude-sonnet-4-6" } } } }';

  it('no provider configured (what a fresh install says, exit 1): OK with a note, and never --probe', async () => {
    const gw = await startFakeGateway();
    const r = await run(providersCheck, await stateDir(E2E_CONFIG), gw.port, fake.cli());
    expect(r).toMatchObject({ status: 'ok', summary: 'no model provider configured: the default model openai/gpt-6-astra has no credentials, so agents cannot answer yet (set one up with `openclaw onboard` or `openclaw models auth login`)' });
    const calls = (await fake.calls()).filter((c) => c.argv?.[0] === 'models');
    expect(calls.at(-1)!.argv).toEqual(['models', 'status', '--check', '--json']);
    expect(calls.some((c) => c.argv?.some((a) => a.startsWith('--probe')))).toBe(false);
  });

  it('each provider state named: ok, expiring (WARN), expired (CRIT), indeterminate (WARN); masked key fragments never shown', async () => {
    const gw = await startFakeGateway();
    const dir = await stateDir(ANTHROPIC);
    const ok = await run(providersCheck, dir, gw.port, fake.cli({ FAKE_OPENCLAW_MODELS: 'ok', FAKE_OPENCLAW_LEAK: 'sk-ant-LEAKED-key-material' }));
    expect(ok).toMatchObject({ status: 'ok', summary: 'model auth ok: anthropic ok (env), anthropic-openai ok (env), claude-cli ok (env) (default model anthropic/claude-sonnet-4-6)' });
    expect(JSON.stringify(ok)).not.toMatch(/LEAKED|sk-ant-f\.\.\./);
    const expiring = await run(providersCheck, dir, gw.port, fake.cli({ FAKE_OPENCLAW_MODELS: 'expiring' }));
    expect(expiring).toMatchObject({ status: 'warn', summary: 'model auth: anthropic expiring in 1h59m (default model anthropic/claude-sonnet-4-6)' });
    expect(JSON.stringify(expiring)).not.toContain('nQvGhVAA');
    const expired = await run(providersCheck, dir, gw.port, fake.cli({ FAKE_OPENCLAW_MODELS: 'expired' }));
    expect(expired).toMatchObject({ status: 'crit', summary: 'model auth: anthropic expired (default model anthropic/claude-sonnet-4-6)' });
    expect(expired.remedy).toContain('openclaw models auth login');
    const indeterminate = await run(providersCheck, dir, gw.port, fake.cli({ FAKE_OPENCLAW_MODELS: 'indeterminate' }));
    expect(indeterminate.status).toBe('warn');
    expect(indeterminate.summary).toMatch(/^model auth: anthropic indeterminate for anthropic\/claude-sonnet-4-6: Auth readiness could not be confirmed/);
  });

  it('a configured provider without credentials is CRIT', async () => {
    const gw = await startFakeGateway();
    const r = await run(providersCheck, await stateDir('{ agents: { defaults: { model: { primary: "openai/gpt-6-astra" } } } }'), gw.port, fake.cli());
    expect(r).toMatchObject({ status: 'crit', summary: 'model auth: openai missing (in use, no credentials) (default model openai/gpt-6-astra)' });
  });

  it('a command error, garbage, a missing CLI: UNKNOWN with the reason; --agent is passed when set', async () => {
    const gw = await startFakeGateway();
    const dir = await stateDir(ANTHROPIC);
    const error = await run(providersCheck, dir, gw.port, fake.cli({ FAKE_OPENCLAW_MODELS: 'error' }));
    expect(error).toMatchObject({ status: 'unknown', summary: expect.stringMatching(/^openclaw models status failed \(exit 1\): models status: failed to resolve secrets from the active gateway snapshot/) });
    const garbage = await run(providersCheck, dir, gw.port, fake.cli({ FAKE_OPENCLAW_MODELS: 'garbage' }));
    expect(garbage).toMatchObject({ status: 'unknown', summary: 'openclaw models status --check --json gave no JSON answer (exit 0): <html><body>502 Bad Gateway</body></html>' });
    const missing = await run(providersCheck, dir, gw.port, { path: null, notFoundReason: 'searched PATH: /nowhere', run: async () => ({ code: null, signal: null, stdout: '', stderr: '', timedOut: false, durationMs: 0 }) });
    expect(missing).toMatchObject({ status: 'unknown', summary: "`models status --check --json` cannot run: openclaw CLI not found on PATH (set openclaw.bin in clawmedic's config)" });
    expect(JSON.stringify(missing)).not.toContain('/nowhere');
    await run(providersCheck, dir, gw.port, fake.cli({ FAKE_OPENCLAW_MODELS: 'ok' }), { agent: 'ops' });
    expect((await fake.calls()).filter((c) => c.argv?.[0] === 'models').at(-1)!.argv).toEqual(['models', 'status', '--check', '--json', '--agent', 'ops']);
    expect(providersCheck.optionsSchema!.safeParse({ agent: '--probe' }).success).toBe(false);
  });
});
