// The disk check on this host's real filesystems: real statfs and /proc/self/mountinfo, one reading per device.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { measureDisks } from '../../checks/disk.ts';
import { testContext } from '../fixtures/gateway-harness.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe.skipIf(process.platform !== 'linux')('disk check on real filesystems', () => {
  it('measures the state dir (not made yet: its nearest existing parent), the log dir and clawmedic state, once per device', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clawmedic-disk-'));
    dirs.push(dir);
    const extra = existsSync('/dev/shm') ? ['/dev/shm'] : [];
    const ctx = {
      ...testContext({ port: 1, target: { openclawStateDir: join(dir, 'not', 'made', 'yet') }, options: { logDir: join(dir, 'logs'), paths: extra } }),
      self: { statePath: join(dir, 'clawmedic.state.json'), silencesPath: join(dir, 's.json'), agent: true, faults: () => [] },
    };
    const r = await measureDisks(ctx);
    expect(r.status === 'ok' || r.status === 'warn' || r.status === 'crit').toBe(true);
    const fss = (r.details as { filesystems: Array<{ labels: string[]; measured: string; mount?: string; totalBytes: number; availBytes: number }> }).filesystems;
    // The three directories share one filesystem; /dev/shm (a tmpfs) is another.
    expect(fss[0]!.labels).toHaveLength(3);
    expect(fss[0]!.measured).toBe(dir);
    expect(fss).toHaveLength(1 + extra.length);
    for (const f of fss) {
      expect(f.totalBytes).toBeGreaterThan(0);
      expect(f.availBytes).toBeLessThanOrEqual(f.totalBytes);
      expect(f.mount).toMatch(/^\//);
    }
    expect(r.metrics!['openclaw_state.freeBytes']).toBe(fss[0]!.availBytes);
    expect(ctx.series.points('disk.openclaw_state.free_bytes', 0)).toHaveLength(1);
  });
});
