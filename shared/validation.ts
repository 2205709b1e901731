import { z } from 'zod';

export const VERDICTS = ['ok', 'anomalous', 'insufficient_history'] as const;
export type Verdict = (typeof VERDICTS)[number];

export const anomalySchema = z.object({
  metric: z.string(),
  rule: z.string(),
  value: z.number(),
  expected: z.number().nullable(),
  low: z.number().nullable(),
  high: z.number().nullable(),
  score: z.number(),
  message: z.string(),
});
export type Anomaly = z.infer<typeof anomalySchema>;

/** DESIGN §3: what `gatehouse validate` prints and what is stored with every run. */
export const validationResultSchema = z.object({
  verdict: z.enum(VERDICTS),
  method: z.string(),
  historySize: z.number().int().nonnegative(),
  anomalies: z.array(anomalySchema),
});
export type ValidationResult = z.infer<typeof validationResultSchema>;

/** One past (or the current) run as the historical validator sees it. */
export const historyEntrySchema = z.object({
  startedAt: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'startedAt must be an ISO 8601 date'),
  metrics: z.record(z.string(), z.number()),
});
export type HistoryEntry = z.infer<typeof historyEntrySchema>;

/**
 * Operator feedback on an anomalous run (issue 5): `expected` keeps it in the training history,
 * `confirmed` takes it out. Declared here so the API schemas and main/validation share one list.
 */
export const ANOMALY_REVIEWS = ['expected', 'confirmed'] as const;
export type AnomalyReview = (typeof ANOMALY_REVIEWS)[number];
export const EXPECTED_REASON_KINDS = ['weekly', 'monthly', 'seasonal', 'known-event'] as const;
export type ExpectedReasonKind = (typeof EXPECTED_REASON_KINDS)[number];
