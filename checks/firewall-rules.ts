// Whether a host firewall lets a new TCP connection from another machine (IPv4) in on one port, read from
// what the tools print: `nft -j list ruleset`, `iptables-save`, `ufw status verbose`. Each is turned into
// chains of rules whose match is yes / no / depends on the source / not understood, and walked the way
// the kernel does (first terminal verdict wins, jumps return, the chain policy at the end).

/** How a rule's matches apply to "new TCP to our port from a remote IPv4 address". */
export type Match = 'yes' | 'no' | 'source' | 'unknown';

export type Verdict = { kind: 'accept' | 'drop' | 'none' | 'return' } | { kind: 'jump' | 'goto'; target: string };

export interface Rule {
  match: Match;
  verdict: Verdict;
  /** The rule as a person reads it: "tcp dport 22 accept (inet filter input)". */
  text: string;
}

export interface Chain {
  rules: Rule[];
  /** Base chains only. */
  policy?: 'accept' | 'drop';
  label: string;
}

export type PortVerdict =
  /** Any source gets in. `note` names a rule that drops some sources first. */
  | { verdict: 'open'; by: string; note?: string }
  /** Only some sources (an address range, an interface) get in; the rest are dropped. */
  | { verdict: 'restricted'; by: string; fallback: string }
  | { verdict: 'blocked'; by: string }
  /** It depends on a rule clawmedic does not understand. */
  | { verdict: 'unknown'; by: string };

interface Walk {
  end: 'accept' | 'drop' | 'continue';
  by: string;
  /** Rules that would accept some sources before the end, or drop some before it. */
  sourceAccepts: string[];
  unknownAccepts: string[];
  partialDrops: string[];
}

/** Walks one base chain (and the chains it jumps to) for the packet. */
function walk(chains: Map<string, Chain>, name: string, depth: number): Walk {
  const chain = chains.get(name);
  const w: Walk = { end: 'continue', by: '', sourceAccepts: [], unknownAccepts: [], partialDrops: [] };
  if (!chain || depth > 16) return { ...w, unknownAccepts: [`jump to ${name} (not readable)`] };
  for (const rule of chain.rules) {
    const v = rule.verdict;
    if (rule.match === 'no' || v.kind === 'none') continue;
    if (v.kind === 'jump' || v.kind === 'goto') {
      const sub = walk(chains, v.target, depth + 1);
      if (rule.match !== 'yes') {
        // Only some packets go there: what it would accept counts as conditional.
        w.unknownAccepts.push(...sub.unknownAccepts);
        (rule.match === 'source' ? w.sourceAccepts : w.unknownAccepts).push(...(sub.end === 'accept' ? [sub.by] : []), ...sub.sourceAccepts);
        w.partialDrops.push(...sub.partialDrops, ...(sub.end === 'drop' ? [sub.by] : []));
        continue;
      }
      w.sourceAccepts.push(...sub.sourceAccepts);
      w.unknownAccepts.push(...sub.unknownAccepts);
      w.partialDrops.push(...sub.partialDrops);
      if (sub.end !== 'continue') return { ...w, end: sub.end, by: sub.by };
      if (v.kind === 'goto') return { ...w, end: 'continue' };
      continue;
    }
    if (v.kind === 'return') {
      if (rule.match === 'yes') return w;
      continue;
    }
    if (rule.match === 'yes') return { ...w, end: v.kind, by: rule.text };
    if (v.kind === 'accept') (rule.match === 'source' ? w.sourceAccepts : w.unknownAccepts).push(rule.text);
    else w.partialDrops.push(rule.text);
  }
  return w;
}

/** The verdict of a set of base chains on the input hook: the packet must pass every one of them. */
export function judgePort(chains: Map<string, Chain>, bases: string[]): PortVerdict {
  if (bases.length === 0) return { verdict: 'open', by: 'no input filter' };
  let open: PortVerdict | undefined;
  for (const base of bases) {
    const chain = chains.get(base)!;
    const w = walk(chains, base, 0);
    const end = w.end === 'continue' ? (chain.policy ?? 'accept') : w.end;
    const by = w.end === 'continue' ? `${chain.label} policy ${chain.policy ?? 'accept'}` : w.by;
    if (end === 'drop') {
      if (w.sourceAccepts.length) return { verdict: 'restricted', by: w.sourceAccepts[0]!, fallback: by };
      if (w.unknownAccepts.length) return { verdict: 'unknown', by: w.unknownAccepts[0]! };
      return { verdict: 'blocked', by };
    }
    open ??= { verdict: 'open', by, ...(w.partialDrops.length ? { note: `except as ${w.partialDrops[0]}` } : {}) };
  }
  return open!;
}

// ---- ports --------------------------------------------------------------------------------------

type PortSpec = number | [number, number];

function portIn(port: number, specs: PortSpec[]): boolean {
  return specs.some((s) => (typeof s === 'number' ? s === port : port >= s[0] && port <= s[1]));
}

/** "22", "8000:9000", "8000-9000", "22,443,8000:9000". undefined when a part is a service name. */
function parsePortList(text: string): PortSpec[] | undefined {
  const out: PortSpec[] = [];
  for (const part of text.split(',')) {
    const m = /^(\d+)(?:[:-](\d+))?$/.exec(part.trim());
    if (!m) return undefined;
    out.push(m[2] ? [Number(m[1]), Number(m[2])] : Number(m[1]));
  }
  return out;
}

// ---- nft -j list ruleset --------------------------------------------------------------------------

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

export interface NftRuleset {
  chains: Map<string, Chain>;
  /** Filter base chains on the input hook that see IPv4 (inet and ip families). */
  bases: string[];
}

/** Parses `nft -j list ruleset` into rules judged for one port; throws a one-line reason when it is not that. */
export function parseNftRuleset(text: string, port: number): NftRuleset {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error('nft printed something that is not JSON');
  }
  const items = isObj(doc) && Array.isArray(doc.nftables) ? (doc.nftables as unknown[]) : undefined;
  if (!items) throw new Error('nft JSON has no "nftables" array');
  const chains = new Map<string, Chain>();
  const bases: string[] = [];
  const key = (family: unknown, table: unknown, name: unknown) => `${String(family)} ${String(table)} ${String(name)}`;
  for (const item of items) {
    if (!isObj(item)) continue;
    const c = item.chain;
    if (isObj(c)) {
      const k = key(c.family, c.table, c.name);
      const policy = c.policy === 'drop' ? 'drop' : c.policy === 'accept' ? 'accept' : undefined;
      chains.set(k, { rules: [], label: `nft ${k}`, ...(c.hook ? { policy: policy ?? 'accept' } : {}) });
      if (c.hook === 'input' && (c.type ?? 'filter') === 'filter' && (c.family === 'inet' || c.family === 'ip')) bases.push(k);
    }
    const r = item.rule;
    if (isObj(r) && Array.isArray(r.expr)) {
      const chain = chains.get(key(r.family, r.table, r.chain));
      chain?.rules.push(nftRule(r.expr as unknown[], String(r.family), String(r.table), port, `nft ${key(r.family, r.table, r.chain)}`));
    }
  }
  return { chains, bases };
}

function nftRule(expr: unknown[], family: string, table: string, port: number, where: string): Rule {
  const parts: string[] = [];
  let verdict: Verdict = { kind: 'none' };
  let verdictName = '';
  const matches: Match[] = [];
  for (const e of expr) {
    if (!isObj(e)) continue;
    if ('accept' in e) verdict = { kind: 'accept' };
    else if ('drop' in e || 'reject' in e) {
      verdict = { kind: 'drop' };
      verdictName = 'reject' in e ? 'reject' : 'drop';
    }
    else if ('return' in e) verdict = { kind: 'return' };
    else if (isObj(e.jump) || isObj(e.goto)) {
      const j = (e.jump ?? e.goto) as Json;
      verdict = { kind: 'jump' in e ? 'jump' : 'goto', target: `${family} ${table} ${String(j.target)}` };
    } else if (isObj(e.match)) {
      const m = e.match;
      parts.push(describeNftMatch(m));
      matches.push(nftMatch(m, port));
    } else if ('counter' in e || 'log' in e || 'comment' in e) {
      // Statements that do not decide.
    } else {
      const name = Object.keys(e)[0] ?? '?';
      parts.push(name);
      matches.push('unknown');
    }
  }
  const verdictText = verdict.kind === 'jump' || verdict.kind === 'goto' ? `${verdict.kind} ${verdict.target.split(' ').pop()}` : verdict.kind === 'none' ? '' : verdictName || verdict.kind;
  return { match: combine(matches), verdict, text: `${[...parts, verdictText].filter(Boolean).join(' ')} (${where})` };
}

function combine(matches: Match[]): Match {
  if (matches.includes('no')) return 'no';
  if (matches.includes('unknown')) return 'unknown';
  if (matches.includes('source')) return 'source';
  return 'yes';
}

function nftValues(right: unknown): unknown[] {
  if (isObj(right) && Array.isArray(right.set)) return right.set as unknown[];
  return Array.isArray(right) ? right : [right];
}

function nftPortSpecs(right: unknown): PortSpec[] | undefined {
  const out: PortSpec[] = [];
  for (const v of nftValues(right)) {
    if (typeof v === 'number') out.push(v);
    else if (isObj(v) && Array.isArray(v.range) && typeof v.range[0] === 'number' && typeof v.range[1] === 'number') out.push([v.range[0], v.range[1]]);
    else return undefined;
  }
  return out;
}

function nftMatch(m: Json, port: number): Match {
  const negate = m.op === '!=';
  const flip = (x: Match): Match => (!negate || x === 'unknown' || x === 'source' ? x : x === 'yes' ? 'no' : 'yes');
  const left = m.left;
  if (!isObj(left)) return 'unknown';
  const payload = isObj(left.payload) ? left.payload : undefined;
  const meta = isObj(left.meta) ? left.meta : undefined;
  const ct = isObj(left.ct) ? left.ct : undefined;
  if (payload) {
    const proto = payload.protocol;
    if (proto === 'tcp' || proto === 'th') {
      if (payload.field !== 'dport') return 'unknown';
      const specs = nftPortSpecs(m.right);
      return specs ? flip(portIn(port, specs) ? 'yes' : 'no') : 'unknown';
    }
    if (proto === 'ip') {
      if (payload.field === 'saddr') return 'source';
      if (payload.field === 'protocol') return flip(nftValues(m.right).some((v) => v === 'tcp' || v === 6) ? 'yes' : 'no');
      return 'unknown';
    }
    // Another protocol's header (udp, icmp, ip6...) is not there in a TCP/IPv4 packet.
    return negate ? 'yes' : 'no';
  }
  if (meta) {
    const values = nftValues(m.right);
    if (meta.key === 'l4proto') return flip(values.some((v) => v === 'tcp' || v === 6) ? 'yes' : 'no');
    if (meta.key === 'nfproto') return flip(values.some((v) => v === 'ipv4') ? 'yes' : 'no');
    if (meta.key === 'iifname' || meta.key === 'iif') {
      if (values.length === 1 && values[0] === 'lo') return flip('no');
      return 'source';
    }
    return 'unknown';
  }
  if (ct && ct.key === 'state') {
    const states = nftValues(m.right).flatMap((v) => (Array.isArray(v) ? v : [v]));
    return flip(states.includes('new') ? 'yes' : 'no');
  }
  return 'unknown';
}

function describeNftMatch(m: Json): string {
  const left = isObj(m.left) ? m.left : {};
  const l = isObj(left.payload) ? `${String(left.payload.protocol)} ${String(left.payload.field)}` : isObj(left.meta) ? String(left.meta.key) : isObj(left.ct) ? `ct ${String(left.ct.key)}` : Object.keys(left)[0] ?? '?';
  const r = m.right;
  const show = (v: unknown): string => (isObj(v) && Array.isArray(v.range) ? `${v.range[0]}-${v.range[1]}` : isObj(v) && isObj(v.prefix) ? `${String(v.prefix.addr)}/${String(v.prefix.len)}` : isObj(v) && Array.isArray(v.set) ? `{ ${v.set.map(show).join(', ')} }` : Array.isArray(v) ? v.map(show).join(',') : String(v));
  const op = m.op === '==' || m.op === 'in' ? '' : `${String(m.op)} `;
  return `${l} ${op}${show(r)}`;
}

// ---- iptables-save ---------------------------------------------------------------------------------

/** Parses the filter table of `iptables-save`; throws when the text is not iptables-save output. */
export function parseIptablesSave(text: string, port: number): { chains: Map<string, Chain>; bases: string[]; rules: number } {
  const chains = new Map<string, Chain>();
  let inFilter = false;
  let seenTable = false;
  let rules = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('*')) {
      seenTable = true;
      inFilter = line === '*filter';
      continue;
    }
    if (!inFilter || line === '' || line.startsWith('#') || line === 'COMMIT') continue;
    const head = /^:(\S+)\s+(\S+)/.exec(line);
    if (head) {
      const policy = head[2] === 'DROP' ? 'drop' : head[2] === 'ACCEPT' ? 'accept' : undefined;
      chains.set(head[1]!, { rules: [], label: `iptables ${head[1]}`, ...(policy ? { policy } : {}) });
      continue;
    }
    const args = tokens(line);
    if (args[0] !== '-A' || !args[1]) continue;
    const chain = chains.get(args[1]);
    if (!chain) continue;
    chain.rules.push(iptablesRule(args.slice(2), port, line, args[1]));
    rules++;
  }
  if (!seenTable && text.trim() !== '') throw new Error('iptables-save printed something that is not a rule set');
  return { chains, bases: chains.has('INPUT') ? ['INPUT'] : [], rules };
}

function tokens(line: string): string[] {
  return [...line.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

const TERMINAL: Record<string, Verdict['kind']> = { ACCEPT: 'accept', DROP: 'drop', REJECT: 'drop', RETURN: 'return' };

function iptablesRule(args: string[], port: number, line: string, chainName: string): Rule {
  const matches: Match[] = [];
  let verdict: Verdict = { kind: 'none' };
  for (let i = 0; i < args.length; i++) {
    const negate = args[i] === '!';
    if (negate) i++;
    const a = args[i];
    const v = args[i + 1] ?? '';
    const flip = (x: Match): Match => (!negate || x === 'unknown' || x === 'source' ? x : x === 'yes' ? 'no' : 'yes');
    switch (a) {
      case '-p':
      case '--protocol':
        matches.push(flip(v === 'tcp' || v === '6' || v === 'all' ? 'yes' : 'no'));
        i++;
        break;
      case '--dport':
      case '--destination-port':
      case '--dports':
      case '--destination-ports': {
        const specs = parsePortList(v);
        matches.push(specs ? flip(portIn(port, specs) ? 'yes' : 'no') : 'unknown');
        i++;
        break;
      }
      case '-s':
      case '--source':
        matches.push(v === '0.0.0.0/0' ? flip('yes') : 'source');
        i++;
        break;
      case '-i':
      case '--in-interface':
        matches.push(v === 'lo' ? flip('no') : 'source');
        i++;
        break;
      case '--ctstate':
      case '--state':
        matches.push(flip(v.split(',').includes('NEW') ? 'yes' : 'no'));
        i++;
        break;
      case '-m':
      case '--match':
        // The module's own options follow and are read above or below.
        if (!['tcp', 'multiport', 'conntrack', 'state', 'comment', 'addrtype'].includes(v)) matches.push('unknown');
        i++;
        break;
      case '--comment':
      case '--dst-type':
        i++;
        break;
      case '-j':
      case '--jump':
        verdict = TERMINAL[v] ? ({ kind: TERMINAL[v] } as Verdict) : v === 'LOG' || v === 'NFLOG' ? { kind: 'none' } : { kind: 'jump', target: v };
        i++;
        while (args[i + 1]?.startsWith('--')) i += 2;
        break;
      case '-g':
      case '--goto':
        verdict = { kind: 'goto', target: v };
        i++;
        break;
      default:
        // Options of a module read as a whole (icmp types, limits...): not understood.
        if (a?.startsWith('-')) {
          matches.push('unknown');
          if (args[i + 1] && !args[i + 1]!.startsWith('-')) i++;
        }
    }
  }
  return { match: combine(matches), verdict, text: `${line} (iptables ${chainName})` };
}

// ---- ufw status verbose --------------------------------------------------------------------------------

export interface UfwStatus {
  active: boolean;
  /** From "Default: deny (incoming), ...": ufw's own default is deny. */
  incoming: 'accept' | 'drop';
  rules: number;
}

/** Parses `ufw status verbose` (or plain `ufw status`); throws when it is not that. */
export function parseUfwStatus(text: string, port: number): UfwStatus & { chains: Map<string, Chain>; bases: string[] } {
  const status = /^Status:\s*(\w+)/m.exec(text);
  if (!status) throw new Error('ufw printed no "Status:" line');
  const active = status[1] === 'active';
  const def = /^Default:\s*(\w+)\s*\(incoming\)/m.exec(text)?.[1];
  const incoming = def === 'allow' ? 'accept' : 'drop';
  const rules: Rule[] = [];
  const lines = text.split('\n');
  const start = lines.findIndex((l) => /^--\s+-+/.test(l.trim()));
  for (const line of start >= 0 ? lines.slice(start + 1) : []) {
    const cols = line.trim().split(/\s{2,}/);
    if (cols.length < 3) continue;
    const [to, action, from] = cols as [string, string, string];
    // IPv4 only; outgoing rules do not filter what comes in.
    if (/\(v6\)/.test(to) || /\bOUT\b/.test(action)) continue;
    const kind = /^(ALLOW|LIMIT)/.test(action) ? 'accept' : /^(DENY|REJECT)/.test(action) ? 'drop' : undefined;
    if (!kind) continue;
    rules.push({ match: ufwMatch(to, from, port), verdict: { kind }, text: `${to} ${action} ${from} (ufw)` });
  }
  const chains = new Map<string, Chain>([['ufw', { rules, policy: incoming, label: 'ufw default incoming' }]]);
  return { active, incoming, rules: rules.length, chains, bases: active ? ['ufw'] : [] };
}

function ufwMatch(to: string, from: string, port: number): Match {
  const [target, iface] = to.split(/\s+on\s+/) as [string, string | undefined];
  let m: Match;
  if (target === 'Anywhere') m = 'yes';
  else {
    const [ports, proto] = target.split('/') as [string, string | undefined];
    const specs = /^[\d,:]+$/.test(ports) ? parsePortList(ports) : undefined;
    // An application profile ("OpenSSH") or an address target: not read here.
    if (!specs) m = 'unknown';
    else m = proto && proto !== 'tcp' ? 'no' : portIn(port, specs) ? 'yes' : 'no';
  }
  if (m !== 'yes') return m;
  return from === 'Anywhere' && !iface ? 'yes' : 'source';
}
