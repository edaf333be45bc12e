import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { normaliseSeverity, parseDoctorText } from '../../checks/doctor-text.ts';

const sample = (name: string) => readFileSync(new URL(`../fixtures/openclaw-samples/${name}`, import.meta.url), 'utf8');

describe('parseDoctorText: the real clack report (samples/doctor-text.txt)', () => {
  const report = parseDoctorText(sample('doctor-text.txt'));

  it('finds the one lint finding with its path and fix hint', () => {
    expect(report.findings).toEqual([
      {
        checkId: 'core/doctor/node-hosting-preconditions',
        severity: 'warning',
        path: 'gateway.bind',
        message: expect.stringMatching(/^Gateway is only bound to loopback\. Set gateway\.bind=lan/),
        fixHint: expect.stringMatching(/^If an edge proxy fronts node onboarding.*own credentials\.$/),
      },
    ]);
  });

  it('reads the frame (start, sections, end) and not the prose inside the boxes as checks', () => {
    expect(report.started).toBe(true);
    expect(report.complete).toBe(true);
    expect(report.sections).toEqual([
      'Doctor changes preview',
      'Doctor',
      'Command owner',
      'State integrity',
      'Backups',
      'Gateway',
      'Host desktop',
      'Security',
      'GitHub projects',
      'Browser relay authentication',
      'Skills',
      'Memory search',
      'Workspace',
    ]);
    expect(report.checks).toEqual([]);
    expect(report.recognized).toBeGreaterThan(0);
  });
});

describe("parseDoctorText: the guide's check list (seed/)", () => {
  const guide = [
    '✓ Node.js version: v20.11.0',
    '✓ Configuration file: valid',
    '✗ Gateway connection: failed',
    '→ Error: ECONNREFUSED 127.0.0.1:3000',
    '✓ Model provider: openai connected',
    '✗ Channel: telegram - webhook not configured',
  ].join('\n');

  it('reads passes, failures, and attaches the arrow line to the failure before it', () => {
    const report = parseDoctorText(guide);
    expect(report.checks).toEqual([
      { name: 'Node.js version', status: 'pass', value: 'v20.11.0' },
      { name: 'Configuration file', status: 'pass', value: 'valid' },
      { name: 'Gateway connection', status: 'fail', value: 'failed', error: 'ECONNREFUSED 127.0.0.1:3000' },
      { name: 'Model provider', status: 'pass', value: 'openai connected' },
      { name: 'Channel', status: 'fail', value: 'telegram - webhook not configured' },
    ]);
    expect(report.findings).toEqual([]);
    expect(report.recognized).toBe(6);
  });

  it('reads the same lines inside a clack box and with a warning mark', () => {
    const report = parseDoctorText('│  ✔ Node.js version: v24.21.0  │\n│  ⚠ Disk: 92% used\n│  ✖ Gateway connection: failed');
    expect(report.checks.map((c) => [c.name, c.status])).toEqual([
      ['Node.js version', 'pass'],
      ['Disk', 'warn'],
      ['Gateway connection', 'fail'],
    ]);
  });

  it('ignores an arrow line with no check before it', () => {
    expect(parseDoctorText('→ Error: nothing to attach to').recognized).toBe(0);
  });
});

describe('parseDoctorText: the TTY lint format', () => {
  it('reads the summary, findings with and without a path, and wrapped fix hints', () => {
    const text = [
      'doctor --lint: ran 6 check(s), 2 finding(s)',
      '  [error] core/doctor/gateway-config gateway.mode - gateway.mode is not set - startup is blocked.',
      '    fix: Run openclaw config set gateway.mode local',
      '      or start the gateway with --allow-unconfigured.',
      '  [warning] core/doctor/security - WARNING: openclaw.json contains plaintext secret-bearing config fields.',
      '  [info] core/doctor/backups - No successful backup is recorded.',
    ].join('\n');
    const report = parseDoctorText(text);
    expect(report.lintSummary).toEqual({ checks: 6, findings: 2 });
    expect(report.findings).toEqual([
      {
        checkId: 'core/doctor/gateway-config',
        severity: 'error',
        path: 'gateway.mode',
        message: 'gateway.mode is not set - startup is blocked.',
        fixHint: 'Run openclaw config set gateway.mode local\nor start the gateway with --allow-unconfigured.',
      },
      {
        checkId: 'core/doctor/security',
        severity: 'warning',
        message: 'WARNING: openclaw.json contains plaintext secret-bearing config fields.',
      },
      { checkId: 'core/doctor/backups', severity: 'info', message: 'No successful backup is recorded.' },
    ]);
  });

  it('reads CRLF output with 8-bit CSI colours, bells and bidi overrides in it', () => {
    const report = parseDoctorText(
      'doctor --lint: ran 2 check(s), 1 finding(s)\r\n\u009b33m[warning]\u009b39m core/doctor/security gateway.auth - plain\u0007text \u202etoken\r\n    fix: Use a SecretRef.\r\n',
    );
    expect(report.lintSummary).toEqual({ checks: 2, findings: 1 });
    expect(report.findings).toEqual([
      { checkId: 'core/doctor/security', severity: 'warning', path: 'gateway.auth', message: 'plaintext token', fixHint: 'Use a SecretRef.' },
    ]);
  });

  it('strips ANSI colours from TTY output', () => {
    const report = parseDoctorText('\u001b[33m[warning]\u001b[39m core/doctor/security gateway.auth - \u001b[1mplaintext\u001b[22m token');
    expect(report.findings[0]).toMatchObject({ severity: 'warning', path: 'gateway.auth', message: 'plaintext token' });
  });
});

describe('parseDoctorText: not doctor output', () => {
  it('recognises nothing in unrelated text', () => {
    const report = parseDoctorText('Segmentation fault (core dumped)\n<html><body>Control UI</body></html>\n{{{');
    expect(report).toMatchObject({ recognized: 0, findings: [], checks: [], started: false, complete: false });
  });
});

describe('normaliseSeverity', () => {
  it('maps known words and treats unfamiliar ones as warnings, never as harmless', () => {
    expect(normaliseSeverity('info')).toBe('info');
    expect(normaliseSeverity('WARN')).toBe('warning');
    expect(normaliseSeverity('error')).toBe('error');
    expect(normaliseSeverity('fatal')).toBe('error');
    expect(normaliseSeverity('spicy')).toBe('warning');
  });
});
