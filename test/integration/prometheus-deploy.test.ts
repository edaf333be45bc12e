// deploy/prometheus/ as Prometheus and Alertmanager themselves read it: the rules pass `promtool check rules`
// and their unit tests (`promtool test rules`), the scrape config and the Alertmanager example are valid.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { requireTool } from '../fixtures/debian-tools.ts';

const DEPLOY = fileURLToPath(new URL('../../deploy/prometheus/', import.meta.url));

function run(bin: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(bin, args, { cwd: DEPLOY, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, out: `${stdout}${stderr}` });
    });
  });
}

describe('deploy/prometheus', () => {
  it('the alerting rules pass promtool check rules', async () => {
    const r = await run(requireTool('promtool'), ['check', 'rules', 'clawmedic.rules.yml']);
    expect(r.out).toContain('SUCCESS: 6 rules found');
    expect(r.code).toBe(0);
  });

  it('the rules fire when their unit tests say (promtool test rules)', async () => {
    const r = await run(requireTool('promtool'), ['test', 'rules', 'clawmedic.rules.test.yml']);
    expect(r.out).toContain('SUCCESS');
    expect(r.code, r.out).toBe(0);
  });

  it('the scrape config and the Alertmanager route are valid', async () => {
    const prom = await run(requireTool('promtool'), ['check', 'config', 'prometheus.yml']);
    expect(prom.code, prom.out).toBe(0);
    const am = await run(requireTool('amtool'), ['check-config', 'alertmanager.yml']);
    expect(am.code, am.out).toBe(0);
  });
});
