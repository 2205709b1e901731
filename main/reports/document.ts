/** A report as data: the markdown and HTML renderers draw the same thing two ways. */
/** `inconclusive`: there is data, but its interval cannot yet tell a pass from a fail. */
export type CriterionStatus = 'pass' | 'fail' | 'inconclusive' | 'no data';

export interface Criterion {
  name: string;
  target: string;
  actual: string;
  status: CriterionStatus;
  /** Why, in a sentence, when the numbers alone do not say it. */
  note?: string;
}

export interface ChartSeries {
  name: string;
  values: (number | null)[];
}

export interface Chart {
  kind: 'bar' | 'line';
  title: string;
  labels: string[];
  series: ChartSeries[];
  unit?: string;
}

export interface Table {
  headers: string[];
  rows: (string | number | null)[][];
}

export interface Section {
  heading: string;
  paragraphs?: string[];
  criteria?: Criterion[];
  table?: Table;
  chart?: Chart;
}

export interface ReportDocument {
  title: string;
  generatedAt: string;
  period: { since: string | null; until: string };
  /** One line a reader sees first: the verdict or recommendation. */
  headline: string;
  sections: Section[];
}

export function percent(value: number | null, digits = 1): string {
  return value === null ? 'no data' : `${value.toFixed(digits)} %`;
}

/** The gate verdict: a criterion without data never counts as a pass. */
export function overallStatus(criteria: Criterion[]): 'PASS' | 'FAIL' | 'INCOMPLETE' {
  if (criteria.some((c) => c.status === 'fail')) return 'FAIL';
  if (criteria.some((c) => c.status === 'no data' || c.status === 'inconclusive')) return 'INCOMPLETE';
  return 'PASS';
}
