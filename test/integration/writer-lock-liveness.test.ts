import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { runUpdate } from '../../main/engine/index.js';
import type { Store } from '../../main/store/index.js';
import type { RunEvent } from '../../shared/run.js';
import { testBackends } from '../helpers/backends.js';
import { arraySource, hearingRecords, stallingSource } from '../helpers/records.js';

/**
 * The one-writer lock while its holder is alive but not committing: waiting minutes on its source
 * (a Congress.gov Retry-After, an hourly quota), taking a large snapshot, reconciling. Its heartbeat
 * must keep moving, or the next writer calls it dead after STALE_LOCK_MS and writes beside it; and a
 * holder whose lock was taken over anyway (a process suspended with Ctrl-Z for minutes) must stop
 * before its next commit instead of writing into the new holder's database.
 */
const MINUTE = 60_000;
/** How often the engine refreshes a held lock (lock-heartbeat.ts HEARTBEAT_EVERY_MS). */
const HEARTBEAT_EVERY_MS = 10_000;

function warningsInto(into: string[]) {
  return (event: RunEvent) => {
    if (event.type === 'warning') into.push(event.message);
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe.each(testBackends())('a live writer keeps the lock on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('an update waiting three minutes on its source still holds the lock: a second update meanwhile is refused, naming its run, and the first finishes alone', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const location = await backend.freshLocation();
    const first: Store = await backend.open(location);
    const second: Store = await backend.open(location);
    let now = Date.parse('2026-03-02T09:00:00Z');
    const clock = () => new Date(now);
    const { source, stalled, resume } = stallingSource(hearingRecords(60), 10, 'memory:waiting');
    const running = runUpdate({ store: first, source, clock });
    try {
      await stalled;
      // Three minutes of waiting on the source, as the engine's timers see them.
      for (let waited = 0; waited < 3 * MINUTE; waited += HEARTBEAT_EVERY_MS) {
        now += HEARTBEAT_EVERY_MS;
        await vi.advanceTimersByTimeAsync(HEARTBEAT_EVERY_MS);
      }
      await expect(runUpdate({ store: second, source: arraySource(hearingRecords(5, 200000)), clock })).rejects.toMatchObject({
        code: 'LOCK_HELD',
        message: expect.stringMatching(/^an update \(run 1\) started at \d{4}-\S+ holds .*: pid \d+ on \S+$/),
      });
      resume();
      const summary = await running;
      expect(summary).toMatchObject({ runId: 1, status: 'success', metrics: { fetched: 60, added: 60 } });
      expect(await first.countHearings()).toBe(60);
      expect((await first.listRuns()).map((run) => run.runId)).toEqual([1]);
    } finally {
      resume();
      await running.catch(() => null);
      await first.close();
      await second.close();
    }
  });
});

describe('a SQLite writer whose lock was taken over while it was suspended', () => {
  const backend = testBackends().find((b) => b.name === 'sqlite')!;
  afterAll(() => backend.cleanup());

  it('stops as interrupted before its next commit, writes nothing beside the new holder, and resumes to a lone run\'s result', async () => {
    const lone = await backend.open(await backend.freshLocation());
    const loneRun = await runUpdate({ store: lone, source: arraySource(hearingRecords(600), 'memory:suspended') }).finally(() => lone.close());

    const location = await backend.freshLocation();
    const first = await backend.open(location);
    const second = await backend.open(location);
    // Position 300 lies in the second window of 256: the first window's five batches of 50 are committed.
    const { source, stalled, resume } = stallingSource(hearingRecords(600), 300, 'memory:suspended');
    const running = runUpdate({ store: first, source });
    try {
      await stalled;
      const committed = await first.getCheckpoint(1);
      expect(committed).toMatchObject({ batchSeq: 5, nextPosition: 250 });
      // Seen from the next writer, the suspended holder's heartbeat is three minutes old.
      const later = () => new Date(Date.now() + 3 * MINUTE);
      const warnings: string[] = [];
      const taken = await runUpdate({ store: second, source: arraySource(hearingRecords(20, 300000), 'memory:other'), clock: later, onEvent: warningsInto(warnings) });
      expect(taken).toMatchObject({ runId: 2, status: 'success', metrics: { added: 20 } });
      expect(warnings.some((w) => /^took over the lock left by pid \d+/.test(w))).toBe(true);

      resume();
      const stopped = await running;
      expect(stopped.status).toBe('interrupted');
      expect(stopped.error).toMatch(/^lost the writer lock on .*stopped before writing unguarded; nothing was blamed on a record — resume with --resume 1$/);
      // Nothing of the first run was committed after the second took the lock.
      expect(await first.getCheckpoint(1)).toMatchObject({ batchSeq: 5, nextPosition: 250 });
      expect(await first.countHearings()).toBe(250 + 20);

      const resumed = await runUpdate({ store: first, source: arraySource(hearingRecords(600), 'memory:suspended'), resumeRunId: 1 });
      expect(resumed.status).toBe('success');
      expect({ ...resumed.metrics, durationMs: 0 }).toEqual({ ...loneRun.metrics, durationMs: 0 });
      expect(await first.countHearings()).toBe(600 + 20);
      expect(await first.listQuarantine()).toEqual([]);
    } finally {
      resume();
      await running.catch(() => null);
      await first.close();
      await second.close();
    }
  });
});
