import type { RunFlagChange, RunMode, RunSummary } from '../../shared/run.js';
import { redactedMessage } from '../../shared/redact.js';
import { logger } from '../logging/index.js';
import type { Store } from '../store/index.js';
import { flagDefinition, killedPosition, type FlagName, type FlagValue, type FlagValues } from './definitions.js';
import { flagStore, type StoredFlagValue } from './flag-store.js';
import { HALT_FLAG, haltFrom, haltRows, type Halt } from './halt.js';
import { requestedHalts, withRequestedHalts } from './halt-requests.js';
import { KILL_SCOPE } from './scope.js';

const log = logger('flags');

/** A kill as stored, with the reason support gave for it. */
type Kill = StoredFlagValue & { reason: string | null };

/**
 * Where a run reads each flag, and so where a kill reaches a run under way: at each batch boundary
 * (`batch`), at the end of the run where it is judged, held or not, and notified or not (`end`), or
 * only at its start (`start`): a run already batched is not switched to one all-or-nothing
 * transaction (that would undo nothing its batches committed, and leave the rest unbatched), a
 * snapshot is taken (or not) before anything is written, and pausing the scheduler stops the runs
 * it would start, not this one (HALT_UPDATES stops this one: runFlaggedUpdate reads it at each
 * boundary, in any scope). A kill of a `start` flag is still said in the run's detail.
 */
const READ_AT: Record<FlagName, 'start' | 'batch' | 'end'> = {
  ENABLE_BATCH_PROCESSING: 'start',
  BATCH_SIZE: 'start',
  ADAPTIVE_BATCHES: 'batch',
  ADAPTIVE_BATCH_CEILING: 'start',
  ENABLE_RECORD_ISOLATION: 'batch',
  ENABLE_HISTORICAL_VALIDATION: 'end',
  BLOCK_ON_ANOMALY: 'end',
  ENABLE_SNAPSHOTS: 'start',
  NOTIFY_ON_ANOMALY: 'end',
  PAUSE_SCHEDULED_RUNS: 'start',
  HALT_UPDATES: 'batch',
};

/** What a kill did to the run, by flag: `batch` is the batch it applies from. */
const EFFECT: Partial<Record<FlagName, (batch: number | null) => string>> = {
  ADAPTIVE_BATCHES: (batch) => `batches from ${batch} on stay at the run's batch size`,
  ENABLE_RECORD_ISOLATION: (batch) => `from batch ${batch} on, a batch that fails is not split to find its bad records`,
  ENABLE_HISTORICAL_VALIDATION: () => 'the run was not judged against earlier runs',
  BLOCK_ON_ANOMALY: () => 'an anomalous verdict does not hold the run',
  NOTIFY_ON_ANOMALY: () => 'an anomalous verdict is not notified',
  HALT_UPDATES: (batch) => `the run stopped before batch ${batch}, as interrupted: resume it once HALT_UPDATES is lifted`,
};

/**
 * A batch-level kill reaching the boundary HALT_UPDATES stopped the run at: it stays in force for
 * the run (a resume goes on with it), but said as taking effect "from batch N" it read as if batches
 * from N had been written under it, where none was.
 */
const HALTED_AT_THE_SAME_BOUNDARY = (batch: number | null) =>
  `HALT_UPDATES stopped the run at this same boundary, before batch ${batch}: nothing from batch ${batch} on was written, so nothing in this run has taken it yet; a resume goes on with it in force`;

/** HALT_UPDATES reaching an all-or-nothing run before it committed (MidRunKills.beforeCommitting). */
const HALTED_WHOLE = 'the run stopped before committing its one transaction, which was rolled back whole: nothing of it was written; resume it (it starts over) once HALT_UPDATES is lifted';

/** The halt as a change recorded on the run it stopped: in force at `halt.scope`, set by … at …, why. */
function haltChange(halt: Halt, batch: number | null, effect: string): RunFlagChange {
  return { flag: HALT_FLAG, value: true, killedBy: halt.by, killedAt: halt.at, reason: halt.reason, at: 'batch', batch, applied: true, effect, scope: halt.scope };
}

/** Why a kill that reached the run did nothing to it. */
const NOT_FOR_THIS_RUN: Partial<Record<FlagName, string>> = {
  ENABLE_BATCH_PROCESSING: 'the run keeps its batches (a run under way cannot become one all-or-nothing transaction); runs from the next one on are all-or-nothing',
  ENABLE_SNAPSHOTS: 'the snapshot decision was made before the run wrote anything; runs from the next one on take no snapshot',
  PAUSE_SCHEDULED_RUNS: 'the scheduler starts no more runs; this one goes on (stop it to end it)',
};
const AFTER_THE_LAST_BATCH = 'came after the last batch: nothing left in this run for it to change';
/** A batch-level kill at the end of an all-or-nothing run: it never had a batch boundary, not a last one. */
const NO_BATCHES = 'the run was all-or-nothing: one transaction, no batches to grow or split, so nothing in it for this kill to change; batch runs from the next one on take it';
const NOT_JUDGED = 'it was not judged, held or notified of an anomaly, so there was nothing in it for this kill to change';

/** What one reading of the kills takes: `only` these flags; `notJudged`, why the run is not judged (an end kill then changes nothing); `mode`, the path the run took; `halted`, HALT_UPDATES stops the run at this boundary. */
interface TakeOptions {
  halted?: boolean;
  notJudged?: string | null;
  only?: readonly FlagName[];
  mode?: RunMode;
}

/**
 * The kills (flag scope `kill`) that reach a run while it is going, at its next safe point: each
 * batch boundary, and the end of the run. Only kills: a global or task value changed meanwhile is
 * an ordinary change (a tuning, a rollout's stage) that the run's stored flags must keep describing
 * — guarded rollouts count runs by them — so it waits for the next run. A kill is support staff
 * turning something off now, and turning off is what every safe point can take; lifting a kill
 * likewise waits for the next run. The run's stored flags stay "the flags at its start"; each kill
 * that reached it is recorded in the run's flag changes, with the point it took effect.
 */
export class MidRunKills {
  private readonly inForce: FlagValues;
  private readonly changes: RunFlagChange[];

  /** `earlier`: the changes a resumed run recorded before it was interrupted. */
  constructor(
    private readonly store: Store,
    startFlags: FlagValues,
    earlier: readonly RunFlagChange[] = [],
  ) {
    this.inForce = { ...startFlags };
    this.changes = [...earlier];
  }

  /** Every kill that reached the run, as recorded on it. */
  get recorded(): readonly RunFlagChange[] {
    return this.changes;
  }

  /** A finished run's flags as it recorded them: those it started with, and the kills that reached it in force. */
  static ofFinishedRun(store: Store, run: Pick<RunSummary, 'flags' | 'flagChanges'>): MidRunKills {
    const kills = new MidRunKills(store, (run.flags ?? {}) as FlagValues, run.flagChanges ?? []);
    for (const change of run.flagChanges ?? []) if (change.applied) kills.inForce[change.flag as FlagName] = change.value;
    return kills;
  }

  /** The run's start flags with the kills that reached it (a `start` flag's kill is noted here too; nothing reads it again). */
  get flags(): FlagValues {
    return this.inForce;
  }

  /**
   * Between batch `nextBatch - 1` and `nextBatch` of a run of `task`: `changed`, true when a
   * batch-level flag changed; `halt`, HALT_UPDATES in force for the run in any scope (null: off),
   * recorded on the run as a kill is, with its scope. The kills and the halt are one read.
   */
  async atBatchBoundary(runId: number, nextBatch: number, task: string | null = null): Promise<{ changed: boolean; halt: Halt | null }> {
    const rows = await this.readKills(runId, 'batch', nextBatch, task);
    const halt = haltFrom(rows, task);
    const taken = await this.take(runId, 'batch', nextBatch, { halted: halt !== null }, rows);
    if (halt) await this.record(runId, nextBatch, [haltChange(halt, nextBatch, EFFECT.HALT_UPDATES!(nextBatch))]);
    return { changed: taken.some((change) => change.applied), halt };
  }

  /**
   * In an all-or-nothing run, as it reads the source and before it commits its one transaction: the
   * halt in force for a run of `task`, recorded on the run when there is one (the run then stops and
   * its transaction is rolled back whole). Only the halt: the run has no batch boundary for the others.
   */
  async beforeCommitting(runId: number, task: string | null = null): Promise<Halt | null> {
    const halt = this.haltTaken(await this.readKills(runId, 'batch', null, task), task);
    if (halt) await this.record(runId, null, [haltChange(halt, null, HALTED_WHOLE)]);
    return halt;
  }

  /**
   * The halt in force from the rows read, or one being set that the run takes: on SQLite its writer
   * waits for this run's write lock, and left a request beside it (halt-requests.ts). A request
   * withdrawn before the run took it (its writer gave up) stops nothing.
   */
  private haltTaken(stored: Kill[], task: string | null): Halt | null {
    const requests = requestedHalts(this.store);
    const halt = haltFrom(withRequestedHalts(stored, requests), task);
    const request = halt && requests.find(({ row }) => row.scope === halt.scope && row.updatedBy === halt.by && row.updatedAt === halt.at);
    if (!request || this.store.writerNotes?.take(request.id)) return halt;
    return haltFrom(stored, task);
  }

  /**
   * At the end of every run that ended, before it is judged: the end-of-run flags (validation, the
   * hold, the notification) are decided here. `notJudged`: why the run is not judged (it failed,
   * validation was off), and so why an end-of-run kill has nothing to change in it; null when it is.
   * `mode`: the path the run took; an all-or-nothing run had no batch for a batch-level kill.
   */
  async atEnd(runId: number, notJudged: string | null = null, mode: RunMode = 'batch'): Promise<void> {
    await this.take(runId, 'end', null, { notJudged, mode });
  }

  /**
   * As the run's notices are sent, after it was judged: a NOTIFY_ON_ANOMALY kill placed since the
   * end of the run still stops its anomaly notice (recorded as reaching it at its end, where the
   * others no longer change anything and are left for the next run).
   */
  async beforeNotices(runId: number): Promise<void> {
    await this.take(runId, 'end', null, { only: ['NOTIFY_ON_ANOMALY'] });
  }

  /** Reads the kills (one small query), applies those this point takes (of `only`, when given), and records them on the run. */
  private async take(runId: number, at: RunFlagChange['at'], batch: number | null, { notJudged = null, only, mode = 'batch', halted = false }: TakeOptions = {}, read?: Kill[]): Promise<RunFlagChange[]> {
    const kills = read ?? (await this.readKills(runId, at, batch, null));
    const taken: RunFlagChange[] = [];
    for (const kill of kills) {
      if (kill.scope !== KILL_SCOPE) continue;
      if (only && !only.includes(kill.flag as FlagName)) continue;
      // A halt at a batch boundary, in any scope, is recorded as the halt (atBatchBoundary), once.
      if (at === 'batch' && kill.flag === HALT_FLAG) continue;
      const change = this.changeFor(kill, at, batch, notJudged, mode);
      if (!change) continue;
      if (halted && change.applied) change.effect = HALTED_AT_THE_SAME_BOUNDARY(batch);
      this.inForce[kill.flag as FlagName] = change.value;
      taken.push(change);
    }
    await this.record(runId, batch, taken);
    return taken;
  }

  /** Records changes that reached the run on it (its flagChanges) and in the log. */
  private async record(runId: number, batch: number | null, taken: RunFlagChange[]): Promise<void> {
    if (taken.length === 0) return;
    for (const change of taken) if (change.flag === HALT_FLAG && change.scope === KILL_SCOPE) this.inForce.HALT_UPDATES = true;
    this.changes.push(...taken);
    for (const change of taken) log.info(`${change.flag} ${change.scope && change.scope !== KILL_SCOPE ? `set on ${change.scope}` : 'killed'} by ${change.killedBy} reached run ${runId}${change.batch === null ? (change.at === 'end' ? ' at its end' : '') : ` before batch ${change.batch}`}: ${change.effect}`, { runId, batch });
    await this.store.annotateRun(runId, { flagChanges: this.changes }).catch((error: unknown) => {
      log.warn(`run ${runId}: the kills that reached it could not be recorded on it: ${redactedMessage(error)}`, { runId, batch });
    });
  }

  /**
   * The kills now in force. Unreadable at a batch boundary, the store's error is thrown: the run
   * stops there as interrupted (the environment's fault, resumable once the store is whole), since
   * a batch-level kill not read (ADAPTIVE_BATCHES, ENABLE_RECORD_ISOLATION) would go on doing what
   * support turned off. Unreadable at the end, the run keeps the flags it has: every end-of-run kill
   * turns a check off (judging, the hold, the anomaly notice), so not reading one errs on the side
   * of judging, holding and notifying, and the batches are committed already.
   */
  private async readKills(runId: number, at: RunFlagChange['at'], batch: number | null, task: string | null): Promise<Kill[]> {
    try {
      return await flagStore(this.store).killsAnd(at === 'batch' ? haltRows(task) : null);
    } catch (error) {
      if (at === 'batch') throw error;
      log.warn(`run ${runId}: flag kills not read at its end (the run is judged, held and notified as its flags say): ${redactedMessage(error)}`, { runId, batch });
      return [];
    }
  }

  /** The change a kill makes at this point, or null: already in force, unknown or unkillable, or for a later point. */
  private changeFor(kill: Kill, at: RunFlagChange['at'], batch: number | null, notJudged: string | null, mode: RunMode): RunFlagChange | null {
    const definition = flagDefinition(kill.flag);
    const value: FlagValue | null = definition ? killedPosition(definition) : null;
    if (value === null || this.inForce[kill.flag as FlagName] === value) return null;
    const name = kill.flag as FlagName;
    const readAt = READ_AT[name];
    // An end-of-run flag killed during the batches is taken at the end, where the run reads it.
    if (readAt === 'end' && at === 'batch') return null;
    if (readAt === 'end' && notJudged !== null) {
      return { flag: name, value, killedBy: kill.updatedBy, killedAt: kill.updatedAt, reason: kill.reason, at, batch, applied: false, effect: `${notJudged}: ${NOT_JUDGED}` };
    }
    const applied = readAt === at;
    const effect = applied ? EFFECT[name]!(batch) : (NOT_FOR_THIS_RUN[name] ?? (mode === 'all-or-nothing' ? NO_BATCHES : AFTER_THE_LAST_BATCH));
    return { flag: name, value, killedBy: kill.updatedBy, killedAt: kill.updatedAt, reason: kill.reason, at, batch, applied, effect };
  }
}
