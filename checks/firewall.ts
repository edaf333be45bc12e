// Whether the host firewall lets the gateway's port in, asked only when the gateway listens beyond
// loopback (gateway.bind lan/auto/tailnet/custom, or a non-loopback listener on its port). Reads what ufw,
// nft and iptables-save print, read-only: never a rule changed. "Cannot tell" when none of them is readable.
import { delimiter, isAbsolute } from 'node:path';
import * as z from 'zod';
import type { Check, CheckContext, CheckResult, ExecResult } from '../src/contracts.ts';
import { isLoopbackHost } from '../src/platform/net.ts';
import { stringAt } from '../src/platform/openclaw-json.ts';
import { findPortOwner } from '../src/platform/port-owner.ts';
import { which } from '../src/service/manager.ts';
import { clip } from '../src/util/text.ts';
import { judgePort, parseIptablesSave, parseNftRuleset, parseUfwStatus, type PortVerdict } from './firewall-rules.ts';
import { loadOpenclawConfig } from './openclaw-deps.ts';
import { parseCheckOptions } from './options.ts';
import { quoteFirstLine } from './quote.ts';

export const firewallOptionsSchema = z.strictObject({
  /** Where to look for ufw, nft and iptables-save; empty: PATH plus /usr/sbin, /sbin, /usr/local/sbin. */
  toolDirs: z.array(z.string().refine((d) => isAbsolute(d), 'must be an absolute path')).max(10).default([]),
  /** Per tool run. */
  timeoutMs: z.number().int().min(100).max(60_000).default(5_000),
});

export const firewallCheck: Check = {
  id: 'firewall',
  title: 'Host firewall and the gateway port',
  defaults: { schedule: '15m', timeoutMs: 30_000, options: {} },
  optionsSchema: firewallOptionsSchema as unknown as z.ZodType<Record<string, unknown>>,
  explainedBy: ['config'],
  run: runFirewall,
};

type Tool = 'ufw' | 'nft' | 'iptables-save';

/** Read-only commands only. */
const COMMANDS: Record<Tool, string[]> = { ufw: ['status', 'verbose'], nft: ['-j', 'list', 'ruleset'], 'iptables-save': ['-t', 'filter'] };

type Reading =
  | { tool: Tool; state: 'missing' }
  | { tool: Tool; state: 'denied' | 'failed'; why: string }
  /** filters: whether this tool's rules filter incoming traffic at all (ufw active, input chains present). */
  | { tool: Tool; state: 'read'; filters: boolean; verdict: PortVerdict; what: string };

async function runFirewall(ctx: CheckContext): Promise<CheckResult> {
  const parsed = parseCheckOptions(firewallOptionsSchema, ctx.options);
  if ('result' in parsed) return parsed.result;
  const options = parsed.options;
  const loaded = loadOpenclawConfig(ctx.target.openclawConfigPath, 'how the gateway binds');
  if ('result' in loaded) return loaded.result;
  const port = ctx.target.port;
  const bind = stringAt(loaded.config, 'gateway.bind') ?? 'loopback';

  // What it listens on now says more than the config; without a listener the config decides.
  const lookup = await findPortOwner(port, { signal: ctx.signal }).catch(() => undefined);
  const sockets = lookup && (lookup.kind === 'found' || lookup.kind === 'owner-unknown') ? lookup.sockets : [];
  const exposed = sockets.filter((s) => !isLoopbackHost(s.address));
  const listening = [...new Set(sockets.map((s) => (s.family === 6 ? `[${s.address}]` : s.address)))].join(', ');
  if (sockets.length > 0 ? exposed.length === 0 : bind === 'loopback') {
    return {
      status: 'ok',
      summary: `the gateway binds loopback only (gateway.bind ${bind}${listening ? `; listening on ${listening}` : ''}): no firewall rule is needed for port ${port}`,
      details: { bind, listening: sockets.map((s) => s.address) },
    };
  }
  const where = exposed.length ? `listening on ${[...new Set(exposed.map((s) => s.address))].join(', ')}:${port}` : `gateway.bind ${bind}, port ${port}`;

  const readings: Reading[] = [];
  for (const tool of ['ufw', 'nft', 'iptables-save'] as const) {
    if (ctx.signal.aborted) return { status: 'unknown', summary: 'firewall check cancelled (check timeout or agent stopping)' };
    readings.push(await readTool(ctx, tool, port, options));
  }
  const details = { bind, listening: sockets.map((s) => s.address), tools: readings.map((r) => ({ tool: r.tool, state: r.state, ...(r.state === 'read' ? { filters: r.filters, verdict: r.verdict } : r.state !== 'missing' ? { why: r.why } : {}) })) };

  // ufw (when active) speaks for the iptables rules it writes; nft shows iptables-nft rules too; legacy
  // iptables last. The first one that filters input decides.
  const read = readings.filter((r): r is Extract<Reading, { state: 'read' }> => r.state === 'read');
  const authority = read.find((r) => r.filters);
  if (!authority) {
    if (read.length > 0) {
      return { status: 'ok', summary: `no firewall filters incoming traffic (${read.map((r) => r.what).join('; ')}): port ${port} is open to the network (${where})`, details };
    }
    const why = readings.map((r) => (r.state === 'missing' ? `${r.tool} not installed` : `${r.tool}: ${(r as { why: string }).why}`)).join('; ');
    const denied = readings.some((r) => r.state === 'denied');
    return {
      status: 'unknown',
      summary: `cannot tell whether the firewall lets port ${port} in (${where}): ${why}`,
      remedy: denied
        ? 'Reading firewall rules needs root (or CAP_NET_ADMIN). Run clawmedic as root, check by hand (`sudo nft list ruleset`, `sudo ufw status verbose`), or turn the check off: checks: { firewall: { enabled: false } }.'
        : 'None of ufw, nft, iptables-save is installed where clawmedic looks (PATH, /usr/sbin, /sbin; checks.firewall.options.toolDirs): a host without them usually has no firewall, but a cloud firewall or security group may still filter.',
      details,
    };
  }
  const v = authority.verdict;
  const tool = authority.tool;
  switch (v.verdict) {
    case 'open':
      return { status: 'ok', summary: `${tool} lets port ${port}/tcp in (${where}): ${clip(v.by, 200)}${v.note ? `, ${clip(v.note, 160)}` : ''}`, details };
    case 'restricted':
      return { status: 'ok', summary: `${tool} lets port ${port}/tcp in from some sources only (${where}): ${clip(v.by, 200)}; others: ${clip(v.fallback, 120)}`, details };
    case 'blocked':
      return {
        status: 'warn',
        summary: `${tool} blocks port ${port}/tcp (${where}): ${clip(v.by, 200)}`,
        diagnosis: `The gateway listens beyond loopback (gateway.bind ${bind}), but new connections to port ${port} from other machines are dropped by ${tool}: remote clients, nodes and the Control UI cannot reach it.`,
        remedy:
          tool === 'ufw'
            ? `If remote access is meant: \`sudo ufw allow from <your network> to any port ${port} proto tcp\`. If not: set gateway.bind to "loopback" (and use an SSH tunnel or Tailscale Serve).`
            : `If remote access is meant, allow it (e.g. \`sudo nft add rule inet filter input ip saddr <your network> tcp dport ${port} accept\`); if not, set gateway.bind to "loopback".`,
        details,
      };
    case 'unknown':
      return {
        status: 'unknown',
        summary: `cannot tell whether ${tool} lets port ${port}/tcp in (${where}): it depends on a rule clawmedic does not read: ${clip(v.by, 200)}`,
        remedy: `Check by hand: \`sudo ${tool === 'ufw' ? 'ufw status verbose' : tool === 'nft' ? 'nft list ruleset' : 'iptables -L INPUT -n -v'}\`.`,
        details,
      };
  }
}

async function readTool(ctx: CheckContext, tool: Tool, port: number, options: z.output<typeof firewallOptionsSchema>): Promise<Reading> {
  const file = findTool(tool, options.toolDirs);
  if (!file) return { tool, state: 'missing' };
  let res: ExecResult;
  try {
    res = await ctx.exec(file, COMMANDS[tool], { timeoutMs: options.timeoutMs, signal: ctx.signal, env: { ...process.env, LC_ALL: 'C' }, maxOutputBytes: 8 * 1024 * 1024 });
  } catch (err) {
    return { tool, state: 'failed', why: (err as Error).message };
  }
  if (res.timedOut) return { tool, state: 'failed', why: `no answer within ${options.timeoutMs} ms (killed)` };
  const said = quoteFirstLine(res.stderr) || quoteFirstLine(res.stdout);
  if (res.code !== 0) {
    const denied = /permission denied|operation not permitted|must be root|need to be root/i.test(`${res.stderr}\n${res.stdout}`);
    return { tool, state: denied ? 'denied' : 'failed', why: `${denied ? 'permission denied' : `exit ${res.code ?? res.signal}`}${said ? ` ("${said}")` : ''}` };
  }
  try {
    if (tool === 'ufw') {
      const ufw = parseUfwStatus(res.stdout, port);
      return { tool, state: 'read', filters: ufw.active, verdict: judgePort(ufw.chains, ufw.bases), what: `ufw ${ufw.active ? 'active' : 'inactive'}` };
    }
    if (tool === 'nft') {
      const nft = parseNftRuleset(res.stdout, port);
      return { tool, state: 'read', filters: nft.bases.length > 0, verdict: judgePort(nft.chains, nft.bases), what: nft.bases.length ? `nft: ${nft.bases.length} input chain(s)` : 'nft: no input chain' };
    }
    const ipt = parseIptablesSave(res.stdout, port);
    const input = ipt.chains.get('INPUT');
    const filters = !!input && (input.rules.length > 0 || input.policy === 'drop');
    return { tool, state: 'read', filters, verdict: judgePort(ipt.chains, filters ? ipt.bases : []), what: filters ? 'iptables: INPUT rules' : 'iptables: no INPUT rules' };
  } catch (err) {
    return { tool, state: 'failed', why: (err as Error).message };
  }
}

function findTool(tool: Tool, toolDirs: readonly string[]): string | undefined {
  const dirs = toolDirs.length ? toolDirs : [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin', '/usr/local/sbin'];
  return which(tool, { PATH: dirs.join(delimiter) });
}
