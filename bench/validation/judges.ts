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

/** Replays recorded cases through `node dist/cli.js validate --batch`; returns how many verdicts differ. */
export function cliAgreement(sample: readonly { line: string; verdict: HarnessVerdict }[]): { cases: number; differing: number } {
  const cli = fileURLToPath(new URL('../../main/cli.js', import.meta.url));
  const output = spawnSync(process.execPath, [cli, 'validate', '--batch'], { input: `${sample.map((s) => s.line).join('\n')}\n`, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (output.status !== 0) throw new Error(`validate --batch failed: ${output.stderr}`);
  const lines = output.stdout.trimEnd().split('\n');
  let differing = 0;
  sample.forEach((s, i) => {
    const answer = JSON.parse(lines[i] ?? '{}') as { verdict?: string };
    if (answer.verdict !== s.verdict.verdict) differing++;
  });
  return { cases: sample.length, differing };
}

export type { HarnessRun };
