// The status page in a real browser: headless Chromium (Debian's, driven by playwright-core; no browser
// download) loads it from a running agent whose state file holds a recorded day of the gateway's memory,
// latency and restarts. Each check is there, the memory chart is drawn with that data and its limit, the
// console stays clean, no request leaves loopback, and it reads the same with JavaScript off. The
// screenshot is kept in test-artifacts/ (gitignored); the README's comes from it.
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserServer } from 'playwright-core';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StateStore } from '../../src/state/store.ts';
import { isLoopbackHost } from '../../src/platform/net.ts';
import { makeCliHome, waitFor, type CliHome } from '../fixtures/cli.ts';
import { requireTool } from '../fixtures/debian-tools.ts';
import { freePort, startFakeGateway, stopAllChildren, type ListenerProcess } from '../fixtures/gateway-harness.ts';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const MIB = 1024 * 1024;

let h: CliHome;
let gw: ListenerProcess;
let server: BrowserServer | undefined;

beforeEach(async () => {
  h = await makeCliHome();
  // A gateway the size of a real one (about 0.65 GiB), so the live samples continue the recorded day.
  gw = await startFakeGateway({ mode: 'up', stateDir: 'none', growMbPerS: 400, growMaxMb: 600 });
});
afterEach(async () => {
  await h.cleanup();
  await stopAllChildren();
});
afterAll(async () => {
  await stopBrowser();
});

/** Closes the browser, and kills its process group if it does not go. */
async function stopBrowser(): Promise<void> {
  const s = server;
  server = undefined;
  if (!s) return;
  const pid = s.process().pid;
  await Promise.race([s.close(), new Promise((r) => setTimeout(r, 5_000))]).catch(() => undefined);
  if (pid === undefined) return;
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
}

/** A day of the gateway as the agent would have recorded it: memory creeping up in a GC sawtooth, a few restarts. */
async function recordDay(statePath: string, now: number): Promise<void> {
  const store = await StateStore.open(statePath, { now: () => now, flushDelayMs: 60_000 });
  const start = now - 86_400_000;
  for (let at = start; at < now - 120_000; at += 60_000) {
    const progress = (at - start) / 86_400_000;
    const sawtooth = ((at / 600_000) % 1) * 24 * MIB;
    store.series.record('gateway.rss_bytes', 430 * MIB + progress * 200 * MIB + sawtooth, at);
    store.series.record('gateway.healthz_ms', 3 + ((at / 60_000) % 7) + (Math.abs(at - (start + 9 * 3_600_000)) < 600_000 ? 180 : 0), at);
    store.series.record('gateway.restarts', Math.abs(at - (start + 15 * 3_600_000)) < 30_000 ? 1 : 0, at);
  }
  await store.close();
}

describe('status page in headless Chromium', () => {
  it('shows each check and the memory chart drawn with the recorded data and its limit; clean console, loopback only', async () => {
    const chromiumPath = requireTool('chromium');
    await recordDay(h.statePath, Date.now());
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    await h.writeConfig(`{
      gateway: { port: ${gw.port} },
      checks: {
        'gateway.port': { schedule: '1s', jitter: 0 }, 'gateway.http': { schedule: '1s', jitter: 0 },
        memory: { schedule: '2s', jitter: 0, options: { maxMemory: '1g' } }, latency: { schedule: '2s', jitter: 0 }, restarts: { schedule: '2s', jitter: 0 },
        config: { enabled: false }, doctor: { enabled: false },
      },
      server: { listen: '127.0.0.1:${port}', refresh: '30s' },
    }`);
    h.spawnAgent();
    const view = await waitFor('the memory check measured the gateway', async () => {
      const res = await fetch(`${base}/status`, { signal: AbortSignal.timeout(3_000) });
      const v = (await res.json()) as { checks: Array<{ id: string; enabled: boolean; metrics?: Record<string, number> }> };
      return v.checks.find((c) => c.id === 'memory')?.metrics?.limitBytes && v.checks.find((c) => c.id === 'latency')?.metrics ? v : undefined;
    }, 20_000);

    server = await chromium.launchServer({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
    const browser: Browser = await chromium.connect(server.wsEndpoint());
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const page = await context.newPage();
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
    page.on('request', (r) => requests.push(r.url()));

    const res = await page.goto(`${base}/?range=24h`, { waitUntil: 'load' });
    expect(res?.status()).toBe(200);
    for (const c of view.checks) {
      const row = page.locator(`tr[data-check="${c.id}"]`);
      await expect(row.count()).resolves.toBe(1);
      expect(await row.locator('td').first().textContent()).toBe(c.id);
    }
    const chart = page.locator('svg#chart-memory');
    expect(Number(await chart.getAttribute('data-points'))).toBeGreaterThan(200);
    const box = await chart.boundingBox();
    expect(box!.width).toBeGreaterThan(500);
    const line = chart.locator('path.line');
    expect(((await line.getAttribute('d')) ?? '').split('L').length).toBeGreaterThan(200);
    expect((await line.boundingBox())!.width).toBeGreaterThan(400);
    expect(await chart.locator('line.limit title').textContent()).toBe('limit 1.00 GiB');
    expect(Number(await page.locator('svg#chart-latency').getAttribute('data-points'))).toBeGreaterThan(200);
    expect(await page.locator('svg#chart-restarts rect.bar').count()).toBeGreaterThan(0);

    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}status-page.png`, fullPage: true });

    // The 30-day view from its link, and the page with JavaScript off: the same content (there is no script).
    await page.click('a[href="/?range=30d#charts"]');
    expect(Number(await page.locator('svg#chart-memory').getAttribute('data-points'))).toBeGreaterThan(5);
    const noJs = await browser.newContext({ javaScriptEnabled: false });
    const plain = await noJs.newPage();
    await plain.goto(`${base}/`);
    expect(await plain.locator('tr.check').count()).toBe(view.checks.length);
    expect(Number(await plain.locator('svg#chart-memory').getAttribute('data-points'))).toBeGreaterThan(200);
    await noJs.close();

    expect(problems).toEqual([]);
    expect(requests.length).toBeGreaterThanOrEqual(2);
    for (const url of requests) expect(isLoopbackHost(new URL(url).hostname), url).toBe(true);
    await browser.close();
    await stopBrowser();
  }, 90_000);
});
