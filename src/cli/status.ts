import { SECTION_SCHEMAS } from '../state-sections.ts';
import { StateFileError, StateStore } from '../state/store.ts';
import { ago, buildStatusView, statusJson, type StatusView } from '../status/view.ts';
import { oneLine } from '../util/text.ts';
import { loadForCommand, type GlobalOptions } from './context.ts';
import { CliError, EXIT } from './errors.ts';
import { renderRecovery } from '../recovery/status-view.ts';
import { renderCliCosts } from '../self/cli-costs.ts';

export interface StatusOptions extends GlobalOptions {
  json?: boolean;
}

/** `clawmedic status`: what the agent last saw, read from the state file without ever writing it. */
export async function statusCommand(opts: StatusOptions): Promise<number> {
  const { config } = loadForCommand(opts);
  let store: StateStore;
  try {
    store = await StateStore.readOnly(config.statePath, { sections: SECTION_SCHEMAS });
  } catch (err) {
    if (err instanceof StateFileError) throw new CliError(err.message, EXIT.failure);
    throw err;
  }
  const now = Date.now();
  const view = await buildStatusView(config, store, now);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(statusJson(view, config), null, 2)}\n`);
  } else {
    const colour = process.stdout.isTTY === true && !process.env.NO_COLOR;
    process.stdout.write(config.redactor.text(renderText(view, now, colour)));
  }
  // The report above says what is wrong with the file; the exit code lets scripts notice too.
  return store.corrupt || view.problems.length ? EXIT.failure : EXIT.ok;
}

const STATE_COLOUR: Record<string, string> = { OK: '\u001b[32m', PENDING: '\u001b[33m', FAILING: '\u001b[1;31m', RECOVERING: '\u001b[36m', FLAPPING: '\u001b[35m', DISABLED: '\u001b[2m' };

/** A padded cell, coloured by its state word on a terminal (padding outside the colour, so columns align). */
function paint(cell: string, width: number, colour: boolean): string {
  const code = colour ? STATE_COLOUR[cell] : undefined;
  return code ? `${code}${cell}\u001b[0m${' '.repeat(Math.max(0, width - cell.length))}` : cell.padEnd(width);
}

export function renderText(view: StatusView, now: number, colour = false): string {
  const out: string[] = [];
  out.push(`gateway ${view.gateway}   state file ${view.stateFile}${view.updatedAt ? ` (written ${ago(view.updatedAt, now)})` : ''}`);
  if (view.openclaw) out.push(`openclaw ${view.openclaw.version} (${view.openclaw.source}, seen ${ago(view.openclaw.seenAt, now)})`);
  if (!view.exists) out.push('no state yet: the agent has not run (start it with `clawmedic run`)');
  if (view.corrupt) out.push(`state file unusable: ${view.corrupt.reason} (the agent will move it aside and start fresh)`);
  for (const n of view.notices ?? []) {
    if (n.kind === 'quarantined' && n.at) out.push(`notice: a corrupt state file was moved to ${n.movedTo} ${ago(new Date(n.at).toISOString(), now)} (${n.reason})`);
    if (n.kind === 'part-reset' && n.at) out.push(`notice: ${n.part} of the state file was damaged and reset ${ago(new Date(n.at).toISOString(), now)} (${n.reason}); copy kept as ${n.movedTo || '(none)'}`);
  }
  for (const p of view.problems) out.push(`problem: ${p}`);
  const agent = view.agent;
  if (agent.pid) {
    const state = agent.running ? 'running' : agent.stoppedAt ? `stopped ${ago(agent.stoppedAt, now)}` : 'not running (it did not stop cleanly)';
    out.push(`agent pid ${agent.pid} ${state}, started ${ago(agent.startedAt, now)}${view.lastCycle ? `, last check cycle ${ago(view.lastCycle.at, now)}` : ''}`);
  }
  for (const p of agent.notifierProblems ?? []) out.push(`notifier problem: ${p}`);
  out.push('');
  const rows = view.checks.map((c) => [
    c.id,
    c.enabled ? c.state.toUpperCase() : 'DISABLED',
    c.since ? `since ${ago(c.since, now)}` : '',
    c.status ? c.status.toUpperCase() : '-',
    c.summary ? oneLine(c.summary) : '',
  ]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i]!.length), 0));
  for (const r of rows) out.push(r.map((cell, i) => (i === 1 ? paint(cell, widths[i]!, colour) : i < 4 ? cell.padEnd(widths[i]!) : cell)).join('  '));
  const alerts = view.alerts;
  if (alerts) {
    if (alerts.incidents.length) {
      out.push('', 'open incidents:');
      // Each root with what is folded into it under it: the root is the one to act on.
      const line = (i: (typeof alerts.incidents)[number], pad: string) => {
        const silenced = i.silencedBy ? ` (silenced by ${i.silencedBy.type} until ${i.silencedBy.until})` : '';
        const id = i.id ? `${i.id} ` : '';
        out.push(`${pad}${id}${i.checkId} ${i.severity.toUpperCase()} since ${ago(new Date(i.since).toISOString(), now)}: ${oneLine(i.headline ?? i.summary)}${silenced}`);
      };
      const open = new Set(alerts.incidents.map((i) => i.checkId));
      const roots = alerts.incidents.filter((i) => !i.inhibitedBy || !open.has(i.inhibitedBy));
      for (const root of roots) {
        line(root, '  ');
        for (const child of alerts.incidents.filter((i) => i.inhibitedBy === root.checkId)) line(child, '    └ folded: ');
      }
    }
    for (const s of alerts.silences) out.push(`silence ${s.id}: ${s.checks.length ? s.checks.join(', ') : 'all checks'} until ${s.until}${s.reason ? ` (${s.reason})` : ''}`);
    for (const m of alerts.maintenance) out.push(`maintenance window "${m.id}" until ${m.until}`);
    const entries = alerts.outbox.entries;
    out.push('', `outbox: ${entries.filter((e) => e.status === 'pending').length} pending, ${entries.filter((e) => e.status === 'failed').length} failed`);
    for (const n of alerts.outbox.notifiers) {
      const last = n.lastError ? `, last error ${ago(new Date(n.lastErrorAt ?? now).toISOString(), now)}: ${oneLine(n.lastError)}` : '';
      out.push(`  ${n.name}: ${n.sent} sent, ${n.pending} pending, ${n.failed} failed${last}`);
    }
  }
  if (view.recovery) out.push(...renderRecovery(view.recovery, (iso) => ago(iso, now)));
  if (view.openclawCli) out.push(...renderCliCosts(view.openclawCli, (ms) => ago(new Date(ms).toISOString(), now)));
  return `${out.join('\n')}\n`;
}

