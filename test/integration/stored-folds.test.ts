import crypto from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createSnapshot, restoreSnapshot, rollback } from '../../main/backup/index.js';
import { DIALECTS, MIGRATIONS } from '../../main/store/migrations/index.js';
import type { Store } from '../../main/store/index.js';
import { snapshotSchemaPrefix } from '../../main/store/postgres/target.js';
import { addedAfterSnapshots, REPLACED_TABLES, snakeCase, TABLES, type TableName } from '../../main/store/schema.js';
import { foldAnomalousRuns } from '../../main/validation/anomaly-folds.js';
import { countOpenAnomalies, listAnomalousRuns, markAnomalies, markAnomaly, undoMarks } from '../../main/validation/index.js';
import type { RunSummary } from '../../shared/run.js';
import type { Anomaly } from '../../shared/validation.js';
import { anomalyOf, insertRuns } from '../../bench/long-history.js';
import { testBackends, type TestBackend } from '../helpers/backends.js';
import { countedQueries, runRowsRead } from '../helpers/counted-queries.js';
import { PG_URL } from '../helpers/postgres.js';

/**
 * Each anomalous run stores its fold (the run that opened it) and the anomaly list reads folds by
 * SQL: the stored folds must be, on every path that writes runs, exactly what the validator's rule
 * (foldAnomalousRuns) makes of every anomalous run read back.
 */
const T0 = Date.parse('2026-01-01T06:00:00.000Z');
const DAY_MS = 86_400_000;
const TASKS = ['daily', 'hourly', null] as const;

interface CraftedRun {
  startedAt: string;
  task: string | null;
  anomalies: Anomaly[];
}

/** A seeded generator (mulberry32): the same histories on every backend and every run of the test. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * Varied histories: several tasks (one of them none), fresh changes, ongoing ones continuing a
 * change of the same task or of another, an ongoing change never raised, runs carrying a fresh
 * and an ongoing anomaly, anomalies without a change id, quiet runs, equal start times and runs
 * started before runs already recorded (an import, a resume).
 */
function craftedHistory(seed: number, count: number, firstDay = 0): CraftedRun[] {
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const raised = new Map<string | null, string[]>(TASKS.map((task) => [task, []]));
  let changes = 0;
  const runs: CraftedRun[] = [];
  for (let i = 0; i < count; i++) {
    const task = pick(TASKS);
    const own = raised.get(task)!;
    const fresh = () => {
      const changeId = `c${seed}-${++changes}`;
      own.push(changeId);
      return anomalyOf(changeId);
    };
    const ongoing = () => anomalyOf(own.length > 0 && next() < 0.85 ? pick(own) : pick([...raised.values()].flat().concat('never-raised')), true);
    const kind = next();
    const anomalies =
      kind < 0.25 ? [] : kind < 0.45 ? [fresh()] : kind < 0.8 ? [ongoing()] : kind < 0.88 ? [ongoing(), fresh()] : kind < 0.94 ? [ongoing(), ongoing()] : [anomalyOf(null)];
    const day = firstDay + i - (next() < 0.1 ? Math.floor(next() * 20) : 0);
    runs.push({ startedAt: new Date(T0 + day * DAY_MS + (next() < 0.1 ? 0 : (i % 3) * 60_000)).toISOString(), task, anomalies });
  }
  return runs;
}

function validationOf(anomalies: Anomaly[]): NonNullable<RunSummary['validation']> {
  return { verdict: anomalies.length > 0 ? 'anomalous' : 'ok', method: 'crafted', historySize: 30, anomalies, bands: {}, state: { regime: 'normal', since: null, description: 'crafted' } } as unknown as NonNullable<RunSummary['validation']>;
}

/** Through createRun and finishRun, as the engine records a run; returns the ids. */
async function recordRuns(store: Store, runs: readonly CraftedRun[]): Promise<number[]> {
  const ids: number[] = [];
  for (const run of runs) {
    const runId = await store.createRun({ mode: 'batch', batchSize: 50, task: run.task, source: 'crafted', startedAt: run.startedAt, pid: process.pid, host: 'test', flags: {}, resumedFrom: null });
    await finish(store, runId, run.startedAt, run.anomalies);
    ids.push(runId);
  }
  return ids;
}

async function finish(store: Store, runId: number, startedAt: string, anomalies: Anomaly[]): Promise<void> {
  const metrics = { fetched: 40, added: 2, updated: 3, unchanged: 35, quarantined: 0, durationMs: 900 };
  await store.finishRun(runId, { status: 'success', finishedAt: startedAt, metrics, batchCounts: { total: 1, succeeded: 1, failed: 0, isolated: 0 }, validation: validationOf(anomalies), error: null });
}

/** Each run's stored fold (the run that opened it), for every run that keeps one or should. */
async function storedFolds(store: Store): Promise<Record<number, number | null>> {
  const rows = await store.queries.db
    .selectFrom('runs')
    .select(['id', 'foldStartId'])
    .where((eb) => eb.or([eb('verdict', '=', 'anomalous'), eb('foldStartId', 'is not', null)]))
    .execute();
  return Object.fromEntries(rows.map((row) => [row.id, row.foldStartId === null ? null : Number(row.foldStartId)]));
}

/** What the validator's rule makes of every run read back. */
async function ruleFolds(store: Store): Promise<{ byRun: Record<number, number>; folds: ReturnType<typeof foldAnomalousRuns> }> {
  const anomalous = (await store.reports.runs()).filter((run) => run.validation?.verdict === 'anomalous');
  const folds = foldAnomalousRuns(anomalous);
  return { byRun: Object.fromEntries(folds.flatMap((fold) => fold.runs.map((run) => [run.runId, fold.runs[0]!.runId]))), folds };
}

/** Every page of the anomaly list, walked by its keyset. */
async function everyListed(store: Store, open: boolean): Promise<{ runId: number; runIds: number[]; review: string | null }[]> {
  const listed: { runId: number; runIds: number[]; review: string | null }[] = [];
  for (let after: number | undefined; ; ) {
    const page = await listAnomalousRuns(store, { open, limit: 7, after });
    listed.push(...page.map(({ runId, runIds, review }) => ({ runId, runIds, review })));
    if (page.length < 7) return listed;
    after = page.at(-1)!.runId;
  }
}

/** The stored folds are the rule's, and the list and the open count read exactly the rule's folds. */
async function expectFoldsAsTheRuleMakesThem(store: Store): Promise<void> {
  const { byRun, folds } = await ruleFolds(store);
  expect(await storedFolds(store)).toEqual(byRun);
  // Open: a run of it not reviewed that still stands (a run rolled back whole waits for no review); closed, it shows the newest review given.
  const isOpen = (fold: (typeof folds)[number]) => fold.runs.some((run) => run.review === null && run.status !== 'rolled_back');
  const asListed = folds
    .map((fold) => ({ runId: fold.runs[0]!.runId, runIds: fold.runs.map((run) => run.runId), review: isOpen(fold) ? null : (fold.runs.findLast((run) => run.review !== null)?.review ?? null), open: isOpen(fold) }))
    .reverse();
  const shown = ({ open: _open, ...fold }: (typeof asListed)[number]) => fold;
  expect(await everyListed(store, false)).toEqual(asListed.map(shown));
  expect(await everyListed(store, true)).toEqual(asListed.filter((fold) => fold.open).map(shown));
  expect(await countOpenAnomalies(store)).toBe(folds.filter(isOpen).length);
}

describe.each(testBackends())('stored anomaly folds ($name)', (backend) => {
  afterAll(() => backend.cleanup());

  it('stay the rule folds through verdicts out of order, reviews, reopened reviews, rollbacks, verdicts recorded again and a restore', async () => {
    const store = await backend.open(await backend.freshLocation());
    try {
      const ids = await recordRuns(store, craftedHistory(11, 160));
      await expectFoldsAsTheRuleMakesThem(store);

      const { folds } = await ruleFolds(store);
      await markAnomaly(store, { runId: folds[3]!.runs.at(-1)!.runId, as: 'expected', reasonKind: 'known-event', reason: 'a recess', operator: 'ann' });
      const confirmed = await markAnomalies(store, { runIds: [folds[5]!.runs[0]!.runId, folds[9]!.runs[0]!.runId], as: 'confirmed', reason: 'a broken feed', operator: 'bo' });
      await expectFoldsAsTheRuleMakesThem(store);
      await undoMarks(store, { reviewIds: confirmed.filter((review) => review.runId === folds[9]!.runs[0]!.runId).map((review) => review.id), reason: 'not broken after all', operator: 'cy' });
      await expectFoldsAsTheRuleMakesThem(store);

      for (const runId of [ids[20]!, folds[7]!.runs[0]!.runId]) await rollback(store, { runId, reason: 'a test feed', operator: 'dee' });
      await expectFoldsAsTheRuleMakesThem(store);

      // A resumed run records its verdict again: an anomaly gone quiet, a quiet run turned anomalous.
      const runs = await store.reports.runs();
      const anomalous = runs.find((run) => run.validation?.verdict === 'anomalous' && run.runId > 50)!;
      const quiet = runs.find((run) => run.validation?.verdict === 'ok' && run.runId > 50 && run.task !== anomalous.task)!;
      await finish(store, anomalous.runId, anomalous.startedAt, []);
      await expectFoldsAsTheRuleMakesThem(store);
      await finish(store, quiet.runId, quiet.startedAt, [anomalyOf(anomalous.validation!.anomalies[0]!.changeId ?? null, true)]);
      await expectFoldsAsTheRuleMakesThem(store);

      const snapshot = await createSnapshot(store, { kind: 'manual' });
      // Later runs, some started before runs recorded already: they change the folds of older runs.
      await recordRuns(store, craftedHistory(12, 60, 100));
      await expectFoldsAsTheRuleMakesThem(store);
      await restoreSnapshot(store, { snapshotId: snapshot.id, reason: 'the later runs were a test', operator: 'eve' });
      await expectFoldsAsTheRuleMakesThem(store);
      await recordRuns(store, craftedHistory(13, 30, 150));
      await expectFoldsAsTheRuleMakesThem(store);
    } finally {
      await store.close();
    }
  }, 300_000);

  it("joins today's run to a change last carried more than a page of anomalies ago", async () => {
    const store = await backend.open(await backend.freshLocation());
    try {
      const day = (i: number) => new Date(T0 + i * DAY_MS).toISOString();
      // The change, 1,200 one-off anomalies of the task since and another task's change of the same id, seeded straight into the table and folded.
      const [raising] = await insertRuns(store, [
        { startedAt: day(0), task: 'daily', anomalies: [anomalyOf('old-change')] },
        ...Array.from({ length: 1_200 }, (_, i) => ({ startedAt: day(1 + i), task: 'daily', anomalies: [anomalyOf(`spike-${i}`)] })),
        { startedAt: day(1_300), task: 'hourly', anomalies: [anomalyOf('old-change')] },
      ]);
      const [today] = await recordRuns(store, [{ startedAt: day(1_400), task: 'daily', anomalies: [anomalyOf('old-change', true), anomalyOf('spike-3', true)] }]);
      expect((await storedFolds(store))[today!]).toBe(raising);
      await expectFoldsAsTheRuleMakesThem(store);
    } finally {
      await store.close();
    }
  }, 120_000);

  it('folds again only from a run recorded out of start order on, continuing the changes runs before it raised', async () => {
    const store = await backend.open(await backend.freshLocation());
    try {
      const day = (i: number) => new Date(T0 + i * DAY_MS).toISOString();
      const ongoing = (...changeIds: string[]) => changeIds.map((changeId) => anomalyOf(changeId, true));
      // A change raised long ago and still carried, 3,000 one-off anomalies between, and two runs continuing a change nobody raised yet.
      const ids = await insertRuns(store, [
        { startedAt: day(0), task: 'daily', anomalies: [anomalyOf('old-change')] },
        ...Array.from({ length: 3_000 }, (_, i) => ({ startedAt: day(1 + i), task: 'daily', anomalies: [anomalyOf(`spike-${i}`)] })),
        ...[3_001, 3_002, 3_003].map((d) => ({ startedAt: day(d), task: 'daily', anomalies: ongoing('old-change') })),
        ...[3_005, 3_006].map((d) => ({ startedAt: day(d), task: 'daily', anomalies: ongoing('mid') })),
      ]);
      const anomalousOfTask = ids.length;
      // An import recorded late: it continues the old change and raises the one the two later runs continue.
      const { result: [late], statements } = await countedQueries(store, () => recordRuns(store, [{ startedAt: day(3_004), task: 'daily', anomalies: [...ongoing('old-change'), anomalyOf('mid')] }]));
      const folds = await storedFolds(store);
      expect(folds[late!]).toBe(late);
      expect([folds[ids.at(-2)!], folds[ids.at(-1)!]]).toEqual([late, late]);
      expect(folds[ids.at(-3)!]).toBe(ids[0]);
      await expectFoldsAsTheRuleMakesThem(store);
      // The runs from it on and one page back to where the old change was last carried; not the task's every anomalous run.
      expect(runRowsRead(statements)).toBeLessThan(anomalousOfTask / 2);
    } finally {
      await store.close();
    }
  }, 120_000);

  it('are backfilled when a database built at schema version 16 is opened', async () => {
    const location = await backend.freshLocation();
    await buildAtVersion16(backend, location, craftedHistory(21, 150));
    const store = await backend.open(location);
    try {
      expect(Object.keys(await storedFolds(store)).length).toBeGreaterThan(50);
      await expectFoldsAsTheRuleMakesThem(store);
      await recordRuns(store, craftedHistory(22, 20, 140));
      await expectFoldsAsTheRuleMakesThem(store);
    } finally {
      await store.close();
    }
  }, 120_000);
});

describe.each(testBackends().filter((backend) => backend.name === 'postgres'))('stored anomaly folds after restoring an older snapshot ($name)', (backend) => {
  afterAll(() => backend.cleanup());

  it('are folded again when a snapshot taken at schema version 16, which holds no folds, is restored', async () => {
    const location = await backend.freshLocation();
    const history = craftedHistory(31, 150);
    await buildAtVersion16(backend, location, history);
    const snapshotId = await snapshotAsVersion16TookIt(location);
    const store = await backend.open(location);
    try {
      // Later runs, some started before runs recorded already: they change the folds of older runs.
      await recordRuns(store, craftedHistory(32, 60, 100));
      await expectFoldsAsTheRuleMakesThem(store);
      await restoreSnapshot(store, { snapshotId, reason: 'the later runs were a test', operator: 'eve' });
      expect(await store.reports.runs()).toHaveLength(history.length);
      expect(Object.keys(await storedFolds(store)).length).toBeGreaterThan(50);
      await expectFoldsAsTheRuleMakesThem(store);
    } finally {
      await store.close();
    }
  }, 120_000);
});

/**
 * A snapshot of a PostgreSQL database at schema version 16, as the code of then took it: a schema
 * beside the store's with a copy of each replaced table it had (runs without fold_start_id),
 * listed in `snapshots` with its size and content hash. Returns its id.
 */
async function snapshotAsVersion16TookIt(location: string): Promise<string> {
  const schema = new URL(location).searchParams.get('schema')!;
  const id = `20260101T000000000Z-${crypto.randomBytes(3).toString('hex')}`;
  const place = `${snapshotSchemaPrefix(schema)}${id.toLowerCase().replace(/[^a-z0-9]/g, '_')}`;
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`SET search_path = ${schema}`);
    const present = new Set((await client.query<{ name: string }>('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1', [schema])).rows.map((row) => row.name));
    const copied = REPLACED_TABLES.filter((table) => present.has(snakeCase(table)));
    await client.query(`CREATE SCHEMA ${place}`);
    for (const table of copied) await client.query(`CREATE TABLE ${place}.${snakeCase(table)} AS TABLE ${snakeCase(table)}`);
    const hash = crypto.createHash('sha256');
    for (const table of (Object.keys(TABLES) as TableName[]).filter((name) => copied.includes(name))) {
      const { rows } = await client.query<{ n: string; digest: string }>(`SELECT count(*) AS n,
        md5(coalesce(string_agg(md5(x::text), '' ORDER BY md5(x::text)), '')) AS digest FROM ${place}.${snakeCase(table)} AS x`);
      if (addedAfterSnapshots(table) && Number(rows[0]!.n) === 0) continue;
      hash.update(`${snakeCase(table)}:${rows[0]!.n}:${rows[0]!.digest}\n`);
    }
    await client.query(`INSERT INTO snapshots (id, place, created_at, kind, run_id, size_bytes, sha256) VALUES ($1, $2, $3, 'manual', NULL, 0, $4)`, [id, place, '2026-01-01T00:00:00Z', hash.digest('hex')]);
    const columns = await client.query('SELECT 1 FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 AND column_name = $3', [place, 'runs', 'fold_start_id']);
    expect(columns.rowCount, 'a snapshot of version 16 has no fold column').toBe(0);
  } finally {
    await client.end();
  }
  return id;
}

/** The runs as migrations 1–16 left them: written by the code of then, with no fold stored. */
async function buildAtVersion16(backend: TestBackend, location: string, runs: readonly CraftedRun[]): Promise<void> {
  const dialect = DIALECTS[backend.name];
  const statements = MIGRATIONS.filter((m) => m.version <= 16).flatMap((m) => [
    m.sql(dialect),
    `INSERT INTO schema_migrations (version, name, applied_at) VALUES (${m.version}, '${m.name}', '2026-01-01T00:00:00.000Z')`,
  ]);
  const insert = `INSERT INTO runs (status, mode, batch_size, task, source, started_at, metrics_json, batch_counts_json, flags_json, validation_json, verdict)
    VALUES ('success', 'batch', 50, $1, 'crafted', $2, '{}', '{}', '{}', $3, $4)`;
  const values = runs.map((run) => {
    const validation = validationOf(run.anomalies);
    return [run.task, run.startedAt, JSON.stringify(validation), validation.verdict];
  });
  const schemaTable = `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at ${dialect.time} NOT NULL)`;
  if (backend.name === 'sqlite') {
    const db = new Database(location);
    try {
      db.exec(schemaTable);
      for (const statement of statements) db.exec(statement);
      const write = db.prepare(insert.replace(/\$\d/g, '?'));
      for (const row of values) write.run(...row);
    } finally {
      db.close();
    }
    return;
  }
  const schema = new URL(location).searchParams.get('schema')!;
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA ${schema}; SET search_path = ${schema}`);
    await client.query(schemaTable);
    for (const statement of statements) await client.query(statement);
    for (const row of values) await client.query(insert, row);
  } finally {
    await client.end();
  }
}
