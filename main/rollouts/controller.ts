import {
  evidenceClean,
  rolloutStartInputSchema,
  type GuardrailResult,
  type LedgerEntry,
  type RolloutDecideInput,
  type RolloutDetail,
  type RolloutEvidence,
  type RolloutView,
} from '../../shared/api-rollouts.js';
import { GatehouseError } from '../../shared/errors.js';
import type { RunSummary } from '../../shared/run.js';
import type * as z from 'zod';
import type { Notification, Notifier } from '../scheduler/index.js';
import type { Store } from '../store/index.js';
import { applyStageFlags, killedFlags, overriddenFlags, revertRolloutFlags, type OverriddenFlag } from './flags.js';
import { observeStage } from './observe.js';
import { checkCanaryTask, checkFlagChanges, checkStages, DEFAULT_STAGES } from './stages.js';
import { rolloutLedger, type LastMove, type NewLedgerEntry, type RolloutPatch, type RolloutTx } from './ledger.js';

/** Who acts when nobody did: a breach's revert and pause, a clean window's promotion. */
export const GUARDRAIL_OPERATOR = 'gatehouse-guardrail';

/** States a rollout can still move from; only one such rollout at a time. */
const OPEN_STATES = ['active', 'paused'] as const;

export interface Actor {
  operator: string;
  now: Date;
}

type StartInput = z.output<typeof rolloutStartInputSchema>;

function stageOf(rollout: RolloutView): LedgerEntry['stage'] {
  return rollout.stages[rollout.stageIndex]!.stage;
}

function entry(rollout: RolloutView, actor: Actor, fields: Pick<NewLedgerEntry, 'kind' | 'reason'> & Partial<NewLedgerEntry>): NewLedgerEntry {
  return { at: actor.now.toISOString(), stage: stageOf(rollout), decision: null, operator: actor.operator, runId: null, evidence: null, ...fields };
}

/** Starts a rollout in its first stage, applying that stage's flags (audited). */
export async function startRollout(store: Store, input: StartInput, actor: Actor): Promise<RolloutView> {
  const stages = checkStages(input.stages ?? DEFAULT_STAGES);
  const flagChanges = checkFlagChanges(input.flagChanges);
  const canaryTask = await checkCanaryTask(store, stages, input.canaryTask);
  return rolloutLedger(store).change(async (tx) => {
    const [open] = await rolloutLedger(tx).list({ states: OPEN_STATES, limit: 1 });
    if (open) throw new GatehouseError('CONFLICT', `rollout ${open.id} "${open.name}" is still ${open.state}`, { hint: { cli: finishFirst(open), console: `finish it first: decide on rollout ${open.id} (proceed, roll back) or abort it on the Rollouts page` } });
    const at = actor.now.toISOString();
    const draft = { name: input.name, flagChanges, canaryTask, stages, applied: [] };
    const applied = await applyStageFlags(tx, draft, 0, { ...actor, reason: input.reason }, 'start');
    const rollout = { ...draft, applied, state: 'active' as const, stageIndex: 0, stageStartedAt: at, timeThreshold: input.timeThreshold, autoPromote: input.autoPromote, operator: actor.operator, reason: input.reason, startedAt: at, updatedAt: at };
    return rolloutLedger(tx).insert(rollout, { at, stage: stages[0]!.stage, kind: 'start', decision: null, operator: actor.operator, reason: input.reason, runId: null, evidence: null });
  });
}

/** How an operator ends the open rollout from the command line: a paused one is resumed before it is promoted. */
function finishFirst(open: RolloutView): string {
  const onward = open.state === 'paused' ? `resume it (gatehouse rollout resume ${open.id}) and promote it` : `promote it (gatehouse rollout promote ${open.id} --from ${stageOf(open)})`;
  return `finish it first: ${onward} through its last stage, or end it with gatehouse rollout abort ${open.id} --reason "why"`;
}

async function requireRollout(store: RolloutTx, id: number): Promise<RolloutView> {
  const rollout = await rolloutLedger(store).get(id);
  if (!rollout) throw new GatehouseError('NOT_FOUND', `rollout ${id} does not exist`, { hint: { cli: 'see `gatehouse rollout list`', console: 'the Rollouts page lists the rollouts' } });
  return rollout;
}

/** A rollout in one of the `wanted` states, or a refusal that names it, says what it is, and that nothing changed. */
function requireOpen(rollout: RolloutView, doing: string, wanted: readonly RolloutView['state'][] = OPEN_STATES): RolloutView {
  if (wanted.includes(rollout.state)) return rollout;
  throw new GatehouseError('CONFLICT', `rollout ${rollout.id} "${rollout.name}" is ${rollout.state}: only ${wanted.length === 1 ? `an ${wanted[0]}` : 'an active or paused'} rollout can ${doing}; nothing was changed`, {
    hint: { cli: `see where it stands: gatehouse rollout status ${rollout.id}`, console: 'look at the rollout again on the Rollouts page' },
  });
}

/** A rollout as a request read it before acting: the state it decided on, and the last move it knew of. */
interface SeenRollout {
  rollout: RolloutView;
  lastMove: LastMove | null;
}

async function see(store: Store, id: number, doing: string, wanted: readonly RolloutView['state'][] = OPEN_STATES): Promise<SeenRollout> {
  const rollout = requireOpen(await requireRollout(store, id), doing, wanted);
  return { rollout, lastMove: await rolloutLedger(store).lastMove(id) };
}

const whereItStands = (rollout: RolloutView) => `${rollout.state} in stage ${stageOf(rollout)}`;

/**
 * The rollout as it stands inside the change, refused when another change moved it after this
 * request read it (an operator's decision, a pause, a guardrail's breach — any entry but a check):
 * two operators pressing Proceed at once must not advance it two stages, nor an Abort and a
 * Proceed leave flags applied on an aborted rollout. The second is told who moved it first.
 */
async function unmoved(tx: RolloutTx, seen: SeenRollout, doing: string): Promise<RolloutView> {
  const now = (await rolloutLedger(tx).get(seen.rollout.id))!;
  const last = await rolloutLedger(tx).lastMove(seen.rollout.id);
  if (last?.id === seen.lastMove?.id) return now;
  throw new GatehouseError(
    'CONFLICT',
    `rollout ${now.id} "${now.name}" moved while this ${doing} was being made: it was ${whereItStands(seen.rollout)}, and is ${whereItStands(now)} now (${last!.kind} by ${last!.operator} at ${last!.at}); nothing was changed`,
    { hint: { cli: `look at it again (gatehouse rollout status ${now.id}), then decide again if it is still needed`, console: 'look at the rollout again, then decide again if it is still needed' } },
  );
}

/** The next stage with its flags applied, or the end of the rollout after its last stage. */
async function advance(store: RolloutTx, rollout: RolloutView, actor: Actor, reason: string, evidence: RolloutEvidence | null): Promise<RolloutView> {
  const last = rollout.stageIndex === rollout.stages.length - 1;
  const at = actor.now.toISOString();
  if (last) return rolloutLedger(store).record(rollout.id, { state: 'completed', updatedAt: at }, entry(rollout, actor, { kind: 'complete', decision: 'proceed', reason, evidence }));
  const applied = await applyStageFlags(store, rollout, rollout.stageIndex + 1, { ...actor, reason });
  const patch: RolloutPatch = { stageIndex: rollout.stageIndex + 1, stageStartedAt: at, applied, updatedAt: at };
  return rolloutLedger(store).record(rollout.id, patch, entry(rollout, actor, { kind: 'promote', decision: 'proceed', reason, evidence }));
}

const leftAlone = (overridden: OverriddenFlag[]): string => (overridden.length === 0 ? '' : ` (left as changed outside the rollout: ${overridden.map((o) => o.description).join('; ')})`);

/** Reverts the flags and moves to `state`, with the ledger entry that says why (and which flags it left as someone else set them). */
async function revertTo(store: RolloutTx, rollout: RolloutView, state: RolloutView['state'], actor: Actor, fields: Pick<NewLedgerEntry, 'kind' | 'reason'> & Partial<NewLedgerEntry>): Promise<RolloutView> {
  const overridden = await revertRolloutFlags(store, rollout, { ...actor, reason: fields.reason });
  return rolloutLedger(store).record(rollout.id, { state, applied: [], updatedAt: actor.now.toISOString() }, entry(rollout, actor, { ...fields, reason: fields.reason + leftAlone(overridden) }));
}

function windowPassed(rollout: RolloutView, evidence: RolloutEvidence, now: Date): boolean {
  const stage = rollout.stages[rollout.stageIndex]!;
  const elapsed = now.getTime() - Date.parse(rollout.stageStartedAt) >= stage.windowHours * 3_600_000;
  // A window passes clean only when every guardrail passed: an inconclusive one waits for more runs, and one
  // without data (no control run beside the canary, no record fetched) was never measured, so it is no pass either.
  // Nor does one whose control tasks now all run the canary's values: the control runs it has are all it will get.
  return elapsed && evidence.canaryRuns.length >= stage.minRuns && evidenceClean(evidence);
}

function breachReason(rollout: RolloutView, breaches: GuardrailResult[]): string {
  return `guardrail ${breaches.map((b) => b.name).join(', ')} breached in stage ${stageOf(rollout)} of rollout "${rollout.name}": ${breaches.map((b) => b.summary).join('; ')}`;
}

export interface GuardDependencies {
  notifier?: Notifier;
  clock?: () => Date;
}

/** How often a run's check reads the rollout again when an operator moved it while the check was measuring. */
const CHECK_TRIES = 3;

/**
 * After every run: the open rollout's guardrails over its stage window. A breach pauses the rollout
 * and reverts its flags by itself, audited with the guardrail as the reason, and notifies; a clean
 * window with enough runs promotes it when the rollout asked for that. A flag of the rollout someone
 * changed outside it (a kill switch flipped mid-rollout) holds it paused, that change left standing. Returns the rollout as it
 * now stands, or null when no active rollout watches this run. The evidence is measured before the
 * change begins; a rollout an operator moved meanwhile is measured again, in its new stage.
 */
export async function guardAfterRun(store: Store, run: Pick<RunSummary, 'runId'>, deps: GuardDependencies = {}): Promise<GuardOutcome | null> {
  for (let tries = 1; ; tries += 1) {
    const [active] = await rolloutLedger(store).list({ states: ['active'], limit: 1 });
    if (!active) return null;
    const seen = { rollout: active, lastMove: await rolloutLedger(store).lastMove(active.id) };
    const actor = { operator: GUARDRAIL_OPERATOR, now: (deps.clock ?? (() => new Date()))() };
    const evidence = await observeStage(store, active, actor.now);
    const measured = evidence.canaryRuns.includes(run.runId) || evidence.controlRuns.includes(run.runId);
    if (!measured && !(await ranInStage(store, active, run))) return null;
    const outcome = await rolloutLedger(store)
      .change(async (tx) => judgeRun(tx, await unmoved(tx, seen, `check of run ${run.runId}`), actor, run, evidence, measured))
      .catch((error: unknown) => {
        if (tries < CHECK_TRIES && error instanceof GatehouseError && error.code === 'CONFLICT') return 'moved' as const;
        throw error;
      });
    if (outcome === 'moved') continue;
    if (outcome?.notice) await deps.notifier?.notify(outcome.notice);
    return outcome;
  }
}

/** One run's check, inside the change: breach, hold, or a check entry (and a promotion when the window passed clean). */
async function judgeRun(tx: RolloutTx, rollout: RolloutView, actor: Actor, run: Pick<RunSummary, 'runId'>, evidence: RolloutEvidence, measured: boolean): Promise<GuardOutcome | null> {
  if (!measured) return (await holdIfChangedOutside(tx, rollout, actor, run, evidence)) ?? noteControlGone(tx, rollout, actor, run, evidence);
  const breaches = evidence.guardrails.filter((g) => g.status === 'breach');
  if (breaches.length > 0) {
    const reason = breachReason(rollout, breaches);
    const paused = await revertTo(tx, rollout, 'paused', actor, { kind: 'breach', reason, runId: run.runId, evidence });
    return { rollout: paused, notice: pausedNotification('breach', paused, reason, run.runId) };
  }
  const held = await holdIfChangedOutside(tx, rollout, actor, run, evidence);
  if (held) return held;
  const checked = await rolloutLedger(tx).record(rollout.id, { updatedAt: actor.now.toISOString() }, entry(rollout, actor, { kind: 'check', reason: checkReason(evidence, run.runId), runId: run.runId, evidence }));
  if (rollout.autoPromote && windowPassed(rollout, evidence, actor.now)) return { rollout: await advance(tx, checked, actor, `stage ${stageOf(rollout)} passed its window clean`, evidence), notice: null };
  return { rollout: checked, notice: null };
}

/**
 * A flag of the rollout changed outside it or killed: its runs no longer run what is being rolled out.
 * Holds it, touching no flag, and says so as a breach does: whoever watches the rollout learns it stopped, and who stopped it.
 */
async function holdIfChangedOutside(tx: RolloutTx, rollout: RolloutView, actor: Actor, run: Pick<RunSummary, 'runId'>, evidence: RolloutEvidence): Promise<GuardOutcome | null> {
  const held = [...(await killedFlags(tx, rollout)), ...(await overriddenFlags(tx, rollout)).map((o) => o.description)];
  if (held.length === 0) return null;
  const reason = `held: ${held.join('; ')}`;
  const paused = await rolloutLedger(tx).record(rollout.id, { state: 'paused', updatedAt: actor.now.toISOString() }, entry(rollout, actor, { kind: 'pause', reason, runId: run.runId, evidence }));
  return { rollout: paused, notice: pausedNotification('held', paused, reason, run.runId) };
}

/**
 * A control task's run on the canary's values, once every control task runs them: said in the
 * ledger at once, with who set them, rather than at the canary's next run. The rollout stays active,
 * its guardrails still judging the canary against the control runs it had.
 */
async function noteControlGone(tx: RolloutTx, rollout: RolloutView, actor: Actor, run: Pick<RunSummary, 'runId'>, evidence: RolloutEvidence): Promise<GuardOutcome | null> {
  if (evidence.controlOnCanary === undefined) return null;
  return { rollout: await rolloutLedger(tx).record(rollout.id, { updatedAt: actor.now.toISOString() }, entry(rollout, actor, { kind: 'check', reason: checkReason(evidence, run.runId), runId: run.runId, evidence })), notice: null };
}

/**
 * A run the stage's evidence leaves out (it ran on other flags) that still started in the stage's
 * window. In the canary stage a control task's run on the canary's values counts too: it is the
 * first sign that the control is gone.
 */
async function ranInStage(store: Store, rollout: RolloutView, run: Pick<RunSummary, 'runId'>): Promise<boolean> {
  const stored = await store.getRun(run.runId);
  const watched = stageOf(rollout) !== 'canary' || (stored?.task !== null && stored?.task !== undefined);
  return stored !== null && watched && stored.startedAt >= rollout.stageStartedAt;
}

/** "Clean" only when every guardrail passed: one without data or with an open interval is said by name. */
function checkReason(evidence: RolloutEvidence, runId: number): string {
  const named = (status: string) => evidence.guardrails.filter((g) => g.status === status).map((g) => g.name);
  const [open, empty] = [named('inconclusive'), named('no data')];
  // Judged as it ran, a canary run support rolled back is no failure — but whether the change caused the rollback is a person's call.
  const rolledBack = (evidence.canaryRolledBackLater ?? []).map((r) => `canary run ${r.runId} rolled back by ${r.operator} after it ran: it waits for an operator's decision, not promoted by itself`);
  const noControl = evidence.controlOnCanary === undefined ? [] : [`${evidence.controlOnCanary}; not promoted by itself`];
  if (evidenceClean(evidence)) return `guardrails clean after run ${runId}`;
  const notes = [open.length > 0 ? `${open.join(', ')} inconclusive (the interval still reaches past the limit)` : null, empty.length > 0 ? `${empty.join(', ')} without data yet` : null, ...rolledBack, ...noControl];
  return `no breach after run ${runId}; ${notes.filter((note) => note !== null).join('; ')}`;
}

export interface GuardOutcome {
  rollout: RolloutView;
  /** What was (or, without a notifier here, should be) announced when the check paused the rollout: a guardrail's breach, or a hold. */
  notice: Notification | null;
}

/**
 * Why a run's check paused a rollout, as its notification says it: a guardrail's breach (flags
 * reverted, an error) or a hold (a flag of the rollout changed or killed outside it, that change
 * left standing; who, what and why are in the reason).
 */
const PAUSE_NOTICES = {
  breach: { cause: 'rollout-breach', level: 'error', title: 'paused, flags reverted' },
  held: { cause: 'rollout-held', level: 'warning', title: 'paused by a flag change made outside it' },
} as const;

/**
 * What a rollout's pause notices are throttled by: the rollout. A repeat of the same rollout's breach
 * within the window is folded into its next notice; another rollout paused meanwhile is told at once.
 */
export function rolloutNoticeSubject(rolloutId: number): string {
  return `rollout-${rolloutId}`;
}

/** The message a check that paused a rollout sends: one per rollout per throttle window. */
export function pausedNotification(why: keyof typeof PAUSE_NOTICES, rollout: RolloutView, reason: string, runId: number): Notification {
  const { cause, level, title } = PAUSE_NOTICES[why];
  return { cause, subject: rolloutNoticeSubject(rollout.id), level, title: `Gatehouse: rollout "${rollout.name}" ${title}`, body: reason, runId };
}

/**
 * Refuses a decision made on the rollout where it no longer stands: the decider saw it in
 * `fromStage` (and `fromState`), and another operator or a guardrail has moved it since, in an
 * earlier request — which `unmoved` cannot see, as it compares with this request's own reading.
 */
function refuseMovedSinceSeen(seen: SeenRollout, request: Pick<RolloutDecideInput, 'decision' | 'fromStage' | 'fromState'>): void {
  const { rollout, lastMove } = seen;
  const stageMoved = request.fromStage !== undefined && request.fromStage !== stageOf(rollout);
  const stateMoved = request.fromState !== undefined && request.fromState !== rollout.state;
  if (!stageMoved && !stateMoved) return;
  const expected = `${request.fromState === undefined ? '' : `${request.fromState} `}in stage ${request.fromStage ?? stageOf(rollout)}`;
  const moved = lastMove === null ? '' : ` (last moved: ${lastMove.kind} by ${lastMove.operator} at ${lastMove.at})`;
  // A resume (`rollout resume`) of a rollout running again has nothing left to do: deciding again with --from would be refused the same way.
  const resumedAlready = request.fromState === 'paused' && rollout.state === 'active';
  throw new GatehouseError('CONFLICT', `rollout ${rollout.id} "${rollout.name}" is ${whereItStands(rollout)} now, not ${expected} where this decision (${request.decision}) was made${moved}; nothing was changed`, {
    hint: {
      cli: resumedAlready
        ? `it is not paused, so there is nothing to resume: see gatehouse rollout status ${rollout.id}`
        : `look at it again (gatehouse rollout status ${rollout.id}), then decide again with --from ${stageOf(rollout)} if it is still needed`,
      console: 'look at the rollout again, then decide again if it is still needed',
    },
  });
}

/**
 * Proceed on a paused rollout resumes it only when the decider saw it paused (`rollout resume`, the
 * console's "Proceed: resume this stage"): a promotion typed at a rollout a guardrail or an operator
 * paused meanwhile must not put the flags it held back on the canary again.
 */
function refusePromotionOfPaused(rollout: RolloutView, request: Pick<RolloutDecideInput, 'decision' | 'fromState'>): void {
  if (request.decision !== 'proceed' || rollout.state !== 'paused' || request.fromState === 'paused') return;
  throw new GatehouseError('CONFLICT', `rollout ${rollout.id} "${rollout.name}" is ${whereItStands(rollout)}: a promotion does not resume it; nothing was changed`, {
    hint: {
      cli: `resume it first: gatehouse rollout resume ${rollout.id} --from ${stageOf(rollout)} --reason "why"`,
      console: 'resume it first with "Proceed: resume this stage" on the Rollouts page',
    },
  });
}

/**
 * The ledger's reason for an operator's promotion. A canary with no control (every control task runs
 * its values) proved nothing against anything: promoting it is refused unless the operator says why
 * it goes anyway, and that, with what took the control away, is kept with the promotion.
 */
function promotionReason(rollout: RolloutView, request: Pick<RolloutDecideInput, 'reason' | 'withoutControl'>, evidence: RolloutEvidence): string {
  const noControl = evidence.controlOnCanary;
  if (noControl === undefined) return request.reason;
  if (request.withoutControl !== undefined) return `${request.reason} (promoted without a control: ${request.withoutControl}; ${noControl})`;
  throw new GatehouseError('CONFLICT', `rollout ${rollout.id} "${rollout.name}" has no control to compare its canary with: ${noControl}; nothing was changed`, {
    hint: {
      cli: `give the canary a control (the control tasks their own values back with gatehouse flags set|unset …, or another task enabled: gatehouse tasks enable|add), or promote anyway with --without-control "why", kept in the ledger`,
      console: 'give the canary a control (the control tasks their own values back on the Flags page, or another scheduled task enabled in Settings), or promote anyway: say why in "Why promote without a control", kept in the ledger',
    },
  });
}

/** What each decision does to a rollout, as a refusal of it on an ended rollout says it. */
const DOING: Record<RolloutDecideInput['decision'], string> = { proceed: 'proceed (be promoted or resumed)', iterate: 'be iterated on', roll_back: 'be rolled back' };

/**
 * An operator's typed decision: Proceed (next stage, or resume a paused one the operator saw paused),
 * Iterate (revert and hold), Roll back (revert and end) — refused when the rollout moved since the operator saw it.
 */
export async function decideRollout(store: Store, request: Pick<RolloutDecideInput, 'rolloutId' | 'decision' | 'reason' | 'fromStage' | 'fromState' | 'withoutControl'>, actor: Actor): Promise<RolloutView> {
  const seen = await see(store, request.rolloutId, DOING[request.decision]);
  refuseMovedSinceSeen(seen, request);
  refusePromotionOfPaused(seen.rollout, request);
  const evidence = await observeStage(store, seen.rollout, actor.now);
  const fields = { kind: 'decision' as const, decision: request.decision, reason: request.reason, evidence };
  return rolloutLedger(store).change(async (tx) => {
    const rollout = await unmoved(tx, seen, `decision (${request.decision})`);
    switch (request.decision) {
      case 'proceed': {
        if (rollout.state === 'active') return advance(tx, rollout, actor, promotionReason(rollout, request, evidence), evidence);
        const applied = await applyStageFlags(tx, rollout, rollout.stageIndex, { ...actor, reason: request.reason });
        const at = actor.now.toISOString();
        return rolloutLedger(tx).record(rollout.id, { state: 'active', stageStartedAt: at, applied, updatedAt: at }, entry(rollout, actor, fields));
      }
      case 'iterate':
        return revertTo(tx, rollout, 'paused', actor, fields);
      case 'roll_back':
        return revertTo(tx, rollout, 'rolled_back', actor, fields);
    }
  });
}

/** Holds an active rollout where it is (no checks, no promotion); its flags stay as they are. */
export async function pauseRollout(store: Store, request: { rolloutId: number; reason: string }, actor: Actor): Promise<RolloutView> {
  const seen = await see(store, request.rolloutId, 'be paused', ['active']);
  return rolloutLedger(store).change(async (tx) => {
    const rollout = await unmoved(tx, seen, 'pause');
    return rolloutLedger(tx).record(rollout.id, { state: 'paused', updatedAt: actor.now.toISOString() }, entry(rollout, actor, { kind: 'pause', reason: request.reason }));
  });
}

/** Ends a rollout and puts its flags back. */
export async function abortRollout(store: Store, request: { rolloutId: number; reason: string }, actor: Actor): Promise<RolloutView> {
  const seen = await see(store, request.rolloutId, 'be aborted');
  return rolloutLedger(store).change(async (tx) => revertTo(tx, await unmoved(tx, seen, 'abort'), 'aborted', actor, { kind: 'abort', reason: request.reason }));
}

/** A rollout with its ledger and what its guardrails see now (the last evidence recorded, once it is over). */
export async function rolloutDetail(store: Store, id: number, now: Date): Promise<RolloutDetail> {
  const rollout = await requireRollout(store, id);
  const ledger = await rolloutLedger(store).ledger(id);
  const latest = rollout.state === 'active' || rollout.state === 'paused' ? await observeStage(store, rollout, now) : (ledger.findLast((e) => e.evidence !== null)?.evidence ?? null);
  return { ...rollout, ledger, latest };
}

/**
 * `rollout status [id]` and the API's rollouts.get: one rollout, or without an id the newest —
 * null when none was ever started. That is an answer, not an error: a script asking "is anything
 * rolling out?" reads null with exit 0, and keeps NOT_FOUND (exit 2) for a wrong id or database.
 */
export async function rolloutStatus(store: Store, id: number | undefined, now: Date): Promise<RolloutDetail | null> {
  const wanted = id ?? (await rolloutLedger(store).list({ limit: 1 }))[0]?.id;
  return wanted === undefined ? null : rolloutDetail(store, wanted, now);
}
