// The secrets and providers checks against the real OpenClaw: its own `secrets audit` and `models status`
// on the test gateway's config, with the real gateway's environment read from /proc. The test gateway has no
// model provider set up: that is OK with a note, not a failure.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runClawmedic, startRealGateway, type RealGateway } from './real-openclaw.ts';

interface CheckJson {
  checks: Array<{ id: string; status: string; summary: string; details?: Record<string, any> }>;
}

let gw: RealGateway;
beforeAll(async () => {
  gw = await startRealGateway();
});
afterAll(async () => {
  await gw?.cleanup();
});

it('secrets and providers tell the truth about the real gateway: a clean audit, no provider configured (OK, said)', async () => {
  const r = await runClawmedic(['check', '--json', 'secrets', 'providers', 'dns', 'tls', 'firewall', 'webhooks'], gw.env, 180_000);
  const body = JSON.parse(r.stdout) as CheckJson;
  const byId = Object.fromEntries(body.checks.map((c) => [c.id, c]));
  expect(body.checks.filter((c) => c.status !== 'ok'), r.stdout).toEqual([]);
  expect(byId.secrets!.summary).toBe('secrets audit clean; no ${VAR} references');
  expect(byId.secrets!.details!.audit).toMatchObject({ command: 'openclaw secrets audit --check --json', exitCode: 0, status: 'clean' });
  // The environment judged is the real gateway's (the process on its port), not clawmedic's.
  expect(byId.secrets!.details!.environment).toMatchObject({ source: 'process', from: expect.stringMatching(/^pid \d+ \(openclaw-gateway\)$/) });
  expect(byId.providers!.summary).toBe(
    'no model provider configured: the default model openai/gpt-6-astra has no credentials, so agents cannot answer yet (set one up with `openclaw onboard` or `openclaw models auth login`)',
  );
  expect(byId.providers!.details).toMatchObject({ command: 'openclaw models status --check --json', exitCode: 1 });
  expect(byId.dns!.summary).toMatch(/^no host to resolve/);
  expect(byId.firewall!.summary).toMatch(/^the gateway binds loopback only \(gateway\.bind loopback; listening on 127\.0\.0\.1, \[::1\]\)/);
  expect(r.stdout + r.stderr).not.toContain(gw.token);
});

it("a ${VAR} the gateway's environment lacks, in a copy of its config: the real audit's REF_UNRESOLVED, named once, never a value", async () => {
  const config = join(gw.home, 'openclaw-with-ref.json');
  await writeFile(
    config,
    '{ gateway: { mode: "local", auth: { mode: "token" } }, models: { providers: { acme: { baseUrl: "https://llm.invalid/v1", apiKey: "${CM_E2E_MISSING_KEY}", models: [] } } } }\n',
    { mode: 0o600 },
  );
  const r = await runClawmedic(['check', '--json', 'secrets'], { ...gw.env, OPENCLAW_CONFIG_PATH: config }, 120_000);
  const secrets = (JSON.parse(r.stdout) as CheckJson).checks[0]!;
  expect(secrets.status, r.stdout).toBe('crit');
  expect(secrets.summary).toMatch(/^1 secret problem: REF_UNRESOLVED models\.providers\.acme\.apiKey: .*CM_E2E_MISSING_KEY/);
  expect(r.stdout).not.toContain(gw.token);
});
