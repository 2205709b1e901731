/**
 * Schemas of guarded rollouts (main/rollouts/): what starting one takes, where one stands, the
 * guardrails it checks after every run and the ledger of its decisions. Kept beside api.ts like
 * the other groups; the CLI parses its options with these same schemas.
 */
import * as z from 'zod';
import { flagValueSchema } from './api-operations.js';
import { scheduledTaskNameSchema } from './task-name.js';
import { reasonSchema as reason, withoutControlCharacters } from './text-rules.js';

/** The seed's Stage 2.3.3, in order: code deployed with the flags off, one task, every task, watching. */
export const ROLLOUT_STAGES = ['deployed', 'canary', 'all', 'monitoring'] as const;
export type RolloutStageName = (typeof ROLLOUT_STAGES)[number];

export const ROLLOUT_STATES = ['active', 'paused', 'completed', 'rolled_back', 'aborted'] as const;
export type RolloutState = (typeof ROLLOUT_STATES)[number];

/** Proceed: next stage (or resume a paused one); Iterate: revert and hold to try again; Roll back: revert and end. */
export const ROLLOUT_DECISIONS = ['proceed', 'iterate', 'roll_back'] as const;
export type RolloutDecision = (typeof ROLLOUT_DECISIONS)[number];

export const GUARDRAILS = ['failures', 'data-loss', 'quarantine-rate', 'per-record-time', 'alert-rate'] as const;
export type GuardrailName = (typeof GUARDRAILS)[number];

export const rolloutStageSchema = z.object({
  stage: z.enum(ROLLOUT_STAGES),
  windowHours: z.number().min(0, 'an observation window cannot be negative').max(24 * 90),
  minRuns: z.number().int().min(1, 'a stage needs at least one run before any verdict').max(10_000),
});
export type RolloutStage = z.infer<typeof rolloutStageSchema>;

export const flagChangeSchema = z.object({ flag: z.string().trim().min(1).max(100), value: flagValueSchema });
export type RolloutFlagChange = z.infer<typeof flagChangeSchema>;

export const DEFAULT_TIME_THRESHOLD = 0.1;

export const rolloutStartInputSchema = z.object({
  /** What is being rolled out: a name, printed on one line of `rollout status`, the ledger and notifications. */
  name: withoutControlCharacters(z.string().trim().min(1).max(200), 'name'),
  flagChanges: z.array(flagChangeSchema).min(1, 'a rollout changes at least one flag'),
  canaryTask: scheduledTaskNameSchema.nullable().default(null),
  stages: z.array(rolloutStageSchema).min(1).optional(),
  /** The per-record time regression that breaches, as a fraction (0.1 = 10 %). */
  timeThreshold: z.number().gt(0).max(10).default(DEFAULT_TIME_THRESHOLD),
  autoPromote: z.boolean().default(false),
  reason,
});
export type RolloutStartInput = z.input<typeof rolloutStartInputSchema>;

/**
 * `fromStage` and `fromState`: where the decider saw the rollout (the console sends both; the CLI's
 * --from the stage). A decision on a rollout that has moved since is refused: two operators who
 * both saw the canary and pressed Proceed seconds apart must not promote it past a stage neither saw.
 */
export const rolloutDecideInputSchema = z.object({
  rolloutId: z.number().int().positive(),
  decision: z.enum(ROLLOUT_DECISIONS),
  reason,
  fromStage: z.enum(ROLLOUT_STAGES).optional(),
  fromState: z.enum(['active', 'paused']).optional(),
  /**
   * Why promote a canary that has no control (every control task runs its values): without it such a
   * Proceed is refused. Kept in the ledger with what left the canary without a control.
   */
  withoutControl: reason.optional(),
});
export type RolloutDecideInput = z.output<typeof rolloutDecideInputSchema>;
export const rolloutActInputSchema = z.object({ rolloutId: z.number().int().positive(), reason });

/** One guardrail as one check saw it: the canary-minus-control difference and its interval. */
export const guardrailResultSchema = z.object({
  name: z.enum(GUARDRAILS),
  /** inconclusive: no breach, but the interval still reaches past the limit (too few runs to call it within). */
  status: z.enum(['pass', 'breach', 'inconclusive', 'no data']),
  /** What was compared, in words a person reads. */
  summary: z.string(),
  /** Canary minus control (a log ratio for time, a rate difference otherwise); null without data. */
  difference: z.number().nullable(),
  low: z.number().nullable(),
  high: z.number().nullable(),
  /** The difference that breaches. */
  limit: z.number().nullable(),
});
export type GuardrailResult = z.infer<typeof guardrailResultSchema>;

export const rolloutEvidenceSchema = z.object({
  window: z.object({ since: z.string(), until: z.string() }),
  canaryRuns: z.array(z.number().int()),
  controlRuns: z.array(z.number().int()),
  guardrails: z.array(guardrailResultSchema),
  /** Canary runs support rolled back after they ran: judged as they ran, but no window passes itself while one stands (older entries lack it). */
  canaryRolledBackLater: z.array(z.object({ runId: z.number().int(), operator: z.string(), at: z.string() })).optional(),
  /** In the canary stage, when every control task runs the canary's values: what put them there and who set it (absent otherwise). */
  controlOnCanary: z.string().optional(),
  /** In the canary stage, when the canary task is disabled: the scheduler runs it no more, and who switched it off (absent otherwise). */
  canaryTaskDisabled: z.string().optional(),
});
export type RolloutEvidence = z.infer<typeof rolloutEvidenceSchema>;

/** The no-control finding as `rollout status` and the canary report both print it; null while the canary has a control. */
export function noControlWarning(evidence: Pick<RolloutEvidence, 'controlOnCanary'> | null): string | null {
  return evidence?.controlOnCanary === undefined ? null : `warning: no control: ${evidence.controlOnCanary}`;
}

/**
 * A check is clean only when every guardrail passed, no canary run was rolled back after it ran and
 * the canary still had a control: an inconclusive guardrail or one without data is no pass.
 */
export function evidenceClean(evidence: RolloutEvidence): boolean {
  return evidence.guardrails.every((g) => g.status === 'pass') && (evidence.canaryRolledBackLater ?? []).length === 0 && evidence.controlOnCanary === undefined;
}

export const ledgerEntrySchema = z.object({
  id: z.number().int(),
  rolloutId: z.number().int(),
  at: z.string(),
  stage: z.enum(ROLLOUT_STAGES),
  /** check: guardrails after a run; the others are decisions. */
  kind: z.enum(['start', 'check', 'breach', 'decision', 'promote', 'pause', 'abort', 'complete']),
  decision: z.enum(ROLLOUT_DECISIONS).nullable(),
  operator: z.string(),
  reason: z.string(),
  runId: z.number().int().nullable(),
  evidence: rolloutEvidenceSchema.nullable(),
});
export type LedgerEntry = z.infer<typeof ledgerEntrySchema>;

/** `eventId`: the flag event that applied it, which a revert names (null: applied before it was recorded). */
export const appliedFlagSchema = z.object({ flag: z.string(), scope: z.string(), previousJson: z.string().nullable(), eventId: z.number().int().nullable() });
export type AppliedFlag = z.infer<typeof appliedFlagSchema>;

export const rolloutViewSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  state: z.enum(ROLLOUT_STATES),
  flagChanges: z.array(flagChangeSchema),
  canaryTask: z.string().nullable(),
  stages: z.array(rolloutStageSchema),
  stageIndex: z.number().int(),
  stageStartedAt: z.string(),
  timeThreshold: z.number(),
  autoPromote: z.boolean(),
  /** The flag values this rollout set, with what each scope held before it: what a revert puts back. */
  applied: z.array(appliedFlagSchema),
  operator: z.string(),
  reason: z.string(),
  startedAt: z.string(),
  updatedAt: z.string(),
});
export type RolloutView = z.infer<typeof rolloutViewSchema>;

export const rolloutDetailSchema = rolloutViewSchema.extend({ ledger: z.array(ledgerEntrySchema), latest: rolloutEvidenceSchema.nullable() });
export type RolloutDetail = z.infer<typeof rolloutDetailSchema>;

/** One rollout by id, or (no id) the newest. */
export const rolloutsGetInputSchema = z.object({ rolloutId: z.number().int().positive().optional() }).default({});
/** Newest first; `after` is the id of the last rollout of the previous page. */
export const rolloutsListInputSchema = z.object({ limit: z.number().int().min(1).max(500).default(500), after: z.number().int().positive().optional() }).strict().default({ limit: 500 });
