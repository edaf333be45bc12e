import { basename, dirname, join } from 'node:path';
import { configCheck } from '../../checks/config.ts';
import type { EffectiveConfig } from '../config/load.ts';
import type { Exec, Logger, OpenclawCli } from '../contracts.ts';
import { execFileGroup } from '../platform/exec.ts';
import { isControlUiPage, parseHealthz } from '../platform/gateway-endpoints.ts';
import { findGatewayService, type GatewayService } from '../platform/gateway-service.ts';
import { formatHostPort, httpProbe } from '../platform/http-probe.ts';
import { processLabel } from '../platform/port-owner.ts';
import { makeContextFactory } from '../probe-context.ts';
import { checkMemory, inMemoryCheckState } from '../state/series.ts';
import { oneLine } from '../util/text.ts';
import { clearCaches, DEFAULT_CACHE_PATHS } from './clear-cache.ts';
import type { RecoveryConfig } from './config.ts';
import { locateGateway, type GatewayLocation } from './gateway-process.ts';
import { restartInPlace } from './restart.ts';
import type { BuiltinSteps, GatewayView } from './runbook.ts';
import { startedGatewayExit, startGateway } from './start.ts';
import { stopGateway } from './stop.ts';
import { verifyGateway } from './verify.ts';

export interface BuiltinStepDeps {
  exec?: Exec;
  now?: () => number;
  /** For tests: a directory shaped like /proc. */
  procRoot?: string;
}

/** Where a gateway that clawmedic starts itself writes its output: beside clawmedic's state. */
export function gatewayLogFile(statePath: string): string {
  return join(dirname(statePath), 'clawmedic.gateway.log');
}

/** The service the gateway runs under: configured, else found from its unit files. */
export function serviceOf(cfg: RecoveryConfig['service'], openclawStateDir: string): GatewayService {
  switch (cfg.manager) {
    case 'auto':
      return findGatewayService(openclawStateDir);
    case 'none':
      return { manager: 'none' };
    case 'pm2':
      return { manager: 'pm2', app: cfg.app ?? 'openclaw-gateway' };
    case 'launchd':
      return { manager: 'launchd', label: cfg.label ?? 'ai.openclaw.gateway', path: '' };
    default:
      return { manager: cfg.manager, unit: cfg.unit ?? 'openclaw-gateway.service', path: '' };
  }
}

/** `~/.openclaw-<name>` is OpenClaw's profile <name> (REFERENCE 1.1). */
function profileOf(stateDir: string): string | undefined {
  const name = basename(stateDir);
  return name.startsWith('.openclaw-') ? name.slice('.openclaw-'.length) : undefined;
}

/** The runbook's built-in steps on the real OpenClaw of this config. */
export function builtinSteps(config: EffectiveConfig, log: Logger, deps: BuiltinStepDeps = {}): BuiltinSteps {
  const cfg = config.file.recovery;
  const target = config.target;
  const exec = deps.exec ?? execFileGroup;
  const now = deps.now ?? Date.now;
  const procRoot = deps.procRoot ? { procRoot: deps.procRoot } : {};
  const contexts = makeContextFactory(config, log, now, undefined, { gate: false });
  const cli = (): OpenclawCli => contexts.openclaw;
  const service = () => serviceOf(cfg.service, target.openclawStateDir);
  const cachePaths = cfg.cachePaths ?? [...DEFAULT_CACHE_PATHS];
  let location: GatewayLocation | undefined;
  /** The gateway the last start step spawned (none for a service manager's start), which verify watches. */
  let startedPid: number | undefined;

  return {
    async look(signal) {
      startedPid = undefined;
      location = await locateGateway(target, { signal, ...procRoot });
      return viewOf(location, await answersAsOpenclaw(target.host, target.port, signal));
    },

    async validate(signal) {
      const rc = config.checks.find((c) => c.check.id === configCheck.id);
      const result = await configCheck.run({
        ...contexts.forCheck(rc ?? ({ options: {} } as never), { history: [], series: inMemoryCheckState().series, memory: checkMemory({}, configCheck.id) }),
        signal,
        timeoutMs: cfg.steps.validate.timeout,
      });
      const issues = result.diagnosis ? ` ${oneLine(result.diagnosis)}` : '';
      // A config that cannot be judged (no CLI, a CLI that hangs) does not hold the gateway down: at worst
      // it exits 78 and the attempt says so.
      return { ok: result.status !== 'crit', summary: `${oneLine(result.summary)}${result.status === 'crit' ? issues : ''}` };
    },

    restart: (signal) => restartInPlace({ openclaw: cli(), timeoutMs: cfg.steps.restart.timeout, signal, port: target.port }),

    async stop(_view, signal) {
      // `openclaw gateway stop --force` (for a listener clawmedic cannot see) exists since 2026.8.2 only.
      const { version } = await contexts.openclawVersions.cliVersion(signal);
      return stopGateway({
        target,
        ...(location ? { location } : {}),
        service: service(),
        openclaw: cli(),
        exec,
        graceMs: cfg.stopGrace,
        timeoutMs: cfg.steps.stop.timeout,
        signal,
        ...(version ? { version } : {}),
        ...procRoot,
      });
    },

    clearCache: (dryRun) => clearCaches({ stateDir: target.openclawStateDir, paths: cachePaths, dryRun }),

    start: async (signal) => {
      const profile = profileOf(target.openclawStateDir);
      const started = await startGateway({
        target,
        service: service(),
        openclaw: cli(),
        exec,
        logFile: gatewayLogFile(config.statePath),
        signal,
        timeoutMs: cfg.steps.start.timeout,
        ...(profile ? { profile } : {}),
      });
      startedPid = started.ok ? started.pid : undefined;
      return started;
    },

    verify: (view, startedAt, signal) => {
      const pid = startedPid;
      const startedGone = pid === undefined ? undefined : () => startedGatewayExit(pid, gatewayLogFile(config.statePath));
      return verifyGateway({ target, startedAt, before: view.before, deadlineMs: cfg.steps.verify.timeout, signal, now, ...procRoot, ...(startedGone ? { startedGone } : {}) });
    },

    describe(step, view) {
      const svc = service();
      const managed = svc.manager === 'none' ? undefined : svc.manager === 'pm2' ? `pm2 app ${svc.app}` : svc.manager === 'launchd' ? `launchd ${svc.label}` : `${svc.manager} ${svc.unit}`;
      switch (step) {
        case 'validate':
          return `check ${target.openclawConfigPath} as JSON5, then run \`openclaw config validate --json\``;
        case 'restart':
          return 'run `openclaw gateway restart --json` (in place: same pid, new boot)';
        case 'stop':
          if (managed) return `stop the ${managed}`;
          return view.alive ? `send SIGTERM (SIGKILL after ${cfg.stopGrace} ms; at once to a stopped process) to ${location?.processes.map((p) => `pid ${p.pid}`).join(', ')}` : 'find no gateway process to stop';
        case 'clearCache':
          return `remove ${cachePaths.join(', ')} under ${target.openclawStateDir}`;
        case 'start': {
          if (managed) return `start the ${managed}`;
          const profile = profileOf(target.openclawStateDir);
          return `run \`openclaw ${profile ? `--profile ${profile} ` : ''}gateway run --port ${target.port} --bind <gateway.bind, default loopback>\` detached, its output to ${gatewayLogFile(config.statePath)}`;
        }
        case 'verify':
          return `wait for ${formatHostPort(target.host, target.port)} to be OpenClaw's, /startupz started, /readyz 200 and a new boot`;
      }
    },
  };
}

/** What the runbook needs to know of a location, in its words. */
function viewOf(location: GatewayLocation, answering: boolean): GatewayView {
  const l = location.listener;
  const stopped = location.processes.some((p) => p.state === 'T' || p.state === 't');
  const listenerPid = l.kind === 'openclaw' ? l.process.pid : undefined;
  const view: GatewayView = {
    alive: location.processes.length > 0,
    stopped,
    answering,
    before: { ...(listenerPid ?? location.processes[0]?.pid ? { pid: listenerPid ?? location.processes[0]!.pid } : {}) },
    summary: describeLocation(location, answering),
  };
  // A forwarder (docker-proxy, ssh -L) stands for a gateway that runs elsewhere: not ours to stop or start here.
  if (l.kind === 'other' || l.kind === 'forwarder') view.foreignListener = processLabel(l.process);
  return view;
}

function describeLocation(location: GatewayLocation, answering: boolean): string {
  const l = location.listener;
  const procs = location.processes.map((p) => `${processLabel(p)}${p.state === 'T' ? ' (stopped)' : ''}`);
  const listener =
    l.kind === 'none'
      ? 'nothing listens on the port'
      : l.kind === 'unknown'
        ? `a listener clawmedic cannot see (${l.reason})`
        : l.kind === 'openclaw'
          ? `${processLabel(l.process)} listens${answering ? ' and answers' : ' and does not answer'}`
          : `the port is held by ${processLabel(l.process)}, not OpenClaw`;
  const wedged = location.wedged ? `; pid ${location.wedged.pid} is alive without its listener (wedged)` : '';
  return `${listener}; gateway processes: ${procs.length ? procs.join(', ') : 'none'}${wedged}`;
}

/** A quick /healthz: does OpenClaw answer at all (then an in-place restart is worth trying)? */
async function answersAsOpenclaw(host: string, port: number, signal: AbortSignal): Promise<boolean> {
  const probe = await httpProbe({ host, port, path: '/healthz', timeoutMs: 2_000, signal, maxBodyBytes: 16 * 1024 });
  return probe.ok && (parseHealthz(probe) !== undefined || isControlUiPage(probe));
}
