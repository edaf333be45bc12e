// Which results of one `clawmedic check` are folded into another's, the way the agent folds alerts
// (src/alerts/planner.ts): a failing dependent into its failing parent (gateway.http into gateway.port),
// and a failing check into a cause that is CRIT (gateway.port into config). A folded check is printed in
// one line instead of repeating the remedy its root already gives.
import type { Status } from '../contracts.ts';
import type { ResolvedCheck } from '../config/load.ts';
import { foldTarget, type DependencyMap } from '../alerts/inhibition.ts';

/** Check id -> the id of the result it is folded into (the top of the chain), for the checks that ran. */
export function foldedInto(checks: readonly ResolvedCheck[], ran: ReadonlyMap<string, Status>): Map<string, string> {
  const dependsOn = mapOf(checks, (rc) => rc.dependsOn);
  const causes = mapOf(checks, (rc) => rc.explainedBy);
  const failing = (id: string) => ran.has(id) && ran.get(id) !== 'ok';
  const crit = (id: string) => ran.get(id) === 'crit';
  const next = (id: string): string | undefined => (failing(id) ? (foldTarget(id, dependsOn, failing) ?? foldTarget(id, causes, crit)) : undefined);

  const order = [...ran.keys()];
  const out = new Map<string, string>();
  for (const id of order) {
    // Follow the folds to the top; a circle (a config that makes two checks depend on each other) ends at
    // its member that ran first, which keeps its own lines, so nothing is folded away for good.
    const path = [id];
    let to = next(id);
    while (to !== undefined && !path.includes(to)) {
      path.push(to);
      to = next(to);
    }
    const top = to === undefined ? path.at(-1)! : order.find((x) => path.slice(path.indexOf(to!)).includes(x))!;
    if (top !== id) out.set(id, top);
  }
  return out;
}

function mapOf(checks: readonly ResolvedCheck[], edges: (rc: ResolvedCheck) => readonly string[]): DependencyMap {
  return Object.fromEntries(checks.filter((rc) => edges(rc).length > 0).map((rc) => [rc.check.id, edges(rc)]));
}
