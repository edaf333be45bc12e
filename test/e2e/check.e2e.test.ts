import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OLDER_OPENCLAW_VERSION, OPENCLAW_VERSION, startRealGateway, runClawmedic, type RealGateway } from './real-openclaw.ts';

interface CheckJson {
  status: string;
  exitCode: number;
  gateway: string;
  openclaw: { version?: string; source: string; support: string; note?: string };
  checks: Array<{ id: string; status: string; summary: string; diagnosis?: string; remedy?: string; foldedInto?: string; metrics?: Record<string, number>; details?: { pid?: number } }>;
}

// The pinned latest, and one older release that lacks /startupz and `gateway stop --force` (it installs from
// the registry like the latest; 2026.1.x/2026.2.x do not). Each: healthy -> exit 0 with no WARN, killed -> exit 2.
describe.each([
  { version: OPENCLAW_VERSION, http: /^gateway live, started and ready \(v2026\.9\.6, up /, support: 'full' },
  { version: OLDER_OPENCLAW_VERSION, http: /^gateway live and ready, by \/readyz alone \(v2026\.7\.1 per the installed CLI, up /, support: 'degraded' },
])('clawmedic check against the real OpenClaw gateway $version', ({ version, http, support }) => {
  let gw: RealGateway;

  beforeAll(async () => {
    gw = await startRealGateway(undefined, version);
  });
  afterAll(async () => {
    await gw?.cleanup();
  });

  it('exits 0 with no WARN while the gateway runs, and 2 naming the refused connection once it is killed', async () => {
    const up = await runClawmedic(['check', '--json'], gw.env, 120_000);
    const upBody = JSON.parse(up.stdout) as CheckJson;
    // Every check OK (no WARN anywhere), and the four that look at OpenClaw among them.
    expect(upBody.checks.filter((c) => c.status !== 'ok'), up.stdout).toEqual([]);
    expect(upBody.checks.map((c) => c.id)).toEqual(expect.arrayContaining(['gateway.port', 'gateway.http', 'config', 'doctor']));
    expect(up.code).toBe(0);
    expect(upBody.gateway).toBe(`127.0.0.1:${gw.port}`);
    expect(upBody.checks.find((c) => c.id === 'gateway.http')!.summary).toMatch(http);
    expect(upBody.openclaw).toMatchObject({ version, support });
    // memory reports the real gateway's RSS: that of the process gateway.port found on the port (a booting
    // gateway's RSS swings by half within seconds, so it is not compared with a later read), and disk its
    // filesystem: both OK on a healthy gateway.
    const memory = upBody.checks.find((c) => c.id === 'memory')!;
    expect(memory.summary).toMatch(/^RSS [\d.]+ [MG]iB \(PSS [\d.]+ [MG]iB\), gateway up \S+, trend after its 10m warm-up; \d+ % of the 1\.50 GiB limit \(maxMemory\)$/);
    const portOwner = /\(pid (\d+)\)$/.exec(upBody.checks.find((c) => c.id === 'gateway.port')!.summary)?.[1];
    expect(memory.details?.pid).toBe(Number(portOwner));
    expect(memory.metrics!.rssBytes).toBeGreaterThan(64 * 1024 * 1024);
    expect(memory.metrics!.rssBytes).toBeLessThan(4 * 1024 ** 3);
    expect(memory.metrics!.pssBytes).toBeLessThanOrEqual(memory.metrics!.rssBytes!);
    // The token reached clawmedic through the environment; it must never be printed.
    expect(up.stdout + up.stderr).not.toContain(gw.token);

    // The Nagios form says when the release is outside the supported range, and only then.
    const text = await runClawmedic(['check', 'gateway.http'], gw.env, 60_000);
    expect(text.code).toBe(0);
    if (support === 'full') expect(text.stdout).not.toMatch(/^note:/m);
    else expect(text.stdout).toMatch(new RegExp(`^note: OpenClaw ${version.replaceAll('.', '\\.')} is older than 2026\\.8\\.2`, 'm'));

    // Stopped with SIGSTOP it keeps its port and answers nothing: a hung gateway to resume (never a stranger
    // to kill), and gateway.http folded into it rather than repeating the remedy.
    process.kill(Number(portOwner), 'SIGSTOP');
    const stopped = await runClawmedic(['check', '--json', 'gateway.port', 'gateway.http'], gw.env, 60_000);
    expect(stopped.code).toBe(2);
    const stoppedChecks = (JSON.parse(stopped.stdout) as CheckJson).checks;
    const stoppedPort = stoppedChecks.find((c) => c.id === 'gateway.port')!;
    expect(stoppedPort.summary).toMatch(new RegExp(`^gateway hung \\(pid ${portOwner} stopped\\): .*pid ${portOwner} \\(openclaw-gateway\\) is stopped \\(state T\\)$`));
    expect(stoppedPort.remedy).toMatch(new RegExp(`^It is stopped by a signal: resume it[^\`]*\`kill -CONT ${portOwner}\``));
    expect(stoppedChecks.find((c) => c.id === 'gateway.http')!.foldedInto).toBe('gateway.port');
    expect(stopped.stdout).not.toMatch(/port conflict/);

    await gw.kill('SIGKILL');

    const down = await runClawmedic(['check', '--json'], gw.env, 120_000);
    expect(down.code).toBe(2);
    const downBody = JSON.parse(down.stdout) as CheckJson;
    expect(downBody.status).toBe('crit');
    const httpCheck = downBody.checks.find((c) => c.id === 'gateway.http')!;
    expect(httpCheck.status).toBe('crit');
    expect(httpCheck.summary).toMatch(/refused/i);
    expect(downBody.checks.find((c) => c.id === 'gateway.port')!.status).toBe('crit');
  });
});
