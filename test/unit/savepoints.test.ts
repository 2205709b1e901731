import { describe, expect, it } from 'vitest';
import { Savepoints, type SavepointStep } from '../../main/store/driver.js';

/** The calls a backend receives: each inner list is one call (one round trip on PostgreSQL). */
function recording(releaseLazily: boolean) {
  const calls: SavepointStep[][] = [];
  const savepoints = new Savepoints(async (steps) => void calls.push(steps), releaseLazily);
  return { calls, savepoints };
}

const fails = () => Promise.reject(new Error('CHECK constraint failed'));

describe('Savepoints', () => {
  it('releases each savepoint as it holds when the writer outlives its transactions', async () => {
    const { calls, savepoints } = recording(false);
    await savepoints.around(async () => 1);
    await expect(savepoints.around(fails)).rejects.toThrow('CHECK');
    await savepoints.around(async () => 2);
    expect(calls).toEqual([['take'], ['release'], ['take'], ['rollBack', 'release'], ['take'], ['release']]);
  });

  it('sends a held savepoint’s release with the next SAVEPOINT, and keeps one rolled back to for the next work, when it may release lazily', async () => {
    const { calls, savepoints } = recording(true);
    expect(await savepoints.around(async () => 'first')).toBe('first');
    await savepoints.around(async () => 'second');
    await expect(savepoints.around(fails)).rejects.toThrow('CHECK');
    await expect(savepoints.around(fails)).rejects.toThrow('CHECK');
    await savepoints.around(async () => 'third');
    await savepoints.around(async () => 'fourth');
    expect(calls).toEqual([['take'], ['release', 'take'], ['release', 'take'], ['rollBack'], ['rollBack'], ['release', 'take']]);
  });

  it('reports the work’s error, not the rollback’s, when the transaction cannot return to its savepoint', async () => {
    const calls: SavepointStep[][] = [];
    const savepoints = new Savepoints(async (steps) => {
      calls.push(steps);
      if (steps[0] === 'rollBack') throw new Error('current transaction is aborted');
    }, true);
    await expect(savepoints.around(fails)).rejects.toThrow('CHECK constraint failed');
    expect(calls).toEqual([['take'], ['rollBack']]);
  });
});
