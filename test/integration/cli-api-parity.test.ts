import http from 'node:http';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, createInProcessEngineHost, startHttpServer, type EngineHost, type RunningServer } from '../../main/api/index.js';
import { listSnapshots } from '../../main/backup/index.js';
import { addTask, runTask, Scheduler } from '../../main/scheduler/index.js';
import type { Store } from '../../main/store/index.js';
import { testBackends, type TestBackend } from '../helpers/backends.js';
import { startCli } from '../helpers/cli.js';
import { ALLOW_FREQUENT_LABEL, CONFLICT_POLICIES, conflictChoice } from '../../shared/api-operations.js';
import { callApi, request, servedPerTest } from '../helpers/console-http.js';
import { recordRun } from '../helpers/reviewed-runs.js';

/** An error as JSON without its hint: the one part each surface words for its reader (a command, a page). */
function withoutHint(json: unknown): unknown {
  const { error: { hint: _hint, ...error } } = json as { error: { hint?: string } };
  return { error };
}

/**
 * Issue 12: the CLI and the API return the same JSON for the same action and parse input with the
 * same zod schemas. Each action here is done once with `gatehouse … --json` (a child process) and
 * once over real HTTP against `gatehouse serve`'s server, on the same database.
 *
 * Each CLI call is a process start (seconds on a loaded machine), so the two backends' blocks run side by side
 * (each on its own database), and in each the tests that change nothing run a few at a time; the tests that
 * write are marked sequential and run in order (vitest's maxConcurrency, 5, bounds the tests running at once).
 */
describe.concurrent.each(testBackends().map((backend) => [backend.name, backend] as const))('the CLI and the API as one contract (%s)', (_name, backend: TestBackend) => {
  let location: string;
  let store: Store;
  let engine: EngineHost;
  let server: RunningServer;

  // One database for the whole block (each CLI call is a process start): every test compares both sides at the same moment.
  beforeAll(async () => {
    location = await backend.freshLocation();
    // Two runs through the CLI: the first takes a before-run snapshot, the second quarantines nothing.
    for (const seed of [1, 2]) expect((await cliAsText(['update', '--source', `synthetic:seed=${seed},count=20`, '--batch-size', '7', '--json'])).code).toBe(0);
    // A third with dates that cannot be read: quarantine entries to list (partial: exit 3).
    expect((await cliAsText(['update', '--source', 'synthetic:seed=3,count=20,invalid=bad-date:0.3', '--batch-size', '7', '--json'])).code).toBe(3);
    store = await backend.open(location);
    engine = createInProcessEngineHost({ location });
    server = await startHttpServer({ handlers: createApi({ store, engine, transport: 'http', databaseLocation: location }), engine, staticRoot: null });
  });

  afterAll(async () => {
    await server.close();
    await engine.close();
    await store.close();
    await backend.cleanup();
  });

  const bearer = () => ({ Authorization: `Bearer ${server.apiToken}` });
  /** The CLI without --json, without blocking: calls that change nothing start together (each a process start), input given on stdin. */
  const cliAsText = async (args: string[], input?: string) => {
    const cliRun = startCli([...args, '--db', location]);
    cliRun.child.stdin.end(input);
    return cliRun.done;
  };
  /** A CLI call with --json: its exit code and the JSON it printed. Never spawnSync: it would stop the other backend's block and every test running beside it. */
  const cli = async (args: string[]) => {
    const result = await cliAsText([...args, '--json']);
    return { code: result.code, stderr: result.stderr, json: JSON.parse(result.stdout) as unknown };
  };
  const api = async (method: string, body: unknown) => {
    const { status, result } = await callApi(server, method, body, bearer());
    return { status, json: result.ok ? result.data : { error: result.error } };
  };

  /** The same JSON text, key order included (toEqual alone passes keys in another order, or a key one side leaves out as undefined). */
  const expectSameJson = (fromCli: unknown, fromApi: unknown) => expect(JSON.stringify(fromCli, null, 2)).toBe(JSON.stringify(fromApi, null, 2));

  const reads: [string, string[], string, unknown][] = [
    ['runs list', ['runs', 'list'], 'runs.list', {}],
    ['runs list, filtered', ['runs', 'list', '--status', 'success,partial', '--since', '2020-02-29', '--limit', '1'], 'runs.list', { status: ['success', 'partial'], since: '2020-02-29', limit: 1 }],
    ['runs show', ['runs', 'show', '1'], 'runs.get', { runId: 1 }],
    ['runs show of a partial run', ['runs', 'show', '3'], 'runs.get', { runId: 3 }],
    ['quarantine list', ['quarantine', 'list', '--run', '2'], 'quarantine.list', { runId: 2 }],
    ['quarantine list of a run with entries', ['quarantine', 'list', '--run', '3'], 'quarantine.list', { runId: 3 }],
    ['backups verify', ['backups', 'verify'], 'backups.verify', {}],
    ['backups restores', ['backups', 'restores'], 'backups.restores', {}],
    ['backups attempts', ['backups', 'attempts'], 'backups.attempts', {}],
    ['flags list', ['flags', 'list'], 'flags.list', {}],
    ['rollback --list', ['rollback', '--list'], 'rollback.events', {}],
    ['rollout list', ['rollout', 'list'], 'rollouts.list', {}],
    ['anomalies list', ['anomalies', 'list'], 'anomalies.list', {}],
    ['anomalies list --open', ['anomalies', 'list', '--open', '--limit', '5'], 'anomalies.list', { open: true, limit: 5 }],
    // Nothing rolled out yet: an answer (null, exit 0), not an error a script must tell from a wrong database path.
    ['rollout status before any rollout', ['rollout', 'status'], 'rollouts.get', {}],
  ];

  // Reads and refusals change nothing (a refusal writes nothing): run concurrently, each compares both sides on the seeded database.
  it.concurrent.for(reads)('answers %s with the API\'s JSON', async ([_what, args, method, body], { expect }) => {
    const fromCli = await cli(args);
    const fromApi = await api(method, body);
    expect(fromCli.code, fromCli.stderr).toBe(0);
    expect(fromApi.status).toBe(200);
    expectSameJson(fromCli.json, fromApi.json);
  });

  it('gives every reading of a run the statusReasons runs.list gives it, last: runs show and runs.get, the overview\'s recent runs', async ({ expect }) => {
    const [listed, shown] = await Promise.all([cli(['runs', 'list']), cli(['runs', 'show', '3'])]);
    const rows = listed.json as { runId: number; statusReasons: unknown }[];
    const partial = rows.find((row) => row.runId === 3)!;
    expect(partial.statusReasons).toEqual([{ code: 'QUARANTINED', message: expect.stringMatching(/^\d+ of 20 records quarantined/) }]);
    const lastEntry = (run: unknown) => Object.entries(run as object).at(-1);
    expect(lastEntry(shown.json)).toEqual(['statusReasons', partial.statusReasons]);
    expect(lastEntry((await api('runs.get', { runId: 1 })).json)).toEqual(['statusReasons', []]);
    const overview = (await api('overview.get', {})).json as { recentRuns: unknown[]; lastRun: unknown };
    expect(overview.recentRuns.map(lastEntry)).toEqual(rows.map((row) => ['statusReasons', row.statusReasons]));
    expect(lastEntry(overview.lastRun)).toEqual(['statusReasons', rows[0]!.statusReasons]);
  });

  it('judges lines with validate --batch --db and the API\'s validation.batch alike: the same answer per line, bad lines and an unknown task included', async ({ expect }) => {
    const history = Array.from({ length: 40 }, (_, day) => ({ startedAt: new Date(Date.UTC(2026, 0, 1 + day, 6)).toISOString(), metrics: { fetched: 100 + (day % 5), added: 10, updated: 5 } }));
    const current = { startedAt: '2026-02-10T06:00:00Z', metrics: { fetched: 102, added: 10, updated: 5 } };
    const lines = [
      JSON.stringify({ id: 'steady', history, current }),
      JSON.stringify({ id: 'spike', history, current: { ...current, metrics: { fetched: 900, added: 800, updated: 5 } } }),
      '[1]',
      JSON.stringify({ id: 'negative', history, current: { ...current, metrics: { ...current.metrics, inserted: -1 } } }),
      JSON.stringify({ id: 'unknown task', task: 'no such task', history, current }),
    ];
    const [fromCli, unknownTask] = await Promise.all([cliAsText(['validate', '--batch'], `${lines.join('\n')}\n`), cliAsText(['validate', '--batch', '--task', 'no such task', '--json'], `${lines[0]}\n`)]);
    expect({ code: fromCli.code, stderr: fromCli.stderr }).toEqual({ code: 0, stderr: '' });
    const fromApi = await api('validation.batch', { lines });
    expect(fromApi.status).toBe(200);
    expectSameJson(fromCli.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as unknown), (fromApi.json as { answers: unknown[] }).answers);
    expect((fromApi.json as { answers: { id?: string; verdict?: string }[] }).answers.map((answer) => answer.verdict ?? answer.id ?? null)).toEqual(['ok', 'anomalous', null, 'negative', 'unknown task']);

    expect(unknownTask.code).toBe(2);
    expect(withoutHint((await api('validation.batch', { lines: [lines[0]], task: 'no such task' })).json)).toEqual(withoutHint(JSON.parse(unknownTask.stdout)));
    const blank = await api('validation.batch', { lines: ['', ' '] });
    expect(blank).toMatchObject({ status: 400, json: { error: { code: 'INPUT_INVALID', message: expect.stringContaining('only blank lines (2): no line to judge') } } });
  });

  /** [what, CLI arguments, API method and body, the field, the rule both state]. */
  const refusals: [string, string[], string, unknown, string, string][] = [
    ['an impossible day of the month', ['runs', 'list', '--since', '2026-02-30'], 'runs.list', { since: '2026-02-30' }, 'since', '"2026-02-30" names day 30 of February 2026, which has 28 days'],
    ['an impossible time of day', ['runs', 'list', '--until', '2026-01-01T24:61'], 'runs.list', { until: '2026-01-01T24:61' }, 'until', '"2026-01-01T24:61" is not a time of day: hours run from 00 to 23, minutes and seconds from 00 to 59'],
    ['a page size out of range', ['runs', 'list', '--limit', '0'], 'runs.list', { limit: 0 }, 'limit', 'must be a whole number from 1 to 500'],
    ['an empty snapshot id', ['backups', 'verify', '--id', ' '], 'backups.verify', { id: ' ' }, 'id', 'must be text of 1 to 200 characters'],
    ['an empty search', ['runs', 'list', '--search', ''], 'runs.list', { search: '' }, 'search', 'must be text of 1 to 200 characters'],
    ['rollout id 0', ['report', 'canary', '--rollout', '0'], 'rollouts.get', { rolloutId: 0 }, 'rolloutId', 'must be a whole number ≥ 1'],
    ['a fractional rollout id', ['report', 'monitoring', '--rollout', '1.5'], 'rollouts.get', { rolloutId: 1.5 }, 'rolloutId', 'must be a whole number ≥ 1'],
    ['too many restores at once', ['backups', 'restores', '--limit', '501'], 'backups.restores', { limit: 501 }, 'limit', 'must be a whole number from 1 to 500'],
    ['a negative page of runs', ['runs', 'list', '--limit', '-5'], 'runs.list', { limit: -5 }, 'limit', 'must be a whole number from 1 to 500'],
    ['a page of task events past what a page holds', ['tasks', 'history', '--limit', '99999999999'], 'tasks.history', { limit: 99_999_999_999 }, 'limit', 'must be a whole number from 1 to 1000'],
    ['a task event cursor that is not a whole number', ['tasks', 'history', '--after', '1.5'], 'tasks.history', { after: 1.5 }, 'after', 'must be a whole number ≥ 1'],
    ['a run id that is not a number', ['runs', 'show', 'abc'], 'runs.get', { runId: 'abc' }, 'runId', 'must be a whole number ≥ 1'],
    ['a blank task name to show', ['tasks', 'show', ' '], 'tasks.get', { name: ' ' }, 'name', 'must be text of 1 to 64 characters'],
    ['a blank task name to run', ['tasks', 'run', ' '], 'tasks.run', { name: ' ' }, 'name', 'must be text of 1 to 64 characters'],
    ['a blank task name to enable', ['tasks', 'enable', ' '], 'tasks.edit', { name: ' ', enabled: true }, 'name', 'must be text of 1 to 64 characters'],
    ['an empty task name for its history', ['tasks', 'history', ''], 'tasks.history', { task: '' }, 'task', 'must be text of 1 to 64 characters'],
    // The console's session takes a name with the rule --operator takes one by (an unset variable in a script is no name).
    ['a blank operator', ['tasks', 'disable', 'nightly', '--operator', ' '], 'session.name', { name: ' ' }, 'name', 'a name is required'],
    ['an operator holding a control character', ['tasks', 'add', 'tabbed', '--cron', '0 3 * * *', '--source', 'synthetic:seed=1,count=5', '--operator', 'ann\tlee'], 'session.name', { name: 'ann\tlee' }, 'name', 'contains the control character U+0009 (tab) at character 4'],
    // Task names and reasons by one shared rule each (shared/text-rules.ts): a name keeps no control character, a reason its textarea's line breaks.
    ['a task name holding a tab', ['update', '--source', 'synthetic:seed=9,count=5', '--task', 'night\tly'], 'runs.start', { source: 'synthetic:seed=9,count=5', task: 'night\tly' }, 'task', 'contains the control character U+0009 (tab) at character 6'],
    ['a task filter holding an ESC', ['runs', 'list', '--task', 'nightly\u001b[2J'], 'runs.list', { task: 'nightly\u001b[2J' }, 'task', 'contains the control character U+001B (ESC) at character 8'],
    ['a task source holding an ESC', ['tasks', 'add', 'esc', '--cron', '0 3 * * *', '--source', 'file:/data/in.json\u001b[2J'], 'tasks.add', { name: 'esc', cron: '0 3 * * *', source: 'file:/data/in.json\u001b[2J' }, 'source', 'contains the control character U+001B (ESC) at character 19'],
    // Every source spec by the one rule a task's source has (sourceSpecSchema): a run's, and the runs list's filter by one.
    ['a run source holding an ESC', ['update', '--source', 'file:/data/in.json\u001b[2J'], 'runs.start', { source: 'file:/data/in.json\u001b[2J' }, 'source', 'contains the control character U+001B (ESC) at character 19'],
    ['a run source holding a line feed', ['update', '--source', 'synthetic:seed=1,count=5\nx'], 'runs.start', { source: 'synthetic:seed=1,count=5\nx' }, 'source', 'contains the control character U+000A (line feed) at character 25'],
    ['a source filter holding an ESC', ['runs', 'list', '--source', 'file:/data/in.json\u001b[2J'], 'runs.list', { source: 'file:/data/in.json\u001b[2J' }, 'source', 'contains the control character U+001B (ESC) at character 19'],
    ['a search holding a tab', ['runs', 'list', '--search', 'seed\t1'], 'runs.list', { search: 'seed\t1' }, 'search', 'contains the control character U+0009 (tab) at character 5'],
    ['a task source edited to hold a tab', ['tasks', 'edit', 'nightly', '--source', 'file:/data/in\tout.json'], 'tasks.edit', { name: 'nightly', source: 'file:/data/in\tout.json' }, 'source', 'contains the control character U+0009 (tab) at character 14'],
    ['a flag change reason holding an ESC', ['flags', 'set', 'BATCH_SIZE', '20', '--reason', 'slow\u001b[31m disk\nsecond line'], 'flags.set', { flag: 'BATCH_SIZE', value: 20, reason: 'slow\u001b[31m disk\nsecond line' }, 'reason', 'contains the control character U+001B (ESC) at character 5'],
    ['a rollback reason holding a CSI', ['rollback', '--run', '1', '--reason', 'bad\u009b2J'], 'rollback.apply', { runId: 1, confirmRunId: 1, reason: 'bad\u009b2J' }, 'reason', 'contains the control character U+009B (CSI) at character 4'],
    ['a snapshot deletion reason holding a BEL', ['backups', 'delete', '--id', 'snap', '--reason', 'taken\u0007'], 'backups.delete', { id: 'snap', confirmId: 'snap', reason: 'taken\u0007' }, 'reason', 'contains the control character U+0007 (BEL) at character 6'],
    ['a rollout name holding an ESC', ['rollout', 'start', '--flag', 'ENABLE_SNAPSHOTS=false', '--name', 'snap\u001b[2Joff', '--reason', 'fewer copies'], 'rollouts.start', { name: 'snap\u001b[2Joff', flagChanges: [{ flag: 'ENABLE_SNAPSHOTS', value: false }], reason: 'fewer copies' }, 'name', 'contains the control character U+001B (ESC) at character 5'],
    // A task switched on or off says why by the rule every reason has (reasonSchema), on the CLI as in the API's tasks.edit.
    ['a blank reason to disable a task', ['tasks', 'disable', 'nightly', '--reason', '  '], 'tasks.edit', { name: 'nightly', enabled: false, reason: '  ' }, 'reason', 'a reason is required'],
    ['a reason to enable a task past its length', ['tasks', 'enable', 'nightly', '--reason', 'x'.repeat(2001)], 'tasks.edit', { name: 'nightly', enabled: true, reason: 'x'.repeat(2001) }, 'reason', 'must be text of 1 to 2000 characters'],
    ['a reason to disable a task holding an ESC', ['tasks', 'disable', 'nightly', '--reason', 'feed\u001b[2J broken'], 'tasks.edit', { name: 'nightly', enabled: false, reason: 'feed\u001b[2J broken' }, 'reason', 'contains the control character U+001B (ESC) at character 5'],
    ['a review reason holding a DEL', ['runs', 'accept', '1', '--reason', 'fine\u007f'], 'runs.accept', { runId: 1, reason: 'fine\u007f' }, 'reason', 'contains the control character U+007F (DEL) at character 5'],
    ['a run status it does not know', ['runs', 'list', '--status', 'failed,bogus'], 'runs.list', { status: ['failed', 'bogus'] }, 'status[1]', 'must be one of running, success, partial, failed, rolled_back, interrupted, held'],
    ['a verdict it does not know', ['runs', 'list', '--verdict', 'anomalus'], 'runs.list', { verdict: ['anomalus'] }, 'verdict[0]', 'must be one of ok, anomalous, insufficient_history, baseline'],
    ['rollout id 0 to show', ['rollout', 'status', '0'], 'rollouts.get', { rolloutId: 0 }, 'rolloutId', 'must be a whole number ≥ 1'],
    ['a sensitivity under one sigma', ['validate', 'tune', '--task', 'nightly', '--metric', 'fetched', '--sensitivity', '0.5', '--dry-run'], 'sensitivity.whatIf', { task: 'nightly', settings: { metrics: { fetched: 0.5 } } }, 'settings.metrics.fetched', 'must be one of off, low, normal, high, or a number from 1 to 10'],
    ['more signals than there are metrics', ['validate', 'tune', '--task', 'nightly', '--min-signals', '5', '--dry-run'], 'sensitivity.whatIf', { task: 'nightly', settings: { minSignals: 5 } }, 'settings.minSignals', 'must be a whole number from 1 to 4'],
    ['a blank task to tune', ['validate', 'tune', '--task', ' ', '--min-signals', '2', '--dry-run'], 'sensitivity.whatIf', { task: ' ', settings: {} }, 'task', 'must be text of 1 to 200 characters'],
    ['a blank staging copy', ['validate', 'tune', '--task', 'nightly', '--min-signals', '2', '--dry-run', '--staging', ' '], 'sensitivity.whatIf', { task: 'nightly', settings: {}, staging: ' ' }, 'staging', 'must be text of 1 to 1000 characters'],
    // One batch-size rule (shared/run.ts), each surface naming the field its own way: --batch-size, batchSize (the console form: Batch size).
    ['a batch size of 0', ['update', '--source', 'synthetic:seed=9,count=5', '--batch-size', '0'], 'runs.start', { source: 'synthetic:seed=9,count=5', batchSize: 0 }, 'batchSize', 'must be a whole number from 1 to 10000'],
    ['a fractional batch size', ['update', '--source', 'synthetic:seed=9,count=5', '--batch-size', '2.5'], 'runs.start', { source: 'synthetic:seed=9,count=5', batchSize: 2.5 }, 'batchSize', 'must be a whole number from 1 to 10000'],
    ['a batch size past the largest', ['update', '--source', 'synthetic:seed=9,count=5', '--batch-size', '10001'], 'runs.start', { source: 'synthetic:seed=9,count=5', batchSize: 10_001 }, 'batchSize', 'must be a whole number from 1 to 10000'],
    ['a batch size that is not a number', ['update', '--source', 'synthetic:seed=9,count=5', '--batch-size', 'ten'], 'runs.start', { source: 'synthetic:seed=9,count=5', batchSize: 'ten' }, 'batchSize', 'must be a whole number from 1 to 10000'],
    ['a task reaching back 0 days', ['tasks', 'add', 'lb', '--cron', '0 3 * * *', '--source', 'synthetic:seed=1,count=5', '--lookback-days', '0'], 'tasks.add', { name: 'lb', cron: '0 3 * * *', source: 'synthetic:seed=1,count=5', lookbackDays: 0 }, 'lookbackDays', 'must be a whole number from 1 to 90'],
  ];

  it.concurrent.for(refusals)('refuses %s on both with the same rule', async ([_what, args, method, body, field, rule], { expect }) => {
    const fromCli = await cli(args);
    const fromApi = await api(method, body);
    expect(fromCli.code).toBe(2);
    expect(fromCli.json).toEqual({ error: { code: 'USAGE', message: expect.stringContaining(rule) } });
    expect(fromApi.status).toBe(400);
    expect(fromApi.json).toEqual({ error: { code: 'INPUT_INVALID', message: `bad input for ${method}: ✖ ${rule}; → at ${field}` } });
  });

  it('says a run that does not exist is not found when listing its quarantine, on both (not an empty list)', async ({ expect }) => {
    const [fromCli, emptyFromCli] = await Promise.all([cli(['quarantine', 'list', '--run', '999']), cli(['quarantine', 'list', '--run', '1'])]);
    const fromApi = await api('quarantine.list', { runId: 999 });
    expect(fromCli.code).toBe(2);
    expect(fromApi.status).toBe(404);
    // The same error; each surface's hint says where its runs are listed.
    expectSameJson(withoutHint(fromCli.json), withoutHint(fromApi.json));
    expect(fromCli.json).toEqual({ error: { code: 'NOT_FOUND', message: 'run 999 does not exist', hint: 'see gatehouse runs list' } });
    expect(fromApi.json).toMatchObject({ error: { hint: 'see the Runs page' } });
    // A run that exists with nothing quarantined is an empty list on both.
    expect(emptyFromCli.json).toEqual([]);
    expect((await api('quarantine.list', { runId: 1 })).json).toEqual([]);
  });

  it('refuses a batch number beyond what a batch column holds as bad input naming the field, on both (not an internal error)', async ({ expect }) => {
    for (const body of [{ batchSeq: 2_147_483_648 }, { runId: 1, batchSeq: 3_000_000_000 }]) {
      const fromApi = await api('quarantine.list', body);
      expect(fromApi.status).toBe(400);
      expect(fromApi.json).toEqual({ error: expect.objectContaining({ code: 'INPUT_INVALID', message: expect.stringMatching(/batchSeq/) }) });
    }
    const fromCli = await cli(['quarantine', 'list', '--run', '1', '--batch', '3000000000']);
    expect(fromCli.code).toBe(2);
    expect(fromCli.stderr).toMatch(/--batch/);
    expect(fromCli.json).toEqual({ error: expect.objectContaining({ code: 'USAGE' }) });
  });

  it('refuses text holding a NUL character as bad input naming the field, and writes nothing (PostgreSQL text cannot hold one)', async ({ expect }) => {
    const runsBefore = (await api('runs.list', {})).json;
    const cases: [string, unknown, string][] = [
      ['flags.set', { flag: 'BATCH_SIZE', value: 20, reason: 'smaller\u0000batches' }, 'reason'],
      ['runs.start', { source: 'synthetic:seed=5,count=3', task: 'night\u0000ly' }, 'task'],
      ['runs.list', { search: 'synthetic\u0000' }, 'search'],
      ['sensitivity.history', { task: 'dai\u0000ly' }, 'task'],
    ];
    for (const [method, body, field] of cases) {
      const reply = await api(method, body);
      expect(reply.status, method).toBe(400);
      expect(reply.json, method).toEqual({ error: { code: 'INPUT_INVALID', message: `bad input for ${method}: ${field} cannot hold the NUL character (U+0000)` } });
    }
    expect((await api('flags.history', {})).json).toEqual([]);
    expect((await api('runs.list', {})).json).toEqual(runsBefore);
  });

  it('lists the backups with the same JSON: sizes, retention, whether runs take snapshots, bytes on disk', async ({ expect }) => {
    const fromCli = await cli(['backups', 'list']);
    const fromApi = await api('backups.list', {});
    expect(fromCli.code).toBe(0);
    expect(fromApi.status).toBe(200);
    expectSameJson(fromCli.json, fromApi.json);
    expect(fromCli.json).toMatchObject({ retention: { keep: 10 }, snapshotsBeforeRuns: true, totalBytes: expect.any(Number), disk: expect.any(Object) });
  });

  it.sequential('takes a snapshot on request with the same JSON on both, key for key in the same order, and lists it as it was taken', async () => {
    const fromCli = await cli(['backups', 'create']);
    expect(fromCli.code, fromCli.stderr).toBe(0);
    const fromApi = await api('backups.create', {});
    expect(fromApi.status).toBe(200);
    // Two snapshots: the same keys in the same order, the same types.
    const layout = (snapshot: unknown) => Object.entries(snapshot as object).map(([key, value]) => `${key}:${value === null ? 'null' : typeof value}`);
    expect(layout(fromCli.json)).toEqual(layout(fromApi.json));
    const listed = (await api('backups.list', {})).json as { snapshots: unknown[] };
    // As it was taken, plus whether its copy is still there to restore.
    const { unavailable, takenBy, ...asTaken } = listed.snapshots.find((s) => (s as { id: string }).id === (fromCli.json as { id: string }).id) as { unavailable: string | null; takenBy: string | null };
    expect(unavailable).toBeNull();
    // Who took it is read from its attempt: the CLI's operator (the OS user, no --operator given).
    expect(takenBy).toEqual(expect.any(String));
    expectSameJson(asTaken, fromCli.json);
  });

  it.sequential('prunes backups with the same report, previewed with --dry-run as the console previews, and parses retention with the same schema', async () => {
    expect((await cliAsText(['backups', 'create'])).code).toBe(0);
    const snapshots = await listSnapshots(store);
    expect(snapshots.length).toBeGreaterThanOrEqual(2);

    // A preview and a refusal change nothing: both at once.
    const [preview, fractional] = await Promise.all([cli(['backups', 'prune', '--keep', '1', '--dry-run']), cli(['backups', 'prune', '--keep', '1', '--max-age-days', '0.5'])]);
    expect(preview.code).toBe(0);
    expectSameJson(preview.json, (await api('backups.prune', { keep: 1, dryRun: true })).json);
    expect(preview.json).toMatchObject({ dryRun: true, pruned: snapshots.slice(1), remaining: 1 });
    expect(await listSnapshots(store)).toEqual(snapshots);

    // The console's schema: a whole number of days.
    expect(fractional.code).toBe(2);
    expect(fractional.stderr).toMatch(/--max-age-days/);
    expect((await api('backups.prune', { keep: 1, maxAgeDays: 0.5, dryRun: false })).status).toBe(400);
    expect(await listSnapshots(store)).toEqual(snapshots);

    const done = await cli(['backups', 'prune', '--keep', '1', '--reason', 'disk nearly full']);
    expect(done.code).toBe(0);
    expect(done.json).toMatchObject({ dryRun: false, pruned: snapshots.slice(1), freedBytes: snapshots.slice(1).reduce((sum, s) => sum + s.sizeBytes, 0), remaining: 1 });
    expect(await listSnapshots(store)).toEqual(snapshots.slice(0, 1));
  });

  it.sequential('shows a task\'s history with the same JSON, a page at a time, and says a task that does not exist is not found on both', async () => {
    expect((await cliAsText(['tasks', 'add', 'nightly', '--cron', '0 2 * * *', '--source', 'synthetic:seed=1,count=5', '--operator', 'ann'])).code).toBe(0);
    expect((await cliAsText(['tasks', 'add', 'weekly', '--cron', '0 4 * * 1', '--source', 'synthetic:seed=2,count=5', '--operator', 'ann'])).code).toBe(0);
    expect((await api('tasks.edit', { name: 'nightly', cron: '30 2 * * *' })).status).toBe(200);
    expect((await cliAsText(['tasks', 'disable', 'nightly', '--operator', 'bo', '--reason', 'feed broken'])).code).toBe(0);

    // The reads that need no cursor at once: the whole history, every task's, past the last, an unknown task, a bad page.
    const [whole, everyTask, pastTheLast, fromCli, zeroPage] = await Promise.all([
      cli(['tasks', 'history', 'nightly']),
      cli(['tasks', 'history']),
      cli(['tasks', 'history', 'weekly', '--after', '1']),
      cli(['tasks', 'history', 'nighlty']),
      cli(['tasks', 'history', 'nightly', '--limit', '0']),
    ]);
    expect(whole.code).toBe(0);
    expectSameJson(whole.json, (await api('tasks.history', { task: 'nightly' })).json);
    expect(whole.json).toMatchObject([
      { task: 'nightly', action: 'edited', operator: 'bo', before: { enabled: true }, after: { cron: '30 2 * * *', enabled: false }, reason: 'feed broken' },
      // Over HTTP without a named session the operator is the OS user serving it.
      { task: 'nightly', action: 'edited', operator: os.userInfo().username, before: { cron: '0 2 * * *' }, after: { cron: '30 2 * * *' } },
      { task: 'nightly', action: 'added', operator: 'ann', before: null, after: { cron: '0 2 * * *', source: 'synthetic:seed=1,count=5', lookbackDays: 7, enabled: true } },
    ]);
    const [newest, middle] = whole.json as { id: number }[];
    const [page, weeklyPage] = await Promise.all([
      cli(['tasks', 'history', 'nightly', '--limit', '1', '--after', String(newest!.id)]),
      cli(['tasks', 'history', 'weekly', '--limit', '1', '--after', String(newest!.id)]),
    ]);
    expectSameJson(page.json, (await api('tasks.history', { task: 'nightly', limit: 1, after: newest!.id })).json);
    expect((page.json as { id: number }[]).map((e) => e.id)).toEqual([middle!.id]);
    // The task is chosen in SQL before the page is cut: weekly's one event, though nightly's two are newer, also past a cursor from nightly's list.
    expectSameJson(weeklyPage.json, (await api('tasks.history', { task: 'weekly', limit: 1, after: newest!.id })).json);
    expect(weeklyPage.json).toMatchObject([{ task: 'weekly', action: 'added' }]);
    // Every task's events, and a page past the last one of a task that exists: empty, not an error.
    expectSameJson(everyTask.json, (await api('tasks.history', {})).json);
    expect(pastTheLast.json).toEqual([]);

    const fromApi = await api('tasks.history', { task: 'nighlty' });
    expect(fromCli.code).toBe(2);
    expect(fromApi.status).toBe(404);
    // One error, its hint in each surface's words: the CLI's command, the console's Settings page.
    expectSameJson(withoutHint(fromCli.json), withoutHint(fromApi.json));
    expect(fromCli.json).toEqual({ error: expect.objectContaining({ code: 'NOT_FOUND', message: 'task "nighlty" does not exist', hint: 'see `gatehouse tasks list`' }) });
    expect(fromApi.json).toEqual({ error: expect.objectContaining({ hint: 'the Settings page lists the scheduled tasks' }) });
    // The same schema refuses the same bad page on both.
    expect(zeroPage.code).toBe(2);
    expect((await api('tasks.history', { task: 'nightly', limit: 0 })).json).toEqual({ error: expect.objectContaining({ code: 'INPUT_INVALID', message: expect.stringMatching(/limit/) }) });
  });

  it.sequential('keeps who switched a task off or on and why, refusing the switch without a reason on both, and shows it in tasks show', async () => {
    expect((await cliAsText(['tasks', 'add', 'switched', '--cron', '0 1 * * *', '--source', 'synthetic:seed=1,count=5', '--operator', 'ann', '--reason', 'the early feed'])).code).toBe(0);
    const withoutReason = await Promise.all((['disable', 'enable'] as const).map(async (verb) => [verb, await cli(['tasks', verb, 'switched', '--operator', 'bo'])] as const));
    for (const [verb, fromCli] of withoutReason) {
      const fromApi = await api('tasks.edit', { name: 'switched', enabled: verb === 'enable' });
      expect(fromCli.code).toBe(2);
      expect(fromApi.status).toBe(400);
      expectSameJson(withoutHint(fromCli.json), withoutHint(fromApi.json));
      expect(fromCli.json).toEqual({ error: { code: 'USAGE', message: `a reason is required to ${verb} a task`, hint: 'pass --reason "why"' } });
    }
    expect((await cli(['tasks', 'disable', 'switched', '--operator', 'bo', '--reason', 'feed broken\nsince 02:00'])).code).toBe(0);
    expect((await api('tasks.edit', { name: 'switched', enabled: true, reason: 'feed fixed', expected: { enabled: false } })).status).toBe(200);
    expect((await cli(['tasks', 'disable', 'switched', '--operator', 'cy', '--reason', 'again'])).code).toBe(0);
    const history = await cli(['tasks', 'history', 'switched']);
    expectSameJson(history.json, (await api('tasks.history', { task: 'switched' })).json);
    expect((history.json as { operator: string; after: { enabled: boolean }; reason: string | null }[]).map((e) => [e.operator, e.after.enabled, e.reason])).toEqual([
      ['cy', false, 'again'],
      [os.userInfo().username, true, 'feed fixed'],
      ['bo', false, 'feed broken\nsince 02:00'],
      ['ann', true, 'the early feed'],
    ]);
    // An edit's reason is optional, kept when given, on both.
    expect((await cli(['tasks', 'edit', 'switched', '--cron', '0 2 * * *', '--reason', 'the feed moved'])).code).toBe(0);
    expect((await api('tasks.edit', { name: 'switched', cron: '0 3 * * *' })).status).toBe(200);
    expect((await api('tasks.history', { task: 'switched', limit: 2 })).json).toMatchObject([{ after: { cron: '0 3 * * *' }, reason: null }, { after: { cron: '0 2 * * *' }, reason: 'the feed moved' }]);
    const [shown, historyAsText] = await Promise.all([cliAsText(['tasks', 'show', 'switched']), cliAsText(['tasks', 'history', 'switched'])]);
    expect(shown.stdout.split('\n')[1]).toMatch(/^ {2}disabled by cy at \S+: again$/);
    // A line break in the reason is printed as an escape: the line stays one line.
    expect(historyAsText.stdout).toContain('feed broken\\x0asince 02:00');
  });

  it.sequential('shows a task and lists the tasks with the same JSON, a task backing off after failures with its retry as next run, and says an unknown task is not found', async () => {
    // Two failed scheduled times an hour apart, the second at the start of this hour: one time skipped, the try two hours on, still ahead of the CLI's and the API's clocks.
    const hour = (back: number) => new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - back * 3_600_000);
    await addTask(store, { name: 'hourly', cron: '0 * * * *', source: `file:${location}-meetings-that-never-came.json` }, hour(2));
    for (const at of [hour(1), hour(0)]) {
      const clock = () => new Date(at.getTime() + 1_000);
      const scheduler = new Scheduler({ store, clock, log: () => {}, runTask: (task, request) => runTask(store, task, { clock }, request) });
      expect((await scheduler.tick()).entries.filter((entry) => entry.task === 'hourly')).toMatchObject([{ outcome: 'failed' }]);
    }
    const retryAt = new Date(hour(0).getTime() + 2 * 3_600_000).toISOString();

    const unknownTask = [[['tasks', 'show', 'hourlly'], 'tasks.get', { name: 'hourlly' }], [['tasks', 'run', 'hourlly'], 'tasks.run', { name: 'hourlly' }], [['tasks', 'disable', 'hourlly', '--reason', 'typo'], 'tasks.edit', { name: 'hourlly', enabled: false, reason: 'typo' }]] as const;
    // Every CLI call here changes nothing (the unknown task's are refused): all at once.
    const [shown, listed, trimmed, ...unknownFromCli] = await Promise.all([
      cli(['tasks', 'show', 'hourly']),
      cli(['tasks', 'list']),
      cli(['tasks', 'show', 'hourly ']),
      ...unknownTask.map(([args]) => cli([...args])),
    ]);
    expect(shown.code, shown.stderr).toBe(0);
    expectSameJson(shown.json, (await api('tasks.get', { name: 'hourly' })).json);
    expect(shown.json).toMatchObject({ name: 'hourly', consecutiveFailures: 2, retryAt, nextRunAt: retryAt });
    expectSameJson(listed.json, (await api('tasks.list', {})).json);
    // A listed task is the task as shown, with whether the scheduler is paused (not: its database is whole).
    expect(listed.json).toContainEqual({ ...(shown.json as object), schedulerPaused: null });

    // A name is trimmed as tasks.add stored it, on both: "hourly " is hourly, not an unknown task.
    expect(trimmed.json).toEqual(shown.json);
    expect((await api('tasks.get', { name: 'hourly ' })).json).toEqual(shown.json);

    for (const [index, [, method, body]] of unknownTask.entries()) {
      const fromCli = unknownFromCli[index]!;
      const fromApi = await api(method, body);
      expect(fromCli.code).toBe(2);
      expect(fromApi.status).toBe(404);
      expectSameJson(withoutHint(fromCli.json), withoutHint(fromApi.json));
      expect(fromCli.json).toEqual({ error: { code: 'NOT_FOUND', message: 'task "hourlly" does not exist', hint: 'see `gatehouse tasks list`' } });
      expect(fromApi.json).toEqual({ error: { code: 'NOT_FOUND', message: 'task "hourlly" does not exist', hint: 'the Settings page lists the scheduled tasks' } });
    }
  });

  it.sequential('edits, disables and runs a task named with blanks around it as the API does (trimmed), not as an unknown task', async () => {
    const edited = await cli(['tasks', 'edit', 'weekly ', '--cron', '0 5 * * 1', '--operator', 'cy']);
    expect(edited.code, edited.stderr).toBe(0);
    expect(edited.json).toMatchObject({ name: 'weekly', cron: '0 5 * * 1' });
    expect((await api('tasks.edit', { name: 'weekly ', cron: '0 6 * * 1' })).json).toMatchObject({ name: 'weekly', cron: '0 6 * * 1' });
    const disabled = await cli(['tasks', 'disable', ' weekly', '--operator', 'cy', '--reason', 'feed broken']);
    expect(disabled.code, disabled.stderr).toBe(0);
    expectSameJson(disabled.json, (await api('tasks.get', { name: 'weekly' })).json);
    expect(disabled.json).toMatchObject({ name: 'weekly', enabled: false, nextRunAt: null });
    expect((await api('tasks.history', { task: 'weekly', limit: 2 })).json).toMatchObject([{ operator: 'cy', after: { enabled: false } }, { after: { cron: '0 6 * * 1' } }]);

    const ran = await cli(['tasks', 'run', 'weekly ']);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.json).toMatchObject({ runId: expect.any(Number), task: 'weekly', status: 'success' });
    expect((await api('tasks.get', { name: 'weekly' })).json).toMatchObject({ lastRunId: (ran.json as { runId: number }).runId });
  });

  it.sequential('refuses a schedule whose runs come too close together with the same error on both, and takes it from both when told it is meant', async () => {
    // 06:00 and 06:01 on 1 January: the same two times whenever the test runs.
    const body = { name: 'new-year', cron: '0,1 6 1 1 *', source: 'synthetic:seed=3,count=5' };
    // Two refusals, at once.
    const [fromCli, sixFields] = await Promise.all([cli(['tasks', 'add', body.name, '--cron', body.cron, '--source', body.source]), cli(['tasks', 'edit', 'nightly', '--cron', '0 0 2 * * *'])]);
    const fromApi = await api('tasks.add', body);
    expect(fromCli.code).toBe(2);
    expect(fromApi.status).toBe(400);
    // One error, its hint in each surface's words: the CLI's option, the console form's checkbox.
    expectSameJson(withoutHint(fromCli.json), withoutHint(fromApi.json));
    expect(fromCli.json).toEqual({ error: { code: 'USAGE', message: expect.stringMatching(/runs 1 minute apart .*at least 5 minutes apart/), hint: expect.stringMatching(/--allow-frequent \(API: allowFrequent: true\)/) } });
    expect(fromApi.json).toMatchObject({ error: { hint: expect.stringContaining(`tick “${ALLOW_FREQUENT_LABEL}”`) } });
    expect((await api('tasks.get', { name: body.name })).status).toBe(404);
    // Six fields: the same words on both.
    expect(sixFields.code).toBe(2);
    expectSameJson(sixFields.json, (await api('tasks.edit', { name: 'nightly', cron: '0 0 2 * * *' })).json);

    const added = await cli(['tasks', 'add', body.name, '--cron', body.cron, '--source', body.source, '--allow-frequent']);
    expect(added.code, added.stderr).toBe(0);
    expectSameJson(added.json, (await api('tasks.get', { name: body.name })).json);
    expect((await api('tasks.add', { ...body, name: 'new-year-api', allowFrequent: true })).json).toMatchObject({ name: 'new-year-api', cron: body.cron });
  });

  it.sequential('changes a flag from either side with the same event JSON as the history gives it, key for key', async () => {
    const set = await cli(['flags', 'set', 'BATCH_SIZE', '20', '--reason', 'smaller batches', '--operator', 'ann']);
    expect(set.code, set.stderr).toBe(0);
    const unset = await api('flags.unset', { flag: 'BATCH_SIZE', reason: 'back to the default' });
    expect(unset.status).toBe(200);
    const reverted = await cli(['flags', 'revert', String((unset.json as { id: number }).id), '--reason', 'smaller after all', '--operator', 'ann']);
    expect(reverted.code, reverted.stderr).toBe(0);
    const history = await cli(['flags', 'history', 'BATCH_SIZE']);
    expectSameJson(history.json, (await api('flags.history', { flag: 'BATCH_SIZE' })).json);
    expectSameJson(history.json, [reverted.json, unset.json, set.json]);
    expect(reverted.json).toMatchObject({ flag: 'BATCH_SIZE', scope: 'global', oldValue: null, newValue: 20, operator: 'ann' });
  });

  it.sequential('marks anomalies one run or many at a time with the review JSON the API gives, and refuses a run that cannot be marked or accepted with the same error', async () => {
    const [cliRun, apiRun, cliRuns, apiRuns] = [await recordRun(store, 'anomalous', 1), await recordRun(store, 'anomalous', 5), await recordRun(store, 'anomalous', 9), await recordRun(store, 'anomalous', 13)];
    // Two reviews: the same keys in the same order, the same types (ids, times and operators differ).
    const layout = (review: unknown) => Object.entries(review as object).map(([key, value]) => `${key}:${value === null ? 'null' : typeof value}`);
    const marked = await cli(['anomalies', 'mark', '--run', String(cliRun), '--as', 'expected', '--reason-kind', 'seasonal', '--reason', 'spring recess', '--operator', 'ann']);
    expect(marked.code, marked.stderr).toBe(0);
    const markedByApi = await api('anomalies.mark', { runId: apiRun, as: 'expected', reasonKind: 'seasonal', reason: 'spring recess' });
    expect(layout(marked.json)).toEqual(layout(markedByApi.json));
    const many = await cli(['anomalies', 'mark-many', '--run', String(cliRuns), '--as', 'confirmed', '--reason', 'a real drop', '--operator', 'ann']);
    expect(many.code, many.stderr).toBe(0);
    const manyByApi = (await api('anomalies.markMany', { runIds: [apiRuns], as: 'confirmed', reason: 'a real drop' })).json as { reviews: unknown[] };
    expect(Object.keys(many.json as object)).toEqual(Object.keys(manyByApi));
    expect(layout((many.json as { reviews: unknown[] }).reviews[0])).toEqual(layout(manyByApi.reviews[0]));
    // Run 1 was judged ok and is not held: the same refusal, code and message, on both.
    const refusals: [string[], string, unknown][] = [
      [['anomalies', 'mark', '--run', '1', '--as', 'confirmed', '--reason', 'x', '--operator', 'ann'], 'anomalies.mark', { runId: 1, as: 'confirmed', reason: 'x' }],
      [['anomalies', 'mark-many', '--run', '1', '--as', 'confirmed', '--reason', 'x', '--operator', 'ann'], 'anomalies.markMany', { runIds: [1], as: 'confirmed', reason: 'x' }],
      [['runs', 'accept', '1', '--reason', 'x', '--operator', 'ann'], 'runs.accept', { runId: 1, reason: 'x' }],
      [['runs', 'accept', '999', '--reason', 'x', '--operator', 'ann'], 'runs.accept', { runId: 999, reason: 'x' }],
    ];
    const refusedByCli = await Promise.all(refusals.map(([args]) => cli(args)));
    for (const [index, [args, method, body]] of refusals.entries()) {
      const fromCli = refusedByCli[index]!;
      expect(fromCli.code, args.join(' ')).toBe(2);
      expect(withoutHint(fromCli.json), args.join(' ')).toEqual(withoutHint((await api(method, body)).json));
    }
  });

  it.sequential('previews a rollback with the same report on both, key for key, its conflicts included', async () => {
    // Run 3 changed hearings run 2 wrote: the preview would be refused, which the CLI's exit says as the rollback's would (2).
    const fromCli = await cli(['rollback', '--run', '2', '--dry-run']);
    expect(fromCli.code, fromCli.stderr).toBe(2);
    const fromApi = await api('rollback.preview', { runId: 2 });
    expect(fromApi.status).toBe(200);
    // Only the moment of each preview differs.
    const at = (report: unknown) => ({ ...(report as object), at: 'when' });
    // The same sentence, each naming the conflict choices as its reader picks them: the CLI's flag, the dialog's choice,
    // and the run's new status as each shows it: the CLI's `runs list` token rolled_back, the console's badge "rolled back".
    const inConsoleWords = (report: unknown) => {
      const { message } = report as { message: string };
      const choices = CONFLICT_POLICIES.reduce((text, policy) => text.replaceAll(conflictChoice(policy, 'cli'), conflictChoice(policy, 'console')), message);
      return { ...(report as object), message: choices.replace(/would be rolled_back$/, 'would be rolled back') };
    };
    expect((fromCli.json as { message: string }).message).toContain('--on-conflict skip');
    expect((fromCli.json as { message: string }).message).toMatch(/would be rolled_back$/);
    expectSameJson(at(inConsoleWords(fromCli.json)), at(fromApi.json));
    expect(fromCli.json).toMatchObject({ runId: 2, dryRun: true, wouldRefuse: true, conflicts: expect.arrayContaining([expect.objectContaining({ eventId: expect.any(String) })]) });
  });

  it.sequential('tunes a task\'s sensitivity with the what-if and the version the API gives, and says a staging copy that is not there is not found on both', async () => {
    await addTask(store, { name: 'tuned', cron: '0 5 * * *', source: 'synthetic:seed=1,count=5' }, new Date());
    const settings = { metrics: { fetched: 'high' }, minSignals: 2 };
    // A mistyped staging path: refused on both, not a what-if without the trial cases it was to count.
    const missing = backend.name === 'postgres' ? 'no_such_staging' : `${location}-no-such-staging.db`;
    // The what-if and the refusal save nothing: both at once.
    const [dryRun, fromCli] = await Promise.all([
      cli(['validate', 'tune', '--task', 'tuned', '--metric', 'fetched', '--sensitivity', 'high', '--min-signals', '2', '--dry-run']),
      cli(['validate', 'tune', '--task', 'tuned', '--min-signals', '2', '--dry-run', '--staging', missing]),
    ]);
    expect(dryRun.code, dryRun.stderr).toBe(0);
    const { saved, ...whatIf } = dryRun.json as { saved: unknown };
    expect(saved).toBeNull();
    expectSameJson(whatIf, (await api('sensitivity.whatIf', { task: 'tuned', settings })).json);

    const fromApi = await api('sensitivity.whatIf', { task: 'tuned', settings: { minSignals: 2 }, staging: missing });
    expect(fromCli.code).toBe(2);
    expect(fromApi.status).toBe(404);
    expectSameJson(fromCli.json, fromApi.json);
    expect(fromCli.json).toEqual({ error: { code: 'NOT_FOUND', message: `staging database ${missing} does not exist` } });

    const tuned = await cli(['validate', 'tune', '--task', 'tuned', '--metric', 'fetched', '--sensitivity', 'high', '--min-signals', '2', '--reason', 'fewer alarms', '--operator', 'ann']);
    expect(tuned.code, tuned.stderr).toBe(0);
    const [latest] = (await api('sensitivity.history', { task: 'tuned', limit: 1 })).json as unknown[];
    expectSameJson((tuned.json as { saved: unknown }).saved, latest);
    expect(latest).toMatchObject({ task: 'tuned', version: 1, settings, operator: 'ann', reason: 'fewer alarms' });
  }, 120_000);

  it.sequential('compares a canary task with the others in the JSON the API gives (the report\'s end is the moment of asking)', async () => {
    await addTask(store, { name: 'canary-feed', cron: '0 7 * * *', source: 'synthetic:seed=4,count=5' }, new Date());
    const fromCli = await cli(['report', 'canary', '--task', 'canary-feed', '--since', '2020-01-01']);
    expect(fromCli.code, fromCli.stderr).toBe(0);
    const fromApi = await api('canary.report', { task: 'canary-feed', since: '2020-01-01' });
    expect(fromApi.status).toBe(200);
    const atOneMoment = (report: unknown) => ({ ...(report as object), until: 'now' });
    expectSameJson(atOneMoment(fromCli.json), atOneMoment(fromApi.json));
    expect(fromCli.json).toMatchObject({ task: 'canary-feed', recommendation: expect.any(String) });
  });

  it.sequential('starts, shows, promotes, pauses and aborts a rollout with the JSON the API gives for it at each step', async () => {
    // What the guardrails see is read at the moment of asking: the end of the window differs, nothing else.
    const atOneMoment = (detail: unknown) => {
      const d = detail as { latest: { window: { until: string } } | null };
      return d.latest ? { ...d, latest: { ...d.latest, window: { ...d.latest.window, until: 'now' } } } : d;
    };
    const expectSameRollout = (fromCli: unknown, fromApi: unknown) => expectSameJson(atOneMoment(fromCli), atOneMoment(fromApi));

    // A threshold is typed in percent and refused in percent, naming --threshold; the API refuses the same fractions.
    const thresholds = [['0', 0], ['2000', 20]] as const;
    // Two refusals and a status before any rollout change nothing: all at once.
    const [none, ...refusedByCli] = await Promise.all([
      cliAsText(['rollout', 'status']),
      ...thresholds.map(([percent]) => cli(['rollout', 'start', '--flag', 'ADAPTIVE_BATCH_CEILING=400', '--threshold', percent, '--reason', 'r'])),
    ]);
    for (const [index, [percent, fraction]] of thresholds.entries()) {
      const refused = refusedByCli[index]!;
      expect(refused.code).toBe(2);
      expect(refused.json).toEqual({ error: { code: 'USAGE', message: `--threshold takes a percentage above 0 and at most 1000, such as 10; got "${percent}"` } });
      const body = { name: 'r', flagChanges: [{ flag: 'ADAPTIVE_BATCH_CEILING', value: 400 }], timeThreshold: fraction, reason: 'r' };
      expect((await api('rollouts.start', body)).json).toEqual({ error: expect.objectContaining({ code: 'INPUT_INVALID', message: expect.stringMatching(/timeThreshold/) }) });
    }

    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout).toBe('no rollout has been started (start one with `gatehouse rollout start`)\n');

    const started = await cli(['rollout', 'start', '--flag', 'ADAPTIVE_BATCH_CEILING=400', '--stages', 'deployed:0:1,all:0:1', '--reason', 'larger batches', '--operator', 'ann']);
    expect(started.code, started.stderr).toBe(0);
    const { id } = started.json as { id: number };
    expectSameRollout(started.json, (await api('rollouts.get', { rolloutId: id })).json);
    const [status, statusById] = await Promise.all([cli(['rollout', 'status']), cli(['rollout', 'status', String(id)])]);
    expect(status.code, status.stderr).toBe(0);
    expectSameRollout(status.json, (await api('rollouts.get', {})).json);
    expectSameRollout(statusById.json, (await api('rollouts.get', { rolloutId: id })).json);

    const promoted = await cli(['rollout', 'promote', String(id), '--from', 'deployed', '--reason', 'deployed cleanly', '--operator', 'ann']);
    expect(promoted.code, promoted.stderr).toBe(0);
    expect(promoted.json).toMatchObject({ id, state: 'active', stageIndex: 1 });
    expectSameRollout(promoted.json, (await api('rollouts.get', { rolloutId: id })).json);

    const paused = await api('rollouts.pause', { rolloutId: id, reason: 'weekend' });
    expect(paused.status).toBe(200);
    expectSameRollout((await cli(['rollout', 'status', String(id)])).json, paused.json);

    const aborted = await cli(['rollout', 'abort', String(id), '--reason', 'not needed', '--operator', 'ann']);
    expect(aborted.code, aborted.stderr).toBe(0);
    expect(aborted.json).toMatchObject({ id, state: 'aborted' });
    expectSameRollout(aborted.json, (await api('rollouts.get', { rolloutId: id })).json);
    // An id that names no rollout is not found on both, unlike "the newest" before any was started.
    const [listed, fromCli] = await Promise.all([cli(['rollout', 'list']), cli(['rollout', 'status', '999'])]);
    expectSameJson(listed.json, (await api('rollouts.list', {})).json);

    const fromApi = await api('rollouts.get', { rolloutId: 999 });
    expect(fromCli.code).toBe(2);
    expect(fromApi.status).toBe(404);
    // One error, its hint in each surface's words: the CLI's command, the console's Rollouts page.
    expectSameJson(withoutHint(fromCli.json), withoutHint(fromApi.json));
    expect(fromCli.json).toEqual({ error: expect.objectContaining({ hint: 'see `gatehouse rollout list`' }) });
    expect(fromApi.json).toEqual({ error: expect.objectContaining({ hint: 'the Rollouts page lists the rollouts' }) });
  }, 180_000);
});

describe('the HTTP transport with a body larger than it reads', () => {
  const backend = testBackends()[0]!;
  const served = servedPerTest(backend);

  it('answers 413 with the error envelope and the limit, instead of resetting the connection', async () => {
    const body = JSON.stringify({ name: 'x'.repeat(3_000_000) });
    const reply = await request(served.server.port, '/api/session.name', { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${served.server.apiToken}` }, body });
    expect(reply.status).toBe(413);
    expect(JSON.parse(reply.body)).toEqual({ ok: false, error: { code: 'INPUT_INVALID', message: 'the request body is larger than 1,000,000 bytes' } });
    // The connection and the server are still good for the next request.
    const next = await callApi(served.server, 'runs.list', {}, { Authorization: `Bearer ${served.server.apiToken}` });
    expect(next).toEqual({ status: 200, result: { ok: true, data: [] } });
  });

  it('closes the connection of a body past what it is willing to read and drop, and keeps serving', async () => {
    const outcome = await new Promise<string>((resolve) => {
      const req = http.request({ host: '127.0.0.1', port: served.server.port, path: '/api/runs.list', method: 'POST', headers: { Authorization: `Bearer ${served.server.apiToken}`, 'Content-Type': 'application/json' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(`answered ${res.statusCode}`));
      });
      req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      // Written until the server stops reading: chunks past its cap.
      const chunk = Buffer.alloc(1_000_000, 0x20);
      const pump = () => {
        while (!req.destroyed && req.write(chunk));
        if (!req.destroyed) req.once('drain', pump);
      };
      pump();
    });
    expect(outcome).toMatch(/ECONNRESET|EPIPE|answered 413/);
    expect((await callApi(served.server, 'runs.list', {}, { Authorization: `Bearer ${served.server.apiToken}` })).status).toBe(200);
  });
});
