import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { judgeRun, type JudgeOptions } from '../../main/validation/index.js';
import type { HarnessJudge, HarnessVerdict } from './harness/harness.js';
import type { HarnessRun } from './harness/world.js';

/**
 * How the harness reaches the validator, in either world: in process through `judgeRun`
 * (what `gatehouse validate --batch` calls per line), and — to show the two agree — through the
 * real `gatehouse validate --batch` on a sample of the same cases.
 */
export function inProcessJudge(options: JudgeOptions = {}): HarnessJudge {
  return (history, current) => judgeRun(history, current, options);
}

/** Records every case it is asked about (answering as the in-process judge does), for a replay through the CLI. */
export function recordingJudge(every: number, options: JudgeOptions = {}): { judge: HarnessJudge; sample: { line: string; verdict: HarnessVerdict }[] } {
  const sample: { line: string; verdict: HarnessVerdict }[] = [];
  const inner = inProcessJudge(options);
  let count = 0;
  const judge: HarnessJudge = (history, current) => {
    const verdict = inner(history, current);
    if (count++ % every === 0) sample.push({ line: JSON.stringify({ history: history.slice(-200), current }), verdict: inner(history.slice(-200), current) });
    return verdict;
  };
  return { judge, sample };
}

/** The installed command (bin/gatehouse.js runs the built CLI), from dist/bench/validation or, under vitest, from the source. */
const BIN = import.meta.url.includes('/dist/bench/') ? '../../../bin/gatehouse.js' : '../../bin/gatehouse.js';

/** The answer lines of the real `gatehouse validate --batch [...options]` to `lines`, parsed, in order. */
export function cliVerdictLines(lines: readonly string[], options: readonly string[] = []): unknown[] {
  const cli = fileURLToPath(new URL(BIN, import.meta.url));
  const output = spawnSync(process.execPath, [cli, 'validate', '--batch', ...options], { input: `${lines.join('\n')}\n`, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (output.status !== 0) throw new Error(`validate --batch failed: ${output.stderr}`);
  const answers = output.stdout.trimEnd().split('\n');
  if (answers.length !== lines.length) throw new Error(`validate --batch answered ${answers.length} lines to ${lines.length}`);
  return answers.map((answer) => JSON.parse(answer) as unknown);
}

/**
 * Replays recorded cases through the CLI; returns how many answers differ from the in-process
 * judge's — the whole result (anomalies, bands, state), not only the verdict word.
 */
export function cliAgreement(sample: readonly { line: string; verdict: HarnessVerdict }[]): { cases: number; differing: number } {
  const answers = cliVerdictLines(sample.map((s) => s.line));
  const differing = sample.filter((s, i) => JSON.stringify(answers[i]) !== JSON.stringify(s.verdict)).length;
  return { cases: sample.length, differing };
}

export type { HarnessRun };
