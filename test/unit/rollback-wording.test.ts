import { describe, expect, it } from 'vitest';
import { conflictOf, policyOutcomes } from '../../main/backup/rollback-decision.js';
import { describeOutcome, emptyReport } from '../../main/backup/rollback-report.js';
import { describeConflictSources } from '../../shared/api-operations.js';

describe('what each conflict policy would do, in words', () => {
  it('counts one hearing as "1 hearing … as it is now", never "hearing(s)"', () => {
    const outcomes = policyOutcomes(
      { conflicted: 1, clean: 1, onlySkippedConflicts: false, createdRows: 0 },
      { hearings: 1, laterRuns: [{ runId: 14, hearings: 1 }], changedOtherwise: 0, bringBackUndone: 0 },
    );
    expect(outcomes.map((o) => o.message)).toEqual([
      'refuse: refused, nothing changes — 1 hearing changed since (run 14 (1))',
      'skip: undoes 1 hearing, leaving the 1 hearing changed since (run 14 (1)) as it is now',
      'force: undoes 2 hearings, discarding the later changes to the 1 hearing changed since (run 14 (1))',
    ]);
  });

  it('writes big counts with thousands separators, and the rolled-back run in the console\'s words, not the CLI status token', () => {
    const preview = emptyReport({ runId: 2, batchSeq: null, dryRun: true, onConflict: 'skip', operator: null, reason: null } as Parameters<typeof emptyReport>[0], '2026-12-06T05:31:00.000Z');
    Object.assign(preview, { runRolledBack: true, counts: { restored: 18, deleted: 0, skipped: 2_407, forced: 0, createdRowsDeleted: 0, createdRowsKept: 1_422 } });
    expect(describeOutcome(preview, 'run 2', 'console')).toBe(
      'dry run: rolling back run 2: would restore 18 hearings to their earlier state, would delete 0 hearings it added, 0 created committee/witness rows would be deleted, 1,422 kept (still referenced), 2,407 conflicting hearings would be left as they are now; run 2 would be rolled back',
    );
    expect(describeOutcome(preview, 'run 2', 'cli')).toMatch(/; run 2 would be rolled_back$/);
    expect(describeConflictSources({ hearings: 3_407, laterRuns: [{ runId: 3, hearings: 2_407 }], changedOtherwise: 1_000, bringBackUndone: 0 })).toBe(
      'run 3 (2,407), 1,000 changed outside later runs (a restore, an edit, a forced rollback of an earlier run) or gone',
    );
  });
});

describe('a conflict names the later runs once each, grouped by their task', () => {
  const entry = { id: 1, runId: 2, batchSeq: 1, entity: 'hearing' as const, key: '700001', before: null, afterHash: 'h1', skippedBefore: false };
  const context = { targetTask: 'daily', undoneBy: null, bringsBack: null };

  it('says "runs 3 and 7 (started without a task)", not "3 (no scheduled task), 7 (no scheduled task)"', () => {
    const later = [{ runId: 3, task: null }, { runId: 7, task: null }, { runId: 5, task: 'daily' }, { runId: 9, task: 'beta' }];
    expect(conflictOf(entry, later, 'h2', context)!.message)
      .toBe('hearing 700001 was changed again by run 5, by run 9 of task beta and by runs 3 and 7 (started without a task)');
  });

  it('names a lone run of the target\'s own task by its number alone', () => {
    expect(conflictOf(entry, [{ runId: 4, task: 'daily' }], 'h2', context)!.message).toBe('hearing 700001 was changed again by run 4');
  });
});
