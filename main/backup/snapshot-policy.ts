import type { RunMode, SnapshotDecision } from '../../shared/run.js';
import type { BeforeRunInput } from '../engine/index.js';
import { SCHEMA_VERSION, type Store } from '../store/index.js';
import { listSnapshots } from './snapshots.js';

/**
 * Snapshots by policy, not per run (issue 12 #6): a full copy costs the whole database every run,
 * while the undo journal already makes each run reversible. A snapshot is due before the first run
 * of the UTC day, and before a run whose mode, batch settings or schema version differ from the
 * last run a snapshot was taken before: the runs most likely to need more than the journal.
 */
export type SnapshotRequest =
  /** The policy decides. */
  | { kind: 'policy' }
  /** `--snapshot`: take one whatever the policy says. */
  | { kind: 'force' }
  /** `--no-snapshot` or ENABLE_SNAPSHOTS off, with which of them it was. */
  | { kind: 'skip'; reason: string };

/** Flags that change how batches are cut and committed; any change to one makes a snapshot due. */
const BATCH_SETTING = /BATCH|ISOLATION/;

export async function decideSnapshot(store: Store, run: Omit<BeforeRunInput, 'store'>, request: SnapshotRequest, now: Date): Promise<SnapshotDecision> {
  if (request.kind === 'skip') return { taken: false, reason: request.reason };
  if (request.kind === 'force') return { taken: true, reason: 'asked for (--snapshot)' };
  const [newest] = await listSnapshots(store);
  if (!newest) return { taken: true, reason: 'no snapshot of this database exists yet' };
  const today = utcDay(now);
  if (utcDay(new Date(newest.createdAt)) < today) return { taken: true, reason: `first run of ${today} (UTC): the newest snapshot is from ${utcDay(new Date(newest.createdAt))}` };
  const last = await lastSnapshottedRun(store);
  if (!last) return { taken: true, reason: 'no earlier run was snapshotted, so there are no settings to compare with' };
  const change = settingsChange(last, run);
  if (change) return { taken: true, reason: `${change} since run ${last.runId}, the last run snapshotted` };
  return {
    taken: false,
    reason: `no snapshot due: snapshot ${newest.id} is from today and mode, batch settings and schema are those of run ${last.runId}, the last run snapshotted; the undo journal makes this run reversible`,
  };
}

interface SnapshottedRun {
  runId: number;
  mode: RunMode;
  batchSize: number;
  flags: Record<string, unknown>;
  /** null: the run predates migration 010, which began recording it. */
  schemaVersion: number | null;
}

/** The settings of the newest run a snapshot was taken before (what the snapshot policy compares with); null when none was. */
async function lastSnapshottedRun(store: Store): Promise<SnapshottedRun | null> {
  const row = await store.queries.db
    .selectFrom('runs')
    .select(['id', 'mode', 'batchSize', 'flagsJson', 'schemaVersion'])
    .where('backupId', 'is not', null)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!row) return null;
  return { runId: row.id, mode: row.mode as RunMode, batchSize: row.batchSize, flags: JSON.parse(row.flagsJson), schemaVersion: row.schemaVersion };
}

/** What differs between the last snapshotted run and this one, or null. */
function settingsChange(last: SnapshottedRun, run: Omit<BeforeRunInput, 'store'>): string | null {
  if (last.schemaVersion !== SCHEMA_VERSION) return `schema version changed: ${last.schemaVersion ?? 'before 11'} → ${SCHEMA_VERSION}`;
  if (last.mode !== run.mode) return `mode changed: ${last.mode} → ${run.mode}`;
  if (last.batchSize !== run.batchSize) return `batch size changed: ${last.batchSize} → ${run.batchSize}`;
  const names = new Set([...Object.keys(last.flags), ...Object.keys(run.flags)].filter((name) => BATCH_SETTING.test(name)));
  for (const name of [...names].sort()) {
    const before = JSON.stringify(last.flags[name] ?? null);
    const after = JSON.stringify(run.flags[name] ?? null);
    if (before !== after) return `batch setting ${name} changed: ${before} → ${after}`;
  }
  return null;
}

function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}
