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
