import { describe, expect, it } from 'vitest';
import { recoverySchema, type RecoveryConfig } from '../../src/recovery/config.ts';
import { execFileGroup } from '../../src/platform/exec.ts';
import { runRunbook, type BuiltinSteps, type GatewayView } from '../../src/recovery/runbook.ts';
import type { StepResult } from '../../src/recovery/step-result.ts';

const down: GatewayView = { alive: false, stopped: false, answering: false, before: {}, summary: 'nothing listening, no gateway process' };
const answering: GatewayView = { alive: true, stopped: false, answering: true, before: { pid: 4121 }, summary: 'openclaw-gateway pid 4121 answers' };

/** Steps that succeed unless told otherwise, recording what was called. */
function fakeSteps(over: Partial<Record<keyof BuiltinSteps | 'never', unknown>> = {}, view: GatewayView = down) {
  const calls: string[] = [];
  const ok = (summary: string): StepResult => ({ ok: true, summary });
  const steps: BuiltinSteps = {
    look: async () => (calls.push('look'), view),
    validate: async () => (calls.push('validate'), (over.validate as StepResult) ?? ok('openclaw.json is valid')),
    restart: async () => (calls.push('restart'), (over.restart as StepResult) ?? ok('restarted in place')),
    stop: async () => (calls.push('stop'), (over.stop as StepResult) ?? ok('stopped')),
    clearCache: async (dry) => (calls.push(dry ? 'clearCache?' : 'clearCache'), (over.clearCache as StepResult) ?? ok('would remove 1 cache directory')),
    start: async () => (calls.push('start'), (over.start as StepResult) ?? ok('started pid 5000')),
    verify: async () => (calls.push('verify'), (over.verify as StepResult) ?? ok('ready in 12 s, new boot')),
    describe: (step) => `run the built-in ${step}`,
  };
  if (over.never) steps[over.never as 'stop'] = () => new Promise(() => {});
  return { steps, calls };
}

function config(over: Record<string, unknown> = {}): RecoveryConfig {
  return recoverySchema.parse({ enabled: true, ...over });
}

let clock = 0;
const run = (steps: BuiltinSteps, over: Partial<Parameters<typeof runRunbook>[0]> = {}) =>
  runRunbook({ config: config(), steps, exec: execFileGroup, redact: (t) => t.replaceAll('s3cret', '[REDACTED]'), now: () => (clock += 100), signal: new AbortController().signal, by: 'agent', id: 'a1', ...over });

describe('runbook', () => {
  it('validates, stops, clears, starts and verifies a gateway that is down', async () => {
    const { steps, calls } = fakeSteps();
    let acted = 0;
    const attempt = await run(steps, { beforeAct: () => (acted += 1) });
    expect(calls).toEqual(['look', 'validate', 'clearCache?', 'stop', 'clearCache', 'start', 'verify']);
    expect(attempt).toMatchObject({ outcome: 'recovered', reason: 'stop and start; ready in 12 s, new boot' });
    expect(attempt.steps.map((s) => `${s.step}:${s.outcome}`)).toEqual(['preflight:ok', 'validate:ok', 'stop:ok', 'clearCache:ok', 'start:ok', 'verify:ok']);
    expect(acted).toBe(1);
  });

  it('an invalid config stops it before anything is stopped or started, with the issues', async () => {
    const { steps, calls } = fakeSteps({ validate: { ok: false, summary: 'openclaw.json:3:14: JSON5: invalid character' } });
    let acted = 0;
    const attempt = await run(steps, { beforeAct: () => (acted += 1) });
    expect(calls).toEqual(['look', 'validate']);
    expect(attempt).toMatchObject({ outcome: 'blocked', failedStep: 'validate' });
    expect(attempt.reason).toContain('openclaw.json:3:14');
    expect(acted).toBe(0);
  });

  it('never touches a port held by another program', async () => {
    const { steps, calls } = fakeSteps({}, { ...down, foreignListener: 'python3 (pid 7017)', summary: 'port held by python3 (pid 7017)' });
    const attempt = await run(steps);
    expect(calls).toEqual(['look']);
    expect(attempt).toMatchObject({ outcome: 'blocked', failedStep: 'preflight' });
    expect(attempt.reason).toContain('python3 (pid 7017)');
  });

  it('a cache path that would be refused stops it before the stop', async () => {
    const { steps, calls } = fakeSteps({ clearCache: { ok: false, summary: 'refused /etc: outside ~/.openclaw/cache' } });
    const attempt = await run(steps);
    expect(calls).toEqual(['look', 'validate', 'clearCache?']);
    expect(attempt).toMatchObject({ outcome: 'blocked', failedStep: 'clearCache' });
  });

  it('restarts in place first when the gateway answers but is unhealthy, and stops there when that works', async () => {
    const { steps, calls } = fakeSteps({}, answering);
    const attempt = await run(steps);
    expect(calls).toEqual(['look', 'validate', 'clearCache?', 'restart', 'verify']);
    expect(attempt.reason).toMatch(/^gateway restart in place/);
  });

  it('goes on to stop and start when the in-place restart does not bring health back', async () => {
    const { steps, calls } = fakeSteps({ restart: { ok: false, summary: 'result restart-health-failed' } }, answering);
    const attempt = await run(steps);
    expect(calls).toEqual(['look', 'validate', 'clearCache?', 'restart', 'stop', 'clearCache', 'start', 'verify']);
    expect(attempt.outcome).toBe('recovered');
  });

  it('skips the in-place restart for a stopped (SIGSTOP) process', async () => {
    const { steps, calls } = fakeSteps({}, { ...answering, stopped: true });
    await run(steps);
    expect(calls).not.toContain('restart');
  });

  it('stops at the step that fails and names it', async () => {
    const { steps, calls } = fakeSteps({ stop: { ok: false, summary: 'pid 4121 is still alive after SIGKILL' } });
    const attempt = await run(steps);
    expect(calls).toEqual(['look', 'validate', 'clearCache?', 'stop']);
    expect(attempt).toMatchObject({ outcome: 'failed', failedStep: 'stop', reason: 'stop failed: pid 4121 is still alive after SIGKILL' });
  });

  it('a failed start and a failed verification are failures with their reason', async () => {
    const start = await run(fakeSteps({ start: { ok: false, summary: 'the gateway exited 78 within 2 s' } }).steps);
    expect(start).toMatchObject({ outcome: 'failed', failedStep: 'start' });
    const verify = await run(fakeSteps({ verify: { ok: false, summary: '/readyz still failing: telegram' } }).steps);
    expect(verify).toMatchObject({ outcome: 'failed', failedStep: 'verify', reason: 'not healthy after the start: /readyz still failing: telegram' });
  });

  it('a configured command that is missing stops the runbook at that step with the reason', async () => {
    const { steps, calls } = fakeSteps();
    const attempt = await run(steps, { config: config({ steps: { stop: { command: ['/nonexistent/clawmedic-stop', 'now'] } } }) });
    expect(calls).not.toContain('stop');
    expect(calls).not.toContain('start');
    expect(attempt).toMatchObject({ outcome: 'failed', failedStep: 'stop' });
    expect(attempt.reason).toMatch(/clawmedic-stop could not be run: .*ENOENT/);
    expect(attempt.steps.find((s) => s.step === 'stop')?.command).toEqual(['/nonexistent/clawmedic-stop', 'now']);
  });

  it('a configured command that hangs is killed at its timeout', async () => {
    const { steps } = fakeSteps();
    const attempt = await run(steps, { config: config({ steps: { stop: { command: [process.execPath, '-e', 'setInterval(() => {}, 1e6)'], timeout: 300 } } }) });
    expect(attempt).toMatchObject({ outcome: 'failed', failedStep: 'stop' });
    expect(attempt.reason).toMatch(/did not finish within 300ms \(killed\)/);
  });

  it('keeps only the tail of a command that prints megabytes, redacted, and a non-zero exit fails', async () => {
    const { steps } = fakeSteps();
    const script = "process.stdout.write('x'.repeat(3e6)); console.error('token s3cret rejected'); process.exit(3)";
    const attempt = await run(steps, { config: config({ steps: { start: { command: [process.execPath, '-e', script] } } }) });
    expect(attempt).toMatchObject({ outcome: 'failed', failedStep: 'start' });
    const start = attempt.steps.find((s) => s.step === 'start')!;
    expect(start.output!.length).toBeLessThanOrEqual(2_048);
    expect(start.output).toContain('token [REDACTED] rejected');
    expect(start.summary).toBe(`${process.execPath} exited 3: token [REDACTED] rejected`);
    expect(JSON.stringify(attempt)).not.toContain('s3cret');
  });

  it('gives up on a built-in step that never returns, at its timeout', async () => {
    const { steps } = fakeSteps({ never: 'stop' });
    const attempt = await run(steps, { config: config({ steps: { stop: { timeout: 50 } } }) });
    expect(attempt).toMatchObject({ outcome: 'failed', failedStep: 'stop' });
    expect(attempt.reason).toMatch(/stop did not finish within 50ms/);
  });

  it('a dry run says what each step would run and does nothing', async () => {
    const { steps, calls } = fakeSteps();
    const attempt = await run(steps, { dryRun: true, config: config({ steps: { start: { command: ['systemctl', '--user', 'start', 'openclaw-gateway'] } } }) });
    expect(calls).toEqual(['look', 'clearCache?']);
    expect(attempt.outcome).toBe('blocked');
    expect(attempt.steps.map((s) => s.summary)).toEqual([
      'nothing listening, no gateway process',
      'would run the built-in validate (timeout 1m)',
      'would run the built-in stop (timeout 30s)',
      'would remove 1 cache directory (timeout 30s)',
      'would run: systemctl --user start openclaw-gateway (timeout 30s)',
      'would run the built-in verify (timeout 1m30s)',
    ]);
  });

  it('stopping clawmedic mid-attempt ends it as aborted', async () => {
    const controller = new AbortController();
    const { steps, calls } = fakeSteps();
    steps.validate = async () => {
      controller.abort();
      return { ok: true, summary: 'valid' };
    };
    const attempt = await run(steps, { signal: controller.signal });
    expect(attempt.outcome).toBe('aborted');
    expect(calls).not.toContain('stop');
  });
});

describe('runbook when clawmedic stops in the middle', () => {
  it('a gateway already stopped is still started (the stop request does not leave it down), then it ends as aborted', async () => {
    const controller = new AbortController();
    const { steps, calls } = fakeSteps();
    steps.stop = async () => {
      calls.push('stop');
      controller.abort();
      return { ok: true, summary: 'stopped' };
    };
    let startSignal: AbortSignal | undefined;
    steps.start = async (signal) => {
      calls.push('start');
      startSignal = signal;
      return { ok: true, summary: 'started' };
    };
    const attempt = await run(steps, { signal: controller.signal });
    expect(calls).toEqual(['look', 'validate', 'clearCache?', 'stop', 'start']);
    expect(startSignal?.aborted).toBe(false);
    expect(attempt.outcome).toBe('aborted');
    expect(attempt.steps.find((s) => s.step === 'clearCache')).toMatchObject({ outcome: 'skipped' });
  });
});
