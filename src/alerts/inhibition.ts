/** Child check id -> the checks it depends on. */
export type DependencyMap = Readonly<Record<string, readonly string[]>>;

/**
 * The open incident a check's alerts fold into: its topmost ancestor with an open incident, climbing
 * only through parents that are failing themselves (a child whose parent is healthy alerts normally).
 * Cycles in the map are tolerated.
 */
export function foldTarget(checkId: string, dependsOn: DependencyMap, isOpen: (id: string) => boolean): string | undefined {
  const seen = new Set([checkId]);
  const climb = (id: string): string | undefined => {
    for (const parent of dependsOn[id] ?? []) {
      if (seen.has(parent) || !isOpen(parent)) continue;
      seen.add(parent);
      return climb(parent) ?? parent;
    }
    return undefined;
  };
  return climb(checkId);
}

/** A direct parent that is PENDING: it may fail a cycle later and then explain this check's failure. */
export function pendingParent(checkId: string, dependsOn: DependencyMap, isPending: (id: string) => boolean): string | undefined {
  return (dependsOn[checkId] ?? []).find((p) => p !== checkId && isPending(p));
}
