// The HTTP server as a part of the agent's cycle: started and stopped with the agent and across reloads,
// fed each check run's duration. The server itself (and everything /metrics and the page need) is
// imported only when the config has a `server` section, so an agent without one pays nothing for it.
import type { CycleListener, CycleListenerFactory } from '../agent.ts';
import { hostPort } from './config.ts';

/** Waits between attempts to listen while the address is taken: it may be freed later. */
const RETRY_MS = [15_000, 60_000, 300_000];

export const serverListener: CycleListenerFactory = ({ config, store, log, now, host, faults }) => {
  const settings = config.server;
  if (!settings) return {};
  const where = hostPort(settings.host, settings.port);
  let module: typeof import('./http-server.ts') | undefined;
  let running: { close(): Promise<void> } | undefined;
  let starting: Promise<void> | undefined;
  let retry: NodeJS.Timeout | undefined;
  let failures = 0;
  let stopped = false;

  const start = async (): Promise<void> => {
    try {
      module ??= await import('./http-server.ts');
      if (stopped) return;
      const server = await module.startHttpServer({ settings, config, store, log, now, host, metrics: module.metricsStateFor(config.statePath) });
      if (stopped) return void (await server.close());
      running = server;
      failures = 0;
      faults?.clear('server');
      log.info({ url: `${server.url}/` }, `status page on ${server.url}/ (also /metrics, /status, /healthz)${settings.token ? '; a token is required' : ''}`);
    } catch (err) {
      if (stopped) return;
      const why = config.redactor.text(err instanceof Error ? err.message : String(err));
      const waitMs = RETRY_MS[Math.min(failures, RETRY_MS.length - 1)]!;
      failures += 1;
      faults?.report('server', {
        severity: 'warn',
        summary: `the HTTP server cannot start: ${why}`,
        consequence: `checks and alerts go on; /metrics, /status and the status page are unavailable (tried again every ${Math.round(waitMs / 1000)} s)`,
        remedy: `Free ${where}, or set server.listen to another address and reload (SIGHUP).`,
      });
      if (!faults) log.warn(`the HTTP server cannot start: ${why}; checks and alerts go on`);
      retry = setTimeout(() => void (starting = start()), waitMs);
      retry.unref();
    }
  };

  const listener: CycleListener = {
    start() {
      starting = start();
    },
    onCycle(checkId) {
      const run = store.history(checkId).at(-1);
      if (module && run) module.metricsStateFor(config.statePath).observeRun(checkId, run.durationMs / 1000);
    },
    async stop() {
      stopped = true;
      clearTimeout(retry);
      await starting;
      await running?.close();
      running = undefined;
      faults?.clear('server');
    },
  };
  return listener;
};
