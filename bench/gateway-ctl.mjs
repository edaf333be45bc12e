#!/usr/bin/env node
// Monit's start and stop program for the benchmark's gateway, as a Monit user would write one for a program
// that stays in the foreground: start spawns `openclaw gateway run` in its own session and writes its pid
// file; stop signals only the pid in that file (its process group), SIGTERM then SIGKILL. Monit runs programs
// with an almost empty environment, so everything comes as arguments.
//
// Usage: node gateway-ctl.mjs start|stop <home> <port> <openclaw-bin-dir> <token-file> <pid-file> <log-file>
import { spawn } from 'node:child_process';
import { openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [action, home, port, binDir, tokenFile, pidFile, logFile] = process.argv.slice(2);
if (!['start', 'stop'].includes(action) || !logFile) {
  process.stderr.write('usage: gateway-ctl.mjs start|stop <home> <port> <openclaw-bin-dir> <token-file> <pid-file> <log-file>\n');
  process.exit(2);
}

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

if (action === 'start') {
  const out = openSync(logFile, 'a', 0o600);
  const child = spawn(join(binDir, 'openclaw'), ['gateway', 'run', '--port', port, '--bind', 'loopback'], {
    detached: true,
    stdio: ['ignore', out, out],
    env: {
      HOME: home,
      PATH: `${binDir}:/usr/bin:/bin`,
      OPENCLAW_GATEWAY_TOKEN: readFileSync(tokenFile, 'utf8').trim(),
      OPENCLAW_GATEWAY_PORT: port,
    },
  });
  writeFileSync(pidFile, `${child.pid}\n`);
  child.unref();
} else {
  let pid;
  try {
    pid = Number(readFileSync(pidFile, 'utf8').trim());
  } catch {
    process.exit(0);
  }
  if (Number.isInteger(pid) && pid > 1 && alive(pid)) {
    const group = (sig) => {
      try {
        process.kill(-pid, sig);
      } catch {
        try {
          process.kill(pid, sig);
        } catch {
          // Gone.
        }
      }
    };
    // A stopped process cannot act on SIGTERM.
    group('SIGCONT');
    group('SIGTERM');
    const deadline = Date.now() + 5_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (alive(pid)) group('SIGKILL');
  }
  rmSync(pidFile, { force: true });
}
