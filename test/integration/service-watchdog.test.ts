// systemd's watchdog against a real unix datagram socket standing in for NOTIFY_SOCKET, through the real
// systemd-notify binary: READY=1 after the first cycle, WATCHDOG=1 while cycles come, none while the event loop
// is blocked or the cycles stop; and the real agent doing the same when started with the variables systemd sets.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { silentLogger } from '../../src/logger.ts';
import { execFileGroup } from '../../src/platform/exec.ts';
import { takeNotifySetup, watchdogListener } from '../../src/service/watchdog.ts';
import { fastAgentConfig, makeCliHome, type CliHome } from '../fixtures/cli.ts';
import { startNotifySocket, type NotifySocket } from '../fixtures/notify-socket.ts';

let socket: NotifySocket | undefined;
let home: CliHome | undefined;
afterEach(async () => {
  await socket?.close();
  await home?.cleanup();
  socket = undefined;
  home = undefined;
});

beforeAll(() => {
  // .ci/run installs systemd; without it these tests cannot say anything, so they fail saying why.
  execFileSync('systemd-notify', ['--help'], { stdio: 'ignore' });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pings = (s: NotifySocket) => s.received.filter((d) => d.message.includes('WATCHDOG=1'));

describe('systemd watchdog', () => {
  it('takes the notify variables out of the environment, so children cannot ping in its name', async () => {
    socket = await startNotifySocket();
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, NOTIFY_SOCKET: socket.path, WATCHDOG_USEC: '3000000', WATCHDOG_PID: String(process.pid) };
    const setup = takeNotifySetup(env, execFileGroup, silentLogger);
    expect(setup?.watchdogMs).toBe(3000);
    expect(env.NOTIFY_SOCKET).toBeUndefined();
    expect(env.WATCHDOG_USEC).toBeUndefined();
    expect(env.WATCHDOG_PID).toBeUndefined();
    // A watchdog meant for another pid (the variables inherited by a child) is not ours to ping.
    const other = takeNotifySetup({ PATH: process.env.PATH, NOTIFY_SOCKET: socket.path, WATCHDOG_USEC: '3000000', WATCHDOG_PID: '1' }, execFileGroup, silentLogger);
    expect(other?.watchdogMs).toBeUndefined();
    expect(takeNotifySetup({ PATH: process.env.PATH }, execFileGroup, silentLogger)).toBeUndefined();
  });

  it('sends READY=1 after the first cycle, WATCHDOG=1 while cycles come, and nothing while the loop is blocked', async () => {
    socket = await startNotifySocket();
    const setup = takeNotifySetup({ PATH: process.env.PATH, NOTIFY_SOCKET: socket.path, WATCHDOG_USEC: '900000' }, execFileGroup, silentLogger)!;
    const listener = watchdogListener({ notify: setup.notify, watchdogMs: setup.watchdogMs!, staleMs: 5_000, now: Date.now, shared: { ready: false }, status: 'watching 127.0.0.1:1' });
    listener.start!();
    listener.onCycle!('gateway.port', Date.now());
    const ready = await socket.waitFor('READY=1');
    expect(ready.message).toContain('STATUS=watching 127.0.0.1:1');
    const cycles = setInterval(() => listener.onCycle!('gateway.port', Date.now()), 100);
    try {
      await sleep(1_500);
      expect(pings(socket).length).toBeGreaterThanOrEqual(3); // every 300 ms (a third of 900 ms)

      // A busy loop: no timer fires, no systemd-notify starts.
      const blockedFrom = Date.now();
      while (Date.now() - blockedFrom < 1_500) {
        // Blocking on purpose.
      }
      const blockedTo = Date.now();
      await sleep(1_000);
      const during = pings(socket).filter((d) => d.at > blockedFrom + 400 && d.at < blockedTo);
      expect(during).toEqual([]);
      expect(pings(socket).filter((d) => d.at > blockedTo).length).toBeGreaterThanOrEqual(1); // back once the loop runs
    } finally {
      clearInterval(cycles);
      await listener.stop!();
    }
    expect(socket.received.filter((d) => d.message.includes('READY=1'))).toHaveLength(1);
  });

  it('stops pinging when the cycles stop (a stuck scheduler), though the loop itself runs', async () => {
    socket = await startNotifySocket();
    const setup = takeNotifySetup({ PATH: process.env.PATH, NOTIFY_SOCKET: socket.path, WATCHDOG_USEC: '600000' }, execFileGroup, silentLogger)!;
    const listener = watchdogListener({ notify: setup.notify, watchdogMs: 600, staleMs: 500, now: Date.now, shared: { ready: false } });
    listener.start!();
    const lastCycle = Date.now();
    listener.onCycle!('gateway.port', lastCycle);
    await socket.waitFor('WATCHDOG=1');
    await sleep(1_500);
    await listener.stop!();
    // Pings every 200 ms while the last cycle is at most 500 ms old; none after (a little slack for the datagram).
    expect(pings(socket).filter((d) => d.at > lastCycle + 500 + 150)).toEqual([]);
  });

  it('the agent started as a Type=notify service says READY=1 after its first cycle and pings from its loop', async () => {
    socket = await startNotifySocket();
    home = await makeCliHome();
    await home.writeConfig(fastAgentConfig(1));
    const agent = home.spawnAgent([], { NOTIFY_SOCKET: socket.path, WATCHDOG_USEC: '1500000' });
    await socket.waitFor('READY=1', 20_000);
    await socket.waitFor('WATCHDOG=1', 10_000);
    agent.child.kill('SIGTERM');
    expect(await agent.exited).toBe(0);
  });
});
