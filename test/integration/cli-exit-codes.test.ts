import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

/**
 * README "Exit codes": each class of failure exits with its documented code and one line on stderr
 * that says what was wrong. One database serves every case: a refused command must leave it as it was.
 */
let folder: string;
let db: string;
let historyFile: string;
let impossibleRunFile: string;
let recordsFile: string;

beforeAll(() => {
  folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-exit-codes-'));
  db = path.join(folder, 'gatehouse.db');
  historyFile = path.join(folder, 'history.json');
  impossibleRunFile = path.join(folder, 'current.json');
  recordsFile = path.join(folder, 'records.json');
  fs.writeFileSync(historyFile, '[]');
  fs.writeFileSync(impossibleRunFile, JSON.stringify({ startedAt: '2026-02-30T10:00:00Z', metrics: { fetched: 1 } }));
  fs.writeFileSync(recordsFile, '[]');
  expect(runCli(['update', '--db', db, '--source', 'synthetic:seed=1,count=10', '--no-snapshot']).code).toBe(0);
});
afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));

const withDb = (args: string[]) => [...args, '--db', db];
const update = (...extra: string[]) => withDb(['update', '--source', 'synthetic:seed=2,count=5', '--no-snapshot', ...extra]);
const tune = (...extra: string[]) => withDb(['validate', 'tune', '--task', 'daily', '--metric', 'fetched', '--dry-run', ...extra]);

/** [what, arguments (a function: the folder exists only once the suite starts), exit code, what stderr says]. */
const refusals: [string, () => string[], number, RegExp][] = [
  ['an impossible day of the month', () => withDb(['runs', 'list', '--since', '2026-02-30']), 2, /--since: "2026-02-30" names day 30 of February 2026, which has 28 days/],
  ['the 31st of a 30-day month, with a time', () => withDb(['runs', 'list', '--until', '2026-04-31T10:00Z']), 2, /--until: "2026-04-31T10:00Z" names day 31 of April 2026, which has 30 days/],
  ['a thirteenth month', () => withDb(['runs', 'list', '--since', '2026-13-01']), 2, /--since: "2026-13-01" names month 13: months run from 01 to 12/],
  ['an impossible time of day', () => withDb(['runs', 'list', '--since', '2026-01-01T24:61']), 2, /--since: "2026-01-01T24:61" is not a time of day/],
  ['an impossible date in a report window', () => withDb(['report', 'validation', '--since', '2026-02-29']), 2, /--since: "2026-02-29" names day 29 of February 2026, which has 28 days/],
  // An option is named as typed, whichever rule refused it: a schema's own message ("run id must be …"), or a rule the flags folder keeps.
  // Past 2^53 − 1 the rule broken is the bound, not "a whole number ≥ 1", which what was typed is.
  ['a run id past the largest whole number', () => withDb(['rollback', '--run', '99999999999999999999', '--reason', 'bad run']), 2, /^gatehouse: --run must be at most 9007199254740991 \(the largest whole number read exactly\), got "99999999999999999999"\n$/],
  ['a run id one past 2^53', () => withDb(['rollback', '--run', '9007199254740993', '--reason', 'bad run']), 2, /^gatehouse: --run must be at most 9007199254740991 \(the largest whole number read exactly\), got "9007199254740993"\n$/],
  ['a negative run id', () => withDb(['rollback', '--run', '-3', '--reason', 'bad run']), 2, /^gatehouse: --run must be a whole number ≥ 1, got "-3"\n$/],
  ['a blank rollback reason', () => withDb(['rollback', '--run', '1', '--reason', '   ']), 2, /^gatehouse: --reason: a reason is required\n$/],
  ['a batch number past the largest whole number', () => withDb(['rollback', '--run', '1', '--batch', '99999999999999999999', '--reason', 'bad batch']), 2, /^gatehouse: --batch must be at most 9007199254740991 \(the largest whole number read exactly\), got "99999999999999999999"\n$/],
  ['a flag scope it does not know', () => withDb(['flags', 'history', '--scope', 'tasks:daily']), 2, /^gatehouse: --scope must be "global", "kill" or "task:NAME", got "tasks:daily"\n$/],
  ['a quarantine batch without its run', () => withDb(['quarantine', 'list', '--batch', '1']), 2, /^gatehouse: --batch: a batch is numbered within its run: give the run too\n$/],
  ['a report window that is no duration or date', () => withDb(['report', 'monitoring', '--since', 'yesterday']), 2, /--since: "yesterday" is neither a duration \(48h, 7d\) nor an ISO date/],
  ['an impossible run start in a validate file', () => ['validate', '--history', historyFile, '--current', impossibleRunFile], 2, /startedAt: "2026-02-30T10:00:00Z" names day 30 of February 2026, which has 28 days/],
  ['a list with an empty item', () => withDb(['runs', 'list', '--status', 'success,,failed']), 2, /--status has an empty item in "success,,failed"/],
  ['a list with a trailing comma', () => withDb(['runs', 'list', '--verdict', 'ok,']), 2, /--verdict has an empty item in "ok,"/],
  ['an empty list', () => withDb(['runs', 'list', '--status', '']), 2, /--status has an empty item/],
  ['an empty snapshot id', () => withDb(['backups', 'verify', '--id', ' ']), 2, /--id must be text of 1 to 200 characters, got " "\n/],
  ['an empty search', () => withDb(['runs', 'list', '--search', '']), 2, /--search must be text of 1 to 200 characters, got ""\n/],
  ['an empty task name', () => withDb(['tasks', 'add', '', '--cron', '0 6 * * *', '--source', 'synthetic:count=1']), 2, /name must be text of 1 to 64 characters, got ""\n/],
  ['a search pasted far past its length', () => withDb(['runs', 'list', '--search', 'x'.repeat(300)]), 2, /--search must be text of 1 to 200 characters, got 300 characters\n/],
  ['a rollout id written in hex', () => withDb(['report', 'canary', '--rollout', '0x10']), 2, /--rollout must be a whole number ≥ 1, got "0x10"/],
  ['a fractional rollout id', () => withDb(['report', 'monitoring', '--rollout', '1.5']), 2, /--rollout must be a whole number ≥ 1, got "1.5"/],
  // Quoted as typed, not as the number the text was read as.
  ['a cursor past what a number holds exactly', () => withDb(['tasks', 'history', '--after', '99999999999999999999']), 2, /--after must be at most 9007199254740991 \(the largest whole number read exactly\), got "99999999999999999999"\n/],
  ['a page size written with a trailing zero', () => withDb(['runs', 'list', '--limit', '0.50']), 2, /--limit must be a whole number from 1 to 500, got "0.50"\n/],
  ['a folder as the file source', () => withDb(['update', '--source', `file:${folder}`]), 2, /cannot read .*: it is a directory, not a file/],
  ['a folder as validate\'s history', () => ['validate', '--history', folder, '--current', impossibleRunFile], 2, /cannot read .*: it is a directory, not a file/],
  ['a folder as the report to write', () => withDb(['report', 'validation', '--out', folder]), 2, /--out: .* is a directory; give a file name/],
  ['a folder as the database', () => ['runs', 'list', '--db', folder], 2, /cannot use database .*: it is a directory, not a file/],
  ['a folder as the trial ledger', () => withDb(['report', 'trial', '--trials', folder]), 2, /cannot use database .*: it is a directory, not a file/],
  ['no lookback at all, from a synthetic source', () => update('--lookback-days', '0'), 2, /--lookback-days must be a whole number from 1 to 90, got "0"/],
  ['a lookback past 90 days, from a file source', () => withDb(['update', '--source', `file:${recordsFile}`, '--lookback-days', '91']), 2, /--lookback-days must be a whole number from 1 to 90, got "91"/],
  ['a lookback in words', () => update('--lookback-days', 'week'), 2, /--lookback-days must be a whole number from 1 to 90, got "week"/],
  ['a task with no lookback', () => withDb(['tasks', 'add', 'nightly', '--cron', '0 6 * * *', '--source', 'congress:', '--lookback-days', '0']), 2, /--lookback-days must be a whole number from 1 to 90, got "0"/],
  ['a task looking back a year', () => withDb(['tasks', 'add', 'nightly', '--cron', '0 6 * * *', '--source', 'congress:', '--lookback-days', '365']), 2, /--lookback-days must be a whole number from 1 to 90, got "365"/],
  ['a task edited to look back 91 days', () => withDb(['tasks', 'edit', 'nightly', '--lookback-days', '91']), 2, /--lookback-days must be a whole number from 1 to 90, got "91"/],
  ['Congress number 0', () => update('--congress', '0'), 2, /--congress must be a whole number ≥ 1, got "0"/],
  ['a fractional Congress', () => update('--congress', '118.5'), 2, /--congress must be a whole number ≥ 1, got "118.5"/],
  ['a sensitivity word it does not know', () => tune('--sensitivity', 'extreme'), 2, /--sensitivity must be one of off, low, normal, high, or a number from 1 to 10, got "extreme"/],
  ['a sensitivity above its range', () => tune('--sensitivity', '11'), 2, /--sensitivity must be one of off, low, normal, high, or a number from 1 to 10, got "11"/],
  ['an option no command has', () => withDb(['runs', 'list', '--sincee', '2026-01-01']), 2, /unknown option '--sincee'/],
  ['a run that does not exist', () => withDb(['runs', 'show', '999']), 2, /run 999 does not exist/],
  ['a database file that is not there', () => ['flags', 'set', 'BATCH_SIZE', '50', '--reason', 'x', '--db', path.join(folder, 'typo.db')], 6, /no database at .*typo\.db\n/],
  ['a database that cannot be reached', () => ['runs', 'list', '--db', 'postgres://postgres@127.0.0.1:1/gatehouse'], 6, /127\.0\.0\.1:1/],
];

describe('gatehouse exit codes', () => {
  it.each(refusals)('refuses %s with its exit code and a clear message', (_what, args, code, message) => {
    const result = runCli(args());
    expect(result.stderr).toMatch(message);
    expect(result.code, result.stderr).toBe(code);
    expect(result.stderr).not.toMatch(/unexpected error/);
  });

  it('with --json also prints the refusal on stdout as the error envelope', () => {
    const result = runCli(withDb(['runs', 'list', '--since', '2026-02-30', '--json']));
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toEqual({ error: { code: 'USAGE', message: '--since: "2026-02-30" names day 30 of February 2026, which has 28 days' } });
  });

  it('accepts the last day of each month, a leap day and a list without gaps, and ran nothing for any refused update', () => {
    for (const since of ['2024-02-29', '2026-04-30T23:59:59Z', '2026-12-31']) expect(runCli(withDb(['runs', 'list', '--since', since])).code, since).toBe(0);
    const runs = runCli(withDb(['runs', 'list', '--status', 'success, partial', '--json']));
    expect(runs.code).toBe(0);
    expect(JSON.parse(runs.stdout)).toHaveLength(1);
  });

  it('ends on an error it did not foresee with one line naming the command, saying it is a bug or an unhandled condition and how to see the stack, exit 1; the mapped stack with --debug', () => {
    const damaged = path.join(folder, 'damaged.db');
    expect(runCli(['update', '--db', damaged, '--source', 'synthetic:seed=1,count=3', '--no-snapshot']).code).toBe(0);
    // A run row edited by hand: its metrics no longer JSON, which no reader of the store foresees (a SyntaxError, no GatehouseError).
    const sqlite = new Database(damaged);
    sqlite.prepare(`UPDATE runs SET metrics_json = '{not json' WHERE id = 1`).run();
    sqlite.close();
    const said = 'gatehouse: runs show failed on an unexpected error \\(a bug, or a condition gatehouse does not handle\\): SyntaxError: [^\\n]+';

    const plain = runCli(['runs', 'show', '1', '--db', damaged]);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toMatch(new RegExp(`^${said}; run again with --debug for the stack trace\\n$`));

    const json = runCli(['runs', 'show', '1', '--db', damaged, '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({ error: { code: 'INTERNAL', message: expect.stringMatching(/JSON/) } });

    const debug = runCli(['runs', 'show', '1', '--db', damaged, '--debug']);
    expect(debug.code).toBe(1);
    const [line, ...stack] = debug.stderr.trimEnd().split('\n');
    expect(line).toMatch(new RegExp(`^${said}$`));
    // Mapped to the TypeScript, the store's frames too (they sit in a chunk cli.js loads before its first line runs): none left in the minified bundle.
    expect(stack.join('\n')).toMatch(/\n\s+at .*main\/store\/rows\.ts:\d+/);
    expect(stack.join('\n')).not.toMatch(/dist\/cli\//);
  });

  it('exits 0 for a successful update and 3 for a partial one', () => {
    expect(runCli(update('--lookback-days', '90', '--congress', '118')).code).toBe(0);
    expect(runCli(withDb(['update', '--source', 'synthetic:seed=3,count=20,invalid=bad-date:0.2', '--no-snapshot'])).code).toBe(3);
  });
});
