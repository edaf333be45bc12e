// OpenClaw's date versions ("2026.9.6", "2026.1.30-beta.2"): reading them out of whatever the CLI or the
// gateway printed, and ordering them. Nothing here decides what a version can do: see openclaw-capabilities.ts.

export interface OpenclawVersion {
  year: number;
  month: number;
  day: number;
  /** "beta.2" for "2026.1.30-beta.2"; a prerelease sorts before its release. */
  prerelease?: string;
  /** The version as printed, without the build hash or banner around it. */
  text: string;
}

// Year, month, day; an optional -prerelease. The build id OpenClaw prints after it ("(0fa4e00)") is not part of it.
const VERSION_RE = /(?<![\d.])v?(\d{4})\.(\d{1,2})\.(\d{1,2})(?:-([0-9A-Za-z][0-9A-Za-z.-]*))?(?![\d.]*\d)/;

/**
 * The first OpenClaw release version in a text such as `openclaw --version`'s "OpenClaw 2026.9.6 (0fa4e00)",
 * a banner line, or a bare "2026.9.6". Undefined when there is none or it is not a plausible date
 * (month 1-12, day 1-31), so "1.2.3", "dev" or "" never pass for a release.
 */
export function parseOpenclawVersion(text: string | undefined | null): OpenclawVersion | undefined {
  if (!text) return undefined;
  const m = VERSION_RE.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, pre] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (year < 2000 || month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  return {
    year,
    month,
    day,
    ...(pre ? { prerelease: pre } : {}),
    text: `${year}.${month}.${day}${pre ? `-${pre}` : ''}`,
  };
}

/** Like parseOpenclawVersion, for version literals in code: throws on a typo instead of returning undefined. */
export function openclawVersion(text: string): OpenclawVersion {
  const v = parseOpenclawVersion(text);
  if (!v || v.text !== text) throw new Error(`not an OpenClaw version: ${JSON.stringify(text)}`);
  return v;
}

/** Negative when a is older than b, 0 when equal, positive when newer. A prerelease is older than its release. */
export function compareVersions(a: OpenclawVersion, b: OpenclawVersion): number {
  const byNumber = a.year - b.year || a.month - b.month || a.day - b.day;
  if (byNumber !== 0) return byNumber;
  if (a.prerelease === b.prerelease) return 0;
  if (a.prerelease === undefined) return 1;
  if (b.prerelease === undefined) return -1;
  return a.prerelease < b.prerelease ? -1 : 1;
}

export function isOlder(a: OpenclawVersion, b: OpenclawVersion): boolean {
  return compareVersions(a, b) < 0;
}
