import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../main/store/index.js';
import { seedSyntheticHistory } from '../../main/trials/index.js';
import { runCli } from '../helpers/cli.js';
import { tempFolderEachTest } from '../helpers/temp-folder.js';

const DAY_MS = 86_400_000;
let db: string;

const folder = tempFolderEachTest('gatehouse-judge-');
beforeEach(() => {
  db = path.join(folder(), 'gatehouse.db');
});

/** Five weeks of daily runs, by default ending yesterday so that a run now is judged seasonally. */
async function seedHistory(firstDay = new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS - 35 * DAY_MS)): Promise<void> {
  const store = await openStore(db);
  try {
    await seedSyntheticHistory(store, { days: 35, firstDay });
  } finally {
    await store.close();
  }
}

function cli(args: string[], expectedCode = 0) {
  const result = runCli([...args, '--db', db]);
  expect(result.code, `gatehouse ${args.join(' ')}: ${result.stderr}`).toBe(expectedCode);
  return result;
}

const json = (args: string[], expectedCode = 0) => JSON.parse(cli([...args, '--json'], expectedCode).stdout);

/** Far more records than any day of the history: anomalous on any day of the year, recess or not. */
const SPIKE = 'synthetic:seed=99,count=1500';

describe('historical validation from the command line', () => {
  it('stores the verdict with the run, lists the open anomaly, takes feedback and backtests', async () => {
    await seedHistory();
    const summary = json(['update', '--source', SPIKE, '--no-snapshot']);
    expect(summary.validation).toMatchObject({ verdict: 'anomalous', historySize: 35 });
    expect(json(['runs', 'show', String(summary.runId)]).validation.verdict).toBe('anomalous');
    expect(json(['anomalies', 'list', '--open']).map((a: { runId: number }) => a.runId)).toContain(summary.runId);
    // The spike's findings (fetched, and the share of new records) are sentences: one list, not "… accepting.; 260 …".
    const listed = cli(['anomalies', 'list', '--open']).stdout;
    expect(listed).toMatch(/ before accepting; \d/);
    expect(listed).not.toContain('.;');

    const review = json(['anomalies', 'mark', '--run', String(summary.runId), '--as', 'confirmed', '--reason', 'a resent backlog', '--operator', 'ann']);
    expect(review).toMatchObject({ runId: summary.runId, action: 'confirmed', operator: 'ann' });
    expect(json(['anomalies', 'list', '--open']).map((a: { runId: number }) => a.runId)).not.toContain(summary.runId);
    expect(json(['anomalies', 'list'])[0]).toMatchObject({ runId: summary.runId, review: 'confirmed' });

    const backtest = json(['backtest']);
    expect(backtest.runsJudged).toBe(36);
    expect(backtest.runs.map((r: { runId: number }) => r.runId)).toContain(summary.runId);

    const missing = cli(['anomalies', 'mark', '--run', '999', '--as', 'confirmed', '--reason', 'x'], 2);
    expect(missing.stderr).toContain('run 999 does not exist');
    expect(cli(['anomalies', 'mark', '--run', String(summary.runId), '--as', 'maybe', '--reason', 'x'], 2).stderr).toContain('--as must be one of');

    // A mark based on what was listed before ann's review is refused, and says whose; based on ann's, it goes through.
    const stale = cli(['anomalies', 'mark', '--run', String(summary.runId), '--as', 'expected', '--reason-kind', 'weekly', '--reason', 'Mondays', '--expect-review', 'none'], 2);
    expect(stale.stderr).toContain(`run ${summary.runId} was marked confirmed by ann at ${review.at} ("a resent backlog") after this mark was begun`);
    expect(stale.stderr).toContain('gatehouse anomalies list');
    expect(cli(['anomalies', 'mark', '--run', String(summary.runId), '--as', 'expected', '--reason', 'x', '--reason-kind', 'weekly', '--expect-review', 'latest'], 2).stderr).toContain('--expect-review');
    expect(json(['anomalies', 'list'])[0]).toMatchObject({ review: 'confirmed' });
    const remarked = json(['anomalies', 'mark', '--run', String(summary.runId), '--as', 'expected', '--reason-kind', 'weekly', '--reason', 'Mondays', '--expect-review', String(review.id), '--operator', 'bo']);
    expect(remarked).toMatchObject({ action: 'expected', operator: 'bo' });
  }, 60_000);

  it('holds an anomalous run under BLOCK_ON_ANOMALY (exit 3) until it is accepted', async () => {
    await seedHistory();
    cli(['flags', 'set', 'BLOCK_ON_ANOMALY', 'true', '--reason', 'hold anomalies for review']);
    const held = json(['update', '--source', SPIKE, '--no-snapshot'], 3);
    expect(held).toMatchObject({ status: 'held', validation: { verdict: 'anomalous' } });
    const human = cli(['runs', 'list']);
    expect(human.stdout).toContain('held');
    expect(json(['runs', 'accept', String(held.runId), '--reason', 'a real backlog'])).toMatchObject({ runId: held.runId, status: 'success' });
    expect(json(['runs', 'show', String(held.runId)]).status).toBe('success');
    expect(cli(['runs', 'accept', String(held.runId), '--reason', 'again'], 2).stderr).toContain('only a held run can be accepted');
    expect(cli(['runs', 'accept', '999', '--reason', 'x'], 2).stderr).toContain('run 999 does not exist');
  }, 60_000);

  it('stores no verdict when ENABLE_HISTORICAL_VALIDATION is off', async () => {
    await seedHistory();
    cli(['flags', 'set', 'ENABLE_HISTORICAL_VALIDATION', 'false', '--reason', 'kill switch']);
    expect(json(['update', '--source', SPIKE, '--no-snapshot']).validation).toBeNull();
  }, 60_000);

  it('runs a trial on a staging copy and reports its detection and false-positive rates from the ledger', async () => {
    // A fixed session period: the trial days follow the history, whatever today is.
    await seedHistory(new Date('2025-02-24T00:00:00Z'));
    const staging = path.join(folder(), 'staging.db');
    const outcome = json(['trial', '--staging', staging, '--inject', 'spike:5', '--inject', 'empty-title:0.3', '--control', '1']);
    expect(outcome.summary).toMatchObject({ injected: 2, caught: 2, controls: 1, falsePositives: 0 });
    const report = json(['report', 'trial', '--trials', staging]);
    expect(report.headline).toBe('3 trials: 2 of 2 injected anomalies caught; 0 of 1 clean run flagged');
    expect(cli(['report', 'validation', '--trials', staging]).stdout).toContain('2 of 2 injected anomalies caught');
  }, 60_000);

  it('refuses a trial with an unknown kind, a bad magnitude, no staging or staging = source (exit 2)', async () => {
    await (await openStore(db)).close();
    expect(cli(['trial', '--staging', path.join(folder(), 's.db'), '--inject', 'nope'], 2).stderr).toContain('unknown kind "nope"');
    expect(cli(['trial', '--staging', path.join(folder(), 's.db'), '--inject', 'spike:-2'], 2).stderr).toContain('magnitude');
    expect(cli(['trial', '--staging', path.join(folder(), 's.db'), '--inject', 'spike:0x10'], 2).stderr).toContain('injection spike:0x10: the magnitude must be a plain decimal number (2 or 0.5: no sign, exponent, hex or spaces), got "0x10"');
    expect(cli(['trial', '--inject', 'spike'], 2).stderr).toContain('--staging');
    expect(cli(['trial', '--staging', db, '--inject', 'spike'], 2).stderr).toContain('is the source database');
  });
});
