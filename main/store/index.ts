import { GatehouseError } from '../../shared/errors.js';
import { isPostgresUrl } from './postgres/target.js';
import { GatehouseStore } from './store.js';
import type { Store, StoreOptions } from './types.js';

export type * from './types.js';
export type { NewTrialRecord, TrialLevel, TrialRecord } from './repositories/trials.js';
export type { WholeRunRollback } from './repositories/reported-runs.js';
export { COPIED_RUNNING, TRIAL_SESSION_OPERATION } from './repositories/trials.js';
export type * from './snapshot-types.js';
/** The one database type and query layer, for the folders that own tables (DESIGN §1). */
export type { Db, QueryLayer } from './driver.js';
export type { StoredHalt } from './driver.js';
export { byCodeOrder, inCodeOrder, joinedTransaction } from './driver.js';
export { columnsOf, snakeCase, type Database, type TableName } from './schema.js';
export { abandonedConnections, canceledByServer, canceledRunReason, causedBy, CommitOutcomeUnknown, isCanceledByServer, statementCanceled, DatabaseGone, holdForGood, isDiskFault, isLockTimeout, isResourceFault, serverShortOfHint, isPrivilegeMissing, isStorePartMissing, notAllThere, NOT_WRITABLE_HINT, privilegeMissing, recordRefusedIn, storePartMissing, WriterLockLost, type DatabaseOption } from './faults.js';
export { noRelatedTotals, RELATED_TABLES, withPlannedRelated, writtenCountViolations, type RelatedTable, type RelatedTotals } from './hearing-rows.js';
export { contentHash } from './hearing-content.js';
export { atOrAfter, newestFirstPage, type KeysetPage } from './keyset.js';
export { trainingRunFilter } from './repositories/reported-runs.js';
export { refuseUnknownRun, removedByRestore, restoreThatRemoved, runDoesNotExist, unknownRun, type RemovingRestore } from './repositories/runs.js';
export { withAppearancesByWitness } from './witness-index.js';
export { restoreEventFromRow, REVIEW_MARKS } from './restore.js';
export { refuseUnmendable, storeShape } from './damaged.js';
export { lastEventBefore } from './writer-attempts.js';
/** The schema version this code migrates to; each run records it (a change makes a snapshot due). */
export { SCHEMA_VERSION } from './migrations/index.js';
export { checkStagingCopyAllowed, checkStagingTarget, copyToStaging, isSameDatabase, lockStaging, runningTrialOn, STAGING_KEPT_TABLES, stagingCopyTarget, stagingExists, type RunningTrial, type SettledSession, type StagingCopy, type StagingLock, type StagingLockTiming } from './staging.js';
/** Where a PostgreSQL store's snapshot schemas are: each one's name starts with this. */
export { isPostgresUrl, snapshotSchemaPrefix } from './postgres/target.js';

/** Opens the store a `--db` value names: a file path (SQLite) or a postgres:// URL. */
export async function openStore(location: string, options: StoreOptions = {}): Promise<Store> {
  if (location.trim() === '') throw new GatehouseError('USAGE', 'the database location is empty');
  // Each backend's driver is loaded only when it is used: the CLI starts faster on either.
  if (isPostgresUrl(location)) {
    const { openPostgresDriver } = await import('./postgres/driver.js');
    return new GatehouseStore(await openPostgresDriver(location, options));
  }
  const { openSqliteDriver } = await import('./sqlite/driver.js');
  return new GatehouseStore(await openSqliteDriver(location, options));
}
