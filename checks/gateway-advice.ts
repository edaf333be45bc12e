// What to tell a person about a gateway that is down, hung or on the wrong port: shared by the
// gateway.http and gateway.port checks.
import type { GatewayTarget } from '../src/contracts.ts';
import { findGatewayService, type GatewayService } from '../src/platform/gateway-service.ts';

/** Where the gateway writes today: /tmp/openclaw/openclaw[-<profile>]-YYYY-MM-DD.log (host local date). */
export function gatewayLogPath(target: GatewayTarget, now: number): string {
  const d = new Date(now);
  const date = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  const profile = /[\\/]\.openclaw-([^\\/]+)[\\/]?$/.exec(target.openclawStateDir)?.[1];
  return `/tmp/openclaw/openclaw-${profile ? `${profile}-` : ''}${date}.log`;
}

/**
 * How to bring a gateway that is not running back (REFERENCE.md 5.2: there is no `openclaw start`),
 * in the order that is true on this host: through its service when one is installed, else by whatever
 * started it. The config comes first either way: with a bad one the gateway exits 78 at every start.
 */
export function startGatewayRemedy(target: GatewayTarget, now: number, service: GatewayService = findGatewayService(target.openclawStateDir)): string {
  const log = gatewayLogPath(target, now);
  const validate = 'First `openclaw config validate --json`: with an invalid config it exits 78 at every start and restarting will not help.';
  switch (service.manager) {
    case 'systemd-user':
      return (
        `${validate} It is installed as a systemd user service (${service.path}): \`systemctl --user status ${service.unit}\` and ` +
        `\`journalctl --user -u ${service.unit} -n 50\` show why it stopped; \`openclaw gateway start\` (or \`systemctl --user start ${service.unit}\`) starts it. ` +
        `Its log: ${log}.`
      );
    case 'systemd-system':
      return (
        `${validate} It is installed as a system service (${service.path}): \`systemctl status ${service.unit}\` and ` +
        `\`journalctl -u ${service.unit} -n 50\` show why it stopped; \`sudo systemctl start ${service.unit}\` starts it. Its log: ${log}.`
      );
    case 'launchd':
      return `${validate} It is installed as a launchd agent (${service.path}): \`openclaw gateway start\` starts it. Its log: ${log}.`;
    default:
      return (
        `${validate} It is not installed as a service on this host, so \`openclaw gateway start\` cannot start it: start it again the way it was ` +
        `started (a terminal, tmux, your own supervisor) with \`openclaw gateway run --bind loopback --port ${target.port}\`, ` +
        `or \`openclaw gateway install\` to have it run as a service that restarts by itself. Look in ${log} for "Gateway failed to start".`
      );
  }
}

/** What to do about a process that accepts connections and never answers. */
export function hungGatewayRemedy(target: GatewayTarget, now: number, pid?: number, state?: string): string {
  const p = pid === undefined ? '<pid>' : String(pid);
  const restart =
    `\`kill -TERM ${p}\`, \`kill -KILL ${p}\` if it is still there after ~30 s, then start it again ` +
    `(\`openclaw gateway start\` under a service, or \`openclaw gateway run --bind loopback --port ${target.port}\`). ` +
    `Look at the last lines of ${gatewayLogPath(target, now)} for what it was doing.`;
  // A stopped gateway is resumed, not killed: it was healthy until someone stopped it.
  if (state === 'T' || state === 't') {
    return (
      `It is stopped by a signal: \`kill -CONT ${p}\` resumes it (then find out who stopped it: a debugger, Ctrl-Z in a terminal, a job-control script). ` +
      `Only if it still does not answer a minute after that, restart it: ${restart}`
    );
  }
  const cont = state === undefined ? `If it is stopped by a signal (\`ps -o stat= -p ${p}\` shows T), \`kill -CONT ${p}\` resumes it. ` : '';
  return `${cont}A blocked event loop does not react to \`openclaw gateway restart\` (its signal handler never runs): ${restart}`;
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
