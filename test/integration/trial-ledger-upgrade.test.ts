import { afterAll, describe, expect, it } from 'vitest';
import type { ReportDocument } from '../../main/reports/index.js';
import type { NewTrialRecord } from '../../main/store/index.js';
import { seedSyntheticHistory } from '../../main/trials/index.js';
import { NOT_JUDGED, trialVerdictText, type TrialRecordView } from '../../shared/api-validation.js';
import { availablePostgresBackend, psql } from '../helpers/postgres.js';
import { testBackends, type TestBackend } from '../helpers/backends.js';
import { runCli } from '../helpers/cli.js';
import { windSchemaBackTo } from '../helpers/schema-rewind.js';

const backends = testBackends();
afterAll(() => Promise.all(backends.map((backend) => backend.cleanup())));

const AT = '2026-11-02T10:00:00.000Z';
const base = { session: '2026-11-02T09:00:00.000Z#old', at: AT, source: 'src.db', task: null, sensitivityVersion: null } as const;
const oldTrial = (trial: Omit<NewTrialRecord, keyof typeof base>): NewTrialRecord => ({ ...base, ...trial });

/**
 * A staging ledger from before migration 037, written at the schema before it: trials scored over
 * their window (b255db4: the window and first alarm in their detail only), a level shift scored by
 * the older rule (its last run alone), single-run kinds, and rows the backfill must not misread.
 */
async function ledgerBefore037(backend: TestBackend): Promise<{ location: string; seededRunId: number; seededVerdict: string | null }> {
  const location = await backend.freshLocation();
  const store = await backend.open(location);
  try {
    await seedSyntheticHistory(store, { days: 1, firstDay: new Date('2026-10-01T00:00:00Z') });
    const seeded = (await store.reports.runs()).at(-1)!;
    const trials: NewTrialRecord[] = [
      // Caught on day 2 of its window; the run that alarmed is still stored.
      oldTrial({ label: 'level-shift:0.4', kind: 'level-shift', level: 'run', magnitude: 0.4, runId: seeded.runId + 4, caught: true, caughtBy: ['validator:below-seasonal-range'], verdict: 'ok', notJudged: null,
        detail: `runs ${seeded.runId - 1}–${seeded.runId + 3} (5 days): first alarmed on day 2 of 5 (run ${seeded.runId}); last run ${seeded.runId + 3} (success): fetched 24; verdict ok` }),
      // Caught on day 3, its run gone with an older session's copy.
      oldTrial({ label: 'level-shift:0.4', kind: 'level-shift', level: 'run', magnitude: 0.4, runId: 905, caught: true, caughtBy: ['validator:level-shift'], verdict: 'ok', notJudged: null,
        detail: 'runs 901–905 (5 days): first alarmed on day 3 of 5 (run 903); last run 905 (success): fetched 30; verdict ok' }),
      oldTrial({ label: 'control', kind: 'control', level: 'control', magnitude: null, runId: 910, caught: false, caughtBy: [], verdict: 'ok', notJudged: null,
        detail: 'runs 906–910 (5 days): no alarm that counts on any of them; last run 910 (success): fetched 59; verdict ok' }),
      // Scored by the older rule: its last run only.
      oldTrial({ label: 'level-shift:0.4', kind: 'level-shift', level: 'run', magnitude: 0.4, runId: 920, caught: false, caughtBy: [], verdict: 'ok', notJudged: null, detail: 'run 920 (success): fetched 24 (a clean run brings about 59), quarantined 0; verdict ok' }),
      // A detail that only looks like a window's: not taken as one.
      oldTrial({ label: 'level-shift:0.4', kind: 'level-shift', level: 'run', magnitude: 0.4, runId: 925, caught: false, caughtBy: [], verdict: 'ok', notJudged: null, detail: 'runs x–y (five days): first alarmed on day 2 of 5 (run 3); last run 925' }),
      oldTrial({ label: 'spike:3', kind: 'spike', level: 'run', magnitude: 3, runId: 930, caught: true, caughtBy: ['validator:above-seasonal-range'], verdict: 'anomalous', notJudged: null, detail: 'run 930 (success): fetched 180; verdict anomalous' }),
      oldTrial({ label: 'spike:3', kind: 'spike', level: 'run', magnitude: 3, runId: 931, caught: false, caughtBy: [], verdict: NOT_JUDGED, notJudged: `${NOT_JUDGED}: run 931 interrupted — stopped`, detail: null }),
    ];
    for (const trial of trials) await store.trials.record(trial);
    await windSchemaBackTo(store.queries.db, 37);
    return { location, seededRunId: seeded.runId, seededVerdict: seeded.validation?.verdict ?? null };
  } finally {
    await store.close();
  }
}

function reportJson(args: string[]): ReportDocument {
  const printed = runCli(['report', 'trial', ...args, '--json']);
  expect(printed.code, printed.stderr).toBe(0);
  return JSON.parse(printed.stdout) as ReportDocument;
}

describe.each(backends)('a trial ledger written before migration 037, after the upgrade ($name)', (backend) => {
  it('takes each window and first alarm from what the rows hold, and keeps the level shift scored on its last run apart', async () => {
    const { location, seededRunId, seededVerdict } = await ledgerBefore037(backend);
    expect(seededVerdict).not.toBeNull();
    const document = reportJson(['--db', location]);
    const store = await backend.open(location);
    let trials: TrialRecordView[];
    try {
      trials = await store.trials.list();
    } finally {
      await store.close();
    }
    const window = ({ kind, runId, firstAlertRun, firstAlertRunId, alertVerdict, windowRuns }: TrialRecordView) => ({ kind, runId, firstAlertRun, firstAlertRunId, alertVerdict, windowRuns });
    expect(trials.map(window)).toEqual([
      { kind: 'level-shift', runId: seededRunId + 4, firstAlertRun: 2, firstAlertRunId: seededRunId, alertVerdict: seededVerdict, windowRuns: 5 },
      { kind: 'level-shift', runId: 905, firstAlertRun: 3, firstAlertRunId: 903, alertVerdict: null, windowRuns: 5 },
      { kind: 'control', runId: 910, firstAlertRun: null, firstAlertRunId: null, alertVerdict: null, windowRuns: 5 },
      { kind: 'level-shift', runId: 920, firstAlertRun: null, firstAlertRunId: null, alertVerdict: null, windowRuns: null },
      { kind: 'level-shift', runId: 925, firstAlertRun: null, firstAlertRunId: null, alertVerdict: null, windowRuns: null },
      { kind: 'spike', runId: 930, firstAlertRun: 1, firstAlertRunId: 930, alertVerdict: 'anomalous', windowRuns: 1 },
      { kind: 'spike', runId: 931, firstAlertRun: null, firstAlertRunId: null, alertVerdict: null, windowRuns: 1 },
    ]);
    expect(trialVerdictText(trials[1]!)).toBe('verdict no longer stored on day 3 of 5 (run 903); last run ok');
    expect(trialVerdictText(trials[3]!)).toBe('last run ok (scored on its last run only, as recorded before window scoring)');

    expect(document.headline).toContain('2 level-shift trials recorded before window scoring were scored on their last run only');
    const rows = document.sections.find((s) => s.heading === 'Trials')!.table!.rows;
    expect(rows).toContainEqual(['level-shift', 2, 2, null, null, 0]);
    expect(rows).toContainEqual(['level-shift (scored on its last run only, as recorded before window scoring)', 2, 0, null, null, 0]);
    expect(document.sections.at(-1)!.table!.rows).toEqual([
      ['level-shift', '5 days', 2, 'day 2: 1, day 3: 1'],
      ['level-shift (scored on its last run only, as recorded before window scoring)', null, 0, 'not recorded'],
    ]);

    // The upgrade happens once: opened again, the ledger reads the same.
    expect(reportJson(['--db', location]).sections).toEqual(document.sections);
  }, 60_000);
});

const postgres = await availablePostgresBackend();
const ROLE = `gh_test_ledger_denied_${process.pid}`;

/** `report trial --trials STAGING` whose role may read --db but was denied the staging ledger's trials table. */
describe.skipIf(postgres === null)('a trial report whose ledger refuses the read (postgres)', () => {
  afterAll(async () => {
    await psql(`DROP OWNED BY ${ROLE}`).catch(() => {});
    await psql(`DROP ROLE IF EXISTS ${ROLE}`);
    await postgres?.cleanup();
  });

  it('names the staging ledger that refused, not --db', async () => {
    const source = await postgres!.freshLocation();
    const { location: staging } = await ledgerBefore037(postgres!);
    expect(runCli(['update', '--db', source, '--source', 'synthetic:seed=1,count=20']).code).toBe(0);
    expect(runCli(['report', 'trial', '--db', staging, '--json']).code).toBe(0);
    const schemas = [source, staging].map((url) => new URL(url).searchParams.get('schema')!);
    await psql(`CREATE ROLE ${ROLE} LOGIN; GRANT CREATE ON DATABASE postgres TO ${ROLE};
      ${schemas.map((schema) => `GRANT USAGE, CREATE ON SCHEMA "${schema}" TO ${ROLE}; GRANT ALL ON ALL TABLES IN SCHEMA "${schema}" TO ${ROLE}; GRANT ALL ON ALL SEQUENCES IN SCHEMA "${schema}" TO ${ROLE};`).join('\n')}
      REVOKE ALL ON "${schemas[1]}".trials FROM ${ROLE}`);
    const asRole = (url: string) => url.replace('postgres://postgres@', `postgres://${ROLE}@`);
    const refused = runCli(['report', 'trial', '--db', asRole(source), '--trials', asRole(staging)]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`cannot use database ${asRole(staging)}: permission denied for table trials`);
  }, 60_000);
});
