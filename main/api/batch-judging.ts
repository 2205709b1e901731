import fs from 'node:fs';
import { withoutByteOrderMark } from '../sources/index.js';
import { judgeBatchLines, type BatchOutcome, type BatchSensitivity } from '../validation/index.js';

/**
 * validation.batch's judging, on whichever thread runs it: the worker engine host gives it a
 * thread of its own (10,000 lines take seconds, and on the thread that answers the console they
 * held every other request — its polling, its event stream — until the last line), the in-process
 * host runs it where it is called.
 */
export function judgeBatchHere(lines: readonly string[], sensitivity: BatchSensitivity | undefined): BatchOutcome[] {
  pausedBeforeJudging();
  return judgeBatchLines(lines.map(withoutByteOrderMark), sensitivity);
}

/**
 * Test seam (GATEHOUSE_TEST_FAULTS=1, GATEHOUSE_PAUSE_BATCH_JUDGING=1, GATEHOUSE_PAUSE_FIFO=PATH): a
 * batch says `test seam: paused at judging a batch` on stderr and blocks its thread until the named
 * pipe is read to its end, so a test can ask something else while a batch is surely being judged.
 */
function pausedBeforeJudging(): void {
  if (process.env.GATEHOUSE_TEST_FAULTS !== '1' || process.env.GATEHOUSE_PAUSE_BATCH_JUDGING !== '1') return;
  const fifo = process.env.GATEHOUSE_PAUSE_FIFO;
  if (!fifo) throw new Error('test seam: GATEHOUSE_PAUSE_FIFO is needed to pause a batch');
  process.stderr.write('test seam: paused at judging a batch\n');
  fs.readFileSync(fifo);
}
