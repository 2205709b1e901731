import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { GatehouseError } from '../../shared/errors.js';
import type { SnapshotSupport, Store } from '../store/index.js';
import { withWriterLock } from './lock.js';

/**
 * SQLite file snapshots in `<db>.backups/` with a manifest (manifest.json) beside them. The
 * manifest is a file, not a table, because a restore replaces every table of the database.
 * Ages are measured from each snapshot's own recorded timestamp, never from file mtimes.
 */
export type SnapshotKind = 'before-run' | 'manual' | 'safety';

export interface Snapshot {
  id: string;
  file: string;
  createdAt: string;
  kind: SnapshotKind;
  /** The run the snapshot was taken before (before-run snapshots). */
  runId: number | null;
  sizeBytes: number;
  sha256: string;
}

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
}

export const DEFAULT_RETENTION: RetentionPolicy = { keep: 10, maxAgeDays: 30 };

interface Manifest {
  version: 1;
  snapshots: Snapshot[];
}

export function requireSnapshots(store: Store): SnapshotSupport {
  if (store.snapshots) return store.snapshots;
  throw new GatehouseError('UNSUPPORTED', `file snapshots exist for SQLite only; ${store.location} is ${store.backend}`, {
    hint: 'on PostgreSQL use the undo journal (gatehouse rollback) and your own pg_dump schedule',
  });
}

export function snapshotFolder(dbFile: string): string {
  return `${path.resolve(dbFile)}.backups`;
}

function manifestPath(folder: string): string {
  return path.join(folder, 'manifest.json');
}

export function readManifest(folder: string): Manifest {
  const file = manifestPath(folder);
  if (!fs.existsSync(file)) return { version: 1, snapshots: [] };
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest;
    if (!Array.isArray(parsed.snapshots)) throw new Error('no snapshots array');
    return parsed;
  } catch (error) {
    throw new GatehouseError('INPUT_INVALID', `snapshot manifest ${file} is unreadable: ${(error as Error).message}`);
  }
}

function writeManifest(folder: string, manifest: Manifest): void {
  const file = manifestPath(folder);
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, `${JSON.stringify(manifest, null, 2)}\n`);
  fs.renameSync(temporary, file);
}

export function sha256OfFile(file: string): string {
  const hash = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(1 << 20);
    for (let read = fs.readSync(fd, buffer); read > 0; read = fs.readSync(fd, buffer)) hash.update(buffer.subarray(0, read));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

function snapshotId(at: Date): string {
  return `${at.toISOString().replace(/[-:]/g, '').replace('.', '')}-${crypto.randomBytes(3).toString('hex')}`;
}

/** Takes an online snapshot, checks it (integrity_check) and records it with its checksum. */
export async function createSnapshot(
  store: Store,
  options: { kind: SnapshotKind; runId?: number | null; clock?: () => Date },
): Promise<Snapshot> {
  const snapshots = requireSnapshots(store);
  const folder = snapshotFolder(snapshots.file);
  fs.mkdirSync(folder, { recursive: true });
  const at = (options.clock ?? (() => new Date()))();
  const id = snapshotId(at);
  const file = path.join(folder, `${id}.sqlite`);
  const partial = `${file}.partial`;
  try {
    await snapshots.backupTo(partial);
    const problems = await snapshots.checkFile(partial);
    if (problems.length > 0) throw new GatehouseError('INVARIANT_BROKEN', `snapshot failed its integrity check: ${problems.slice(0, 3).join('; ')}`);
    fs.renameSync(partial, file);
  } catch (error) {
    fs.rmSync(partial, { force: true });
    if (error instanceof GatehouseError) throw error;
    throw new GatehouseError('DB_NOT_WRITABLE', `cannot write snapshot into ${folder}: ${(error as Error).message}`, { cause: error });
  }
  const snapshot: Snapshot = {
    id,
    file: path.basename(file),
    createdAt: at.toISOString(),
    kind: options.kind,
    runId: options.runId ?? null,
    sizeBytes: fs.statSync(file).size,
    sha256: sha256OfFile(file),
  };
  const manifest = readManifest(folder);
  manifest.snapshots.push(snapshot);
  writeManifest(folder, manifest);
  return snapshot;
}

export function listSnapshots(store: Store): Snapshot[] {
  const folder = snapshotFolder(requireSnapshots(store).file);
  return [...readManifest(folder).snapshots].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

/** Names the run a before-run snapshot was taken for, once the run has an id. */
export function attachRunToSnapshot(store: Store, snapshotId: string, runId: number): void {
  const folder = snapshotFolder(requireSnapshots(store).file);
  const manifest = readManifest(folder);
  const entry = manifest.snapshots.find((s) => s.id === snapshotId);
  if (!entry) return;
  entry.runId = runId;
  writeManifest(folder, manifest);
}

function findSnapshot(store: Store, id: string): Snapshot {
  const found = listSnapshots(store).find((s) => s.id === id);
  if (!found) throw new GatehouseError('NOT_FOUND', `no snapshot ${id} for ${store.location}`, { hint: 'see gatehouse backups list' });
  return found;
}

/** Checks the checksum recorded at creation and PRAGMA integrity_check; sizes alone prove nothing. */
export async function verifySnapshots(store: Store, id?: string): Promise<SnapshotCheck[]> {
  const snapshots = requireSnapshots(store);
  const folder = snapshotFolder(snapshots.file);
  const chosen = id === undefined ? listSnapshots(store) : [findSnapshot(store, id)];
  const checks: SnapshotCheck[] = [];
  for (const snapshot of chosen) {
    const file = path.join(folder, snapshot.file);
    const problems: string[] = [];
    if (!fs.existsSync(file)) problems.push(`file ${snapshot.file} is missing`);
    else {
      const sha = sha256OfFile(file);
      if (sha !== snapshot.sha256) problems.push(`checksum differs: recorded ${snapshot.sha256.slice(0, 12)}…, now ${sha.slice(0, 12)}…`);
      problems.push(...(await snapshots.checkFile(file)));
    }
    checks.push({ id: snapshot.id, ok: problems.length === 0, problems });
  }
  return checks;
}

/**
 * What retention would delete now, without touching anything: of the snapshots newest first, those
 * past the newest `keep` or older than `maxAgeDays` by their own timestamp — never the newest.
 */
export function snapshotsToPrune(store: Store, policy: RetentionPolicy = DEFAULT_RETENTION, now: Date = new Date()): Snapshot[] {
  if (!Number.isInteger(policy.keep) || policy.keep < 1) throw new GatehouseError('USAGE', `keep must be a whole number ≥ 1, got ${policy.keep}`);
  if (!(policy.maxAgeDays > 0)) throw new GatehouseError('USAGE', `max age must be a positive number of days, got ${policy.maxAgeDays}`);
  const cutoff = now.getTime() - policy.maxAgeDays * 86_400_000;
  return listSnapshots(store).filter((s, rank) => rank > 0 && (rank >= policy.keep || Date.parse(s.createdAt) < cutoff));
}

/** Applies retention (see snapshotsToPrune): deletes those snapshot files and their manifest entries. */
export function pruneSnapshots(store: Store, policy: RetentionPolicy = DEFAULT_RETENTION, now: Date = new Date()): Snapshot[] {
  const pruned = snapshotsToPrune(store, policy, now);
  const folder = snapshotFolder(requireSnapshots(store).file);
  const manifest = readManifest(folder);
  const prunedIds = new Set(pruned.map((s) => s.id));
  for (const snapshot of pruned) fs.rmSync(path.join(folder, snapshot.file), { force: true });
  manifest.snapshots = manifest.snapshots.filter((s) => !prunedIds.has(s.id));
  writeManifest(folder, manifest);
  return pruned;
}

/**
 * Retention asked for by an operator rather than by a run: a dry run only lists what would go; a
 * real one takes the writer lock first, so it never rewrites the manifest while a run's before-run
 * snapshot is adding to it.
 */
export async function pruneSnapshotsOnRequest(store: Store, policy: RetentionPolicy, options: { dryRun: boolean; clock?: () => Date }): Promise<Snapshot[]> {
  const clock = options.clock ?? (() => new Date());
  if (options.dryRun) return snapshotsToPrune(store, policy, clock());
  return withWriterLock(store, clock, 'prune snapshots', async () => pruneSnapshots(store, policy, clock()));
}

export interface RestoreReport {
  restoredFrom: Snapshot;
  safetySnapshot: Snapshot;
  hearingsBefore: number;
  hearingsAfter: number;
  message: string;
}

/**
 * Replaces the live database with a snapshot. Refuses while a run holds the lock or when the
 * snapshot fails verification; takes a safety snapshot of the current state first.
 */
export async function restoreSnapshot(store: Store, id: string, clock: () => Date = () => new Date()): Promise<RestoreReport> {
  const snapshots = requireSnapshots(store);
  const chosen = findSnapshot(store, id);
  return withWriterLock(store, clock, 'restore', async () => {
    const [check] = await verifySnapshots(store, id);
    if (!check?.ok) throw new GatehouseError('INVARIANT_BROKEN', `snapshot ${id} failed verification: ${check?.problems.join('; ')}; nothing was restored`);
    const hearingsBefore = await store.countHearings();
    const safetySnapshot = await createSnapshot(store, { kind: 'safety', clock });
    await snapshots.restoreFrom(path.join(snapshotFolder(snapshots.file), chosen.file));
    const hearingsAfter = await store.countHearings();
    return {
      restoredFrom: chosen,
      safetySnapshot,
      hearingsBefore,
      hearingsAfter,
      message: `restored ${store.location} from snapshot ${id} (taken ${chosen.createdAt}); hearings ${hearingsBefore} → ${hearingsAfter}; the state before the restore is snapshot ${safetySnapshot.id}`,
    };
  });
}
