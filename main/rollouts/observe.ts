import type { RolloutEvidence, RolloutView } from '../../shared/api-rollouts.js';
import { asRan, rolledBackAfterRunning, type RolledBackLater } from '../backup/index.js';
import type { ReportedRun, Store } from '../store/index.js';
import { canaryTaskDisabled, controlGone } from './flags.js';
import { evaluateGuardrails, type ObservedRun } from './guardrails.js';
import { rolloutLedger } from './ledger.js';

/** How many runs from before the rollout stand for the flags-off baseline when no task runs beside the canary. */
const BASELINE_RUNS = 30;

/** Runs that said something about the code: a run still going, or one an environment fault interrupted, did not. */
function finished(run: ReportedRun): boolean {
  return run.status !== 'running' && run.status !== 'interrupted';
}

/**
 * A run read its flags before it was given a start time: a run that read them just before a stage
 * applied its changes, then took its snapshot and started inside the stage's window, ran on the
 * old values. It says nothing about the changes, so only runs that stored every changed flag at
 * its new value count for them — and that kept it: a kill that reached the run mid-run and turned a
 * changed flag back (main/flags/mid-run-kills.ts) leaves a run on both, which speaks for neither. A
 * kill recorded as not applied (the run was past where the flag matters) changed nothing it ran.
 */
export function ranOnTheChanges(run: ReportedRun, changes: readonly { flag: string; value: unknown }[]): boolean {
  const turnedBack = (flag: string, value: unknown) => (run.flagChanges ?? []).some((change) => change.applied && change.flag === flag && change.value !== value);
  return changes.every(({ flag, value }) => run.flags?.[flag] === value && !turnedBack(flag, value));
}

/**
 * Canary and control of the rollout's current stage. In the canary stage both come from the same
 * window, from the moment the stage began: the canary task's runs against the other scheduled
 * tasks' runs on other flags (never manual, seeded or earlier runs). In the other stages every run is on the same
 * flags, so the control is the flags-off baseline: scheduled tasks' runs from before the rollout.
 */
async function stageRuns(store: Store, rollout: RolloutView): Promise<{ canary: ReportedRun[]; control: ReportedRun[] }> {
  const stage = rollout.stages[rollout.stageIndex]!.stage;
  const inWindow = (await store.reports.runs({ since: rollout.stageStartedAt })).filter(finished);
  if (stage === 'deployed') return { canary: inWindow, control: await baseline(store, rollout) };
  if (stage === 'canary') {
    return {
      canary: inWindow.filter((run) => run.task === rollout.canaryTask && ranOnTheChanges(run, rollout.flagChanges)),
      // A control run that recorded the changes (set for every task a while, outside the rollout) ran what the canary runs: it is no control.
      control: inWindow.filter((run) => run.task !== null && run.task !== undefined && run.task !== rollout.canaryTask && !ranOnTheChanges(run, rollout.flagChanges)),
    };
  }
  return { canary: inWindow.filter((run) => ranOnTheChanges(run, rollout.flagChanges)), control: await baseline(store, rollout) };
}

/** The flags-off baseline: scheduled tasks' runs from before the rollout. */
async function baseline(store: Store, rollout: RolloutView): Promise<ReportedRun[]> {
  const before = (await store.reports.runs({ until: rollout.startedAt })).filter((run) => finished(run) && run.task !== null && run.task !== undefined);
  return before.slice(-BASELINE_RUNS);
}

/**
 * The runs as the guardrails judge them: as they ran. A run support rolled back after it ran (a
 * rollback event, `gatehouse rollback`) is judged by its counts, as `report canary` judges it: a
 * support action is not the change failing. A run that rolled itself back has no event and fails.
 */
async function withQuarantineRows(store: Store, runs: ReportedRun[], rolledBackLater: ReadonlyMap<number, RolledBackLater>): Promise<ObservedRun[]> {
  const rows = await rolloutLedger(store).quarantineRowsByRun(runs.map((run) => run.runId));
  return runs.map((run) => ({ summary: asRan(run, rolledBackLater), quarantineRows: rows.get(run.runId) ?? 0 }));
}

/** What the guardrails see now: read from stored runs only, so a restarted process sees the same. */
export async function observeStage(store: Store, rollout: RolloutView, now: Date): Promise<RolloutEvidence> {
  const { canary, control } = await stageRuns(store, rollout);
  const rolledBackLater = new Map((await rolledBackAfterRunning(store, [...canary, ...control])).map((r) => [r.runId, r]));
  const guardrails = evaluateGuardrails(await withQuarantineRows(store, canary, rolledBackLater), await withQuarantineRows(store, control, rolledBackLater), rollout.timeThreshold);
  const controlOnCanary = await controlGone(store, rollout);
  const idle = await canaryTaskDisabled(store, rollout);
  return {
    window: { since: rollout.stageStartedAt, until: now.toISOString() },
    canaryRuns: canary.map((run) => run.runId),
    controlRuns: control.map((run) => run.runId),
    guardrails,
    canaryRolledBackLater: canary.flatMap((run) => rolledBackLater.get(run.runId) ?? []).map(({ runId, operator, at }) => ({ runId, operator, at })),
    ...(controlOnCanary === null ? {} : { controlOnCanary }),
    ...(idle === null ? {} : { canaryTaskDisabled: idle }),
  };
}
