import { pathToFileURL } from 'node:url';
import { probit } from 'simple-statistics';
import { HistoryModel, DEFAULT_THRESHOLDS } from '../../main/validation/index.js';
import { mixtureLowerTail, mixtureMean, mixtureUpperTail, tailForScore, type CountComponent } from '../../main/validation/historical/distributions.js';
import type { StreamWalk } from '../../main/validation/historical/stream-walk.js';
import { DEFAULT_HARNESS_OPTIONS, categoryOf } from './harness/harness.js';
import type { HarnessDay } from './harness/world.js';
import { answeredHelp, developmentSeeds, developmentVariant, optionValue } from './options.js';
import { developmentWorld, type DevelopmentVariant } from './development/world.js';
import { walkOf } from './diagnose.js';

/**
 * `node dist/bench/validation/calibration.js [--dev-seed=31337,1,2,3] [--dev-world=drift]`: is the single-run band
 * honest? For every clean normal day the harness counts (busy, light, quiet: the false-alarm
 * denominator), the tail probability fetched's judging mixture gives the run, each way (mid-p, so a
 * count is neither favoured nor penalised for being discrete): on an honest band the share beyond
 * 2 sigmas is 2.28 % each way and beyond the single-run bar its tail. Grouped by what the brief
 * of issue 10 asks of a predictive band — the day's kind, the count level, the state the judge
 * assumed, the time since the last quiet period, the weekday's history, an open change — and by
 * how far the model's expectation stood from the world's own (development knows it), which
 * separates a band too narrow from a level that is wrong. Development only: the audit world is
 * never read.
 */

interface Sample {
  lower: number;
  upper: number;
  /** The lower tail as a standard-normal score (counts of 10 or more, where it is near continuous). */
  z: number | null;
}

const TWO_SIGMA = tailForScore(2);
const SINGLE_BAR = tailForScore(DEFAULT_THRESHOLDS.fetched);

function midTail(components: readonly CountComponent[], value: number): Sample {
  const lower = mixtureLowerTail(components, value) - 0.5 * (mixtureLowerTail(components, value) - mixtureLowerTail(components, value - 1));
  const upper = mixtureUpperTail(components, value) - 0.5 * (mixtureUpperTail(components, value) - mixtureUpperTail(components, value + 1));
  const z = mixtureMean(components) >= 10 ? probit(Math.min(1 - 1e-12, Math.max(1e-12, lower))) : null;
  return { lower, upper, z };
}

const bucket = (value: number, edges: readonly number[], labels: readonly string[]): string => labels[edges.findIndex((edge) => value < edge)] ?? labels[labels.length - 1]!;

/** The groups one clean day falls in. */
function groupsOf(walk: StreamWalk, day: HarnessDay, mean: number, quietWeight: number, weekday: number): string[] {
  const since = walk.regime.lastEpisode ? (Date.parse(day.run.startedAt) - Date.parse(walk.regime.lastEpisode.until)) / 86_400_000 : Number.POSITIVE_INFINITY;
  const error = day.expected / Math.max(mean, 1e-9);
  return [
    'all',
    `day ${categoryOf(day)}`,
    `expects ${bucket(mean, [3, 10, 30, 100, 300], ['<3', '3-10', '10-30', '30-100', '100-300', '300+'])}`,
    `judge's quiet weight ${bucket(quietWeight, [0.01, 0.5], ['0', '<0.5', '>=0.5'])}`,
    `days since a quiet period ${bucket(since, [7, 14, 28, 60], ['<7', '7-13', '14-27', '28-59', '60+'])}`,
    `weekday runs ${bucket(walk.tracks.fetched.baseline.runsOn(weekday), [5, 10, 20], ['<5', '5-9', '10-19', '20+'])}`,
    `open change ${walk.tracks.fetched.change ? 'yes' : 'no'}`,
    `truth/model ${bucket(error, [0.7, 0.9, 1.1, 1.4], ['<0.7', '0.7-0.9', '0.9-1.1', '1.1-1.4', '1.4+'])}`,
  ];
}

function collect(seeds: readonly number[], variant: DevelopmentVariant): Map<string, Sample[]> {
  const world = developmentWorld(variant);
  const groups = new Map<string, Sample[]>();
  const { streams, days, judgeFrom } = DEFAULT_HARNESS_OPTIONS;
  for (const seed of seeds) {
    for (let index = 0; index < streams; index++) {
      const stream = world.generate({ seed, index, days });
      const model = HistoryModel.fromHistory(stream.days.slice(0, judgeFrom).map((d) => d.run));
      for (const day of stream.days.slice(judgeFrom)) {
        const category = categoryOf(day);
        if (!day.broken && (category === 'busy' || category === 'light' || category === 'quiet')) {
          const walk = walkOf(model);
          const evaluation = walk.probe(day.run);
          const { prediction, value } = evaluation.assessments.fetched;
          const weights = evaluation.context.step.judging;
          const sample = midTail(prediction.judging, value);
          for (const group of groupsOf(walk, day, mixtureMean(prediction.judging), weights.enter + weights.stay, evaluation.context.weekday)) {
            const samples = groups.get(group) ?? [];
            samples.push(sample);
            groups.set(group, samples);
          }
        }
        model.learn(day.run);
      }
    }
  }
  return groups;
}

function row(group: string, samples: readonly Sample[]): string {
  const share = (test: (s: Sample) => boolean): string => ((100 * samples.filter(test).length) / samples.length).toFixed(2).padStart(6);
  const scores = samples.flatMap((s) => (s.z === null ? [] : [s.z]));
  const mean = scores.reduce((sum, z) => sum + z, 0) / Math.max(1, scores.length);
  const sd = Math.sqrt(scores.reduce((sum, z) => sum + (z - mean) ** 2, 0) / Math.max(1, scores.length));
  const spread = scores.length >= 30 ? `${mean.toFixed(2).padStart(6)} ${sd.toFixed(2).padStart(5)}` : '     -     -';
  return `${group.padEnd(34)} ${String(samples.length).padStart(6)} ${share((s) => s.lower < TWO_SIGMA)} ${share((s) => s.upper < TWO_SIGMA)} ${share((s) => s.lower < SINGLE_BAR)} ${share((s) => s.upper < SINGLE_BAR)}   ${spread}`;
}

const USAGE = `Usage: node dist/bench/validation/calibration.js [--dev-seed=31337,1,2,3] [--dev-world=plain|drift]
  Whether fetched's single-run band is honest: the share of clean normal days beyond 2 sigmas and beyond the bar, by group.`;

function main(argv: readonly string[]): void {
  if (answeredHelp(argv, USAGE, ['--dev-seed', '--dev-world'])) return;
  const seeds = developmentSeeds(optionValue(argv, 'dev-seed'), '31337,1,2,3');
  const variant = developmentVariant(optionValue(argv, 'dev-world'));
  const groups = collect(seeds, variant);
  const percent = (p: number): string => (100 * p).toFixed(2).padStart(6);
  process.stdout.write(`development (${variant}) seeds ${seeds.join(', ')}: clean busy, light and quiet days, fetched's single-run tails (%)\n`);
  process.stdout.write(`${'group'.padEnd(34)} ${'days'.padStart(6)} ${'<2σ lo'.padStart(6)} ${'hi'.padStart(6)} ${`<${DEFAULT_THRESHOLDS.fetched}σ lo`.padStart(6)} ${'hi'.padStart(6)}   z mean    sd (10+ expected)\n`);
  process.stdout.write(`${'honest'.padEnd(34)} ${''.padStart(6)} ${percent(TWO_SIGMA)} ${percent(TWO_SIGMA)} ${percent(SINGLE_BAR)} ${percent(SINGLE_BAR)}     0.00  1.00\n`);
  for (const [group, samples] of [...groups].sort(([a], [b]) => a.localeCompare(b))) process.stdout.write(`${row(group, samples)}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main(process.argv.slice(2));
