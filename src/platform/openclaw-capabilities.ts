// What each OpenClaw release can do, in one table, measured on the releases installed and probed
// (REFERENCE.md section 10, raw outputs in samples/versions/<version>/). Every check and the recovery
// runbook ask here instead of assuming the latest release.
//
// A feature counts as present from the oldest release it was measured in, and absent up to the newest
// release measured without it. Between the two nobody looked: the answer is 'unknown', and the command
// builders below then take the older form (a command must exist in the version it is given to).
import { compareVersions, openclawVersion, parseOpenclawVersion, type OpenclawVersion } from './openclaw-version.ts';

export type Capability =
  | 'jsonProbes'
  | 'startupz'
  | 'doctorLint'
  | 'configValidateJson'
  | 'gatewayStopForce'
  | 'secretsAudit'
  | 'modelsStatusCheck';

export interface CapabilityFacts {
  /** What it is, for people: "`doctor --lint`". */
  what: string;
  /** Oldest release measured with it. */
  since: OpenclawVersion;
  /** Newest release measured without it (undefined: every release measured has it). */
  absentIn?: OpenclawVersion;
}

const v = openclawVersion;

/** The table. Releases measured: 2026.1.30, 2026.5.7, 2026.6.11, 2026.7.1, 2026.8.2, 2026.9.6. */
export const CAPABILITIES: Readonly<Record<Capability, CapabilityFacts>> = {
  // 2026.1.30 answers every path, /healthz and /readyz included, with the Control UI page (HTTP 200 HTML).
  jsonProbes: { what: 'the JSON probe endpoints /healthz and /readyz', since: v('2026.5.7'), absentIn: v('2026.1.30') },
  // Older releases answer /startupz with the Control UI page, like any unknown path.
  startupz: { what: '/startupz', since: v('2026.8.2'), absentIn: v('2026.7.1') },
  // "error: unknown option '--lint'" (exit 1).
  doctorLint: { what: '`doctor --lint`', since: v('2026.6.11'), absentIn: v('2026.5.7') },
  // 2026.1.30 has no `config validate` at all ("error: unknown option '--json'", exit 1).
  configValidateJson: { what: '`config validate --json`', since: v('2026.5.7'), absentIn: v('2026.1.30') },
  // Before it, `--force` is an unknown option; from it, a non-interactive stop needs it.
  gatewayStopForce: { what: '`gateway stop --force`', since: v('2026.8.2'), absentIn: v('2026.7.1') },
  secretsAudit: { what: '`secrets audit`', since: v('2026.5.7'), absentIn: v('2026.1.30') },
  modelsStatusCheck: { what: '`models status --check --json`', since: v('2026.1.30') },
};

/** The oldest release every check runs fully on, and the newest one clawmedic was tested against. */
export const FULL_SUPPORT_SINCE = v('2026.8.2');
export const LATEST_TESTED = v('2026.9.6');

export type Support = 'yes' | 'no' | 'unknown';

/** Whether a release has a capability. An unknown version (undefined) is 'unknown'. */
export function supports(capability: Capability, version: OpenclawVersion | undefined): Support {
  if (!version) return 'unknown';
  const facts = CAPABILITIES[capability];
  if (compareVersions(version, facts.since) >= 0) return 'yes';
  if (facts.absentIn && compareVersions(version, facts.absentIn) <= 0) return 'no';
  return 'unknown';
}

/** "OpenClaw 2026.5.7 lacks `doctor --lint` (first in 2026.6.11)": for a check that cannot run. */
export function lacksText(capability: Capability, version: OpenclawVersion | undefined): string {
  const facts = CAPABILITIES[capability];
  const who = version ? `OpenClaw ${version.text}` : 'this OpenClaw';
  return `${who} lacks ${facts.what} (first in ${facts.since.text})`;
}

// ---- commands, for the checks and the recovery runbook ----------------------------------------

/**
 * `openclaw gateway stop`: `--force` where it exists (2026.8.2 on a non-interactive stop refuses without
 * it), never where it does not (an unknown option fails the whole command). An unknown version gets the
 * form without it: that fails harmlessly ("re-run with --force") on a new release instead of using an
 * option an old one rejects.
 */
export function stopCommand(version: OpenclawVersion | undefined): string[] {
  return ['gateway', 'stop', '--json', ...(supports('gatewayStopForce', version) === 'yes' ? ['--force'] : [])];
}

/** `openclaw doctor --lint --json --severity-min <s>`, or undefined where the release has no --lint. */
export function doctorLintCommand(version: OpenclawVersion | undefined, severityMin: 'info' | 'warning' | 'error'): string[] | undefined {
  if (supports('doctorLint', version) === 'no') return undefined;
  return ['doctor', '--lint', '--json', '--severity-min', severityMin];
}

/** `openclaw config validate --json`, or undefined where the release has no such command. */
export function configValidateCommand(version: OpenclawVersion | undefined): string[] | undefined {
  return supports('configValidateJson', version) === 'no' ? undefined : ['config', 'validate', '--json'];
}

/** `openclaw secrets audit --check --json`, or undefined where the release has no `secrets`. */
export function secretsAuditCommand(version: OpenclawVersion | undefined): string[] | undefined {
  return supports('secretsAudit', version) === 'no' ? undefined : ['secrets', 'audit', '--check', '--json'];
}

/** `openclaw models status --check --json` (every release measured has it). */
export function modelsStatusCommand(version: OpenclawVersion | undefined): string[] | undefined {
  return supports('modelsStatusCheck', version) === 'no' ? undefined : ['models', 'status', '--check', '--json'];
}

// ---- the supported range --------------------------------------------------------------------

export type SupportLevel = 'full' | 'degraded' | 'newer' | 'unknown';

export interface SupportRange {
  level: SupportLevel;
  /** Capabilities this release lacks or may lack, oldest-missing last. */
  missing: Capability[];
  /** One line for `clawmedic check` when the release is outside the range (undefined when inside it). */
  note?: string;
}

/** What degrades, in words, when a capability is missing. */
const DEGRADES: Record<Capability, string> = {
  jsonProbes: 'no JSON /healthz or /readyz: liveness from the port owner only, readiness not checked',
  startupz: 'no /startupz: readiness from /readyz alone',
  doctorLint: 'no `doctor --lint`: the doctor check is skipped',
  configValidateJson: 'no `config validate --json`: openclaw.json is checked for JSON5 syntax only',
  gatewayStopForce: 'no `gateway stop --force`: recovery stops without it',
  secretsAudit: 'no `secrets audit`',
  modelsStatusCheck: 'no `models status --check`',
};

/** Where a release stands against clawmedic's supported range, with a line saying so when it is outside. */
export function supportRange(version: OpenclawVersion | undefined, versionNote?: string): SupportRange {
  if (!version) {
    return {
      level: 'unknown',
      missing: [],
      note:
        `OpenClaw version unknown${versionNote ? ` (${versionNote})` : ''}: clawmedic checks OpenClaw ${FULL_SUPPORT_SINCE.text} ` +
        'and newer fully, and judges older gateways by what they answer.',
    };
  }
  const missing = (Object.keys(CAPABILITIES) as Capability[]).filter((c) => supports(c, version) !== 'yes');
  if (compareVersions(version, FULL_SUPPORT_SINCE) < 0) {
    return {
      level: 'degraded',
      missing,
      note:
        `OpenClaw ${version.text} is older than ${FULL_SUPPORT_SINCE.text}, the oldest release clawmedic checks fully: ` +
        `${missing.map((c) => (supports(c, version) === 'no' ? DEGRADES[c] : `maybe ${DEGRADES[c]}`)).join('; ')}. ` +
        `Upgrading OpenClaw (\`openclaw update\`) restores them.`,
    };
  }
  if (compareVersions(version, LATEST_TESTED) > 0) {
    return {
      level: 'newer',
      missing,
      note: `OpenClaw ${version.text} is newer than ${LATEST_TESTED.text}, the newest release clawmedic was tested against: an answer it does not know is reported, not guessed.`,
    };
  }
  return { level: 'full', missing };
}

/** Convenience for a version string from outside (may not parse). */
export function supportRangeOf(text: string | undefined): SupportRange {
  const parsed = parseOpenclawVersion(text);
  return supportRange(parsed, parsed || !text ? undefined : `"${text}" is not a release version`);
}

// ---- how a release says it lacks something --------------------------------------------------

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Whether a CLI run failed because the release does not know an option: commander's
 * "error: unknown option '--lint'" (2026.1.30, 2026.5.7) or "OpenClaw does not recognize option "--force"."
 * (2026.6.11 and later).
 */
export function rejectedOption(res: { stdout: string; stderr: string }, option: string): boolean {
  const re = new RegExp(`(?:unknown option|does not recognize option)\\s+['"\`]?${escapeRe(option)}(?![\\w-])`, 'i');
  return re.test(res.stderr) || re.test(res.stdout);
}

/**
 * Whether a CLI run failed because the release does not know a (sub)command: "error: unknown command 'x'",
 * `OpenClaw does not know the command "x".`, `secrets has no command "x"`.
 */
export function rejectedCommand(res: { stdout: string; stderr: string }, command: string): boolean {
  const c = escapeRe(command);
  const re = new RegExp(`(?:unknown command|does not know the command|has no command)\\s+['"\`]?${c}(?![\\w-])`, 'i');
  return re.test(res.stderr) || re.test(res.stdout);
}
