import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, type CliResult } from '../helpers/cli.js';
import { generateHistory, SYNTHETIC_ORGANISATIONS } from '../../main/validation/index.js';
import { emptyMetrics, runMetricsSchema } from '../../shared/run.js';

/**
 * `gatehouse validate --batch` as an outside harness runs it (DESIGN §3): a real child process,
 * NDJSON on stdin, one verdict line per input line.
 */

const DAY_MS = 86_400_000;

interface Entry {
  startedAt: string;
  metrics: { fetched: number; added: number; updated: number };
}

/**
 * Sixty daily runs at 23:30 UTC: Sundays (UTC) bring almost nothing, other days about a hundred.
 * A run at 23:30 on a Sunday is a Monday morning in any zone east of UTC and west of it a Sunday
 * still, so which day a zoneless time means decides the verdict of a quiet run.
 */
function quietSundays(): Entry[] {
  const first = Date.UTC(2026, 0, 5, 23, 30);
  return Array.from({ length: 60 }, (_, day) => {
    const at = new Date(first + day * DAY_MS);
    const sunday = at.getUTCDay() === 0;
    const fetched = sunday ? 5 : 100 + ((day * 37) % 20);
    return { startedAt: at.toISOString(), metrics: { fetched, added: sunday ? 0 : 12, updated: sunday ? 0 : 20 } };
  });
}

const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-validate-batch-'));
afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));

const withoutZone = (iso: string) => iso.replace(/\.000Z$/, '');

/**
 * Runs the built CLI as a harness would, without blocking, so a test's independent calls (each
 * start most of a second of CPU) run together. `stdin`/`stdout` take an open file descriptor in
 * place of a pipe (a directory, /dev/full).
 */
function cli(args: string[], options: { input?: string | Buffer; env?: Record<string, string>; stdin?: number; stdout?: number } = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...options.env }, stdio: [options.stdin ?? 'pipe', options.stdout ?? 'pipe', 'pipe'] });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk));
  // A CLI that exits before reading all its input closes the pipe under the write: its answer is what counts.
  child.stdin?.on('error', () => {});
  child.stdin?.end(options.input);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') }));
  });
}

async function batch(lines: string[], env: Record<string, string> = {}) {
  const result = await cli(['validate', '--batch'], { input: lines.map((line) => `${line}\n`).join(''), env });
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return result.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as { verdict?: string; error?: unknown });
}

describe('gatehouse validate --batch', () => {
  it('says how many runs given at or after the judged run were left out, on the verdict line and in the text, and judges as without them', async () => {
    const history = quietSundays();
    const current = { startedAt: history[50]!.startedAt, metrics: { fetched: 110, added: 12, updated: 20 } };
    const earlier = history.slice(0, 50);
    fs.writeFileSync(path.join(folder, 'later-history.json'), JSON.stringify(history));
    fs.writeFileSync(path.join(folder, 'later-current.json'), JSON.stringify(current));
    const [answers, text] = await Promise.all([
      batch([JSON.stringify({ history, current }), JSON.stringify({ history: earlier, current })]),
      cli(['validate', '--history', path.join(folder, 'later-history.json'), '--current', path.join(folder, 'later-current.json')]),
    ]);
    const [withLater, without] = answers as unknown as Record<string, unknown>[];
    // Ten runs after it, and the one starting with it: the store would read none of them.
    expect(withLater!.laterRunsLeftOut).toBe(10);
    expect(without!.laterRunsLeftOut).toBe(0);
    expect({ ...withLater, laterRunsLeftOut: 0 }).toEqual(without);
    expect(text.stdout.split('\n')[0]).toBe('ok — regime-walk-v2, 50 earlier runs (10 runs at or after its start left out)');
  });

  it('answers a line that gives a key twice with an error naming it, not a verdict on the last value, and judges the lines around it', async () => {
    const history = quietSundays();
    const current = { startedAt: '2026-03-08T23:30:00Z', metrics: { fetched: 7, added: 0, updated: 0 } };
    const line = JSON.stringify({ history, current });
    const twice = line.replace('"fetched":7,', '"fetched":7,"fetched":500,');
    const answers = await batch([line, twice, line]);
    expect(answers.map((answer) => answer.verdict ?? null)).toEqual(['ok', null, 'ok']);
    expect(answers[1]!.error).toMatchObject({
      code: 'INPUT_INVALID',
      message: 'line 2: current.metrics gives the key "fetched" twice (7, then 500): which value was meant cannot be told',
    });
  });

  it('answers a line that is JSON but not an object with its line number and what it holds, as an empty line is answered', async () => {
    const expected = '(expected one JSON object {"history": [...], "current": {...}})';
    const answers = await batch(['[1]', '5', 'null', '"x"', 'false', '']);
    expect(answers.map((answer) => (answer.error as { message: string }).message)).toEqual([
      `line 1: not an object but an array ${expected}`,
      `line 2: not an object but the number 5 ${expected}`,
      `line 3: not an object but null ${expected}`,
      `line 4: not an object but text ${expected}`,
      `line 5: not an object but false ${expected}`,
      `line 6: empty line ${expected}`,
    ]);
  });

  it('refuses a metric below 0, a harness\'s own key too, by the one rule a stored run summary follows (shared/run.ts)', async () => {
    const history = quietSundays();
    const current = (extra: Record<string, number>) => JSON.stringify({ history, current: { startedAt: '2026-03-09T23:30:00Z', metrics: { fetched: 110, added: 12, updated: 20, ...extra } } });
    const answers = await batch([current({ inserted: -1 }), current({ rolledBack: -3 }), current({ inserted: 2.5 })]);
    expect(answers.map((answer) => (answer.error as { message?: string } | undefined)?.message ?? answer.verdict)).toEqual([
      'line 1: current.metrics.inserted: Too small: expected number to be >=0',
      'line 2: current.metrics.rolledBack: Too small: expected number to be >=0',
      'ok',
    ]);
    const stored = (extra: Record<string, number>) => runMetricsSchema.safeParse({ ...emptyMetrics(), ...extra }).error?.issues[0]?.path.join('.');
    expect([stored({ inserted: -1 }), stored({ rolledBack: -3 }), stored({ inserted: 2.5 })]).toEqual(['inserted', 'rolledBack', undefined]);
  });

  it('refuses a key given twice in --history or --current files as --batch refuses it on a line, where it judged the last value (exit 0, anomalous)', async () => {
    const history = quietSundays();
    const line = JSON.stringify({ history, current: { startedAt: '2026-03-08T23:30:00Z', metrics: { fetched: 7, added: 0, updated: 0 } } });
    const twice = line.replace('"fetched":7,', '"fetched":7,"fetched":500,');
    const { history: historyText, current: currentText } = /^\{"history":(?<history>.*),"current":(?<current>\{.*\})\}$/.exec(twice)!.groups!;
    const historyFile = path.join(folder, 'history.json');
    const currentFile = path.join(folder, 'current-twice.json');
    fs.writeFileSync(historyFile, historyText!);
    fs.writeFileSync(currentFile, currentText!);
    const refusal = `${currentFile} is not one run object: metrics gives the key "fetched" twice (7, then 500): which value was meant cannot be told`;
    // The key twice in a history run instead: files of their own, so the three calls run at once.
    const runTwiceFile = path.join(folder, 'history-run-twice.json');
    const currentOnceFile = path.join(folder, 'current-once.json');
    fs.writeFileSync(runTwiceFile, historyText!.replace('"added":12,', '"added":12,"added":1200,'));
    fs.writeFileSync(currentOnceFile, currentText!.replace('"fetched":7,"fetched":500,', '"fetched":7,'));
    const [onLine, single, inHistory] = await Promise.all([
      batch([twice]),
      cli(['validate', '--history', historyFile, '--current', currentFile, '--json']),
      cli(['validate', '--history', runTwiceFile, '--current', currentOnceFile]),
    ]);
    expect(onLine[0]!.error).toMatchObject({ message: expect.stringContaining('current.metrics gives the key "fetched" twice (7, then 500)') });

    expect({ code: single.code, stderr: single.stderr }).toEqual({ code: 2, stderr: `gatehouse: ${refusal}\n` });
    expect(JSON.parse(single.stdout)).toEqual({ error: { code: 'INPUT_INVALID', message: refusal } });

    expect(inHistory).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/is not a JSON array of runs: \[\d+\]\.metrics gives the key "added" twice \(12, then 1200\): which value was meant cannot be told\n$/),
    });
  });

  it('writes every verdict with the §3 keys in their order (an anomaly\'s too, a volume one\'s changeId and ongoing after them) and bands on ok and insufficient_history', async () => {
    const history = quietSundays();
    const at = '2026-03-09T23:30:00Z';
    const lines = [
      { id: 'baseline', history: [], current: { startedAt: at, metrics: { fetched: 110, added: 12, updated: 20 } } },
      { id: 'young', history: history.slice(0, 2), current: { startedAt: at, metrics: { fetched: 110, added: 12, updated: 20 } } },
      { id: 'ok', history, current: { startedAt: at, metrics: { fetched: 110, added: 12, updated: 20 } } },
      { id: 'spike', history, current: { startedAt: at, metrics: { fetched: 600, added: 500, updated: 20 } } },
      { id: 'stale', history: history.map((run) => ({ ...run, startedAt: run.startedAt.replace(/^2026/, '2012') })), current: { startedAt: at, metrics: { fetched: 110, added: 12, updated: 20 } } },
    ].map((line) => JSON.stringify(line));
    const answers = (await batch(lines)) as unknown as { id: string; verdict: string; bands: Record<string, unknown>; anomalies: Record<string, unknown>[] }[];
    expect(answers.map((answer) => answer.verdict)).toEqual(['baseline', 'insufficient_history', 'ok', 'anomalous', 'insufficient_history']);
    for (const answer of answers) expect(Object.keys(answer), answer.id).toEqual(['id', 'verdict', 'method', 'historySize', 'anomalies', 'bands', 'state', 'laterRunsLeftOut']);
    expect(Object.keys(answers[1]!.bands)).toEqual(expect.arrayContaining(['fetched', 'added', 'updated']));
    expect(Object.keys(answers[2]!.bands)).toEqual(expect.arrayContaining(['fetched', 'added', 'updated']));

    const anomalies = answers[3]!.anomalies;
    expect(anomalies.some((anomaly) => 'changeId' in anomaly)).toBe(true);
    const design = ['metric', 'rule', 'value', 'expected', 'low', 'high', 'score', 'message'];
    for (const anomaly of anomalies) {
      expect(Object.keys(anomaly), String(anomaly.rule)).toEqual('changeId' in anomaly ? [...design, 'changeId', 'ongoing'] : design);
    }
  });

  it('reads a date and time without a zone as UTC, so the verdict does not depend on the machine it runs on', async () => {
    const history = quietSundays();
    const quietSunday = { metrics: { fetched: 5, added: 0, updated: 0 } };
    const zoned = JSON.stringify({ history, current: { ...quietSunday, startedAt: '2026-03-08T23:30:00Z' } });
    const zoneless = JSON.stringify({ history: history.map((e) => ({ ...e, startedAt: withoutZone(e.startedAt) })), current: { ...quietSunday, startedAt: '2026-03-08T23:30:00' } });
    const spaced = JSON.stringify({ history, current: { ...quietSunday, startedAt: '2026-03-08 23:30' } });

    const [inUtc, inLosAngeles, inKolkata] = await Promise.all(['UTC', 'America/Los_Angeles', 'Asia/Kolkata'].map((TZ) => batch([zoned, zoneless, spaced], { TZ })));
    expect(inUtc!.map((line) => line.verdict)).toEqual(['ok', 'ok', 'ok']);
    expect(inLosAngeles).toEqual(inUtc);
    expect(inKolkata).toEqual(inUtc);
  });

  it('answers a start with words after its date with an error naming it, where Date.parse read "2026-03-06 junk" as June 3rd and judged a run three months on', async () => {
    const history = quietSundays();
    const current = (startedAt: string) => JSON.stringify({ id: startedAt, history, current: { startedAt, metrics: { fetched: 100, added: 12, updated: 20 } } });
    const [junk, note, plain] = (await batch([current('2026-03-06 junk'), current('2026-03-06 (note)'), current('2026-03-06')])) as { id: string; verdict?: string; error?: { message: string } }[];
    expect(junk).toEqual({ id: '2026-03-06 junk', error: { code: 'INPUT_INVALID', message: 'line 1 (id "2026-03-06 junk"): current.startedAt: "2026-03-06 junk" is not an ISO 8601 date or date and time (YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS][zone])' } });
    expect(note!.error!.message).toMatch(/^line 2 \(id "2026-03-06 \(note\)"\): current\.startedAt: .* is not an ISO 8601 date/);
    expect(plain!.verdict).toBe('ok');
  });

  it('refuses a duration past Number.MAX_SAFE_INTEGER ms, in the history or the judged run, where a band\'s high overflowed to Infinity and printed as null', async () => {
    const history = quietSundays();
    const slowHistory = history.map((entry, day) => ({ ...entry, metrics: { ...entry.metrics, durationMs: day % 2 === 0 ? 1000 : 1.5e308 } }));
    const run = { startedAt: '2026-03-08T23:30:00Z', metrics: { fetched: 100, added: 12, updated: 20, durationMs: 1000 } };
    const [slowPast, slowNow, plain] = (await batch([
      JSON.stringify({ history: slowHistory, current: run }),
      JSON.stringify({ history, current: { ...run, metrics: { ...run.metrics, durationMs: 1e308 } } }),
      JSON.stringify({ history, current: { ...run, metrics: { ...run.metrics, durationMs: Number.MAX_SAFE_INTEGER } } }),
    ])) as { verdict?: string; error?: { message: string } }[];
    expect(slowPast!.error?.message).toMatch(/^line 1: history\[1\]\.metrics\.durationMs: Too big: expected number to be <=9007199254740991/);
    expect(slowNow!.error?.message).toMatch(/^line 2: current\.metrics\.durationMs: Too big/);
    expect(plain!.verdict).toBe('ok'); // judged: the history gives no durations to compare it with
  });

  it('refuses a numeric id past Number.MAX_SAFE_INTEGER, which it answered back as another number, and echoes the largest exact one', async () => {
    const line = (id: string) => `{"id":${id},"history":[],"current":{"startedAt":"2026-03-08","metrics":{"fetched":1,"added":1,"updated":0}}}`;
    const result = await cli(['validate', '--batch'], { input: [line('12345678901234567890'), line('9007199254740991'), line('-9007199254740993')].join('\n') });
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    const [big, largest, negative] = result.stdout.trimEnd().split('\n');
    expect(big).toBe('{"error":{"code":"INPUT_INVALID","message":"line 1: id 12345678901234567000 is a whole number past 9007199254740991, which cannot be answered back exactly: give it as text"}}');
    expect(largest).toMatch(/^\{"id":9007199254740991,"verdict":"baseline"/);
    expect(negative).toMatch(/^\{"error":\{"code":"INPUT_INVALID","message":"line 3: id -9007199254740992 is a whole number past/);
  });

  it('answers a line that is not UTF-8 with an error naming its bad byte, where it echoed a Latin-1 id back as another, and refuses UTF-16 input whole with exit 2', async () => {
    const line = (id: string) => `{"id":"${id}","history":[],"current":{"startedAt":"2026-03-08","metrics":{"fetched":1,"added":1,"updated":0}}}\n`;
    const latin1 = Buffer.concat([Buffer.from(line('plain')), Buffer.from(line('café'), 'latin1'), Buffer.from(line('café'))]);
    const [mixed, utf16] = await Promise.all([
      cli(['validate', '--batch'], { input: latin1 }),
      cli(['validate', '--batch'], { input: Buffer.from(`\uFEFF${line('a')}${line('b')}`, 'utf16le') }),
    ]);
    expect({ code: mixed.code, stderr: mixed.stderr }).toEqual({ code: 0, stderr: '' });
    const [plain, bad, good] = mixed.stdout.trimEnd().split('\n').map((text) => JSON.parse(text) as { id?: string; verdict?: string; error?: unknown });
    expect(plain!.verdict).toBe('baseline');
    expect(bad).toEqual({ error: { code: 'INPUT_INVALID', message: 'line 2: not UTF-8 text: the byte 0xE9 at byte 11 of the line (JSON lines are UTF-8; was the file saved as Latin-1 or Windows-1252?)' } });
    expect(good).toMatchObject({ id: 'café', verdict: 'baseline' });

    expect({ code: utf16.code, stdout: utf16.stdout, stderr: utf16.stderr }).toEqual({ code: 2, stdout: '', stderr: 'gatehouse: cannot read the NDJSON input: it opens with the byte 0xFF of a UTF-16 byte-order mark: give the NDJSON lines as UTF-8\n' });
  });

  it('ends with one line on stderr and exit 1 when its output cannot be written (stdout on a full disk), not a stack trace', async () => {
    const full = fs.openSync('/dev/full', 'w');
    try {
      const line = JSON.stringify({ history: quietSundays(), current: { startedAt: '2026-03-08T23:30:00Z', metrics: { fetched: 100, added: 12, updated: 20 } } });
      const result = await cli(['validate', '--batch'], { input: `${line}\n${line}\n`, stdout: full });
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 1, stderr: 'gatehouse: cannot write the output: ENOSPC: no space left on device, write\n' });
    } finally {
      fs.closeSync(full);
    }
  });

  it('reads the lines from a file given after --batch, byte for byte as from stdin, and - as stdin', async () => {
    const history = quietSundays();
    const lines = [
      JSON.stringify({ history, current: { startedAt: '2026-03-09T23:30:00Z', metrics: { fetched: 600, added: 300, updated: 20 } } }),
      'not json',
      '',
      JSON.stringify({ history, current: { startedAt: '2026-03-09T23:30:00Z', metrics: { fetched: '110', added: 12, updated: 20 } } }),
    ];
    const input = `\uFEFF${lines.join('\r\n')}\r\n`;
    const file = path.join(folder, 'lines.ndjson');
    fs.writeFileSync(file, input);

    const args = [['validate', '--batch', file], ['validate', '--batch', '--json', file], ['validate', file, '--batch']];
    const [fromStdin, fromDash, ...fromFiles] = await Promise.all([cli(['validate', '--batch'], { input }), cli(['validate', '--batch', '-'], { input }), ...args.map((a) => cli(a))]);
    expect(fromStdin!.code).toBe(0);
    const verdicts = fromStdin!.stdout.trimEnd().split('\n').map((line) => JSON.parse(line));
    expect(verdicts.map((v) => v.verdict ?? v.error.message)).toEqual([
      'anomalous',
      expect.stringMatching(/^line 2: not valid JSON/),
      expect.stringMatching(/^line 3: empty line/),
      'line 4: current.metrics.fetched: Invalid input: expected number, received string',
    ]);
    for (const fromFile of fromFiles) {
      expect({ code: fromFile.code, stderr: fromFile.stderr }).toEqual({ code: 0, stderr: '' });
      expect(fromFile.stdout).toBe(fromStdin!.stdout);
    }
    expect(fromDash!.stdout).toBe(fromStdin!.stdout);
  });

  it('refuses a value nested 100,000 deep (in a history run\'s review or metrics, or as the id) by the field it sits in, and judges the lines after it', async () => {
    const history = quietSundays();
    const current = { startedAt: '2026-03-09T23:30:00Z', metrics: { fetched: 110, added: 12, updated: 20 } };
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const good = JSON.stringify({ history, current });
    const runs = JSON.stringify(history).slice(1, -1);
    const lines = [
      `{"id":"review","history":[{"startedAt":"2026-01-01","metrics":{"fetched":1,"added":1,"updated":1},"review":${deep}},${runs}],"current":${JSON.stringify(current)}}`,
      `{"id":"metric","history":[{"startedAt":"2026-01-01","metrics":{"fetched":1,"added":1,"updated":1,"retries":${deep}}},${runs}],"current":${JSON.stringify(current)}}`,
      `{"id":${deep},"history":[],"current":${JSON.stringify(current)}}`,
      `{"id":1e400,"history":[],"current":${JSON.stringify(current)}}`,
      good,
    ];
    const answers = await batch(lines);
    expect(answers.map((answer) => (answer.error as { message?: string } | undefined)?.message ?? answer.verdict)).toEqual([
      'line 1 (id "review"): history[0].review: Invalid option: expected one of "expected"|"confirmed"',
      'line 2 (id "metric"): history[0].metrics.retries: Invalid input: expected number, received array',
      'line 3: id must be text or a number, got [[["…"]]]',
      'line 4: id must be text or a number, got Infinity',
      'ok',
    ]);
    expect(answers.slice(0, 4).map((answer) => (answer.error as { code?: string }).code)).toEqual(['INPUT_INVALID', 'INPUT_INVALID', 'INPUT_INVALID', 'INPUT_INVALID']);
  });

  it('answers a line longer than 64 MiB with an error naming its line and id, unread, and judges the lines around it', async () => {
    const history = quietSundays();
    const current = { startedAt: '2026-03-09T23:30:00Z', metrics: { fetched: 110, added: 12, updated: 20 } };
    const good = JSON.stringify({ history, current });
    // Valid JSON (whitespace between the brackets) of 70 MB, which the whole-line reader parsed and judged.
    const long = `{"id":"too-long","history":[${' '.repeat(70_000_000)}],"current":${JSON.stringify(current)}}`;
    const file = path.join(folder, 'long-line.ndjson');
    fs.writeFileSync(file, `${good}\n${long}\r\n${good}\n`);
    const result = await cli(['validate', '--batch', file]);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    const answers = result.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as { id?: string; verdict?: string; error?: { code: string; message: string } });
    expect(answers.map((answer) => answer.verdict ?? answer.error)).toEqual([
      'ok',
      { code: 'INPUT_INVALID', message: `line 2 (id "too-long"): line too long to read: ${(long.length).toLocaleString('en-US')} bytes, over the limit of 67,108,864 (give at most the runs the judge reads: the latest 2,000 before the judged one)` },
      'ok',
    ]);
    expect(answers[1]!.id).toBe('too-long');
  });

  it('refuses input with no line to judge, empty or blank lines only, with one line on stderr and exit 2 (the error object on stdout with --json), where it exited 0 in silence', async () => {
    const empty = path.join(folder, 'empty.ndjson');
    fs.writeFileSync(empty, '');
    const message = `validate --batch: ${empty} is empty: no line to judge (expected NDJSON lines {"history": [...], "current": {...}})`;
    const [fromFile, fromStdin] = await Promise.all([cli(['validate', '--batch', empty, '--json']), cli(['validate', '--batch'], { input: '\n  \r\n\t' })]);
    expect(fromFile).toMatchObject({ code: 2, stdout: `${JSON.stringify({ error: { code: 'INPUT_INVALID', message } })}\n`, stderr: `gatehouse: ${message}\n` });
    expect(fromStdin).toMatchObject({
      code: 2,
      stdout: '',
      stderr: 'gatehouse: validate --batch: stdin holds only blank lines (3): no line to judge (expected NDJSON lines {"history": [...], "current": {...}})\n',
    });
  });

  it('refuses a missing file, a directory (named or on stdin) and a file without --batch with one line and exit 2', async () => {
    // `gatehouse validate --batch < folder`: Node's stdin ends with no error and no data, so it
    // answered nothing with exit 0, as an empty input would.
    const directory = fs.openSync(folder, 'r');
    try {
      const [missing, named, withoutBatch, onStdin] = await Promise.all([
        cli(['validate', '--batch', path.join(folder, 'missing.ndjson')]),
        cli(['validate', '--batch', folder]),
        cli(['validate', path.join(folder, 'x.ndjson')]),
        cli(['validate', '--batch'], { stdin: directory }),
      ]);
      expect(missing).toMatchObject({ code: 2, stdout: '', stderr: expect.stringMatching(/^gatehouse: cannot read .*missing\.ndjson: no such file\n$/) });
      expect(named).toMatchObject({ code: 2, stdout: '', stderr: expect.stringMatching(/a directory, not a file\n$/) });
      expect(withoutBatch).toMatchObject({ code: 2, stderr: expect.stringContaining('only with --batch') });
      expect({ code: onStdin.code, stdout: onStdin.stdout, stderr: onStdin.stderr }).toEqual({ code: 2, stdout: '', stderr: 'gatehouse: validate --batch: stdin is a directory, not NDJSON lines\n' });
    } finally {
      fs.closeSync(directory);
    }
  });
  it('judges a run whose parts exceed fetched (a harness may inject into one part alone) and each line on its own history, from a file with a BOM, CRLF and no last newline', async () => {
    const history = quietSundays();
    const current = { startedAt: '2026-03-09T23:30:00Z', metrics: { fetched: 110, added: 12, updated: 20 } };
    // Two levels of the last 14 runs the 32-bit fingerprint could not tell apart (history-fingerprint.test.ts).
    const days = generateHistory(SYNTHETIC_ORGANISATIONS[0]!, { seed: 7, days: 61, start: '2025-01-06' }).map((d) => ({ startedAt: d.entry.startedAt, metrics: { ...d.entry.metrics } }));
    const judged = days.pop()!;
    const atLevel = (level: number) => days.map((run, i) => (i < days.length - 14 ? run : { startedAt: run.startedAt, metrics: { fetched: level, added: 0, updated: 0, unchanged: level, quarantined: 0, durationMs: 1000 } }));
    const lines = [
      JSON.stringify({ id: 'good', history, current }),
      JSON.stringify({ id: 'over', history, current: { ...current, metrics: { fetched: 10, added: 1, updated: 1, quarantined: 50 } } }),
      JSON.stringify({ id: 'low', history: atLevel(952), current: judged }),
      JSON.stringify({ id: 'high', history: atLevel(2024), current: judged }),
    ];
    const file = path.join(folder, 'windows.ndjson');
    fs.writeFileSync(file, `\uFEFF${lines.join('\r\n')}`);
    const [result, aloneResult] = await Promise.all([cli(['validate', '--batch', file]), cli(['validate', '--batch'], { input: `${lines[3]}\n` })]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const answers = result.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as { id: string; verdict?: string; error?: { message: string }; bands?: { fetched: { expected: number } } });
    expect(answers.map((answer) => answer.id)).toEqual(['good', 'over', 'low', 'high']);
    expect(answers[0]!.verdict).toBe('ok');
    expect(answers[1]!.error).toBeUndefined();
    expect(answers[1]!.verdict).toBe('anomalous');
    const alone = JSON.parse(aloneResult.stdout) as typeof answers[number];
    expect(answers[3]).toEqual(alone);
    expect(answers[3]!.bands!.fetched.expected).toBeGreaterThan(answers[2]!.bands!.fetched.expected);
  });
});
