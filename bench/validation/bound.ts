import { pathToFileURL } from 'node:url';
import { logCountProbability } from '../../main/validation/historical/distributions.js';
import { AUDIT_SEED, AUDIT_WORLD } from './audit/index.js';
import { judgedCases, type CaseRecord } from './diagnose.js';
import { isNormalDay } from './harness/harness.js';
import { answeredHelp, optionValue } from './options.js';

/**
 * `node dist/bench/validation/bound.js [--budget=0.01]`: an upper bound on the audit's recall at a
 * normal-day false-positive budget, to say whether issue 10's target (0.97 at 1 %) is reachable by
 * any detector. Per scaled kind it runs the most powerful test there is (Neyman–Pearson: alarm when
 * the likelihood ratio of "this kind happened" to "a normal day" is over a bar) with two gifts no
 * detector has: each day's exact mean (the audit's latent wander included), and the whole budget
 * for that kind alone. Whatever a real detector catches of that kind at the same budget, this test
 * catches at least as many in expectation, so the sum over kinds (every other kind counted as all
 * caught) bounds the overall recall from above. Totals only: nothing here is used for tuning.
 */

/** The audit's scale factors (`bench/validation/audit/inject.ts`): the alternatives the bound tests for. */
const SCALED_KINDS: Record<string, { low: number; high: number }> = {
  zero: { low: 0, high: 0 },
  drop: { low: 0.05, high: 0.2 },
  spike: { low: 3, high: 6 },
};

/** P(round(n·f) = x) for f uniform on [low, high]; an injected run scales the day's count n. */
function scaledShare(n: number, x: number, low: number, high: number): number {
  if (high === low) return Math.round(n * low) === x ? 1 : 0;
  if (n === 0) return x === 0 ? 1 : 0;
  const from = Math.max(low, (x - 0.5) / n);
  const to = Math.min(high, (x + 0.5) / n);
  return Math.max(0, to - from) / (high - low);
}

/** log P(x | the kind scaled a day of mean `mean`), over the counts the day could have had (±12σ). */
function logAlternative(x: number, mean: number, kind: { low: number; high: number }): number {
  const reach = 12 * Math.sqrt(mean) + 20;
  let total = 0;
  for (let n = Math.max(0, Math.floor(mean - reach)); n <= mean + reach; n++) {
    const share = scaledShare(n, x, kind.low, kind.high);
    if (share > 0) total += Math.exp(logCountProbability(n, mean, 0)) * share;
  }
  return Math.log(total);
}

const logRatio = (x: number, mean: number, kind: { low: number; high: number }): number => logAlternative(x, mean, kind) - logCountProbability(x, mean, 0);

const exactMeanOf = (r: CaseRecord): number => Math.max(r.day!.exactMean ?? r.day!.expected, 1e-9);

/**
 * The most powerful test for "one of the scaled kinds happened", each kind weighted by its share of
 * the cases: log of the mixture's likelihood over a normal day's.
 */
function mixtureRatio(x: number, mean: number, weights: ReadonlyMap<string, number>): number {
  let total = 0;
  for (const [kind, weight] of weights) total += weight * Math.exp(logAlternative(x, mean, SCALED_KINDS[kind]!));
  return Math.log(total) - logCountProbability(x, mean, 0);
}

/** Cases caught by the test whose bar only `budget` of the normal days pass, per kind. */
function bounds(tests: ReadonlyMap<string, (r: CaseRecord) => number>, records: readonly CaseRecord[], normal: readonly CaseRecord[], budget: number): Map<string, number> {
  const caught = new Map<string, number>();
  for (const [name, ratio] of tests) {
    const bar = normal.map(ratio).sort((a, b) => b - a)[Math.floor(budget * normal.length)]!;
    const kinds = name === 'joint' ? Object.keys(SCALED_KINDS) : [name];
    for (const kind of kinds) caught.set(`${name} ${kind}`, records.filter((r) => r.kind === kind && ratio(r) > bar).length);
  }
  return caught;
}

const USAGE = `Usage: node dist/bench/validation/bound.js [--budget=0.01]
  An upper bound on the audit's recall per kind at a normal-day false-positive budget (default 1 %).`;

function main(argv: readonly string[]): void {
  if (answeredHelp(argv, USAGE, ['--budget'])) return;
  const budget = Number(optionValue(argv, 'budget') ?? 0.01);
  if (!(budget > 0 && budget < 1)) throw new Error(`--budget takes a share of normal days between 0 and 1 (0.01 is 1 %); got ${optionValue(argv, 'budget')}`);
  const records = judgedCases(AUDIT_WORLD, {}, AUDIT_SEED).filter((r) => !r.young && r.day);
  const normal = records.filter((r) => r.kind === 'clean' && !r.day!.broken && isNormalDay(r.day!));
  const injected = records.filter((r) => r.kind !== 'clean');
  const count = (kind: string): number => injected.filter((r) => r.kind === kind).length;
  const scaled = Object.keys(SCALED_KINDS);
  const weights = new Map(scaled.map((kind) => [kind, count(kind) / scaled.reduce((s, k) => s + count(k), 0)]));
  const tests = new Map<string, (r: CaseRecord) => number>([
    ...scaled.map((kind): [string, (r: CaseRecord) => number] => [kind, (r) => logRatio(r.current.metrics.fetched, exactMeanOf(r), SCALED_KINDS[kind]!)]),
    ['joint', (r) => mixtureRatio(r.current.metrics.fetched, exactMeanOf(r), weights)],
  ]);
  const caught = bounds(tests, records, normal, budget);
  const lines = [`${'kind'.padEnd(8)}${'cases'.padStart(7)}${'validator'.padStart(10)}${'alone'.padStart(7)}${'joint'.padStart(7)}`];
  for (const kind of scaled) {
    const validator = injected.filter((r) => r.kind === kind && r.verdict.verdict === 'anomalous').length;
    lines.push(`${kind.padEnd(8)}${String(count(kind)).padStart(7)}${String(validator).padStart(10)}${String(caught.get(`${kind} ${kind}`)).padStart(7)}${String(caught.get(`joint ${kind}`)).padStart(7)}`);
  }
  const missedBy = (name: string): number => scaled.reduce((s, kind) => s + count(kind) - caught.get(`${name} ${kind}`)!, 0);
  const alone = injected.length - scaled.reduce((s, kind) => s + count(kind) - caught.get(`${kind} ${kind}`)!, 0);
  const joint = injected.length - missedBy('joint');
  const validator = injected.filter((r) => r.verdict.verdict === 'anomalous').length;
  const share = (n: number): string => `${n} (${(n / injected.length).toFixed(4)})`;
  lines.push(`all ${injected.length} injected cases at ${budget} of ${normal.length} normal days: validator ${share(validator)}; bound, each kind alone ${share(alone)}, one shared budget ${share(joint)}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main(process.argv.slice(2));
