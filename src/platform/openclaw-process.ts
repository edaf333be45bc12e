// What a process is, judged by its name and command line: OpenClaw's own, a port forwarder that may stand in
// front of a gateway, or another program. Shared by the port checks and recovery, which must never signal
// a program that is not OpenClaw's.
import { processName, type ProcessInfo } from './port-owner.ts';

/** What the owner of the gateway port is, by its name. */
export type OwnerRole = 'openclaw' | 'forwarder' | 'other';

/** The real gateway retitles itself `openclaw-gateway`; before that its argv runs openclaw's entry point. */
export function looksLikeOpenclaw(p: Pick<ProcessInfo, 'cmdline' | 'comm'>): boolean {
  return /openclaw/i.test(p.cmdline.join(' ')) || /openclaw/i.test(p.comm);
}

// docker-proxy (docker run -p), rootlessport/rootlesskit/slirp4netns/pasta (rootless podman and docker),
// gvproxy/vpnkit (VM-based engines), ssh -L, kubectl port-forward, and the usual reverse proxies. comm is cut
// to 15 characters and argv[0] may carry a suffix ("nginx:", "pasta.avx2", "stunnel4", "sshd-session").
const FORWARDER = /^(?:docker-proxy|rootlessport|rootlesskit|slirp4netns|pasta|passt|gvproxy|vpnkit|socat|ssh|sshd|kubectl|nginx|haproxy|caddy|envoy|traefik|stunnel|tailscaled)(?:$|[-.:\d])/i;

export function ownerRole(p: ProcessInfo): OwnerRole {
  if (looksLikeOpenclaw(p)) return 'openclaw';
  return FORWARDER.test(processName(p)) || FORWARDER.test(p.comm) ? 'forwarder' : 'other';
}

/**
 * Whether a process is an OpenClaw gateway, not another OpenClaw process (a CLI run, the spawn broker, a
 * sqlite worker): retitled `openclaw-gateway` (2026.7.x and later; comm is cut to "openclaw-gatewa"), a
 * `gateway run` command line not yet retitled, or a process titled plain `openclaw` (2026.5.x-2026.6.x
 * retitle the gateway so; a CLI run keeps its node command line).
 */
export function isGatewayProcess(p: Pick<ProcessInfo, 'cmdline' | 'comm'>): boolean {
  const argv0 = p.cmdline[0]?.split('/').pop()?.trim() ?? '';
  if (argv0 === 'openclaw-gateway' || p.comm.startsWith('openclaw-gatewa')) return true;
  if (p.cmdline.length === 1 && argv0 === 'openclaw') return true;
  if (!looksLikeOpenclaw(p)) return false;
  const i = p.cmdline.indexOf('gateway');
  return i >= 0 && (p.cmdline[i + 1] === 'run' || p.cmdline[i + 1] === undefined || p.cmdline[i + 1]!.startsWith('-'));
}
