/**
 * What a rollback's report says (the dry run's preview and the applied rollback's result alike) and
 * what its event records.
 */
import { conflictChoice, describeConflictSources, type RollbackReportView as RollbackReport } from '../../shared/api-operations.js';
import type { Surface } from '../../shared/errors.js';
import type { CheckedRequest } from './rollback-apply.js';
import { counted, formatCount } from '../../shared/plural.js';

export function emptyReport(request: CheckedRequest, at: string): RollbackReport {
  return {
    runId: request.runId,
    batchSeq: request.batchSeq,
    dryRun: request.dryRun,
    onConflict: request.onConflict,
    operator: request.operator,
    at,
    reason: request.reason,
    nothingToDo: false,
    wouldRefuse: false,
    runRolledBack: false,
    eventId: null,
    message: '',
    counts: { restored: 0, deleted: 0, skipped: 0, forced: 0, createdRowsDeleted: 0, createdRowsKept: 0 },
    conflicts: [],
    conflictsNotListed: 0,
    conflictSummary: { hearings: 0, laterRuns: [], changedOtherwise: 0, bringBackUndone: 0 },
    policies: [],
    hearings: [],
    hearingsNotListed: 0,
    createdRows: [],
    runRowGone: false,
  };
}

export function eventFields(report: RollbackReport) {
  return {
    runId: report.runId,
    batchSeq: report.batchSeq,
    // Only a dry run names no one, and a dry run records no event.
    operator: report.operator ?? 'no one named (a preview)',
    at: report.at,
    reason: report.reason,
    onConflict: report.onConflict,
    ...report.counts,
    runRolledBack: report.runRolledBack,
  };
}

/**
 * A rollback under --on-conflict skip where every hearing it would undo was changed again later:
 * it ran (the skips are recorded, so a forced rollback can still take them) but undid nothing.
 */
export function undidNothing(report: RollbackReport): boolean {
  const c = report.counts;
  return !report.nothingToDo && !report.wouldRefuse && c.skipped > 0 && c.restored + c.deleted + c.createdRowsDeleted === 0;
}

/**
 * A rollback that left every hearing it could still undo as it is: every one skipped as changed
 * again later, the first time (undidNothing) or again (nothing to do but those skips). The CLI exits
 * the same way each time: what was asked did not happen, however often it is asked.
 */
export function leftAllStanding(report: RollbackReport): boolean {
  return undidNothing(report) || (report.nothingToDo && report.conflictSummary.hearings > 0);
}

/**
 * Why an applied rollback changed nothing (null when it changed something, or was a dry run): its
 * writer attempt's detail, so the audit does not read a rollback that undid nothing as one that did.
 * In no surface's words: the attempt is read on the CLI and in the console alike.
 */
export function nothingRolledBackBecause(report: RollbackReport): string | null {
  if (report.dryRun) return null;
  if (leftAllStanding(report)) {
    const summary = report.conflictSummary;
    const them = summary.hearings === 1 ? 'the one hearing left to undo was' : `all ${counted(summary.hearings, 'hearing')} left to undo were`;
    return `nothing was rolled back: ${them} changed again since (by ${describeConflictSources(summary)}) and on-conflict skip leaves ${summary.hearings === 1 ? 'it' : 'them'} as ${summary.hearings === 1 ? 'it is' : 'they are'}; on-conflict force restores ${summary.hearings === 1 ? 'it' : 'them'}`;
  }
  // Already rolled back, or a batch that wrote no rows: the refusal's words without its "nothing to do".
  if (report.nothingToDo) return `nothing was rolled back: ${report.message.replace(/; nothing to (do|roll back)$/, '')}`;
  return null;
}

function rowGone(runId: number): string {
  return `run ${runId}'s row is gone (deleted outside Gatehouse): the rollback goes by its undo journal alone, with no run row to mark`;
}

/**
 * The writer attempt's detail of an applied rollback: why nothing was rolled back, or that the run's
 * row was gone, so the audit says the rollback went by the journal alone (the event has no column for it).
 */
export function rollbackAttemptDetail(report: RollbackReport): string | null {
  return nothingRolledBackBecause(report) ?? (report.runRowGone && !report.dryRun ? rowGone(report.runId) : null);
}

/** Said first, not as a count of zero among the others: support must not read it as done. */
function describeNothingUndone(report: RollbackReport, what: string, surface: Surface): string {
  const laterRuns = [...new Set(report.conflicts.flatMap((c) => c.laterRuns))].sort((a, b) => a - b);
  const by = laterRuns.length > 0 ? ` (by run ${laterRuns.join(', ')})` : '';
  const head = report.dryRun ? `dry run: rolling back ${what} would undo nothing` : `rolling back ${what} undid nothing`;
  const kept = report.counts.createdRowsKept > 0 ? `; ${counted(report.counts.createdRowsKept, 'created committee/witness row')} kept (still referenced)` : '';
  const marked = report.runRowGone ? `; ${rowGone(report.runId)}` : report.runRolledBack ? `; run ${report.runId} ${report.dryRun ? 'would be' : 'is now'} marked ${rolledBackStatus(surface)} all the same` : '';
  const wrote = report.counts.skipped === 1
    ? `the one hearing it wrote was changed again later${by} and is left as it is`
    : `all ${counted(report.counts.skipped, 'hearing')} it wrote were changed again later${by} and are left as they are`;
  return `${head}: ${wrote} by ${conflictChoice('skip', surface)}${kept}${marked}; ${conflictChoice('force', surface)} restores ${report.counts.skipped === 1 ? 'it' : 'them'}`;
}

/** The status a rolled-back run shows: the CLI's `runs list` token, the console's badge. */
function rolledBackStatus(surface: Surface): string {
  return surface === 'cli' ? 'rolled_back' : 'rolled back';
}

/** The report's message, in `surface`'s words (the rollback event stores counts, never this text). */
export function describeOutcome(report: RollbackReport, what: string, surface: Surface): string {
  if (undidNothing(report)) return describeNothingUndone(report, what, surface);
  const c = report.counts;
  const verb = report.dryRun ? 'would restore' : 'restored';
  const parts = [
    `${verb} ${counted(c.restored, 'hearing')} to ${c.restored === 1 ? 'its' : 'their'} earlier state`,
    `${report.dryRun ? 'would delete' : 'deleted'} ${counted(c.deleted, 'hearing')} it added`,
    `${counted(c.createdRowsDeleted, 'created committee/witness row')} ${report.dryRun ? 'would be ' : ''}deleted, ${formatCount(c.createdRowsKept)} kept (still referenced)`,
  ];
  if (c.skipped > 0) parts.push(`${counted(c.skipped, 'conflicting hearing')} ${report.dryRun ? 'would be ' : ''}left as ${c.skipped === 1 ? 'it is' : 'they are'} now`);
  if (c.forced > 0) parts.push(`${counted(c.forced, 'conflicting hearing')} restored anyway`);
  const head = report.wouldRefuse
    ? `dry run: rolling back ${what} would be refused: ${counted(report.conflicts.length, 'conflict')}; with ${conflictChoice('skip', surface)} it`
    : `${report.dryRun ? 'dry run: rolling back ' : 'rolled back '}${what}:`;
  const tail = report.runRolledBack && !report.runRowGone ? `; run ${report.runId} ${report.dryRun ? 'would be' : 'is now'} ${rolledBackStatus(surface)}` : '';
  return `${head} ${parts.join(', ')}${tail}${report.runRowGone ? `; ${rowGone(report.runId)}` : ''}`;
}

