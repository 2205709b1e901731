import { GatehouseError } from '../../shared/errors.js';
import type { RunStop, RunSummary } from '../../shared/run.js';
import type { Store } from '../store/index.js';
import { resolvedFrom } from './evaluate.js';
import { flagStore, type StoredFlagValue } from './flag-store.js';
import { GLOBAL_SCOPE, KILL_SCOPE, taskScope } from './scope.js';

/** The kill switch that stops updates: read when a run would start and at every batch boundary of one under way. */
export const HALT_FLAG = 'HALT_UPDATES';

/** HALT_UPDATES in force for a run: the scope that holds it on, and who set it there, when and why. */
export interface Halt {
  scope: string;
  by: string;
  at: string;
  reason: string | null;
}

/**
 * HALT_UPDATES as a run of `task` (null: a manual run) gets it now, or null when it is off. Read to
 * act on: flags that cannot be read throw, so a halt is never read as "off" while the flags table is
 * gone. One query (FlagStore.killsAnd); the reason is the newest event's for the scope that holds it on.
 */
export async function haltInForce(store: Pick<Store, 'queries'>, task: string | null): Promise<Halt | null> {
  return haltFrom(await flagStore(store).killsAnd(haltRows(task)), task);
}

/** The rows HALT_UPDATES is resolved from for a run of `task`, beside the kills (FlagStore.killsAnd). */
export function haltRows(task: string | null): { flag: string; scopes: string[] } {
  return { flag: HALT_FLAG, scopes: task ? [taskScope(task), GLOBAL_SCOPE] : [GLOBAL_SCOPE] };
}

/** HALT_UPDATES for a run of `task` from rows already read (the kills and haltRows'), or null when it is off. */
export function haltFrom(rows: readonly (StoredFlagValue & { reason: string | null })[], task: string | null): Halt | null {
  const resolution = resolvedFrom(HALT_FLAG, [...rows], { task });
  if (resolution.value !== true) return null;
  const scope = resolution.scope ?? GLOBAL_SCOPE;
  const stored = rows.find((row) => row.flag === HALT_FLAG && row.scope === scope);
  return { scope, by: stored?.updatedBy ?? 'unknown', at: stored?.updatedAt ?? 'unknown', reason: stored?.reason ?? null };
}

/**
 * The halt that stopped `run`, as the run recorded it (RunSummary.stop), or null when no halt
 * stopped it. The run's own word, not the flags read after it: on SQLite a halt's change waits for
 * the run's rollback, and may not be stored yet when its caller asks; and a halt edited or lifted
 * since does not change what stopped the run.
 */
export function haltThatStopped(run: Pick<RunSummary, 'status' | 'error' | 'flagChanges' | 'stop'>): Halt | null {
  if (run.status !== 'interrupted') return null;
  if (run.stop === undefined) return haltNamedByError(run);
  if (run.stop.kind !== 'halt') return null;
  const { scope, by, at, reason } = run.stop;
  return { scope, by, at, reason };
}

/**
 * For a run stored before its stop was kept (migration 040): its last HALT_UPDATES change, when its
 * reason starts by naming that very halt (a resumed run keeps the changes of its earlier part, and
 * may have stopped for something else since). Its words are all such a run has.
 */
function haltNamedByError(run: Pick<RunSummary, 'error' | 'flagChanges'>): Halt | null {
  const change = (run.flagChanges ?? []).filter((recorded) => recorded.flag === HALT_FLAG && recorded.applied).at(-1);
  if (!change) return null;
  const halt = { scope: change.scope ?? KILL_SCOPE, by: change.killedBy, at: change.killedAt, reason: change.reason ?? null };
  return run.error?.startsWith(`stopped by ${haltText(halt)}`) ? halt : null;
}

/** What stopped a run HALT_UPDATES stopped, as it records it (RunSummary.stop). */
export function haltStop(halt: Halt): RunStop {
  return { kind: 'halt', scope: halt.scope, by: halt.by, at: halt.at, reason: halt.reason };
}

/** "HALT_UPDATES (scope kill), set by ada at …: "incident 42"": who stopped updates, when and why. */
export function haltText(halt: Halt): string {
  return `${HALT_FLAG} (scope ${halt.scope}), set by ${halt.by} at ${halt.at}${halt.reason ? `: "${halt.reason}"` : ''}`;
}

/** How to lift it, on each surface. */
function liftHint(halt: Halt): { cli: string; console: string } {
  return {
    cli: `lift it with \`gatehouse flags unset ${HALT_FLAG} --scope ${halt.scope} --reason "…"\`, then start the run (or \`update --resume N\` an interrupted one)`,
    console: `lift it on the Flags page (${HALT_FLAG}, scope ${halt.scope}), then start the run or resume the interrupted one`,
  };
}

/** A run (new or resumed) refused while HALT_UPDATES is on: CONFLICT, naming the halt and how to lift it. */
export async function refuseWhileHalted(store: Pick<Store, 'queries'>, task: string | null, resumeRunId?: number): Promise<void> {
  const halt = await haltInForce(store, task);
  if (!halt) return;
  const what = resumeRunId === undefined ? 'no update starts' : `run ${resumeRunId} is not resumed`;
  throw new GatehouseError('CONFLICT', `updates are halted, ${what}: ${haltText(halt)}`, { hint: liftHint(halt) });
}
