import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { judgePort, parseIptablesSave, parseNftRuleset, parseUfwStatus } from '../../checks/firewall-rules.ts';

// Outputs captured from the real tools (nftables 1.0.6, iptables 1.8.9 nf_tables, ufw 0.36.2, Debian 12) in a
// private network namespace: test/fixtures/firewall/README.md says how.
const fixture = (name: string) => readFileSync(new URL(`../fixtures/firewall/${name}`, import.meta.url), 'utf8');
const GATEWAY = 18789;

const nft = (name: string, port = GATEWAY) => {
  const set = parseNftRuleset(fixture(name), port);
  return judgePort(set.chains, set.bases);
};
const iptables = (name: string, port = GATEWAY) => {
  const set = parseIptablesSave(fixture(name), port);
  return judgePort(set.chains, set.bases);
};
const ufw = (name: string, port = GATEWAY) => {
  const set = parseUfwStatus(fixture(name), port);
  return { ...judgePort(set.chains, set.bases), active: set.active };
};

describe('nft -j list ruleset', () => {
  it('an empty ruleset filters nothing', () => {
    expect(parseNftRuleset(fixture('nft-empty.json'), GATEWAY).bases).toEqual([]);
    expect(nft('nft-empty.json').verdict).toBe('open');
  });

  it('a drop policy with only ssh allowed blocks the gateway port, and names the policy', () => {
    expect(nft('nft-drop-ssh-only.json')).toEqual({ verdict: 'blocked', by: 'nft inet filter input policy drop' });
    expect(nft('nft-drop-ssh-only.json', 22)).toMatchObject({ verdict: 'open', by: 'tcp dport 22 accept (nft inet filter input)' });
  });

  it('a port in an accept set lets it in', () => {
    expect(nft('nft-drop-gateway-allowed.json')).toEqual({ verdict: 'open', by: 'tcp dport { 8443, 18789 } accept (nft inet filter input)' });
  });

  it('a reject rule blocks it under an accept policy; a source-limited drop before it is only a note for other ports', () => {
    expect(nft('nft-accept-gateway-rejected.json')).toEqual({ verdict: 'blocked', by: 'tcp dport 18789 reject (nft inet filter input)' });
    expect(nft('nft-accept-gateway-rejected.json', 18800)).toMatchObject({ verdict: 'open', note: expect.stringContaining('tcp dport 18000-18999 ip saddr != 10.0.0.0/8 drop') });
  });

  it('reads iptables-nft rules the way nft shows them', () => {
    expect(nft('nft-from-iptables-drop-ssh-only.json')).toEqual({ verdict: 'blocked', by: 'nft ip filter INPUT policy drop' });
  });

  it('refuses what is not its JSON', () => {
    expect(() => parseNftRuleset('Error: syntax error', GATEWAY)).toThrow('not JSON');
    expect(() => parseNftRuleset('{"rules": []}', GATEWAY)).toThrow('no "nftables" array');
  });
});

describe('iptables-save', () => {
  it('a DROP policy with ssh and conntrack rules blocks the port', () => {
    expect(iptables('iptables-drop-ssh-only.txt')).toEqual({ verdict: 'blocked', by: 'iptables INPUT policy drop' });
  });

  it('multiport --dports lets it in', () => {
    expect(iptables('iptables-drop-gateway-allowed.txt')).toMatchObject({ verdict: 'open', by: expect.stringContaining('--dports 443,18789 -j ACCEPT') });
  });

  it('a REJECT rule blocks it under an ACCEPT policy', () => {
    expect(iptables('iptables-accept-gateway-rejected.txt')).toMatchObject({ verdict: 'blocked', by: expect.stringContaining('--dport 18789 -j REJECT') });
  });

  it('an empty output has no INPUT chain; garbage is refused', () => {
    expect(parseIptablesSave('', GATEWAY).bases).toEqual([]);
    expect(() => parseIptablesSave('iptables: command not found\n', GATEWAY)).toThrow('not a rule set');
  });

  it('a source-limited accept before the drop policy is "restricted"; an unknown module is "unknown"', () => {
    const text = '*filter\n:INPUT DROP [0:0]\n-A INPUT -s 10.0.0.0/8 -p tcp -m tcp --dport 18789 -j ACCEPT\nCOMMIT\n';
    const set = parseIptablesSave(text, GATEWAY);
    expect(judgePort(set.chains, set.bases)).toMatchObject({ verdict: 'restricted', fallback: 'iptables INPUT policy drop' });
    const odd = parseIptablesSave('*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp -m recent --rcheck -j ACCEPT\nCOMMIT\n', GATEWAY);
    expect(judgePort(odd.chains, odd.bases).verdict).toBe('unknown');
  });

  it('follows a jump to a user chain and back', () => {
    const text = '*filter\n:INPUT DROP [0:0]\n:gw - [0:0]\n-A INPUT -j gw\n-A gw -p udp -j ACCEPT\n-A gw -j RETURN\n-A INPUT -p tcp --dport 18789 -j ACCEPT\nCOMMIT\n';
    const set = parseIptablesSave(text, GATEWAY);
    expect(judgePort(set.chains, set.bases)).toMatchObject({ verdict: 'open', by: expect.stringContaining('--dport 18789 -j ACCEPT') });
  });
});

describe('ufw status', () => {
  it('inactive filters nothing', () => {
    expect(parseUfwStatus(fixture('ufw-inactive.txt'), GATEWAY)).toMatchObject({ active: false, bases: [] });
  });

  it('default deny with only ssh allowed blocks the port (plain and verbose forms)', () => {
    expect(ufw('ufw-active-ssh-only-verbose.txt')).toMatchObject({ verdict: 'blocked', by: 'ufw default incoming policy drop', active: true });
    expect(ufw('ufw-active-ssh-only.txt').verdict).toBe('blocked');
  });

  it('an allow rule for the port lets it in; one from a network is "restricted"', () => {
    expect(ufw('ufw-active-gateway-allowed.txt')).toMatchObject({ verdict: 'open', by: expect.stringMatching(/^18789\/tcp ALLOW Anywhere/) });
    expect(ufw('ufw-active-gateway-from-lan.txt')).toMatchObject({ verdict: 'restricted', by: expect.stringMatching(/^18789\/tcp ALLOW 10\.0\.0\.0\/8/) });
  });

  it('an allow-by-default ufw with a deny rule after a LAN allow is "restricted"', () => {
    expect(ufw('ufw-allow-default-gateway-denied-verbose.txt')).toMatchObject({ verdict: 'restricted', fallback: expect.stringMatching(/^18789 DENY IN Anywhere/) });
  });

  it('refuses what has no Status line', () => {
    expect(() => parseUfwStatus('ERROR: You need to be root to run this script\n', GATEWAY)).toThrow('no "Status:" line');
  });
});
