// systemd's watchdog (Type=notify, WatchdogSec=): READY=1 after the first check cycle, then WATCHDOG=1 from a
// timer on the agent's own event loop, only while check cycles keep coming. A blocked loop fires no timer and
// a stuck scheduler makes no cycles: either way the pings stop and systemd restarts the agent.
//
// Node has no unix datagram sockets, so the datagrams go through the `systemd-notify` binary (systemd's own,
// no native addon). It waits until systemd has read the message (its barrier), so the message is not lost
// when it exits first; the unit says NotifyAccess=all because the sender is a child of the main process.
import type { CycleListener, CycleListenerFactory } from '../agent.ts';
import type { Exec, Logger } from '../contracts.ts';
import { staleCycleMs } from '../cadence.ts';
import { which } from './manager.ts';

/** Sends one notification ("READY=1", "WATCHDOG=1"...). Never throws. */
export type Notify = (message: string[]) => Promise<boolean>;

export interface NotifySetup {
  notify: Notify;
  /** WATCHDOG_USEC in ms, when systemd asks for pings. */
  watchdogMs?: number;
}

const NOTIFY_VARS = ['NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID'] as const;

/**
 * Takes systemd's notify settings out of the environment (children such as a gateway that recovery starts
 * must not ping in the agent's name) and returns a sender; undefined when not run by systemd with Type=notify.
 */
export function takeNotifySetup(env: NodeJS.ProcessEnv, exec: Exec, log: Logger, pid = process.pid): NotifySetup | undefined {
  const socket = env.NOTIFY_SOCKET;
  const usec = Number(env.WATCHDOG_USEC);
  const forPid = env.WATCHDOG_PID ? Number(env.WATCHDOG_PID) : pid;
  for (const k of NOTIFY_VARS) delete env[k];
  if (!socket) return undefined;
  const bin = which('systemd-notify', env) ?? which('systemd-notify', { PATH: '/usr/bin:/bin' });
  if (!bin) {
    log.error('NOTIFY_SOCKET is set but systemd-notify is not found: systemd will not hear READY=1 (Type=notify units then fail to start)');
    return undefined;
  }
  let failed = false;
  const notify: Notify = async (message) => {
    const res = await exec(bin, message, { timeoutMs: 10_000, env: { ...env, NOTIFY_SOCKET: socket }, maxOutputBytes: 4096 });
    const ok = res.code === 0;
    if (ok === failed) {
      failed = !ok;
      if (ok) log.info('systemd-notify works again');
      else log.error(`systemd-notify ${message.join(' ')} failed (${res.timedOut ? 'timed out' : `exit ${res.code ?? res.signal}`}: ${res.stderr.trim().split('\n')[0] ?? ''})`);
    }
    return ok;
  };
  const watchdogMs = Number.isFinite(usec) && usec > 0 && forPid === pid ? Math.round(usec / 1000) : undefined;
  return { notify, ...(watchdogMs ? { watchdogMs } : {}) };
}

export interface WatchdogOptions {
  notify: Notify;
  watchdogMs?: number;
  /** No ping when the last cycle is older than this (twice the shortest schedule). */
  staleMs: number;
  now: () => number;
  /** READY=1 is sent once per process, not again after a reload rebuilds the listener. */
  shared: { ready: boolean };
  status?: string;
}

export function watchdogListener(o: WatchdogOptions): CycleListener {
  let lastCycleAt: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  let inFlight = false;
  const send = (message: string[]) => {
    // One systemd-notify at a time: a slow one must not pile up processes.
    if (inFlight) return;
    inFlight = true;
    void o.notify(message).finally(() => (inFlight = false));
  };
  return {
    onCycle(_checkId, at) {
      lastCycleAt = at;
      if (!o.shared.ready) {
        o.shared.ready = true;
        void o.notify(['READY=1', ...(o.status ? [`STATUS=${o.status}`] : [])]);
      }
    },
    start() {
      if (!o.watchdogMs) return;
      // Three pings per WatchdogSec: one late timer is not yet a restart.
      timer = setInterval(() => {
        if (o.shared.ready && lastCycleAt !== undefined && o.now() - lastCycleAt <= o.staleMs) send(['WATCHDOG=1']);
      }, Math.max(100, Math.floor(o.watchdogMs / 3)));
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}

/**
 * The listener factory for `run`: built once (it takes the notify settings out of the environment), a new
 * listener per config. Undefined when systemd did not start the agent with Type=notify.
 */
export function systemdWatchdog(exec: Exec, log: Logger, env: NodeJS.ProcessEnv = process.env): CycleListenerFactory | undefined {
  const setup = takeNotifySetup(env, exec, log);
  if (!setup) return undefined;
  const shared = { ready: false };
  return ({ config, now }) =>
    watchdogListener({
      notify: setup.notify,
      ...(setup.watchdogMs ? { watchdogMs: setup.watchdogMs } : {}),
      staleMs: staleCycleMs(config.checks) ?? 60_000,
      now,
      shared,
      status: `watching ${config.target.host}:${config.target.port}`,
    });
}
