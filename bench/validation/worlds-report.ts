import { DAY_CATEGORIES, INJECTION_CONTEXTS } from './harness/harness.js';
import type { HarnessSummary } from './harness/report.js';
import { HARNESS_KINDS } from './harness/world.js';

/**
 * The development and audit worlds side by side: the same yardstick, two worlds. Thresholds
 * are chosen on the development column only; the audit column is what the validator does on
 * streams it was never tuned on.
 */

function percent(value: number): string {
  return Number.isNaN(value) ? '—' : `${(value * 100).toFixed(value < 0.1 && value > 0 ? 2 : 1)}%`;
}

function row(cells: readonly (string | number)[]): string {
  return `| ${cells.join(' | ')} |`;
}

const KIND_MEANING: Record<string, string> = {
  spike: 'volume ×3–6 (audit) / ×4 (development)',
  drop: 'volume ×0.05–0.2 / ×0.1',
  zero: 'nothing fetched',
  burst: "a busy day's volume on a quiet day (weekend or quiet period)",
  // The shared harness draws a shift's factor for both worlds; each world only applies it.
  'shift-down': 'lasting ×0.3–0.5 in both, judged on its 3rd–5th run',
  'shift-up': 'lasting ×2–3 in both, judged on its 3rd–5th run',
  'all-new': 'every accepted record new',
  stale: 'nothing new or updated',
  quarantine: '20–40% / 25% quarantined',
  slow: 'duration ×4–8 / ×5',
};

export function formatWorlds(development: HarnessSummary, audit: HarnessSummary, cli: { cases: number; differing: number } | null): string {
  const lines: string[] = ['## Development and audit worlds (issue 10)', ''];
  lines.push('Thresholds were chosen on the development world only. The audit world (bench/validation/audit) imports nothing from main/validation: its own streams (quiet periods on arbitrary dates, Poisson–lognormal days that wander, low-count and short histories), its own injections, its own random numbers. Both worlds are sampled and scored by one harness (bench/validation/harness), which imports neither the validator nor either world.', '');
  lines.push('### Recall by injected kind', '');
  lines.push(row(['kind', 'what', 'development cases', 'development recall', 'audit cases', 'audit recall']), row(['---', '---', '---:', '---:', '---:', '---:']));
  for (const kind of HARNESS_KINDS) {
    const d = development.recall[kind]!;
    const a = audit.recall[kind]!;
    lines.push(row([kind, KIND_MEANING[kind] ?? '', d.cases, percent(d.rate), a.cases, percent(a.rate)]));
  }
  lines.push(row(['**overall recall**', '', development.overall.cases, `**${percent(development.overall.rate)}**`, audit.overall.cases, `**${percent(audit.overall.rate)}**`]), '');
  lines.push('### Audit recall by where the anomaly was injected', '');
  lines.push(row(['kind', ...INJECTION_CONTEXTS.map((c) => `${c} (cases)`)]), row(['---', ...INJECTION_CONTEXTS.map(() => '---:')]));
  for (const kind of HARNESS_KINDS) {
    lines.push(row([kind, ...INJECTION_CONTEXTS.map((c) => `${percent(audit.recall[kind]!.byContext[c]!.rate)} (${audit.recall[kind]!.byContext[c]!.cases})`)]));
  }
  lines.push('', '### False positives on clean runs', '');
  lines.push(row(['clean runs on', 'development cases', 'development', 'audit cases', 'audit']), row(['---', '---:', '---:', '---:', '---:']));
  for (const category of DAY_CATEGORIES) {
    const d = development.falsePositives[category]!;
    const a = audit.falsePositives[category]!;
    lines.push(row([CATEGORY_TITLES[category] ?? category, d.cases, percent(d.rate), a.cases, percent(a.rate)]));
  }
  lines.push(row(['**normal days (busy, light, quiet)**', development.normal.cases, `**${percent(development.normal.rate)}**`, audit.normal.cases, `**${percent(audit.normal.rate)}**`]), '');
  const starts = (t: HarnessSummary['onsets']): string => `${t.starts} judged, ${percent(t.alerted / Math.max(1, t.starts))} alerted, ${t.repeated} with more than one distinct alert`;
  lines.push(`Quiet-period starts (one alert is right unless the calendar announced it): development ${starts(development.onsets)}; audit ${starts(audit.onsets)}.`);
  lines.push(`Lasting level changes: development ${starts(development.changes)}; audit ${starts(audit.changes)}.`, '');
  lines.push('### Short histories', '');
  lines.push(row(['runs of history', 'development FPR', 'development recall', 'audit clean', 'audit FPR', 'audit insufficient_history', 'audit injected', 'audit recall']), row(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:']));
  audit.short.forEach((a, i) => {
    const d = development.short[i]!;
    lines.push(row([a.historyRuns, percent(d.falsePositiveRate), percent(d.recall), a.clean, percent(a.falsePositiveRate), percent(a.insufficientShare), a.injected, percent(a.recall)]));
  });
  if (cli) lines.push('', `\`gatehouse validate --batch\` on ${cli.cases} of the audit's cases (their last 200 runs of history): ${cli.differing} verdicts differ from the in-process judge.`);
  lines.push('');
  return lines.join('\n');
}

const CATEGORY_TITLES: Record<string, string> = {
  busy: 'busy weekdays, normal state',
  light: 'light weekdays (weekends), normal state',
  quiet: 'inside a quiet period (6th day on)',
  'first-back': 'first two busy days after a quiet period',
  onset: 'first five days of a quiet period (one alert allowed)',
  'after-change': 'first five days of a lasting change (one alert allowed)',
  holiday: 'one-day holidays (unforeseeable drops)',
};
