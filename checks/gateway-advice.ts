// What to tell a person about a gateway that is down, hung or on the wrong port: shared by the
// gateway.http and gateway.port checks.
import type { GatewayTarget } from '../src/contracts.ts';

/** Where the gateway writes today: /tmp/openclaw/openclaw[-<profile>]-YYYY-MM-DD.log (host local date). */
export function gatewayLogPath(target: GatewayTarget, now: number): string {
  const d = new Date(now);
  const date = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  const profile = /[\\/]\.openclaw-([^\\/]+)[\\/]?$/.exec(target.openclawStateDir)?.[1];
  return `/tmp/openclaw/openclaw-${profile ? `${profile}-` : ''}${date}.log`;
}

/** How to bring a gateway that is not running back (REFERENCE.md 5.2: there is no `openclaw start`). */
export function startGatewayRemedy(target: GatewayTarget, now: number): string {
  return (
    'Start the gateway: `openclaw gateway start` (or `openclaw gateway restart`) if it is installed as a service ' +
    `(systemd openclaw-gateway.service, launchd ai.openclaw.gateway), otherwise \`openclaw gateway run --bind loopback --port ${target.port}\` ` +
    'under your supervisor. Run `openclaw config validate --json` first: with a bad config it exits 78 and restarting will not help. ' +
    `Check the log ${gatewayLogPath(target, now)} for "Gateway failed to start".`
  );
}

/** What to do about a process that accepts connections and never answers. */
export function hungGatewayRemedy(target: GatewayTarget, now: number, pid?: number, state?: string): string {
  const p = pid === undefined ? '<pid>' : String(pid);
  const stopped = state === 'T' || state === 't';
  const cont = stopped
    ? `It is stopped by a signal: \`kill -CONT ${p}\` resumes it (then find out who stopped it: a debugger, Ctrl-Z in a terminal, a job-control script). `
    : state === undefined
      ? `If it is stopped by a signal (\`ps -o stat= -p ${p}\` shows T), \`kill -CONT ${p}\` resumes it. `
      : '';
  return (
    cont +
    'A blocked event loop does not react to `openclaw gateway restart` (its signal handler never runs): ' +
    `\`kill -TERM ${p}\`, \`kill -KILL ${p}\` if it is still there after ~30 s, then start it again ` +
    `(\`openclaw gateway start\` under a service, or \`openclaw gateway run --bind loopback --port ${target.port}\`). ` +
    `Look at the last lines of ${gatewayLogPath(target, now)} for what it was doing.`
  );
}

/** Says how the port was chosen, so a wrong port is easy to spot. */
export function portSourceNote(target: GatewayTarget): string {
  return `port ${target.port} comes from ${target.portSource}`;
}

/** What clawmedic has to change, beside OpenClaw, when the gateway moves to another port. */
export function wrongPortRemedy(target: GatewayTarget): string {
  return (
    `If the gateway really listens elsewhere, fix the port (${portSourceNote(target)}): gateway.port in ${target.openclawConfigPath} ` +
    "or OPENCLAW_GATEWAY_PORT, and clawmedic's own config, so both agree."
  );
}
