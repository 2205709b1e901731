import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import { runSummarySchema } from '../../shared/run.js';
import { quarantineEntrySchema } from '../../shared/record.js';
import { runCli, startCli } from '../helpers/cli.js';
import { tempFolderEachTest } from '../helpers/temp-folder.js';

let db: string;

const folder = tempFolderEachTest('gatehouse-cli-');
beforeEach(() => {
  db = path.join(folder(), 'gatehouse.db');
});

function summaryOf(stdout: string) {
  return runSummarySchema.parse(JSON.parse(stdout));
}

describe('gatehouse update', () => {
  it('prints one run summary with --json and exits 0 on success', () => {
    const result = runCli(['update', '--db', db, '--source', 'synthetic:seed=4,count=120', '--json']);
    expect(result.code).toBe(0);
    const summary = summaryOf(result.stdout);
    expect(summary).toMatchObject({ status: 'success', mode: 'batch', batchSize: 50 });
    expect(summary.metrics).toMatchObject({ fetched: 120, added: 120, quarantined: 0 });
    // ADAPTIVE_BATCHES (on by default): 50, then 100 of which 70 are left.
    expect(summary.batches).toEqual({ total: 2, succeeded: 2, failed: 0, isolated: 0 });
  });

  it('exits 3 and reports partial when records are quarantined', () => {
    const result = runCli(['update', '--db', db, '--source', 'synthetic:seed=4,count=200,invalid=bad-date:0.05', '--json']);
    expect(result.code).toBe(3);
    const summary = summaryOf(result.stdout);
    expect(summary.status).toBe('partial');
    expect(summary.metrics).toMatchObject({ fetched: 200, added: 190, quarantined: 10 });
    const quarantine = runCli(['quarantine', 'list', '--db', db, '--run', String(summary.runId), '--json']);
    const entries = quarantineEntrySchema.array().parse(JSON.parse(quarantine.stdout));
    expect(entries).toHaveLength(10);
    expect(entries.every((e) => e.reasons[0]!.code === 'BAD_DATE')).toBe(true);
  });

  it('exits 4 with status rolled_back when an all-or-nothing run hits a failing write', () => {
    const first = runCli(['update', '--db', db, '--source', 'synthetic:seed=4,count=10', '--json']);
    const someId = summaryOf(first.stdout).runId;
    expect(someId).toBe(1);
    const result = runCli(['update', '--db', db, '--source', 'synthetic:seed=5,count=100,offset=500', '--mode', 'all-or-nothing', '--json'], {
      env: { GATEHOUSE_TEST_FAULTS: '1', GATEHOUSE_FAIL_WRITES: firstEventId('synthetic:seed=5,count=100,offset=500') },
    });
    expect(result.code).toBe(4);
    expect(summaryOf(result.stdout)).toMatchObject({ status: 'rolled_back', mode: 'all-or-nothing' });
    const hearings = new Database(db, { readonly: true }).prepare('SELECT count(*) AS n FROM hearings').get() as { n: number };
    expect(hearings.n).toBe(10);
  });

  it('lets exactly one of two concurrent updates write, the other exits 5 naming the holder', async () => {
    runCli(['update', '--db', db, '--source', 'synthetic:count=1']);
    const args = ['update', '--db', db, '--source', 'synthetic:seed=9,count=15000', '--json'];
    const [a, b] = await Promise.all([startCli(args).done, startCli(args).done]);
    const codes = [a.code, b.code].sort();
    expect(codes).toEqual([0, 5]);
    const refused = a.code === 5 ? a : b;
    expect(refused.stderr).toMatch(/(an update \(run \d+\) started by \S+ at \d{4}-\S+ holds .*: pid \d+ on \S+|an update started by \S+, before its run was created, holds .*: pid \d+ on \S+ since \d{4}-)/);
    expect(refused.stderr.trim().split('\n').length).toBeLessThanOrEqual(2);
  });

  it.each([
    [['--source', 'ftp:somewhere'], /unknown source|source spec/i],
    [['--source', 'file:/nonexistent/hearings.json'], /cannot read .*not found/i],
    [['--source', 'synthetic:count=5', '--batch-size', '0'], /--batch-size must be a whole number from 1 to 10000, got "0"/],
    [['--source', 'synthetic:count=5', '--batch-size', 'ten'], /--batch-size must be a whole number/],
    [['--source', 'synthetic:count=5', '--mode', 'sometimes'], /--mode must be one of batch, all-or-nothing/],
  ])('refuses bad input %j with one clear line and exit 2', (args, message) => {
    const result = runCli(['update', '--db', db, ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('names the line of an invalid JSON file', () => {
    const file = path.join(folder(), 'bad.json');
    fs.writeFileSync(file, '[\n  {"eventId": "1"},\n  {"eventId": \n]\n');
    const result = runCli(['update', '--db', db, '--source', `file:${file}`]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/invalid JSON at line \d+/);
  });

  it('refuses a database in a folder() that does not exist', () => {
    const result = runCli(['update', '--db', path.join(folder(), 'missing', 'x.db'), '--source', 'synthetic:count=1']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/does not exist/);
  });

  it('refuses a database whose schema is newer than this Gatehouse', () => {
    runCli(['update', '--db', db, '--source', 'synthetic:count=1']);
    const raw = new Database(db);
    raw.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'from the future', 'now')").run();
    raw.close();
    const result = runCli(['runs', 'list', '--db', db]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/schema version 999/);
  });

  it('imports NDJSON and quarantines a malformed line with its line number', () => {
    const file = path.join(folder(), 'hearings.ndjson');
    const good = (id: number) => JSON.stringify({ eventId: String(id), congress: 119, chamber: 'Senate', type: 'Hearing', meetingStatus: 'Scheduled', title: `Hearing ${id}`, date: '2025-05-06T14:00:00Z', committees: [{ systemCode: 'ssju00', name: 'Judiciary' }] });
    fs.writeFileSync(file, [good(1), good(2), '{"eventId": "3", oops', good(4)].join('\n'));
    const result = runCli(['update', '--db', db, '--source', `file:${file}`, '--json']);
    expect(result.code).toBe(3);
    expect(summaryOf(result.stdout).metrics).toMatchObject({ fetched: 4, added: 3, quarantined: 1 });
    const entries = JSON.parse(runCli(['quarantine', 'list', '--db', db, '--json']).stdout);
    expect(entries[0].reasons[0]).toMatchObject({ code: 'INVALID_JSON', message: expect.stringContaining('line 3') });
  });

  it('lists and shows runs as JSON', () => {
    runCli(['update', '--db', db, '--source', 'synthetic:count=60']);
    const list = JSON.parse(runCli(['runs', 'list', '--db', db, '--json']).stdout);
    expect(list).toHaveLength(1);
    const shown = JSON.parse(runCli(['runs', 'show', '1', '--db', db, '--json']).stdout);
    expect(shown.batchList.map((b: { status: string }) => b.status)).toEqual(['committed', 'committed']);
    const missing = runCli(['runs', 'show', '42', '--db', db]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/run 42 does not exist/);
  });

  it.each([['update'], ['runs'], ['quarantine']])('answers --help for %s', (command) => {
    const result = runCli([command, '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Usage: gatehouse/);
  });

  it('lists its exit codes in update --help, interrupted (130) among them, since a script reads them', () => {
    const help = runCli(['update', '--help']).stdout;
    for (const code of [/0 success/, /3 partial/, /4 failed or rolled back/, /5 another run holds the writer lock/, /6 the database cannot be reached/, /2 usage or input error/, /130 interrupted/]) {
      expect(help).toMatch(code);
    }
  });
});

function firstEventId(spec: string): string {
  const result = runCli(['update', '--db', path.join(folder(), 'probe.db'), '--source', spec, '--json']);
  const probe = new Database(path.join(folder(), 'probe.db'), { readonly: true });
  const row = probe.prepare('SELECT event_id FROM hearings ORDER BY last_position DESC LIMIT 1').get() as { event_id: string };
  probe.close();
  expect(result.code).toBe(0);
  return row.event_id;
}
