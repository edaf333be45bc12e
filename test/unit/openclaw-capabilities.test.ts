// The capability table and version parsing, held against what each release really printed
// (test/fixtures/openclaw-samples/versions/<version>/, copied from the shared samples).
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isControlUiPage, parseHealthz } from '../../checks/gateway-http.ts';
import type { HttpProbeAnswer } from '../../src/platform/http-probe.ts';
import {
  CAPABILITIES,
  FULL_SUPPORT_SINCE,
  LATEST_TESTED,
  configValidateCommand,
  doctorLintCommand,
  lacksText,
  modelsStatusCommand,
  rejectedCommand,
  rejectedOption,
  secretsAuditCommand,
  stopCommand,
  supportRange,
  supportRangeOf,
  supports,
  type Capability,
} from '../../src/platform/openclaw-capabilities.ts';
import { compareVersions, openclawVersion, parseOpenclawVersion } from '../../src/platform/openclaw-version.ts';

const SAMPLES = new URL('../fixtures/openclaw-samples/versions/', import.meta.url);
const RELEASES = readdirSync(SAMPLES).filter((d) => /^\d{4}\./.test(d));
const sample = (version: string, file: string) => readFileSync(new URL(`${version}/${file}`, SAMPLES), 'utf8');
const hasSample = (version: string, file: string) => readdirSync(new URL(`${version}/`, SAMPLES)).includes(file);

/** A captured `curl -s -i` as the probe's answer. */
function httpSample(version: string, file: string): HttpProbeAnswer {
  const text = sample(version, file);
  const statusCode = Number(/^HTTP\/1\.1 (\d{3})/m.exec(text)?.[1]);
  // curl -i keeps the CRLF line ends of the headers.
  const sep = /\r?\n\r?\n/.exec(text.slice(text.indexOf('HTTP/1.1')))!;
  const headEnd = text.indexOf('HTTP/1.1') + sep.index;
  const contentType = /^Content-Type: (.*?)\r?$/im.exec(text.slice(0, headEnd))?.[1] ?? '';
  const body = text.slice(headEnd + sep[0].length).replace(/\ncurl rc=\d+\s*$/, '');
  return { ok: true, statusCode, contentType, body, truncated: false, connectMs: 1, latencyMs: 2 };
}

describe('parseOpenclawVersion', () => {
  it.each(RELEASES)('reads %s out of the banner of its own --help', (release) => {
    expect(parseOpenclawVersion(sample(release, 'help-doctor.txt'))?.text).toBe(release);
  });

  it('reads `openclaw --version`, a /startupz version and a prerelease', () => {
    expect(parseOpenclawVersion('OpenClaw 2026.9.6 (0fa4e00)')?.text).toBe('2026.9.6');
    expect(parseOpenclawVersion(JSON.stringify({ ok: true, status: 'started', version: '2026.8.2' }))?.text).toBe('2026.8.2');
    expect(parseOpenclawVersion('v2026.10.1')).toMatchObject({ year: 2026, month: 10, day: 1 });
    expect(parseOpenclawVersion('openclaw 2026.1.30-beta.2')).toMatchObject({ text: '2026.1.30-beta.2', prerelease: 'beta.2' });
  });

  it.each(['', 'dev', 'OpenClaw (0fa4e00)', '1.2.3', '2026.13.1', '2026.9.0.1x', '12026.9.6', '2026.10.123'])(
    'finds no release in %j',
    (text) => {
      expect(parseOpenclawVersion(text)).toBeUndefined();
    },
  );

  it('orders releases by date, a prerelease before its release', () => {
    const order = ['2026.1.30-beta.1', '2026.1.30', '2026.5.7', '2026.6.11', '2026.7.1', '2026.8.2', '2026.9.6', '2026.10.1', '2027.1.1'];
    const shuffled = [...order].reverse().map(openclawVersion);
    expect(shuffled.sort(compareVersions).map((v) => v.text)).toEqual(order);
    expect(() => openclawVersion('2026.9')).toThrow(/not an OpenClaw version/);
  });
});

describe('the capability table agrees with every captured release', () => {
  const check = (capability: Capability, present: (release: string) => boolean) => {
    for (const release of RELEASES) {
      expect([release, supports(capability, openclawVersion(release))]).toEqual([release, present(release) ? 'yes' : 'no']);
    }
  };

  it('doctor --lint: in `doctor --help`, and rejected with "unknown option" where it is not', () => {
    check('doctorLint', (r) => /--lint\b/.test(sample(r, 'help-doctor.txt')));
    for (const r of RELEASES) expect([r, rejectedOption({ stdout: '', stderr: sample(r, 'doctor-lint.txt') }, '--lint')]).toEqual([r, supports('doctorLint', openclawVersion(r)) === 'no']);
  });

  it('gateway stop --force: in `gateway stop --help`, and rejected in both wordings where it is not', () => {
    check('gatewayStopForce', (r) => /--force\b/.test(sample(r, 'help-gateway-stop.txt')));
    expect(rejectedOption({ stdout: '', stderr: sample('2026.5.7', 'gateway-stop-force.txt') }, '--force')).toBe(true);
    expect(rejectedOption({ stdout: sample('2026.7.1', 'gateway-stop-force.txt'), stderr: '' }, '--force')).toBe(true);
    // 2026.1.30 knows no --force either, but fails earlier (no systemd): not an option error, and the table still says no.
    expect(rejectedOption({ stdout: sample('2026.1.30', 'gateway-stop-force.txt'), stderr: '' }, '--force')).toBe(false);
  });

  it('config validate --json: in `config validate --help`, and "unknown option \'--json\'" where it is not', () => {
    check('configValidateJson', (r) => /--json\b/.test(sample(r, 'help-config-validate.txt')));
    expect(rejectedOption({ stdout: '', stderr: sample('2026.1.30', 'config-validate.txt') }, '--json')).toBe(true);
    expect(rejectedOption({ stdout: sample('2026.5.7', 'config-validate.txt'), stderr: '' }, '--json')).toBe(false);
  });

  it('JSON /healthz and /readyz: OpenClaw\'s JSON where present, the Control UI page where not', () => {
    check('jsonProbes', (r) => parseHealthz(httpSample(r, 'http-healthz.txt')) !== undefined);
    for (const r of RELEASES) {
      const healthz = httpSample(r, 'http-healthz.txt');
      expect([r, isControlUiPage(healthz)]).toEqual([r, supports('jsonProbes', openclawVersion(r)) === 'no']);
    }
  });

  it('/startupz: JSON with the version where present, the Control UI page where not', () => {
    check('startupz', (r) => httpSample(r, 'http-startupz.txt').contentType.includes('json'));
    for (const r of RELEASES) {
      const answer = httpSample(r, 'http-startupz.txt');
      if (supports('startupz', openclawVersion(r)) === 'yes') expect(parseOpenclawVersion(answer.body)?.text).toBe(r);
      else expect([r, isControlUiPage(answer)]).toEqual([r, true]);
    }
  });

  it('says "unknown" between the newest release measured without a feature and the oldest with it', () => {
    expect(supports('startupz', openclawVersion('2026.7.20'))).toBe('unknown');
    expect(supports('startupz', openclawVersion('2026.8.1'))).toBe('unknown');
    expect(supports('startupz', openclawVersion('2026.8.2'))).toBe('yes');
    expect(supports('doctorLint', openclawVersion('2026.6.1'))).toBe('unknown');
    expect(supports('jsonProbes', openclawVersion('2026.3.2'))).toBe('unknown');
    expect(supports('doctorLint', undefined)).toBe('unknown');
    // models status --check was in all six; before the oldest measured nobody knows.
    expect(supports('modelsStatusCheck', openclawVersion('2026.1.30'))).toBe('yes');
    expect(supports('modelsStatusCheck', openclawVersion('2025.12.1'))).toBe('unknown');
  });

  it('has captures for every release it names', () => {
    for (const facts of Object.values(CAPABILITIES)) {
      for (const v of [facts.since, facts.absentIn]) if (v && v.text !== LATEST_TESTED.text) expect(RELEASES).toContain(v.text);
    }
    expect(hasSample('2026.8.2', 'http-startupz.txt')).toBe(true);
  });
});

describe('commands for the checks and the recovery runbook', () => {
  it('stops with --force only where the release has it, and without it when the release is unknown', () => {
    expect(stopCommand(openclawVersion('2026.9.6'))).toEqual(['gateway', 'stop', '--json', '--force']);
    expect(stopCommand(openclawVersion('2026.8.2'))).toEqual(['gateway', 'stop', '--json', '--force']);
    expect(stopCommand(openclawVersion('2026.7.1'))).toEqual(['gateway', 'stop', '--json']);
    expect(stopCommand(openclawVersion('2026.8.1'))).toEqual(['gateway', 'stop', '--json']);
    expect(stopCommand(undefined)).toEqual(['gateway', 'stop', '--json']);
  });

  it('offers doctor --lint, config validate --json and secrets audit only where they may exist', () => {
    expect(doctorLintCommand(openclawVersion('2026.6.11'), 'error')).toEqual(['doctor', '--lint', '--json', '--severity-min', 'error']);
    expect(doctorLintCommand(openclawVersion('2026.5.7'), 'error')).toBeUndefined();
    // Unknown: tried, and a rejection is read from its output.
    expect(doctorLintCommand(undefined, 'warning')).toEqual(['doctor', '--lint', '--json', '--severity-min', 'warning']);
    expect(configValidateCommand(openclawVersion('2026.5.7'))).toEqual(['config', 'validate', '--json']);
    expect(configValidateCommand(openclawVersion('2026.1.30'))).toBeUndefined();
    expect(secretsAuditCommand(openclawVersion('2026.1.30'))).toBeUndefined();
    expect(secretsAuditCommand(openclawVersion('2026.5.7'))).toEqual(['secrets', 'audit', '--check', '--json']);
    expect(modelsStatusCommand(openclawVersion('2026.1.30'))).toEqual(['models', 'status', '--check', '--json']);
  });

  it('reads an unknown command in each wording the CLI uses', () => {
    expect(rejectedCommand({ stdout: '', stderr: 'OpenClaw does not know the command "stop".' }, 'stop')).toBe(true);
    expect(rejectedCommand({ stdout: '', stderr: 'error: secrets has no command "list"' }, 'list')).toBe(true);
    expect(rejectedCommand({ stdout: '', stderr: "error: unknown command 'validate'" }, 'validate')).toBe(true);
    expect(rejectedCommand({ stdout: '', stderr: "error: unknown command 'validated'" }, 'validate')).toBe(false);
    expect(rejectedOption({ stdout: '', stderr: "error: unknown option '--lint-all'" }, '--lint')).toBe(false);
  });

  it('names the release and the one that brought a capability', () => {
    expect(lacksText('doctorLint', openclawVersion('2026.5.7'))).toBe('OpenClaw 2026.5.7 lacks `doctor --lint` (first in 2026.6.11)');
    expect(lacksText('configValidateJson', undefined)).toBe('this OpenClaw lacks `config validate --json` (first in 2026.5.7)');
  });
});

describe('the supported range', () => {
  it('is full from 2026.8.2 to the newest release tested, with no note', () => {
    expect(FULL_SUPPORT_SINCE.text).toBe('2026.8.2');
    for (const r of ['2026.8.2', '2026.9.6']) expect(supportRange(openclawVersion(r))).toEqual({ level: 'full', missing: [] });
  });

  it('says what degrades below it, release by release', () => {
    const r71 = supportRange(openclawVersion('2026.7.1'));
    expect(r71.level).toBe('degraded');
    expect(r71.missing).toEqual(['startupz', 'gatewayStopForce']);
    expect(r71.note).toMatch(/^OpenClaw 2026\.7\.1 is older than 2026\.8\.2, the oldest release clawmedic checks fully: /);
    expect(r71.note).toContain('readiness from /readyz alone');
    expect(r71.note).not.toContain('doctor');

    const r57 = supportRange(openclawVersion('2026.5.7'));
    expect(r57.missing).toEqual(['startupz', 'doctorLint', 'gatewayStopForce']);
    expect(r57.note).toContain('the doctor check is skipped');

    const r130 = supportRange(openclawVersion('2026.1.30'));
    expect(r130.missing).toEqual(['jsonProbes', 'startupz', 'doctorLint', 'configValidateJson', 'gatewayStopForce', 'secretsAudit']);
    expect(r130.note).toContain('readiness not checked');
    // Between measured releases it says "maybe" rather than guessing.
    expect(supportRange(openclawVersion('2026.8.1')).note).toContain('maybe no /startupz');
  });

  it('notes a release newer than the newest tested, and a version that cannot be read', () => {
    expect(supportRange(openclawVersion('2026.10.1'))).toMatchObject({ level: 'newer', note: expect.stringContaining('newer than 2026.9.6') });
    expect(supportRangeOf('banana')).toMatchObject({ level: 'unknown', note: expect.stringContaining('"banana" is not a release version') });
    expect(supportRange(undefined, '`openclaw --version` printed nothing (exit 0)').note).toContain('printed nothing');
  });
});
