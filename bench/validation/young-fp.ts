import { pathToFileURL } from 'node:url';
import type { HistoryEntry } from '../../shared/validation.js';
import { HistoryModel, LEVEL_SHIFT_SPAN, asRunMetrics, generateHistory, injectIntoSeries, injectRunAnomaly, typicalBusyDay, type RunAnomalyKind, type SyntheticDay } from '../../main/validation/index.js';
import { DEFAULT_EVAL_OPTIONS, SHORT_HISTORY_LENGTHS, kindsFor } from './eval.js';
import { answeredHelp, optionValue } from './options.js';

/**
 * `node dist/bench/validation/young-fp.js [--runs=21] [--seed=N] [--all]`: issue5's young-history
 * false alarms (the clean cases of its "Young histories" table, drawn as `eval.ts` draws them),
 * each with the judged day's truth (weekday, true recess, first day back, days since the last true
 * recess day), the verdict's state and words, and the history's fetched counts marked by season —
 * what a young-history fix is read from. `--all` prints the clean cases that passed too.
 */

const SEASON_MARK = (d: SyntheticDay): string => (d.firstBack ? 'B' : d.recess ? 'r' : d.weekday === 0 || d.weekday === 6 ? '.' : '');

function daysSinceRecess(days: readonly SyntheticDay[], index: number): string {
  for (let i = index; i >= 0; i--) if (days[i]!.recess) return String(index - i);
  return 'none';
}

function caseLine(organisation: string, days: readonly SyntheticDay[], start: number, length: number, model: HistoryModel): string {
  const judged = days[start + length]!;
  const result = model.judge(judged.entry);
  const season = judged.firstBack ? 'first-back' : judged.recess ? 'recess' : 'session';
  const words = result.anomalies.map((a) => `${a.metric}/${a.rule} v=${a.value} band=${a.low}..${a.expected}..${a.high} s=${a.score}`).join('; ');
  const history = days.slice(start, start + length).map((d) => `${d.entry.metrics.fetched}${SEASON_MARK(d)}`).join(' ');
  return [
    `${organisation} ${judged.entry.startedAt.slice(0, 10)} wd${judged.weekday} ${season} sinceRecess=${daysSinceRecess(days, start + length)} fetched=${judged.entry.metrics.fetched} | ${result.verdict} ${result.method} "${result.state?.description ?? ''}" | ${words}`,
    `    history: ${history}`,
  ].join('\n');
}

/** Each injected case on the judged run, caught or not (as eval.ts injects them): diffed between two builds. */
function injectedLines(organisation: string, window: readonly SyntheticDay[], model: HistoryModel): string[] {
  const entries = window.map((d) => d.entry);
  const index = entries.length - 1;
  const judged = entries[index]!;
  return kindsFor(window[index]!).map((kind: RunAnomalyKind) => {
    let caught = false;
    if (kind === 'level-shift') {
      const series = injectIntoSeries(entries, { kind });
      for (let run = Math.max(1, index - LEVEL_SHIFT_SPAN + 1); run <= index; run++) caught ||= HistoryModel.fromHistory(series.slice(0, run)).judge(series[run]!).verdict === 'anomalous';
    } else {
      const current: HistoryEntry = { startedAt: judged.startedAt, metrics: injectRunAnomaly(asRunMetrics(judged.metrics), { kind }, { busyDay: typicalBusyDay(window, index) }) };
      caught = model.judge(current).verdict === 'anomalous';
    }
    return `INJ ${organisation} ${judged.startedAt.slice(0, 10)} ${kind} ${caught ? 'caught' : 'missed'}`;
  });
}

const USAGE = `Usage: node dist/bench/validation/young-fp.js [--runs=21] [--seed=N] [--all] [--injected]
  Issue 5's young-history false alarms, each with the day's truth and the verdict's words; --all adds the clean
  cases that passed, --injected the injected cases of the same histories.`;

function main(argv: readonly string[]): void {
  if (answeredHelp(argv, USAGE, ['--runs', '--seed', '--all', '--injected'])) return;
  const value = (name: string): string | undefined => optionValue(argv, name);
  const length = Number(value('runs') ?? 21);
  if (!(SHORT_HISTORY_LENGTHS as readonly number[]).includes(length)) throw new Error(`--runs must be one of ${SHORT_HISTORY_LENGTHS.join(', ')}`);
  const options = { ...DEFAULT_EVAL_OPTIONS, ...(value('seed') ? { seed: Number(value('seed')) } : {}) };
  const lines: string[] = [];
  let cases = 0;
  let alarms = 0;
  options.organisations.forEach((profile, i) => {
    const days = generateHistory(profile, { seed: options.seed + 7919 * i, days: options.historyDays, contaminationRate: options.contaminationRate });
    for (let start = 0; start + length < days.length; start += 23) {
      if (days[start + length]!.contaminated) continue;
      const model = HistoryModel.fromHistory(days.slice(start, start + length).map((d) => d.entry));
      const anomalous = model.judge(days[start + length]!.entry).verdict === 'anomalous';
      cases++;
      if (anomalous) alarms++;
      if (anomalous || argv.includes('--all')) lines.push(caseLine(profile.name, days, start, length, model));
      if (argv.includes('--injected')) lines.push(...injectedLines(profile.name, days.slice(start, start + length + 1), model));
    }
  });
  process.stdout.write(`${alarms} false alarms of ${cases} clean ${length}-run cases\n${lines.join('\n')}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main(process.argv.slice(2));
