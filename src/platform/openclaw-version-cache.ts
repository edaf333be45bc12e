// What clawmedic knows about the OpenClaw release it watches, shared by the checks of one agent (or one
// `clawmedic check`): the running gateway's version as /startupz reported it, the installed CLI's version,
// and which probe endpoints the gateway answered last time. Cheap on purpose: a check asks every 30 s, and
// a spawned openclaw CLI costs seconds of CPU, so the CLI's version is read once per binary (its package.json,
// else one `openclaw --version`) and read again only when the binary changes (path, inode, mtime, size).
import { realpath, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { OpenclawCli } from '../contracts.ts';
import { clip, collapseWhitespace, stripControl } from '../util/text.ts';
import { supportRange, type Capability, type SupportLevel } from './openclaw-capabilities.ts';
import { parseOpenclawVersion, type OpenclawVersion } from './openclaw-version.ts';

export type VersionSource = 'gateway' | 'package' | 'cli';

export interface VersionReading {
  /** Undefined when the version is unknown (see note). */
  version?: OpenclawVersion;
  /** Where it came from: /startupz, the installed package.json, `openclaw --version`; 'none' when nothing said. */
  source: VersionSource | 'none';
  /** Why the version is unknown or odd, in words ("`openclaw --version` printed nothing (exit 1)"). */
  note?: string;
}

/** Which of the gateway's probe endpoints answered with OpenClaw's JSON. */
export type ProbeSurface = 'full' | 'no-startupz' | 'none';

export interface GatewayObservation {
  surface: ProbeSurface;
  /** The version /startupz reported, when it did. */
  version?: string;
  /** Epoch ms. */
  at: number;
}

/** What `clawmedic check` says about the release: version, where it came from, support level, and a note when outside the range. */
export interface OpenclawReport {
  version?: string;
  source: string;
  support: SupportLevel;
  note?: string;
}

export interface OpenclawVersionsOptions {
  /** The CLI as currently found (the probe context may find it later than at start). */
  cli: () => OpenclawCli;
  /** Deadline for one `openclaw --version` (it is only run when no package.json names the version). */
  versionTimeoutMs?: number;
  now?: () => number;
}

const DEFAULT_VERSION_TIMEOUT_MS = 8_000;
/** A `--version` that timed out may have met a busy host: try again after this long, not every cycle. */
const RETRY_AFTER_TIMEOUT_MS = 10 * 60_000;
const MAX_QUOTE = 80;

interface CliEntry {
  key: string;
  reading: VersionReading;
  /** Epoch ms after which the reading is taken again (a timed-out --version); undefined: while the binary stays. */
  retryAt?: number;
}

export class OpenclawVersions {
  private readonly opts: OpenclawVersionsOptions;
  private readonly now: () => number;
  private cliEntry: CliEntry | undefined;
  private inflight: { key: string; promise: Promise<VersionReading> } | undefined;
  private observed: GatewayObservation | undefined;
  /** Capabilities a binary was seen to lack when run ("unknown option '--lint'"), by binary key. */
  private readonly missing = new Map<string, Set<Capability>>();
  /** How many times `openclaw --version` was spawned (for tests and the cost record). */
  spawns = 0;

  constructor(opts: OpenclawVersionsOptions) {
    this.opts = opts;
    this.now = opts.now ?? Date.now;
  }

  /**
   * The installed CLI's version. Never throws. Reads package.json next to the binary (no spawn); only when
   * there is none, runs `openclaw --version` once. Both are cached until the binary changes.
   */
  async cliVersion(signal?: AbortSignal): Promise<VersionReading> {
    const cli = this.opts.cli();
    if (cli.path === null) return { source: 'none', note: 'the openclaw CLI was not found' };
    const key = await binaryKey(cli.path);
    const cached = this.cliEntry;
    if (cached && cached.key === key && (cached.retryAt === undefined || this.now() < cached.retryAt)) return cached.reading;
    if (this.inflight?.key === key) return this.inflight.promise;
    const promise = this.read(cli, key, signal).finally(() => {
      if (this.inflight?.promise === promise) this.inflight = undefined;
    });
    this.inflight = { key, promise };
    return promise;
  }

  /** The last CLI reading, without any I/O (undefined before the first cliVersion()). */
  cachedCliVersion(): VersionReading | undefined {
    return this.cliEntry?.reading;
  }

  /** The running gateway's version: /startupz's when it reported one, else the CLI's (which may differ). */
  async gatewayVersion(signal?: AbortSignal): Promise<VersionReading> {
    const seen = this.observed?.version;
    const parsed = parseOpenclawVersion(seen);
    if (parsed) return { version: parsed, source: 'gateway' };
    return this.cliVersion(signal);
  }

  /** Best knowledge without I/O: /startupz's version, else the cached CLI reading. */
  known(): VersionReading | undefined {
    const parsed = parseOpenclawVersion(this.observed?.version);
    if (parsed) return { version: parsed, source: 'gateway' };
    return this.cliEntry?.reading;
  }

  /**
   * The release in use (the gateway's when /startupz said it, else the installed CLI's) and where it stands
   * against clawmedic's supported range, with a line to print when it is outside.
   */
  async report(signal?: AbortSignal): Promise<OpenclawReport> {
    const reading = await this.gatewayVersion(signal);
    const range = supportRange(reading.version, reading.note);
    return { ...versionDetails(reading), support: range.level, ...(range.note ? { note: range.note } : {}) };
  }

  /** What the gateway answered this time; returns what it answered the time before (to notice a change). */
  recordGateway(observation: GatewayObservation): GatewayObservation | undefined {
    const previous = this.observed;
    this.observed = observation;
    return previous;
  }

  lastGateway(): GatewayObservation | undefined {
    return this.observed;
  }

  /** Remembers that the current binary rejected a command, so it is not spawned again until the binary changes. */
  async markMissing(capability: Capability): Promise<void> {
    const cli = this.opts.cli();
    if (cli.path === null) return;
    const key = await binaryKey(cli.path);
    const set = this.missing.get(key) ?? new Set<Capability>();
    set.add(capability);
    this.missing.clear(); // only the current binary's knowledge is worth keeping
    this.missing.set(key, set);
  }

  /** Whether the current binary was seen to reject this capability's command. */
  async isMarkedMissing(capability: Capability): Promise<boolean> {
    const cli = this.opts.cli();
    if (cli.path === null) return false;
    return this.missing.get(await binaryKey(cli.path))?.has(capability) ?? false;
  }

  private async read(cli: OpenclawCli, key: string, signal?: AbortSignal): Promise<VersionReading> {
    const fromPackage = await packageVersion(cli.path!);
    if (fromPackage !== undefined) {
      const version = parseOpenclawVersion(fromPackage);
      const reading: VersionReading = version
        ? { version, source: 'package' }
        : { source: 'package', note: `the installed package says version "${quote(fromPackage)}", which is not a release version (YYYY.M.D)` };
      this.cliEntry = { key, reading };
      return reading;
    }

    this.spawns++;
    const res = await cli.run(['--version'], { timeoutMs: this.opts.versionTimeoutMs ?? DEFAULT_VERSION_TIMEOUT_MS, ...(signal ? { signal } : {}), env: { NO_COLOR: '1' } });
    // Cancelled by the caller: says nothing about the binary, so nothing is cached.
    if (res.timedOut && signal?.aborted) return { source: 'none', note: '`openclaw --version` was cancelled' };
    const said = collapseWhitespace(stripControl(`${res.stdout}\n${res.stderr}`)).trim();
    const version = parseOpenclawVersion(res.stdout) ?? parseOpenclawVersion(res.stderr);
    let reading: VersionReading;
    let retryAt: number | undefined;
    if (version) {
      reading = { version, source: 'cli' };
    } else if (res.timedOut) {
      reading = { source: 'none', note: '`openclaw --version` did not answer in time' };
      retryAt = this.now() + RETRY_AFTER_TIMEOUT_MS;
    } else {
      const how = res.code === null ? (res.signal ? `killed by ${res.signal}` : 'it did not start') : `exit ${res.code}`;
      reading = {
        source: 'none',
        note: said === '' ? `\`openclaw --version\` printed nothing (${how})` : `\`openclaw --version\` printed "${quote(said)}", which is not a release version (${how})`,
      };
    }
    this.cliEntry = { key, reading, ...(retryAt !== undefined ? { retryAt } : {}) };
    return reading;
  }
}

/** The binary's identity: where its symlinks lead, and that file's inode, mtime and size. An upgrade changes it. */
async function binaryKey(file: string): Promise<string> {
  try {
    const real = await realpath(file);
    const s = await stat(real);
    return `${real}\0${s.dev}:${s.ino}:${s.mtimeMs}:${s.size}`;
  } catch {
    return `${file}\0missing`;
  }
}

/**
 * The version in the package.json of the openclaw package the binary belongs to (npm links
 * bin/openclaw to node_modules/openclaw/openclaw.mjs), or undefined when no such package.json is found.
 */
async function packageVersion(bin: string): Promise<string | undefined> {
  let dir: string;
  try {
    dir = path.dirname(await realpath(bin));
  } catch {
    return undefined;
  }
  for (let i = 0; i < 4; i++) {
    try {
      const pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'openclaw') return typeof pkg.version === 'string' ? pkg.version : '';
    } catch {
      // No package.json here, or not JSON: keep climbing.
    }
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

function quote(text: string): string {
  return clip(text, MAX_QUOTE);
}

/**
 * The probe context's shared knowledge when it has one. A context built by hand gets a fresh one: it
 * still reads versions, but remembers nothing from one run to the next.
 */
export function versionsFor(ctx: { openclaw: OpenclawCli; openclawVersions?: OpenclawVersions | undefined; now?: () => number }): OpenclawVersions {
  if (ctx.openclawVersions) return ctx.openclawVersions;
  const cli = ctx.openclaw;
  return new OpenclawVersions({ cli: () => cli, ...(ctx.now ? { now: ctx.now } : {}) });
}

/** "2026.7.1", "2026.7.1 per the installed CLI", or "version unknown": for summaries. */
export function versionLabel(reading: VersionReading | undefined): string {
  if (!reading?.version) return 'version unknown';
  return reading.source === 'gateway' ? `v${reading.version.text}` : `v${reading.version.text} per the installed CLI`;
}

/** The reading as evidence in a result's details (status shows it as the last known version). */
export function versionDetails(reading: VersionReading | undefined): { version?: string; source: string; note?: string } {
  return {
    ...(reading?.version ? { version: reading.version.text } : {}),
    source: reading?.source ?? 'none',
    ...(reading?.note ? { note: reading.note } : {}),
  };
}
