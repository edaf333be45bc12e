// What to tell a person about a gateway that is down, hung or on the wrong port: shared by the
// gateway.http and gateway.port checks.
import type { GatewayTarget, RemedyStep } from '../src/contracts.ts';
import { stepsParagraph } from '../src/alerts/render.ts';
import { findGatewayService, type GatewayService } from '../src/platform/gateway-service.ts';

/** Where the gateway writes today: /tmp/openclaw/openclaw[-<profile>]-YYYY-MM-DD.log (host local date). */
export function gatewayLogPath(target: GatewayTarget, now: number): string {
  const d = new Date(now);
  const date = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  const profile = /[\\/]\.openclaw-([^\\/]+)[\\/]?$/.exec(target.openclawStateDir)?.[1];
  return `/tmp/openclaw/openclaw-${profile ? `${profile}-` : ''}${date}.log`;
}

/** A remedy as steps and, for readers without steps (status, Nagios), the same in words. */
export function remedyOf(steps: RemedyStep[]): { steps: RemedyStep[]; remedy: string } {
  return { steps, remedy: stepsParagraph(steps) };
}

/**
 * How to bring a gateway that is not running back (REFERENCE.md 5.2: there is no `openclaw start`),
 * in the order that is true on this host: through its service when one is installed, else by whatever
 * started it. The config comes first either way: with a bad one the gateway exits 78 at every start.
 */
export function startGatewaySteps(target: GatewayTarget, now: number, service: GatewayService = findGatewayService(target.openclawStateDir)): RemedyStep[] {
  const log = gatewayLogPath(target, now);
  const validate: RemedyStep = {
    text: 'Check the config first: with an invalid one the gateway exits 78 at every start, and restarting will not help.',
    command: 'openclaw config validate --json',
  };
  switch (service.manager) {
    case 'systemd-user':
      return [
        validate,
        { text: `It runs as a systemd user service (${service.path}): see why it stopped.`, command: `journalctl --user -u ${service.unit} -n 50` },
        { text: 'Start it again.', command: `systemctl --user start ${service.unit}` },
      ];
    case 'systemd-system':
      return [
        validate,
        { text: `It runs as a system service (${service.path}): see why it stopped.`, command: `journalctl -u ${service.unit} -n 50` },
        { text: 'Start it again.', command: `sudo systemctl start ${service.unit}` },
      ];
    case 'launchd':
      return [validate, { text: `It runs as a launchd agent (${service.path}): start it again, then read its log ${log}.`, command: 'openclaw gateway start' }];
    case 'pm2':
      return [validate, { text: `It runs as the pm2 app ${service.app}: see why it stopped, then start it again.`, command: `pm2 logs ${service.app} --lines 50 --nostream` }, { text: 'Start it.', command: `pm2 start ${service.app}` }];
    default:
      return [
        validate,
        { text: `Look in ${log} for "Gateway failed to start".` },
        {
          text: 'It is not installed as a service here, so `openclaw gateway start` cannot start it: start it again the way it was started (a terminal, tmux, your own supervisor).',
          command: `openclaw gateway run --bind loopback --port ${target.port}`,
        },
        { text: 'Or install it as a service that restarts by itself.', command: 'openclaw gateway install' },
      ];
  }
}

export function startGatewayRemedy(target: GatewayTarget, now: number, service?: GatewayService): string {
  return stepsParagraph(startGatewaySteps(target, now, service));
}

/** What to do about a process that accepts connections and never answers. */
export function hungGatewaySteps(target: GatewayTarget, now: number, pid?: number, state?: string): RemedyStep[] {
  const p = pid === undefined ? '<pid>' : String(pid);
  const log = gatewayLogPath(target, now);
  const start: RemedyStep = { text: 'Then start it again (`openclaw gateway start` under a service).', command: `openclaw gateway run --bind loopback --port ${target.port}` };
  // A stopped gateway is resumed, not killed: it was healthy until someone stopped it.
  if (state === 'T' || state === 't') {
    return [
      { text: 'It is stopped by a signal: resume it, then find out who stopped it (a debugger, Ctrl-Z in a terminal, a job-control script).', command: `kill -CONT ${p}` },
      { text: `Only if it still does not answer a minute after that, stop it (\`kill -KILL ${p}\` if it is still there after ~30 s).`, command: `kill -TERM ${p}` },
      start,
    ];
  }
  return [
    ...(state === undefined ? [{ text: `If it is stopped by a signal (\`ps -o stat= -p ${p}\` shows T), resume it.`, command: `kill -CONT ${p}` }] : []),
    {
      text: `A blocked event loop does not react to \`openclaw gateway restart\` (its signal handler never runs): stop it (\`kill -KILL ${p}\` if it is still there after ~30 s); the last lines of ${log} show what it was doing.`,
      command: `kill -TERM ${p}`,
    },
    start,
  ];
}

export function hungGatewayRemedy(target: GatewayTarget, now: number, pid?: number, state?: string): string {
  return stepsParagraph(hungGatewaySteps(target, now, pid, state));
}

/** Says how the port was chosen, so a wrong port is easy to spot. */
export function portSourceNote(target: GatewayTarget): string {
  return `port ${target.port} comes from ${target.portSource}`;
}

/** The step for a gateway that listens elsewhere; where the port came from is said in the diagnosis. */
export function wrongPortStep(target: GatewayTarget): RemedyStep {
  return {
    text: `If the gateway really listens on another port, make gateway.port in ${target.openclawConfigPath} (or OPENCLAW_GATEWAY_PORT) and clawmedic's own config agree.`,
  };
}

/** What clawmedic has to change, beside OpenClaw, when the gateway moves to another port. */
export function wrongPortRemedy(target: GatewayTarget): string {
  return (
    `If the gateway really listens elsewhere, fix the port (${portSourceNote(target)}): gateway.port in ${target.openclawConfigPath} ` +
    "or OPENCLAW_GATEWAY_PORT, and clawmedic's own config, so both agree."
  );
}
