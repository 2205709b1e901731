import { pathToFileURL } from 'node:url';
import { countLowerTail, countUpperTail } from '../../main/validation/historical/distributions.js';
import { answeredHelp, developmentSeeds, developmentVariant, optionValue } from './options.js';
import { diagnose, type CaseRecord } from './diagnose.js';
import { contextOf, isNormalDay } from './harness/harness.js';

/**
 * `node dist/bench/validation/ceiling.js [--dev-seed=31337,1,2,3] [--dev-world=drift] [--budget=0.01]`:
 * how many of the development world's volume cases any detector could catch at 1 % (`--budget`)
 * false positives on normal days, and where the validator falls short of that. The oracle knows each day's true expected
 * count, which no detector does, and alarms when the observed count's two-sided tail is below
 * alpha, with alpha set per seed so that it alarms on the budget's share of the clean normal days (busy, light,
 * quiet). Two oracles: Poisson, and negative binomial with each stream's over-dispersion measured
 * on its clean days' truth (in the drift world it absorbs the day multiplier too). A shift's oracle
 * sums the runs since the shift began. The mix, freshness, quarantine and duration kinds are not
 * volume changes and are left out. Development only: the audit world is never read.
 */

const VOLUME_KINDS = ['spike', 'drop', 'zero', 'burst', 'shift-down', 'shift-up'];
const DEFAULT_BUDGET = 0.01;
const ORACLES = ['nb', 'poisson'] as const;
type Oracle = (typeof ORACLES)[number];

/** Each stream's φ in var = μ + φμ², by moments over its clean days: Σ((x − μ)² − μ) / Σμ². */
function overDispersion(records: readonly CaseRecord[]): Map<string, number> {
  const sums = new Map<string, { excess: number; square: number }>();
  for (const r of records) {
    if (r.kind !== 'clean' || r.young || !r.day || r.day.broken) continue;
    const mean = r.day.expected;
    const sum = sums.get(r.stream) ?? { excess: 0, square: 0 };
    sum.excess += (r.current.metrics.fetched - mean) ** 2 - mean;
    sum.square += mean * mean;
    sums.set(r.stream, sum);
  }
  return new Map([...sums].map(([stream, sum]) => [stream, Math.max(0, sum.excess / sum.square)]));
}

/** The two-sided tail of the judged count (a shift: its runs summed) under the day's truth. */
function truthTail(r: CaseRecord, phi: number): number {
  const window = r.shiftWindow ?? [{ day: r.day!, fetched: r.current.metrics.fetched }];
  const mean = window.reduce((s, w) => s + w.day.expected, 0);
  const count = window.reduce((s, w) => s + w.fetched, 0);
  // A sum of negative binomials with one φ: its variance's quadratic part is φΣμ², i.e. φΣμ²/(Σμ)² of the sum's mean squared.
  const sumPhi = (phi * window.reduce((s, w) => s + w.day.expected ** 2, 0)) / (mean * mean);
  return Math.min(countLowerTail(count, mean, sumPhi), countUpperTail(count, mean, sumPhi));
}

/** The largest alpha at which the oracle alarms on at most the budget's share of clean normal days. */
function calibratedAlpha(cleanTails: number[], budget: number): number {
  const sorted = [...cleanTails].sort((a, b) => a - b);
  return sorted[Math.floor(budget * sorted.length)]!;
}

interface Row {
  cases: number;
  us: number;
  oracle: Record<Oracle, number>;
  gap: Record<Oracle, number>;
  usOnly: Record<Oracle, number>;
}

const newRow = (): Row => ({ cases: 0, us: 0, oracle: { nb: 0, poisson: 0 }, gap: { nb: 0, poisson: 0 }, usOnly: { nb: 0, poisson: 0 } });

function tallySeed(records: readonly CaseRecord[], budget: number, rows: Map<string, Row>): string {
  const phis = overDispersion(records);
  const phiOf = (r: CaseRecord, oracle: Oracle): number => (oracle === 'poisson' ? 0 : phis.get(r.stream) ?? 0);
  const normal = records.filter((r) => r.kind === 'clean' && !r.young && r.day && isNormalDay(r.day));
  const normalTails = Object.fromEntries(ORACLES.map((o) => [o, normal.map((r) => truthTail(r, phiOf(r, o)))])) as Record<Oracle, number[]>;
  const alpha = Object.fromEntries(ORACLES.map((o) => [o, calibratedAlpha(normalTails[o], budget)])) as Record<Oracle, number>;
  for (const r of records) {
    if (!VOLUME_KINDS.includes(r.kind) || r.young || !r.day) continue;
    const us = r.verdict.verdict === 'anomalous';
    const oracle = Object.fromEntries(ORACLES.map((o) => [o, truthTail(r, phiOf(r, o)) < alpha[o]])) as Record<Oracle, boolean>;
    const family = r.stream.replace(/^development-|-\d+$/g, '');
    for (const key of [`${r.kind}`, `${r.kind} ${contextOf(r.day)}`, `${r.kind} ${family}`, 'all volume']) {
      const row = rows.get(key) ?? newRow();
      row.cases++;
      if (us) row.us++;
      for (const o of ORACLES) {
        if (oracle[o]) row.oracle[o]++;
        if (oracle[o] && !us) row.gap[o]++;
        if (us && !oracle[o]) row.usOnly[o]++;
      }
      rows.set(key, row);
    }
  }
  const falseAlarms = (o: Oracle): number => normalTails[o].filter((tail) => tail < alpha[o]).length;
  return ORACLES.map((o) => `${o} alpha ${alpha[o].toExponential(2)} (${falseAlarms(o)}/${normal.length} normal days)`).join(', ');
}

function table(rows: Map<string, Row>): string {
  const cell = (n: number, w = 7): string => String(n).padStart(w);
  const header = `${'cases by kind / context / family'.padEnd(28)}${cell(0).replace('0', 'cases')}${cell(0).replace('0', 'us')} | nb: oracle    gap usOnly | poisson: oracle    gap usOnly`;
  const lines = [...rows].map(([key, r]) => `${key.padEnd(28)}${cell(r.cases)}${cell(r.us)} | ${cell(r.oracle.nb, 10)}${cell(r.gap.nb)}${cell(r.usOnly.nb)} | ${cell(r.oracle.poisson, 15)}${cell(r.gap.poisson)}${cell(r.usOnly.poisson)}`);
  return [header, ...lines].join('\n');
}

const USAGE = `Usage: node dist/bench/validation/ceiling.js [--dev-seed=31337,1,2,3] [--dev-world=plain|drift] [--budget=0.01]
  How many development volume cases an oracle catches at the budget's false positives on normal days, beside the validator.`;

function main(argv: readonly string[]): void {
  if (answeredHelp(argv, USAGE, ['--dev-seed', '--dev-world', '--budget'])) return;
  const value = (name: string): string | undefined => optionValue(argv, name);
  const variant = developmentVariant(value('dev-world'));
  const budget = Number(value('budget') ?? DEFAULT_BUDGET);
  if (!(budget > 0 && budget < 1)) throw new Error(`--budget takes a share of normal days between 0 and 1 (0.01 is 1 %); got ${value('budget')}`);
  const seeds = developmentSeeds(value('dev-seed'), '31337');
  const rows = new Map<string, Row>();
  for (const seed of seeds) {
    process.stdout.write(`seed ${seed}: ${tallySeed(diagnose({}, seed, variant), budget, rows)}\n`);
  }
  process.stdout.write(`${table(new Map([...rows].sort(([a], [b]) => a.localeCompare(b))))}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main(process.argv.slice(2));
