import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tester } from '../helpers/callers.js';
import { dispatch, seedDemoDatabase, type EngineHost } from '../../main/api/index.js';
import { openConsoleApi, type ConsoleApi } from '../helpers/console-api.js';
import type { ApiHandlers } from '../../shared/api.js';
import type { RunEvent } from '../../shared/run.js';

let opened: ConsoleApi;
let folder: string;
let location: string;
let engine: EngineHost;
let api: ApiHandlers;

beforeEach(async () => {
  opened = await openConsoleApi('gatehouse-api-');
  ({ folder, location, engine, api } = opened);
});

afterEach(async () => {
  await opened?.close();
});

function finished(runId: number): Promise<RunEvent & { type: 'run-finished' }> {
  return new Promise((resolve) => {
    const stop = engine.subscribe((event) => {
      if (event.type === 'run-finished' && event.runId === runId) {
        stop();
        resolve(event);
      }
    });
  });
}

describe('the API handlers', () => {
  it('starts a run in the background, streams its batches and lists it afterwards', async () => {
    const events: RunEvent[] = [];
    engine.subscribe((event) => events.push(event));
    const started = await dispatch(api, 'runs.start', { source: 'synthetic:seed=3,count=30', batchSize: 10 }, tester);
    expect(started.ok).toBe(true);
    const { runId } = (started as { ok: true; data: { runId: number } }).data;
    const done = await finished(runId);
    // ADAPTIVE_BATCHES (on by default): 10, then 20.
    expect(done.summary).toMatchObject({ status: 'success', batches: { total: 2, succeeded: 2 } });
    expect(events.filter((e) => e.type === 'batch-finished')).toHaveLength(2);
    const list = await dispatch(api, 'runs.list', {}, tester);
    expect(list).toMatchObject({ ok: true, data: [{ runId, status: 'success' }] });
    const detail = await dispatch(api, 'runs.get', { runId }, tester);
    expect(detail).toMatchObject({ ok: true, data: { runId, batchList: [{ seq: 1 }, { seq: 2 }] } });
  });

  it('checks the whole database before a run when runs.start asks for it, as update --full-integrity-check does', async () => {
    const integrityOf = async (input: { source: string; fullIntegrityCheck?: boolean }) => {
      const started = await dispatch(api, 'runs.start', input, tester);
      expect(started.ok).toBe(true);
      return (await finished((started as { ok: true; data: { runId: number } }).data.runId)).summary.snapshot?.integrity;
    };
    await integrityOf({ source: 'synthetic:seed=8,count=40' });
    expect(await integrityOf({ source: 'synthetic:seed=8,offset=40,count=10' })).toMatchObject({ check: 'skipped' });
    expect(await integrityOf({ source: 'synthetic:seed=8,offset=50,count=10', fullIntegrityCheck: true })).toEqual({ check: 'full', reason: 'quick_check passed; asked for' });
    expect(await dispatch(api, 'runs.start', { source: 'synthetic:seed=8,offset=60,count=10', fullIntegrityCheck: 'yes' }, tester)).toMatchObject({ ok: false, error: { code: 'INPUT_INVALID' } });
  });

  it('returns the quarantined records of one batch with their reasons', async () => {
    const { runId } = await api['runs.start']({ source: 'synthetic:seed=5,count=40,invalid=bad-date:0.2', batchSize: 10, mode: 'batch', task: null }, tester);
    await finished(runId);
    const all = await dispatch(api, 'quarantine.list', { runId }, tester);
    expect(all.ok && all.data).toHaveLength(8);
    const entries = all.ok ? (all.data as { reasons: { code: string }[] }[]) : [];
    expect(entries.every((entry) => entry.reasons.some((reason) => reason.code === 'BAD_DATE'))).toBe(true);
    const none = await dispatch(api, 'quarantine.list', { runId, batchSeq: 99 }, tester);
    expect(none).toEqual({ ok: true, data: [] });
  });

  it.each([
    ['runs.get', { runId: 'one' }],
    ['runs.get', { runId: -1 }],
    ['runs.start', { source: '', batchSize: 10 }],
    ['runs.start', { source: 'synthetic:seed=1,count=1', batchSize: 0 }],
    ['runs.start', { source: 'synthetic:seed=1,count=1', mode: 'sometimes' }],
    ['quarantine.list', { runId: 1, after: 0 }],
    ['runs.list', { since: 'last tuesday' }],
    ['settings.get', { extra: true }],
  ])('refuses %s with bad input %j as INPUT_INVALID', async (method, payload) => {
    const result = await dispatch(api, method, payload, tester);
    expect(result).toMatchObject({ ok: false, error: { code: 'INPUT_INVALID' } });
  });

  it('names an unknown method, a missing run and an unknown source scheme with their codes', async () => {
    expect(await dispatch(api, 'runs.drop', {}, tester)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await dispatch(api, 'runs.get', { runId: 404 }, tester)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', message: 'run 404 does not exist' } });
    expect(await dispatch(api, 'runs.start', { source: 'ftp:somewhere' }, tester)).toMatchObject({ ok: false, error: { code: 'SOURCE_SPEC_UNKNOWN' } });
  });

  it('tests a connection without creating a database file, and redacts passwords', async () => {
    const ok = await dispatch(api, 'settings.testConnection', { location }, tester);
    expect(ok).toEqual({ ok: true, data: { backend: 'sqlite', location: expect.any(String), hearings: 0 } });
    const missing = path.join(folder, 'nothing-here.db');
    expect(await dispatch(api, 'settings.testConnection', { location: missing }, tester)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(fs.existsSync(missing)).toBe(false);
    const pg = await dispatch(api, 'settings.testConnection', { location: 'postgres://ops:hunter2@127.0.0.1:1/none' }, tester);
    expect(pg.ok).toBe(false);
    expect(JSON.stringify(pg)).not.toContain('hunter2');
  });

  it('describes a seeded demo history: daily runs, an isolated batch, quarantine and metrics over time', async () => {
    const { seeded, runs } = await seedDemoDatabase(location, { days: 24, now: new Date('2026-03-01T00:00:00Z') });
    expect(seeded).toBe(true);
    expect(runs).toHaveLength(24);
    expect(runs.some((run) => run.batches.isolated > 0)).toBe(true);
    expect((await seedDemoDatabase(location)).seeded).toBe(false);
    const overview = await api['overview.get']({ windowDays: 30 }, tester);
    expect(overview.runsInWindow).toBe(24);
    expect(overview.batchSuccessRate).toBeGreaterThan(0.5);
    expect(overview.batchSuccessRate).toBeLessThan(1);
    expect(overview.recordsCommittedShare).toBeGreaterThan(0.5);
    expect(overview.database.hearings).toBeGreaterThan(100);
    const history = await api['history.metrics']({ limit: 400 }, tester);
    expect(history.map((p) => p.startedAt)).toEqual([...history.map((p) => p.startedAt)].sort());
    expect(new Set(history.map((p) => p.startedAt.slice(0, 10))).size).toBe(24);
  });
});
