import { once } from 'node:events';
import { fstatSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import * as z from 'zod';
import { GatehouseError } from '../../shared/errors.js';
import { firstRepeatedKey, parseJsonNotingRepeatedKeys, type RepeatedKeys } from '../../shared/json-repeated-keys.js';
import { sensitivityTaskInputSchema } from '../../shared/api-sensitivity.js';
import { batchSensitivity, createBatchJudge, describeZodError, FORGOTTEN_AFTER_DAYS, judgeCase, LIVE_HISTORY_RUNS, runEntrySchema, runHistorySchema, STALE_METHOD, type BatchSensitivity, type CaseVerdict } from '../validation/index.js';
import { withoutByteOrderMark } from '../sources/index.js';
import { withStore } from './database.js';
import { parseOptions } from './input.js';
import { registerTuneCommand } from './validate-tune.js';
import { ndjsonLines } from './ndjson-lines.js';
import { counted } from '../../shared/plural.js';

/**
 * `gatehouse validate` (DESIGN §3): judge one run against its history from two files, or many
 * runs from NDJSON on stdin with `--batch`. Bad input is a GatehouseError naming the file and the
 * problem in one line; main/cli.ts maps its code to exit status 2.
 */

export interface ValidateIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
}

interface ValidateFlags {
  history?: string;
  current?: string;
  batch?: boolean;
  json?: boolean;
  db?: string;
  task?: string;
}

/**
 * The longest input line `--batch` reads (64 MiB): 300 times ten years of daily runs, well past
 * any history the judge reads (it keeps the latest 2,000 runs), and small enough that parsing it
 * stays within memory. A longer line is answered with an error and the lines after it are judged.
 */
export const BATCH_LINE_MAX_BYTES = 64 * 1024 * 1024;

function tooLongReason(bytes: number, maxBytes: number): string {
  return `line too long to read: ${bytes.toLocaleString('en-US')} bytes, over the limit of ${maxBytes.toLocaleString('en-US')} (give at most the runs the judge reads: the latest ${LIVE_HISTORY_RUNS.toLocaleString('en-US')} before the judged one)`;
}

function notUtf8Reason({ at, byte }: { at: number; byte: number }): string {
  return `not UTF-8 text: the byte 0x${byte.toString(16).toUpperCase().padStart(2, '0')} at byte ${(at + 1).toLocaleString('en-US')} of the line (JSON lines are UTF-8; was the file saved as Latin-1 or Windows-1252?)`;
}

const VALIDATE_HELP = `
metrics: fetched, added and updated are required whole numbers; unchanged (default: the rest of fetched),
quarantined (default 0) and durationMs (default 0; fractions are rounded) may be left out.
startedAt: an ISO 8601 date or date and time; a time without a zone (Z, +05:00) is read as UTC.
history: in any order; runs at or after the judged run's start are left out, and of the rest the
latest ${LIVE_HISTORY_RUNS.toLocaleString('en-US')} count, as \`update\` judges a run against the runs stored before it
(a run listed twice counts twice, as two stored runs would; gaps are judged as catch-ups). A history
whose latest run is ${FORGOTTEN_AFTER_DAYS.toLocaleString('en-US')} days (about ten years) or more before the judged run is stale:
insufficient_history, method stale-history, no bands.

sensitivity: judged on the defaults unless --task names a task of the database --db (default
$GATEHOUSE_DB): then under that task's settings in force, as \`update\` judges its runs.

--batch: line k of the output answers input line k. A line may carry "id" (text or a number): its
answer repeats it; "task", judged under that task's settings in force in --db (instead of --task's);
and "sensitivity", settings of its own in the shape \`validate tune\` saves ({"metrics": {fetched |
added | updated | mix | quarantine | duration: off | low | normal | high | 1–10}, "minSignals": 1–4}),
which win over any task's. Every verdict has the same keys: verdict (ok | anomalous | insufficient_history |
baseline), method, historySize, anomalies [{metric, rule, value, expected, low, high, score, message,
and on a volume anomaly changeId, ongoing}], bands {metric: {expected, low, high}} for each metric the
history can bound (none on a baseline or a stale history), state {regime, since, description},
laterRunsLeftOut (how many runs given start at or after the judged run, left out; 0 when none); scores
are sigmas on one scale. A bad line is answered {"id"?, "error": {"code", "message"}}, the message
naming its line and id, and the lines after it are judged as usual; so is a line longer than
${BATCH_LINE_MAX_BYTES.toLocaleString('en-US')} bytes (64 MiB), which is skipped unread, and one that is not UTF-8. Input in
UTF-16 (it opens with that byte-order mark) is refused whole.

exit codes: 0 every line answered (error lines included); 2 usage error, the input cannot be read
(nothing judged, or the lines before the fault answered), or it holds no line to judge (empty, or
blank lines only: one line on stderr, nothing on stdout but the error object with --json); 1 an
unexpected error.`;

export function registerValidateCommand(program: Command, io: ValidateIo = { stdin: process.stdin, stdout: process.stdout }): Command {
  const validate = program.command('validate');
  registerTuneCommand(validate);
  return validate
    .description('judge a run against the history of earlier runs (historical validation)')
    .addHelpText('after', VALIDATE_HELP)
    .option('--history <file>', 'JSON array of earlier runs: [{"startedAt": ISO, "metrics": {...}}]')
    .option('--current <file>', 'the run to judge: {"startedAt": ISO, "metrics": {...}}')
    .argument('[file]', 'with --batch: read the NDJSON lines from FILE instead of stdin (- is stdin)')
    .option('--batch', 'read NDJSON {"history": [...], "current": {...}} lines on stdin or from FILE; write one verdict line per input line')
    .option('--db <db>', 'judge under the sensitivity each task has in force in this database (SQLite path or postgres:// URL; default with --task: $GATEHOUSE_DB)')
    .option('--task <name>', 'the task a run (or a line that names none) is judged for: its sensitivity in force')
    .option('--json', 'print the verdict as JSON')
    .action(async (file: string | undefined, flags: ValidateFlags) => {
      const sensitivity = await sensitivityFor(flags);
      if (flags.batch) {
        if (flags.history !== undefined || flags.current !== undefined) throw new GatehouseError('USAGE', 'validate --batch reads NDJSON lines; do not combine it with --history or --current');
        if (file !== undefined && file !== '-') {
          await withBatchFile(file, (stdin) => validateBatch({ ...io, stdin }, sensitivity, BATCH_LINE_MAX_BYTES, file));
          return;
        }
        if (io.stdin === process.stdin) refuseDirectoryOnStdin();
        await validateBatch(io, sensitivity);
        return;
      }
      if (file !== undefined) throw new GatehouseError('USAGE', `validate reads ${file} only with --batch; to judge one run, give --history FILE and --current FILE`);
      if (flags.history === undefined || flags.current === undefined) {
        throw new GatehouseError('USAGE', 'validate needs --history FILE and --current FILE (or --batch to read NDJSON on stdin)');
      }
      const history = await readJsonFile(flags.history, runHistorySchema, 'a JSON array of runs');
      const current = await readJsonFile(flags.current, runEntrySchema, 'one run object');
      const result = judgeCase(history, { current }, sensitivity);
      if (typeof result === 'string') throw new GatehouseError('USAGE', result);
      io.stdout.write(flags.json ? `${JSON.stringify(result)}\n` : formatVerdict(result));
    });
}

/**
 * With --db (or --task), every task's sensitivity in force, read once before the first line: a
 * batch is judged under one snapshot of the settings, and the store is closed while it streams.
 */
async function sensitivityFor(flags: ValidateFlags): Promise<BatchSensitivity | undefined> {
  if (flags.db === undefined && flags.task === undefined) return undefined;
  const { task } = parseOptions(sensitivityTaskInputSchema.partial(), { task: flags.task });
  return withStore(flags.db, (store) => batchSensitivity(store, task));
}

function unreadableFile(path: string, error: unknown): GatehouseError {
  const code = (error as NodeJS.ErrnoException).code;
  const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory, not a file' : (error as Error).message;
  return new GatehouseError('INPUT_INVALID', `cannot read ${path}: ${reason}`);
}

async function readJsonFile<T>(path: string, schema: z.ZodType<T>, what: string): Promise<T> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw unreadableFile(path, error);
  }
  let parsed: unknown;
  let repeated: RepeatedKeys | null;
  try {
    ({ value: parsed, repeated } = parseJsonNotingRepeatedKeys(withoutByteOrderMark(text)));
  } catch (error) {
    throw new GatehouseError('INPUT_INVALID', `${path} is not valid JSON: ${(error as Error).message}`);
  }
  // As --batch refuses such a line: JSON.parse would keep the last of two "added"s and judge a run nobody sent.
  if (repeated !== null) throw new GatehouseError('INPUT_INVALID', `${path} is not ${what}: ${firstRepeatedKey(parsed, repeated, 'the file')}`);
  const checked = schema.safeParse(parsed);
  if (!checked.success) throw new GatehouseError('INPUT_INVALID', `${path} is not ${what}: ${describeZodError(checked.error)}`);
  return checked.data;
}

/**
 * One verdict line per input line, in order; output waits for the pipe when it is full. A reader
 * that goes away (`| head -1`) ends the command quietly: nobody reads the verdicts still to come,
 * and judging them changes nothing.
 *
 * Input with no line to judge — empty, or blank lines only — is refused whole (INPUT_INVALID, exit 2)
 * with nothing on stdout: it answered nothing with exit 0, which an automation reads as "every line
 * judged" when its generator had written nothing (`gen | gatehouse validate --batch`, gen failed).
 * Blank lines before the first line with text are therefore answered once that line comes.
 */
export async function validateBatch(io: ValidateIo, sensitivity?: BatchSensitivity, maxLineBytes = BATCH_LINE_MAX_BYTES, inputName = 'stdin'): Promise<void> {
  const judge = createBatchJudge({}, sensitivity);
  let lineNumber = 0;
  // Blank lines read while no line had text yet: answered (in order) when one has, refused with the input otherwise.
  let blankLinesHeld = 0;
  const write = async (answer: string): Promise<boolean> => io.stdout.write(`${answer}\n`) || (await drained(io.stdout));
  try {
    for await (const line of ndjsonLines(io.stdin as AsyncIterable<Buffer | string>, maxLineBytes)) {
      lineNumber++;
      // Each line is a JSON text, which RFC 8259 §8.1 lets a reader take with a byte-order mark: files
      // joined with `cat` carry one at the start of each, and it can open no valid line otherwise.
      if (blankLinesHeld === lineNumber - 1 && 'text' in line && withoutByteOrderMark(line.text).trim() === '') {
        blankLinesHeld++;
        continue;
      }
      let open = true;
      for (let held = 1; open && held <= blankLinesHeld; held++) open = await write(judge.judgeLine('', held));
      blankLinesHeld = 0;
      if (!open) break;
      const answer =
        'text' in line
          ? judge.judgeLine(withoutByteOrderMark(line.text), lineNumber)
          : 'tooLong' in line
            ? judge.refuseLine(withoutByteOrderMark(line.tooLong.head), lineNumber, tooLongReason(line.tooLong.bytes, maxLineBytes))
            : judge.refuseLine(withoutByteOrderMark(line.notUtf8.head), lineNumber, notUtf8Reason(line.notUtf8));
      if (!(await write(answer))) break;
    }
  } catch (error) {
    const where = lineNumber === 0 ? 'the NDJSON input' : `the NDJSON input after line ${lineNumber}`;
    throw new GatehouseError('INPUT_INVALID', `cannot read ${where}: ${(error as Error).message}`);
  }
  if (lineNumber === 0) throw new GatehouseError('INPUT_INVALID', `validate --batch: ${inputName} is empty: no line to judge (expected NDJSON lines {"history": [...], "current": {...}})`);
  if (blankLinesHeld === lineNumber) throw new GatehouseError('INPUT_INVALID', `validate --batch: ${inputName} holds only blank lines (${lineNumber.toLocaleString('en-US')}): no line to judge (expected NDJSON lines {"history": [...], "current": {...}})`);
}

/** Opened before any line is read, so a missing file is one clear refusal and no output. */
async function withBatchFile(path: string, read: (input: NodeJS.ReadableStream) => Promise<void>): Promise<void> {
  let handle;
  try {
    handle = await open(path, 'r');
    if ((await handle.stat()).isDirectory()) throw Object.assign(new Error('a directory'), { code: 'EISDIR' });
  } catch (error) {
    await handle?.close();
    throw unreadableFile(path, error);
  }
  try {
    await read(handle.createReadStream({ autoClose: false }));
  } finally {
    await handle.close();
  }
}

/** Node's stdin ends at once, with no error, on a directory (`< some/folder`): it would read as empty input. */
function refuseDirectoryOnStdin(): void {
  let directory = false;
  try {
    directory = fstatSync(0).isDirectory();
  } catch {
    // No stdin to inspect (closed): readline reports whatever reading it does.
  }
  if (directory) throw new GatehouseError('INPUT_INVALID', 'validate --batch: stdin is a directory, not NDJSON lines');
}

/** Whether the output drained (true) or closed or failed instead (false). */
async function drained(output: NodeJS.WritableStream): Promise<boolean> {
  if ((output as Partial<Writable>).destroyed) return false;
  const controller = new AbortController();
  const { signal } = controller;
  try {
    return await Promise.race([
      once(output, 'drain', { signal }).then(() => true),
      once(output, 'close', { signal }).then(() => false),
      once(output, 'error', { signal }).then(() => false),
    ]);
  } catch {
    return false;
  } finally {
    controller.abort();
  }
}

export function formatVerdict(result: CaseVerdict): string {
  const later = result.laterRunsLeftOut > 0 ? ` (${counted(result.laterRunsLeftOut, 'run')} at or after its start left out)` : '';
  const head = `${result.verdict} — ${result.method}, ${counted(result.historySize, 'earlier run')}${later}`;
  const stale = result.method === STALE_METHOD ? result.state?.description : undefined;
  const note = result.verdict === 'insufficient_history' ? [`  ${stale ? `${stale}.` : 'too little history for a seasonal judgement; the static rules found nothing.'}`] : [];
  const anomalies = result.anomalies.map((a) => `  ! ${a.metric} (${a.rule}, score ${a.score}): ${a.message}`);
  return [head, ...note, ...anomalies].join('\n') + '\n';
}
