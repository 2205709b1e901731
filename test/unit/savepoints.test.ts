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
  it('starts the work without waiting for the SAVEPOINT’s answer, so a pipelining connection sends both in one round trip', async () => {
    const events: string[] = [];
    let answer!: () => void;
    const savepoints = new Savepoints((steps) => {
      events.push(`sent ${steps.join('+')}`);
      return new Promise<void>((resolve) => (answer = () => (events.push('answered'), resolve())));
    }, true);
    const done = savepoints.around(async () => void events.push('work'));
    await Promise.resolve();
    expect(events).toEqual(['sent take', 'work']);
    answer();
    await done;
    expect(events).toEqual(['sent take', 'work', 'answered']);
  });

  it('does not wait for a failed try’s ROLLBACK TO: the next work goes out right behind it, one round trip for both', async () => {
    const events: string[] = [];
    const answers: (() => void)[] = [];
    const savepoints = new Savepoints((steps) => {
      events.push(`sent ${steps.join('+')}`);
      return new Promise<void>((resolve) => answers.push(() => (events.push(`answered ${steps.join('+')}`), resolve())));
    }, true);
    let thrown: unknown;
    const failed = savepoints.around(fails).catch((error: unknown) => void (thrown = error));
    await Promise.resolve();
    answers.shift()!(); // the SAVEPOINT's answer; the ROLLBACK TO's is still to come
    await new Promise(setImmediate);
    expect(String(thrown)).toContain('CHECK');
    const next = savepoints.around(async () => void events.push('next work'));
    expect(events).toEqual(['sent take', 'answered take', 'sent rollBack', 'next work']);
    answers.shift()!();
    await Promise.all([failed, next]);
    expect(events.at(-1)).toBe('answered rollBack');
  });

  it('reports a SAVEPOINT that failed, and returns to no savepoint, when the work behind it failed for that', async () => {
    const calls: SavepointStep[][] = [];
    const savepoints = new Savepoints(async (steps) => {
      calls.push(steps);
      if (steps.includes('take')) throw new Error('out of shared memory');
    }, true);
    await expect(savepoints.around(() => Promise.reject(new Error('current transaction is aborted')))).rejects.toThrow('out of shared memory');
    expect(calls).toEqual([['take']]);
  });
});
