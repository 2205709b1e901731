import { pathToFileURL } from 'node:url';
import { HistoryModel, judgeRun, type AlarmThresholds } from '../../main/validation/index.js';
import type { StreamWalk } from '../../main/validation/historical/stream-walk.js';
import { categoryOf, runHarness } from './harness/harness.js';
import type { HarnessDay, HarnessRun, HarnessStream, HarnessWorld } from './harness/world.js';
import { answeredHelp, developmentSeeds, developmentVariant, optionValue, thresholdOverrides } from './options.js';
import { developmentWorld, type DevelopmentVariant } from './development/world.js';

/**
 * `node dist/bench/validation/diagnose.js [--kind=drop [--young]] [--fp [--category=busy,light,quiet,first-back] [--young]] [--thresholds=...] [--dev-seed=N] [--dev-world=drift]`: the development
 * harness's misses per kind and its false positives, each with the day's truth and the verdict's
 * words — what tuning is read from. Development only: the audit world is never diagnosed.
 */

interface Pending {
  kind: string;
  factor?: number;
  /** A shift's scaled fetched counts, oldest first, the judged run last. */
  shifted?: number[];
}

export interface CaseRecord {
  stream: string;
  kind: string;
  day: HarnessDay | undefined;
  current: HarnessRun;
  verdict: ReturnType<typeof judgeRun>;
  factor?: number;
  history?: readonly HarnessRun[];
  /** A shift's runs since it began, the judged run last: each day's truth and its scaled fetched count. */
  shiftWindow?: { day: HarnessDay; fetched: number }[];
  /** Judged against a short history (the harness's young-history cases). */
  young: boolean;
}

/** Every judged run of the development harness (clean and injected), with its day's truth. */
export function diagnose(thresholds: Partial<AlarmThresholds>, seed: number, variant: DevelopmentVariant): CaseRecord[] {
  return judgedCases(developmentWorld(variant), thresholds, seed);
}

/**
 * Every judged run of `source`'s harness, with its day's truth. Only `bound.ts` passes the audit
 * world, and it reports totals per kind, never a case.
 */
export function judgedCases(source: HarnessWorld, thresholds: Partial<AlarmThresholds>, seed: number): CaseRecord[] {
  let stream: HarnessStream | null = null;
  let indexByTime = new Map<string, number>();
  let pending: Pending | null = null;
  const world: HarnessWorld = {
    generate: (options) => {
      stream = source.generate(options);
      indexByTime = new Map(stream.days.map((d, i) => [d.run.startedAt, i]));
      return stream;
    },
    inject: (rng, kind, run, busy) => {
      pending = { kind };
      return source.inject(rng, kind, run, busy);
    },
    scale: (metrics, factor) => {
      const scaled = source.scale(metrics, factor);
      pending = { kind: factor < 1 ? 'shift-down' : 'shift-up', factor, shifted: [...(pending?.shifted ?? []), scaled.fetched] };
      return scaled;
    },
  };
  const records: CaseRecord[] = [];
  runHarness(
    world,
    (history, current) => {
      const verdict = judgeRun(history, current, { thresholds });
      const injected = pending as Pending | null;
      pending = null;
      const kind = injected?.kind ?? 'clean';
      const keep = (kind === 'clean') === (verdict.verdict === 'anomalous');
      const days = (stream as HarnessStream | null)?.days ?? [];
      const index = indexByTime.get(current.startedAt);
      const day = index === undefined ? undefined : days[index];
      const shifted = injected?.shifted;
      const shiftWindow = shifted && index !== undefined ? shifted.map((fetched, k) => ({ day: days[index - shifted.length + 1 + k]!, fetched })) : undefined;
      records.push({ stream: (stream as HarnessStream | null)?.id ?? '?', kind, factor: injected?.factor, day, current, verdict, history: keep ? history : undefined, shiftWindow, young: history.length < 100 });
      return verdict;
    },
    { seed },
  );
  return records;
}

function describe(r: CaseRecord): string {
  const d = r.day;
  const truth = d ? `exp=${d.expected.toFixed(1)} state=${d.state} wd=${d.weekday} busyWd=${d.busyWeekday} qd=${d.quietDay} back=${d.backDay} bnd=${d.boundary}` : '?';
  const m = r.current.metrics;
  const words = r.verdict.anomalies.map((a) => `${a.metric}/${a.rule} v=${a.value} e=${a.expected?.toFixed(1)} s=${a.score.toFixed(2)}`).join('; ');
  const band = r.verdict.bands?.fetched;
  return `${r.stream} ${r.current.startedAt.slice(0, 10)} ${r.kind}${r.factor ? `×${r.factor.toFixed(2)}` : ''} | ${truth} | fetched=${m.fetched} orig=${d?.run.metrics.fetched} | ${r.verdict.verdict} ${r.verdict.state?.description ?? ''} band=${band ? `${band.low.toFixed(0)}..${band.expected.toFixed(1)}..${band.high.toFixed(0)}` : '-'} ${words}`;
}

function runLine(entry: HarnessRun): string {
  const m = entry.metrics;
  return `    ${entry.startedAt.slice(0, 10)} fetched=${m.fetched} added=${m.added} updated=${m.updated} quarantined=${m.quarantined} durationMs=${m.durationMs}`;
}

/**
 * The model's walk, which the product keeps private: the diagnostic tools read its state (regime,
 * tracks, the probe's assessments) to show what each rule saw.
 */
export function walkOf(model: HistoryModel): StreamWalk {
  return (model as unknown as { walk: StreamWalk }).walk;
}

/** The walk's view of the last runs before a case and of the case itself: what each rule saw. */
function trace(r: CaseRecord, runs: number): string {
  const history = r.history ?? [];
  let model = HistoryModel.fromHistory(history.slice(0, history.length - runs));
  const lines: string[] = [];
  for (const entry of [...history.slice(history.length - runs), r.current]) {
    const walk = walkOf(model);
    const e = walk.probe(entry);
    const a = e.assessments.fetched;
    const w = e.context.step.judging;
    const f = e.context.step.filtering;
    const sd = a.shift?.down;
    const su = a.shift?.up;
    const ch = walk.tracks.fetched.change;
    lines.push(`    ${entry.startedAt.slice(0, 10)} wd${e.context.weekday} v=${a.value} mean=${a.prediction.mean.toFixed(1)} phi=${a.prediction.phi.toFixed(3)} lo=${a.lowScore.toFixed(2)} hi=${a.highScore.toFixed(2)} J[n${w.normal.toFixed(2)} e${w.enter.toFixed(2)} s${w.stay.toFixed(2)} x${w.exit.toFixed(2)}] F[e${f.enter.toFixed(2)} s${f.stay.toFixed(2)}] q=${walk.regime.quiet.toFixed(2)}->${e.quietAfter.toFixed(2)} ep=${walk.regime.episode ? `${walk.regime.episode.since.slice(5, 10)}${walk.regime.episode.anticipated ? 'A' : ''}` : '-'} ret=${e.context.returning} cusum↓${sd ? `${sd.statistic.toFixed(2)}/${sd.runs}` : '-'} ↑${su ? `${su.statistic.toFixed(2)}/${su.runs}` : '-'} change=${ch ? `${ch.direction}@${ch.since.slice(5, 10)} ${a.changeStatus}` : '-'} find=${e.findings.map((x) => `${x.metric}:${x.rule}:${x.kind}:${x.score.toFixed(2)}`).join(',')}`);
    model = model.extendedWith(entry);
  }
  return lines.join('\n');
}

/** Misses and cases of one kind by the day's expected count and context. */
function histogram(records: readonly CaseRecord[], kind: string): string {
  const rows = new Map<string, { cases: number; missed: number }>();
  for (const r of records) {
    if (r.kind !== kind || r.young || !r.day) continue;
    const e = r.day.expected;
    const bucket = e < 5 ? 'a:<5' : e < 10 ? 'b:5-10' : e < 20 ? 'c:10-20' : e < 50 ? 'd:20-50' : e < 200 ? 'e:50-200' : 'f:200+';
    const context = r.day.state === 'quiet' ? 'quiet' : r.day.backDay > 0 ? 'back' : r.day.boundary ? 'boundary' : 'normal';
    for (const key of [`${bucket} all`, `${bucket} ${context}`]) {
      const row = rows.get(key) ?? { cases: 0, missed: 0 };
      row.cases++;
      if (r.verdict.verdict !== 'anomalous') row.missed++;
      rows.set(key, row);
    }
  }
  return [...rows].sort(([a], [b]) => a.localeCompare(b)).map(([key, row]) => `${key.padEnd(18)} ${String(row.missed).padStart(5)} missed of ${String(row.cases).padStart(5)}`).join('\n');
}

const USAGE = `Usage: node dist/bench/validation/diagnose.js (--kind=KIND [--young] [--histogram] | --fp [--category=busy,light,quiet,first-back] [--young])
  [--thresholds=fetched:3.2,mix:3.5] [--dev-seed=N] [--dev-world=plain|drift] [--limit=60] [--trace=RUNS]
  The development harness's misses of one kind (--kind) or its false positives (--fp), each with the day's truth and the
  verdict's words; --histogram counts the misses by expected count and context, --trace=N shows the walk's last N runs.
  Without --kind or --fp it has nothing to print.`;

function main(argv: readonly string[]): void {
  if (answeredHelp(argv, USAGE, ['--kind', '--young', '--histogram', '--fp', '--category', '--thresholds', '--dev-seed', '--dev-world', '--limit', '--trace'])) return;
  // Judging the whole development harness takes minutes: not for nothing to print.
  if (optionValue(argv, 'kind') === undefined && !argv.includes('--fp')) throw new Error(`diagnose needs --kind=KIND or --fp\n${USAGE}`);
  const value = (name: string): string | undefined => optionValue(argv, name);
  const thresholds = thresholdOverrides(value('thresholds'));
  const variant = developmentVariant(value('dev-world'));
  const [seed, ...more] = developmentSeeds(value('dev-seed'), '31337');
  if (more.length > 0) throw new Error(`--dev-seed takes one seed here; got ${value('dev-seed')}`);
  const records = diagnose(thresholds, seed!, variant);
  const kind = value('kind');
  const limit = Number(value('limit') ?? 60);
  const traced = Number(value('trace') ?? 0);
  const shown = (r: CaseRecord): string => (traced > 0 ? `${describe(r)}\n${trace(r, traced)}` : describe(r));
  // A young history is short enough to print whole: its runs are all the fallback compared with.
  const show = (r: CaseRecord): string => (r.history && r.history.length < 10 ? `${shown(r)}\n${r.history.map(runLine).join('\n')}` : shown(r));
  if (argv.includes('--fp')) {
    const young = argv.includes('--young');
    // The harness's own day categories, so the count is the one eval.js reports for them.
    const categories = (value('category') ?? 'busy,light,quiet,first-back').split(',');
    const fps = records.filter((r) => r.kind === 'clean' && r.young === young && r.verdict.verdict === 'anomalous' && r.day && categories.includes(categoryOf(r.day)));
    process.stdout.write(`${fps.length} false positives on ${categories.join(', ')} days\n${fps.slice(0, limit).map(show).join('\n')}\n`);
  }
  if (kind && argv.includes('--histogram')) process.stdout.write(`${histogram(records, kind)}\n`);
  else if (kind) {
    const young = argv.includes('--young');
    const misses = records.filter((r) => r.kind === kind && r.young === young && r.verdict.verdict !== 'anomalous');
    process.stdout.write(`${misses.length} misses of ${records.filter((r) => r.kind === kind).length} ${kind}\n${misses.slice(0, limit).map(show).join('\n')}\n`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main(process.argv.slice(2));
