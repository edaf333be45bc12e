// openclaw.json read for what it says about the host around the gateway (providers, channels, TLS, bind,
// ${VAR} references). The config check owns the file's syntax errors; these readers only say "cannot read".
import JSON5 from 'json5';
import { FileReadError, readRegularFile } from '../util/read-file.ts';

/** openclaw.json is small; a larger file is not OpenClaw's config. */
const MAX_OPENCLAW_CONFIG_BYTES = 4 * 1024 * 1024;

export type OpenclawJson =
  | { ok: true; config: Record<string, unknown>; missing?: undefined }
  /** missing: no file there (an install without a config uses OpenClaw's defaults). */
  | { ok: false; missing: boolean; reason: string };

/** Reads and parses openclaw.json (JSON5, a regular file of at most 4 MiB). Never throws. */
export function readOpenclawJson(path: string): OpenclawJson {
  let text: string;
  try {
    text = readRegularFile(path, MAX_OPENCLAW_CONFIG_BYTES);
  } catch (err) {
    const code = err instanceof FileReadError ? err.code : undefined;
    return { ok: false, missing: code === 'ENOENT', reason: (err as Error).message };
  }
  try {
    const parsed: unknown = JSON5.parse(text);
    if (!isRecord(parsed)) return { ok: false, missing: false, reason: `${path}: the top level is not an object` };
    return { ok: true, config: parsed };
  } catch {
    // The parser's message may quote the file; the config check reports it with line and column.
    return { ok: false, missing: false, reason: `${path} does not parse as JSON5 (the config check names the line)` };
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The value at a dotted path of plain objects, or undefined. */
export function at(config: unknown, path: string): unknown {
  let v: unknown = config;
  for (const key of path.split('.')) {
    if (!isRecord(v)) return undefined;
    v = v[key];
  }
  return v;
}

/** The string at a dotted path, trimmed, or undefined when it is not a non-empty string. */
export function stringAt(config: unknown, path: string): string | undefined {
  const v = at(config, path);
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}
