// The doctor check against the fake `openclaw` CLI, run as a real child process in its own group.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { doctorCheck } from '../../checks/doctor.ts';
import { silentLogger } from '../../src/logger.ts';
import { findOpenclawCli } from '../../src/platform/openclaw-cli.ts';
import {
  type FakeOpenclaw,
  type FakeOpenclawVars,
  installFakeOpenclaw,
  isProcessAlive,
  killIfAlive,
  makeCheckContext,
  waitForExit,
} from '../fixtures/openclaw-cli-harness.ts';

let fake: FakeOpenclaw;
beforeAll(async () => {
  fake = await installFakeOpenclaw();
});
afterAll(async () => {
  await fake.cleanup();
});

function run(vars: FakeOpenclawVars, options: Record<string, unknown> = {}, timeoutMs = 20_000) {
  return doctorCheck.run(makeCheckContext({ openclaw: fake.cli(vars), options, timeoutMs }));
}

async function callsSince(before: number) {
  return (await fake.calls()).slice(before);
}

describe('doctor check', () => {
  it('has the schedule and timeout doctor --lint needs (13-18 s per run)', () => {
    expect(doctorCheck.id).toBe('doctor');
    expect(doctorCheck.defaults).toMatchObject({ schedule: '*/30 * * * *', timeoutMs: 90_000 });
  });

  it('runs only `doctor --lint --json --severity-min <level>`, never plain doctor', async () => {
    const before = (await fake.calls()).length;
    await run({ FAKE_OPENCLAW_DOCTOR: 'clean' });
    await run({ FAKE_OPENCLAW_DOCTOR: 'findings' }, { minSeverity: 'warning' });
    const calls = await callsSince(before);
    expect(calls.map((c) => c.argv)).toEqual([
      ['doctor', '--lint', '--json', '--severity-min', 'error'],
      ['doctor', '--lint', '--json', '--severity-min', 'warning'],
    ]);
    // Every doctor invocation ever logged by this file's fake carried --lint.
    for (const c of await fake.calls()) if (c.argv?.[0] === 'doctor') expect(c.argv).toContain('--lint');
  });

  it('is ok without findings', async () => {
    const r = await run({ FAKE_OPENCLAW_DOCTOR: 'clean' });
    expect(r.status).toBe('ok');
    expect(r.summary).toBe('doctor --lint: no findings at or above error (35 checks run)');
    expect(r.diagnosis).toBeUndefined();
    expect(r.metrics).toMatchObject({ findings: 0, errors: 0, warnings: 0 });
    expect(r.metrics?.durationMs).toBeGreaterThan(0);
  });

  it('warns on warning findings, lists them in the diagnosis and puts their fix hints in the remedy', async () => {
    const r = await run({ FAKE_OPENCLAW_DOCTOR: 'findings' }, { minSeverity: 'warning' });
    expect(r.status).toBe('warn');
    expect(r.summary).toMatch(/^doctor --lint: 2 warnings: Gateway is only bound to loopback/);
    expect(r.diagnosis?.split('\n')).toEqual([
      expect.stringMatching(/^\[warning\] core\/doctor\/node-hosting-preconditions gateway\.bind - Gateway is only bound/),
      '[warning] core/doctor/security - WARNING: openclaw.json contains plaintext secret-bearing config fields.',
    ]);
    expect(r.remedy).toContain('- core/doctor/node-hosting-preconditions: If an edge proxy fronts node onboarding');
    expect(r.remedy).toContain('- core/doctor/security: Migrate them to SecretRefs');
    expect(r.metrics).toMatchObject({ findings: 2, errors: 0, warnings: 2 });
  });

  it('is ok when the same warnings are below the default threshold (error)', async () => {
    const r = await run({ FAKE_OPENCLAW_DOCTOR: 'findings' });
    expect(r.status).toBe('ok');
  });

  it('is crit on an error finding, which comes first', async () => {
    const r = await run({ FAKE_OPENCLAW_DOCTOR: 'errors' }, { minSeverity: 'warning' });
    expect(r.status).toBe('crit');
    expect(r.summary).toMatch(/^doctor --lint: 1 error, 2 warnings: gateway\.mode is not set/);
    expect(r.diagnosis?.split('\n')[0]).toBe(
      '[error] core/doctor/gateway-config gateway.mode - gateway.mode is not set; the gateway will refuse to start.',
    );
    expect(r.remedy?.split('\n')[0]).toBe(
      '- core/doctor/gateway-config: Run openclaw config set gateway.mode local (or start with --allow-unconfigured).',
    );
    expect(r.metrics).toMatchObject({ findings: 3, errors: 1, warnings: 2 });
  });

  it('caps the diagnosis when doctor reports dozens of findings', async () => {
    const r = await run({ FAKE_OPENCLAW_DOCTOR: 'all' }, { minSeverity: 'info' });
    expect(r.status).toBe('warn');
    const lines = r.diagnosis?.split('\n') ?? [];
    expect(lines).toHaveLength(11);
    expect(lines[10]).toMatch(/^\.\.\. and 29 more/);
    expect(r.metrics?.findings).toBe(39);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(300);
  });

  it('finds the JSON report behind plugin banner lines', async () => {
    const r = await run({ FAKE_OPENCLAW_DOCTOR: 'errors', FAKE_OPENCLAW_BANNER: '1' });
    expect(r.status).toBe('crit');
    expect(r.metrics).toMatchObject({ findings: 1, errors: 1 });
  });

  it('is unknown, with the reason, when doctor could not run (exit 2, checksRun 0)', async () => {
    const r = await run({ FAKE_OPENCLAW_DOCTOR: 'failed' });
    expect(r.status).toBe('unknown');
    expect(r.summary).toBe("doctor could not run: EACCES: permission denied, open '/root/.openclaw/openclaw.json'");
    expect(r.details).toMatchObject({ exitCode: 2, errorType: 'cli_error' });
  });

  it('is unknown on garbage output, quoting it redacted', async () => {
    const r = await run({ FAKE_OPENCLAW_DOCTOR: 'garbage' });
    expect(r.status).toBe('unknown');
    expect(r.summary).toMatch(/^doctor printed output that is neither its JSON report nor doctor text \(exit 0\): "/);
    expect(r.summary).toContain('not a report');
    expect(JSON.stringify(r)).not.toContain('s3cr3tT0kenValue1234');
  });

  it('masks the gateway token wherever doctor prints it bare', async () => {
    const token = 'gw-7f3a9c2e51d84b60';
    const openclaw = fake.cli({ FAKE_OPENCLAW_DOCTOR: 'findings', FAKE_OPENCLAW_LEAK: token });
    const r = await doctorCheck.run(
      makeCheckContext({ openclaw, options: { minSeverity: 'warning' }, target: { token } }),
    );
    expect(r.status).toBe('warn');
    expect(r.diagnosis).toContain('gateway.auth.token is stored in plain text (***).');
    expect(JSON.stringify(r)).not.toContain(token);
  });

  it('is unknown when doctor crashes without output, naming the error', async () => {
    const r = await run({ FAKE_OPENCLAW_DOCTOR: 'crash' });
    expect(r.status).toBe('unknown');
    expect(r.summary).toBe("doctor printed nothing (exit 1): TypeError: Cannot read properties of undefined (reading 'checks')");
  });

  it('reads the plain-text lint form when the CLI ignores --json', async () => {
    const r = await run({ FAKE_OPENCLAW_DOCTOR: 'lint-text' }, { minSeverity: 'warning' });
    expect(r.status).toBe('crit');
    expect(r.diagnosis?.split('\n')).toEqual([
      '[error] core/doctor/gateway-config gateway.mode - gateway.mode is not set.',
      '[warning] core/doctor/node-hosting-preconditions gateway.bind - Gateway is only bound to loopback.',
    ]);
    expect(r.remedy).toContain('Run openclaw config set gateway.mode local.');
    expect(r.details).toMatchObject({ format: 'text', checksRun: 6 });
  });

  it('reads the clack text report (samples/doctor-text.txt)', async () => {
    const r = await run({ FAKE_OPENCLAW_DOCTOR: 'text' }, { minSeverity: 'warning' });
    expect(r.status).toBe('warn');
    expect(r.diagnosis).toMatch(/^\[warning\] core\/doctor\/node-hosting-preconditions gateway\.bind - /);
    expect(r.details).toMatchObject({ format: 'text', complete: true });
  });

  it("reads the guide's ✓/✗ form: failures are errors, with the arrow line's detail", async () => {
    const r = await run({ FAKE_OPENCLAW_DOCTOR: 'guide-text' });
    expect(r.status).toBe('crit');
    expect(r.diagnosis?.split('\n')).toEqual([
      '[error] Gateway connection - failed (Error: ECONNREFUSED 127.0.0.1:3000)',
      '[error] Channel - telegram - webhook not configured',
    ]);
    expect(r.details).toMatchObject({ passed: ['Node.js version', 'Configuration file', 'Model provider'] });
  });

  it('kills a hanging doctor and its whole process group at the deadline, and says so', async () => {
    const before = (await fake.calls()).length;
    const started = performance.now();
    const r = await run({ FAKE_OPENCLAW_DOCTOR: 'hang' }, {}, 1_500);
    const elapsed = performance.now() - started;
    const childPid = (await callsSince(before)).find((c) => c.childPid !== undefined)?.childPid;
    try {
      expect(r.status).toBe('unknown');
      expect(r.summary).toBe('doctor did not finish within 1.3s (killed)');
      expect(elapsed).toBeLessThan(1_500 + 1_000);
      expect(childPid).toBeTypeOf('number');
      // The child ignores SIGTERM and is not the leader: only a group-wide SIGKILL removes it.
      expect(await waitForExit(childPid!)).toBe(true);
    } finally {
      if (childPid !== undefined && isProcessAlive(childPid)) killIfAlive(childPid);
    }
  });

  it('stops doctor when the check is cancelled (agent stopping), without blaming the timeout', async () => {
    const before = (await fake.calls()).length;
    const ac = new AbortController();
    const pending = doctorCheck.run(
      makeCheckContext({ openclaw: fake.cli({ FAKE_OPENCLAW_DOCTOR: 'hang' }), signal: ac.signal, timeoutMs: 20_000 }),
    );
    // Abort once the fake has started its child, so there is a group to kill.
    while (!(await callsSince(before)).some((c) => c.childPid !== undefined)) await new Promise((r) => setTimeout(r, 20));
    ac.abort();
    const r = await pending;
    const childPid = (await callsSince(before)).find((c) => c.childPid !== undefined)?.childPid;
    try {
      expect(r.status).toBe('unknown');
      expect(r.summary).toBe('doctor was cancelled before it finished (killed)');
      expect(await waitForExit(childPid!)).toBe(true);
    } finally {
      if (childPid !== undefined && isProcessAlive(childPid)) killIfAlive(childPid);
    }
  });

  it('is unknown with a remedy when the CLI is not installed', async () => {
    const cli = findOpenclawCli({ env: { PATH: '/nonexistent-a:/nonexistent-b' } });
    const debug: string[] = [];
    const r = await doctorCheck.run({ ...makeCheckContext({ openclaw: cli }), log: { ...silentLogger, debug: (_o: unknown, m?: string) => debug.push(m ?? '') } });
    expect(r.status).toBe('unknown');
    expect(debug).toEqual(['openclaw CLI not found (searched PATH: /nonexistent-a:/nonexistent-b)']);
    // One line that says where to set it; the PATH it searched is for --debug only.
    expect(r.summary).toBe("doctor cannot run: openclaw CLI not found on PATH (set openclaw.bin in clawmedic's config)");
    expect(JSON.stringify(r)).not.toContain('/nonexistent-a');
    expect(r.remedy).toMatch(/openclaw\.bin/);
  });

  it('rejects a bad minSeverity option instead of guessing', async () => {
    const r = await run({}, { minSeverity: 'loud' });
    expect(r.status).toBe('unknown');
    expect(r.summary).toContain('minSeverity must be info, warning or error');
  });
});
