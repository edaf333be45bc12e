import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { gatewayPortCheck } from '../../checks/gateway-port.ts';
import type { CheckResult } from '../../src/contracts.ts';
import { clearPortOwnerCache, findPortOwner, parseListenSockets, parseStatState } from '../../src/platform/port-owner.ts';
import {
  FOREIGN_TITLE,
  freePort,
  startFakeGateway,
  startForeignListener,
  startForwarder,
  stopAllChildren,
  expectExplained as expectHelpful,
  testContext,
  type TestContextOptions,
} from '../fixtures/gateway-harness.ts';

const TOKEN = 'gw-token-5f2c9a7e1b';
const onLinux = process.platform === 'linux';

function run(opts: TestContextOptions): Promise<CheckResult> {
  return gatewayPortCheck.run(testContext({ token: TOKEN, ...opts }));
}

const expectExplained = (result: CheckResult) => expectHelpful(result, TOKEN);

afterEach(stopAllChildren);

describe('gateway.port', () => {
  it('is ok and names the openclaw-gateway process that holds the port', async () => {
    const gw = await startFakeGateway({ mode: 'up' });
    const result = await run({ port: gw.port });

    expect(result.status).toBe('ok');
    if (onLinux) expect(result.summary).toBe(`127.0.0.1:${gw.port} held by openclaw-gateway (pid ${gw.pid})`);
    expect(result.metrics?.connectMs).toBeGreaterThanOrEqual(0);
  });

  it('is crit "nothing listening" when the connection is refused, and names the port source', async () => {
    const port = await freePort();
    const result = await run({ port, portSource: 'env OPENCLAW_GATEWAY_PORT' });

    expect(result.status).toBe('crit');
    expect(result.summary).toBe(`nothing listening on 127.0.0.1:${port} (gateway down)`);
    expect(result.cause).toBe('gateway');
    expect(result.diagnosis).toMatch(/refused/);
    expect(result.diagnosis).toContain('env OPENCLAW_GATEWAY_PORT');
    expect(result.remedy).toContain('openclaw gateway run');
    expectExplained(result);
  });

  it('is crit "hung" when the listener accepts but never answers, naming the process and its state', async () => {
    const gw = await startFakeGateway({ mode: 'hang' });
    const started = performance.now();
    const result = await run({ port: gw.port, options: { requestTimeoutMs: 300 } });

    expect(performance.now() - started).toBeLessThan(2_000);
    expect(result.status).toBe('crit');
    expect(result.summary).toMatch(/hung/);
    expect(result.summary).not.toMatch(/nothing listening/);
    // Down or hung, the gateway is what needs a hand: one cause, so a hang turning into a crash is not told twice.
    expect(result.cause).toBe('gateway');
    if (onLinux) expect(result.summary).toMatch(new RegExp(`pid ${gw.pid} \\(openclaw-gateway\\) is (sleeping|running) \\(state [SR]\\)`));
    expect(result.metrics?.connectMs).toBeGreaterThanOrEqual(0);
    expectExplained(result);
  });

  it.runIf(onLinux)('reports a gateway stopped with SIGSTOP as hung in state T, with kill -CONT as the remedy', async () => {
    const gw = await startFakeGateway({ mode: 'up' });
    await gw.pause();
    const result = await run({ port: gw.port, options: { requestTimeoutMs: 300 } });

    expect(result.status).toBe('crit');
    expect(result.summary).toMatch(new RegExp(`^gateway hung \\(pid ${gw.pid} stopped\\): `));
    expect(result.summary).toContain(`pid ${gw.pid} (openclaw-gateway) is stopped (state T)`);
    expect(result.remedy).toMatch(new RegExp(`^It is stopped by a signal: resume it[^\`]*\`kill -CONT ${gw.pid}\``));
    expectExplained(result);
  });

  it.runIf(onLinux)('is crit "port conflict" naming the pid and command of another program on the port', async () => {
    const foreign = await startForeignListener();
    const result = await run({ port: foreign.port });

    expect(result.status).toBe('crit');
    expect(result.summary).toBe(`port conflict: 127.0.0.1:${foreign.port} held by pid ${foreign.pid} (${FOREIGN_TITLE}), not OpenClaw`);
    expect(result.cause).toBe('conflict');
    expect(result.diagnosis).toContain(FOREIGN_TITLE);
    expect(result.diagnosis).toMatch(/HTML/);
    expect(result.remedy).toContain(`kill -TERM ${foreign.pid}`);
    expect(result.remedy).toMatch(/gateway\.port .*OPENCLAW_GATEWAY_PORT/);
    expect(result.remedy).toMatch(/clawmedic's config/);
    expectExplained(result);
  });

  it('is ok, not a port conflict, when OpenClaw answers /healthz with its Control UI page (a release without JSON probes)', async () => {
    const gw = await startFakeGateway({ mode: 'html' });
    const result = await run({ port: gw.port });

    expect(result.status).toBe('ok');
    if (onLinux) expect(result.summary).toBe(`127.0.0.1:${gw.port} held by openclaw-gateway (pid ${gw.pid}); its /healthz is the Control UI page (an OpenClaw without JSON probe endpoints)`);
    expect(JSON.stringify(result)).not.toMatch(/conflict|kill/);
  });

  it.runIf(onLinux)('warns, without "port conflict" or a kill, when OpenClaw\'s own process answers /healthz with something else', async () => {
    const gw = await startFakeGateway({ mode: 'junk', junk: 'text' });
    const result = await run({ port: gw.port });

    expect(result.status).toBe('warn');
    expect(result.summary).toBe(`127.0.0.1:${gw.port} held by OpenClaw's process pid ${gw.pid} (openclaw-gateway), which answers /healthz with text that is not JSON, not OpenClaw's JSON`);
    expect(result.remedy).toContain('openclaw gateway restart --json');
    expect(JSON.stringify(result)).not.toMatch(/conflict|kill -/);
    expectExplained(result);
  });

  it('is ok when a process with a foreign title answers /healthz like OpenClaw (a wrapper), naming who holds the port', async () => {
    const gw = await startFakeGateway({ mode: 'up', title: FOREIGN_TITLE });
    const result = await run({ port: gw.port });

    expect(result.status).toBe('ok');
    if (onLinux) {
      expect(result.summary).toBe(`127.0.0.1:${gw.port} answered by OpenClaw via pid ${gw.pid} (${FOREIGN_TITLE})`);
      expect(result.details).toMatchObject({ owner: { pid: gw.pid, role: 'other' } });
    }
    expect(result.remedy).toBeUndefined();
  });

  it.runIf(onLinux)('is ok for a gateway behind a docker-proxy-like forwarder, naming the forwarder', async () => {
    const gw = await startFakeGateway({ mode: 'up' });
    const proxy = await startForwarder({ to: gw.port });
    const result = await run({ port: proxy.port });

    expect(result.status).toBe('ok');
    expect(result.summary).toBe(`127.0.0.1:${proxy.port} answered by OpenClaw via pid ${proxy.pid} (docker-proxy)`);
    expect(result.details).toMatchObject({ owner: { pid: proxy.pid, name: 'docker-proxy', role: 'forwarder' } });
  });

  it.runIf(onLinux)('calls a stopped gateway behind a forwarder hung, not a conflict, and does not say to kill the forwarder', async () => {
    const gw = await startFakeGateway({ mode: 'up' });
    const proxy = await startForwarder({ to: gw.port });
    await gw.pause();
    const result = await run({ port: proxy.port, options: { requestTimeoutMs: 300 } });

    expect(result.status).toBe('crit');
    expect(result.summary).toBe(
      `gateway hung: 127.0.0.1:${proxy.port} accepts connections but GET /healthz got no answer within 300 ms; forwarded by pid ${proxy.pid} (docker-proxy)`,
    );
    expect(result.cause).toBe('forwarder');
    expect(result.remedy).toContain('docker restart <container>');
    expect(result.remedy).toContain(`docker ps -a --filter publish=${proxy.port}`);
    expect(result.remedy).not.toContain(`kill -TERM ${proxy.pid}`);
    expect(result.remedy).not.toMatch(/kill -(TERM|KILL|CONT)/);
    expectExplained(result);
  });

  it.runIf(onLinux)('says there is no OpenClaw behind a forwarder whose target is down, without calling it a conflict', async () => {
    const gw = await startFakeGateway({ mode: 'up' });
    const proxy = await startForwarder({ to: gw.port });
    await gw.stop();
    const result = await run({ port: proxy.port });

    expect(result.status).toBe('crit');
    expect(result.summary).toBe(
      `no OpenClaw behind pid ${proxy.pid} (docker-proxy): 127.0.0.1:${proxy.port} closes the connection without an HTTP answer`,
    );
    expect(result.diagnosis).toMatch(/nothing listens behind it/);
    expect(result.remedy).toContain('docker start <container>');
    expect(result.remedy).not.toContain(`kill -TERM ${proxy.pid}`);
    expectExplained(result);
  });

  it.runIf(onLinux)('is crit "port conflict" for a foreign program that accepts connections and never answers', async () => {
    const foreign = await startFakeGateway({ mode: 'hang', title: FOREIGN_TITLE });
    const result = await run({ port: foreign.port, options: { requestTimeoutMs: 300 } });

    expect(result.status).toBe('crit');
    expect(result.summary).toBe(`port conflict: 127.0.0.1:${foreign.port} held by pid ${foreign.pid} (${FOREIGN_TITLE}), not OpenClaw`);
    expect(result.cause).toBe('conflict');
    expect(result.diagnosis).toMatch(/accepts connections but does not answer HTTP/);
    expect(result.remedy).toContain(`kill -TERM ${foreign.pid}`);
    expectExplained(result);
  });

  it.runIf(onLinux)("masks secrets in the owner's command line, the gateway token even where the line is cut", async () => {
    // The token starts 7 characters before the 300-character cut: a cut first would leave "gw-toke" for the
    // runner's Redactor, which only knows the whole token.
    const head = `${FOREIGN_TITLE} --password hunter2-secret --api-key=k3y-value-1234 `;
    const title = `${head}${'p'.repeat(292 - head.length - 1)} ${TOKEN}`;
    expect(title.indexOf(TOKEN)).toBe(292);
    const foreign = await startForeignListener({ title });
    const result = await run({ port: foreign.port });

    expect(result.status).toBe('crit');
    const text = JSON.stringify(result);
    for (const secret of ['hunter2-secret', 'k3y-value-1234', TOKEN.slice(0, 7)]) expect(text).not.toContain(secret);
    expect(result.diagnosis).toContain('--password *** --api-key=*** ppp');
    expect(result.details).toMatchObject({ owner: { commandLine: expect.stringMatching(/ \*\*\*$/) } });
  });

  it('returns promptly, without throwing, when its signal is aborted', async () => {
    const gw = await startFakeGateway({ mode: 'hang' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = performance.now();
    const result = await run({ port: gw.port, signal: controller.signal, options: { requestTimeoutMs: 5_000 } });

    expect(performance.now() - started).toBeLessThan(1_000);
    expect(result.status).toBe('unknown');
  });
});

describe.runIf(onLinux)('findPortOwner on the real /proc', () => {
  it('finds the pid, command line and state of a listening child process', async () => {
    const gw = await startFakeGateway({ mode: 'up' });
    const lookup = await findPortOwner(gw.port, { host: '127.0.0.1' });

    expect(lookup.kind).toBe('found');
    if (lookup.kind !== 'found') return;
    expect(lookup.owner.pid).toBe(gw.pid);
    expect(lookup.owner.cmdline).toEqual(['openclaw-gateway']);
    expect(lookup.owner.state).toMatch(/[SR]/);
    expect(lookup.sockets.some((s) => s.address === '127.0.0.1' && s.port === gw.port)).toBe(true);
  });

  it('verifies the last owner instead of scanning every process, and follows a gateway restarted on the same port', async () => {
    clearPortOwnerCache();
    const first = await startFakeGateway({ mode: 'up' });
    const port = first.port;
    expect(await findPortOwner(port, { host: '127.0.0.1' })).toMatchObject({ kind: 'found', cached: false, owner: { pid: first.pid } });
    expect(await findPortOwner(port, { host: '127.0.0.1' })).toMatchObject({ kind: 'found', cached: true, owner: { pid: first.pid } });

    // A stopped owner is still read afresh through the cache: its state is what a hung verdict needs.
    await first.pause();
    expect(await findPortOwner(port, { host: '127.0.0.1' })).toMatchObject({ kind: 'found', cached: true, owner: { state: 'T' } });

    await first.stop();
    expect((await findPortOwner(port, { host: '127.0.0.1' })).kind).toBe('no-listener');
    const second = await startFakeGateway({ mode: 'up', port });
    expect(await findPortOwner(port, { host: '127.0.0.1' })).toMatchObject({ kind: 'found', cached: false, owner: { pid: second.pid } });
  });

  it('says no-listener for a free port', async () => {
    expect((await findPortOwner(await freePort(), { host: '127.0.0.1' })).kind).toBe('no-listener');
  });
});

// A directory shaped like /proc, for what a live system cannot show on demand: processes whose fds we may
// not read, processes that vanish mid-scan, odd comm fields.
describe('findPortOwner on a /proc-shaped tree', () => {
  let root: string;
  const le = (hex: string) => (new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? hex : hex.match(/../g)!.reverse().join(''));

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'clawmedic-proc-'));
    await mkdir(join(root, 'net'));
    const header = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
    // 127.0.0.1:18789 LISTEN inode 5001; 0.0.0.0:9000 LISTEN inode 5002; 127.0.0.1:18789 ESTABLISHED inode 5003.
    await writeFile(
      join(root, 'net/tcp'),
      header +
        `   0: ${le('0100007F')}:4965 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 5001 1 0 100 0 0 10 0\n` +
        `   1: 00000000:2328 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 5002 1 0 100 0 0 10 0\n` +
        `   2: ${le('0100007F')}:4965 ${le('0100007F')}:D431 01 00000000:00000000 00:00000000 00000000  1000        0 5003 1 0 100 0 0 10 0\n`,
    );
    // [::1]:7000 LISTEN inode 6001.
    await writeFile(
      join(root, 'net/tcp6'),
      header + `   0: 00000000000000000000000000000000:1B58 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 6001 1 0 100 0 0 10 0\n`,
    );
    // pid 10: vanished (no fd dir); pid 20: holds 0.0.0.0:9000; pid 30: the owner of 18789, stopped, odd comm;
    // pid 40: holds [::]:7000 but is gone by the time its stat/cmdline are read.
    await mkdir(join(root, '10'));
    await mkdir(join(root, '20/fd'), { recursive: true });
    await symlink('socket:[5002]', join(root, '20/fd/3'));
    await symlink('/dev/null', join(root, '20/fd/0'));
    await writeFile(join(root, '20/cmdline'), '/usr/bin/python3\0-m\0http.server\0');
    await writeFile(join(root, '20/comm'), 'python3\n');
    await writeFile(join(root, '20/stat'), '20 (python3) S 1 20 20 0 -1 4194560 0 0 0 0\n');
    await mkdir(join(root, '30/fd'), { recursive: true });
    await symlink('pipe:[77]', join(root, '30/fd/1'));
    await symlink('socket:[5001]', join(root, '30/fd/21'));
    await writeFile(join(root, '30/cmdline'), 'openclaw-gateway\0\0\0\0');
    await writeFile(join(root, '30/comm'), 'openclaw-gatewa\n');
    await writeFile(join(root, '30/stat'), '30 (weird) name) T 1 30 30 0 -1 4194560 0 0 0 0\n');
    await mkdir(join(root, '40/fd'), { recursive: true });
    await symlink('socket:[6001]', join(root, '40/fd/5'));
  });

  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('maps a LISTEN socket to its owner, skipping vanished processes, and reads its state', async () => {
    const lookup = await findPortOwner(18789, { procRoot: root, host: '127.0.0.1' });

    expect(lookup.kind).toBe('found');
    if (lookup.kind !== 'found') return;
    expect(lookup.owner).toMatchObject({ pid: 30, cmdline: ['openclaw-gateway'], comm: 'openclaw-gatewa', state: 'T', stateName: 'stopped' });
    // The ESTABLISHED socket on the same port is not a listener.
    expect(lookup.sockets.map((s) => s.inode)).toEqual([5001]);
  });

  it('counts a wildcard listener for a loopback target, but not a listener on another address', async () => {
    const wildcard = await findPortOwner(9000, { procRoot: root, host: '127.0.0.1' });
    expect(wildcard).toMatchObject({ kind: 'found', owner: { pid: 20, cmdline: ['/usr/bin/python3', '-m', 'http.server'], state: 'S' } });
    expect((await findPortOwner(9000, { procRoot: root, host: '127.0.0.2' })).kind).toBe('found');
    expect((await findPortOwner(18789, { procRoot: root, host: '127.0.0.2' })).kind).toBe('no-listener');
  });

  it('reports a listener whose holder vanished mid-scan as owner-unknown, not as absent', async () => {
    const lookup = await findPortOwner(7000, { procRoot: root });

    expect(lookup.kind).toBe('owner-unknown');
    if (lookup.kind === 'owner-unknown') expect(lookup.sockets[0]).toMatchObject({ family: 6, address: '::', port: 7000 });
  });

  it('is unsupported, not a throw, when there is no /proc', async () => {
    const lookup = await findPortOwner(18789, { procRoot: join(root, 'nowhere') });
    expect(lookup.kind).toBe('unsupported');
  });

  it('parses IPv6 loopback and v4-mapped addresses, and the state after a comm with parentheses', () => {
    const loop6 = `${le('00000000')}${le('00000000')}${le('00000000')}${le('01000000')}`;
    const mapped = `${le('00000000')}${le('00000000')}${le('FFFF0000')}${le('0100007F')}`;
    const text = `header\n   0: ${loop6}:4965 ${'0'.repeat(32)}:0000 0A 0:0 0:0 0 1000 0 7001\n   1: ${mapped}:4965 ${'0'.repeat(32)}:0000 0A 0:0 0:0 0 1000 0 7002\n`;

    expect(parseListenSockets(text, 6).map((s) => s.address)).toEqual(['::1', '::ffff:127.0.0.1']);
    expect(parseStatState('42 (a) b) Z 1')).toBe('Z');
  });
});

// The cached owner is only a hint: each of these makes it wrong, and the lookup must notice.
describe('findPortOwner: the cached owner on a /proc-shaped tree', () => {
  let root: string;
  const le = (hex: string) => (new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? hex : hex.match(/../g)!.reverse().join(''));
  const header = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
  const listen = (inode: number) =>
    writeFile(
      join(root, 'net/tcp'),
      header + `   0: ${le('0100007F')}:4965 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 ${inode} 1 0 100 0 0 10 0\n`,
    );
  async function proc(pid: number, name: string, fds: Record<string, string>): Promise<void> {
    await rm(join(root, String(pid)), { recursive: true, force: true });
    await mkdir(join(root, `${pid}/fd`), { recursive: true });
    for (const [fd, target] of Object.entries(fds)) await symlink(target, join(root, `${pid}/fd/${fd}`));
    await writeFile(join(root, `${pid}/cmdline`), `${name}\0`);
    await writeFile(join(root, `${pid}/comm`), `${name.slice(0, 15)}\n`);
    await writeFile(join(root, `${pid}/stat`), `${pid} (${name.slice(0, 15)}) S 1 ${pid} ${pid} 0 -1 4194560 0 0 0 0\n`);
  }
  const lookup = () => findPortOwner(18789, { procRoot: root, host: '127.0.0.1' });

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'clawmedic-proc-cache-'));
    await mkdir(join(root, 'net'));
    await listen(8001);
    await proc(50, 'openclaw-gateway', { '0': '/dev/null', '21': 'socket:[8001]' });
    expect(await lookup()).toMatchObject({ kind: 'found', cached: false, owner: { pid: 50 } });
    expect(await lookup()).toMatchObject({ kind: 'found', cached: true, owner: { pid: 50 } });
  });

  afterEach(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('is not fooled by a reused pid: the new process under it does not hold the socket', async () => {
    // The gateway forked a worker (pid 60) that kept the socket, then exited; an unrelated process got pid 50.
    await proc(60, 'openclaw-gateway', { '21': 'socket:[8001]' });
    await proc(50, 'bash', { '0': '/dev/null', '21': 'pipe:[12]' });

    expect(await lookup()).toMatchObject({ kind: 'found', cached: false, owner: { pid: 60 } });
    expect(await lookup()).toMatchObject({ kind: 'found', cached: true, owner: { pid: 60 } });
  });

  it('scans again after a restart in place: same pid, same fd number, a new listening socket', async () => {
    await listen(8002);
    await proc(50, 'openclaw-gateway', { '0': '/dev/null', '21': 'socket:[8002]' });

    expect(await lookup()).toMatchObject({ kind: 'found', cached: false, owner: { pid: 50 }, sockets: [{ inode: 8002 }] });
    expect(await lookup()).toMatchObject({ kind: 'found', cached: true, owner: { pid: 50 }, sockets: [{ inode: 8002 }] });
  });

  it('scans again when a new process took over the port', async () => {
    await rm(join(root, '50'), { recursive: true });
    await listen(8003);
    await proc(70, 'openclaw-gateway', { '22': 'socket:[8003]' });

    expect(await lookup()).toMatchObject({ kind: 'found', cached: false, owner: { pid: 70 } });
  });

  it('keeps reading the owner afresh: a cached owner that was stopped shows state T', async () => {
    await writeFile(join(root, '50/stat'), '50 (openclaw-gateway) T 1 50 50 0 -1 4194560 0 0 0 0\n');

    expect(await lookup()).toMatchObject({ kind: 'found', cached: true, owner: { pid: 50, state: 'T', stateName: 'stopped' } });
  });

  it('says owner-unknown, not the stale pid, once the cached owner is gone', async () => {
    await rm(join(root, '50'), { recursive: true });

    expect((await lookup()).kind).toBe('owner-unknown');
  });
});
