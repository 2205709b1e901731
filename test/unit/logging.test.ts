import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { configureLogging, createLogger, logger, logRunEvents } from '../../main/logging/index.js';

const folders: string[] = [];
afterEach(() => folders.splice(0).forEach((f) => fs.rmSync(f, { recursive: true, force: true })));

function logFile(): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-log-'));
  folders.push(folder);
  return path.join(folder, 'nested', 'gatehouse.log');
}

function lines(file: string) {
  return fs.readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
}

describe('logger', () => {
  it('writes JSON lines with the bound fields of a child logger', () => {
    const file = logFile();
    const logger = createLogger({ file, clock: () => new Date('2026-01-02T03:04:05Z') }).child({ runId: 7 });
    logger.child({ batch: 3 }).warn('batch 3 isolated');
    expect(lines(file)).toEqual([{ time: '2026-01-02T03:04:05.000Z', level: 'warn', msg: 'batch 3 isolated', runId: 7, batch: 3 }]);
  });

  it('redacts passwords in connection strings and API keys, in messages and in fields', () => {
    const file = logFile();
    const terminal: string[] = [];
    const logger = createLogger({ file, terminal: (line) => terminal.push(line) });
    logger.error('cannot reach postgres://ops:hunter2@db.example:5432/gh', { url: 'https://api.test/v3?api_key=SECRETKEY&x=1' });
    const text = fs.readFileSync(file, 'utf8') + terminal.join('\n');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('SECRETKEY');
    expect(terminal).toEqual(['gatehouse: error: cannot reach postgres://ops:***@db.example:5432/gh']);
  });

  it('logs each finished batch with its run id and batch number', () => {
    const file = logFile();
    const onEvent = logRunEvents(createLogger({ file }));
    onEvent({
      type: 'batch-finished',
      runId: 12,
      metrics: { fetched: 50, added: 49, updated: 0, unchanged: 0, quarantined: 1, durationMs: 3 },
      batch: { runId: 12, seq: 4, status: 'isolated', planned: 50, written: 49, added: 49, updated: 0, quarantined: 1, retries: 6, durationMs: 3, error: 'disk I/O error', firstPosition: 150, lastPosition: 199, finishedAt: '2026-01-01T00:00:00Z' },
    });
    expect(lines(file)[0]).toMatchObject({ level: 'warn', runId: 12, batch: 4, status: 'isolated', msg: expect.stringContaining('batch 4 isolated') });
  });

  it('gives each module a named logger over the process\'s sinks, redacting there, with its own terminal threshold', () => {
    const file = logFile();
    const terminal: string[] = [];
    const scheduler = logger('scheduler');
    const notify = logger('notify', { terminalLevel: 'info' });
    configureLogging({ file, terminal: (line) => terminal.push(line), clock: () => new Date('2026-01-02T03:04:05Z') });
    scheduler.info('tick: nothing due');
    scheduler.warn('task daily missed 2 runs');
    notify.info('run 3 failed — source postgres://ops:hunter2@db/gh unreachable');
    expect(lines(file).map((line) => [line.module, line.level, line.msg])).toEqual([
      ['scheduler', 'info', 'tick: nothing due'],
      ['scheduler', 'warn', 'task daily missed 2 runs'],
      ['notify', 'info', 'run 3 failed — source postgres://ops:***@db/gh unreachable'],
    ]);
    expect(terminal).toEqual(['gatehouse: warning: task daily missed 2 runs', 'gatehouse: run 3 failed — source postgres://ops:***@db/gh unreachable']);
  });

  it('shows a task name\'s or a reason\'s controls as escapes: no recoloured terminal, no forged line, nothing a terminal acts on in the file', () => {
    const file = logFile();
    const terminal: string[] = [];
    const logger = createLogger({ file, terminal: (line) => terminal.push(line) });
    logger.warn('run 1 was rolled back — by ann: oops\u001b]0;owned\u0007\ngatehouse: error: forged', { subject: 'nightly\u009b2J' });
    expect(terminal).toEqual(['gatehouse: warning: run 1 was rolled back — by ann: oops\\x1b]0;owned\\x07\n  gatehouse: error: forged']);
    // One line, its ending the only control: JSON escapes C0, and DEL and C1 are escaped as the CLI's JSON escapes them.
    expect(fs.readFileSync(file, 'utf8').replace(/\n$/, '')).not.toMatch(/\p{Cc}/u);
    expect(lines(file)[0]).toMatchObject({ msg: 'run 1 was rolled back — by ann: oops\u001b]0;owned\u0007\ngatehouse: error: forged', subject: 'nightly\u009b2J' });
  });
});
