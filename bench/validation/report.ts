import { magnitudeOf, RUN_ANOMALY_MAGNITUDES } from '../../main/validation/index.js';
import type { EvalResult, Method, Tally } from './eval.js';

const METHOD_TITLES: Record<Method, string> = {
  gatehouse: 'Gatehouse',
  phase22: 'Phase 2.2 static',
  zscore30: 'z-score 3σ / 30 runs',
};
const ORDER: readonly Method[] = ['gatehouse', 'phase22', 'zscore30'];

function percent(value: number): string {
  return Number.isNaN(value) ? '—' : `${(value * 100).toFixed(value < 0.1 && value > 0 ? 2 : 1)}%`;
}

function row(cells: readonly (string | number)[]): string {
  return `| ${cells.join(' | ')} |`;
}

function rates(tally: Tally): string[] {
  return ORDER.map((m) => percent(tally.rate(m)));
}

function recallTable(result: EvalResult): string[] {
  const lines = [row(['kind', 'magnitude', 'cases', ...ORDER.map((m) => METHOD_TITLES[m])]), row(['---', '---', '---:', '---:', '---:', '---:'])];
  for (const [kind, tally] of result.recall) {
    lines.push(row([kind, `${magnitudeOf({ kind })} (${RUN_ANOMALY_MAGNITUDES[kind].meaning})`, tally.cases, ...rates(tally)]));
  }
  lines.push(row(['**overall recall**', '', result.overallRecall.cases, ...rates(result.overallRecall).map((r) => `**${r}**`)]));
  return lines;
}

function falsePositiveTable(result: EvalResult): string[] {
  const lines = [row(['clean runs on', 'cases', ...ORDER.map((m) => METHOD_TITLES[m])]), row(['---', '---:', '---:', '---:', '---:'])];
  for (const [category, tally] of result.falsePositives) {
    if (category !== 'first-back') lines.push(row([`${category} days`, tally.cases, ...rates(tally)]));
  }
  lines.push(row(['**normal days (all of the above)**', result.normalDays.cases, ...rates(result.normalDays).map((r) => `**${r}**`)]));
  const back = result.falsePositives.get('first-back')!;
  lines.push(row(['first days back after a recess', back.cases, ...rates(back)]));
  return lines;
}

function organisationTable(result: EvalResult): string[] {
  const lines = [row(['organisation', 'injected', ...ORDER.map((m) => `${METHOD_TITLES[m]} recall`), 'clean', ...ORDER.map((m) => `${METHOD_TITLES[m]} FPR`)]), row(['---', ...Array(8).fill('---:')])];
  for (const [name, { recall, falsePositives }] of result.byOrganisation) {
    lines.push(row([name, recall.cases, ...rates(recall), falsePositives.cases, ...rates(falsePositives)]));
  }
  return lines;
}

function shortHistoryTable(result: EvalResult): string[] {
  const header = ['runs of history', 'clean cases', 'Gatehouse FPR', 'Gatehouse insufficient_history', 'injected cases', 'Gatehouse recall', 'static FPR', 'static recall', 'z-score FPR', 'z-score recall'];
  const lines = [row(header), row(header.map((_, i) => (i === 0 ? '---' : '---:')))];
  for (const [length, clean] of result.shortFalsePositives) {
    const injected = result.shortRecall.get(length)!;
    lines.push(row([length, clean.cases, percent(clean.rate('gatehouse')), percent(clean.insufficient / Math.max(1, clean.cases)), injected.cases,
      percent(injected.rate('gatehouse')), percent(clean.rate('phase22')), percent(injected.rate('phase22')), percent(clean.rate('zscore30')), percent(injected.rate('zscore30'))]));
  }
  return lines;
}

export function formatEvalMarkdown(result: EvalResult): string {
  const o = result.options;
  return [
    `## Historical validation — evaluation (seed ${o.seed})`,
    '',
    `${o.organisations.length} synthetic organisations (${o.organisations.join(', ')}); ${o.historyDays} days of history each, ${percent(o.contaminationRate)} of days carrying a past anomaly; the last ${o.judgedDays} days judged, each against every day before it.`,
    '',
    '### Recall by injected kind',
    '',
    ...recallTable(result),
    '',
    '### False-positive rate on clean runs',
    '',
    ...falsePositiveTable(result),
    '',
    '### By organisation (recall over all kinds; FPR on normal days)',
    '',
    ...organisationTable(result),
    '',
    '### Young histories (Gatehouse below its minimum answers with the static fallback)',
    '',
    ...shortHistoryTable(result),
    '',
  ].join('\n');
}
