import { DAY_CATEGORIES, INJECTION_CONTEXTS, type HarnessResult, type Count, type StartTally } from './harness.js';

/** A world's tables, as plain numbers (the combined report prints the audit's beside development's). */
export interface HarnessSummary {
  recall: Record<string, { cases: number; rate: number; byContext: Record<string, { cases: number; rate: number }> }>;
  overall: { cases: number; rate: number };
  falsePositives: Record<string, { cases: number; rate: number }>;
  normal: { cases: number; rate: number };
  onsets: StartTally;
  changes: StartTally;
  short: { historyRuns: number; clean: number; falsePositiveRate: number; insufficientShare: number; injected: number; recall: number }[];
}

const summary = (count: Count): { cases: number; rate: number } => ({ cases: count.cases, rate: count.rate });

export function summariseHarness(result: HarnessResult): HarnessSummary {
  return {
    recall: Object.fromEntries(
      [...result.recall].map(([kind, count]) => [kind, { ...summary(count), byContext: Object.fromEntries(INJECTION_CONTEXTS.map((c) => [c, summary(result.recallByContext.get(kind)!.get(c)!)])) }]),
    ),
    overall: summary(result.overall),
    falsePositives: Object.fromEntries(DAY_CATEGORIES.map((c) => [c, summary(result.clean.get(c)!)])),
    normal: summary(result.normal),
    onsets: result.onsets,
    changes: result.changes,
    short: [...result.short].map(([historyRuns, t]) => ({
      historyRuns, clean: t.clean.cases, falsePositiveRate: t.clean.rate, insufficientShare: t.insufficient.rate, injected: t.injected.cases, recall: t.injected.rate,
    })),
  };
}
