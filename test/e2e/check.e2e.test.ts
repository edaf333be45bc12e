import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRealGateway, runClawmedic, type RealGateway } from './real-openclaw.ts';

interface CheckJson {
  status: string;
  exitCode: number;
  gateway: string;
  checks: Array<{ id: string; status: string; summary: string; diagnosis?: string }>;
}

describe('clawmedic check against the real OpenClaw gateway', () => {
  let gw: RealGateway;

  beforeAll(async () => {
    gw = await startRealGateway();
  });
  afterAll(async () => {
    await gw?.cleanup();
  });

  it('exits 0 while the gateway runs, and 2 naming the refused connection once it is killed', async () => {
    const up = await runClawmedic(['check', '--json'], gw.env, 120_000);
    const upBody = JSON.parse(up.stdout) as CheckJson;
    expect(upBody.checks.map((c) => [c.id, c.status]), up.stdout).toEqual([
      ['gateway.port', 'ok'],
      ['gateway.http', 'ok'],
      ['config', 'ok'],
      ['doctor', 'ok'],
    ]);
    expect(up.code).toBe(0);
    expect(upBody.gateway).toBe(`127.0.0.1:${gw.port}`);
    // The token reached clawmedic through the environment; it must never be printed.
    expect(up.stdout + up.stderr).not.toContain(gw.token);

    await gw.kill('SIGKILL');

    const down = await runClawmedic(['check', '--json'], gw.env, 120_000);
    expect(down.code).toBe(2);
    const downBody = JSON.parse(down.stdout) as CheckJson;
    expect(downBody.status).toBe('crit');
    const http = downBody.checks.find((c) => c.id === 'gateway.http')!;
    expect(http.status).toBe('crit');
    expect(http.summary).toMatch(/refused/i);
    expect(downBody.checks.find((c) => c.id === 'gateway.port')!.status).toBe('crit');
  });
});
