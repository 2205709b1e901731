import { describe, expect, it } from 'vitest';
import { haltText, haltThatStopped, type Halt } from '../../main/flags/index.js';
import type { RunFlagChange, RunSummary } from '../../shared/run.js';

const HALT: Halt = { scope: 'task:daily', by: 'ops-bo', at: '2026-03-01T01:00:00.000Z', reason: 'incident 45' };
const HALT_CHANGE: RunFlagChange = { flag: 'HALT_UPDATES', value: true, killedBy: HALT.by, killedAt: HALT.at, reason: HALT.reason, at: 'batch', batch: 3, applied: true, effect: 'the run stopped before batch 3', scope: HALT.scope };
const HALTED_WORDS = `stopped by ${haltText(HALT)}, after the last committed batch — resume with --resume 7`;

type Judged = Pick<RunSummary, 'status' | 'error' | 'flagChanges' | 'stop'>;

describe('the scheduler judges whether HALT_UPDATES stopped a run by what the run recorded, not by its words', () => {
  it('a run whose stop is the halt was halted, however its reason is worded', () => {
    const run: Judged = { status: 'interrupted', error: 'updates were halted by ops-bo (incident 45)', flagChanges: [HALT_CHANGE], stop: { kind: 'halt', ...HALT } };
    expect(haltThatStopped(run)).toEqual(HALT);
  });

  it('a resumed run stopped by a signal after an earlier halt was not halted, even when its words begin as the halt\'s', () => {
    const run: Judged = { status: 'interrupted', error: HALTED_WORDS, flagChanges: [HALT_CHANGE], stop: { kind: 'request', by: 'by SIGTERM to gatehouse scheduler (pid 41)' } };
    expect(haltThatStopped(run)).toBeNull();
  });

  it('a run stored before runs kept their stop is judged by its words, as then', () => {
    expect(haltThatStopped({ status: 'interrupted', error: HALTED_WORDS, flagChanges: [HALT_CHANGE] })).toEqual(HALT);
    expect(haltThatStopped({ status: 'interrupted', error: 'stopped by SIGTERM to gatehouse update (pid 41) after the last committed batch', flagChanges: [HALT_CHANGE] })).toBeNull();
  });
});
