// Whether the process on the gateway port is OpenClaw's when its name does not say so (a wrapper, a process
// that set its own title). Two kinds of evidence, each naming one process by pid and start time, so a pid the
// kernel gave to another program since does not inherit it:
// - it was seen as OpenClaw on an earlier run (by its name then, or by answering /healthz as OpenClaw):
//   remembered in gateway.port's memory (the agent's);
// - it holds this install's state lock, which the gateway writes with its pid and start time: found without
//   any memory, so a one-shot `clawmedic check` knows it too.
// With either, a process that stops answering (SIGSTOP, a blocked event loop) is the gateway in trouble,
// never a stranger on its port to kill.
import type { CheckMemory, GatewayTarget } from '../src/contracts.ts';
import type { ProcessInfo } from '../src/platform/port-owner.ts';
import { readProcessStart } from '../src/platform/proc-stat.ts';
import { lockNaming } from '../src/recovery/gateway-process.ts';

/** The process last seen holding the port as OpenClaw, as gateway.port's memory keeps it. */
interface SeenOwner {
  pid: number;
  /** /proc/<pid>/stat starttime. */
  startTicks: number;
  /** Its name then, for people. */
  name: string;
  /** How it showed it was OpenClaw. */
  by: 'name' | 'answer';
  /** Epoch ms it was first seen so. */
  since: number;
}

interface PortMemory {
  openclawOwner?: SeenOwner;
}

/** Why an owner whose name does not say OpenClaw is OpenClaw's. */
export type OpenclawEvidence = { by: 'seen'; how: SeenOwner['by']; name: string; since: number } | { by: 'state-lock'; lockFile: string };

/** The owner's start time, or undefined when it cannot be read (gone, not Linux): then nothing is remembered or recognised by memory. */
export async function ownerStartTicks(owner: ProcessInfo | undefined): Promise<number | undefined> {
  if (!owner) return undefined;
  const start = await readProcessStart(owner.pid);
  return start.ok ? start.startTicks : undefined;
}

/** The evidence that `owner` is OpenClaw's although its name does not say so, or undefined. */
export async function openclawEvidence(
  memory: CheckMemory,
  target: GatewayTarget,
  owner: ProcessInfo,
  startTicks: number | undefined,
): Promise<OpenclawEvidence | undefined> {
  const seen = readSeen(memory);
  if (seen && startTicks !== undefined && seen.pid === owner.pid && seen.startTicks === startTicks) {
    return { by: 'seen', how: seen.by, name: seen.name, since: seen.since };
  }
  const lockFile = await lockNaming(target, owner.pid).catch(() => undefined);
  return lockFile ? { by: 'state-lock', lockFile } : undefined;
}

/** Remembers `owner` as OpenClaw's; writes only when it is another process or known another way. */
export function remember(memory: CheckMemory, owner: ProcessInfo, startTicks: number | undefined, by: SeenOwner['by'], now: number, name: string): void {
  if (startTicks === undefined) return;
  const seen = readSeen(memory);
  if (seen && seen.pid === owner.pid && seen.startTicks === startTicks && seen.by === by) return;
  const openclawOwner: SeenOwner = { pid: owner.pid, startTicks, name, by, since: now };
  const kept = memory.get<unknown>();
  const rest = kept && typeof kept === 'object' && !Array.isArray(kept) ? kept : {};
  memory.set({ ...rest, openclawOwner } satisfies PortMemory);
}

/** What memory holds, if it has the right shape (a state file edited by hand, or written by another release). */
function readSeen(memory: CheckMemory): SeenOwner | undefined {
  const seen = memory.get<PortMemory>()?.openclawOwner;
  if (!seen || typeof seen !== 'object') return undefined;
  const ok =
    Number.isSafeInteger(seen.pid) &&
    Number.isSafeInteger(seen.startTicks) &&
    typeof seen.name === 'string' &&
    (seen.by === 'name' || seen.by === 'answer') &&
    Number.isFinite(seen.since);
  return ok ? seen : undefined;
}
