// DNS for the hosts the install depends on (model providers' APIs, channel APIs, extra hosts), resolved the
// way the host does (the servers of /etc/resolv.conf, /etc/hosts for pinned names), each timed. Tells "no
// DNS at all" (nothing resolves) from "one host does not resolve" (a typo in a baseUrl, a retired domain).
import { isIP } from 'node:net';
import * as z from 'zod';
import type { Check, CheckContext, CheckResult } from '../src/contracts.ts';
import { DNS_FAILURE_WORDS, RESOLVER_FAILURES, makeResolver, resolveHost, type DnsOutcome } from '../src/platform/dns-lookup.ts';
import { isLoopbackHost } from '../src/platform/net.ts';
import { hostDependencies, loadOpenclawConfig, type HostDependency } from './openclaw-deps.ts';
import { parseCheckOptions } from './options.ts';

const hostName = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}))*\.?$/, 'not a host name');

export const dnsOptionsSchema = z.strictObject({
  /** DNS servers to ask ("10.0.0.53", "127.0.0.1:5353"); empty: the system's, from /etc/resolv.conf. */
  servers: z.array(z.string().min(1)).max(8).default([]),
  /** More host names to resolve beside those openclaw.json implies. */
  extraHosts: z.array(hostName).max(50).default([]),
  /** Per lookup (A, then AAAA when there is no A record). */
  timeoutMs: z.number().int().min(100).max(60_000).default(3_000),
  /** A lookup slower than this is a WARN. */
  slowMs: z.number().int().min(1).max(60_000).default(2_000),
});
export type DnsOptions = z.output<typeof dnsOptionsSchema>;

/** Lookups at once: a handful of hosts, no burst against a small resolver. */
const CONCURRENCY = 4;

export const dnsCheck: Check = {
  id: 'dns',
  title: 'DNS of the model providers and channels',
  defaults: { schedule: '5m', timeoutMs: 30_000, options: {} },
  optionsSchema: dnsOptionsSchema as unknown as z.ZodType<Record<string, unknown>>,
  explainedBy: ['config'],
  run: runDns,
};

interface Lookup {
  dep: HostDependency;
  outcome: DnsOutcome;
}

async function runDns(ctx: CheckContext): Promise<CheckResult> {
  const parsed = parseCheckOptions(dnsOptionsSchema, ctx.options);
  if ('result' in parsed) return parsed.result;
  const options = parsed.options;
  const loaded = loadOpenclawConfig(ctx.target.openclawConfigPath, 'which hosts to resolve');
  if ('result' in loaded) return loaded.result;
  const deps = hostDependencies(loaded.config);
  for (const host of options.extraHosts) {
    const name = host.replace(/\.$/, '');
    if (!deps.hosts.some((h) => h.host === name)) deps.hosts.push({ host: name, port: 443, https: true, source: 'checks.dns.options.extraHosts', kind: 'extra' });
  }
  // An IP address or a loopback name needs no DNS.
  const wanted = deps.hosts.filter((h) => !isIP(h.host) && !isLoopbackHost(h.host));
  const unknown = [...deps.unknownProviders.map((p) => `provider ${p}`), ...deps.unknownChannels.map((c) => `channel ${c}`)];
  const unknownNote = unknown.length ? `; API host unknown for ${unknown.join(', ')} (add it to extraHosts)` : '';
  if (wanted.length === 0) {
    return {
      status: 'ok',
      summary: `no host to resolve: openclaw.json names no model provider or channel with a public host${unknownNote}`,
      details: { unknownHosts: unknown },
    };
  }

  const resolver = makeResolver(options.servers.length ? options.servers : undefined, options.timeoutMs);
  const servers = resolver.getServers();
  const resolverName = options.servers.length
    ? `${servers.join(', ')} (checks.dns.options.servers)`
    : servers.length
      ? `${servers.join(', ')} (from /etc/resolv.conf)`
      : 'none configured (/etc/resolv.conf names no nameserver)';

  const lookups: Lookup[] = [];
  for (let i = 0; i < wanted.length; i += CONCURRENCY) {
    const batch = wanted.slice(i, i + CONCURRENCY);
    lookups.push(...(await Promise.all(batch.map(async (dep) => ({ dep, outcome: await resolveHost(dep.host, { timeoutMs: options.timeoutMs, signal: ctx.signal }, resolver) })))));
    if (ctx.signal.aborted) return { status: 'unknown', summary: 'DNS check cancelled (check timeout or agent stopping)' };
  }
  return judge(lookups, resolverName, options, unknownNote);
}

function judge(lookups: Lookup[], resolverName: string, options: DnsOptions, unknownNote: string): CheckResult {
  const failed = lookups.filter((l): l is Lookup & { outcome: Extract<DnsOutcome, { ok: false }> } => !l.outcome.ok);
  const slow = lookups.filter((l) => l.outcome.ok && l.outcome.ms > options.slowMs);
  const maxMs = Math.max(0, ...lookups.map((l) => l.outcome.ms));
  const metrics = { hosts: lookups.length, failed: failed.length, maxMs };
  const details = {
    resolver: resolverName,
    lookups: lookups.map((l) => ({
      host: l.dep.host,
      source: l.dep.source,
      ms: l.outcome.ms,
      ...(l.outcome.ok ? { addresses: l.outcome.addresses.slice(0, 4), via: l.outcome.via } : { error: l.outcome.kind, code: l.outcome.code }),
    })),
  };
  const line = (l: (typeof failed)[number]) => `${l.dep.host} ${DNS_FAILURE_WORDS[l.outcome.kind]} (${l.dep.source}, ${l.outcome.ms} ms)`;

  // Nothing resolves: the resolver is down, or the host has no route to it. Several names all failing
  // (even as NXDOMAIN: some resolvers answer so when offline) is not a problem with any one of them.
  const noDns = failed.length === lookups.length && (lookups.length > 1 || failed.every((l) => RESOLVER_FAILURES.has(l.outcome.kind)));
  if (noDns) {
    return {
      status: 'crit',
      summary: `no DNS: none of ${lookups.length} host${lookups.length === 1 ? '' : 's'} resolved (${[...new Set(failed.map((l) => DNS_FAILURE_WORDS[l.outcome.kind]))].join('; ')}); resolver ${resolverName}`,
      diagnosis: `${failed.map(line).join('\n')}\nThe gateway cannot reach its model providers or channels while DNS fails: replies stop, channels reconnect in a loop.`,
      remedy:
        `Check the resolver: \`getent hosts ${failed[0]!.dep.host}\`, /etc/resolv.conf (\`resolvectl status\` under systemd-resolved), ` +
        'and that the host has network; a container needs a working --dns. Pin a host in /etc/hosts only as a stopgap.',
      metrics,
      details,
    };
  }
  if (failed.length > 0) {
    const missing = failed.filter((l) => l.outcome.kind === 'nxdomain' || l.outcome.kind === 'nodata');
    const first = failed[0]!;
    return {
      status: missing.length > 0 ? 'crit' : 'warn',
      summary: `${failed.length} of ${lookups.length} hosts do not resolve: ${line(first)}${failed.length > 1 ? ` (+${failed.length - 1} more)` : ''}; resolver ${resolverName}`,
      diagnosis: `${failed.map(line).join('\n')}\nOther hosts resolve, so DNS itself works: the failing name is the problem (or its domain's servers).`,
      remedy:
        missing.length > 0
          ? `A name that does not exist will not come back: check the spelling where it comes from (${missing.map((l) => l.dep.source).join(', ')}) in openclaw.json.`
          : `The resolver could not get an answer for these names: try \`getent hosts ${first.dep.host}\`; a domain whose DNS servers fail is the provider's outage.`,
      metrics,
      details,
    };
  }
  if (slow.length > 0) {
    return {
      status: 'warn',
      summary: `DNS is slow: ${slow.map((l) => `${l.dep.host} ${l.outcome.ms} ms`).join(', ')} (over ${options.slowMs} ms); resolver ${resolverName}`,
      remedy: 'A slow resolver delays every model call and channel reconnect: check the resolver, or run a local cache (systemd-resolved, dnsmasq).',
      metrics,
      details,
    };
  }
  return {
    status: 'ok',
    summary: `${lookups.length} host${lookups.length === 1 ? '' : 's'} resolve (slowest ${maxMs} ms); resolver ${resolverName}${unknownNote}`,
    metrics,
    details,
  };
}
