import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runUpdate } from '../../main/engine/index.js';
import { calendarDay, historicalJudge } from '../../main/validation/index.js';
import type { RunEvent } from '../../shared/run.js';
import { testBackends, withFreshStore, withStoreAt } from '../helpers/backends.js';
import { waitForCheckpoint } from '../helpers/checkpoints.js';
import { runCli, startCli } from '../helpers/cli.js';
import { arraySource, hearingRecords } from '../helpers/records.js';
import { tempFolderEachTest } from '../helpers/temp-folder.js';

/**
 * A resumed run is accounted for as one run: its duration is the sum of its segments, and its
 * batch rows add up to its metrics even when it was killed in the middle of isolating a batch.
 */
const folder = tempFolderEachTest('gatehouse-resume-');

describe.each(testBackends())('resumed runs on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('counts every segment in durationMs, and not the time the run stood interrupted', async () => {
    await withFreshStore(backend, async (store) => {
      let now = Date.parse('2025-06-02T09:00:00Z');
      const clock = () => new Date(now);
      const source = arraySource(hearingRecords(100));
      const controller = new AbortController();
      const first = await runUpdate({
        store, source, batchSize: 50, clock, signal: controller.signal,
        onEvent: (event: RunEvent) => {
          if (event.type !== 'batch-finished') return;
          now += 7_000;
          controller.abort();
        },
      });
      expect(first).toMatchObject({ status: 'interrupted', metrics: { durationMs: 7_000 } });
      now += 3_600_000;
      const resumed = await runUpdate({
        store, source, clock, resumeRunId: first.runId,
        onEvent: (event: RunEvent) => {
          if (event.type === 'batch-finished') now += 5_000;
        },
      });
      expect(resumed.status).toBe('success');
      expect(resumed.metrics).toMatchObject({ added: 100, durationMs: 12_000 });
    });
  });

  it('judges a resumed run by the day it began, not the day it was resumed on', async () => {
    await withFreshStore(backend, async (store) => {
      // Begun on a Saturday, stopped, resumed on the Monday: the validator's weekday and recess are the Saturday's.
      let now = Date.parse('2025-06-07T09:00:00Z');
      const clock = () => new Date(now);
      const source = arraySource(hearingRecords(100));
      const controller = new AbortController();
      const first = await runUpdate({ store, source, batchSize: 50, clock, signal: controller.signal, onEvent: (event: RunEvent) => event.type === 'batch-finished' && controller.abort() });
      expect(first.status).toBe('interrupted');
      now = Date.parse('2025-06-09T10:00:00Z');
      const judged: string[] = [];
      const resumed = await runUpdate({
        store, source, clock, resumeRunId: first.runId,
        judge: async (input) => {
          judged.push(input.startedAt);
          return historicalJudge(input);
        },
      });
      expect(resumed.status).toBe('success');
      expect(judged).toHaveLength(1);
      expect(Date.parse(judged[0]!)).toBe(Date.parse('2025-06-07T09:00:00Z'));
      expect(calendarDay(judged[0]!).weekday).toBe(6);
    });
  });

  it('a resumed run quarantines a repeat of an eventId its first segment committed, and writes that hearing once', async () => {
    await withFreshStore(backend, async (store) => {
      // Position 80 repeats position 10's eventId with another title; 10 is committed before the interruption.
      const records = hearingRecords(100, 100000, (i) => (i === 80 ? { eventId: '100010', title: 'A later copy of hearing 100010' } : {}));
      const source = arraySource(records);
      const controller = new AbortController();
      const first = await runUpdate({ store, source, batchSize: 50, signal: controller.signal, onEvent: (event) => event.type === 'batch-finished' && controller.abort() });
      expect(first).toMatchObject({ status: 'interrupted', metrics: { added: 50 } });

      const resumed = await runUpdate({ store, source, resumeRunId: first.runId });
      expect(resumed).toMatchObject({ status: 'partial', metrics: { fetched: 100, added: 99, quarantined: 1 } });
      const [repeat, ...others] = await store.listQuarantine();
      expect(others).toEqual([]);
      expect(repeat).toMatchObject({ eventId: '100010', sourcePosition: 80, reasons: [{ code: 'DUPLICATE_EVENT_ID' }] });
      expect(await store.countHearings()).toBe(99);
    });
  });

  it('after a kill -9 during isolation, the resumed run isolates the batch again and counts each record once', async () => {
    const location = await backend.freshLocation();
    const records = hearingRecords(50, 600000);
    const file = path.join(folder(), 'hearings.ndjson');
    fs.writeFileSync(file, `${records.map((record) => JSON.stringify(record)).join('\n')}\n`);
    const args = ['update', '--db', location, '--source', `file:${file}`, '--batch-size', '20', '--no-snapshot', '--json'];
    // Batch 2 (positions 20–49: grown to 40 by ADAPTIVE_BATCHES, 30 left) fails on 600022 and is
    // written again record by record; the process stops for good on its write of 600035 — mid-isolation,
    // the one transaction still open — and is killed there. Nothing of batch 2 is committed yet.
    const faults = { GATEHOUSE_TEST_FAULTS: '1', GATEHOUSE_FAIL_WRITES: '600022' };
    const { child, done } = startCli(args, { ...faults, GATEHOUSE_HANG_WRITE: '600035' });
    const killedAt = await waitForCheckpoint(backend, location, 1, (checkpoint) => checkpoint.batchSeq === 1);
    child.kill('SIGKILL');
    await done;
    expect(killedAt).toMatchObject({ nextPosition: 20, positionsDoneInBatch: [] });
    expect(killedAt.metrics.durationMs).toBeGreaterThan(0);

    const resumed = runCli([...args, '--resume', '1'], { env: faults });
    expect(resumed.code, resumed.stderr).toBe(3);
    await withStoreAt(backend, location, async (store) => {
      const run = (await store.getRun(1))!;
      expect(run.metrics).toMatchObject({ fetched: 50, added: 49, quarantined: 1 });
      expect(Object.keys(run.metrics).filter((key) => key.startsWith('openBatch'))).toEqual([]);
      expect(run.metrics.durationMs).toBeGreaterThanOrEqual(killedAt.metrics.durationMs);
      const sum = (field: 'added' | 'quarantined' | 'planned') => run.batchList.reduce((total, batch) => total + batch[field], 0);
      expect({ added: sum('added'), quarantined: sum('quarantined'), planned: sum('planned') }).toEqual({ added: 49, quarantined: 1, planned: 50 });
      expect(run.batchList.map(({ seq, status, added, quarantined, firstPosition, lastPosition }) => ({ seq, status, added, quarantined, firstPosition, lastPosition }))).toEqual([
        { seq: 1, status: 'committed', added: 20, quarantined: 0, firstPosition: 0, lastPosition: 19 },
        // The resumed segment starts again from the configured size: 20–39 holds the bad record, 40–49 commit clean.
        { seq: 2, status: 'isolated', added: 19, quarantined: 1, firstPosition: 20, lastPosition: 39 },
        { seq: 3, status: 'committed', added: 10, quarantined: 0, firstPosition: 40, lastPosition: 49 },
      ]);
      expect(run.batches).toEqual({ total: 3, succeeded: 2, failed: 0, isolated: 1 });
      expect(await store.countHearings()).toBe(49);
    });
  });
});
