/**
 * What decides whether a rollback may go ahead: refusals known before the journal is read, and
 * conflicts with later writes.
 */
import { CONFLICT_POLICIES, describeConflictSources, type ConflictPolicy, type ConflictSummary, type PolicyOutcome, type RollbackConflict, type RollbackRefusalView as RollbackRefusal } from '../../shared/api-operations.js';
import { GatehouseError, hintFor, type Surface, type SurfaceHint } from '../../shared/errors.js';
import type { Store } from '../store/index.js';
import { undoJournal, type JournalEntry, type UndoneSince, type UndoneVersion, type UndoTarget } from './undo-journal.js';
import { counted } from '../../shared/plural.js';

export function describeTarget(target: UndoTarget): string {
  return target.batchSeq === null ? `run ${target.runId}` : `batch ${target.batchSeq} of run ${target.runId}`;
}

/**
 * What else is known of a conflict: the target run's task, a forced rollback of an earlier run that
 * put the hearing back past this write, and whether the version this write replaced is one a
 * rollback has undone since (forcing it brings that version back).
 */
export interface ConflictContext {
  targetTask: string | null;
  undoneBy: UndoneSince | null;
  bringsBack: UndoneVersion | null;
}

/**
 * A later run of another task than the target's is named with its task, so support rolling back one
 * task's run sees that another task's data is at stake (force discards it); a forced rollback is
 * named so support does not hunt for a restore or an edit.
 */
export function conflictOf(entry: JournalEntry, later: { runId: number; task: string | null }[], currentHash: string | null, context: ConflictContext): RollbackConflict | null {
  const laterRuns = [...new Set(later.map((write) => write.runId))];
  const { undoneBy, targetTask, bringsBack } = context;
  if (laterRuns.length === 0 && currentHash === entry.afterHash) return bringsBack ? revivalConflict(entry, bringsBack) : null;
  const byRollback = undoneBy ? ` by rollback ${undoneBy.rollbackEventId} of run ${undoneBy.runId} (forced, by ${undoneBy.operator})` : '';
  const message = laterRuns.length > 0
    ? `hearing ${entry.key} was changed again by ${laterRunsText(laterRuns, later, targetTask)}`
    : currentHash === null
      ? `hearing ${entry.key} no longer exists${byRollback ? `: deleted${byRollback}` : ''}`
      : `hearing ${entry.key} changed since this write (${byRollback ? `put back${byRollback}` : 'content hash differs'})`;
  // Forcing it puts back the before-image, which is that rolled-back run's version: said, not done quietly.
  const undidIt = bringsBack?.rollbackEventId === undoneBy?.rollbackEventId ? 'that rollback' : `rollback ${bringsBack?.rollbackEventId}`;
  const revived = bringsBack ? `; forcing it brings back the version run ${bringsBack.runId} wrote, which ${undidIt} undid` : '';
  return { eventId: entry.key, laterRuns, expectedHash: entry.afterHash, currentHash, bringsBack, message: `${message}${revived}` };
}

/**
 * A hearing still as this write left it, whose before-image is a version a rollback has undone since
 * (a forced rollback of an earlier run put back content this write happened to repeat): undoing the
 * write would quietly bring that rolled-back version back. A conflict, so refuse stops, skip leaves
 * the hearing as it is — already without the rolled-back run's version — and force says what it revives.
 */
function revivalConflict(entry: JournalEntry, bringsBack: UndoneVersion): RollbackConflict {
  const message = `hearing ${entry.key} is as this write left it, but undoing the write brings back the version run ${bringsBack.runId} wrote, which rollback ${bringsBack.rollbackEventId} undid`;
  return { eventId: entry.key, laterRuns: [], expectedHash: entry.afterHash, currentHash: entry.afterHash, bringsBack, message };
}

interface RunState {
  status: string;
  batches: { seq: number; status: string }[];
}

/** `refused`: the rollback throws `code` (CONFLICT unless said); otherwise it finds nothing to do and says so. */
interface Refusal {
  refused: boolean;
  /** A run still running holds the writer lock: refused as any writer the lock holds back (exit 5), dry run or not. */
  code?: 'LOCK_HELD';
  message: string;
  hint: string | SurfaceHint;
}

/**
 * Why rolling back the target would be refused or find nothing to do, from what is known before any
 * journal page is read. The rollback asks it, and so does runs.get (rollbackRefusals), so the console
 * never offers a rollback the API then refuses. Conflicts with later writes are not here: the
 * rollback's dry run lists them, and skip or force takes the rollback through them.
 */
export function refusalOf(target: UndoTarget, run: RunState, facts: { resumable: boolean; pending: boolean }): Refusal | null {
  const what = describeTarget(target);
  if (run.status === 'running') return stillRunning(target.runId);
  // One batch of a resumable run: its resume would skip, and so lose, the records the rollback undid.
  if (target.batchSeq !== null && facts.resumable) {
    return {
      refused: true,
      message: `refusing to roll back ${what}: the run is ${run.status} and can still be resumed, and a resume skips what its batches did, so the records whose writes this rollback undid would never be read again`,
      hint: {
        cli: `finish the run first (gatehouse update --resume ${target.runId} with its --source), then roll back the batch; or roll back the whole run (--run ${target.runId} without --batch), which ends it`,
        console: `finish the run first (Resume run on run ${target.runId}'s page), then roll back the batch; or roll back the whole run, which ends it`,
      },
    };
  }
  if (facts.pending) return null;
  const statusOfTarget = target.batchSeq === null ? run.status : run.batches.find((b) => b.seq === target.batchSeq)?.status;
  if (statusOfTarget === 'rolled_back') return { refused: false, message: `${what} was already rolled back; nothing to do`, hint: 'its rollback events say who rolled it back, when and why' };
  // A whole run that wrote nothing is still marked rolled_back (it leaves the validator's history).
  if (target.batchSeq === null) return null;
  return { refused: false, message: `${what} wrote no rows; nothing to roll back`, hint: 'its records were unchanged or quarantined; see the batch\'s counts' };
}

/**
 * The one refusal of a target whose run is running: its preview's, its rollback's (the run holding the
 * lock: stillRunningError), the console's. `consoleStop`: how the console stops it, when the lock says
 * where the run is (its own engine's, or another process's).
 */
function stillRunning(runId: number, consoleStop = 'stop it from its run page (Stop after this batch), or where it was started'): Refusal & { code: 'LOCK_HELD' } {
  const then = 'what it committed stays: roll it back once it has stopped';
  return {
    refused: true,
    code: 'LOCK_HELD',
    message: `run ${runId} is still running; stop it (or let it finish) before rolling it back`,
    hint: { cli: `wait for the run to finish or stop it (SIGINT) first; ${then}`, console: `wait for the run to finish, or ${consoleStop}, first; ${then}` },
  };
}

/** A refusal as the rollback throws it. */
export function refusalError(refusal: Refusal): GatehouseError {
  return new GatehouseError(refusal.code ?? 'CONFLICT', `${refusal.message}; nothing was changed`, { hint: refusal.hint });
}

/** The rollback of run `runId` (or of one of its batches) refused because that run holds the writer lock: as its dry run is. */
export function stillRunningError(runId: number, consoleStop?: string): GatehouseError {
  return refusalError(stillRunning(runId, consoleStop));
}

/**
 * The run and each of its batches whose rollback would be refused or find nothing to do, in the
 * rollback's own words (refusalOf): what runs.get and `runs show --json` add to a run's detail.
 */
export async function withRollbackRefusals<T extends { runId: number; status: string; processGone?: object; resumable: boolean; batchList: RunState['batches'] }>(
  store: Store,
  run: T,
  surface: Surface,
): Promise<T & { rollbackRefusals: RollbackRefusal[] }> {
  // One whose process is gone is interrupted: the rollback takes over its lock first, and marks it so.
  const state: RunState = { status: run.processGone ? 'interrupted' : run.status, batches: run.batchList };
  // A running run is refused whatever its journal holds, so the journal is not read while it grows.
  const pendingBatches = state.status === 'running' ? new Set<number>() : await undoJournal(store).batchesWithPendingWrites(run.runId);
  const targets = [null, ...run.batchList.map((b) => b.seq)];
  const rollbackRefusals = targets.flatMap((batchSeq) => {
    const pending = batchSeq === null ? pendingBatches.size > 0 : pendingBatches.has(batchSeq);
    const refusal = refusalOf({ runId: run.runId, batchSeq }, state, { resumable: run.resumable, pending });
    return refusal ? [{ batchSeq, message: refusal.message, hint: hintFor(refusal.hint, surface) }] : [];
  });
  return { ...run, rollbackRefusals };
}

/** What the conflict pass found of the target's pending writes: all a policy's decision needs. */
export interface ConflictFacts {
  /** Pending hearing writes in conflict, and not. */
  conflicted: number;
  clean: number;
  /** Every pending hearing write was left by an earlier skip and is still in conflict. */
  onlySkippedConflicts: boolean;
  /** Committees and witnesses the target created, not yet consumed by a rollback. */
  createdRows: number;
}

type Decision = Omit<PolicyOutcome, 'policy' | 'message'>;

/**
 * What `policy` does with the target as a whole. The rollback acts on the one it was given, and
 * its report shows all three (report.policies), so what the preview says each policy would do is
 * what that policy then does.
 */
export function policyDecision(policy: ConflictPolicy, facts: ConflictFacts): Decision {
  // What an earlier skip left is still in conflict: only force takes it.
  const nothingToDo = policy !== 'force' && facts.createdRows === 0 && facts.onlySkippedConflicts;
  const refused = !nothingToDo && policy === 'refuse' && facts.conflicted > 0;
  if (nothingToDo || refused) return { refused, nothingToDo, undone: 0, skipped: 0, forced: 0 };
  const forced = policy === 'force' ? facts.conflicted : 0;
  return { refused, nothingToDo, undone: facts.clean + forced, skipped: facts.conflicted - forced, forced };
}

/** What `policy` does with one hearing. Under refuse only a dry run asks about a conflicting one: it shows it as the skip would. */
export function undoesHearing(policy: ConflictPolicy, conflict: RollbackConflict | null): boolean {
  return conflict === null || policy === 'force';
}

/** Every conflict, by the later runs that changed its hearing again (a hearing two later runs wrote counts for both). */
export function summarizeConflicts(conflicts: Iterable<RollbackConflict>): ConflictSummary {
  const byRun = new Map<number, number>();
  let hearings = 0;
  let changedOtherwise = 0;
  let bringBackUndone = 0;
  for (const conflict of conflicts) {
    hearings += 1;
    if (conflict.laterRuns.length === 0) changedOtherwise += 1;
    if (conflict.bringsBack) bringBackUndone += 1;
    for (const runId of conflict.laterRuns) byRun.set(runId, (byRun.get(runId) ?? 0) + 1);
  }
  const laterRuns = [...byRun].sort(([a], [b]) => a - b).map(([runId, count]) => ({ runId, hearings: count }));
  return { hearings, laterRuns, changedOtherwise, bringBackUndone };
}

/** refuse, skip and force side by side, each in words. */
export function policyOutcomes(facts: ConflictFacts, summary: ConflictSummary): PolicyOutcome[] {
  return CONFLICT_POLICIES.map((policy) => {
    const decision = policyDecision(policy, facts);
    return { policy, ...decision, message: describePolicy(policy, decision, summary) };
  });
}

function describePolicy(policy: ConflictPolicy, decision: Decision, summary: ConflictSummary): string {
  const changed = `${counted(summary.hearings, 'hearing')} changed since (${describeConflictSources(summary)})`;
  if (decision.nothingToDo) return `${policy}: nothing to do — what is left was skipped before and is still in conflict`;
  if (decision.refused) return `${policy}: refused, nothing changes — ${changed}`;
  const undone = `undoes ${counted(decision.undone, 'hearing')}`;
  if (decision.forced > 0) return `${policy}: ${undone}, discarding the later changes to the ${changed}${bringingBack(summary)}`;
  if (decision.skipped > 0) return `${policy}: ${decision.undone === 0 ? 'undoes nothing' : undone}, leaving the ${changed} ${summary.hearings === 1 ? 'as it is' : 'as they are'} now`;
  return `${policy}: ${undone}; no conflicts`;
}

/** What force does beyond discarding: a version a rollback undid comes back (conflictOf names the runs). */
function bringingBack(summary: ConflictSummary): string {
  return summary.bringBackUndone > 0 ? `, and bringing back for ${summary.bringBackUndone} of them the version of a run that has been rolled back since (see each conflict)` : '';
}

const CONFLICTS_IN_MESSAGE = 5;

export function conflictError(what: string, conflicts: RollbackConflict[], policies: PolicyOutcome[]): GatehouseError {
  const shown = conflicts.slice(0, CONFLICTS_IN_MESSAGE).map((c) => c.message).join('; ');
  const more = conflicts.length > CONFLICTS_IN_MESSAGE ? ` and ${conflicts.length - CONFLICTS_IN_MESSAGE} more` : '';
  const by = describeConflictSources(summarizeConflicts(conflicts));
  const choices = (prefix: string) => policies.filter((outcome) => outcome.policy !== 'refuse').map((outcome) => `${prefix}${outcome.message}`).join('; ');
  return new GatehouseError('CONFLICT', `refusing to roll back ${what}: ${counted(conflicts.length, 'hearing')} changed since: ${shown}${more} (by ${by}); nothing was changed`, {
    hint: { cli: `see them with --dry-run; ${choices('--on-conflict ')}`, console: `see them in the rollback's preview, and choose what to do with them there: ${choices('')}` },
  });
}

/**
 * "run 5, by run 9 of task beta and by runs 3 and 7 (started without a task)": the later runs grouped
 * by task — the target's own first, runs without a task last — so each task is named once.
 */
function laterRunsText(laterRuns: number[], later: { runId: number; task: string | null }[], targetTask: string | null): string {
  const taskOf = new Map(later.map((write) => [write.runId, write.task]));
  const byTask = new Map<string | null, number[]>([[targetTask, []]]);
  for (const runId of laterRuns) {
    const task = taskOf.get(runId) ?? null;
    byTask.set(task, [...(byTask.get(task) ?? []), runId]);
  }
  const groups = [...byTask].filter(([, runIds]) => runIds.length > 0).sort(([a], [b]) => Number(a === null) - Number(b === null));
  return andList(groups.map(([task, runIds]) => {
    const runs = `${runIds.length === 1 ? 'run' : 'runs'} ${andList(runIds.map(String))}`;
    if (task === targetTask) return runs;
    return task === null ? `${runs} (started without a task)` : `${runs} of task ${task}`;
  }), ' and by ', ', by ');
}

function andList(items: string[], and = ' and ', comma = ', '): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(comma)}${and}${items.at(-1)}`;
}
