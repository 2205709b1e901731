import type { Generated } from 'kysely';

/**
 * The one description of the tables as the code sees them: column names (camelCase here,
 * snake_case in SQL through Kysely's CamelCasePlugin), what each holds, and what a restore does
 * with the table. The Kysely `Database` type is derived from it, and the bulk writers, the undo
 * journal and the snapshot code read their column lists from it. Migrations are the history of how
 * the tables got here; this is where they are now (after the latest migration).
 *
 * Kinds: `text`, `int`, `long` (bigint on PostgreSQL), `real`, `bool` (0/1 on both backends),
 * `json` (JSON text), `time` (ISO 8601 text; timestamptz on PostgreSQL), `serial` (a generated id);
 * a trailing `?` allows null.
 */
type Kind = 'text' | 'int' | 'long' | 'real' | 'bool' | 'json' | 'time' | 'serial';
type Column = Kind | `${Exclude<Kind, 'serial'>}?`;

/**
 * What a restore does with a table: `replaced` tables go back to the snapshot's rows; `kept`
 * tables are the audit (append-only, outliving every restore), support staff's standing
 * configuration (flag values, scheduled tasks) and what belongs to this database alone (its lock,
 * its notification throttle, its snapshot list).
 */
type Role = 'replaced' | 'kept';

interface TableSpec {
  role: Role;
  columns: Record<string, Column>;
  /** The migration that created the table, when a snapshot taken before it may lack it. */
  since?: number;
}

/** In foreign-key order: a table comes after every table it refers to. */
export const TABLES = {
  runs: {
    role: 'replaced',
    columns: {
      id: 'serial', status: 'text', mode: 'text', batchSize: 'int', task: 'text?', source: 'text', startedAt: 'time',
      finishedAt: 'time?', pid: 'int?', host: 'text?', metricsJson: 'json', batchCountsJson: 'json', validationJson: 'json?',
      verdict: 'text?', flagsJson: 'json', error: 'text?', resumedFrom: 'long?', backupId: 'text?', review: 'text?',
      schemaVersion: 'int?', snapshotJson: 'json?', reconciliationJson: 'json?', sourceFingerprintJson: 'json?',
      sourceWindowJson: 'json?', foldStartId: 'long?', flagChangesJson: 'json?',
      sourceWarningsJson: 'json?', startedBy: 'text?', resumedAfterBatches: 'int?', followUpError: 'text?', afterResumeOf: 'long?',
      stopJson: 'json?',
    },
  },
  committees: {
    role: 'replaced',
    columns: { systemCode: 'text', name: 'text?', chamber: 'text?', parentCode: 'text?', createdRunId: 'long?' },
  },
  hearings: {
    role: 'replaced',
    columns: {
      eventId: 'text', congress: 'int', chamber: 'text', meetingType: 'text', meetingStatus: 'text', title: 'text',
      startsAt: 'text', updateDate: 'text?', room: 'text?', building: 'text?', address: 'text?', contentHash: 'text',
      contentJson: 'text', firstRunId: 'long', lastRunId: 'long', lastBatchSeq: 'int', lastPosition: 'int?',
    },
  },
  hearingCommittees: { role: 'replaced', columns: { eventId: 'text', systemCode: 'text', isPrimary: 'int', ordinal: 'int' } },
  witnesses: { role: 'replaced', columns: { id: 'serial', normalizedName: 'text', organizationKey: 'text', name: 'text', organization: 'text?' } },
  appearances: { role: 'replaced', columns: { eventId: 'text', witnessId: 'long', ordinal: 'int', position: 'text?' } },
  videos: { role: 'replaced', columns: { eventId: 'text', ordinal: 'int', name: 'text?', url: 'text' } },
  transcripts: { role: 'replaced', columns: { eventId: 'text', ordinal: 'int', jacketNumber: 'text?', url: 'text?' } },
  batches: {
    role: 'replaced',
    columns: {
      runId: 'long', seq: 'int', status: 'text', planned: 'int', written: 'int', added: 'int', updated: 'int', quarantined: 'int',
      retries: 'int', durationMs: 'long', error: 'text?', firstPosition: 'int', lastPosition: 'int', finishedAt: 'time',
    },
  },
  quarantine: {
    role: 'replaced',
    columns: {
      id: 'serial', runId: 'long', batchSeq: 'int?', eventId: 'text?', sourcePosition: 'int?', reasonsJson: 'text', rawJson: 'text',
      createdAt: 'time',
    },
  },
  checkpoints: {
    role: 'replaced',
    columns: {
      runId: 'long', batchSeq: 'int', nextPosition: 'int', metricsJson: 'json', batchCountsJson: 'json', positionsDoneJson: 'json',
      updatedAt: 'time', plannedRelatedJson: 'json?',
    },
  },
  /**
   * The keys of the items each committed batch of a re-listed run handled (congress/chamber/eventId;
   * a bare eventId from runs of migrations 016 to 018), written with its checkpoint: what a resume of
   * the run skips (migration 016). Deleted when the run ends unresumable. Absent from snapshots
   * taken before it, which restore it empty.
   */
  runHandled: { role: 'replaced', columns: { runId: 'long', itemKey: 'text' }, since: 16 },
  rollbackEvents: {
    role: 'kept',
    columns: {
      id: 'serial', runId: 'long', batchSeq: 'int?', operator: 'text', at: 'time', reason: 'text?', onConflict: 'text',
      restored: 'int', deleted: 'int', skipped: 'int', forced: 'int', createdRowsDeleted: 'int', createdRowsKept: 'int',
      runRolledBack: 'bool',
    },
  },
  undoJournal: {
    role: 'replaced',
    columns: {
      id: 'serial', runId: 'long', batchSeq: 'int', entity: 'text', entityKey: 'text', beforeJson: 'json?', afterHash: 'text?',
      createdAt: 'time', undoneBy: 'long?', undoOutcome: 'text?',
    },
  },
  /** Kept: a restore brings back data, never an older flag value (a kill switch flipped since stays on). */
  flagValues: { role: 'kept', columns: { flag: 'text', scope: 'text', valueJson: 'text', updatedAt: 'time', updatedBy: 'text' } },
  flagEvents: {
    role: 'kept',
    columns: { id: 'serial', flag: 'text', scope: 'text', oldJson: 'text?', newJson: 'text?', actor: 'text', reason: 'text', at: 'time', revertsEventId: 'long?' },
  },
  /**
   * Kept, as flag values are: a task is operations configuration, not data. Restoring yesterday's
   * database must not start a task disabled since, drop one added since, or wind its last firing
   * back (the scheduler would take the runs in between as missed and fire at once).
   */
  scheduledTasks: {
    role: 'kept',
    columns: {
      name: 'text', cron: 'text', source: 'text', lookbackDays: 'int', enabled: 'bool', createdAt: 'time', updatedAt: 'time',
      lastFiredAt: 'time?', lastRunId: 'long?', consecutiveFailures: 'int', retryAt: 'time?',
    },
  },
  /** Every change to a scheduled task (the task as JSON before and after, its source redacted): append-only. */
  taskEvents: {
    role: 'kept',
    columns: { id: 'serial', task: 'text', action: 'text', oldJson: 'text?', newJson: 'text', operator: 'text', at: 'time', reason: 'text?' },
  },
  notificationThrottle: { role: 'kept', columns: { cause: 'text', lastSentAt: 'time', folded: 'int' } },
  runReviews: {
    role: 'kept',
    columns: { id: 'serial', runId: 'long', action: 'text', reasonKind: 'text?', reason: 'text', operator: 'text', at: 'time' },
  },
  trials: {
    role: 'kept',
    columns: {
      id: 'serial', session: 'text', at: 'time', source: 'text', label: 'text', kind: 'text', level: 'text', magnitude: 'real?',
      runId: 'long?', caught: 'bool', caughtByJson: 'json', verdict: 'text?', detail: 'text?', task: 'text?', sensitivityVersion: 'int?',
      windowRuns: 'int?', firstAlertRun: 'int?', firstAlertRunId: 'long?', alertVerdict: 'text?',
    },
  },
  /** `operation` and `operator` name a holder that is not an update (its run id names that): what to wait for, whom to ask. */
  writerLock: { role: 'kept', columns: { id: 'int', runId: 'long?', pid: 'int', host: 'text', since: 'time', heartbeatAt: 'time', operation: 'text?', operator: 'text?' } },
  /** High-water marks no restore lowers: the next run id is always above every run id ever given. */
  sequences: { role: 'kept', columns: { name: 'text', value: 'long' } },
  restoreEvents: {
    role: 'kept',
    columns: {
      id: 'serial', snapshotId: 'text', snapshotTakenAt: 'time', safetySnapshotId: 'text?', operator: 'text', reason: 'text',
      at: 'time', hearingsBefore: 'int', hearingsAfter: 'int', repointedTasksJson: 'json', removedRunIdsJson: 'json?',
    },
  },
  /**
   * Rollbacks, restores and snapshot deletions as they start and end; one whose process died is settled by the next writer, an update too,
   * as what its audit shows it did (main/store/writer-attempts.ts). `lastEventBefore`: a rollback's or restore's newest event of its kind as it began (migration 041).
   */
  writerAttempts: {
    role: 'kept',
    columns: {
      id: 'serial', operation: 'text', operator: 'text?', pid: 'int', host: 'text', startedAt: 'time', endedAt: 'time?', outcome: 'text?', detail: 'text?',
      lastEventBefore: 'long?',
    },
  },
  /** Sensitivity settings per task, one row per saved version: the latest is in force (main/validation). */
  sensitivityVersions: {
    role: 'kept',
    columns: { id: 'serial', task: 'text', version: 'int', settingsJson: 'json', operator: 'text', reason: 'text', at: 'time' },
  },
  /** PostgreSQL's snapshot list (a SQLite database keeps its list in a manifest beside the file). */
  snapshots: {
    role: 'kept',
    columns: { id: 'text', place: 'text', createdAt: 'time', kind: 'text', runId: 'long?', sizeBytes: 'long', sha256: 'text' },
  },
  /** Guarded rollouts (main/rollouts/): where each stands, resumed from here after a restart. */
  rollouts: {
    role: 'kept',
    columns: {
      id: 'serial', name: 'text', state: 'text', flagChangesJson: 'json', canaryTask: 'text?', stagesJson: 'json', stageIndex: 'int',
      stageStartedAt: 'time', timeThreshold: 'real', autoPromote: 'bool', appliedJson: 'json', operator: 'text', reason: 'text',
      startedAt: 'time', updatedAt: 'time',
    },
  },
  /** Every check and decision of a rollout with the evidence it saw: append-only. */
  rolloutLedger: {
    role: 'kept',
    columns: {
      id: 'serial', rolloutId: 'long', at: 'time', stage: 'text', kind: 'text', decision: 'text?', operator: 'text', reason: 'text',
      runId: 'long?', evidenceJson: 'json',
    },
  },
} as const satisfies Record<string, TableSpec>;

type Tables = typeof TABLES;
export type TableName = keyof Tables;

type Value<K> = K extends 'text' | 'json' | 'time' ? string : number;
type ColumnValue<C> = C extends 'serial' ? Generated<number> : C extends `${infer K}?` ? Value<K> | null : Value<C>;

/** The Kysely database type: every table, every column, nothing written anywhere else. */
export type Database = { [T in TableName]: { [C in keyof Tables[T]['columns']]: ColumnValue<Tables[T]['columns'][C]> } };

/** The SQL name of a table or column: what Kysely's CamelCasePlugin writes for it. */
export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

export function columnsOf(table: TableName): string[] {
  return Object.keys(TABLES[table].columns);
}

/** The tables a restore replaces, in foreign-key order. */
export const REPLACED_TABLES = (Object.keys(TABLES) as TableName[]).filter((table) => TABLES[table].role === 'replaced');

/**
 * Replaced tables created after snapshots already existed (`since`): a snapshot may lack them, and
 * one whose copy is empty hashes as if it lacked them, so checksums taken before they existed hold.
 */
export function addedAfterSnapshots(table: TableName): boolean {
  return (TABLES[table] as TableSpec).since !== undefined;
}
