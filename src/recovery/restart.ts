// The cheap first rung for a gateway whose process is alive but unhealthy: `openclaw gateway restart --json`
// (SIGUSR2 to the verified listener: same pid, a new boot; it waits for health itself). Measured on 2026.9.6:
// rc 0 with {"action":"restart","ok":true,"result":"restarted",...} in 19-31 s; "restart-health-failed" (rc 1)
// when health does not come back; {"ok":false,"error":"Gateway restart failed: ..."} (rc 1) when it cannot act.
import type { OpenclawCli } from '../contracts.ts';
import { formatDuration } from '../util/duration.ts';
import { findJsonObject } from '../util/json-in-text.ts';
import { clip, oneLine } from '../util/text.ts';
import { outputTail, type StepResult } from './step-result.ts';

export interface RestartOptions {
  openclaw: OpenclawCli;
  /** Default 60 s: the real restart took up to 31 s on a busy 2-core host. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** The gateway's port, passed as OPENCLAW_GATEWAY_PORT (the command has no --port). */
  port?: number;
}

export const RESTART_ARGS = ['gateway', 'restart', '--json'] as const;

/** Restarts the gateway in place. ok only when OpenClaw says result "restarted". Never throws. */
export async function restartInPlace(opts: RestartOptions): Promise<StepResult> {
  const command = ['openclaw', ...RESTART_ARGS];
  if (opts.openclaw.path === null) {
    return { ok: false, summary: `cannot restart in place: the openclaw CLI is not found (${opts.openclaw.notFoundReason ?? 'not installed'})`, command };
  }
  const timeoutMs = opts.timeoutMs ?? 60_000;
  try {
    const res = await opts.openclaw.run(RESTART_ARGS, {
      timeoutMs,
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.port !== undefined ? { env: { OPENCLAW_GATEWAY_PORT: String(opts.port) } } : {}),
    });
    const output = outputTail(res.stdout, res.stderr);
    const base = { command, ...(output ? { output } : {}) };
    const took = formatDuration(res.durationMs);
    if (res.timedOut) return { ok: false, summary: `openclaw gateway restart did not finish within ${formatDuration(timeoutMs)}`, ...base };
    const json = findJsonObject(res.stdout, (o) => o.action === 'restart' || typeof o.result === 'string' || typeof o.ok === 'boolean');
    if (!json) {
      return { ok: false, summary: `openclaw gateway restart printed no JSON answer (exit ${res.code ?? res.signal ?? 'not run'})`, ...base };
    }
    const result = typeof json.result === 'string' ? json.result : undefined;
    const said = [json.message, json.error].find((v): v is string => typeof v === 'string');
    const details = { result: result ?? null, exitCode: res.code };
    if (result === 'restarted' && json.ok !== false) {
      return { ok: true, summary: `restarted in place with openclaw gateway restart in ${took}${said ? `: ${clip(oneLine(said), 160)}` : ''}`, ...base, details };
    }
    return {
      ok: false,
      summary: `openclaw gateway restart ${result ? `answered "${result}"` : 'failed'} (exit ${res.code ?? res.signal}) in ${took}${said ? `: ${clip(oneLine(said), 200)}` : ''}`,
      ...base,
      details,
    };
  } catch (err) {
    return { ok: false, summary: `openclaw gateway restart failed: ${(err as Error).message}`, command };
  }
}
