import { afterAll, describe, expect, it } from 'vitest';
import { createApi, createInProcessEngineHost, dispatch, httpStatusOf } from '../../main/api/index.js';
import { setFlag } from '../../main/flags/index.js';
import { addTask, runFlaggedUpdate } from '../../main/scheduler/index.js';
import type { Store } from '../../main/store/index.js';
import type { ApiMethod } from '../../shared/api.js';
import type { ValidationResult } from '../../shared/validation.js';
import { testBackends } from '../helpers/backends.js';
import { tester } from '../helpers/callers.js';
import { runCli } from '../helpers/cli.js';
import { arraySource, hearingRecords, stallingSource } from '../helpers/records.js';

const ANOMALOUS: ValidationResult = { verdict: 'anomalous', method: 'test', historySize: 30, anomalies: [] };
/** The tables an audited write adds to; a refused write leaves every one as it was. */
const AUDITED = ['flagEvents', 'flagValues', 'scheduledTasks', 'taskEvents', 'runReviews', 'rollouts', 'rolloutLedger', 'sensitivityVersions'] as const;
/** The CLI's wait for another writer, shortened (GATEHOUSE_LOCK_WAIT_MS, honoured only with GATEHOUSE_TEST_FAULTS=1). */
const SHORT_WAIT = { GATEHOUSE_TEST_FAULTS: '1', GATEHOUSE_LOCK_WAIT_MS: '300' };

async function auditedCounts(store: Store): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of AUDITED) counts[table] = (await store.queries.db.selectFrom(table).selectAll().execute()).length;
  return counts;
}

/** Audited writes of several kinds, each as the CLI and the API make it; `held` is a run held for its anomaly. */
function cliWrites(held: number): [string, string[]][] {
  return [
    ['flags set --scope kill', ['flags', 'set', 'ENABLE_RECORD_ISOLATION', 'false', '--scope', 'kill', '--reason', 'stop it now', '--operator', 'support-sam']],
    ['anomalies mark', ['anomalies', 'mark', '--run', String(held), '--as', 'confirmed', '--reason', 'a bad feed day', '--operator', 'analyst-ann']],
    ['runs accept', ['runs', 'accept', String(held), '--reason', 'known spike', '--operator', 'ops-olga']],
    ['tasks add', ['tasks', 'add', 'senate-feed', '--cron', '0 6 * * *', '--source', 'synthetic:seed=2,count=5', '--operator', 'ops-olga']],
    ['tasks edit', ['tasks', 'edit', 'house-feed', '--cron', '0 7 * * *', '--operator', 'ops-olga']],
    ['rollout start', ['rollout', 'start', '--flag', 'ADAPTIVE_BATCHES=false', '--stages', 'all:1:1', '--reason', 'try it', '--operator', 'ops-olga']],
    ['validate tune', ['validate', 'tune', '--task', 'house-feed', '--metric', 'fetched', '--sensitivity', 'high', '--reason', 'quieter feed', '--operator', 'analyst-ann']],
  ];
}

function apiWrites(held: number): [ApiMethod, unknown][] {
  return [
    ['flags.set', { flag: 'ADAPTIVE_BATCHES', value: false, scope: 'kill', reason: 'stop it now' }],
    ['anomalies.mark', { runId: held, as: 'confirmed', reason: 'a bad feed day' }],
    ['runs.accept', { runId: held, reason: 'known spike' }],
    ['tasks.add', { name: 'joint-feed', cron: '0 6 * * *', source: 'synthetic:seed=2,count=5' }],
    ['tasks.edit', { name: 'house-feed', cron: '0 8 * * *' }],
    ['sensitivity.save', { task: 'house-feed', settings: { metrics: { added: 'low' }, minSignals: 1 }, reason: 'noisy adds' }],
  ];
}

describe.each(testBackends())('audited writes during an all-or-nothing run ($name)', (backend) => {
  afterAll(() => backend.cleanup());

  it('SQLite: refused LOCK_HELD naming the run and what to do (CLI exit 5, API 409), not "unexpected error: database is locked", writing nothing, and they land once the run ends; PostgreSQL: they land while it runs', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    try {
      await setFlag(store, { flag: 'BLOCK_ON_ANOMALY', value: true, scope: 'global', reason: 'test setup', operator: 'setup' });
      const held: number[] = [];
      for (const firstId of [100000, 150000]) {
        const { summary } = await runFlaggedUpdate({ store, source: arraySource(hearingRecords(20, firstId)), task: null, extra: { judge: async () => ANOMALOUS } });
        expect(summary.status).toBe('held');
        held.push(summary.runId);
      }
      await addTask(store, { name: 'house-feed', cron: '0 * * * *', source: 'synthetic:seed=1,count=5' }, new Date());
      await setFlag(store, { flag: 'ENABLE_BATCH_PROCESSING', value: false, scope: 'global', reason: 'test setup', operator: 'setup' });
      const { source, stalled, resume } = stallingSource(hearingRecords(700, 200000), 400);
      const running = runFlaggedUpdate({ store, source, task: null, extra: { judge: async () => ANOMALOUS } });
      await stalled;
      const run = (await store.reports.runs({})).find((r) => r.status === 'running')!;
      const before = await auditedCounts(store);
      const refusal = (hint: RegExp) => ({
        code: 'LOCK_HELD',
        message: expect.stringMatching(new RegExp(`^cannot write now: an update \\(run ${run.runId}\\) started at .* holds .*: pid \\d+ on .*; nothing was changed$`)),
        hint: expect.stringMatching(hint),
      });
      const cli = () => cliWrites(held[0]!).map(([name, args]) => ({ name, ...runCli([...args, '--db', location, '--json'], { env: SHORT_WAIT }) }));
      const apiStore = await backend.open(location, { lockWaitMs: 300 });
      const engine = createInProcessEngineHost({ location });
      try {
        const api = createApi({ store: apiStore, engine, transport: 'http' });
        const viaApi = async () => {
          const results = [];
          for (const [method, input] of apiWrites(held[1]!)) results.push({ method, result: await dispatch(api, method, input, tester) });
          return results;
        };
        if (backend.name === 'sqlite') {
          // The run's one transaction holds SQLite's one write lock to its end: every write is refused, and says why.
          for (const { name, code, stdout, stderr } of cli()) {
            expect({ name, code, stderr }).toEqual({ name, code: 5, stderr: expect.not.stringContaining('unexpected error') });
            expect(JSON.parse(stdout), name).toEqual({ error: refusal(/stop the run \(Ctrl\+C/) });
          }
          for (const { method, result } of await viaApi()) {
            expect({ method, result }).toEqual({ method, result: { ok: false, error: refusal(/stop the run \(Stop on its run page\)/) } });
            expect(httpStatusOf(result), method).toBe(409);
          }
          expect(await auditedCounts(store)).toEqual(before);
          resume();
          expect((await running).summary).toMatchObject({ mode: 'all-or-nothing', metrics: { added: 700 } });
        }
        // PostgreSQL locks rows, not the database: none of these touches a row the run holds, so each lands while it runs.
        for (const { name, code, stderr } of cli()) expect({ name, code, stderr }).toEqual({ name, code: 0, stderr: '' });
        for (const { method, result } of await viaApi()) expect({ method, ok: result.ok }, JSON.stringify(result)).toEqual({ method, ok: true });
        if (backend.name !== 'sqlite') {
          expect((await store.reports.runs({})).find((r) => r.runId === run.runId)?.status).toBe('running');
          resume();
          expect((await running).summary).toMatchObject({ mode: 'all-or-nothing', metrics: { added: 700 } });
        }
      } finally {
        await engine.close();
        await apiStore.close();
      }
      for (const runId of held) expect(await store.getRun(runId)).toMatchObject({ status: 'success' });
    } finally {
      await store.close();
    }
  }, 120_000);
});
