import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { STALE_LOCK_MS } from '../../main/engine/index.js';
import { runSummarySchema } from '../../shared/run.js';
import { testBackends } from '../helpers/backends.js';
import { CLI, runCli, type CliResult } from '../helpers/cli.js';
import { hearingRecord } from '../helpers/records.js';
import { databaseOnSmallDisk } from '../helpers/small-disk.js';
import { tempFolderEachTest } from '../helpers/temp-folder.js';

/**
 * The CLI under conditions a script meets: a reader that goes away, --json callers that need JSON
 * even for an error, a database that is not there, files of the wrong shape, unreadable lines,
 * and a writer lock held by another process.
 */
let db: string;

const folder = tempFolderEachTest('gatehouse-cli-faults-');
beforeEach(() => {
  db = path.join(folder(), 'gatehouse.db');
});

function writeInput(name: string, content: string): string {
  const file = path.join(folder(), name);
  fs.writeFileSync(file, content);
  return file;
}

/** Runs the CLI with its stdout already closed by the reader, as `… | head -0` would leave it. */
function runWithClosedStdout(args: string[]): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout: '', stderr })));
}

function expectNoStack(stderr: string): void {
  expect(stderr).not.toMatch(/EPIPE|\n\s+at |node:events/);
}

describe('output cut short by its reader', () => {
  beforeEach(() => {
    for (let i = 0; i < 3; i++) expect(runCli(['update', '--db', db, '--source', `synthetic:seed=${i},count=20`, '--no-snapshot']).code).toBe(0);
  });

  it.each([[['runs', 'list']], [['runs', 'list', '--json']], [['quarantine', 'list', '--json']]])('`%j | head` ends quietly with exit 0', async (args) => {
    const result = await runWithClosedStdout([...args, '--db', db]);
    expectNoStack(result.stderr);
    expect(result.code).toBe(0);
  });

  it('`rollback … | head` still completes the rollback, then ends quietly', async () => {
    const result = await runWithClosedStdout(['rollback', '--run', '3', '--db', db, '--reason', 'test', '--json']);
    expectNoStack(result.stderr);
    expect(result.code).toBe(0);
    const run = JSON.parse(runCli(['runs', 'show', '3', '--db', db, '--json']).stdout) as { status: string };
    expect(run.status).toBe('rolled_back');
  });
});

describe('errors with --json', () => {
  it('prints {"error": {code, message}} on stdout and still one line on stderr', () => {
    runCli(['update', '--db', db, '--source', 'synthetic:count=5', '--no-snapshot']);
    const result = runCli(['runs', 'show', '999', '--db', db, '--json']);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toEqual({ error: { code: 'NOT_FOUND', message: expect.stringContaining('999'), hint: 'see gatehouse runs list' } });
    expect(result.stderr).toMatch(/^gatehouse: .*999/);
  });

  it('reports a usage error caught by the argument parser as JSON too', () => {
    const result = runCli(['update', '--db', db, '--json']);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toEqual({ error: { code: 'USAGE', message: expect.stringContaining('--source') } });
  });

  it('carries the hint in the JSON error when there is one', () => {
    const result = runCli(['update', '--db', db, '--source', 'hearings.ndjson', '--json']);
    expect(JSON.parse(result.stdout)).toEqual({ error: { code: 'SOURCE_SPEC_UNKNOWN', message: expect.any(String), hint: 'for a file, write file:hearings.ndjson' } });
  });
});

describe('an unreachable database', () => {
  it('exits 6, not the 4 of a failed run, and says so in JSON', () => {
    const url = 'postgres://postgres@127.0.0.1:1/postgres';
    for (const args of [['runs', 'list'], ['update', '--source', 'synthetic:count=5']]) {
      const result = runCli([...args, '--db', url, '--json']);
      expect(result.code).toBe(6);
      expect(JSON.parse(result.stdout)).toMatchObject({ error: { code: 'DB_UNREACHABLE' } });
    }
  });
});

/**
 * Write-protects a file the way its owner would meet it: without write permission, or — for root,
 * whom permissions do not stop — marked immutable. Returns how to undo it, or null where neither works.
 */
function writeProtect(file: string): (() => void) | null {
  if (process.getuid?.() !== 0) {
    fs.chmodSync(file, 0o444);
    return () => fs.chmodSync(file, 0o644);
  }
  try {
    execFileSync('chattr', ['+i', file], { stdio: 'pipe' });
    return () => execFileSync('chattr', ['-i', file], { stdio: 'pipe' });
  } catch {
    return null;
  }
}

describe('a database file that cannot be written', () => {
  it('refuses the update and a flag change with DB_NOT_WRITABLE and exit 2, not an unexpected error, and leaves the file as it was', (context) => {
    const file = writeInput('input.ndjson', `${JSON.stringify(hearingRecord(700001))}\n`);
    expect(runCli(['update', '--db', db, '--source', `file:${file}`, '--no-snapshot']).code).toBe(0);
    const before = fs.readFileSync(db);
    const undo = writeProtect(db);
    if (undo === null) return context.skip('cannot write-protect a file here (root without chattr)');
    try {
      const result = runCli(['update', '--db', db, '--source', `file:${file}`, '--no-snapshot', '--json']);
      expect(result.code, result.stderr).toBe(2);
      expect(JSON.parse(result.stdout)).toEqual({ error: { code: 'DB_NOT_WRITABLE', message: `cannot use database ${db}: attempt to write a readonly database`, hint: expect.stringMatching(/permissions/) } });
      expect(result.stderr).not.toMatch(/unexpected error/);
      const flag = runCli(['flags', 'set', 'BATCH_SIZE', '30', '--reason', 'kill switch drill', '--operator', 'support', '--db', db, '--json']);
      expect(flag.code, flag.stderr).toBe(2);
      expect(JSON.parse(flag.stdout)).toMatchObject({ error: { code: 'DB_NOT_WRITABLE', message: expect.stringMatching(/readonly database/) } });
    } finally {
      undo();
    }
    expect(fs.readFileSync(db).equals(before)).toBe(true);
  });
});

/** A real read-only mount (a small tmpfs remounted ro), which needs root — null, saying why, where it cannot be had. */
function mountReadOnlyAfter(disk: string, prepare: () => void): string | null {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', disk], { stdio: 'pipe' });
  } catch (error) {
    return (error as Error).message;
  }
  prepare();
  execFileSync('mount', ['-o', 'remount,ro', disk], { stdio: 'pipe' });
  return null;
}

describe('a database on a read-only mount', () => {
  it('refuses the update with DB_NOT_WRITABLE and exit 2, naming the read-only file system, for a database there and a new one', (context) => {
    const file = writeInput('input.ndjson', `${JSON.stringify(hearingRecord(700001))}\n`);
    const disk = path.join(folder(), 'disk');
    fs.mkdirSync(disk);
    const stored = path.join(disk, 'gatehouse.db');
    const cannotMount = mountReadOnlyAfter(disk, () => expect(runCli(['update', '--db', stored, '--source', `file:${file}`, '--no-snapshot']).code).toBe(0));
    if (cannotMount !== null) return context.skip(`cannot mount a tmpfs here: ${cannotMount}`);
    try {
      const before = fs.readFileSync(stored);
      for (const [location, place] of [[stored, stored], [path.join(disk, 'new.db'), disk]] as const) {
        const result = runCli(['update', '--db', location, '--source', `file:${file}`, '--no-snapshot', '--json']);
        expect(result.code, result.stderr).toBe(2);
        expect(JSON.parse(result.stdout)).toEqual({
          error: { code: 'DB_NOT_WRITABLE', message: `cannot use database ${location}: unable to open database file: ${place} is on a read-only file system`, hint: expect.stringMatching(/mounted read-only/) },
        });
      }
      expect(fs.readFileSync(stored).equals(before)).toBe(true);
    } finally {
      execFileSync('umount', [disk], { stdio: 'pipe' });
    }
  });
});

describe('a database on a disk that fills up as the update starts', () => {
  it('refuses it with DB_NOT_WRITABLE and exit 6, the environment\'s, not usage\'s 2 (or stops the run interrupted), never as an unexpected error, however little room is left', async (context) => {
    const refusedFull: string[] = [];
    const cannotMount = await databaseOnSmallDisk(folder(), '4m', [], (copyWithRoom) => {
      // The room each step takes (opening, the lock row, the run's row, the first batch) shifts with the
      // file: a range of room left reaches the run row's creation, where no run yet exists to stop.
      for (const freeKb of [40, 48, 56]) {
        const result = runCli(['update', '--db', copyWithRoom(freeKb), '--source', 'synthetic:seed=2,count=30', '--no-snapshot', '--json']);
        expect([0, 6, 130], `${freeKb} KB left: ${result.stderr}`).toContain(result.code);
        if (result.code === 6) {
          const { error } = JSON.parse(result.stdout) as { error: { code: string; message: string; hint?: string } };
          expect(error.code).toBe('DB_NOT_WRITABLE');
          if (/database or disk is full/.test(error.message) && /disk has room/.test(error.hint ?? '')) refusedFull.push(error.message);
        }
      }
    });
    if (cannotMount !== null) return context.skip(`cannot mount a tmpfs here: ${cannotMount}`);
    expect(refusedFull).toContainEqual(expect.stringMatching(/^cannot write database .*gatehouse\.db: database or disk is full$/));
  });
});

describe('a database on a disk with too little room to open it', () => {
  it('refuses it with DB_NOT_WRITABLE and exit 6, not usage\'s 2, saying the disk is nearly full and to free room, not a bare "disk I/O error"', async (context) => {
    const cannotMount = await databaseOnSmallDisk(folder(), '3m', [], (copyWithRoom) => {
      // Under 32 KB the -shm file cannot be sized (SQLITE_IOERR_SHMSIZE); a little over, the -wal cannot grow (SQLITE_FULL).
      for (const freeKb of [4, 16, 28]) {
        const result = runCli(['update', '--db', copyWithRoom(freeKb), '--source', 'synthetic:seed=2,count=30', '--no-snapshot', '--json']);
        expect(result.code, `${freeKb} KB left: ${result.stderr}`).toBe(6);
        const { error } = JSON.parse(result.stdout) as { error: { code: string; message: string; hint?: string } };
        expect(error.code).toBe('DB_NOT_WRITABLE');
        expect(error.message).toMatch(/^cannot use database .*gatehouse\.db: (disk I\/O error|database or disk is full); its disk is nearly full \(\d+ KB free\)$/);
        expect(error.hint).toMatch(/^free room on the disk that holds the file and its -wal\/-shm files/);
      }
    });
    if (cannotMount !== null) return context.skip(`cannot mount a tmpfs here: ${cannotMount}`);
  });
});

describe.each(testBackends())('a gzip-compressed file source on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('is refused with exit 2, saying it is gzip and how to decompress it, and no run is recorded', async () => {
    const location = await backend.freshLocation();
    const file = path.join(folder(), 'records.ndjson.gz');
    fs.writeFileSync(file, zlib.gzipSync(`${JSON.stringify(hearingRecord(800101))}\n`));
    const result = runCli(['update', '--db', location, '--source', `file:${file}`, '--no-snapshot', '--json']);
    expect(result.code, result.stderr).toBe(2);
    expect(JSON.parse(result.stdout)).toEqual({
      error: {
        code: 'INPUT_INVALID',
        message: `${file}: the file is gzip-compressed; a file source reads uncompressed UTF-8 JSON or NDJSON`,
        hint: `decompress it first, e.g. gzip -dc ${file} > records.ndjson`,
      },
    });
    // The source is read before the database is opened: no run, not even an empty database.
    expect(runCli(['runs', 'list', '--db', location, '--json']).code).toBe(6);
  });
});

describe('a file source of the wrong shape', () => {
  it.each([
    ['an object of other things', '{"foo": 1, "bar": [1, 2]}', /found an object with keys "foo", "bar"/],
    ['NDJSON of other things', '{"foo": 1}\n{"foo": 2}\n', /found an object with keys "foo"$/m],
    ['a page whose list is not a list', '{"committeeMeetings": 5}', /found "committeeMeetings" holding a number \(5\)/],
    ['a bare string', '"hello"', /found a string \("hello"\)/],
    ['an array of numbers', '[1, 2, 3]', /found an array of 3 values, none of them an object/],
  ])('refuses %s, saying what was expected and what was found, before any run', (_what, content, found) => {
    const file = writeInput('input.json', content);
    const result = runCli(['update', '--db', db, '--source', `file:${file}`, '--no-snapshot']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/expected a JSON array of committee meetings/);
    expect(result.stderr).toMatch(found);
    expect(result.stderr).not.toMatch(/the run failed/);
  });

  it('fails a run whose every record is quarantined with the commonest reason, not "the run failed"', () => {
    const file = writeInput('input.ndjson', '{"title": "a"}\n{"title": "b"}\n');
    const result = runCli(['update', '--db', db, '--source', `file:${file}`, '--no-snapshot', '--json']);
    expect(result.code).toBe(4);
    const summary = runSummarySchema.parse(JSON.parse(result.stdout));
    expect(summary.error).toMatch(/^all 2 records read were quarantined; most often MISSING_EVENT_ID \(2\), e\.g\. eventId is missing$/);
    expect(result.stderr).not.toMatch(/the run failed/);
  });
});

describe('unreadable NDJSON lines', () => {
  const lines = () => [
    JSON.stringify(hearingRecord(800001)),
    ...Array.from({ length: 14 }, (_, i) => `{"eventId": "9${i}", "title": broken`),
    JSON.stringify(hearingRecord(800002)),
  ];

  it('prints one warning per bad line with its line number, the first 10, then how many more', () => {
    const file = writeInput('input.ndjson', `${lines().join('\n')}\n`);
    const result = runCli(['update', '--db', db, '--source', `file:${file}`, '--no-snapshot']);
    expect(result.code).toBe(3);
    const warnings = result.stderr.split('\n').filter((line) => line.startsWith('gatehouse: warning: line'));
    expect(warnings).toHaveLength(10);
    expect(warnings[0]).toMatch(/^gatehouse: warning: line 2 is not valid JSON: unexpected "b" at column \d+ — quarantined as INVALID_JSON$/);
    expect(warnings[9]).toMatch(/line 11 /);
    expect(result.stderr).toMatch(/gatehouse: warning: 4 more unreadable records not shown here, all quarantined/);
  });

  it('keeps stderr for errors with --json', () => {
    const file = writeInput('input.ndjson', `${lines().join('\n')}\n`);
    const result = runCli(['update', '--db', db, '--source', `file:${file}`, '--no-snapshot', '--json']);
    expect(result.code).toBe(3);
    expect(result.stderr).not.toMatch(/line \d+ is not valid JSON/);
  });
});

describe.each(testBackends())('the writer lock held by another process on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('names the holder and says how this backend frees a dead holder\'s lock', async () => {
    const location = await backend.freshLocation();
    const holder = await backend.open(location);
    try {
      const lock = await holder.acquireWriterLock({ runId: null, pid: process.pid, host: os.hostname() }, { now: new Date(), staleAfterMs: STALE_LOCK_MS });
      expect(lock.acquired).toBe(true);
      const result = runCli(['update', '--db', location, '--source', 'synthetic:count=5', '--no-snapshot']);
      expect(result.code).toBe(5);
      const hint = /hint: (.*)/.exec(result.stderr)?.[1] ?? '';
      if (backend.name === 'postgres') {
        expect(hint).toMatch(/releases the lock as soon as the holder's database session ends/);
        expect(hint).not.toMatch(/2 minutes/);
      } else {
        expect(hint).toMatch(/a holder that died, or whose heartbeat is 2 minutes old, is taken over/);
      }
    } finally {
      await holder.close();
    }
  });
});
