import { describe, expect, it } from 'vitest';
import { policyOutcomes } from '../../main/backup/rollback-decision.js';

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
});
