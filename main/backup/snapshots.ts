import crypto from 'node:crypto';
import path from 'node:path';
import { GatehouseError } from '../../shared/errors.js';
import { atOrAfter, canceledByServer, causedBy, CommitOutcomeUnknown, isDiskFault, newestFirstPage, refuseUnmendable, restoreEventFromRow, storeShape, WriterLockLost, type RestoreEvent, type Snapshot, type SnapshotKind, type Store } from '../store/index.js';
import type { BackupsDeleteReport } from '../../shared/api-operations.js';
import { restoreOperation, retentionPruneOperation, SNAPSHOT_PRUNE_OPERATION, snapshotDeletionOperation, snapshotRemoval, snapshotTakingOperation } from './attempts.js';
import { asAttempt, refused, withWriterLock } from './lock.js';
import { checkedOperator, checkedReason } from './operator.js';

/**
 * Snapshots of the live database and restores from them, on both backends: the store keeps them
 * (files beside a SQLite database, schemas beside a PostgreSQL one); this is the policy — ids,
 * verification, retention, and a restore that is itself audited and never erases the audit.
 * Ages are measured from each snapshot's own recorded timestamp, never from file times.
 */
export type { Snapshot, SnapshotKind };

export interface SnapshotCheck {
  id: string;
  ok: boolean;
  problems: string[];
}

export interface RetentionPolicy {
  /** Keep at most this many snapshots (newest first). */
  keep: number;
  /** Drop snapshots older than this many days, measured from their own timestamp. */
  maxAgeDays: number;
  /** Keep the newest snapshots whose sizes add up to at most this many megabytes (MiB); null or absent: no limit. */
  maxTotalMb?: number | null;
}

/**
 * What a run applies after its own snapshot, and `backups prune` without options: all three
 * limits, so a large database's snapshots cannot fill the disk before count or age removes them.
 */
export const DEFAULT_RETENTION: RetentionPolicy = { keep: 10, maxAgeDays: 30, maxTotalMb: 4096 };
const MEGABYTE = 1024 * 1024;

/** Where a SQLite database's snapshot files are. */
export function snapshotFolder(dbFile: string): string {
  return `${path.resolve(dbFile)}.backups`;
}

function snapshotId(at: Date): string {
  return `${at.toISOString().replace(/[-:]/g, '').replace('.', '')}-${crypto.randomBytes(3).toString('hex')}`;
}

/** Takes a snapshot, checks it (integrity of the copy) and records it with its checksum. */
export async function createSnapshot(store: Store, options: { kind: SnapshotKind; runId?: number | null; clock?: () => Date; id?: string }): Promise<Snapshot> {
  const denied = await store.snapshots.deniedToRole();
  if (denied) throw new GatehouseError('DB_NOT_WRITABLE', `cannot take a snapshot of ${store.location}: ${denied.why}; nothing was changed`, { hint: denied.grant });
  const at = (options.clock ?? (() => new Date()))();
  return store.snapshots.take({ id: options.id ?? snapshotId(at), kind: options.kind, createdAt: at.toISOString(), runId: options.runId ?? null });
}

/**
 * A snapshot asked for by an operator (`backups create`, the console), not by a run: it takes the
 * writer lock first, so it never copies a database a run is half-way through — such a copy holds
 * the run as `running`, and restoring it brings back a run no process is doing. While a run (or a
 * rollback, restore or prune) holds the lock it refuses with LOCK_HELD, naming the holder.
 */
export async function createSnapshotOnRequest(store: Store, options: { clock?: () => Date; operator?: string; reason?: string } = {}): Promise<Snapshot> {
  const clock = options.clock ?? (() => new Date());
  // Optional, unlike a prune's: a snapshot destroys nothing. Given, it is kept in the attempt beside who took it.
  const reason = options.reason === undefined ? undefined : checkedReason(options.reason, 'taking a snapshot');
  // Named before the lock, so its attempt (who took it, kept through restores) names the snapshot;
  // the lock row names who asked, so a rollback or restore it refuses meanwhile knows whom to ask.
  const id = snapshotId(clock());
  const purpose = { action: 'take a snapshot', operation: snapshotTakingOperation(id), operator: options.operator, recorded: true, ...(reason === undefined ? {} : { reason }) };
  return withWriterLock(store, clock, purpose, () => createSnapshot(store, { kind: 'manual', clock, id }));
}

/** Newest first. */
export function listSnapshots(store: Store): Promise<Snapshot[]> {
  return store.snapshots.list();
}

/** Names the run a before-run snapshot was taken for, once the run has an id. */
export function attachRunToSnapshot(store: Store, snapshotId: string, runId: number): Promise<void> {
  return store.snapshots.attachRun(snapshotId, runId);
}

async function findSnapshot(store: Store, id: string): Promise<Snapshot> {
  const found = (await listSnapshots(store)).find((s) => s.id === id);
  if (found) return found;
  // One deleted or pruned is said so, with who and why, not as an id never taken.
  const removal = await snapshotRemoval(store, id);
  if (!removal) throw new GatehouseError('NOT_FOUND', `no snapshot ${id} for ${store.location}`, { hint: { cli: 'see gatehouse backups list', console: 'see the snapshots on the Backups page' } });
  throw new GatehouseError('NOT_FOUND', `no snapshot ${id} for ${store.location}: ${removal}`, {
    hint: { cli: 'see gatehouse backups attempts for what removed it, and gatehouse backups list for the snapshots there are', console: 'see the attempts and the snapshots on the Backups page' },
  });
}

/** Checks the checksum recorded at creation and the copy's integrity; sizes alone prove nothing. */
export async function verifySnapshots(store: Store, id?: string): Promise<SnapshotCheck[]> {
  const chosen = id === undefined ? await listSnapshots(store) : [await findSnapshot(store, id)];
  const checks: SnapshotCheck[] = [];
  for (const snapshot of chosen) {
    const problems = await store.snapshots.check(snapshot);
    checks.push({ id: snapshot.id, ok: problems.length === 0, problems });
  }
  return checks;
}

/**
 * What retention would delete now, without touching anything: of the snapshots newest first, those
 * past the newest `keep`, older than `maxAgeDays` by their own timestamp, or past `maxTotalMb`
 * once the newer ones' sizes are added up — never the newest.
 */
export async function snapshotsToPrune(store: Store, policy: RetentionPolicy = DEFAULT_RETENTION, now: Date = new Date()): Promise<Snapshot[]> {
  return retentionVictims(await listSnapshots(store), policy, now);
}

/** snapshotsToPrune over a listing already read (newest first). */
function retentionVictims(snapshots: Snapshot[], policy: RetentionPolicy, now: Date): Snapshot[] {
  if (!Number.isInteger(policy.keep) || policy.keep < 1) throw new GatehouseError('USAGE', `keep must be a whole number ≥ 1, got ${policy.keep}`);
  if (!(policy.maxAgeDays > 0)) throw new GatehouseError('USAGE', `max age must be a positive number of days, got ${policy.maxAgeDays}`);
  const maxTotalMb = policy.maxTotalMb ?? null;
  if (maxTotalMb !== null && !(maxTotalMb > 0)) throw new GatehouseError('USAGE', `total size must be a positive number of megabytes, got ${maxTotalMb}`);
  const cutoff = now.getTime() - policy.maxAgeDays * 86_400_000;
  const budget = maxTotalMb === null ? Infinity : maxTotalMb * MEGABYTE;
  let total = 0;
  return snapshots.filter((s, rank) => {
    total += s.sizeBytes;
    return rank > 0 && (rank >= policy.keep || Date.parse(s.createdAt) < cutoff || total > budget);
  });
}

/** The bytes the snapshots take together, as recorded when each was taken. */
export function totalSnapshotBytes(snapshots: Snapshot[]): number {
  return snapshots.reduce((sum, s) => sum + s.sizeBytes, 0);
}

/** Applies retention (see snapshotsToPrune): removes those snapshots. */
export async function pruneSnapshots(store: Store, policy: RetentionPolicy = DEFAULT_RETENTION, now: Date = new Date()): Promise<Snapshot[]> {
  return (await applyRetention(store, policy, now, { dryRun: false })).pruned;
}

/** What retention prunes (or, on a dry run, would) and how many snapshots it leaves, judged on one listing. */
async function applyRetention(store: Store, policy: RetentionPolicy, now: Date, options: { dryRun: boolean }): Promise<{ pruned: Snapshot[]; remaining: number }> {
  const snapshots = await listSnapshots(store);
  const pruned = retentionVictims(snapshots, policy, now);
  if (!options.dryRun) {
    await refuseRemovalDenied(store, pruned, 'prune snapshots');
    for (const snapshot of pruned) await store.snapshots.remove(snapshot);
  }
  return { pruned, remaining: snapshots.length - pruned.length };
}

/**
 * Retention asked for by an operator rather than by a run: a dry run only lists what would go; a
 * real one takes the writer lock first, so it never removes snapshots while a run's before-run
 * snapshot is being taken. What is left is counted from the listing judged under that lock: a
 * count read before it missed a snapshot a run took in between (or counted one its retention pruned).
 */
export async function pruneSnapshotsOnRequest(store: Store, policy: RetentionPolicy, options: { dryRun: boolean; clock?: () => Date; operator?: string; reason?: string }): Promise<{ pruned: Snapshot[]; remaining: number }> {
  const clock = options.clock ?? (() => new Date());
  if (options.dryRun) return applyRetention(store, policy, clock(), options);
  // Deleting snapshots needs a reason, as deleting one does (deleteSnapshot); a preview deletes nothing and needs none.
  const reason = checkedReason(options.reason, 'a snapshot prune');
  // Recorded as an attempt naming what it deleted, who and why: a pruned snapshot leaves the listing, so the audit is where its pruner is.
  const purpose = { action: 'prune snapshots', operation: SNAPSHOT_PRUNE_OPERATION, operator: options.operator, recorded: true, reason, successDetail: describePruned };
  return withWriterLock(store, clock, purpose, () => applyRetention(store, policy, clock(), options));
}

/**
 * Retention right after a run's snapshot, under that run's writer lock: a pruned snapshot leaves the
 * listing, so what deleted it is recorded as an attempt (as a prune by hand is) naming the policy, the
 * run and its starter. A prune that deletes nothing records nothing: every snapshotted run would.
 */
export async function pruneAfterRunSnapshot(store: Store, policy: RetentionPolicy, run: { runId: number; operator: string | null; clock: () => Date }): Promise<Snapshot[]> {
  const judged = await applyRetention(store, policy, run.clock(), { dryRun: true });
  if (judged.pruned.length === 0) return [];
  const purpose = { action: 'prune snapshots', operation: retentionPruneOperation(run.runId), operator: run.operator ?? undefined, successDetail: (result: { pruned: Snapshot[]; remaining: number }) => `${describePolicy(policy)}: ${describePruned(result)}` };
  return (await asAttempt(store, run.clock, purpose, () => applyRetention(store, policy, run.clock(), { dryRun: false }))).pruned;
}

function describePolicy(policy: RetentionPolicy): string {
  const size = policy.maxTotalMb === undefined || policy.maxTotalMb === null ? '' : `, at most ${policy.maxTotalMb} MiB`;
  return `retention (keep ${policy.keep}, at most ${policy.maxAgeDays} days${size})`;
}

function describePruned(result: { pruned: Snapshot[]; remaining: number }): string {
  if (result.pruned.length === 0) return `pruned nothing; ${result.remaining} left`;
  return `pruned ${result.pruned.map((s) => s.id).join(', ')}; ${result.remaining} left`;
}

export interface SnapshotDeletionRequest {
  snapshotId: string;
  /** Why; required: deleting a snapshot is an audited change. */
  reason: string;
  /** Who; the OS user when absent. */
  operator?: string;
  /** Delete it even when it is the last snapshot that could be restored. */
  force?: boolean;
  clock?: () => Date;
}

/**
 * Removes one chosen snapshot (one taken with bad data), its copy and its listing together, under
 * the writer lock so no run's snapshot or retention interleaves. Audited as an attempt naming the
 * operator and the reason, refused ones included. The last snapshot that could still be restored
 * (present and passing its checks) is refused unless forced: without it no restore is possible.
 * The checks read every copy whole (seconds on a large store), so the others are checked before the
 * lock is taken, where an update waits for none of it; under the lock each is only looked for again.
 */
export async function deleteSnapshot(store: Store, request: SnapshotDeletionRequest): Promise<BackupsDeleteReport> {
  const reason = checkedReason(request.reason, 'deleting a snapshot');
  const operator = checkedOperator(request.operator);
  const clock = request.clock ?? (() => new Date());
  const purpose = {
    action: 'delete a snapshot',
    operation: snapshotDeletionOperation(request.snapshotId),
    operator,
    audited: true,
    reason,
    successDetail: (report: BackupsDeleteReport) => (report.forced ? 'forced: it was the last snapshot that could be restored' : null),
  };
  const checkedBeforeLock = await checkOutsideLock(store, request.snapshotId);
  return withWriterLock(store, clock, purpose, async (attemptId) => {
    const chosen = await findSnapshot(store, request.snapshotId);
    const others = (await listSnapshots(store)).filter((s) => s.id !== chosen.id);
    const restorableOthers = await countRestorable(store, others, checkedBeforeLock);
    const lastGood = restorableOthers === 0 && (await isRestorable(store, chosen));
    if (lastGood && request.force !== true) {
      throw new GatehouseError('CONFLICT', `snapshot ${chosen.id} is the last snapshot of ${store.location} that could be restored; nothing was deleted`, {
        hint: { cli: 'take another snapshot first (gatehouse backups create), or pass --force if no restore from it is wanted', console: 'take another snapshot first, or tick "delete even the last restorable snapshot"' },
      });
    }
    await refuseRemovalDenied(store, [chosen], `delete snapshot ${chosen.id}`);
    await store.snapshots.remove(chosen);
    const left = others.length === 1 ? '1 snapshot is left' : `${others.length} snapshots are left`;
    return {
      deleted: chosen,
      forced: lastGood,
      remaining: others.length,
      restorableRemaining: restorableOthers,
      attemptId: attemptId!,
      message: `deleted snapshot ${chosen.id} (taken ${chosen.createdAt}, ${chosen.sizeBytes} bytes)${lastGood ? ', forced: it was the last one that could be restored' : ''}; ${left}, ${restorableOthers} of them restorable; recorded as attempt ${attemptId} by ${operator}`,
    };
  });
}

/** Refused before the first snapshot goes, so a prune the role may not finish deletes none (each removal is whole, schema and listing). */
async function refuseRemovalDenied(store: Store, snapshots: readonly Snapshot[], action: string): Promise<void> {
  const denied = await store.snapshots.removalDenied(snapshots);
  if (denied) throw new GatehouseError('DB_NOT_WRITABLE', `cannot ${action} of ${store.location}: ${denied.why}; nothing was deleted`, { hint: denied.grant });
}

/** Present and passing its checksum and integrity checks: a restore from it would be let through. */
async function isRestorable(store: Store, snapshot: Snapshot): Promise<boolean> {
  return (await store.snapshots.unavailable(snapshot)) === null && (await store.snapshots.check(snapshot)).length === 0;
}

/**
 * Whether each snapshot but the one to delete passes its checks, asked before the writer lock. A
 * copy never changes once taken, so the answer holds under the lock for those still listed; one
 * that could not be checked now (a prune dropping it meanwhile) is left out and checked there.
 */
async function checkOutsideLock(store: Store, deleting: string): Promise<Map<string, boolean>> {
  const passed = new Map<string, boolean>();
  const listed = await listSnapshots(store);
  // No such snapshot: the refusal comes under the lock, audited, without reading every copy first.
  if (!listed.some((s) => s.id === deleting)) return passed;
  for (const snapshot of listed) {
    if (snapshot.id === deleting) continue;
    const problems = await store.snapshots.check(snapshot).catch(() => null);
    if (problems !== null) passed.set(snapshot.id, problems.length === 0);
  }
  return passed;
}

/** Those of `snapshots` a restore would let through: checked before the lock (and still present), or checked now if taken since. */
async function countRestorable(store: Store, snapshots: Snapshot[], checkedBeforeLock: Map<string, boolean>): Promise<number> {
  let count = 0;
  for (const snapshot of snapshots) {
    const passed = checkedBeforeLock.get(snapshot.id);
    const restorable = passed === undefined ? await isRestorable(store, snapshot) : passed && (await store.snapshots.unavailable(snapshot)) === null;
    if (restorable) count += 1;
  }
  return count;
}

export interface RestoreRequest {
  snapshotId: string;
  /** Why; required: a restore is an audited event. */
  reason: string;
  /** Who; the OS user when absent. */
  operator?: string;
  clock?: () => Date;
}

export interface RestoreReport {
  restoredFrom: Snapshot;
  safetySnapshot: Snapshot;
  hearingsBefore: number;
  hearingsAfter: number;
  /** The restore as recorded in the audit. */
  event: RestoreEvent;
  message: string;
}

/**
 * Puts the run and domain tables back as a snapshot holds them. Refuses while a run holds the
 * lock or when the snapshot fails verification; takes a safety snapshot of the current state first.
 * Rollback events, flag events, reviews and earlier restores stay, the restore is recorded with
 * who and why, and run ids keep rising past every id ever given.
 */
export async function restoreSnapshot(store: Store, request: RestoreRequest): Promise<RestoreReport> {
  const reason = checkedReason(request.reason, 'a restore');
  const operator = checkedOperator(request.operator);
  const clock = request.clock ?? (() => new Date());
  // Refused before the lock, audited all the same (refused): a restore of a snapshot not there is recorded as a deletion of one is.
  const audit = { action: 'restore', operation: restoreOperation(request.snapshotId), operator, audited: true, reason };
  const chosen = await findSnapshot(store, request.snapshotId).catch(async (error: unknown) => Promise.reject(await refused(store, clock, audit, error)));
  // Before the lock and its audited attempt: nothing can be restored from a copy that is not there.
  const gone = await store.snapshots.unavailable(chosen);
  if (gone !== null) {
    throw await refused(store, clock, audit, new GatehouseError('NOT_FOUND', `snapshot ${chosen.id} cannot be restored: ${gone}; nothing was restored`, {
      hint: { cli: 'restore another snapshot: gatehouse backups list marks those that are missing', console: 'restore another snapshot: the Backups page marks those that are missing' },
    }));
  }
  await refuseRestoreDenied(store, chosen);
  // What the restore itself needs must be there (the audit, the writer lock): refused before the lock, which is one of them.
  if (store.damage) {
    const shape = await storeShape(store.queries.db, store.backend);
    // A snapshot list dropped outside Gatehouse, its copies still there, is made again from them (relistSurvivors) — once nothing else refuses.
    const relisting = store.snapshots.relistSurvivors !== undefined;
    refuseUnmendable({ ...shape, keptMissing: shape.keptMissing.filter((table) => !(relisting && table === 'snapshots')) }, store.location, store.damage, store.backend);
    await store.snapshots.relistSurvivors?.();
  }
  // Its COMMIT's answer lost, and the restore then found made (RestoreMade): said in its report and its attempt, as a rollback's is.
  let answerLost: string | null = null;
  // The reason is kept in the attempt too: a restore that fails or dies part-way writes no restore event, and its audit must still say why.
  const restoring = async () => {
    const [check] = await verifySnapshots(store, chosen.id);
    if (!check?.ok) throw new GatehouseError('INVARIANT_BROKEN', `snapshot ${chosen.id} failed verification: ${check?.problems.join('; ')}; nothing was restored`);
    await store.snapshots.refuseUnrestorable(chosen);
    const safetySnapshot = await createSnapshot(store, { kind: 'safety', clock }).catch((error: unknown) => Promise.reject(safetySnapshotFailed(chosen, error)));
    const made = await store.snapshots.restore(chosen, { operator, reason, at: clock().toISOString(), safetySnapshotId: safetySnapshot.id }).catch(async (error: unknown) => Promise.reject(await settleSafetySnapshot(store, safetySnapshot, error)));
    const { event } = made;
    answerLost = made.answerLost;
    return {
      restoredFrom: chosen,
      safetySnapshot,
      hearingsBefore: event.hearingsBefore,
      hearingsAfter: event.hearingsAfter,
      event,
      message: `restored ${store.location} from snapshot ${chosen.id} (taken ${chosen.createdAt}); hearings ${event.hearingsBefore} → ${event.hearingsAfter}${describeRepointed(event)}; the state before the restore is snapshot ${safetySnapshot.id}; recorded as restore ${event.id} by ${operator}${answerLost === null ? '' : ` (${answerLost})`}`,
    };
  };
  // Failed inside the attempt, so its audit says what failed as the operator is told it.
  const restored = () => restoring().catch((error: unknown) => Promise.reject(canceledByServer(`restore from snapshot ${chosen.id} failed`, 'nothing was restored', error) ?? error));
  return withWriterLock(store, clock, { action: 'restore', operation: restoreOperation(chosen.id), operator, audited: true, reason, successDetail: () => answerLost }, restored);
}

/**
 * A restore the connection's role could never finish, refused before the lock and before the copy is
 * read whole: it may not take the safety snapshot that comes first (PostgreSQL: no CREATE on the
 * database, a DBA's least privilege), or may not read the snapshot's copy (another role took it).
 * Met part-way, the first was said after a verification of every row, the second as "schema … is missing".
 */
async function refuseRestoreDenied(store: Store, snapshot: Snapshot): Promise<void> {
  const safety = await store.snapshots.deniedToRole();
  const denied = safety ? { ...safety, why: `a restore first takes a safety snapshot of the database as it is, and ${safety.why}` } : await store.snapshots.readDenied(snapshot);
  if (denied) throw new GatehouseError('DB_NOT_WRITABLE', `snapshot ${snapshot.id} cannot be restored: ${denied.why}; nothing was restored`, { hint: denied.grant });
}

/**
 * The safety snapshot a restore takes first could not be taken (a full disk, a folder it cannot
 * write): said bare ("cannot write snapshot into …"), it left the operator to guess whether the
 * database had been replaced. Nothing was: the restore stops before its transaction.
 */
function safetySnapshotFailed(restoring: Snapshot, error: unknown): unknown {
  if (!(error instanceof GatehouseError)) return error;
  const hint = isDiskFault(error) ? 'free room on the disk that holds the snapshots (a safety snapshot is about the size of the database), then try again' : error.hints;
  return new GatehouseError(error.code, `restore from snapshot ${restoring.id} failed: the safety snapshot of the database as it is, taken first, could not be taken (${error.message}); nothing was restored`, { hint, cause: error });
}

/**
 * A restore that failed after its safety snapshot was taken: on a nearly full disk each retry left
 * one more database-sized copy listed. Where nothing can have been replaced (its one transaction
 * failed and rolled back) that copy is only the database as it still is, and is removed; where the
 * connection to the server was lost the COMMIT may have gone through, so it is kept — said either way.
 */
async function settleSafetySnapshot(store: Store, safety: Snapshot, error: unknown): Promise<unknown> {
  if (!(error instanceof GatehouseError)) return error;
  const said = (outcome: string, hint = error.hints) => new GatehouseError(error.code, `${error.message}; ${outcome}`, { hint, cause: error });
  if (causedBy(error, (e) => e instanceof CommitOutcomeUnknown)) return said(`its safety snapshot ${safety.id}, the database as it was before the restore, is kept`, whetherRestored(safety));
  if (causedBy(error, (e) => e instanceof GatehouseError && e.code === 'DB_UNREACHABLE')) {
    // Lost before its COMMIT, or during it and found not committed when asked after (restoreLanded): nothing was restored, but the copy is not removed through a database just lost.
    const lost = store.backend === 'postgres' ? 'the connection to the server was lost' : 'the database file was deleted or moved';
    return said(`its safety snapshot ${safety.id} is kept: ${lost} before the restore was committed, so nothing was restored, and nothing is removed through it; delete the copy with gatehouse backups delete once the database answers again`);
  }
  // Removing it would be a write without the lock, which another writer may hold by now.
  if (causedBy(error, (e) => e instanceof WriterLockLost)) {
    return said(`its safety snapshot ${safety.id} is kept: the writer lock was lost, and nothing is removed without it; delete it with gatehouse backups delete`);
  }
  try {
    await store.snapshots.remove(safety);
  } catch (removal) {
    return said(`its safety snapshot ${safety.id} is kept: removing it failed (${(removal as Error).message}); delete it with gatehouse backups delete`);
  }
  return said(`its safety snapshot ${safety.id}, the database as it still is, was removed`);
}

/** Where an operator sees whether a restore cut at its COMMIT went through, and what to do either way. */
function whetherRestored(safety: Snapshot): { cli: string; console: string } {
  const otherwise = (restoreAgain: string, deleteIt: string) => `if it does not, nothing was restored: ${restoreAgain}, and delete safety snapshot ${safety.id} (${deleteIt})`;
  return {
    cli: `gatehouse backups restores lists this restore if it was made (the database is then the snapshot's); ${otherwise('run the restore again', `gatehouse backups delete --id ${safety.id}`)}`,
    console: `the Backups page lists this restore among the restores if it was made (the database is then the snapshot's); ${otherwise('restore it again', 'Delete on the Backups page')}`,
  };
}

/** Whether `error` or any error it was caused by is such (a lost connection is wrapped by the restore's own failure). */
/** The kept tasks whose last run the restore removed, and the run each names now. */
function describeRepointed(event: RestoreEvent): string {
  if (event.repointedTasks.length === 0) return '';
  const tasks = event.repointedTasks.map((t) => `${t.task} (run ${t.lastRunIdBefore} → ${t.lastRunIdAfter === null ? 'none' : `run ${t.lastRunIdAfter}`})`);
  return `; last run of ${tasks.length === 1 ? 'task' : 'tasks'} re-pointed: ${tasks.join(', ')}`;
}

/** The restores done to the store, newest first (an audit that outlives them); `after` is the id of the last restore of the previous page. */
export async function listRestores(store: Pick<Store, 'queries'>, options: { since?: string; limit?: number; after?: number } = {}): Promise<RestoreEvent[]> {
  const rows = await store.queries.db
    .selectFrom('restoreEvents')
    .selectAll()
    .$call((q) => atOrAfter(q, options.since))
    .$call((q) => newestFirstPage(q, options, 50))
    .execute();
  return rows.map(restoreEventFromRow);
}
