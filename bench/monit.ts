// Monit, the peer in the benchmark: Debian's `monit`, run in the foreground (-I) on a control file of its
// own in a temporary directory (never the system's /etc/monit/monitrc), alerting by mail to the benchmark's
// SMTP server. Only the Monit process started here is stopped, by its pid.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface MonitSettings {
  dir: string;
  smtpPort: number;
  gatewayPort: number;
  intervalS: number;
  failCycles: number;
  successCycles: number;
  timeoutS: number;
  /**
   * 'alert': a host check of /healthz that only mails (the detection runs); 'restart': a process check on the
   * gateway's pid file with start/stop programs, restarting it as Monit users configure it.
   */
  mode: 'alert' | 'restart';
  /** For 'restart': the start and stop programs (argument strings, quoted for Monit). */
  startProgram?: string;
  stopProgram?: string;
  pidFile?: string;
}

export function monitPath(): string | undefined {
  for (const p of ['/usr/bin/monit', '/usr/sbin/monit', '/usr/local/bin/monit']) {
    try {
      execFileSync(p, ['-V'], { stdio: 'ignore', timeout: 5_000 });
      return p;
    } catch {
      // Not there.
    }
  }
  return undefined;
}

export function monitVersion(bin: string): string {
  const out = execFileSync(bin, ['-V'], { encoding: 'utf8', timeout: 5_000 });
  return /version ([\d.]+)/i.exec(out)?.[1] ?? out.split('\n')[0]!.trim();
}

/** The control file: the same probe, interval and thresholds as clawmedic's gateway checks in the run. */
export function controlFile(s: MonitSettings): string {
  const test =
    `if failed port ${s.gatewayPort} protocol http request "/healthz" with timeout ${s.timeoutS} seconds for ${s.failCycles} cycles ` +
    `then ${s.mode === 'alert' ? 'alert' : 'restart'}\n  else if succeeded ${s.successCycles} cycles then alert`;
  const service =
    s.mode === 'alert'
      ? `check host gateway with address 127.0.0.1\n  ${test}\n`
      : `check process gateway with pidfile ${s.pidFile}\n  start program = "${s.startProgram}" with timeout 120 seconds\n  stop program = "${s.stopProgram}" with timeout 30 seconds\n  ${test}\n`;
  return [
    `set daemon ${s.intervalS}`,
    `set logfile ${join(s.dir, 'monit.log')}`,
    `set pidfile ${join(s.dir, 'monit.pid')}`,
    `set idfile ${join(s.dir, 'monit.id')}`,
    `set statefile ${join(s.dir, 'monit.state')}`,
    `set mailserver 127.0.0.1 port ${s.smtpPort} with timeout 5 seconds`,
    'set mail-format {\n  from: monit@bench.invalid\n  subject: monit $EVENT $SERVICE\n  message: $EVENT $SERVICE: $DESCRIPTION\n}',
    'set alert monit@bench.invalid not on { instance, action }',
    service,
  ].join('\n');
}

export interface RunningMonit {
  child: ChildProcess;
  stop(): Promise<void>;
}

export function startMonit(bin: string, s: MonitSettings, name: string): RunningMonit {
  const rc = join(s.dir, `${name}.monitrc`);
  writeFileSync(rc, controlFile(s), { mode: 0o600 });
  chmodSync(rc, 0o600); // Monit refuses a control file others may read
  const child = spawn(bin, ['-I', '-c', rc], { stdio: 'ignore', detached: true });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
