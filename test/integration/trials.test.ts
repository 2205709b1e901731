import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../main/store/index.js';
import { rollback } from '../../main/backup/index.js';
import { runUpdate } from '../../main/engine/index.js';
import { arraySource, hearingRecords } from '../helpers/records.js';
import { parseTrialSpec, runTrials, seedSyntheticHistory, type TrialOutcome } from '../../main/trials/index.js';
import { buildReport } from '../../main/reports/index.js';
import { runCli, startCli } from '../helpers/cli.js';
import { dropSchemas, PG_URL, postgresReachable, uniqueSchema, urlWithSchema } from '../helpers/postgres.js';
import { tester } from '../helpers/callers.js';
import { sqliteBackend } from '../helpers/backends.js';
import { storeCopies } from '../helpers/store-copies.js';
import { consoleTrialRefusal } from '../helpers/trial-staging.js';
import { createApi, createInProcessEngineHost, memoryPreferences } from '../../main/api/index.js';
import { validationHistory } from '../../main/validation/index.js';

const folders: string[] = [];
afterAll(() => folders.splice(0).forEach((f) => fs.rmSync(f, { recursive: true, force: true })));

function tempFile(name: string): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-trial-'));
  folders.push(folder);
  return path.join(folder, name);
}

const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** Five weeks of daily runs in a session period (no recess), through the real engine. */
const FIVE_WEEKS = { days: 35, firstDay: new Date('2025-02-24T00:00:00Z') };

async function seededDatabase(location: string): Promise<void> {
  const store = await openStore(location);
  try {
    await seedSyntheticHistory(store, FIVE_WEEKS);
  } finally {
    await store.close();
  }
}

/** A SQLite file holding that history, seeded once for the file (35 engine runs) and copied for each test that asks: a trial only reads its source. */
async function seededSqliteCopy(): Promise<string> {
  seededCopies ??= storeCopies(sqlite, async (store) => {
    await seedSyntheticHistory(store, FIVE_WEEKS);
  });
  return (await seededCopies)();
}
const sqlite = sqliteBackend();
afterAll(() => sqlite.cleanup());
let seededCopies: Promise<() => Promise<string>> | undefined;

describe('gatehouse trial on SQLite', () => {
  it('catches a spike and a bad-date injection, records a clean control, and never writes the source', async () => {
    const source = await seededSqliteCopy();
    const before = sha256(source);
    const staging = tempFile('staging.db');
    const outcome = await runTrials({ source, staging, injections: ['spike', 'bad-date:0.2'].map(parseTrialSpec), controls: 1 });
    expect(sha256(source)).toBe(before);
    expect(outcome.historyNote).toBeNull();
    const byKind = Object.fromEntries(outcome.trials.map((t) => [t.kind, t]));
    expect(byKind.spike).toMatchObject({ caught: true, verdict: 'anomalous' });
    expect(byKind.spike!.caughtBy.some((by) => by.startsWith('validator:'))).toBe(true);
    expect(byKind['bad-date']).toMatchObject({ caught: true });
    expect(byKind['bad-date']!.caughtBy).toContain('record-rules:BAD_DATE');
    expect(byKind.control).toMatchObject({ level: 'control', caught: false, verdict: 'ok' });
    expect(outcome.summary).toMatchObject({ injected: 2, caught: 2, detectionRate: 1, controls: 1, falsePositives: 0, falsePositiveRate: 0 });

    const stagingStore = await openStore(staging);
    try {
      expect((await stagingStore.trials.list()).map((t) => t.kind).sort()).toEqual(['bad-date', 'control', 'spike']);
      // Injected runs leave the training history; the control stays in it.
      const spikeRun = await stagingStore.getRun(byKind.spike!.runId!);
      expect(spikeRun?.status).toBe('success');
      const history = await validationHistory(stagingStore);
      expect(history.some((h) => h.startedAt === byKind.control!.startedAt)).toBe(true);
      expect(history.some((h) => h.startedAt === byKind.spike!.startedAt)).toBe(false);
      const report = await buildReport(stagingStore, { kind: 'trial' });
      expect(report.document.headline).toContain('2 of 2 injected anomalies caught; 0 of 1 clean run flagged');
    } finally {
      await stagingStore.close();
    }

    // A second session replaces the staging copy but keeps its ledger: the rates run on.
    const again = await runTrials({ source, staging, injections: [], controls: 1 });
    expect(again.keptTrials).toBe(3);
    expect(again.ledger).toMatchObject({ trials: 4, injected: 2, controls: 2 });
    expect(sha256(source)).toBe(before);
  }, 60_000);

  it('says so when staging has too little history (a halved run is within a young history\'s margin, not caught), or seeds one when asked', async () => {
    const source = tempFile('short.db');
    const store = await openStore(source);
    await seedSyntheticHistory(store, { days: 5, firstDay: new Date('2025-03-03T00:00:00Z') });
    await store.close();
    const plain = await runTrials({ source, staging: tempFile('short-staging.db'), injections: [parseTrialSpec('drop:0.5')], controls: 0 });
    expect(plain.historyNote).toContain('needs 21');
    // Five runs of history: the young-history fallback answers (never insufficient_history from three runs on, issue 10).
    expect(plain.trials[0]).toMatchObject({ verdict: 'ok', caught: false });
    const seeded = await runTrials({ source, staging: tempFile('seeded-staging.db'), injections: [parseTrialSpec('spike:5')], controls: 0, seedHistoryDays: 30 });
    expect(seeded).toMatchObject({ seededRuns: 30, historyNote: null });
    expect(seeded.trials[0]).toMatchObject({ caught: true, verdict: 'anomalous' });
  }, 60_000);

  it('refuses bad injections, a staging target that is the source or a real database, and a source that does not exist', async () => {
    for (const bad of ['nonsense', 'spike:-1', 'spike:abc', 'spike:', 'drop:1:2', 'bad-date:2', 'bad-date:0']) {
      expect(() => parseTrialSpec(bad), bad).toThrow(expect.objectContaining({ code: 'USAGE' }));
    }
    expect(parseTrialSpec('duplicates')).toMatchObject({ level: 'record', kind: 'duplicates', magnitude: 0.2 });
    // A share past all of it, or a factor no run could realise, is refused by name rather than run as something else (or for hours).
    for (const [bad, why] of [['mix-shift:5', 'at most 1'], ['quarantine-surge:2', 'at most 1'], ['drop:2', 'below 1'], ['spike:1000000000', 'at most 100'], ['zero-volume:1000000000000', 'at most 100'], ['duration-blowup:100.5', 'at most 100']]) {
      expect(() => parseTrialSpec(bad!), bad).toThrow(expect.objectContaining({ code: 'USAGE', message: expect.stringContaining(why!) }));
    }
    // A magnitude that leaves the run as it was would only ever count as missed: refused, naming the kind and what it takes.
    for (const [none, why] of [
      ['spike:1', 'a spike of 1 injects no anomaly; a spike magnitude is above 1 and at most 100'],
      ['drop:1', 'a drop of 1 injects no anomaly; a drop magnitude is at least 0 and below 1'],
      ['level-shift:1', 'a level-shift of 1 injects no anomaly; a level-shift magnitude is at least 0 and at most 100, other than 1'],
      ['duration-blowup:1', 'a duration-blowup of 1 injects no anomaly; a duration-blowup magnitude is above 1 and at most 100'],
      ['weekend-burst:0', 'a weekend-burst of 0 injects no anomaly; a weekend-burst magnitude is above 0 and at most 100'],
      ['mix-shift:0', 'a mix-shift of 0 injects no anomaly; a mix-shift magnitude is above 0 and at most 1'],
      ['stale-source:0', 'a stale-source of 0 injects no anomaly'],
      ['quarantine-surge:0', 'a quarantine-surge of 0 injects no anomaly'],
      ['bad-date:0', 'a bad-date of 0 injects no anomaly; a bad-date magnitude is above 0 and at most 1'],
      ['spike:0.5', 'a spike magnitude is above 1 and at most 100'],
      ['duration-blowup:0.5', 'a duration-blowup magnitude is above 1'],
      ['spike:-1', 'a spike magnitude is above 1'],
      ['drop:abc', 'the magnitude must be a plain decimal number (2 or 0.5: no sign, exponent, hex or spaces), got "abc"; a drop magnitude is at least 0 and below 1'],
      ['meteor:0', 'unknown kind "meteor"'],
    ]) {
      expect(() => parseTrialSpec(none!), none).toThrow(expect.objectContaining({ code: 'USAGE', message: expect.stringContaining(why!) }));
    }
    // The grammar is KIND or KIND:MAGNITUDE with a plain decimal: Number() alone ran `0x10` as a spike of 16, `1e1` and ` 10` as 10.
    for (const [bad, part] of [['spike:0x10', '"0x10"'], ['spike:1e1', '"1e1"'], ['spike: 10', '" 10"'], ['spike:10abc', '"10abc"'], ['spike:+10', '"+10"'], ['spike:.5', '".5"'], ['spike:5.', '"5."'], ['spike:Infinity', '"Infinity"'], ['spike:', '""'], ['bad-date:0,2', '"0,2"']]) {
      expect(() => parseTrialSpec(bad!), bad).toThrow(expect.objectContaining({ code: 'USAGE', message: expect.stringContaining(`injection ${bad}: the magnitude must be a plain decimal number (2 or 0.5: no sign, exponent, hex or spaces), got ${part}`) }));
    }
    expect(() => parseTrialSpec('spike :10')).toThrow(expect.objectContaining({ code: 'USAGE', message: expect.stringContaining('unknown kind "spike "') }));
    expect(() => parseTrialSpec('drop:0.5:1')).toThrow(expect.objectContaining({ code: 'USAGE', message: 'injection drop:0.5:1: write KIND or KIND:MAGNITUDE (one colon)' }));
    for (const [edge, magnitude] of [['drop:0', 0], ['level-shift:0', 0], ['level-shift:1.5', 1.5], ['zero-volume:0', 0], ['spike:1.01', 1.01], ['bad-date:1', 1], ['spike:010', 10], [' spike:10 ', 10]] as const) {
      expect(parseTrialSpec(edge), edge).toMatchObject({ magnitude });
    }
    expect(parseTrialSpec('quarantine-surge:1')).toMatchObject({ level: 'run', magnitude: 1 });
    expect(parseTrialSpec('spike:100')).toMatchObject({ level: 'run', magnitude: 100 });
    const source = tempFile('refuse.db');
    await (await openStore(source)).close();
    const before = sha256(source);
    await expect(runTrials({ source, staging: source, injections: [parseTrialSpec('spike')], controls: 0 })).rejects.toMatchObject({ code: 'USAGE' });
    await expect(runTrials({ source, staging: path.join(path.dirname(source), '.', 'refuse.db'), injections: [], controls: 1 })).rejects.toMatchObject({ code: 'USAGE' });
    await expect(runTrials({ source: tempFile('missing.db'), staging: tempFile('s.db'), injections: [], controls: 1 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(runTrials({ source, staging: 'postgres://postgres@127.0.0.1:5432/postgres?schema=x', injections: [], controls: 1 })).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    await expect(runTrials({ source, staging: tempFile('s2.db'), injections: [], controls: 0 })).rejects.toMatchObject({ code: 'USAGE' });
    const folderTarget = tempFile('staging-folder');
    fs.mkdirSync(folderTarget);
    await expect(runTrials({ source, staging: folderTarget, injections: [], controls: 1 })).rejects.toMatchObject({ code: 'USAGE', message: expect.stringContaining('is a folder') });
    expect(fs.readdirSync(folderTarget)).toEqual([]);
    const notADatabase = tempFile('notes.txt');
    fs.writeFileSync(notADatabase, 'my notes, not a database');
    await expect(runTrials({ source, staging: notADatabase, injections: [], controls: 1 })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(fs.readFileSync(notADatabase, 'utf8')).toBe('my notes, not a database');
    // --db and --staging swapped: the "staging" is a real database (runs, no trial ledger); it is left byte for byte.
    const production = tempFile('production.db');
    const other = await openStore(production);
    await seedSyntheticHistory(other, { days: 2, firstDay: new Date('2025-03-03T00:00:00Z') });
    await other.close();
    const productionBefore = sha256(production);
    await expect(runTrials({ source, staging: production, injections: [], controls: 1 })).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('not a staging copy') });
    expect(sha256(production)).toBe(productionBefore);
    const never = tempFile('never.db');
    // Both refused before anything is opened: asked at once.
    const [blowup, nothing] = await Promise.all([
      startCli(['trial', '--db', source, '--staging', never, '--inject', 'duration-blowup:1e300', '--control', '0']).done,
      startCli(['trial', '--db', source, '--staging', never, '--inject', 'spike:1', '--control', '0']).done,
    ]);
    expect(blowup.code, blowup.stderr).toBe(2);
    expect(blowup.stderr).toContain('duration-blowup magnitude is above 1 and at most 100');
    expect(nothing.code, nothing.stderr).toBe(2);
    expect(nothing.stderr).toContain('a spike of 1 injects no anomaly');
    expect(fs.existsSync(never)).toBe(false);
    expect(sha256(source)).toBe(before);
  });
});

describe('gatehouse trial --sweep', () => {
  it('runs each kind at a ladder of magnitudes and reports detection against magnitude with n and intervals', async () => {
    const source = await seededSqliteCopy();
    const staging = tempFile('sweep-staging.db');
    const result = runCli(['trial', '--db', source, '--staging', staging, '--inject', 'spike', '--sweep', '--control', '2', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const outcome = JSON.parse(result.stdout) as TrialOutcome;
    const rows = outcome.summary.byMagnitude;
    expect(rows.map((r) => r.magnitude)).toEqual([1.2, 1.4, 2, 3, 4]);
    expect(rows.every((r) => r.kind === 'spike' && r.injected === 1 && r.controls === 2)).toBe(true);
    // A fourfold spike is caught by a volume rule; the detection curve never falls as the spike grows past where it is first caught.
    expect(rows.at(-1)).toMatchObject({ caught: 1, detectionRate: 1 });
    const firstCaught = rows.findIndex((r) => r.caught === 1);
    expect(rows.slice(firstCaught).every((r) => r.caught === 1)).toBe(true);
    expect(rows.at(-1)!.detectionInterval!.low).toBeGreaterThan(0);
    for (const trial of outcome.trials.filter((t) => t.level !== 'control')) expect(trial.caughtBy.every((by) => ['validator:above-seasonal-range', 'validator:quiet-day-burst'].includes(by))).toBe(true);

    const text = runCli(['trial', '--db', source, '--staging', staging, '--inject', 'duration-blowup', '--sweep', '--control', '1']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('detection against magnitude');
    expect(text.stdout).toMatch(/duration-blowup\s+5\s+100\.0 % \(1 of 1 injected anomaly caught; 95 % CI/);
    // The session's and ledger's rates and the per-kind table name what they count, as the report and the console do.
    expect(text.stdout).toMatch(/this session: detection \d+\.\d % \(\d of 5 injected anomalies caught; 95 % CI [^)]*\), false positives 0\.0 % \(0 of 1 clean run flagged; 95 % CI/);
    expect(text.stdout).toMatch(/control\s+3\s+0\s+0\.0 % \(0 of 3 clean runs flagged; 95 % CI/);
    // One word for one count: DESIGN's "caught", in the columns and the rates alike (the rates said "detected").
    expect(text.stdout).not.toContain('detected');

    // Usage refused before anything is opened: asked at once.
    const [tooMany, repeatAlone, nothing] = await Promise.all([
      startCli(['trial', '--db', source, '--staging', staging, ...Array.from({ length: 21 }, () => ['--inject', 'spike']).flat()]).done,
      startCli(['trial', '--db', source, '--staging', staging, '--inject', 'spike', '--repeat', '2']).done,
      startCli(['trial', '--db', source, '--staging', staging, '--sweep']).done,
    ]);
    expect(tooMany.code).toBe(2);
    expect(tooMany.stderr).toContain('--inject: takes at most 20 injections in one trial session');

    expect(repeatAlone.code).toBe(2);
    expect(repeatAlone.stderr).toContain('--repeat goes with --sweep');
    expect(nothing.code).toBe(2);
  }, 120_000);
});

const postgresProblem = await postgresReachable();

describe.skipIf(postgresProblem !== null)('gatehouse trial on a PostgreSQL schema', () => {
  const schemas: string[] = [];
  afterAll(() => dropSchemas(schemas));

  it('copies the source schema into a staging schema of the same database, runs the trials there and leaves the source as it was', async () => {
    const [sourceSchema, stagingSchema] = [uniqueSchema('gh_trial_src'), uniqueSchema('gh_trial_stg')];
    schemas.push(sourceSchema, stagingSchema);
    const source = urlWithSchema(sourceSchema);
    await seededDatabase(source);
    const store = await openStore(source);
    const runsBefore = await store.listRuns({ limit: 1000 });
    await store.close();

    const staging = urlWithSchema(stagingSchema);
    const outcome = await runTrials({ source, staging, injections: ['spike', 'bad-date'].map(parseTrialSpec), controls: 1 });
    expect(outcome.summary).toMatchObject({ injected: 2, caught: 2, controls: 1, falsePositives: 0 });

    const after = await openStore(source);
    try {
      expect(await after.listRuns({ limit: 1000 })).toEqual(runsBefore);
      expect(await after.trials.list()).toEqual([]);
    } finally {
      await after.close();
    }
    const stagingStore = await openStore(staging);
    try {
      expect((await stagingStore.listRuns({ limit: 1000 })).length).toBe(runsBefore.length + 3);
      expect(await stagingStore.trials.list()).toHaveLength(3);
    } finally {
      await stagingStore.close();
    }
    await expect(runTrials({ source, staging: source, injections: [], controls: 1 })).rejects.toMatchObject({ code: 'USAGE' });
  }, 60_000);

  it('copies a source that has been rolled back: its undo journal comes with the rollbacks that undid it', async () => {
    const [sourceSchema, stagingSchema] = [uniqueSchema('gh_trial_src'), uniqueSchema('gh_trial_stg')];
    schemas.push(sourceSchema, stagingSchema);
    const source = urlWithSchema(sourceSchema);
    await seededDatabase(source);
    const store = await openStore(source);
    try {
      const { runId } = await runUpdate({ store, source: arraySource(hearingRecords(30, 610000)), batchSize: 10 });
      await rollback(store, { runId, batchSeq: 2, reason: 'a bad page', operator: 'ada' });
    } finally {
      await store.close();
    }
    const staging = urlWithSchema(stagingSchema);
    const outcome = await runTrials({ source, staging, injections: [], controls: 1 });
    expect(outcome.summary).toMatchObject({ controls: 1 });
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      const undone = `SELECT e.batch_seq, e.operator, count(*)::int AS n FROM "${stagingSchema}".undo_journal j JOIN "${stagingSchema}".rollback_events e ON e.id = j.undone_by GROUP BY 1, 2`;
      expect((await client.query(undone)).rows).toEqual([{ batch_seq: 2, operator: 'ada', n: 10 }]);
    } finally {
      await client.end();
    }
  }, 60_000);

  it('refuses a staging schema holding another application\'s tables, leaving them and the schema exactly as they were', async () => {
    const [sourceSchema, foreignSchema] = [uniqueSchema('gh_trial_src'), uniqueSchema('gh_trial_foreign')];
    schemas.push(sourceSchema, foreignSchema);
    await (await openStore(urlWithSchema(sourceSchema))).close();
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      await client.query(`CREATE SCHEMA "${foreignSchema}"; CREATE TABLE "${foreignSchema}".customers (id int, name text); INSERT INTO "${foreignSchema}".customers VALUES (1, 'Acme')`);
      const result = runCli(['trial', '--db', urlWithSchema(sourceSchema), '--staging', urlWithSchema(foreignSchema), '--control', '1']);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain(`staging schema ${foreignSchema} holds what Gatehouse did not make (customers)`);
      expect(result.stderr).toContain('hint: choose another staging schema: --staging postgres://…?schema=NAME');
      // The console's Staging target is a schema name: its hint says so, not the command line's option.
      expect(await consoleTrialRefusal(urlWithSchema(sourceSchema), foreignSchema)).toMatchObject({ message: expect.stringContaining('holds what Gatehouse did not make (customers)'), hint: 'give another schema name as the Staging target' });
      const { rows } = await client.query('SELECT table_name FROM information_schema.tables WHERE table_schema = $1', [foreignSchema]);
      expect(rows).toEqual([{ table_name: 'customers' }]);
      expect((await client.query(`SELECT name FROM "${foreignSchema}".customers`)).rows).toEqual([{ name: 'Acme' }]);
    } finally {
      await client.end();
    }
  });

  it('reads the trial ledger of a staging schema never made as empty, in the console, without creating the schema', async () => {
    const schema = uniqueSchema();
    schemas.push(schema);
    const location = urlWithSchema(schema);
    const store = await openStore(location);
    const engine = createInProcessEngineHost({ location });
    try {
      const api = createApi({ store, engine, transport: 'http', preferences: memoryPreferences({}) });
      expect((await api['overview.get']({ windowDays: 30 }, tester)).trials).toBeNull();
      expect(await api['trials.list']({ limit: 10 }, tester)).toEqual({ staging: `schema ${schema}_staging`, trials: [] });
      expect(await api['trials.summary']({}, tester)).toMatchObject({ staging: `schema ${schema}_staging`, injected: 0, controls: 0 });
    } finally {
      await engine.close();
      await store.close();
    }
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT nspname FROM pg_namespace WHERE nspname = $1', [`${schema}_staging`]);
      expect(rows).toEqual([]);
    } finally {
      await client.end();
    }
  });
});
