// `clawmedic service install|uninstall|status`: renders a unit from deploy/, writes it, has the manager
// enable it; on any failure puts back what was there, so nothing is left half-written.
import { existsSync } from 'node:fs';
import { access, chown, constants, mkdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Exec } from '../contracts.ts';
import { configPathFor, loadConfig, type Problem } from '../config/load.ts';
import { findOpenclawCli } from '../platform/openclaw-cli.ts';
import { currentAccount, gatewayAccount, type Account, type AccountGuess } from './account.ts';
import { ensureEnvFile, envFileModeProblem, readEnvFile } from './env-file.ts';
import { CliError } from '../cli/errors.ts';
import { launchd } from './launchd.ts';
import { commandLine, COMMAND_TIMEOUT_MS, firstWords, which, type Command, type ManagerEnv, type ServiceManager, type ServiceStatus } from './manager.ts';
import { buildPlan, ENV_FILE_NAME, MANAGERS, targetFor, type ManagerName, type Scope, type ServicePlan, type ServiceTarget } from './plan.ts';
import { pm2 } from './pm2.ts';
import { render } from './render.ts';
import { chooseNode, entryPoint, packageRoot } from './runtime.ts';
import { systemd } from './systemd.ts';

const MANAGER: Record<ManagerName, ServiceManager> = { systemd, launchd, pm2 };

export interface ServiceRequest {
  manager?: ManagerName;
  scope?: Scope;
  configPath?: string;
  dryRun?: boolean;
  force?: boolean;
  /** Files go under this directory, enabled offline (an image being built). */
  root?: string;
  /** Asked before replacing an existing unit; without it, --force is needed. */
  confirm?: (question: string) => Promise<boolean>;
}

export interface ServiceDeps {
  exec: Exec;
  env: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  out(text: string): void;
  /** Notes and warnings (stderr). */
  note(text: string): void;
  /** For tests: the Node and the accounts that would otherwise come from this process and /proc. */
  node?: { execPath: string; version: string };
  installer?: Account;
  gateway?: AccountGuess | null;
  packageRoot?: string;
}

/** --manager, else what this host runs: launchd on macOS, a running systemd, else pm2 when it is on PATH. */
export function chooseManager(req: ServiceRequest, deps: ServiceDeps): ManagerName {
  if (req.manager) {
    if (!MANAGERS.includes(req.manager)) throw new CliError(`unknown manager "${req.manager}" (use ${MANAGERS.join(', ')})`);
    return req.manager;
  }
  if ((deps.platform ?? process.platform) === 'darwin') return 'launchd';
  if (existsSync('/run/systemd/system') || req.root) return 'systemd';
  if (which('pm2', deps.env)) return 'pm2';
  throw new CliError('no service manager found: systemd is not running and pm2 is not on PATH; pick one with --manager (--dry-run prints the unit to install by hand)');
}

function chooseScope(req: ServiceRequest, manager: ManagerName, installer: Account): Scope {
  if (req.scope) return req.scope;
  return manager !== 'pm2' && installer.uid === 0 ? 'system' : 'user';
}

const where = (root: string | undefined, path: string) => (root ? join(root, path) : path);

/** "env:NAME" references anywhere in the config file. */
function envReferences(value: unknown, out = new Set<string>()): Set<string> {
  if (typeof value === 'string' && value.startsWith('env:')) out.add(value.slice(4));
  else if (value && typeof value === 'object') for (const v of Object.values(value)) envReferences(v, out);
  return out;
}

/** The config as the service will load it (its env file's variables included); an invalid one stops here. */
function validated(given: { configPath?: string }, env: NodeJS.ProcessEnv, root: string | undefined) {
  const { path } = configPathFor({ ...given, env });
  const envFileVars = readEnvFile(where(root, join(dirname(path), ENV_FILE_NAME)));
  const loaded = loadConfig({ ...given, env: { ...env, ...envFileVars } });
  // An env: secret set nowhere yet is expected: install creates the file it goes in.
  const unsetVar = (p: Problem) => /^environment variable [A-Za-z_][A-Za-z0-9_]* \(from "env:/.test(p.message);
  const fatal = loaded.problems.filter((p) => p.level === 'error' && !unsetVar(p));
  if (!loaded.config || fatal.length) {
    const list = (fatal.length ? fatal : loaded.problems).map((p) => `  ${p.path}: ${p.message}`).join('\n');
    throw new CliError(`invalid config ${path}: fix it before installing the service (nothing installed):\n${list}`, 2);
  }
  const unset = [...new Set([...envReferences(loaded.config.file)].filter((n) => !(n in envFileVars) && !env[n]))];
  return { config: loaded.config, unset };
}

/** Validates the config the service will run with and works out the plan. */
export async function prepare(req: ServiceRequest, deps: ServiceDeps): Promise<{ plan: ServicePlan; text: string; unset: string[] }> {
  const env = deps.env;
  const given = req.configPath ? { configPath: req.configPath } : {};
  let { config, unset } = validated(given, env, req.root);
  const manager = chooseManager(req, deps);
  const installer = deps.installer ?? currentAccount(env);
  const scope = chooseScope(req, manager, installer);
  const root = deps.packageRoot ?? packageRoot();
  const node = await chooseNode({ root, exec: deps.exec, ...(deps.node ?? {}) });
  const gateway = deps.gateway === undefined ? await gatewayAccount(config.target) : (deps.gateway ?? undefined);
  // A system service runs as the gateway's user, so its default config is the one under that user's HOME.
  if (scope === 'system' && gateway && gateway.account.uid !== installer.uid && !given.configPath && !env.CLAWMEDIC_CONFIG) {
    ({ config, unset } = validated(given, { ...env, HOME: gateway.account.home }, req.root));
  }
  const openclaw = findOpenclawCli({ ...(config.openclawBin ? { configuredPath: config.openclawBin } : {}), env });
  const plan = buildPlan({
    manager,
    scope,
    config,
    node,
    entry: entryPoint(root),
    installer,
    ...(gateway ? { gateway } : {}),
    ...(openclaw.path ? { openclawBin: openclaw.path } : {}),
    env,
  });
  return { plan, text: render(root, plan), unset };
}

async function run(cmds: Command[], m: ManagerEnv): Promise<void> {
  for (const c of cmds) {
    const res = await m.exec(c.file, c.args, { timeoutMs: COMMAND_TIMEOUT_MS, env: m.env });
    if (res.code !== 0 && !c.mayFail) {
      const why = res.timedOut ? `did not finish within ${COMMAND_TIMEOUT_MS / 1000} s` : `exit ${res.code ?? res.signal}: ${firstWords(res.stderr) || firstWords(res.stdout)}`;
      throw new CliError(`${commandLine(c)} failed (${why})`);
    }
  }
}

/** The deepest existing ancestor of a directory we are about to create, to test write access on. */
function existingAncestor(dir: string): string {
  let d = dir;
  while (!existsSync(d) && dirname(d) !== d) d = dirname(d);
  return d;
}

async function writable(dir: string, plan: ServiceTarget): Promise<void> {
  const at = existingAncestor(dir);
  try {
    await access(at, constants.W_OK);
  } catch {
    const hint = plan.scope === 'system' ? 'run it as root (sudo), or use --user' : 'run it as the user who owns it';
    throw new CliError(`no permission to write ${dir} (${at} is not writable): ${hint}; nothing installed`);
  }
}

export async function install(req: ServiceRequest, deps: ServiceDeps): Promise<number> {
  const { plan, text, unset } = await prepare(req, deps);
  const manager = MANAGER[plan.manager];
  const m: ManagerEnv = { exec: deps.exec, env: deps.env, ...(req.root ? { root: req.root } : {}) };
  const unitPath = where(req.root, plan.unitPath);
  const envFile = where(req.root, plan.envFile);
  const describe = `${plan.manager} ${plan.scope} service`;
  if (req.dryRun) {
    deps.out(text.endsWith('\n') ? text : `${text}\n`);
    deps.note(`dry run: would write ${unitPath} (${describe}), create ${envFile} (mode 0600) if missing, then run: ${manager.enable(plan, m).map(commandLine).join(' && ')}`);
    for (const w of plan.warnings) deps.note(`warning: ${w}`);
    return 0;
  }
  const why = manager.unavailable(plan, m);
  if (why) {
    deps.out(text.endsWith('\n') ? text : `${text}\n`);
    throw new CliError(`${why}; nothing installed. To install by hand: save the ${plan.manager} file above as ${unitPath} and run: ${manager.enable(plan, m).map(commandLine).join(' && ')}`);
  }
  const exists = existsSync(unitPath) || (await manager.registered?.(plan, m)) === true;
  if (exists && !req.force) {
    const yes = req.confirm ? await req.confirm(`clawmedic is already installed (${unitPath}). Replace it?`) : false;
    if (!yes) throw new CliError(`clawmedic is already installed as a ${describe} (${unitPath}): --force replaces it, \`clawmedic service uninstall\` removes it`);
  }
  await writable(dirname(unitPath), plan);
  await writable(dirname(envFile), plan);

  const previous = existsSync(unitPath) ? await readFile(unitPath) : undefined;
  const madeDir = await mkdir(dirname(unitPath), { recursive: true });
  // The config's directory (~/.openclaw) may not exist yet when the embedded default is used.
  const madeEnvDir = await mkdir(dirname(envFile), { recursive: true, mode: 0o700 });
  // Made by root for the gateway's user: theirs, or the agent could not write its state there.
  if (madeEnvDir && process.getuid?.() === 0 && plan.account.uid !== 0) {
    for (let d = dirname(envFile); d.startsWith(madeEnvDir); d = dirname(d)) await chown(d, plan.account.uid, plan.account.gid);
  }
  let envCreated = false;
  try {
    if (exists) await run(manager.disable(plan, m), m);
    envCreated = ensureEnvFile(envFile, plan.account);
    const tmp = `${unitPath}.${process.pid}.tmp`;
    await writeFile(tmp, text.endsWith('\n') ? text : `${text}\n`, { mode: 0o644 });
    await rename(tmp, unitPath);
    await run(manager.enable(plan, m), m);
  } catch (err) {
    // Put back what was there: the old unit (enabled again), or nothing.
    await run(manager.disable(plan, m).map((c) => ({ ...c, mayFail: true })), m).catch(() => undefined);
    if (previous !== undefined) await writeFile(unitPath, previous).catch(() => undefined);
    else await unlink(unitPath).catch(() => undefined);
    await run([...(manager.afterRemove?.(plan, m) ?? []), ...(previous !== undefined ? manager.enable(plan, m) : [])].map((c) => ({ ...c, mayFail: true })), m).catch(() => undefined);
    if (envCreated) await unlink(envFile).catch(() => undefined);
    for (const made of [madeDir, madeEnvDir]) if (made) await rm(made, { recursive: true }).catch(() => undefined);
    const what = err instanceof Error ? err.message : String(err);
    throw new CliError(`${what}; ${previous !== undefined ? 'the previous unit was put back' : 'nothing installed'}`);
  }

  deps.out(`installed clawmedic as a ${describe}: ${unitPath}\n`);
  deps.out(`  runs ${[plan.node, plan.entry, 'run', ...plan.configArgs].join(' ')} (Node ${plan.nodeVersion}; config ${plan.configPath}${plan.configArgs.length ? '' : ', not there yet: the embedded default until it is'})\n`);
  deps.out(`  as ${plan.account.name} (HOME ${plan.account.home}), PATH ${plan.env.PATH}\n`);
  deps.out(`  env: secrets from ${envFile} (${envCreated ? 'created empty, mode 0600' : 'kept as it was'})\n`);
  if (unset.length) deps.note(`warning: the config reads ${unset.map((n) => `env:${n}`).join(', ')}, set nowhere yet: add ${unset.map((n) => `${n}=...`).join(', ')} to ${envFile} and restart the service`);
  const mode = envFileModeProblem(envFile);
  if (mode) deps.note(`warning: ${mode}`);
  for (const w of plan.warnings) deps.note(`warning: ${w}`);
  if (plan.manager === 'systemd' && plan.scope === 'user' && !existsSync(`/var/lib/systemd/linger/${plan.account.name}`)) {
    deps.note(`note: a user service stops when ${plan.account.name} logs out; \`loginctl enable-linger ${plan.account.name}\` keeps it running`);
  }
  deps.out(`  see it with: clawmedic service status${req.root ? '' : ` (${statusHint(plan)})`}\n`);
  return 0;
}

function statusHint(plan: ServiceTarget): string {
  if (plan.manager === 'systemd') return `journalctl ${plan.scope === 'user' ? '--user ' : ''}-u ${plan.label} -f for its log`;
  if (plan.manager === 'pm2') return `pm2 logs ${plan.label} for its log`;
  return `log in ${join(plan.account.home, 'Library', 'Logs', 'clawmedic.log')}`;
}

/** The installed service: --manager/--user/--system if given, else the first unit file found. */
function locate(req: ServiceRequest, deps: ServiceDeps): ServiceTarget {
  const installer = deps.installer ?? currentAccount(deps.env);
  const { path } = configPathFor({ ...(req.configPath ? { configPath: req.configPath } : {}), env: deps.env });
  const configDir = dirname(path);
  const managers: ManagerName[] = req.manager ? [req.manager] : (deps.platform ?? process.platform) === 'darwin' ? ['launchd', 'pm2'] : ['systemd', 'pm2'];
  const scopes: Scope[] = req.scope ? [req.scope] : ['user', 'system'];
  for (const manager of managers) {
    for (const scope of scopes) {
      if (manager === 'pm2' && scope === 'system') continue;
      const t = targetFor(manager, scope, installer, configDir);
      if (existsSync(where(req.root, t.unitPath))) return t;
    }
  }
  const manager = chooseManager(req, deps);
  return targetFor(manager, chooseScope(req, manager, installer), installer, configDir);
}

export async function uninstall(req: ServiceRequest, deps: ServiceDeps): Promise<number> {
  const target = locate(req, deps);
  const manager = MANAGER[target.manager];
  const m: ManagerEnv = { exec: deps.exec, env: deps.env, ...(req.root ? { root: req.root } : {}) };
  const unitPath = where(req.root, target.unitPath);
  const known = existsSync(unitPath) || (await manager.registered?.(target, m)) === true;
  if (!known) throw new CliError(`clawmedic is not installed as a ${target.manager} ${target.scope} service (no ${unitPath})`);
  const steps = [...manager.disable(target, m), ...(manager.afterRemove?.(target, m) ?? [])];
  if (req.dryRun) {
    deps.out(`dry run: would run ${manager.disable(target, m).map(commandLine).join(' && ')}, remove ${unitPath}${steps.length > 1 ? `, then ${manager.afterRemove?.(target, m).map(commandLine).join(' && ')}` : ''}\n`);
    return 0;
  }
  await writable(dirname(unitPath), target);
  const why = manager.unavailable(target, m);
  if (why) deps.note(`note: ${why}: only the file is removed`);
  else await run(manager.disable(target, m), m);
  await unlink(unitPath).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw new CliError(`cannot remove ${unitPath} (${err.code ?? 'error'})`);
  });
  if (!why) await run(manager.afterRemove?.(target, m) ?? [], m);
  deps.out(`removed the ${target.manager} ${target.scope} service: ${unitPath}\n`);
  deps.note(`note: the environment file ${join(dirname(configPathFor({ ...(req.configPath ? { configPath: req.configPath } : {}), env: deps.env }).path), ENV_FILE_NAME)} and the state file are kept`);
  return 0;
}

export async function status(req: ServiceRequest, deps: ServiceDeps, json: boolean): Promise<number> {
  const target = locate(req, deps);
  const m: ManagerEnv = { exec: deps.exec, env: deps.env, ...(req.root ? { root: req.root } : {}) };
  const s: ServiceStatus & { scope: Scope } = { ...(await MANAGER[target.manager].status(target, m)), scope: target.scope };
  if (json) deps.out(`${JSON.stringify(s, null, 2)}\n`);
  else {
    const yes = (b: boolean | null) => (b === null ? 'unknown' : b ? 'yes' : 'no');
    deps.out(`clawmedic ${s.manager} ${s.scope} service: ${s.unitPath}\n`);
    deps.out(`  installed: ${yes(s.installed)}  enabled: ${yes(s.enabled)}  running: ${s.running ? `yes (pid ${s.pid ?? '?'})` : 'no'}  last exit: ${s.lastExit ?? '-'}\n`);
    if (s.note) deps.out(`  ${s.manager}: ${s.note}\n`);
  }
  return s.installed && s.running ? 0 : 1;
}
