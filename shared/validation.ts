import * as z from 'zod';
import { instantProblem, zonelessAsUtc } from './instant.js';

/**
 * DESIGN §2 step 7: `baseline` is a first load (nothing before it to compare with): never an
 * anomaly, never held. `insufficient_history` is one or two earlier runs, where only gross
 * departures can be called.
 */
export const VERDICTS = ['ok', 'anomalous', 'insufficient_history', 'baseline'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** The regime the validator assumed for a run: the stream's own state, read from the runs before it. */
export const REGIMES = ['normal', 'quiet', 'returning', 'change', 'young'] as const;
export type Regime = (typeof REGIMES)[number];

export const anomalySchema = z.object({
  metric: z.string(),
  rule: z.string(),
  /** This run's value (a count, a share or ms per record): never a total over several runs. */
  value: z.number(),
  expected: z.number().nullable(),
  low: z.number().nullable(),
  high: z.number().nullable(),
  /** Every rule on one scale: the one-sided tail probability of what was seen, as standard-normal sigmas. */
  score: z.number(),
  message: z.string(),
  /**
   * One change (a level shift, the start of a quiet period) keeps this id on every run it is still
   * open for, so callers fold those runs into one open anomaly. Absent on one-off anomalies.
   */
  changeId: z.string().optional(),
  /** True on the runs after the one that raised the change: the same anomaly, still open. */
  ongoing: z.boolean().optional(),
});
export type Anomaly = z.infer<typeof anomalySchema>;

/**
 * A run's anomaly messages as one text, for a table cell, a card or a notification: each message is
 * a sentence with its full stop, so they join with "; " without it ("… before accepting; 260 of 300
 * …"), not after it ("… before accepting.; 260 …"); the last keeps its own.
 */
export function anomalyMessages(anomalies: ReadonlyArray<Pick<Anomaly, 'message'>>): string {
  return anomalies.map((a, i) => (i < anomalies.length - 1 ? a.message.replace(/\.$/, '') : a.message)).join('; ');
}

/** The range a metric's alarm fires outside of, on this run, in the state the validator assumed. */
export const metricBandSchema = z.object({ expected: z.number(), low: z.number(), high: z.number() });
export type MetricBand = z.infer<typeof metricBandSchema>;

export const assumedStateSchema = z.object({
  regime: z.enum(REGIMES),
  /** When that regime started (ISO date), where the history shows it. */
  since: z.string().nullable(),
  /** "a quiet period since 12 Aug", as the messages say it. */
  description: z.string(),
});
export type AssumedState = z.infer<typeof assumedStateSchema>;

/** DESIGN §3: what `gatehouse validate` prints and what is stored with every run. */
export const validationResultSchema = z.object({
  verdict: z.enum(VERDICTS),
  method: z.string(),
  historySize: z.number().int().nonnegative(),
  anomalies: z.array(anomalySchema),
  /** Every verdict carries its bands, `ok` and `insufficient_history` included (absent on results stored before issue 10). */
  bands: z.record(z.string(), metricBandSchema).optional(),
  state: assumedStateSchema.optional(),
});
export type ValidationResult = z.infer<typeof validationResultSchema>;

/**
 * Operator feedback on an anomalous run (issue 5): `expected` keeps it in the training history
 * and re-baselines on it, `confirmed` takes it out. Declared here so the API schemas and
 * main/validation share one list.
 */
export const ANOMALY_REVIEWS = ['expected', 'confirmed'] as const;
export type AnomalyReview = (typeof ANOMALY_REVIEWS)[number];
export const EXPECTED_REASON_KINDS = ['weekly', 'monthly', 'seasonal', 'known-event'] as const;
export type ExpectedReasonKind = (typeof EXPECTED_REASON_KINDS)[number];

/** Where a run came from: trial runs (on staging) never train a production history. */
export const RUN_ORIGINS = ['production', 'trial'] as const;
export type RunOrigin = (typeof RUN_ORIGINS)[number];

/** Trial runs are realised from a `trial:LABEL` source on staging (main/trials). */
export function runOrigin(source: string | null | undefined): RunOrigin {
  return source?.startsWith('trial:') ? 'trial' : 'production';
}

/** A stored review as feedback the validator learns from; anything else (none, reopened) teaches nothing. */
export function feedbackReview(review: string | null | undefined): AnomalyReview | null {
  return (ANOMALY_REVIEWS as readonly string[]).includes(review ?? '') ? (review as AnomalyReview) : null;
}

/**
 * A run's start as written: an ISO 8601 date, or date and time (refused with the reason otherwise). The reason
 * alone: the issue's path already names the field (`current.startedAt: "yesterday" is not an ISO 8601 date…`).
 */
export const runStartSchema = z.string().superRefine((text, context) => {
  const problem = instantProblem(text);
  if (problem !== null) context.addIssue({ code: 'custom', message: problem, input: text });
});

/**
 * One past (or the current) run as the historical validator sees it. DESIGN §3's
 * `{startedAt, metrics}` is all a `validate --history` file needs; the store adds what the model
 * learns from feedback: the review, the verdict stored when the run was judged, and its origin.
 */
export const historyEntrySchema = z.object({
  startedAt: runStartSchema.transform(zonelessAsUtc),
  metrics: z.record(z.string(), z.number()),
  review: z.enum(ANOMALY_REVIEWS).nullable().optional(),
  verdict: z.enum(VERDICTS).nullable().optional(),
  origin: z.enum(RUN_ORIGINS).optional(),
  /** How much the run may teach, 0–1 (default 1; an unreviewed anomalous run teaches less). */
  weight: z.number().min(0).max(1).optional(),
});
export type HistoryEntry = z.infer<typeof historyEntrySchema>;

/**
 * Sensitivity per metric (issue 10 item 7): `normal` is the evaluated default; `high` alarms on
 * half a sigma less evidence, `low` wants a sigma more, `off` never alarms on that metric. A
 * number sets the alarm score (sigmas) outright.
 */
export const SENSITIVITY_LEVELS = ['off', 'low', 'normal', 'high'] as const;
export type SensitivityLevel = (typeof SENSITIVITY_LEVELS)[number];
/** The signals an analyst can tune: the three volumes, the mix shares, quarantine, duration. */
export const SENSITIVITY_METRICS = ['fetched', 'added', 'updated', 'mix', 'quarantine', 'duration'] as const;
export type SensitivityMetric = (typeof SENSITIVITY_METRICS)[number];

export const sensitivityValueSchema = z.union([z.enum(SENSITIVITY_LEVELS), z.number().min(1).max(10)]);
export type SensitivityValue = z.infer<typeof sensitivityValueSchema>;

export const sensitivitySettingsSchema = z
  .object({
    metrics: z.partialRecord(z.enum(SENSITIVITY_METRICS), sensitivityValueSchema).default({}),
    /**
     * The seed's "require 2+ signals to alert": a run is anomalous only when at least this many
     * distinct metrics are off (a volume and a share, say). 1 alerts on any one.
     */
    minSignals: z.number().int().min(1).max(4).default(1),
  })
  .strict();
export type SensitivitySettings = z.infer<typeof sensitivitySettingsSchema>;
export const DEFAULT_SENSITIVITY: SensitivitySettings = { metrics: {}, minSignals: 1 };
