import type { RestoreEventView, SnapshotView } from '../../shared/api-operations.js';

export type Snapshot = SnapshotView;
export type SnapshotKind = Snapshot['kind'];

/**
 * A snapshot with its keys in the contract's order (snapshotSchema), whichever driver built it from
 * which row: `backups list|create --json` print this object, and the API's answer (parsed by the
 * schema) must be the same text.
 */
export function snapshotInContractOrder(snapshot: Snapshot): Snapshot {
  const { id, file, createdAt, kind, runId, sizeBytes, sha256 } = snapshot;
  return { id, file, createdAt, kind, runId, sizeBytes, sha256 };
}
export type RestoreEvent = RestoreEventView;

/** Who restores and why: a restore is an audited event, never anonymous. */
export type RestoreRequest = Pick<RestoreEvent, 'operator' | 'reason' | 'at' | 'safetySnapshotId'>;

/**
 * Snapshots of the live database and restores from them. SQLite keeps files beside the database
 * (online backup API) with a manifest; PostgreSQL keeps a schema per snapshot with a table listing
 * them. Either way a restore replaces the run and domain tables in one transaction and leaves the
 * audit tables as they are.
 */
export interface SnapshotSupport {
  /** Where the snapshots are, for messages: a folder or a schema name pattern. */
  readonly place: string;
  /** Newest first. */
  list(): Promise<Snapshot[]>;
  /**
   * Why the connection may not take a snapshot here, and the grant that lets it; null when it may.
   * PostgreSQL: each snapshot is a schema, which a team's read/write role (no CREATE on the
   * database) may not make. SQLite: null; its folder's permissions are the file system's to refuse.
   */
  deniedToRole(): Promise<{ why: string; grant: string } | null>;
  /** Copies the live database into a new snapshot, checks the copy and records it. */
  take(meta: Pick<Snapshot, 'id' | 'kind' | 'createdAt' | 'runId'>): Promise<Snapshot>;
  /** Names the run a before-run snapshot was taken for, once the run has an id. */
  attachRun(id: string, runId: number): Promise<void>;
  /** What re-checking a snapshot finds wrong (checksum, integrity); [] when it is sound. */
  check(snapshot: Snapshot): Promise<string[]>;
  /**
   * Why the snapshot cannot be read at all (its file deleted or unreadable, its schema dropped), or
   * null: a cheap look, unlike check, so every listing can say it and a restore can refuse before
   * it takes the lock.
   */
  unavailable(snapshot: Snapshot): Promise<string | null>;
  remove(snapshot: Snapshot): Promise<void>;
  /**
   * Why the connection may not remove these snapshots, and what lets it; null when it may. PostgreSQL:
   * only a schema's owner drops it, and a team's read/write role owns none of the snapshots another
   * role took. SQLite: null; its folder's permissions are the file system's to refuse.
   */
  removalDenied(snapshots: readonly Snapshot[]): Promise<{ why: string; grant: string } | null>;
  /**
   * Why the connection may not read this snapshot's copy, and what lets it; null when it may (or
   * when the copy is gone: unavailable says so). PostgreSQL: a snapshot another role took is its
   * schema, which this role reaches only with USAGE on it and SELECT on its tables — without them
   * the copy looked missing. SQLite: null; the file system refuses a file it cannot read.
   */
  readDenied(snapshot: Snapshot): Promise<{ why: string; grant: string } | null>;
  /**
   * Throws (SCHEMA_TOO_NEW) when this code could not restore the snapshot whatever state the
   * database is in: asked before a restore takes its safety snapshot, so a refused restore leaves
   * no snapshot behind (each would push an older one out at the next retention).
   */
  refuseUnrestorable(snapshot: Snapshot): Promise<void>;
  /**
   * A store opened for a restore whose snapshot list is gone while its copies survive (PostgreSQL's
   * `snapshots` table dropped outside Gatehouse): the list made again from the copies. Absent where
   * the list cannot be lost apart from the copies.
   */
  relistSurvivors?(): Promise<void>;
  /**
   * Replaces the run and domain tables (hearings, runs, quarantine, the undo journal…) with the snapshot's and
   * records the restore, in one transaction; the audit tables and the run-id high-water mark stay.
   * The caller holds the writer lock.
   */
  restore(snapshot: Snapshot, request: RestoreRequest): Promise<RestoreMade>;
}

/** A restore as recorded, and, when the answer to its COMMIT was lost and it was then found stored, the words that say so (else null). */
export interface RestoreMade {
  event: RestoreEvent;
  answerLost: string | null;
}
