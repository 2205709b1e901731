import { z } from 'zod';
import { runMetricsSchema } from '../../../shared/run.js';
import { historyEntrySchema, type HistoryEntry, type ValidationResult } from '../../../shared/validation.js';
import { describeZodError } from '../../../shared/zod-problems.js';
import { historyFingerprint, judgeRun } from './cache.js';
import type { JudgeOptions } from './model.js';

export { describeZodError };

/**
 * `gatehouse validate --batch`, minus the streams: one NDJSON line in, one verdict line out. A
 * bad line answers with an error line in its place, so output line k always belongs to input
 * line k. Consecutive lines usually share one history (trials judge many variants of a run
 * against the same past), so a line whose history is unchanged skips validation and model
 * building altogether.
 */

const count = z.number().int().nonnegative();

/**
 * The run metrics as the CLI accepts them from a harness that is not Gatehouse: fetched, added and
 * updated are required; what a caller may not track is filled in, never guessed from other runs —
 * quarantined 0, unchanged as the rest of fetched (§4: fetched = added + updated + unchanged +
 * quarantined), and a duration left out as 0, which no rule reads as slow. A duration may carry
 * fractions of a millisecond (a timer's reading); it is rounded.
 */
const cliMetricsSchema = runMetricsSchema
  .extend({
    unchanged: count.optional(),
    quarantined: count.default(0),
    durationMs: z.number().nonnegative().default(0).transform(Math.round),
  })
  .transform((metrics) => ({ ...metrics, unchanged: metrics.unchanged ?? Math.max(0, metrics.fetched - metrics.added - metrics.updated - metrics.quarantined) }));

/** A run as the CLI accepts it: the §3 history entry, with its metrics completed as above. */
export const runEntrySchema = historyEntrySchema.extend({ metrics: cliMetricsSchema });
export const batchLineSchema = z.object({ history: z.array(runEntrySchema), current: runEntrySchema });

export interface BatchJudge {
  /** The output line (without newline) for one input line; `lineNumber` is 1-based, for messages. */
  judgeLine(line: string, lineNumber: number): string;
}

export type BatchOutcome = ValidationResult | { error: { code: 'INPUT_INVALID' | 'INTERNAL'; message: string } };

function errorLine(lineNumber: number, message: string): BatchOutcome {
  return { error: { code: 'INPUT_INVALID', message: `line ${lineNumber}: ${message}` } };
}

export function createBatchJudge(options: JudgeOptions = {}): BatchJudge {
  let previous: { fingerprint: string; history: HistoryEntry[] } | null = null;

  const outcome = (line: string, lineNumber: number): BatchOutcome => {
    if (line.trim() === '') return errorLine(lineNumber, 'empty line (expected one JSON object {"history": [...], "current": {...}})');
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (error) {
      return errorLine(lineNumber, `not valid JSON (${(error as Error).message})`);
    }
    const rawHistory = typeof parsed === 'object' && parsed !== null ? (parsed as { history?: unknown }).history : undefined;
    const fingerprint = historyFingerprint(rawHistory);
    if (previous && fingerprint === previous.fingerprint) {
      const current = runEntrySchema.safeParse((parsed as { current?: unknown }).current);
      if (!current.success) return errorLine(lineNumber, describeZodError(current.error, 'current'));
      return judgeRun(previous.history, current.data, options);
    }
    const checked = batchLineSchema.safeParse(parsed);
    if (!checked.success) return errorLine(lineNumber, describeZodError(checked.error));
    if (fingerprint !== null) previous = { fingerprint, history: checked.data.history };
    return judgeRun(checked.data.history, checked.data.current, options);
  };

  return {
    judgeLine(line, lineNumber) {
      try {
        return JSON.stringify(outcome(line, lineNumber));
      } catch (error) {
        // A bug must not cost the caller the alignment of every later line.
        return JSON.stringify({ error: { code: 'INTERNAL', message: `line ${lineNumber}: ${(error as Error).message}` } });
      }
    },
  };
}
