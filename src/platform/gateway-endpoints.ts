// OpenClaw's probe endpoint bodies (/healthz, /startupz, /readyz; openclaw/samples/http-endpoints.md), parsed
// for the gateway.http check and for recovery's verification alike.
import * as z from 'zod';
import { parseJsonBody, type HttpProbeAnswer } from './http-probe.ts';

const healthzSchema = z.object({ ok: z.boolean(), status: z.string() });
const startupzSchema = z.object({
  ok: z.boolean(),
  status: z.string(),
  version: z.string().optional().catch(undefined),
  uptimeMs: z.number().optional().catch(undefined),
  pendingReason: z.string().optional().catch(undefined),
  // The real gateway gives its bootId over the WebSocket only; a gateway that adds it here is believed.
  bootId: z.string().optional().catch(undefined),
});
const eventLoopSchema = z.object({
  degraded: z.boolean().optional().catch(undefined),
  reasons: z.array(z.string()).optional().catch(undefined),
  delayP99Ms: z.number().optional().catch(undefined),
  utilization: z.number().optional().catch(undefined),
});
const readyzSchema = z.object({
  ready: z.boolean(),
  // Remote unauthenticated callers get {ready} only; loopback gets the details.
  failing: z.array(z.string()).optional().catch(undefined),
  uptimeMs: z.number().optional().catch(undefined),
  eventLoop: eventLoopSchema.optional().catch(undefined),
  pluginReload: z.unknown().optional(),
  agentDatabases: z.unknown().optional(),
});
export type HealthzBody = z.output<typeof healthzSchema>;
export type StartupzBody = z.output<typeof startupzSchema>;
export type ReadyzBody = z.output<typeof readyzSchema>;

function parseBody<T>(schema: z.ZodType<T>, answer: HttpProbeAnswer): T | undefined {
  if (answer.truncated) return undefined;
  const json = parseJsonBody(answer.body);
  if (json === undefined) return undefined;
  const parsed = schema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

/** The /healthz body when it has OpenClaw's shape ({"ok":...,"status":...} as JSON), else undefined. */
export function parseHealthz(answer: HttpProbeAnswer): HealthzBody | undefined {
  return parseBody(healthzSchema, answer);
}

/** The /startupz body when it has OpenClaw's shape, else undefined (older releases answer the Control UI page). */
export function parseStartupz(answer: HttpProbeAnswer): StartupzBody | undefined {
  return parseBody(startupzSchema, answer);
}

/** The /readyz body when it has OpenClaw's shape, else undefined. */
export function parseReadyz(answer: HttpProbeAnswer): ReadyzBody | undefined {
  return parseBody(readyzSchema, answer);
}

/**
 * OpenClaw's Control UI page ("OpenClaw Control"): what every release answers for a path it has no route
 * for, so what an OpenClaw older than the JSON probe endpoints answers on /healthz (2026.1.30), and one
 * older than /startupz on /startupz (2026.7.1 and older).
 */
export function isControlUiPage(answer: HttpProbeAnswer): boolean {
  if (answer.statusCode !== 200) return false;
  const head = answer.body.slice(0, 16 * 1024);
  return /<title>\s*OpenClaw Control\s*<\/title>/i.test(head) || /<openclaw-app[\s>]/i.test(head) || head.includes('__OPENCLAW_CONTROL_UI');
}

/** What /startupz would say, read off /readyz's failing[] for a gateway without /startupz. */
export function startupFromReadyz(ready: ReadyzBody): StartupzBody {
  const failing = ready.failing ?? [];
  const uptime = ready.uptimeMs !== undefined ? { uptimeMs: ready.uptimeMs } : {};
  if (failing.includes('gateway-draining')) return { ok: false, status: 'draining', ...uptime };
  if (failing.includes('startup-sidecars')) return { ok: false, status: 'starting', pendingReason: 'startup-sidecars', ...uptime };
  return { ok: true, status: 'started', ...uptime };
}
