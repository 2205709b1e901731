import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { fingerprint, listRuns, updateWithSignal } from '../../bench/kill-resume.js';
import { runUpdate } from '../../main/engine/index.js';
import { quarantineEntrySchema } from '../../shared/record.js';
import { runSummarySchema } from '../../shared/run.js';
import { testBackends } from '../helpers/backends.js';
import { runCli } from '../helpers/cli.js';
import { arraySource, hearingRecord, hearingRecords } from '../helpers/records.js';

/**
 * What an outside benchmark checks of one `gatehouse update` over a file: which spelling of an
 * eventId names which hearing, which copy of a repeated hearing is kept and why the others are
 * not, and that every summary carries the same metric keys, an empty run's too.
 */
const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) fs.rmSync(folder, { recursive: true, force: true });
});

function ndjsonFile(records: unknown[], text = (lines: string[]) => lines.join('\n')): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-identity-'));
  folders.push(folder);
  const file = path.join(folder, 'records.ndjson');
  fs.writeFileSync(file, text(records.map((record) => JSON.stringify(record))));
  return file;
}

function update(db: string, file: string, ...extra: string[]) {
  const result = runCli(['update', '--db', db, '--source', `file:${file}`, '--no-snapshot', '--json', ...extra]);
  return { ...result, summary: runSummarySchema.parse(JSON.parse(result.stdout)) };
}

function quarantine(db: string, runId: number) {
  return quarantineEntrySchema.array().parse(JSON.parse(runCli(['quarantine', 'list', '--db', db, '--run', String(runId), '--json']).stdout));
}

describe.each(testBackends())('record identity and the run summary, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('stores "061", 61 and "0061" as the one hearing 61: the first copy is kept, the later ones are quarantined as duplicates', async () => {
    const db = await backend.freshLocation();
    const file = ndjsonFile([
      hearingRecord('061', { title: 'Spelt with a zero' }),
      hearingRecord('061', { eventId: 61, title: 'Spelt as a number' }),
      hearingRecord('061', { eventId: '0061', title: 'Spelt with two zeros' }),
      hearingRecord('62'),
    ]);
    const { code, summary } = update(db, file);
    expect(code).toBe(3);
    expect(summary.metrics).toMatchObject({ fetched: 4, added: 2, quarantined: 2, duplicates: 2, fetchErrors: 0 });
    const entries = quarantine(db, summary.runId);
    expect(entries.map((entry) => [entry.eventId, entry.reasons[0]!.code])).toEqual([['61', 'DUPLICATE_EVENT_ID'], ['61', 'DUPLICATE_EVENT_ID']]);

    // A later run that sends 61 again finds it stored under that id, not a second hearing.
    const again = update(db, ndjsonFile([hearingRecord('061', { eventId: 61, title: 'Spelt with a zero' }), hearingRecord('62', { eventId: '00062' })]));
    expect(again.code).toBe(0);
    expect(again.summary.metrics).toMatchObject({ fetched: 2, added: 0, unchanged: 2, quarantined: 0 });
  });

  it('quarantines a zero or over-long eventId saying what is wrong with it', async () => {
    const db = await backend.freshLocation();
    const file = ndjsonFile([hearingRecord('123456789012345678901'), hearingRecord('000'), hearingRecord(0, { eventId: 0 }), hearingRecord('0000000000000000000000000007')]);
    const { summary } = update(db, file);
    expect(summary.metrics).toMatchObject({ fetched: 4, added: 1, quarantined: 3 });
    expect(quarantine(db, summary.runId).map((entry) => entry.reasons[0]!.message)).toEqual([
      'eventId has 21 digits ("123456789012345678901"); an eventId has at most 20',
      'eventId must be a positive number, got "000"',
      'eventId must be a positive whole number, got 0',
    ]);
  });

  it.each(['batch', 'all-or-nothing'])('keeps the first copy of a hearing repeated with a newer updateDate in %s mode, across batches, and says so in the reason and the metrics', async (mode) => {
    const db = await backend.freshLocation();
    const file = ndjsonFile([
      hearingRecord(7001, { title: 'First copy', updateDate: '2025-03-01T00:00:00Z' }),
      hearingRecord(7002),
      hearingRecord(7001, { title: 'Newer copy', updateDate: '2025-03-02T00:00:00Z' }),
    ]);
    const { code, summary } = update(db, file, '--mode', mode, '--batch-size', '1');
    expect(code).toBe(3);
    expect(summary.metrics).toMatchObject({ fetched: 3, added: 2, quarantined: 1, duplicates: 1 });
    const [entry, ...others] = quarantine(db, summary.runId);
    expect(others).toEqual([]);
    expect(entry).toMatchObject({ eventId: '7001', sourcePosition: 2, raw: { title: 'Newer copy' } });
    expect(entry!.reasons[0]!.message).toBe(
      "eventId 7001 appears more than once in this run's input; the run keeps the first copy it read and quarantines later ones, newer or not (this copy's updateDate is 2025-03-02T00:00:00.000Z)",
    );
    const check = update(db, ndjsonFile([hearingRecord(7001, { title: 'First copy', updateDate: '2025-03-01T00:00:00Z' })]));
    expect(check.summary.metrics).toMatchObject({ unchanged: 1 });
  });

  it('quarantines a later copy of a hearing its run found unchanged before a stop as it would without the stop: the resume remembers the copy it took', async () => {
    const stored = hearingRecord(7101, { title: 'As stored' });
    const records = [stored, hearingRecord(7102), hearingRecord(7101, { title: 'A later copy', updateDate: '2025-03-05T00:00:00Z' }), hearingRecord(7103)];
    const outcome = async (stop: boolean) => {
      const location = await backend.freshLocation();
      const store = await backend.open(location);
      try {
        await runUpdate({ store, source: arraySource([stored]) });
        const source = arraySource(records, 'memory:repeat');
        const controller = new AbortController();
        const first = await runUpdate({ store, source, batchSize: 1, signal: controller.signal, onEvent: (event) => stop && event.type === 'batch-finished' && controller.abort() });
        const summary = stop ? await runUpdate({ store, source, resumeRunId: first.runId }) : first;
        const quarantined = await store.listQuarantine({ runId: summary.runId });
        return { status: summary.status, metrics: summary.metrics, stopped: first.status, quarantined: quarantined.map((entry) => [entry.sourcePosition, entry.reasons[0]!.code]), title: (await store.loadHearings(['7101'])).get('7101')?.content.title };
      } finally {
        await store.close();
      }
    };
    const clean = await outcome(false);
    const resumed = await outcome(true);
    expect(resumed.stopped).toBe('interrupted');
    expect(clean).toMatchObject({ status: 'partial', title: 'As stored', quarantined: [[2, 'DUPLICATE_EVENT_ID']], metrics: { fetched: 4, added: 2, unchanged: 1, quarantined: 1, duplicates: 1 } });
    expect({ ...resumed, stopped: clean.stopped, metrics: { ...resumed.metrics, durationMs: clean.metrics.durationMs } }).toEqual(clean);
  });

  it('kill -9 mid-run over a file that repeats hearings the run found unchanged: the resumed run stores and quarantines what a clean run does', async () => {
    const stored = hearingRecords(300, 510000);
    const later = stored.slice(0, 60).map((record) => ({ ...record, title: 'A later copy', updateDate: '2025-03-09T00:00:00Z' }));
    const before = ndjsonFile(stored);
    const file = ndjsonFile([...stored, ...hearingRecords(6000, 520000), ...later]);
    const args = ['--batch-size', '20', '--no-snapshot'];
    const prepared = async () => {
      const location = await backend.freshLocation();
      expect(update(location, before).code).toBe(0);
      return location;
    };
    const clean = await prepared();
    const cleanRun = update(clean, file, ...args).summary;
    expect(cleanRun.metrics).toMatchObject({ fetched: 6360, added: 6000, unchanged: 300, quarantined: 60, duplicates: 60 });

    const killed = await prepared();
    const exit = await updateWithSignal(killed, `file:${file}`, args, 'SIGKILL', { batches: 2 });
    expect(exit.signal).toBe('SIGKILL');
    const [interrupted] = listRuns(killed);
    expect(interrupted?.status).toBe('running');
    const resumed = await updateWithSignal(killed, `file:${file}`, ['--resume', String(interrupted!.runId), ...args], null);
    expect(resumed.code, resumed.stderr).toBe(3);
    const { durationMs: _resumed, ...metrics } = runSummarySchema.parse(JSON.parse(resumed.stdout)).metrics;
    const { durationMs: _clean, ...cleanMetrics } = cleanRun.metrics;
    expect(metrics).toEqual(cleanMetrics);
    expect(await fingerprint(killed)).toEqual(await fingerprint(clean));
    const codes = (db: string, runId: number) => quarantine(db, runId).map((entry) => `${entry.sourcePosition}:${entry.reasons[0]!.code}`).sort();
    expect(codes(killed, interrupted!.runId)).toEqual(codes(clean, cleanRun.runId));
  });

  it('gives an empty source, a failed run and an all-or-nothing run the same summary keys as any other run', async () => {
    const db = await backend.freshLocation();
    const empty = update(db, ndjsonFile([], () => ''));
    const full = update(db, ndjsonFile([hearingRecord(8001)]));
    const failed = update(db, ndjsonFile([{ eventId: 'x' }]));
    const whole = update(db, ndjsonFile([hearingRecord(8002)]), '--mode', 'all-or-nothing');
    expect([empty.code, full.code, failed.code, whole.code]).toEqual([0, 0, 4, 0]);
    expect(empty.summary.metrics).toMatchObject({ fetched: 0, rolledBack: 0, fetchErrors: 0, duplicates: 0 });
    const keys = (result: { stdout: string; summary: { metrics: object } }) => [Object.keys(JSON.parse(result.stdout) as object).sort(), Object.keys(result.summary.metrics).sort()];
    for (const other of [empty, failed, whole]) expect(keys(other)).toEqual(keys(full));
  });

  it('reads a file with a byte order mark, CRLF line ends and blank lines as its records alone', async () => {
    const db = await backend.freshLocation();
    const file = ndjsonFile([hearingRecord(8101), hearingRecord(8102)], (lines) => `\uFEFF${lines[0]}\r\n\r\n  \r\n${lines[1]}\r\n\r\n`);
    const { code, summary } = update(db, file);
    expect(code).toBe(0);
    expect(summary.metrics).toMatchObject({ fetched: 2, added: 2, quarantined: 0 });
  });
});
