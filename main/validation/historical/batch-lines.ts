import * as z from 'zod';
import { sensitivityTaskInputSchema } from '../../../shared/api-sensitivity.js';
import { zonelessAsUtc } from '../../../shared/instant.js';
import { firstRepeatedKey, parseJsonNotingRepeatedKeys, type RepeatedKeys } from '../../../shared/json-repeated-keys.js';
import { jsonWithinDepth } from '../../../shared/record-walk.js';
import { runMetricsSchema } from '../../../shared/run.js';
import { historyEntrySchema, runStartSchema, sensitivitySettingsSchema, type HistoryEntry, type SensitivitySettings, type ValidationResult } from '../../../shared/validation.js';
import { describeZodError } from '../../../shared/zod-problems.js';
import { GatehouseError } from '../../../shared/errors.js';
import { historyFingerprints, type HistoryFingerprints } from './cache.js';
import { judgeAsStored, runsNotBefore } from './store-judge.js';
import type { JudgeOptions } from './model.js';

export { describeZodError };

/**
 * `gatehouse validate --batch`, minus the streams: one NDJSON line in, one verdict line out. A
 * bad line answers with an error line in its place, so output line k always belongs to input
 * line k. Consecutive lines usually share one history (trials judge many variants of a run
 * against the same past), so a line whose history is unchanged skips validation and model
 * building altogether; one whose history is the line before's plus a few runs (a day-by-day
 * replay) checks only those, and its model extends the one before.
 */

const count = z.number().int().nonnegative();

/**
 * The run metrics as the CLI accepts them from a harness that is not Gatehouse: fetched, added and
 * updated are required; what a caller may not track is filled in (by `asStoredRun`), never guessed
 * from other runs — quarantined 0, unchanged as the rest of fetched (§4: fetched = added + updated +
 * unchanged + quarantined), and a duration left out as 0, which no rule reads as slow. A duration
 * may carry fractions of a millisecond (a timer's reading); it is rounded. Every one is at most
 * Number.MAX_SAFE_INTEGER, as `update` stores them. The rest — rolledBack, fetchErrors, duplicates
 * (`rolledBack: -3` was once judged) and a harness's own keys, none below 0 — is shared/run.ts's rule.
 */
const cliMetricsSchema = runMetricsSchema
  .extend({
    unchanged: count.optional(),
    quarantined: count.default(0),
    // Bounded as the counts are: a duration of 1.5e308 ms gave a band whose high overflowed to Infinity, printed as null.
    durationMs: z.number().nonnegative().max(Number.MAX_SAFE_INTEGER).default(0),
  });

/** A run as given, checked but not yet completed. */
const givenRunSchema = historyEntrySchema.extend({ startedAt: runStartSchema, metrics: cliMetricsSchema });
type GivenRun = z.output<typeof givenRunSchema>;

/**
 * A checked run completed as the store would hold it: the metrics filled in as above, and its start
 * in UTC (`+05:00` or no zone in, `Z` out), so the ids and dates a verdict names are the ones
 * `update` would have named.
 */
function asStoredRun(run: GivenRun) {
  const { metrics } = run;
  const unchanged = metrics.unchanged ?? Math.max(0, metrics.fetched - metrics.added - metrics.updated - metrics.quarantined);
  return {
    ...run,
    startedAt: new Date(Date.parse(zonelessAsUtc(run.startedAt))).toISOString(),
    metrics: { ...metrics, durationMs: Math.round(metrics.durationMs), unchanged },
  };
}

/** A run as the CLI accepts it: the §3 history entry, checked, then completed by `asStoredRun`. */
export const runEntrySchema = givenRunSchema.transform(asStoredRun);
/**
 * The runs of a history, every one checked before any is completed, in one pass: a zod transform
 * per run cost more than the checks themselves (a --batch line may carry years of daily runs).
 */
export const runHistorySchema = z.array(givenRunSchema).transform((runs) => runs.map(asStoredRun));
/**
 * Besides its runs, a line may name the task it is judged for (its sensitivity in force, read from
 * `--db`) or give the sensitivity outright, in the shape `validate tune` and the Sensitivity panel
 * save; the line's own settings win over its task's.
 */
const lineTaskSchema = sensitivityTaskInputSchema.shape.task.superRefine((name, context) => {
  // The name rule leaves NUL to each path's own check (CONTROL_CHARACTER); the API's is its dispatch, a line's is here.
  const at = name.indexOf('\0');
  if (at !== -1) context.addIssue({ code: 'custom', message: `contains the control character U+0000 (NUL) at character ${at + 1}`, input: name });
});
const lineSettingsSchema = z.object({ task: lineTaskSchema.optional(), sensitivity: sensitivitySettingsSchema.optional() });
export const batchLineSchema = lineSettingsSchema.extend({ history: runHistorySchema, current: runEntrySchema });
const lineWithoutHistorySchema = batchLineSchema.omit({ history: true });

/**
 * The sensitivity each task had in force when the batch began (`--db`), and the task a line that
 * names none is judged for (`--task`). Absent, a line may still give `sensitivity`; one naming a
 * task is refused, since its settings cannot be read.
 */
export interface BatchSensitivity {
  inForce: ReadonlyMap<string, SensitivitySettings>;
  defaultTask?: string;
}

export interface BatchJudge {
  /** The output line (without newline) for one input line; `lineNumber` is 1-based, for messages. */
  judgeLine(line: string, lineNumber: number): string;
  /** The error line for an input line refused unread (too long to hold), its id read from `head`, its first bytes. */
  refuseLine(head: string, lineNumber: number, reason: string): string;
}

/** An outside harness names its cases: `id` (text or a number) is answered back on the case's line. */
type CaseId = string | number;
type Answer = CaseVerdict | { error: { code: 'INPUT_INVALID' | 'INTERNAL'; message: string } };
export type BatchOutcome = Answer & { id?: CaseId };

const ID_FIRST = /^\s*\{\s*"id"\s*:\s*("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?)\s*[,}]/;

/** The id of a line that is not valid JSON, when it is the first key and readable on its own (a line cut short keeps it). */
function leadingId(line: string): CaseId | undefined {
  const match = ID_FIRST.exec(line);
  if (!match) return undefined;
  try {
    return JSON.parse(match[1]!) as CaseId;
  } catch {
    return undefined;
  }
}

/** A refused value as a message shows it: short, whatever its size or depth (JSON.stringify recurses; 1e400 reads as Infinity, not null). */
function shownValue(value: unknown): string {
  if (typeof value === 'number') return String(value);
  const { text } = jsonWithinDepth(value, 3);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

const EXPECTED_LINE = 'expected one JSON object {"history": [...], "current": {...}}';

/** What a line that is JSON but not an object holds, as a per-line error says it (zod's root error read "input: …"). */
function notAnObject(value: unknown): string {
  const kind = Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value === 'string' ? 'text' : typeof value === 'number' ? `the number ${shownValue(value)}` : String(value);
  return `not an object but ${kind} (${EXPECTED_LINE})`;
}

function caseName(lineNumber: number, id: CaseId | undefined): string {
  return id === undefined ? `line ${lineNumber}` : `line ${lineNumber} (id ${JSON.stringify(id)})`;
}

function errorOf(code: 'INPUT_INVALID' | 'INTERNAL', lineNumber: number, id: CaseId | undefined, message: string): BatchOutcome {
  return { ...(id === undefined ? {} : { id }), error: { code, message: `${caseName(lineNumber, id)}: ${message}` } };
}

/** The settings a line is judged under, or why they cannot be known. */
function lineSensitivity(line: z.infer<typeof lineSettingsSchema>, sensitivity: BatchSensitivity | undefined): SensitivitySettings | undefined | string {
  if (line.sensitivity !== undefined) return line.sensitivity;
  const task = line.task ?? sensitivity?.defaultTask;
  if (task === undefined) return undefined;
  if (sensitivity === undefined) return `task: "${task}"'s sensitivity is kept in a database: give --db DB (or "sensitivity" on the line)`;
  return sensitivity.inForce.get(task) ?? `task: unknown task "${task}": no scheduled task or stored run has that name in the database`;
}

/**
 * A verdict on runs given in a file or a line, with how many of them started at or after the
 * judged run and were left out (0 when none): the verdict alone, with its historySize, cannot tell
 * a caller that its look-ahead was dropped rather than learned from.
 */
export type CaseVerdict = ValidationResult & { laterRunsLeftOut: number };

/**
 * One case — a batch line, or `validate --history --current` — judged under its settings; a text
 * when they cannot be known. Both modes come through here, so a pair gets one answer either way.
 */
export function judgeCase(history: readonly HistoryEntry[], line: z.infer<typeof lineWithoutHistorySchema>, sensitivity?: BatchSensitivity, options: JudgeOptions = {}): CaseVerdict | string {
  const settings = lineSensitivity(line, sensitivity);
  if (typeof settings === 'string') return settings;
  const verdict = judgeAsStored(history, line.current, settings === undefined ? options : { ...options, sensitivity: settings });
  return { ...verdict, laterRunsLeftOut: runsNotBefore(history, line.current) };
}

interface CheckedHistory {
  fingerprint: string;
  history: HistoryEntry[];
}

/**
 * The previous line's checked history when this line's is the same, or the same with up to
 * EXTEND_AT_MOST runs more (a day-by-day replay): only the runs added are checked. Undefined when
 * the history is another, or an added run is bad — the whole line is then checked, so the error
 * reads as it would alone.
 */
function extendedHistory(previous: CheckedHistory | null, fingerprints: HistoryFingerprints | null, rawHistory: unknown): HistoryEntry[] | undefined {
  if (previous === null || fingerprints === null) return undefined;
  if (fingerprints.full === previous.fingerprint) return previous.history;
  const added = fingerprints.prefixes.indexOf(previous.fingerprint) + 1;
  if (added === 0) return undefined;
  const checked = runHistorySchema.safeParse((rawHistory as unknown[]).slice(-added));
  return checked.success ? [...previous.history, ...checked.data] : undefined;
}

const RUNS_CHECKED_AT_ONCE = 1024;

/**
 * A line's history checked and completed a slice of runs at a time, each parsed run's place taken by
 * its completed self as soon as it is checked: the parsed runs, zod's copies and the completed runs were all held
 * at once, some 9× a 60 MB line. Null when the history is not an array or a run is refused — the
 * runs before it are then completed already, so the caller reads the line again for its error.
 */
function historyCompletedInPlace(rawHistory: unknown): HistoryEntry[] | null {
  if (!Array.isArray(rawHistory)) return null;
  // A slice at a time: one zod call per run cost a third more on short histories than one per line.
  for (let start = 0; start < rawHistory.length; start += RUNS_CHECKED_AT_ONCE) {
    const checked = runHistorySchema.safeParse(rawHistory.slice(start, start + RUNS_CHECKED_AT_ONCE));
    if (!checked.success) return null;
    for (let index = 0; index < checked.data.length; index++) rawHistory[start + index] = checked.data[index];
  }
  return rawHistory as HistoryEntry[];
}

export function createBatchJudge(options: JudgeOptions = {}, sensitivity?: BatchSensitivity): BatchJudge {
  let previous: CheckedHistory | null = null;
  const judged = (history: readonly HistoryEntry[], line: z.infer<typeof lineWithoutHistorySchema>) => judgeCase(history, line, sensitivity, options);

  /** `parsed` is `text` read (no key repeated), which a refused line is read from again. */
  const answer = (parsed: object, text: string): Answer | string => {
    const rawHistory = (parsed as { history?: unknown }).history;
    const fingerprints = historyFingerprints(rawHistory);
    const known = extendedHistory(previous, fingerprints, rawHistory);
    const history = known ?? historyCompletedInPlace(rawHistory);
    // As the whole line's check words it: every problem counted, in the line's order.
    if (history === null) return describeZodError(batchLineSchema.safeParse(JSON.parse(text)).error!);
    const rest = lineWithoutHistorySchema.safeParse(parsed);
    if (!rest.success) return describeZodError(rest.error);
    if (fingerprints !== null) previous = { fingerprint: fingerprints.full, history };
    return judged(history, rest.data);
  };

  const outcome = (line: string, lineNumber: number): BatchOutcome => {
    if (line.trim() === '') return errorOf('INPUT_INVALID', lineNumber, undefined, `empty line (${EXPECTED_LINE})`);
    let parsed: unknown;
    let repeated: RepeatedKeys | null;
    try {
      ({ value: parsed, repeated } = parseJsonNotingRepeatedKeys(line));
    } catch (error) {
      return errorOf('INPUT_INVALID', lineNumber, leadingId(line), `not valid JSON (${(error as Error).message})`);
    }
    // JSON.parse would keep the last of two "current"s (or two "added"s) and judge a run nobody sent.
    if (repeated !== null) return errorOf('INPUT_INVALID', lineNumber, leadingId(line), firstRepeatedKey(parsed, repeated, 'the line')!);
    const given = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as { id?: unknown }).id : undefined;
    if (given !== undefined && typeof given !== 'string' && !(typeof given === 'number' && Number.isFinite(given))) {
      return errorOf('INPUT_INVALID', lineNumber, undefined, `id must be text or a number, got ${shownValue(given)}`);
    }
    // 12345678901234567890 reads as the double 12345678901234567000: the answer would carry an id nobody sent.
    if (typeof given === 'number' && Number.isInteger(given) && !Number.isSafeInteger(given)) {
      return errorOf('INPUT_INVALID', lineNumber, undefined, `id ${shownValue(given)} is a whole number past ${Number.MAX_SAFE_INTEGER}, which cannot be answered back exactly: give it as text`);
    }
    const id = given as CaseId | undefined;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return errorOf('INPUT_INVALID', lineNumber, id, notAnObject(parsed));
    const result = answer(parsed, line);
    if (typeof result === 'string') return errorOf('INPUT_INVALID', lineNumber, id, result);
    return id === undefined ? result : { id, ...result };
  };

  return {
    judgeLine(line, lineNumber) {
      try {
        return JSON.stringify(outcome(line, lineNumber));
      } catch (error) {
        // A bug must not cost the caller the alignment of every later line.
        return JSON.stringify(errorOf('INTERNAL', lineNumber, leadingId(line), (error as Error).message));
      }
    },
    refuseLine(head, lineNumber, reason) {
      return JSON.stringify(errorOf('INPUT_INVALID', lineNumber, leadingId(head), reason));
    },
  };
}

/**
 * Lines given whole (the API's validation.batch), each answered as `validate --batch` answers its
 * line k: the same JSON, parsed. Lines with no text at all are refused whole, as the CLI refuses
 * such input: an automation must not read "every line judged" when its generator wrote nothing.
 */
export function judgeBatchLines(lines: readonly string[], sensitivity?: BatchSensitivity): BatchOutcome[] {
  if (lines.every((line) => line.trim() === '')) {
    throw new GatehouseError('INPUT_INVALID', `lines holds only blank lines (${lines.length.toLocaleString('en-US')}): no line to judge (expected lines {"history": [...], "current": {...}})`);
  }
  const judge = createBatchJudge({}, sensitivity);
  return lines.map((line, index) => JSON.parse(judge.judgeLine(line, index + 1)) as BatchOutcome);
}
